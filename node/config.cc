#include "node/config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "codes/env.h"

namespace xf::node {

namespace {

struct ConfigError {
  std::string message;
};

class Reader {
 public:
  explicit Reader(std::filesystem::path file) : m_file(std::move(file)) {}

  [[noreturn]] void Fail(const YAML::Node& at, const std::string& what) const {
    const auto mark = at.Mark();
    const int line = mark.line >= 0 ? mark.line + 1 : 0;
    throw ConfigError{m_file.string() + ":" + std::to_string(line) + ": " + what};
  }

  // Rejects keys not in `allowed` (a typo must not be silently ignored).
  void OnlyKeys(const YAML::Node& map, const std::string& where, std::set<std::string> allowed) const {
    if (!map.IsMap()) Fail(map, where + " must be a mapping");
    std::set<std::string> seen;
    for (const auto& kv : map) {
      const auto key = kv.first.as<std::string>();
      if (!allowed.count(key)) Fail(kv.first, "unknown key '" + key + "' in " + where);
      // yaml-cpp keeps both and map[key] returns the first: a repeat would be ignored silently.
      if (!seen.insert(key).second) Fail(kv.first, "key '" + key + "' given twice in " + where);
    }
  }

  std::string Str(const YAML::Node& map, const std::string& key, const std::string& def) const {
    const auto v = map[key];
    if (!v) return def;
    if (!v.IsScalar()) Fail(v, key + " must be a string");
    return v.Scalar();
  }

  long long Int(const YAML::Node& map, const std::string& key, long long def, long long lo,
                long long hi) const {
    const auto v = map[key];
    if (!v) return def;
    long long n = 0;
    try {
      if (!v.IsScalar()) throw YAML::Exception(v.Mark(), "");
      n = v.as<long long>();
    } catch (const YAML::Exception&) {
      Fail(v, key + " must be a whole number, not '" + (v.IsScalar() ? v.Scalar() : "…") + "'");
    }
    if (n < lo || n > hi) {
      Fail(v, key + " = " + std::to_string(n) + " is out of range [" + std::to_string(lo) + ", " +
                  std::to_string(hi) + "]");
    }
    return n;
  }

  bool Bool(const YAML::Node& map, const std::string& key, bool def) const {
    const auto v = map[key];
    if (!v) return def;
    try {
      return v.as<bool>();
    } catch (const YAML::Exception&) {
      Fail(v, key + " must be true or false");
    }
  }

  std::filesystem::path Path(const YAML::Node& map, const std::string& key,
                             const std::string& def) const {
    const std::string s = Str(map, key, def);
    if (s.empty()) return {};
    std::filesystem::path p(s);
    return p.is_absolute() ? p : (m_file.parent_path() / p).lexically_normal();
  }

  PeerConfig Peer(const YAML::Node& n, const std::string& where) const {
    OnlyKeys(n, where, {"id", "url", "public_key", "certificate", "pull"});
    PeerConfig p;
    p.id = Str(n, "id", "");
    if (!schema::IsNodeId(p.id)) Fail(n["id"] ? n["id"] : n, where + ".id '" + p.id + "' is not a node id");
    p.url = Str(n, "url", "");
    if (!p.url.empty() && p.url.rfind("https://", 0) != 0 && p.url.rfind("http://", 0) != 0) {
      Fail(n["url"], where + ".url must start with https://");
    }
    p.public_key = Path(n, "public_key", "");
    p.certificate = Path(n, "certificate", "");
    p.pull = Bool(n, "pull", false);
    return p;
  }

 private:
  std::filesystem::path m_file;
};

}  // namespace

const char* TierName(Tier t) {
  switch (t) {
    case Tier::kNational: return "national";
    case Tier::kProvince: return "province";
    case Tier::kCity: return "city";
    case Tier::kCounty: return "county";
    case Tier::kDepartment: return "department";
  }
  return "county";
}

Result<NodeConfig> ParseConfig(const std::string& yaml, const std::filesystem::path& file) {
  NodeConfig c;
  c.file = file;
  const Reader r(file.is_absolute() ? file : std::filesystem::absolute(file));
  try {
    YAML::Node root;
    try {
      root = YAML::Load(yaml);
    } catch (const YAML::ParserException& e) {
      return MakeError(Errc::kInvalidArgument, file.string() + ":" + std::to_string(e.mark.line + 1) +
                                                   ": not valid YAML: " + e.msg);
    }
    if (!root || !root.IsMap()) {
      return MakeError(Errc::kInvalidArgument, file.string() + ":1: the configuration must be a mapping");
    }
    r.OnlyKeys(root, "the configuration",
               {"node", "data_dir", "codes_dir", "api", "signing", "tls", "exchange", "parent",
                "children", "limits", "rules", "conformance", "key_directory", "directory", "stop_timeout"});

    const auto node = root["node"];
    if (!node) r.Fail(root, "missing 'node' section (node.id, node.tier)");
    r.OnlyKeys(node, "node", {"id", "name", "tier"});
    c.node_id = r.Str(node, "id", "");
    if (!schema::IsNodeId(c.node_id)) {
      r.Fail(node["id"] ? node["id"] : node,
             "node.id '" + c.node_id + "' is not a node id (6-digit division code, optionally .ORG)");
    }
    c.name = r.Str(node, "name", c.node_id);
    const std::string tier = r.Str(node, "tier", "county");
    static const std::pair<const char*, Tier> kTiers[] = {
        {"national", Tier::kNational}, {"province", Tier::kProvince}, {"city", Tier::kCity},
        {"county", Tier::kCounty}, {"department", Tier::kDepartment}};
    bool found = false;
    for (const auto& [name, t] : kTiers) {
      if (tier == name) {
        c.tier = t;
        found = true;
      }
    }
    if (!found) r.Fail(node["tier"], "node.tier '" + tier + "' is not one of national, province, city, county, department");

    if (!root["data_dir"]) r.Fail(root, "missing data_dir");
    c.data_dir = r.Path(root, "data_dir", "");
    if (c.data_dir.empty()) r.Fail(root["data_dir"], "data_dir is empty: name the folder for the database");
    c.codes_dir = r.Path(root, "codes_dir", "");
    c.key_directory = r.Path(root, "key_directory", "");
    c.stop_timeout_seconds = static_cast<int>(r.Int(root, "stop_timeout", c.stop_timeout_seconds, 1, 3600));

    if (const auto api = root["api"]) {
      r.OnlyKeys(api, "api", {"listen", "port", "token_file", "body_limit", "workers"});
      c.api_listen = r.Str(api, "listen", c.api_listen);
      c.api_port = static_cast<std::uint16_t>(r.Int(api, "port", c.api_port, 0, 65535));
      c.api_token_file = r.Path(api, "token_file", "");
      c.api_body_limit = static_cast<std::size_t>(r.Int(api, "body_limit", static_cast<long long>(c.api_body_limit), 1024, 1ll << 32));
      c.api_workers = static_cast<int>(r.Int(api, "workers", c.api_workers, 1, 64));
    }
    if (c.api_token_file.empty()) r.Fail(root["api"] ? root["api"] : root, "api.token_file is required");

    if (const auto s = root["signing"]) {
      r.OnlyKeys(s, "signing", {"algorithm", "key"});
      c.signing_algorithm = r.Str(s, "algorithm", c.signing_algorithm);
      if (c.signing_algorithm != "ed25519" && c.signing_algorithm != "sm2") {
        r.Fail(s["algorithm"], "signing.algorithm '" + c.signing_algorithm + "' is not ed25519 or sm2");
      }
      c.signing_key = r.Path(s, "key", "");
    }
    if (const auto t = root["tls"]) {
      r.OnlyKeys(t, "tls", {"cert", "key"});
      c.tls_cert = r.Path(t, "cert", "");
      c.tls_key = r.Path(t, "key", "");
    }
    if (const auto e = root["exchange"]) {
      r.OnlyKeys(e, "exchange", {"listen", "port", "interval", "batch_events", "batch_bytes", "retry_max"});
      c.exchange_listen = r.Str(e, "listen", c.exchange_listen);
      c.exchange_port = static_cast<std::uint16_t>(r.Int(e, "port", c.exchange_port, 0, 65535));
      c.exchange_interval_seconds = static_cast<int>(r.Int(e, "interval", c.exchange_interval_seconds, 0, 86400));
      c.batch_max_events = static_cast<std::size_t>(r.Int(e, "batch_events", static_cast<long long>(c.batch_max_events), 1, 1'000'000));
      c.batch_max_bytes = static_cast<std::size_t>(r.Int(e, "batch_bytes", static_cast<long long>(c.batch_max_bytes), 4096, 1ll << 30));
      c.retry_max_seconds = static_cast<int>(r.Int(e, "retry_max", c.retry_max_seconds, 1, 3600));
    }
    if (const auto d = root["directory"]) {
      r.OnlyKeys(d, "directory", {"root_key"});
      c.directory_root_key = r.Path(d, "root_key", "");
    }
    if (const auto p = root["parent"]) c.parent = r.Peer(p, "parent");
    if (const auto ch = root["children"]) {
      if (!ch.IsSequence()) r.Fail(ch, "children must be a list");
      std::set<std::string> ids;
      for (std::size_t i = 0; i < ch.size(); ++i) {
        const std::string where = "children[" + std::to_string(i) + "]";
        c.children.push_back(r.Peer(ch[i], where));
        const std::string& id = c.children.back().id;
        if (!ids.insert(id).second) r.Fail(ch[i]["id"], where + ".id '" + id + "' is listed twice");
        if (id == c.node_id || (c.parent && id == c.parent->id)) {
          r.Fail(ch[i]["id"], where + ".id '" + id + "' is this node or its parent");
        }
      }
    }
    if (const auto l = root["limits"]) {
      r.OnlyKeys(l, "limits", {"max_attachments", "max_attachment_bytes"});
      c.limits.max_attachments = static_cast<int>(r.Int(l, "max_attachments", c.limits.max_attachments, 0, 100));
      c.limits.max_attachment_bytes = static_cast<std::uint64_t>(
          r.Int(l, "max_attachment_bytes", static_cast<long long>(c.limits.max_attachment_bytes), 1, 1ll << 34));
    }
    if (const auto ru = root["rules"]) {
      r.OnlyKeys(ru, "rules", {"timeliness_hours", "repeat_grace_hours", "counting"});
      c.timeliness_bound_hours = static_cast<int>(r.Int(ru, "timeliness_hours", c.timeliness_bound_hours, 1, 24 * 365));
      c.repeat_grace_hours = static_cast<int>(r.Int(ru, "repeat_grace_hours", c.repeat_grace_hours, 0, 24 * 365));
      const std::string counting = r.Str(ru, "counting", codes::CountingName(c.counting));
      if (auto k = codes::CountingFromName(counting)) {
        c.counting = *k;
      } else {
        r.Fail(ru["counting"], "rules.counting '" + counting + "' is not calendar or working_days");
      }
    }
    if (const auto co = root["conformance"]) {
      r.OnlyKeys(co, "conformance", {"silent_hours", "period_days", "max_listed", "summary_minutes"});
      auto& k = c.conformance;
      k.silent_hours = static_cast<int>(r.Int(co, "silent_hours", k.silent_hours, 0, 24 * 365));
      k.period_days = static_cast<int>(r.Int(co, "period_days", k.period_days, 1, 3660));
      k.max_listed = static_cast<std::size_t>(r.Int(co, "max_listed", static_cast<long long>(k.max_listed), 1, 100000));
      k.summary_minutes = static_cast<int>(r.Int(co, "summary_minutes", k.summary_minutes, 0, 7 * 24 * 60));
    }
  } catch (const ConfigError& e) {
    return MakeError(Errc::kInvalidArgument, e.message);
  } catch (const YAML::Exception& e) {
    return MakeError(Errc::kInvalidArgument, file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return c;
}

Result<NodeConfig> LoadConfig(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return MakeError(Errc::kNotFound, file.string() + ": cannot read the configuration file");
  std::error_code ec;
  if (std::filesystem::file_size(file, ec) > 1024 * 1024) {
    return MakeError(Errc::kLimit, file.string() + ": larger than 1 MiB");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseConfig(ss.str(), std::filesystem::absolute(file));
}

Status EditConfig(const std::filesystem::path& file, const std::function<Status(YAML::Node& root)>& edit) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    return MakeError(Errc::kInvalidArgument, file.string() + ": " + e.what());
  }
  try {
    if (auto s = edit(root); !s) return s;
  } catch (const YAML::Exception& e) {
    return MakeError(Errc::kInvalidArgument, file.string() + ": " + e.what());
  }
  YAML::Emitter out;
  out << root;
  const std::string text = std::string(out.c_str()) + "\n";
  if (auto check = ParseConfig(text, file); !check) return check.error();
  return WriteFileAtomically(Env::Default(), file, text, 0640);
}

Status SetConfigValue(const std::filesystem::path& file, std::string_view key, std::string_view value) {
  return EditConfig(file, [&](YAML::Node& root) -> Status {
    // Walk (making) the maps of the dotted path; the last part is the scalar.
    std::vector<YAML::Node> path{root};
    std::string_view rest = key;
    for (;;) {
      const auto dot = rest.find('.');
      const std::string part(rest.substr(0, dot));
      if (part.empty()) return MakeError(Errc::kInvalidArgument, "configuration key '" + std::string(key) + "'");
      if (dot == std::string_view::npos) {
        path.back()[part] = std::string(value);
        return {};
      }
      YAML::Node next = path.back()[part];
      if (next && !next.IsMap()) {
        return MakeError(Errc::kInvalidArgument, file.string() + ": '" + part + "' in '" + std::string(key) +
                                                     "' is not a section");
      }
      path.push_back(next);
      rest.remove_prefix(dot + 1);
    }
  });
}

}  // namespace xf::node
