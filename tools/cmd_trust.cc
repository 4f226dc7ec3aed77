// xfctl tls reissue|show and xfctl directory keygen|add|revoke|sign|publish|show:
// a node's TLS certificate, and the national operator's signed directory
// (exchange/PROTOCOL.md, "The signed directory").
#include <boost/json.hpp>
#include <iomanip>
#include <iostream>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/directory.h"
#include "node/case_text.h"
#include "node/conformance.h"
#include "schema/validate.h"
#include "tools/cli.h"
#include "tools/xfctl.h"

namespace xf::tools {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// In Chinese, in the node's time zone with the offset shown; in English as ISO 8601 UTC.
std::string Date(std::int64_t seconds) {
  return EnglishWords() ? Instant{seconds}.ToString() : node::text::LocalTime(Instant{seconds});
}

// ---- tls ---------------------------------------------------------------------

int TlsShow(const node::NodeConfig& c, bool en) {
  auto info = exchange::LoadCertificate(c.tls_cert);
  if (!info) {
    std::cerr << "xfctl tls show: " << Why(info.error()) << "\n";
    return 1;
  }
  if (en) {
    std::cout << "certificate  " << c.tls_cert.string() << "\n"
              << "CN           " << info->common_name << "\n"
              << "kind         "
              << (info->is_ca ? "CA:TRUE — the old kind; re-issue it: xfctl tls reissue" : "end-entity (CA:FALSE)")
              << "\n"
              << "valid        " << Date(info->not_before) << " … " << Date(info->not_after) << "\n"
              << "key          sha256 " << info->key_fingerprint << " (what peers pin)\n";
  } else {
    std::cout << "证书      " << c.tls_cert.string() << "\n"
              << "CN        " << info->common_name << "\n"
              << "类型      "
              << (info->is_ca ? "CA:TRUE——旧式证书；请重新签发：xfctl tls reissue" : "终端实体证书（CA:FALSE）") << "\n"
              << "有效期    " << Date(info->not_before) << " … " << Date(info->not_after) << "\n"
              << "密钥      sha256 " << info->key_fingerprint << "（对端固定的就是它）\n";
  }
  return 0;
}

int TlsReissue(const node::NodeConfig& c, const Args& args) {
  const bool new_key = args.Has("new-key");
  const int days = std::stoi(args.Get("days", "3650"));
  if (days < 1 || days > 36500) {
    std::cerr << Say("xfctl tls reissue：--days 须在 1 到 36500 之间\n", "xfctl tls reissue: --days must be between 1 and 36500\n");
    return 2;
  }
  auto before = exchange::LoadCertificate(c.tls_cert);
  std::error_code ec;
  fs::copy_file(c.tls_cert, c.tls_cert.string() + ".old", fs::copy_options::overwrite_existing, ec);
  if (ec) {
    std::cerr << Say("xfctl tls reissue：无法保留旧证书：", "xfctl tls reissue: cannot keep the old certificate: ") << ec.message() << "\n";
    return 1;
  }
  if (new_key) fs::copy_file(c.tls_key, c.tls_key.string() + ".old", fs::copy_options::overwrite_existing, ec);
  if (auto s = exchange::MakeTlsIdentity(c.node_id, days, c.tls_key, c.tls_cert, !new_key); !s) {
    std::cerr << "xfctl tls reissue: " << Why(s.error()) << "\n";
    return 1;
  }
  auto after = exchange::LoadCertificate(c.tls_cert);
  if (!after) {
    std::cerr << "xfctl tls reissue: " << Why(after.error()) << "\n";
    return 1;
  }
  const bool en = English(args);
  const std::string fp = after->key_fingerprint.substr(0, 16);
  if (en) {
    std::cout << "re-issued " << c.tls_cert.string() << " for " << c.node_id << ": end-entity (CA:FALSE), valid until "
              << Date(after->not_after) << "\n  (the old one kept as " << c.tls_cert.string() << ".old)\n";
  } else {
    std::cout << "已为 " << c.node_id << " 重新签发 " << c.tls_cert.string() << "：终端实体证书（CA:FALSE），有效期至 "
              << Date(after->not_after) << "\n  （旧证书保留为 " << c.tls_cert.string() << ".old）\n";
  }
  if (!new_key && before && before->key_der == after->key_der) {
    std::cout << (en ? "same key (sha256 " + fp + "…): peers pin the key, so they need no change. Restart this node to "
                       "present it.\n"
                     : "密钥不变（sha256 " + fp + "…）：对端固定的是密钥，无需改动。重启本节点后使用新证书。\n");
  } else if (en) {
    std::cout << "NEW key (sha256 " << fp
              << "…): every peer must pin the new certificate — xfctl peer add … --cert " << c.tls_cert.string()
              << " on each, or the national bureau lists it in the signed directory (xfctl directory add --cert).\n"
                 "Restart this node to present it.\n";
  } else {
    std::cout << "新密钥（sha256 " << fp << "…）：每个对端都须固定新证书——在各对端执行 xfctl peer add … --cert "
              << c.tls_cert.string() << "，或由国家信访局将其列入签名目录（xfctl directory add --cert）。\n"
              << "重启本节点后使用新证书。\n";
  }
  return 0;
}

// ---- directory ---------------------------------------------------------------------

Result<json::object> ReadSpec(const fs::path& file, bool may_be_missing) {
  std::error_code ec;
  if (may_be_missing && !fs::exists(file, ec)) return json::object{};
  auto text = ReadFile(file, exchange::DirectoryLimits{}.max_bytes);
  if (!text) return text.error();
  boost::system::error_code jec;
  auto v = json::parse(*text, jec);
  if (jec || !v.is_object()) return MakeError(Errc::kInvalidArgument, file.string() + " is not a JSON object");
  return std::move(v.as_object());
}

Status WriteSpec(const fs::path& file, const json::object& spec) {
  return WriteFile(file, json::serialize(spec) + "\n");
}

json::object& NodeEntry(json::object& spec, const std::string& id) {
  if (!spec["nodes"].is_array()) spec["nodes"] = json::array{};
  auto& nodes = spec["nodes"].as_array();
  for (auto& n : nodes) {
    if (n.is_object() && n.as_object().if_contains("id") && n.as_object().at("id") == id.c_str()) {
      return n.as_object();
    }
  }
  nodes.push_back(json::object{{"id", id}, {"keys", json::array{}}, {"certificates", json::array{}}});
  return nodes.back().as_object();
}

std::optional<std::string> CheckedTime(const Args& args, const char* name) {
  auto t = args.Get(name);
  if (!t) return std::nullopt;
  if (!Instant::Parse(*t)) throw std::invalid_argument(std::string("--") + name + " wants an ISO 8601 time with an offset");
  return t;
}

int DirectoryKeygen(const Args& args) {
  const auto out = args.Get("out");
  if (!out) {
    std::cerr << UsageWord() << "xfctl directory keygen --out DIR [--alg ed25519|sm2]\n";
    return 2;
  }
  auto alg = exchange::SignAlgFromName(args.Get("alg", "ed25519"));
  if (!alg) {
    std::cerr << "xfctl directory keygen: " << Why(alg.error()) << "\n";
    return 2;
  }
  std::error_code ec;
  fs::create_directories(*out, ec);
  if (fs::exists(fs::path(*out) / "root.key", ec)) {
    std::cerr << "xfctl directory keygen: " << (fs::path(*out) / "root.key").string()
              << Say(" 已存在；不会替换国家根密钥\n", " exists already; refusing to replace the national root key\n");
    return 1;
  }
  auto key = exchange::PrivateKey::Generate(*alg);
  if (!key) {
    std::cerr << "xfctl directory keygen: " << Why(key.error()) << "\n";
    return 1;
  }
  if (auto s = key->SavePem(fs::path(*out) / "root.key"); !s) {
    std::cerr << "xfctl directory keygen: " << Why(s.error()) << "\n";
    return 1;
  }
  if (auto s = WriteFile(fs::path(*out) / "root.pub", key->Public().Pem()); !s) {
    std::cerr << "xfctl directory keygen: " << Why(s.error()) << "\n";
    return 1;
  }
  if (English(args)) {
    std::cout << "national root key: " << (fs::path(*out) / "root.key").string() << " (keep it offline, 0600)\n"
              << "its public half:   " << (fs::path(*out) / "root.pub").string() << " (fingerprint "
              << key->Public().Fingerprint().substr(0, 16) << "…): give it to every node, xfctl init --root-key\n";
  } else {
    std::cout << "国家根密钥：" << (fs::path(*out) / "root.key").string() << "（离线保管，权限 0600）\n"
              << "其公钥：    " << (fs::path(*out) / "root.pub").string() << "（指纹 "
              << key->Public().Fingerprint().substr(0, 16) << "…）：发给每个节点，xfctl init --root-key\n";
  }
  return 0;
}

int DirectoryAdd(const Args& args) {
  const auto spec_file = args.Get("spec");
  const auto id = args.Get("id");
  if (!spec_file || !id || !schema::IsNodeId(*id) || (!args.Has("key") && !args.Has("cert"))) {
    std::cerr << UsageWord() << "xfctl directory add --spec FILE --id NODE-ID [--key SIGNING.pub] [--cert TLS.crt] "
                 "[--not-before TIME] [--not-after TIME]\n";
    return 2;
  }
  auto spec = ReadSpec(*spec_file, true);
  if (!spec) {
    std::cerr << "xfctl directory add: " << Why(spec.error()) << "\n";
    return 1;
  }
  json::object validity;
  try {
    if (auto t = CheckedTime(args, "not-before")) validity["not_before"] = *t;
    if (auto t = CheckedTime(args, "not-after")) validity["not_after"] = *t;
  } catch (const std::invalid_argument& e) {
    std::cerr << Say("xfctl directory add：参数有误：", "xfctl directory add: ") << e.what() << "\n";
    return 2;
  }
  auto& node = NodeEntry(*spec, *id);
  if (auto key_file = args.Get("key")) {
    auto k = exchange::PublicKey::LoadPem(*key_file);
    if (!k) {
      std::cerr << "xfctl directory add: " << Why(k.error()) << "\n";
      return 1;
    }
    json::object e = validity;
    e["alg"] = exchange::SignAlgName(k->Alg());
    e["public_key"] = k->Pem();
    if (!node["keys"].is_array()) node["keys"] = json::array{};
    node["keys"].as_array().push_back(std::move(e));
    std::cout << (English(args) ? "signing key of " + *id + " (sha256 " + k->Fingerprint().substr(0, 16) + "…) listed\n"
                                : "已列入 " + *id + " 的签名密钥（sha256 " + k->Fingerprint().substr(0, 16) + "…）\n");
  }
  if (auto cert_file = args.Get("cert")) {
    auto text = ReadFile(*cert_file, 64 * 1024);
    auto info = text ? exchange::ReadCertificate(*text) : Result<exchange::CertificateInfo>(text.error());
    if (!info) {
      std::cerr << "xfctl directory add: " << Why(info.error()) << "\n";
      return 1;
    }
    if (info->common_name != *id) {
      std::cerr << (English(args) ? "xfctl directory add: the certificate is for CN '" + info->common_name + "', not " + *id
                                  : "xfctl directory add: 证书的 CN 是 '" + info->common_name + "'，不是 " + *id)
                << "\n";
      return 1;
    }
    json::object e = validity;
    e["certificate"] = *text;
    if (!node["certificates"].is_array()) node["certificates"] = json::array{};
    node["certificates"].as_array().push_back(std::move(e));
    std::cout << (English(args) ? "TLS certificate of " + *id + " (key sha256 " + info->key_fingerprint.substr(0, 16) +
                                      "…) listed\n"
                                : "已列入 " + *id + " 的 TLS 证书（密钥 sha256 " + info->key_fingerprint.substr(0, 16) +
                                      "…）\n");
  }
  if (auto s = WriteSpec(*spec_file, *spec); !s) {
    std::cerr << "xfctl directory add: " << Why(s.error()) << "\n";
    return 1;
  }
  return 0;
}

int DirectoryRevoke(const Args& args) {
  const auto spec_file = args.Get("spec");
  if (!spec_file || (!args.Has("key") && !args.Has("cert") && !args.Has("fingerprint"))) {
    std::cerr << UsageWord() << "xfctl directory revoke --spec FILE (--key PUB | --cert CRT | --fingerprint HEX) "
                 "[--id NODE-ID] [--reason TEXT]\n";
    return 2;
  }
  std::string fingerprint;
  if (auto f = args.Get("fingerprint")) {
    fingerprint = *f;
  } else if (auto k = args.Get("key")) {
    auto key = exchange::PublicKey::LoadPem(*k);
    if (!key) {
      std::cerr << "xfctl directory revoke: " << Why(key.error()) << "\n";
      return 1;
    }
    fingerprint = key->Fingerprint();
  } else {
    auto info = exchange::LoadCertificate(*args.Get("cert"));
    if (!info) {
      std::cerr << "xfctl directory revoke: " << Why(info.error()) << "\n";
      return 1;
    }
    fingerprint = info->key_fingerprint;
  }
  if (!schema::IsSha256Hex(fingerprint)) {
    std::cerr << "xfctl directory revoke: '" << fingerprint << Say("' 不是 SHA-256 指纹（64 位十六进制）\n", "' is not a SHA-256 fingerprint (64 hex digits)\n");
    return 2;
  }
  auto spec = ReadSpec(*spec_file, true);
  if (!spec) {
    std::cerr << "xfctl directory revoke: " << Why(spec.error()) << "\n";
    return 1;
  }
  json::object r{{"fingerprint", fingerprint}, {"since", SystemClock().Now().ToString()}};
  if (auto id = args.Get("id")) r["node"] = *id;
  if (auto reason = args.Get("reason")) r["reason"] = *reason;
  if (!(*spec)["revoked"].is_array()) (*spec)["revoked"] = json::array{};
  (*spec)["revoked"].as_array().push_back(std::move(r));
  if (auto s = WriteSpec(*spec_file, *spec); !s) {
    std::cerr << "xfctl directory revoke: " << Why(s.error()) << "\n";
    return 1;
  }
  std::cout << (English(args) ? "key sha256 " + fingerprint + " revoked in " + *spec_file + " (sign and publish it)\n"
                              : "已在 " + *spec_file + " 中吊销密钥 sha256 " + fingerprint + "（请签名并发布）\n");
  return 0;
}

int DirectorySign(const Args& args) {
  const auto spec_file = args.Get("spec");
  const auto root_file = args.Get("root-key");
  const auto serial = args.Get("serial");
  const auto out = args.Get("out");
  if (!spec_file || !root_file || !serial || !out) {
    std::cerr << UsageWord() << "xfctl directory sign --spec FILE --root-key root.key --serial N --out DIR "
                 "[--valid-days N] [--issued TIME] [--code-version V]\n";
    return 2;
  }
  auto spec = ReadSpec(*spec_file, false);
  if (!spec) {
    std::cerr << "xfctl directory sign: " << Why(spec.error()) << "\n";
    return 1;
  }
  auto root = exchange::PrivateKey::LoadPem(*root_file);
  if (!root) {
    std::cerr << "xfctl directory sign: " << Why(root.error()) << "\n";
    return 1;
  }
  Instant issued = SystemClock().Now();
  if (auto t = args.Get("issued")) {
    auto i = Instant::Parse(*t);
    if (!i) {
      std::cerr << Say("xfctl directory sign：--issued 应为带时区偏移的 ISO 8601 时间\n", "xfctl directory sign: --issued wants an ISO 8601 time with an offset\n");
      return 2;
    }
    issued = *i;
  }
  long long days = 0;
  std::uint64_t n = 0;
  try {
    days = std::stoll(args.Get("valid-days", "7"));
    n = std::stoull(*serial);
  } catch (const std::exception&) {
    std::cerr << Say("xfctl directory sign：--serial 和 --valid-days 应为整数\n", "xfctl directory sign: --serial and --valid-days want whole numbers\n");
    return 2;
  }
  json::object& s = *spec;
  s["format"] = std::string(exchange::kDirectoryFormat);
  s["serial"] = n;
  s["issued"] = issued.ToString();
  s["next_update"] = Instant{issued.seconds + days * 86400}.ToString();
  if (auto cv = args.Get("code-version")) s["code_version"] = *cv;
  // Through the node's own parser, then written in its canonical form: what
  // is signed is exactly what every node will read.
  auto d = exchange::ParseDirectory(json::serialize(s));
  if (!d) {
    std::cerr << "xfctl directory sign: " << Why(d.error()) << "\n";
    return 1;
  }
  const std::string bytes = exchange::DirectoryJson(*d);
  auto sig = exchange::SignBytes(*root, bytes);
  if (!sig) {
    std::cerr << "xfctl directory sign: " << Why(sig.error()) << "\n";
    return 1;
  }
  std::error_code ec;
  fs::create_directories(*out, ec);
  if (auto w = WriteFile(fs::path(*out) / "directory.sig", *sig); !w) {
    std::cerr << "xfctl directory sign: " << Why(w.error()) << "\n";
    return 1;
  }
  if (auto w = WriteFile(fs::path(*out) / "directory.json", bytes); !w) {
    std::cerr << "xfctl directory sign: " << Why(w.error()) << "\n";
    return 1;
  }
  if (English(args)) {
    std::cout << "signed directory " << d->serial << " (" << d->nodes.size() << " nodes, " << d->revoked.size()
              << " revoked, next update " << d->next_update.ToString() << ") in " << *out << "\n";
  } else {
    std::cout << "签名目录 " << d->serial << "（" << d->nodes.size() << " 个节点，吊销 " << d->revoked.size()
              << " 个，下次更新 " << d->next_update.ToString() << "）在 " << *out << "\n";
  }
  std::cout << (English(args) ? "check it: " : "核对：") << "openssl pkeyutl -verify -pubin -inkey root.pub -rawin -in <(openssl dgst -sha256 -binary "
            << (fs::path(*out) / "directory.json").string() << ") -sigfile "
            << (fs::path(*out) / "directory.sig").string() << "   (Ed25519)\n";
  return 0;
}

int DirectoryPublish(const Args& args) {
  const auto in = args.Get("in");
  if (!in) {
    std::cerr << UsageWord() << "xfctl directory publish --in DIR [--node DIR]\n";
    return 2;
  }
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
    return 2;
  }
  auto bytes = ReadFile(fs::path(*in) / "directory.json", exchange::DirectoryLimits{}.max_bytes);
  auto sig = ReadFile(fs::path(*in) / "directory.sig", 4096);
  if (!bytes || !sig) {
    std::cerr << "xfctl directory publish: " << (bytes ? Why(sig.error()) : Why(bytes.error())) << "\n";
    return 1;
  }
  auto api = ApiOf(*config);
  if (!api) {
    std::cerr << "xfctl directory publish: " << Why(api.error()) << "\n";
    return 1;
  }
  auto r = CallApi(*api, "PUT", "/v1/directory", *bytes, "application/json",
                   {{"x-xf-signature", exchange::Base64Encode(*sig)}});
  if (!r) {
    std::cerr << "xfctl directory publish: the node does not answer (" << Why(r.error())
              << "); start it and publish again\n";
    return 1;
  }
  if (r->status != 200) {
    std::cerr << Say("xfctl directory publish：被拒绝（HTTP ", "xfctl directory publish: refused (HTTP ") << r->status << Say("）：", "): ") << r->body << "\n";
    return 1;
  }
  if (English(args)) {
    std::cout << "published to " << config->node_id << ": " << r->body
              << "\nit flows down every link on the next exchange round\n";
  } else {
    std::cout << "已发布到 " << config->node_id << "：" << r->body << "\n下一轮交换时沿每条链路下发\n";
  }
  return 0;
}

int DirectoryShow(const Args& args) {
  const auto in = args.Get("in");
  if (!in) {
    std::cerr << UsageWord() << "xfctl directory show --in DIR [--root-pub root.pub]\n";
    return 2;
  }
  auto bytes = ReadFile(fs::path(*in) / "directory.json", exchange::DirectoryLimits{}.max_bytes);
  if (!bytes) {
    std::cerr << "xfctl directory show: " << Why(bytes.error()) << "\n";
    return 1;
  }
  Result<exchange::Directory> d = exchange::ParseDirectory(*bytes);
  if (auto root_file = args.Get("root-pub")) {
    auto root = exchange::PublicKey::LoadPem(*root_file);
    auto sig = ReadFile(fs::path(*in) / "directory.sig", 4096);
    if (!root || !sig) {
      std::cerr << "xfctl directory show: " << (root ? Why(sig.error()) : Why(root.error())) << "\n";
      return 1;
    }
    d = exchange::OpenDirectory(*bytes, *sig, *root);
  }
  if (!d) {
    std::cerr << "xfctl directory show: " << Why(d.error()) << "\n";
    return 1;
  }
  const Instant now = SystemClock().Now();
  const bool en = English(args);
  auto W = [en](const char* zh, const char* english) { return std::string(en ? english : zh); };
  // A label, padded so that the values line up (CJK characters are two columns wide).
  auto label = [en](const char* zh, const char* english) {
    std::string l = en ? english : zh;
    const std::size_t width = node::conformance::DisplayWidth(l);
    return l + std::string(width < 13 ? 13 - width : 1, ' ');
  };
  auto at = [en](Instant t) { return en ? t.ToString() : node::text::LocalTime(t); };
  std::cout << label("目录序号", "directory") << d->serial
            << (args.Has("root-pub") ? W("（签名已验证）", " (signature verified)") : W("（未验证签名）", " (not verified)"))
            << "\n" << label("签发时间", "issued") << at(d->issued) << "\n" << label("下次更新", "next update")
            << at(d->next_update) << (d->Stale(now) ? W("  已过期（STALE）", "  STALE") : "") << "\n"
            << label("代码表版本", "code tables") << d->code_version << "\n" << label("节点", "nodes") << d->nodes.size()
            << "\n";
  for (const auto& n : d->nodes) {
    std::cout << "  " << std::left << std::setw(12) << n.id;
    for (const auto& k : n.keys) {
      std::cout << W(" 签名密钥 ", " key ") << exchange::SignAlgName(k.alg) << " " << k.fingerprint.substr(0, 12) << "…"
                << (d->IsRevoked(k.fingerprint) ? W(" 已吊销", " REVOKED") : "");
    }
    for (const auto& c : n.certificates) {
      std::cout << W(" TLS 证书 ", " tls ") << c.fingerprint.substr(0, 12) << "…"
                << (d->IsRevoked(c.fingerprint) ? W(" 已吊销", " REVOKED") : "");
    }
    std::cout << "\n";
  }
  std::cout << label("已吊销", "revoked") << d->revoked.size() << "\n";
  for (const auto& r : d->revoked) {
    std::cout << "  " << r.fingerprint << " " << r.node_id << " " << r.reason << "\n";
  }
  return 0;
}

}  // namespace

int CmdTls(const std::string& sub, const Args& args) {
  if (auto u = args.Unknown({"node", "config", "new-key", "days"}); !u.empty() || (sub != "reissue" && sub != "show")) {
    std::cerr << (u.empty() ? "" : "xfctl tls: " + u + "\n")
              << UsageWord() << "xfctl tls reissue [--new-key] [--days N] [--node DIR]\n       xfctl tls show [--node DIR]\n";
    return 2;
  }
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
    return 2;
  }
  return sub == "show" ? TlsShow(*config, English(args)) : TlsReissue(*config, args);
}

int CmdDirectory(const std::string& sub, const Args& args) {
  if (sub == "keygen") return DirectoryKeygen(args);
  if (sub == "add") return DirectoryAdd(args);
  if (sub == "revoke") return DirectoryRevoke(args);
  if (sub == "sign") return DirectorySign(args);
  if (sub == "publish") return DirectoryPublish(args);
  if (sub == "show") return DirectoryShow(args);
  std::cerr << Say("xfctl directory：未知子命令 '", "xfctl directory: unknown subcommand '") << sub << "' (keygen, add, revoke, sign, publish, show)\n";
  return 2;
}

}  // namespace xf::tools
