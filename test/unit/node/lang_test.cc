// node/lang.h: the words of a refused record from its rule and field (what a
// receipt and the rejections table keep), Chinese by default, English on
// request, the machine-readable parts and the English reason kept beside.
#include <doctest/doctest.h>

#include <string>

#include "node/lang.h"

namespace xf::node {
namespace {

TEST_CASE("RuleLabel names every exchange rule in both languages") {
  for (const char* rule : {"R1", "R2", "R3", "R4", "R5", "R6", "R7"}) {
    CAPTURE(rule);
    CHECK(!RuleLabel(rule).empty());
    CHECK(!RuleLabel(rule, true).empty());
    CHECK(RuleLabel(rule) != RuleLabel(rule, true));
  }
  CHECK(RuleLabel("R3") == "数据不规范");
  CHECK(RuleLabel("R3", true) == "malformed data");
  CHECK(RuleLabel("R9").empty());
  CHECK(RuleLabel("").empty());
}

TEST_CASE("FieldLabel puts each segment of a path in Chinese, keeping indexes and unknown names") {
  CHECK(FieldLabel("received_date") == "信访日期");
  CHECK(FieldLabel("petitioners[0].id_number") == "信访人[0]·公民身份号码");
  CHECK(FieldLabel("attachments[5].size") == "附件[5]·大小");
  CHECK(FieldLabel("fields[0].path") == "更正字段[0]·字段路径");
  CHECK(FieldLabel("no_such_field") == "no_such_field");
  CHECK(FieldLabel("petitioners[0].no_such") == "信访人[0]·no_such");
  CHECK(FieldLabel("").empty());
  CHECK(FieldLabel("petitioners[0].id_number", true) == "petitioners[0].id_number");
}

TEST_CASE("FieldWords: the words with the path beside, or the path alone") {
  CHECK(FieldWords("received_date") == "信访日期（received_date）");
  CHECK(FieldWords("petitioners[0].id_number") == "信访人[0]·公民身份号码（petitioners[0].id_number）");
  CHECK(FieldWords("xyz") == "xyz");
}

TEST_CASE("RejectionLine: Chinese words from rule and field, the field and the English reason beside") {
  const std::string reason = "received_date (信访日期) 2025-13-01 is not a date";
  CHECK(RejectionLine("R3", "received_date", reason) == "R3 数据不规范，信访日期（received_date）：" + reason);
  CHECK(RejectionLine("R3", "received_date", reason, true) == "R3 received_date: " + reason);
  // The whole record (no field), an unknown field, no reason.
  CHECK(RejectionLine("R6", "", "") == "R6 引用了未知的记录");
  CHECK(RejectionLine("R3", "xyz", "bad") == "R3 数据不规范，xyz：bad");
  CHECK(RejectionLine("R6", "case_id", "", true) == "R6 case_id");
  // An unknown rule keeps its id and the rest.
  CHECK(RejectionLine("R9", "summary", "odd") == "R9，概况（summary）：odd");
}

TEST_CASE("Localise: English words for a violation with no Chinese message (the copy survives the insert)") {
  // A violation object without "message": setting it inserts a key and may
  // rehash the object, so the English words must be copied first (ASan saw
  // a use after free here).
  exchange::HttpResponse r;
  r.status = 422;
  r.body = R"({"error":"x","message":"中文","message_en":"English","violations":[)"
           R"({"rule":"R3","field":"a","b":1,"c":2,"d":3,"e":4,"message_en":"only English here"}]})";
  Localise(r, true);
  CHECK(r.body.find("\"message\":\"English\"") != std::string::npos);
  CHECK(r.body.find("\"message\":\"only English here\"") != std::string::npos);
  CHECK(r.body.find("message_en") == std::string::npos);
  exchange::HttpResponse zh = r;
  zh.body = R"({"message":"中文","message_en":"English"})";
  Localise(zh, false);
  CHECK(zh.body == R"({"message":"中文"})");
}

}  // namespace
}  // namespace xf::node
