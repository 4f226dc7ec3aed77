#include "exchange/directory.h"

#include <boost/json.hpp>
#include <set>

#include "exchange/batch.h"
#include "schema/validate.h"

namespace xf::exchange {

namespace json = boost::json;

namespace {

// A member's value as text (nullptr when absent, an error when not a string).
struct Reader {
  std::string where;  // "nodes[3].keys[0]" for messages
  Error Bad(const std::string& member, const std::string& why) const {
    return MakeError(Errc::kInvalidArgument,
                     "directory " + (where.empty() ? member : where + "." + member) + ": " + why);
  }
};

Result<std::optional<std::string>> Text(const json::object& o, const char* key, const Reader& r,
                                        std::size_t max = 64 * 1024) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return r.Bad(key, "not a string");
  if (v->as_string().size() > max) return r.Bad(key, "longer than " + std::to_string(max) + " bytes");
  return std::optional<std::string>(std::string(v->as_string()));
}

Result<std::optional<Instant>> Time(const json::object& o, const char* key, const Reader& r) {
  auto t = Text(o, key, r, 64);
  if (!t) return t.error();
  if (!*t) return std::optional<Instant>();
  auto i = Instant::Parse(**t);
  if (!i) return r.Bad(key, "'" + **t + "' is not an ISO 8601 time with an offset");
  return std::optional<Instant>(*i);
}

Result<Validity> ValidityOf(const json::object& o, const Reader& r) {
  Validity v;
  auto nb = Time(o, "not_before", r);
  if (!nb) return nb.error();
  auto na = Time(o, "not_after", r);
  if (!na) return na.error();
  v.not_before = *nb;
  v.not_after = *na;
  if (v.not_before && v.not_after && *v.not_after <= *v.not_before) {
    return r.Bad("not_after", "is not after not_before");
  }
  return v;
}

Result<const json::array*> Array(const json::object& o, const char* key, const Reader& r, std::size_t max) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return static_cast<const json::array*>(nullptr);
  if (!v->is_array()) return r.Bad(key, "not an array");
  if (v->as_array().size() > max) {
    return MakeError(Errc::kLimit, "directory " + r.where + (r.where.empty() ? "" : ".") + key + ": more than " +
                                       std::to_string(max) + " entries");
  }
  return &v->as_array();
}

json::object ValidityJson(json::object o, const Validity& v) {
  if (v.not_before) o["not_before"] = v.not_before->ToString();
  if (v.not_after) o["not_after"] = v.not_after->ToString();
  return o;
}

}  // namespace

const DirectoryNode* Directory::Find(std::string_view id) const {
  for (const auto& n : nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

bool Directory::IsRevoked(std::string_view fingerprint) const {
  for (const auto& r : revoked) {
    if (r.fingerprint == fingerprint) return true;
  }
  return false;
}

Result<Directory> ParseDirectory(std::string_view text, const DirectoryLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return MakeError(Errc::kLimit, "directory larger than " + std::to_string(limits.max_bytes) + " bytes");
  }
  json::parse_options opts;
  opts.max_depth = 8;
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec, {}, opts);
  if (ec) return MakeError(Errc::kInvalidArgument, "directory: not JSON: " + ec.message());
  if (!root.is_object()) return MakeError(Errc::kInvalidArgument, "directory: not a JSON object");
  const auto& o = root.as_object();
  const Reader top;
  Directory d;
  auto format = Text(o, "format", top, 64);
  if (!format) return format.error();
  if (!*format || **format != kDirectoryFormat) {
    return top.Bad("format", "must be \"" + std::string(kDirectoryFormat) + "\"");
  }
  const auto* serial = o.if_contains("serial");
  if (serial == nullptr || !(serial->is_uint64() || serial->is_int64()) ||
      (serial->is_int64() && serial->as_int64() < 1) || (serial->is_uint64() && serial->as_uint64() < 1)) {
    return top.Bad("serial", "must be a whole number, at least 1");
  }
  d.serial = serial->is_uint64() ? serial->as_uint64() : static_cast<std::uint64_t>(serial->as_int64());
  auto issued = Time(o, "issued", top);
  if (!issued) return issued.error();
  auto next = Time(o, "next_update", top);
  if (!next) return next.error();
  if (!*issued || !*next) return top.Bad(*issued ? "next_update" : "issued", "is missing");
  d.issued = **issued;
  d.next_update = **next;
  if (d.next_update < d.issued) return top.Bad("next_update", "is before issued");
  auto codes = Text(o, "code_version", top, 128);
  if (!codes) return codes.error();
  d.code_version = codes->value_or("");

  auto nodes = Array(o, "nodes", top, limits.max_nodes);
  if (!nodes) return nodes.error();
  std::set<std::string> seen;
  if (*nodes != nullptr) {
    for (std::size_t i = 0; i < (*nodes)->size(); ++i) {
      Reader r{"nodes[" + std::to_string(i) + "]"};
      const auto& v = (**nodes)[i];
      if (!v.is_object()) return MakeError(Errc::kInvalidArgument, "directory " + r.where + ": not an object");
      const auto& no = v.as_object();
      DirectoryNode n;
      auto id = Text(no, "id", r, 32);
      if (!id) return id.error();
      if (!*id || !schema::IsNodeId(**id)) return r.Bad("id", "missing or not a node id");
      n.id = **id;
      if (!seen.insert(n.id).second) return r.Bad("id", "node " + n.id + " is listed twice");
      r.where += " (" + n.id + ")";
      auto keys = Array(no, "keys", r, limits.max_entries_per_node);
      if (!keys) return keys.error();
      if (*keys != nullptr) {
        for (std::size_t k = 0; k < (*keys)->size(); ++k) {
          Reader kr{r.where + ".keys[" + std::to_string(k) + "]"};
          if (!(**keys)[k].is_object()) return MakeError(Errc::kInvalidArgument, "directory " + kr.where + ": not an object");
          const auto& ko = (**keys)[k].as_object();
          DirectoryKey key;
          auto pem = Text(ko, "public_key", kr);
          if (!pem) return pem.error();
          if (!*pem) return kr.Bad("public_key", "is missing");
          auto pub = PublicKey::FromPem(**pem);
          if (!pub) return kr.Bad("public_key", pub.error().message);
          key.pem = **pem;
          key.alg = pub->Alg();
          key.fingerprint = pub->Fingerprint();
          auto alg = Text(ko, "alg", kr, 16);
          if (!alg) return alg.error();
          if (*alg && **alg != SignAlgName(key.alg)) {
            return kr.Bad("alg", "says " + **alg + " but the key is " + SignAlgName(key.alg));
          }
          auto validity = ValidityOf(ko, kr);
          if (!validity) return validity.error();
          key.validity = *validity;
          n.keys.push_back(std::move(key));
        }
      }
      auto certs = Array(no, "certificates", r, limits.max_entries_per_node);
      if (!certs) return certs.error();
      if (*certs != nullptr) {
        for (std::size_t k = 0; k < (*certs)->size(); ++k) {
          Reader cr{r.where + ".certificates[" + std::to_string(k) + "]"};
          if (!(**certs)[k].is_object()) return MakeError(Errc::kInvalidArgument, "directory " + cr.where + ": not an object");
          const auto& co = (**certs)[k].as_object();
          DirectoryCertificate cert;
          auto pem = Text(co, "certificate", cr);
          if (!pem) return pem.error();
          if (!*pem) return cr.Bad("certificate", "is missing");
          auto info = ReadCertificate(**pem);
          if (!info) return cr.Bad("certificate", info.error().message);
          cert.pem = **pem;
          cert.key_der = info->key_der;
          cert.fingerprint = info->key_fingerprint;
          auto validity = ValidityOf(co, cr);
          if (!validity) return validity.error();
          cert.validity = *validity;
          if (!cert.validity.not_before) cert.validity.not_before = Instant{info->not_before};
          if (!cert.validity.not_after) cert.validity.not_after = Instant{info->not_after};
          n.certificates.push_back(std::move(cert));
        }
      }
      d.nodes.push_back(std::move(n));
    }
  }
  auto revoked = Array(o, "revoked", top, limits.max_revoked);
  if (!revoked) return revoked.error();
  if (*revoked != nullptr) {
    for (std::size_t i = 0; i < (*revoked)->size(); ++i) {
      Reader r{"revoked[" + std::to_string(i) + "]"};
      if (!(**revoked)[i].is_object()) return MakeError(Errc::kInvalidArgument, "directory " + r.where + ": not an object");
      const auto& ro = (**revoked)[i].as_object();
      DirectoryRevocation x;
      auto fp = Text(ro, "fingerprint", r, 64);
      if (!fp) return fp.error();
      if (!*fp || !schema::IsSha256Hex(**fp)) return r.Bad("fingerprint", "missing or not 64 lowercase hex digits");
      x.fingerprint = **fp;
      auto node = Text(ro, "node", r, 32);
      if (!node) return node.error();
      if (*node && !schema::IsNodeId(**node)) return r.Bad("node", "not a node id");
      x.node_id = node->value_or("");
      auto since = Time(ro, "since", r);
      if (!since) return since.error();
      x.since = *since;
      auto reason = Text(ro, "reason", r, 1000);
      if (!reason) return reason.error();
      x.reason = reason->value_or("");
      d.revoked.push_back(std::move(x));
    }
  }
  return d;
}

std::string DirectoryJson(const Directory& d) {
  json::object o;
  o["format"] = std::string(kDirectoryFormat);
  o["serial"] = d.serial;
  o["issued"] = d.issued.ToString();
  o["next_update"] = d.next_update.ToString();
  o["code_version"] = d.code_version;
  json::array nodes;
  for (const auto& n : d.nodes) {
    json::array keys, certs;
    for (const auto& k : n.keys) {
      keys.push_back(ValidityJson(json::object{{"alg", SignAlgName(k.alg)}, {"public_key", k.pem}}, k.validity));
    }
    for (const auto& c : n.certificates) {
      certs.push_back(ValidityJson(json::object{{"certificate", c.pem}}, c.validity));
    }
    nodes.push_back(json::object{{"id", n.id}, {"keys", std::move(keys)}, {"certificates", std::move(certs)}});
  }
  o["nodes"] = std::move(nodes);
  json::array revoked;
  for (const auto& r : d.revoked) {
    json::object x{{"fingerprint", r.fingerprint}};
    if (!r.node_id.empty()) x["node"] = r.node_id;
    if (r.since) x["since"] = r.since->ToString();
    if (!r.reason.empty()) x["reason"] = r.reason;
    revoked.push_back(std::move(x));
  }
  o["revoked"] = std::move(revoked);
  return json::serialize(o) + "\n";
}

Result<Directory> OpenDirectory(std::string_view text, std::string_view signature, const PublicKey& root,
                                const DirectoryLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return MakeError(Errc::kLimit, "directory larger than " + std::to_string(limits.max_bytes) + " bytes");
  }
  if (!VerifyBytes(root, text, signature)) {
    return MakeError(Errc::kPermission, "the directory's signature does not verify with the national root key");
  }
  return ParseDirectory(text, limits);
}

}  // namespace xf::exchange
