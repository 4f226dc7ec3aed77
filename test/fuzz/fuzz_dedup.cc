// libFuzzer target: the duplicate matcher (dedup/) on text from other nodes.
// Summaries, requests, names, phones, ID numbers and addresses arrive in
// batches from anywhere; whatever their bytes, normalisation, the keys, the
// terms and the comparison neither crash nor hang, and their outputs keep
// their contracts: normalised text is valid UTF-8 without a leading,
// trailing or double space; terms hold no separator; the stored form of the
// persons reads back as written; a score lies in [0, 1].
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dedup/matcher.h"
#include "dedup/normalize.h"

namespace {

bool ValidUtf8(std::string_view s) {
  return xf::dedup::ToUtf8(xf::dedup::ToCodePoints(s)) == s;
}

void CheckText(const std::string& t) {
  if (!ValidUtf8(t)) std::abort();
  if (!t.empty() && (t.front() == ' ' || t.back() == ' ')) std::abort();
  if (t.find("  ") != std::string::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16 * 1024) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  // The input cut at NUL bytes into the fields of two registrations.
  std::string field[12];
  std::size_t k = 0;
  for (char c : in) {
    if (c == '\0') {
      if (++k == 12) break;
      continue;
    }
    field[k].push_back(c);
  }
  xf::schema::CaseRegistration reg[2];
  for (int r = 0; r < 2; ++r) {
    const std::string* f = field + 6 * r;
    xf::schema::Petitioner p;
    p.name = f[0];
    p.id_number = f[1];
    p.phone = f[2];
    p.address = f[3];
    reg[r].petitioners.push_back(p);
    reg[r].summary = f[4];
    reg[r].requests = f[5];
    reg[r].problem_place = f[1].substr(0, 9);
    reg[r].content_category = f[2].substr(0, 6);
  }
  const xf::dedup::Features a = xf::dedup::Extract(reg[0]), b = xf::dedup::Extract(reg[1]);
  for (const auto* f : {&a, &b}) {
    CheckText(f->summary);
    CheckText(f->requests);
    for (const auto& p : f->persons) {
      CheckText(p.address);
      if (!p.id18.empty() && p.id18.size() != 18) std::abort();
      for (const auto& phone : p.phones) {
        if (phone.find_first_not_of("0123456789") != std::string::npos) std::abort();
      }
      if (p.name.find_first_of("\t\n") != std::string::npos) std::abort();
    }
    const auto back = xf::dedup::DecodePersons(xf::dedup::EncodePersons(f->persons));
    if (back.size() != f->persons.size()) std::abort();
    for (std::size_t i = 0; i < back.size(); ++i) {
      if (back[i].id18 != f->persons[i].id18 || back[i].name != f->persons[i].name ||
          back[i].phones != f->persons[i].phones || back[i].address != f->persons[i].address) {
        std::abort();
      }
    }
    for (const auto& t : xf::dedup::QueryTerms(*f)) {
      if (t.find_first_of(" \t\n\"") != std::string::npos || t.size() < 7) std::abort();
    }
    for (const auto key : xf::dedup::PersonKeys(*f)) {
      if (key < 0) std::abort();
    }
  }
  xf::dedup::BigramWeights weights;
  weights.Add(a);
  weights.Add(b);
  weights.Finish();
  const xf::dedup::Match m = xf::dedup::Query(a, &weights).Against(b);
  if (!(m.score >= 0 && m.score <= 1) || !(m.text >= 0 && m.text <= 1.0000001)) std::abort();
  if (m.reasons.empty()) std::abort();
  (void)xf::dedup::DecodePersons(in);  // stored bytes read back, whatever they are
  return 0;
}
