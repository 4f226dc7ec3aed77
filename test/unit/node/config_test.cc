// node/config.h: the YAML configuration. A wrong config must stop the node
// with "FILE:LINE: what is wrong", pointing at the offending line.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "node/config.h"
#include "test/unit/node/node_fixture.h"
#include "xf/source_dir.h"

namespace xf::node {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

const fs::path kFile = "/srv/xf/conf/node.yaml";

// The smallest configuration that loads.
const char* const kMinimal =
    "node:\n"
    "  id: \"110105\"\n"
    "data_dir: data\n"
    "api:\n"
    "  token_file: api.token\n";

// Parses `yaml` and expects a failure at `line` whose message contains `what`.
void ExpectError(const std::string& yaml, int line, const std::string& what) {
  CAPTURE(yaml);
  const auto r = ParseConfig(yaml, kFile);
  REQUIRE_FALSE(r.ok());
  const std::string& msg = r.error().message;
  CAPTURE(msg);
  CHECK(r.error().code == Errc::kInvalidArgument);
  const std::string prefix = kFile.string() + ":" + std::to_string(line) + ": ";
  CHECK(msg.rfind(prefix, 0) == 0);
  CHECK(msg.find(what) != std::string::npos);
}

TEST_CASE("config: a full configuration sets every field") {
  const std::string yaml =
      "node:\n"
      "  id: \"110105\"\n"
      "  name: 北京市朝阳区信访局\n"
      "  tier: county\n"
      "data_dir: data\n"
      "codes_dir: /usr/share/xfnode/codes\n"
      "api:\n"
      "  listen: 127.0.0.2\n"
      "  port: 18640\n"
      "  token_file: secrets/api.token\n"
      "  body_limit: 4096\n"
      "  workers: 3\n"
      "signing:\n"
      "  algorithm: sm2\n"
      "  key: keys/signing.key\n"
      "tls:\n"
      "  cert: keys/tls.crt\n"
      "  key: /etc/xfnode/tls.key\n"
      "exchange:\n"
      "  listen: 0.0.0.0\n"
      "  port: 18641\n"
      "  interval: 15\n"
      "parent:\n"
      "  id: \"110100\"\n"
      "  url: https://xf-110100.example.gov.cn:8641\n"
      "  public_key: peers/110100.pub\n"
      "  certificate: peers/110100.crt\n"
      "children:\n"
      "  - id: \"110105.A01\"\n"
      "    url: https://10.0.0.7:8641\n"
      "    public_key: peers/a.pub\n"
      "  - id: \"110105.11100000000013\"\n"
      "    url: \"\"\n"
      "    pull: true\n"
      "limits:\n"
      "  max_attachments: 7\n"
      "  max_attachment_bytes: 1048576\n"
      "rules:\n"
      "  timeliness_hours: 12\n"
      "  repeat_grace_hours: 48\n"
      "conformance:\n"
      "  silent_hours: 6\n"
      "  period_days: 7\n"
      "  max_listed: 20\n";
  const auto r = ParseConfig(yaml, kFile);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  const NodeConfig& c = *r;
  const fs::path dir = kFile.parent_path();
  CHECK(c.file == kFile);
  CHECK(c.node_id == "110105");
  CHECK(c.name == "北京市朝阳区信访局");
  CHECK(c.tier == Tier::kCounty);
  CHECK(std::string(TierName(c.tier)) == "county");
  CHECK(c.data_dir == dir / "data");
  CHECK(c.codes_dir == fs::path("/usr/share/xfnode/codes"));
  CHECK(c.api_listen == "127.0.0.2");
  CHECK(c.api_port == 18640);
  CHECK(c.api_token_file == dir / "secrets" / "api.token");
  CHECK(c.api_body_limit == 4096);
  CHECK(c.api_workers == 3);
  CHECK(c.signing_algorithm == "sm2");
  CHECK(c.signing_key == dir / "keys" / "signing.key");
  CHECK(c.tls_cert == dir / "keys" / "tls.crt");
  CHECK(c.tls_key == fs::path("/etc/xfnode/tls.key"));
  CHECK(c.exchange_listen == "0.0.0.0");
  CHECK(c.exchange_port == 18641);
  CHECK(c.exchange_interval_seconds == 15);
  REQUIRE(c.parent.has_value());
  CHECK(c.parent->id == "110100");
  CHECK(c.parent->url == "https://xf-110100.example.gov.cn:8641");
  CHECK(c.parent->public_key == dir / "peers" / "110100.pub");
  CHECK(c.parent->certificate == dir / "peers" / "110100.crt");
  CHECK_FALSE(c.parent->pull);
  REQUIRE(c.children.size() == 2);
  CHECK(c.children[0].id == "110105.A01");
  CHECK(c.children[0].url == "https://10.0.0.7:8641");
  CHECK(c.children[0].public_key == dir / "peers" / "a.pub");
  CHECK(c.children[0].certificate.empty());
  CHECK_FALSE(c.children[0].pull);
  CHECK(c.children[1].id == "110105.11100000000013");
  CHECK(c.children[1].url.empty());
  CHECK(c.children[1].pull);
  CHECK(c.limits.max_attachments == 7);
  CHECK(c.limits.max_attachment_bytes == 1048576);
  CHECK(c.timeliness_bound_hours == 12);
  CHECK(c.repeat_grace_hours == 48);
  CHECK(c.conformance.silent_hours == 6);
  CHECK(c.conformance.period_days == 7);
  CHECK(c.conformance.max_listed == 20);
}

TEST_CASE("config: defaults where the file is silent") {
  const auto r = ParseConfig(kMinimal, kFile);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  const NodeConfig& c = *r;
  const NodeConfig d;  // the documented defaults
  CHECK(c.name == "110105");  // the node id stands in for a missing name
  CHECK(c.tier == Tier::kCounty);
  CHECK(c.codes_dir.empty());
  CHECK(c.api_listen == d.api_listen);
  CHECK(c.api_port == d.api_port);
  CHECK(c.api_body_limit == d.api_body_limit);
  CHECK(c.signing_algorithm == "ed25519");
  CHECK(c.exchange_port == d.exchange_port);
  CHECK(c.exchange_interval_seconds == 60);
  CHECK_FALSE(c.parent.has_value());
  CHECK(c.children.empty());
  CHECK(c.limits.max_attachments == 5);
  CHECK(c.timeliness_bound_hours == 24);
  CHECK(c.repeat_grace_hours == 24);
  CHECK(c.conformance.silent_hours == 24);
  CHECK(c.conformance.period_days == 30);
  CHECK(c.conformance.max_listed == 100);
  CHECK(c.counting == codes::Counting::kCalendarDays);
}

TEST_CASE("config: rules.counting is calendar or working_days, per tier") {
  auto r = ParseConfig(std::string(kMinimal) + "rules:\n  counting: working_days\n", kFile);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r->counting == codes::Counting::kWorkingDays);
  r = ParseConfig(std::string(kMinimal) + "rules:\n  counting: calendar\n", kFile);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r->counting == codes::Counting::kCalendarDays);
  ExpectError(std::string(kMinimal) + "rules:\n  timeliness_hours: 24\n  counting: workdays\n", 8,
              "rules.counting 'workdays' is not calendar or working_days");
}

TEST_CASE("config: the conformance section names a bad key or value with its line") {
  ExpectError(std::string(kMinimal) + "conformance:\n  silent_hours: 2\n  quiet_hours: 3\n", 8,
              "unknown key 'quiet_hours' in conformance");
  ExpectError(std::string(kMinimal) + "conformance:\n  silent_hours: -1\n", 7,
              "silent_hours = -1 is out of range [0, 8760]");
  ExpectError(std::string(kMinimal) + "conformance:\n  period_days: 0\n", 7, "period_days = 0 is out of range");
  ExpectError(std::string(kMinimal) + "conformance:\n  max_listed: many\n", 7,
              "max_listed must be a whole number, not 'many'");
  ExpectError(std::string(kMinimal) + "conformance: 24\n", 6, "conformance must be a mapping");
  // 0 is allowed: every pause counts as silence (drills and tests).
  const auto r = ParseConfig(std::string(kMinimal) + "conformance:\n  silent_hours: 0\n", kFile);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r->conformance.silent_hours == 0);
}

TEST_CASE("config: every tier name is accepted") {
  const std::pair<const char*, Tier> tiers[] = {{"national", Tier::kNational},
                                                {"province", Tier::kProvince},
                                                {"city", Tier::kCity},
                                                {"county", Tier::kCounty},
                                                {"department", Tier::kDepartment}};
  for (const auto& [name, tier] : tiers) {
    CAPTURE(name);
    const auto r = ParseConfig(
        "node:\n  id: \"100000\"\n  tier: " + std::string(name) + "\ndata_dir: d\napi:\n  token_file: t\n",
        kFile);
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    CHECK(r->tier == tier);
    CHECK(std::string(TierName(r->tier)) == name);
  }
}

TEST_CASE("config: relative paths resolve against the file's folder, not the working directory") {
  TempDir dir;
  fs::create_directories(dir / "etc");
  const fs::path file = dir / "etc" / "node.yaml";
  testing::WriteFile(file, std::string(kMinimal) + "signing:\n  key: ../keys/s.key\n");
  const auto r = LoadConfig(file);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r->data_dir == dir / "etc" / "data");
  CHECK(r->api_token_file == dir / "etc" / "api.token");
  CHECK(r->signing_key == dir / "keys" / "s.key");  // ".." normalised away
  CHECK(r->data_dir.is_absolute());

  // A relative file name still gives absolute paths, anchored at its folder.
  const auto rel = ParseConfig(kMinimal, "some/where/node.yaml");
  REQUIRE_MESSAGE(rel.ok(), rel.error().message);
  CHECK(rel->data_dir.is_absolute());
  CHECK(rel->data_dir == (fs::current_path() / "some" / "where" / "data").lexically_normal());
}

TEST_CASE("config: an unknown top-level key names the key and its line") {
  ExpectError(
      "node:\n"
      "  id: \"110105\"\n"
      "data_dir: data\n"
      "colour: blue\n"
      "api:\n"
      "  token_file: t\n",
      4, "unknown key 'colour'");
}

TEST_CASE("config: an unknown key in api names the key, the section and its line") {
  const std::string yaml =
      "node:\n"
      "  id: \"110105\"\n"
      "data_dir: data\n"
      "api:\n"
      "  port: 8640\n"
      "  tokenfile: t\n";
  ExpectError(yaml, 6, "unknown key 'tokenfile' in api");
}

TEST_CASE("config: unknown keys in the other sections are refused too") {
  ExpectError(std::string(kMinimal) + "signing:\n  algo: sm2\n", 7, "unknown key 'algo' in signing");
  ExpectError(std::string(kMinimal) + "parent:\n  id: \"110100\"\n  adress: https://x\n", 8,
              "unknown key 'adress' in parent");
  ExpectError("node:\n  id: \"110105\"\n  level: county\ndata_dir: d\napi:\n  token_file: t\n", 3,
              "unknown key 'level' in node");
}

TEST_CASE("config: a key given twice is refused at its second line") {
  ExpectError(std::string(kMinimal) + "data_dir: /srv/other\n", 6, "data_dir");
  ExpectError(
      "node:\n"
      "  id: \"110105\"\n"
      "  id: \"110106\"\n"
      "data_dir: d\n"
      "api:\n"
      "  token_file: t\n",
      3, "id");
}

TEST_CASE("config: the same peer listed twice is refused") {
  ExpectError(std::string(kMinimal) +
                  "children:\n"
                  "  - id: \"110105.A01\"\n"
                  "  - id: \"110105.A02\"\n"
                  "  - id: \"110105.A01\"\n",
              9, "110105.A01");
}

TEST_CASE("config: a bad node id") {
  ExpectError(
      "node:\n"
      "  name: x\n"
      "  id: \"11010\"\n"
      "data_dir: data\n"
      "api:\n"
      "  token_file: t\n",
      3, "node.id '11010' is not a node id");
  // Unquoted, YAML reads a number; leading zeros or letters do not make an id.
  ExpectError("node:\n  id: 1101AB\ndata_dir: d\napi:\n  token_file: t\n", 2, "'1101AB'");
}

TEST_CASE("config: a bad tier names the value and the choices") {
  ExpectError(
      "node:\n"
      "  id: \"110105\"\n"
      "  tier: village\n"
      "data_dir: data\n"
      "api:\n"
      "  token_file: t\n",
      3, "node.tier 'village'");
}

TEST_CASE("config: a port that is not a number") {
  ExpectError(
      "node:\n"
      "  id: \"110105\"\n"
      "data_dir: data\n"
      "api:\n"
      "  token_file: t\n"
      "  port: eighty\n",
      6, "port must be a whole number, not 'eighty'");
  ExpectError(std::string(kMinimal) + "exchange:\n  port: 86.41\n", 7, "port must be a whole number");
}

TEST_CASE("config: a port out of range") {
  ExpectError(
      "node:\n"
      "  id: \"110105\"\n"
      "data_dir: data\n"
      "api:\n"
      "  token_file: t\n"
      "  port: 70000\n",
      6, "out of range");
  ExpectError(std::string(kMinimal) + "exchange:\n  listen: 0.0.0.0\n  port: -1\n", 8, "out of range");
}

TEST_CASE("config: data_dir is required") {
  const auto r = ParseConfig("node:\n  id: \"110105\"\napi:\n  token_file: t\n", kFile);
  REQUIRE_FALSE(r.ok());
  CAPTURE(r.error().message);
  CHECK(r.error().message.rfind(kFile.string() + ":1: ", 0) == 0);
  CHECK(r.error().message.find("missing data_dir") != std::string::npos);
}

TEST_CASE("config: an empty data_dir is as good as missing") {
  // Regression: an empty data_dir used to be accepted (the database would
  // land in the working directory).
  const auto r = ParseConfig("node:\n  id: \"110105\"\ndata_dir: \"\"\napi:\n  token_file: t\n", kFile);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("data_dir") != std::string::npos);
}

TEST_CASE("config: api.token_file is required") {
  SUBCASE("no api section") {
    const auto r = ParseConfig("node:\n  id: \"110105\"\ndata_dir: d\n", kFile);
    REQUIRE_FALSE(r.ok());
    CAPTURE(r.error().message);
    CHECK(r.error().message.rfind(kFile.string() + ":", 0) == 0);
    CHECK(r.error().message.find("api.token_file is required") != std::string::npos);
  }
  SUBCASE("an api section without it points at the section") {
    ExpectError(
        "node:\n"
        "  id: \"110105\"\n"
        "data_dir: data\n"
        "api:\n"
        "  port: 8640\n",
        5, "api.token_file is required");
  }
}

TEST_CASE("config: a signing algorithm other than ed25519 or sm2") {
  ExpectError(std::string(kMinimal) +
                  "signing:\n"
                  "  key: k\n"
                  "  algorithm: rsa\n",
              8, "signing.algorithm 'rsa'");
}

TEST_CASE("config: a parent whose URL is not http(s)") {
  ExpectError(std::string(kMinimal) +
                  "parent:\n"
                  "  id: \"110100\"\n"
                  "  url: ftp://xf-110100.example.gov.cn\n",
              8, "parent.url");
}

TEST_CASE("config: a child with a bad id names its index") {
  ExpectError(std::string(kMinimal) +
                  "children:\n"
                  "  - id: \"110105.A01\"\n"
                  "  - id: \"12\"\n",
              8, "children[1].id '12'");
}

TEST_CASE("config: children must be a list") {
  ExpectError(std::string(kMinimal) +
                  "children:\n"
                  "  id: \"110105.A01\"\n",
              7, "children must be a list");
  ExpectError(std::string(kMinimal) + "children: 110105.A01\n", 6, "children must be a list");
}

TEST_CASE("config: a boolean that is not one") {
  ExpectError(std::string(kMinimal) +
                  "parent:\n"
                  "  id: \"110100\"\n"
                  "  pull: maybe\n",
              8, "pull must be true or false");
}

TEST_CASE("config: invalid YAML syntax gives the line of the error") {
  const std::string yaml =
      "node:\n"
      "  id: \"110105\"\n"
      "data_dir: [unclosed\n"
      "api:\n"
      "  token_file: t\n";
  const auto r = ParseConfig(yaml, kFile);
  REQUIRE_FALSE(r.ok());
  CAPTURE(r.error().message);
  CHECK(r.error().code == Errc::kInvalidArgument);
  CHECK(r.error().message.rfind(kFile.string() + ":", 0) == 0);
  CHECK(r.error().message.find("not valid YAML") != std::string::npos);

  // A mapping value at the wrong indentation: the error is on line 3.
  ExpectError("node:\n  id: \"110105\"\n   tier: county\ndata_dir: d\n", 3, "not valid YAML");
}

TEST_CASE("config: a document that is not a mapping") {
  ExpectError("", 1, "must be a mapping");
  ExpectError("- node\n- data_dir\n", 1, "must be a mapping");
  ExpectError("node: 110105\ndata_dir: d\napi:\n  token_file: t\n", 1, "node must be a mapping");
}

TEST_CASE("config: every error names the file as given, relative or absolute") {
  // The operator must be able to find the file from the message, whatever
  // kind of error it is.
  const fs::path rel = "conf/node.yaml";
  const auto bad_key = ParseConfig("node:\n  id: \"110105\"\nfoo: 1\n", rel);
  const auto bad_yaml = ParseConfig("node:\n  id: [\n", rel);
  REQUIRE_FALSE(bad_key.ok());
  REQUIRE_FALSE(bad_yaml.ok());
  CHECK(bad_key.error().message.find("conf/node.yaml:3: ") != std::string::npos);
  CHECK(bad_yaml.error().message.find("conf/node.yaml:") != std::string::npos);
}

TEST_CASE("config: LoadConfig of a missing file") {
  TempDir dir;
  const fs::path file = dir / "nowhere.yaml";
  const auto r = LoadConfig(file);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kNotFound);
  CHECK(r.error().message.find(file.string()) != std::string::npos);
}

TEST_CASE("config: LoadConfig reports the file's line") {
  TempDir dir;
  const fs::path file = dir / "node.yaml";
  testing::WriteFile(file, std::string(kMinimal) + "rules:\n  timeliness_hours: 0\n");
  const auto r = LoadConfig(file);
  REQUIRE_FALSE(r.ok());
  CAPTURE(r.error().message);
  CHECK(r.error().message.rfind(file.string() + ":7: ", 0) == 0);
  CHECK(r.error().message.find("timeliness_hours") != std::string::npos);
}

TEST_CASE("config: LoadConfig refuses a file over 1 MiB") {
  TempDir dir;
  const fs::path file = dir / "huge.yaml";
  testing::WriteFile(file, std::string(kMinimal) + "# " + std::string(1024 * 1024, 'x') + "\n");
  const auto r = LoadConfig(file);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kLimit);
}

TEST_CASE("config: the examples in conf/ load") {
  const auto files = testing::FilesWithExtension(fs::path(XF_SOURCE_DIR) / "conf", ".yaml");
  if (files.empty()) {
    MESSAGE("conf/ has no *.yaml yet: nothing to check");
    return;
  }
  for (const auto& f : files) {
    CAPTURE(f);
    const auto r = LoadConfig(f);
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    CHECK(schema::IsNodeId(r->node_id));
    CHECK_FALSE(r->data_dir.empty());
    CHECK_FALSE(r->api_token_file.empty());
    CHECK(r->file == fs::absolute(f));
    // The example for a tier is named after it.
    CHECK(f.stem().string() == TierName(r->tier));
  }
}

TEST_CASE("config: SetConfigValue edits through YAML, makes sections, refuses what would not load") {
  TempDir dir;
  const fs::path file = dir.path() / "xfnode.yaml";
  {
    std::ofstream out(file);
    out << kMinimal << "exchange:\n  interval: 5\n";
  }
  REQUIRE(SetConfigValue(file, "exchange.batch_events", "500").ok());
  REQUIRE(SetConfigValue(file, "conformance.period_days", "7").ok());  // a section made
  auto c = LoadConfig(file);
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  CHECK(c->batch_max_events == 500);
  CHECK(c->exchange_interval_seconds == 5);
  CHECK(c->conformance.period_days == 7);
  CHECK(c->node_id == "110105");
  // Out of range: refused, and the file is as it was.
  auto bad = SetConfigValue(file, "exchange.batch_events", "0");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("batch_events") != std::string::npos);
  auto again = LoadConfig(file);
  REQUIRE(again.ok());
  CHECK(again->batch_max_events == 500);
  // A scalar is not a section.
  CHECK_FALSE(SetConfigValue(file, "data_dir.x", "1").ok());
  CHECK_FALSE(SetConfigValue(file, "exchange..x", "1").ok());
}

}  // namespace
}  // namespace xf::node

namespace xf::node {
namespace {

TEST_CASE("config: stop_timeout bounds the SIGTERM drain (default 50 s, 1–3600)") {
  const auto d = ParseConfig(kMinimal, kFile);
  REQUIRE_MESSAGE(d.ok(), d.error().message);
  CHECK(d->stop_timeout_seconds == 50);
  const auto r = ParseConfig(std::string(kMinimal) + "stop_timeout: 5\n", kFile);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r->stop_timeout_seconds == 5);
  ExpectError(std::string(kMinimal) + "stop_timeout: 0\n", 6, "stop_timeout");
  ExpectError(std::string(kMinimal) + "stop_timeout: 3601\n", 6, "stop_timeout");
}

}  // namespace
}  // namespace xf::node
