// Shared helpers of the validate_* tests: the real code book and a valid case.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "codes/codebook.h"
#include "schema/validate.h"
#include "xf/source_dir.h"

namespace xf::schema::testing {

inline constexpr Date kToday{2026, 3, 1};

// The code book shipped in codes/data, loaded once.
inline const codes::CodeBook& Book() {
  static const auto loaded = codes::CodeBook::Load(XF_SOURCE_DIR "/codes/data");
  if (!loaded) FAIL("cannot load codes/data: " << loaded.error().message);
  return **loaded;
}

// A registration that passes every check (received 2026-02-16).
inline CaseRegistration ValidCase() {
  CaseRegistration c;
  c.received_date = Date{2026, 2, 16};
  c.channel = "200";
  c.registering_body = "110105";
  c.registrar = "王晓梅";
  Petitioner p;
  p.name = "李建国";
  p.gender = "1";
  p.ethnicity = "01";
  p.id_number = "440524188001010014";
  p.phone = "138-1234-5678";
  p.address = "北京市朝阳区建国路88号";
  p.address_division = "110105";
  p.education = "21";
  p.political_status = "13";
  p.employer = "朝阳区某物业公司";
  p.first = true;
  c.petitioners.push_back(p);
  c.summary = "信访人反映所在小区物业公司擅自提高物业费。\n已多次与物业沟通未果。";
  c.requests = "要求按合同标准收取物业费。";
  c.problem_place = "110105";
  c.content_category = "010101";
  c.purpose = "02";
  c.due_date = Date{2026, 4, 17};
  c.attachments.push_back({"7987561696fd96d317d0726c0463134f139a0f0f15568aa642678442e69ff3bd", 9,
                           "text/plain", "附件一.txt"});
  return c;
}

inline Violations Validate(const CaseRegistration& c, const RecordLimits& limits = {}) {
  return ValidateCase(c, Book(), limits, kToday);
}

// "R1 attachments[0].sha256"-style lines, for compact comparisons.
inline std::string Lines(const Violations& v) {
  std::string out;
  for (const Violation& x : v) out += x.rule + " " + x.field + "\n";
  return out;
}

inline bool Has(const Violations& v, std::string_view rule, std::string_view field) {
  return std::any_of(v.begin(), v.end(),
                     [&](const Violation& x) { return x.rule == rule && x.field == field; });
}

inline const Violation* Find(const Violations& v, std::string_view field) {
  auto it = std::find_if(v.begin(), v.end(), [&](const Violation& x) { return x.field == field; });
  return it == v.end() ? nullptr : &*it;
}

}  // namespace xf::schema::testing
