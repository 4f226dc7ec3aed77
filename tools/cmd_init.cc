// xfctl init: a new node — data dir, signing key, TLS identity, API token, config.
#include <sys/stat.h>

#include <iostream>

#include "exchange/crypto.h"
#include "schema/validate.h"
#include "tools/xfctl.h"

namespace xf::tools {

namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

int CmdInit(const Args& args) {
  if (auto u = args.Unknown({"dir", "node-id", "tier", "name", "api-port", "exchange-port", "alg", "force",
                             "api-listen", "exchange-listen", "interval"});
      !u.empty()) {
    std::cerr << "xfctl init: " << u << "\n";
    return 2;
  }
  const auto dir_arg = args.Get("dir");
  const auto node_id = args.Get("node-id");
  if (!dir_arg || !node_id) {
    std::cerr << "xfctl init: --dir DIR and --node-id ID are required\n";
    return 2;
  }
  if (!schema::IsNodeId(*node_id)) {
    std::cerr << "xfctl init: '" << *node_id
              << "' is not a node id (a 6-digit division code, optionally followed by . and an organisation code)\n";
    return 2;
  }
  const std::string tier = args.Get("tier", "county");
  const std::string alg_name = args.Get("alg", "ed25519");
  auto alg = exchange::SignAlgFromName(alg_name);
  if (!alg) {
    std::cerr << "xfctl init: " << alg.error().message << "\n";
    return 2;
  }
  const std::filesystem::path dir = std::filesystem::absolute(*dir_arg);
  const auto config_file = dir / "xfnode.yaml";
  std::error_code ec;
  if (std::filesystem::exists(config_file, ec) && !args.Has("force")) {
    std::cerr << "xfctl init: " << config_file.string()
              << " exists already; refusing to replace a node's keys (use --force to start over)\n";
    return 1;
  }
  std::filesystem::create_directories(dir / "keys" / "peers", ec);
  std::filesystem::create_directories(dir / "keys" / "directory", ec);
  std::filesystem::create_directories(dir / "data", ec);
  if (ec) {
    std::cerr << "xfctl init: cannot create " << dir.string() << ": " << ec.message() << "\n";
    return 1;
  }
  ::chmod((dir / "keys").c_str(), 0700);

  auto key = exchange::PrivateKey::Generate(*alg);
  if (!key) {
    std::cerr << "xfctl init: " << key.error().message << "\n";
    return 1;
  }
  if (auto s = key->SavePem(dir / "keys" / "signing.key"); !s) {
    std::cerr << "xfctl init: " << s.error().message << "\n";
    return 1;
  }
  const auto pub = key->Public();
  if (auto s = WriteFile(dir / "keys" / "directory" / (*node_id + ".pub"), pub.Pem()); !s) {
    std::cerr << "xfctl init: " << s.error().message << "\n";
    return 1;
  }
  if (auto s = WriteFile(dir / "keys" / "signing.pub", pub.Pem()); !s) {
    std::cerr << "xfctl init: " << s.error().message << "\n";
    return 1;
  }
  if (auto s = exchange::MakeTlsIdentity(*node_id, 3650, dir / "keys" / "tls.key", dir / "keys" / "tls.crt"); !s) {
    std::cerr << "xfctl init: " << s.error().message << "\n";
    return 1;
  }
  if (auto s = WriteFile(dir / "api.token", exchange::RandomHex(24) + "\n", 0600); !s) {
    std::cerr << "xfctl init: " << s.error().message << "\n";
    return 1;
  }

  std::string yaml;
  yaml += "# xfnode configuration, written by xfctl init. Relative paths are relative to this file.\n";
  yaml += "node:\n  id: " + Quote(*node_id) + "\n  name: " + Quote(args.Get("name", *node_id)) +
          "\n  tier: " + tier + "\n";
  yaml += "data_dir: data\n";
  yaml += "key_directory: keys/directory   # <node-id>.pub of every node whose batches this node verifies\n";
  yaml += "api:\n  listen: " + args.Get("api-listen", "127.0.0.1") + "\n  port: " + args.Get("api-port", "8640") +
          "\n  token_file: api.token\n";
  yaml += "signing:\n  algorithm: " + alg_name + "\n  key: keys/signing.key\n";
  yaml += "tls:\n  cert: keys/tls.crt\n  key: keys/tls.key\n";
  yaml += "exchange:\n  listen: " + args.Get("exchange-listen", "127.0.0.1") + "\n  port: " +
          args.Get("exchange-port", "8641") + "\n  interval: " + args.Get("interval", "60") + "\n";
  yaml += "limits:\n  max_attachments: 5\n";
  if (auto s = WriteFile(config_file, yaml, 0640); !s) {
    std::cerr << "xfctl init: " << s.error().message << "\n";
    return 1;
  }
  // Check what we wrote the way the daemon will read it.
  auto check = node::LoadConfig(config_file);
  if (!check) {
    std::cerr << "xfctl init: the written configuration does not load: " << check.error().message << "\n";
    return 1;
  }
  std::cout << "node " << *node_id << " (" << tier << ") initialised in " << dir.string() << "\n"
            << "  config       " << config_file.string() << "\n"
            << "  signing key  " << (dir / "keys" / "signing.key").string() << " (" << alg_name
            << ", fingerprint " << pub.Fingerprint().substr(0, 16) << "…)\n"
            << "  TLS          " << (dir / "keys" / "tls.crt").string() << "\n"
            << "  API token    " << (dir / "api.token").string() << "\n"
            << "start it with: xfnode --config " << config_file.string() << "\n";
  return 0;
}

}  // namespace xf::tools
