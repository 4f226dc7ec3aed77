// Hostile XML: DTDs and entities, deep nesting, oversized text and
// documents, broken bytes. Every one is refused with an Error, quietly
// (nothing on stderr), and without touching the file system or network.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "mapping_samples.h"
#include "schema/detail/xml_reader.h"
#include "schema/xml.h"

namespace xf::schema {
namespace {

const std::string kNs = "xmlns=\"urn:xfnode:exchange:1\"";

// Runs `f` with stderr sent to a temporary file; returns what was written.
template <class F>
std::string CaptureStderr(F f) {
  std::fflush(stderr);
  FILE* tmp = std::tmpfile();
  REQUIRE(tmp != nullptr);
  const int saved = dup(STDERR_FILENO);
  dup2(fileno(tmp), STDERR_FILENO);
  f();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::string out;
  std::rewind(tmp);
  char buf[512];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, tmp)) > 0) out.append(buf, n);
  std::fclose(tmp);
  return out;
}

Errc CaseError(const std::string& xml, const XmlLimits& limits = {}) {
  Violations v;
  auto r = CaseFromXml(xml, v, limits);
  REQUIRE_FALSE(r.ok());
  CHECK_FALSE(r.error().message.empty());
  CHECK(v.empty());
  return r.error().code;
}

Errc EventError(const std::string& xml, const XmlLimits& limits = {}) {
  Violations v;
  auto r = EventFromXml(xml, v, limits);
  REQUIRE_FALSE(r.ok());
  CHECK(v.empty());
  return r.error().code;
}

const char* kBillionLaughs = R"(<?xml version="1.0"?>
<!DOCTYPE case [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<case xmlns="urn:xfnode:exchange:1"><summary>&lol9;</summary></case>)";

TEST_CASE("mapping: hostile XML — DTDs and entities are refused") {
  CHECK(CaptureStderr([] { std::fputs("seen", stderr); }) == "seen");  // the probe works
  const std::string err = CaptureStderr([] {
    CHECK(CaseError(kBillionLaughs) == Errc::kInvalidArgument);
    // External entity (XXE) and external DTD.
    CHECK(CaseError("<?xml version=\"1.0\"?><!DOCTYPE case [<!ENTITY xxe SYSTEM "
                    "\"file:///etc/passwd\">]><case " +
                    kNs + "><summary>&xxe;</summary></case>") == Errc::kInvalidArgument);
    CHECK(CaseError("<!DOCTYPE case SYSTEM \"http://example.invalid/x.dtd\"><case " + kNs + "/>") ==
          Errc::kInvalidArgument);
    CHECK(EventError("<!DOCTYPE event PUBLIC \"-//x//y\" \"x.dtd\"><event " + kNs + "/>") ==
          Errc::kInvalidArgument);
    // An entity reference with no DTD at all is not well-formed.
    CHECK(CaseError("<case " + kNs + "><summary>&xxe;</summary></case>") == Errc::kInvalidArgument);
  });
  CHECK(err.empty());
}

TEST_CASE("mapping: hostile XML — percent signs are just text") {
  Violations v;
  auto r = CaseFromXml("<case " + kNs + "><summary>%pe; 100%</summary></case>", v);
  REQUIRE(r.ok());
  CHECK(r->summary == "%pe; 100%");
}

TEST_CASE("mapping: hostile XML — XInclude is not processed") {
  Violations v;
  auto r = CaseFromXml("<case " + kNs +
                           " xmlns:xi=\"http://www.w3.org/2001/XInclude\"><summary><xi:include "
                           "href=\"/etc/passwd\" parse=\"text\"/></summary></case>",
                       v);
  REQUIRE(r.ok());
  CHECK(r->summary.empty());
  // An element inside a value (and the missing received_date).
  CHECK(std::any_of(v.begin(), v.end(), [](const Violation& x) { return x.field == "summary"; }));
}

TEST_CASE("mapping: hostile XML — depth bomb") {
  std::string deep = "<case " + kNs + ">";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  const std::string err = CaptureStderr([&] {
    CHECK(CaseError(deep) == Errc::kLimit);
    std::string deep_event = "<event " + kNs + ">";
    for (int i = 0; i < 50; ++i) deep_event += "<registration>";
    CHECK(EventError(deep_event) == Errc::kLimit);
  });
  CHECK(err.empty());
  // Our own records fit the default depth with room to spare.
  Violations v;
  CHECK(
      EventFromXml(EventToXml(mapping_test::SampleEvents()[0].second), v, XmlLimits{.max_depth = 5})
          .ok());
  CHECK_FALSE(
      EventFromXml(EventToXml(mapping_test::SampleEvents()[0].second), v, XmlLimits{.max_depth = 4})
          .ok());
}

TEST_CASE("mapping: hostile XML — oversized text, attribute and document") {
  const std::string big(70 * 1024, 'x');
  CHECK(CaseError("<case " + kNs + "><summary>" + big + "</summary></case>") == Errc::kLimit);
  // Split into text and CDATA pieces: the sum counts.
  const std::string half(40 * 1024, 'y');
  CHECK(CaseError("<case " + kNs + "><summary>" + half + "<![CDATA[" + half +
                  "]]></summary></case>") == Errc::kLimit);
  CHECK(EventError("<event " + kNs + " actor=\"" + big + "\"/>") == Errc::kLimit);
  const std::string doc = CaseToXml(mapping_test::CollectiveCase());
  CHECK(CaseError(doc, XmlLimits{.max_bytes = doc.size() - 1}) == Errc::kLimit);
  Violations v;
  CHECK(CaseFromXml(doc, v, XmlLimits{.max_bytes = doc.size()}).ok());
  CHECK(CaseError("<case " + kNs + "><summary>" + std::string(101, 'z') + "</summary></case>",
                  XmlLimits{.max_text = 100}) == Errc::kLimit);
}

TEST_CASE("mapping: hostile XML — an element with 100,000 attributes is refused before libxml2 parses it") {
  std::string many = "<event " + kNs;
  for (int i = 0; i < 100000; ++i) many += " a" + std::to_string(i) + "=\"" + std::to_string(i) + "\"";
  many += "/>";
  REQUIRE(many.size() > 1'000'000);
  Violations v;
  auto r = EventFromXml(many, v);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kLimit);
  CHECK(r.error().message.find("more than 32 attributes") != std::string::npos);
  CHECK(r.error().message.find("field: attributes") != std::string::npos);
  // The same streamed (a batch read from its file): refused as the bytes come.
  std::size_t at = 0;
  detail::XmlPull pull(
      [&](char* buf, int len) {
        const auto n = std::min<std::size_t>(static_cast<std::size_t>(len), many.size() - at);
        std::memcpy(buf, many.data() + at, n);
        at += n;
        return static_cast<int>(n);
      },
      XmlLimits{});
  while (pull.Next() != detail::XmlPull::Tok::kError) {
  }
  CHECK(pull.error().code == Errc::kLimit);
  CHECK(at < many.size());  // refused before the end of the element
  // Quoted '=' and '>' are values, not attributes; 32 attributes pass the bound.
  std::string ok = "<event " + kNs;
  for (int i = 0; i < 31; ++i) ok += " a" + std::to_string(i) + "='x=y>z'";
  ok += "/>";
  Violations ov;
  auto parsed = EventFromXml(ok, ov);
  CHECK((parsed.ok() || parsed.error().code != Errc::kLimit));
}

TEST_CASE("mapping: hostile XML — not well-formed") {
  const std::string err = CaptureStderr([] {
    for (const std::string& bad : {
             std::string(""),
             std::string("   "),
             std::string("not xml at all"),
             std::string("<case xmlns=\"urn:xfnode:exchange:1\">"),
             std::string("<case xmlns=\"urn:xfnode:exchange:1\"><summary></case>"),
             std::string("<case xmlns=\"urn:xfnode:exchange:1\"></case><case/>"),
             std::string("<case xmlns=\"urn:xfnode:exchange:1\"></case>junk"),
             std::string("<case xmlns=\"urn:xfnode:exchange:1\" a=\"1\" a=\"2\"></case>"),
             std::string("<case xmlns=\"urn:xfnode:exchange:1\"><x:y/></case>"),  // unbound prefix
             std::string(
                 "<case xmlns=\"urn:xfnode:exchange:1\"><summary>\xff\xfe</summary></case>"),
             std::string(
                 "<case xmlns=\"urn:xfnode:exchange:1\"><summary>\xe4\xb8</summary></case>"),
             std::string("<case xmlns=\"urn:xfnode:exchange:1\"><summary>&#0;</summary></case>"),
             std::string("<case xmlns=\"urn:xfnode:exchange:1\"><summary>a\x01</summary></case>"),
             std::string("<case xmlns=\"urn:xfnode:exchange:1\"><summary>&amp</summary></case>"),
             std::string("<case xmlns=\"urn:xfnode:exchange:1\"><summary>a</summary"),
             std::string("\0<case/>", 8),
         }) {
      CAPTURE(bad);
      CHECK(CaseError(bad) == Errc::kInvalidArgument);
    }
  });
  CHECK(err.empty());
}

TEST_CASE("mapping: hostile XML — wrong root") {
  CHECK(CaseError("<event " + kNs + "/>") == Errc::kInvalidArgument);
  CHECK(EventError("<case " + kNs + "/>") == Errc::kInvalidArgument);
  CHECK(CaseError("<case/>") == Errc::kInvalidArgument);  // no namespace
  CHECK(CaseError("<case xmlns=\"urn:xfnode:exchange:2\"/>") == Errc::kInvalidArgument);
  CHECK(EventError("<batch " + kNs + "/>") == Errc::kInvalidArgument);
  Violations v;
  auto r = CaseFromXml("<case/>", v);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("expected <case> in urn:xfnode:exchange:1") != std::string::npos);
}

TEST_CASE("mapping: the input is UTF-8 whatever it declares") {
  // A lying declaration does not switch the decoder.
  Violations v;
  auto r = CaseFromXml("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><case " + kNs +
                           "><summary>集体资产</summary></case>",
                       v);
  REQUIRE(r.ok());
  CHECK(r->summary == "集体资产");
  // UTF-16 bytes are not UTF-8: refused, not misread.
  const std::string utf16("\xff\xfe<\0c\0a\0s\0e\0/\0>\0", 16);
  CHECK(CaseError(utf16) == Errc::kInvalidArgument);
}

TEST_CASE("mapping: parsing in several threads at once stays quiet and correct") {
  const std::string good = CaseToXml(mapping_test::CollectiveCase());
  const std::string err = CaptureStderr([&] {
    std::vector<std::thread> threads;
    std::vector<int> ok(8, 0);
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          Violations v;
          const bool hostile = (i + t) % 2 == 0;
          auto r = CaseFromXml(hostile ? std::string(kBillionLaughs) : good, v);
          auto r2 = CaseFromXml(hostile ? "<case " + kNs + "><a>&bad;</a></case>" : good, v);
          if (r.ok() != hostile && r2.ok() != hostile) ++ok[t];
        }
      });
    }
    for (auto& th : threads) th.join();
    for (int n : ok) CHECK(n == 50);
  });
  CHECK(err.empty());
}

}  // namespace
}  // namespace xf::schema
