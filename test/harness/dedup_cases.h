// What the duplicate-detection tests through real nodes share (test/integration/dedup_*_test.cc):
// 王秀兰's letter and its retyped copy, and the calls whose answers they read.
// Header-only: it uses doctest's REQUIRE, which only the test programs link.
#pragma once

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "test/harness/harness.h"
#include "test/harness/topology.h"

namespace xf::test::dedup_cases {

// 王秀兰's letter about the property fee (problem place 110105), as a county
// registers it (test/data/cases/valid/visit-property-fee.json without the
// fields the node fills, and without attachments).
inline boost::json::object Letter() {
  auto o = boost::json::parse(ReadText(SourceDir() / "test" / "data" / "cases" / "valid" / "visit-property-fee.json"))
               .as_object();
  o.erase("registering_body");
  o.erase("registered_at");
  o.erase("attachments");
  return o;
}

// The same letter as another clerk registers it two days later: the summary
// retyped, her phone only (no ID number).
inline boost::json::object SameLetterRetyped() {
  auto o = Letter();
  o["received_date"] = "2025-04-10";
  auto& p = o["petitioners"].as_array()[0].as_object();
  p.erase("id_number");
  o["summary"] = "王秀兰来信反映：三里屯街道某小区物业公司从二〇二五年三月起，把物业费由每月每平方米2.2元涨到3.5元，"
                 "没有经过业主大会表决。";
  return o;
}

// A call to node `node`'s local API that must answer `expect`: its JSON object.
inline boost::json::object Call(Topology& t, const std::string& node, const std::string& method,
                                const std::string& path, const std::string& body = "", int expect = 200) {
  auto r = t.Node(node).Call(method, path, body);
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == expect, r->body);
  return boost::json::parse(r->body).as_object();
}

// The candidate naming `case_id` in a duplicates answer, or nullptr.
inline const boost::json::object* Candidate(const boost::json::object& answer, const std::string& case_id) {
  for (const auto& c : answer.at("candidates").as_array()) {
    if (c.at("case_id").as_string() == case_id) return &c.as_object();
  }
  return nullptr;
}

}  // namespace xf::test::dedup_cases
