// The writer's XML against schema/xfnode.xsd, and the example files in
// test/data/xml/. The examples written from mapping_samples.h are compared
// with the writer's output so that they never drift; regenerate them with
//   XF_REGEN_XML=1 unit_schema -tc='mapping: example*'
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mapping_samples.h"
#include "schema/detail/xsd.h"
#include "schema/json.h"
#include "schema/xml.h"
#include "xf/source_dir.h"

namespace xf::schema {
namespace {

namespace fs = std::filesystem;
using detail::XsdValidator;
using mapping_test::CollectiveCase;
using mapping_test::SampleEvents;
using mapping_test::SingleCase;

fs::path SourceDir() {
  const char* env = std::getenv("XF_SOURCE_DIR");
  return env != nullptr && *env != '\0' ? fs::path(env) : fs::path(XF_SOURCE_DIR);
}

const XsdValidator& Xsd() {
  static const auto loaded =
      XsdValidator::Load((SourceDir() / "schema" / std::string(XsdFileName())).string());
  if (!loaded) FAIL("cannot load the XSD: " << loaded.error().message);
  return **loaded;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Tag(const std::string& name, const std::string& text) {
  return "<" + name + ">" + text + "</" + name + ">";
}

// A batch as the exchange packs one: a header, then the events' canonical
// XML verbatim.
std::string BatchXml(const std::vector<Event>& events) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<batch xmlns=\"";
  out += kXmlNamespace;
  out += "\"><header>" + Tag("batch_id", "440106-main-42") + Tag("origin", "440106") +
         Tag("destination", "440100") + Tag("stream", "main") + Tag("seq", "42") +
         Tag("created", "2026-06-23T00:01:00Z") + Tag("code_version", "xf-2026.1") +
         Tag("record_count", std::to_string(events.size()));
  std::vector<std::string> hashes;
  for (const auto& e : events) {
    std::visit(
        [&](const auto& body) {
          if constexpr (requires { body.attachments; }) {
            for (const auto& a : body.attachments) hashes.push_back(a.sha256);
          }
        },
        e.body);
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  if (!hashes.empty()) {
    out += "<attachments>";
    for (const auto& h : hashes) out += Tag("sha256", h);
    out += "</attachments>";
  }
  out += "</header>";
  for (const auto& e : events) out += EventToXml(e);
  out += "</batch>\n";
  return out;
}

// The example files the writer owns, by file name.
std::map<std::string, std::string> WrittenExamples() {
  std::map<std::string, std::string> files;
  files["case_single.xml"] = CaseToXml(SingleCase());
  files["case_collective_repeat.xml"] = CaseToXml(CollectiveCase());
  std::vector<Event> events;
  for (const auto& [name, e] : SampleEvents()) {
    files[name + ".xml"] = EventToXml(e) + "\n";
    events.push_back(e);
  }
  files["batch_440106_to_440100.xml"] = BatchXml(events);
  files["event_duplicate_notice.xml"] = EventToXml(mapping_test::SampleNotice()) + "\n";
  return files;
}

void CheckValid(const std::string& xml) {
  const Status s = Xsd().Validate(xml);
  CHECK_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().message) << "\n" << xml);
}

TEST_CASE("mapping: every XML the writer produces validates against xfnode.xsd") {
  CheckValid(CaseToXml(SingleCase()));
  CheckValid(CaseToXml(CollectiveCase()));
  for (const auto& [name, e] : SampleEvents()) {
    CAPTURE(name);
    CheckValid(EventToXml(e));
  }
  CheckValid(EventToXml(mapping_test::SampleNotice()));
  // Variants: every optional field absent, the other enum values.
  CaseRegistration minimal = SingleCase();
  minimal.case_id.clear();
  minimal.visit_type.clear();
  minimal.registering_body.clear();
  minimal.registered_at = Instant{};
  minimal.responsible_unit.clear();
  minimal.due_date.reset();
  minimal.attachments.clear();
  minimal.petitioners[0] = Petitioner{.name = "佚名", .gender = "9", .first = true};
  CheckValid(CaseToXml(minimal));
  Event e = SampleEvents()[2].second;
  std::get<Transfer>(e.body) = Transfer{.target = "440106"};
  CheckValid(EventToXml(e));
  e.kind = EventKind::kEvaluation;
  e.body = Evaluation{.target = Evaluation::Target::kBureau, .value = "1"};
  CheckValid(EventToXml(e));
  e.kind = EventKind::kClosure;
  e.body = Closure{};
  CheckValid(EventToXml(e));
  e.kind = EventKind::kSupervision;
  e.body = Supervision{.instructions = "请核查"};
  CheckValid(EventToXml(e));
  // Text the escaping has to carry.
  CaseRegistration odd = CollectiveCase();
  odd.summary = "a<b>&c\"d'e\r\nf\tg ]]> h \xef\xbf\xbd";
  CheckValid(CaseToXml(odd));
  // A batch of all of it.
  std::vector<Event> events;
  for (const auto& [name, ev] : SampleEvents()) events.push_back(ev);
  CheckValid(BatchXml(events));
}

TEST_CASE("mapping: the example cases in JSON (test/data/cases/valid) pass the XSD as XML") {
  // Records that validation accepts must not be refused by the XSD.
  const fs::path dir = SourceDir() / "test" / "data" / "cases" / "valid";
  if (!fs::exists(dir)) return;
  int n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    CAPTURE(entry.path().filename().string());
    Violations v;
    auto c = CaseFromJson(ReadFile(entry.path()), v);
    REQUIRE_MESSAGE(c.ok(), c.error().message);
    CHECK(v.empty());
    if (c->case_id.empty()) c->case_id = "440106-2026-0000001";  // as the node mints it
    CheckValid(CaseToXml(*c));
    ++n;
  }
  CHECK(n > 0);
}

TEST_CASE("mapping: the XSD rejects what the writer cannot make valid") {
  CaseRegistration c = SingleCase();
  c.petitioners[0].id_number = "44010619850315234";  // 17 digits
  CHECK_FALSE(Xsd().Validate(CaseToXml(c)).ok());
  c = SingleCase();
  c.summary.clear();  // required
  CHECK_FALSE(Xsd().Validate(CaseToXml(c)).ok());
  c = SingleCase();
  c.content_category = "01A101";
  CHECK_FALSE(Xsd().Validate(CaseToXml(c)).ok());
  c = SingleCase();
  c.petitioners.clear();
  CHECK_FALSE(Xsd().Validate(CaseToXml(c)).ok());
  Event e = SampleEvents()[1].second;
  e.seq = 0;  // not stored yet: not exchangeable
  CHECK_FALSE(Xsd().Validate(EventToXml(e)).ok());
  e = SampleEvents()[1].second;
  e.origin = "4401";
  CHECK_FALSE(Xsd().Validate(EventToXml(e)).ok());
  // Not well-formed and hostile input fail the same quiet way.
  const Status s = Xsd().Validate("<!DOCTYPE case><case/>");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == Errc::kInvalidArgument);
}

TEST_CASE("mapping: example XML files match the writer (XF_REGEN_XML=1 rewrites them)") {
  const fs::path dir = SourceDir() / "test" / "data" / "xml" / "valid";
  const char* regen = std::getenv("XF_REGEN_XML");
  const bool write = regen != nullptr && std::string(regen) == "1";
  for (const auto& [name, xml] : WrittenExamples()) {
    CAPTURE(name);
    if (write) {
      fs::create_directories(dir);
      std::ofstream(dir / name, std::ios::binary) << xml;
    }
    REQUIRE_MESSAGE(fs::exists(dir / name), "missing; run with XF_REGEN_XML=1");
    CHECK_MESSAGE(ReadFile(dir / name) == xml, "stale; run with XF_REGEN_XML=1");
  }
}

TEST_CASE("mapping: example XML files — valid pass the XSD and parse clean, invalid fail") {
  const fs::path root = SourceDir() / "test" / "data" / "xml";
  int valid = 0, invalid = 0;
  for (const auto& entry : fs::directory_iterator(root / "valid")) {
    if (entry.path().extension() != ".xml") continue;
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    const std::string xml = ReadFile(entry.path());
    CheckValid(xml);
    ++valid;
    Violations v;
    if (name.rfind("case_", 0) == 0) {
      auto r = CaseFromXml(xml, v);
      CHECK_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
      CHECK(v.empty());
    } else if (name.rfind("event_", 0) == 0) {
      auto r = EventFromXml(xml, v);
      CHECK_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
      CHECK(v.empty());
    }
  }
  for (const auto& entry : fs::directory_iterator(root / "invalid")) {
    if (entry.path().extension() != ".xml") continue;
    CAPTURE(entry.path().filename().string());
    CHECK_FALSE(Xsd().Validate(ReadFile(entry.path())).ok());
    ++invalid;
  }
  CHECK(valid >= 14);
  CHECK(invalid >= 6);
}

}  // namespace
}  // namespace xf::schema
