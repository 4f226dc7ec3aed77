// xfctl init: a new node — data dir, signing key, TLS identity, API token, config.
//
// --dir DIR: everything in one directory, paths in the config relative to it.
// --system:  the layout of the Debian package's service — /etc/xfnode for the
//            config, keys and token, /var/lib/xfnode for the data — with the
//            owners and modes the service user needs (see Permissions below).
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>

#include "codes/codebook.h"
#include "exchange/crypto.h"
#include "schema/validate.h"
#include "tools/cli.h"
#include "tools/xfctl.h"

namespace xf::tools {

namespace {

namespace fs = std::filesystem;

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// Where a node's files go, and how its config names them.
struct Layout {
  fs::path config_file;
  fs::path keys_dir;
  fs::path token_file;
  fs::path data_dir;
  bool relative = true;  // the config names paths relative to its own folder

  std::string Name(const fs::path& p) const {
    return relative ? p.lexically_relative(config_file.parent_path()).string() : p.string();
  }
};

// The service account that owns the private keys and the data.
struct ServiceUser {
  bool usable = false;  // this process runs as root and the user exists
  uid_t uid = 0;
  gid_t gid = 0;
};

ServiceUser FindServiceUser(const std::string& name) {
  if (::geteuid() != 0) return {};
  const passwd* pw = ::getpwnam(name.c_str());
  if (pw == nullptr) return {};
  return ServiceUser{true, pw->pw_uid, pw->pw_gid};
}

struct Permission {
  fs::path path;
  unsigned mode;
  bool service_owned;  // owner the service user; else root, with the service's group
};

// Permissions of the --system layout. The daemon (user xfnode) reads the
// config and token through its group and owns its private keys and data;
// members of the group xfnode may read the token and so use xfctl.
std::vector<Permission> SystemPermissions(const Layout& l) {
  std::vector<Permission> out{
      {l.config_file.parent_path(), 0750, false},
      {l.config_file, 0640, false},
      {l.keys_dir, 0750, false},
      {l.keys_dir / "peers", 0750, false},
      {l.keys_dir / "signing.key", 0600, true},
      {l.keys_dir / "signing.pub", 0644, false},
      {l.keys_dir / "tls.key", 0600, true},
      {l.keys_dir / "tls.crt", 0644, false},
      {l.token_file, 0640, false},
  };
  if (std::error_code ec; std::filesystem::exists(l.keys_dir / "root.pub", ec)) {
    out.push_back({l.keys_dir / "root.pub", 0644, false});
  }
  return out;
}

std::string ModeText(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode);
  return buf;
}

// The tiers, and what node id each takes (tools/README.md, "xfctl init").
const std::vector<std::string> kTiers = {"national", "province", "city", "county", "department"};

// The tier a node id's form belongs to.
std::string TierOfId(const std::string& id) {
  if (id.find('.') != std::string::npos) return "department";
  if (id == "100000") return "national";
  if (id.size() == 6 && id.compare(2, 4, "0000") == 0) return "province";
  if (id.size() == 6 && id.compare(4, 2, "00") == 0) return "city";
  return "county";
}

const char* TierWords(const std::string& tier) {
  return tier == "national" ? "国家级" : tier == "province" ? "省级" : tier == "city" ? "地市级"
       : tier == "county" ? "县级" : "职能部门";
}

// A municipality's conventional city-level id (市辖区 xx0100, 县 xx0200 of
// 北京、天津、上海、重庆): not a place in the ministry's list, but the id the
// city level of a municipality's tree takes.
bool MunicipalityCity(const std::string& id) {
  static const char* const kMunicipalities[] = {"11", "12", "31", "50"};
  if (id.size() != 6 || (id.compare(2, 4, "0100") != 0 && id.compare(2, 4, "0200") != 0)) return false;
  return std::any_of(std::begin(kMunicipalities), std::end(kMunicipalities),
                     [&](const char* m) { return id.compare(0, 2, m) == 0; });
}

// Empty when tier and id agree; else why not, in words for the operator
// (Chinese, or English), naming what is allowed. `warning` gets what is
// allowed but worth saying (a code no longer in use).
std::string CheckTierAndId(const std::string& tier, const std::string& id, bool en, std::string& warning) {
  const std::string allowed =
      en ? "allowed: national 100000; province PP0000; city PPCC00 (also a municipality's 110100, 120100, 310100, "
           "500100, 500200); county PPCCNN; department NNNNNN.ORG (a division code or 100000, a dot, 1–18 of "
           "0-9A-Z)"
         : "允许：national 100000；province PP0000；city PPCC00（含直辖市的 110100、120100、310100、500100、500200）；"
           "county PPCCNN；department NNNNNN.机构代码（行政区划代码或 100000，加点，再加 1–18 位 0-9A-Z）";
  if (std::find(kTiers.begin(), kTiers.end(), tier) == kTiers.end()) {
    const std::string near = ClosestWord(tier, kTiers);
    return en ? "unknown tier '" + tier + "'" + (near.empty() ? "" : "; did you mean --tier " + near + "?") +
                    " (national, province, city, county, department)"
              : "未知的层级 '" + tier + "'" + (near.empty() ? "" : "；是否想用 --tier " + near + "？") +
                    "（可用：national、province、city、county、department）";
  }
  if (!schema::IsNodeId(id)) {
    return en ? "'" + id + "' is not a node id; " + allowed : "'" + id + "' 不是节点编号；" + allowed;
  }
  const std::string fits = TierOfId(id);
  const bool municipality = MunicipalityCity(id);
  if (fits != tier && !(tier == "city" && municipality)) {
    return en ? "--tier " + tier + " and --node-id " + id + " do not agree: " + id + " is the id of a " + fits +
                    " node (--tier " + fits + "?); " + allowed
              : "--tier " + tier + " 与 --node-id " + id + " 不符：" + id + " 是" + TierWords(fits) + "（" + fits +
                    "）节点的编号（是否应为 --tier " + fits + "？）；" + allowed;
  }
  // The code tables: the division must exist (in some year) at its level.
  auto book = codes::CodeBook::Load(codes::DefaultDataDir());
  if (!book) {
    warning = en ? "the code tables cannot be read (" + book.error().message + "): the id's division was not checked"
                 : "无法读取代码表（" + book.error().message + "），未核对编号对应的行政区划";
    return "";
  }
  const std::string division = id.substr(0, 6);
  if (division == "100000" || municipality) return "";
  const auto periods = (*book)->Periods(codes::table::kDivision, division);
  if (periods.empty()) {
    return en ? division + " is not a division code of GB/T 2260 in any year (xfctl codes show " + division + "); " + allowed
              : division + " 不是任何年份的 GB/T 2260 行政区划代码（xfctl codes show " + division + "）；" + allowed;
  }
  if (const auto* now = (*book)->Find(codes::table::kDivision, division, SystemClock().Now().ToDate()); now == nullptr) {
    warning = (en ? "note: " : "注意：") +
              (*book)->WhyNotValid(codes::table::kDivision, division, SystemClock().Now().ToDate());
  }
  return "";
}

}  // namespace

int CmdInit(const Args& args) {
  if (auto u = args.Unknown({"dir", "system", "root", "user", "node-id", "tier", "name", "api-port",
                             "exchange-port", "alg", "force", "api-listen", "exchange-listen",
                             "interval", "root-key"});
      !u.empty()) {
    std::cerr << "xfctl init: " << u << "\n";
    return 2;
  }
  const bool system = args.Has("system");
  const auto dir_arg = args.Get("dir");
  const auto node_id = args.Get("node-id");
  if (system == dir_arg.has_value() || !node_id) {
    std::cerr << Say("xfctl init：须给出 --node-id ID，以及 --dir DIR 或 --system\n", "xfctl init: --node-id ID and either --dir DIR or --system are required\n");
    return 2;
  }
  if (!system && (args.Has("root") || args.Has("user"))) {
    std::cerr << Say("xfctl init：--root 和 --user 只能与 --system 一起用\n", "xfctl init: --root and --user go with --system\n");
    return 2;
  }
  if (system && !args.Get("system", "").empty()) {
    std::cerr << Say("xfctl init：--system 不带值\n", "xfctl init: --system takes no value\n");
    return 2;
  }
  // The national root key the signed directory is verified with.
  std::optional<exchange::PublicKey> root_key;
  if (auto root = args.Get("root-key")) {
    auto k = exchange::PublicKey::LoadPem(*root);
    if (!k) {
      std::cerr << "xfctl init: --root-key: " << Why(k.error()) << "\n";
      return 2;
    }
    root_key.emplace(std::move(k).value());
  }
  const std::string tier = args.Get("tier", "county");
  // Tier and id agree before anything is written (no file is left behind a refusal).
  std::string warning;
  if (const std::string why = CheckTierAndId(tier, *node_id, English(args), warning); !why.empty()) {
    std::cerr << "xfctl init: " << why << "\n";
    return 2;
  }
  if (!warning.empty()) std::cerr << "xfctl init: " << warning << "\n";
  const std::string alg_name = args.Get("alg", "ed25519");
  auto alg = exchange::SignAlgFromName(alg_name);
  if (!alg) {
    std::cerr << "xfctl init: " << Why(alg.error()) << "\n";
    return 2;
  }

  Layout l;
  if (system) {
    // --root DIR: the same layout under DIR (tests, images built offline).
    const fs::path root = fs::absolute(args.Get("root", "/"));
    l.config_file = root / "etc/xfnode/xfnode.yaml";
    l.keys_dir = root / "etc/xfnode/keys";
    l.token_file = root / "etc/xfnode/api.token";
    l.data_dir = root / "var/lib/xfnode";
    l.relative = false;
  } else {
    const fs::path dir = fs::absolute(*dir_arg);
    l.config_file = dir / "xfnode.yaml";
    l.keys_dir = dir / "keys";
    l.token_file = dir / "api.token";
    l.data_dir = dir / "data";
  }
  const std::string user_name = args.Get("user", "xfnode");
  const ServiceUser user = system ? FindServiceUser(user_name) : ServiceUser{};

  std::error_code ec;
  if (fs::exists(l.config_file, ec) && !args.Has("force")) {
    std::cerr << "xfctl init: " << l.config_file.string()
              << Say(" 已存在；不会替换节点的密钥（要重新开始请加 --force）\n",
                     " exists already; refusing to replace a node's keys (use --force to start over)\n");
    return 1;
  }
  const bool had_data = fs::exists(l.data_dir, ec);
  // Whatever umask this was started with, nothing below is created open to
  // others; the modes that must differ are set explicitly.
  ::umask(077);
  for (const auto& d : {l.keys_dir / "peers", l.keys_dir / "directory", l.data_dir}) {
    fs::create_directories(d, ec);
    if (ec) {
      std::cerr << Say("xfctl init：无法创建 ", "xfctl init: cannot create ") << d.string() << ": " << ec.message()
                << (system && ::geteuid() != 0 ? " (run it as root)" : "") << "\n";
      return 1;
    }
  }
  ::chmod(l.keys_dir.c_str(), system ? 0750 : 0700);
  // The data dir holds ID numbers: 0700 (--system: 0750 with the service's
  // group, below). xfnode keeps it so and creates its files 0600 within.
  if (!system && !had_data) ::chmod(l.data_dir.c_str(), 0700);

  auto key = exchange::PrivateKey::Generate(*alg);
  if (!key) {
    std::cerr << "xfctl init: " << Why(key.error()) << "\n";
    return 1;
  }
  if (auto s = key->SavePem(l.keys_dir / "signing.key"); !s) {
    std::cerr << "xfctl init: " << Why(s.error()) << "\n";
    return 1;
  }
  const auto pub = key->Public();
  if (auto s = WriteFile(l.keys_dir / "signing.pub", pub.Pem()); !s) {
    std::cerr << "xfctl init: " << Why(s.error()) << "\n";
    return 1;
  }
  if (auto s =
          exchange::MakeTlsIdentity(*node_id, 3650, l.keys_dir / "tls.key", l.keys_dir / "tls.crt");
      !s) {
    std::cerr << "xfctl init: " << Why(s.error()) << "\n";
    return 1;
  }
  if (root_key) {
    if (auto s = WriteFile(l.keys_dir / "root.pub", root_key->Pem()); !s) {
      std::cerr << "xfctl init: " << Why(s.error()) << "\n";
      return 1;
    }
  }
  if (auto s = WriteFile(l.token_file, exchange::RandomHex(24) + "\n", 0600); !s) {
    std::cerr << "xfctl init: " << Why(s.error()) << "\n";
    return 1;
  }

  std::string yaml;
  yaml += system ? "# xfnode configuration, written by xfctl init --system.\n"
                 : "# xfnode configuration, written by xfctl init. Relative paths are relative to "
                   "this file.\n";
  yaml += "node:\n  id: " + Quote(*node_id) + "\n  name: " + Quote(args.Get("name", *node_id)) +
          "\n  tier: " + tier + "\n";
  yaml += "data_dir: " + l.Name(l.data_dir) + "\n";
  // xfctl keys add puts the keys of further nodes (beyond parent and children) here.
  yaml += "key_directory: " + l.Name(l.keys_dir / "directory") +
          "   # <node-id>.pub of every node whose batches this node verifies\n";
  yaml += "api:\n  listen: " + args.Get("api-listen", "127.0.0.1") +
          "\n  port: " + args.Get("api-port", "8640") + "\n  token_file: " + l.Name(l.token_file) +
          "\n";
  yaml += "signing:\n  algorithm: " + alg_name + "\n  key: " + l.Name(l.keys_dir / "signing.key") +
          "\n";
  yaml += "tls:\n  cert: " + l.Name(l.keys_dir / "tls.crt") +
          "\n  key: " + l.Name(l.keys_dir / "tls.key") + "\n";
  yaml += "exchange:\n  listen: " + args.Get("exchange-listen", "127.0.0.1") +
          "\n  port: " + args.Get("exchange-port", "8641") +
          "\n  interval: " + args.Get("interval", "60") + "\n";
  yaml += "limits:\n  max_attachments: 5\n";
  if (root_key) {
    yaml += "directory:   # the signed directory of keys and certificates, from the national bureau\n"
            "  root_key: " + l.Name(l.keys_dir / "root.pub") + "\n";
  }
  if (auto s = WriteFile(l.config_file, yaml, 0640); !s) {
    std::cerr << "xfctl init: " << Why(s.error()) << "\n";
    return 1;
  }
  // Check what we wrote the way the daemon will read it.
  auto check = node::LoadConfig(l.config_file);
  if (!check) {
    std::cerr << "xfctl init: the written configuration does not load: " << Why(check.error())
              << "\n";
    return 1;
  }

  std::string owner_note;
  if (system) {
    // Modes always; owners only as root for an existing user (the package creates xfnode).
    for (const auto& p : SystemPermissions(l)) {
      if (::chmod(p.path.c_str(), p.mode) != 0) {
        std::cerr << Say("xfctl init：无法修改权限（chmod）", "xfctl init: cannot chmod ") << p.path.string() << "\n";
        return 1;
      }
      if (user.usable && ::chown(p.path.c_str(), p.service_owned ? user.uid : 0, user.gid) != 0) {
        std::cerr << Say("xfctl init：无法修改属主（chown）", "xfctl init: cannot chown ") << p.path.string() << "\n";
        return 1;
      }
    }
    // An existing data dir is the node's cases: left exactly as it is.
    if (!had_data) {
      ::chmod(l.data_dir.c_str(), 0750);
      if (user.usable && ::chown(l.data_dir.c_str(), user.uid, user.gid) != 0) {
        std::cerr << Say("xfctl init：无法修改属主（chown）", "xfctl init: cannot chown ") << l.data_dir.string() << "\n";
        return 1;
      }
    }
    if (English(args)) {
      owner_note = user.usable ? " (owner " + user_name + ")"
                               : std::string(" (owned by uid ") + std::to_string(::geteuid()) + ": " +
                                     (::geteuid() != 0 ? "not run as root" : "no user " + user_name) +
                                     ", so the service may not read them)";
    } else {
      owner_note = user.usable ? "（属主 " + user_name + "）"
                               : std::string("（属主为 uid ") + std::to_string(::geteuid()) + "：" +
                                     (::geteuid() != 0 ? "不是以 root 运行" : "没有用户 " + user_name) +
                                     "，服务可能读不到它们）";
    }
  }

  if (English(args)) {
    std::cout << "node " << *node_id << " (" << tier << ") initialised"
              << (system ? " for the xfnode service" : " in " + l.config_file.parent_path().string()) << "\n"
              << "  config       " << l.config_file.string() << (system ? " (" + ModeText(0640) + ")" : "") << "\n"
              << "  signing key  " << (l.keys_dir / "signing.key").string() << " (" << alg_name << ", fingerprint "
              << pub.Fingerprint().substr(0, 16) << "…)" << (system ? owner_note : "") << "\n"
              << "  TLS          " << (l.keys_dir / "tls.crt").string() << " (end-entity; peers pin its key)\n"
              << (root_key ? "  root key     " + (l.keys_dir / "root.pub").string() + " (fingerprint " +
                                 root_key->Fingerprint().substr(0, 16) + "…): verifies the signed directory\n"
                           : std::string())
              << "  API token    " << l.token_file.string() << "\n"
              << "  data         " << l.data_dir.string() << (had_data ? " (kept as it was)" : "") << "\n";
    std::cout << "start it with: "
              << (system ? std::string("systemctl enable --now xfnode") : "xfnode --config " + l.config_file.string())
              << "\n";
  } else {
    std::cout << "节点 " << *node_id << "（" << TierWords(tier) << "，" << tier << "）已初始化"
              << (system ? "，供 xfnode 服务使用" : "，位于 " + l.config_file.parent_path().string()) << "\n"
              << "  配置        " << l.config_file.string() << (system ? "（" + ModeText(0640) + "）" : "") << "\n"
              << "  签名密钥    " << (l.keys_dir / "signing.key").string() << "（" << alg_name << "，指纹 "
              << pub.Fingerprint().substr(0, 16) << "…）" << (system ? owner_note : "") << "\n"
              << "  TLS 证书    " << (l.keys_dir / "tls.crt").string() << "（终端实体证书；对端固定其密钥）\n"
              << (root_key ? "  根公钥      " + (l.keys_dir / "root.pub").string() + "（指纹 " +
                                 root_key->Fingerprint().substr(0, 16) + "…）：用于验证签名目录\n"
                           : std::string())
              << "  接口令牌    " << l.token_file.string() << "\n"
              << "  数据        " << l.data_dir.string() << (had_data ? "（保留原有数据）" : "") << "\n";
    std::cout << "启动：" << (system ? std::string("systemctl enable --now xfnode") : "xfnode --config " + l.config_file.string())
              << "\n";
  }
  return 0;
}

}  // namespace xf::tools
