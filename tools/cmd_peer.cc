// xfctl peer add / keys add: wiring a node to its parent and children.
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iostream>

#include "exchange/crypto.h"
#include "schema/validate.h"
#include "tools/cli.h"
#include "tools/xfctl.h"

namespace xf::tools {

namespace {

Status CopyFile(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  std::filesystem::create_directories(to.parent_path(), ec);
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return MakeError(Errc::kIo, "cannot copy " + from.string() + " to " + to.string() + ": " + ec.message());
  return {};
}

}  // namespace

int CmdPeer(const std::string& sub, const Args& args) {
  if (sub != "add") {
    std::cerr << Say("xfctl peer：未知子命令 '", "xfctl peer: unknown subcommand '") << sub << "' (add)\n";
    return 2;
  }
  if (auto u = args.Unknown({"node", "config", "as", "id", "url", "key", "cert", "pull"}); !u.empty()) {
    std::cerr << "xfctl peer add: " << u << "\n";
    return 2;
  }
  const std::string role = args.Get("as", "");
  const std::string id = args.Get("id", "");
  const auto key = args.Get("key");
  const auto cert = args.Get("cert");
  if ((role != "parent" && role != "child") || !schema::IsNodeId(id) || !key || !cert) {
    std::cerr << UsageWord() << "xfctl peer add --node DIR --as parent|child --id NODE-ID --key PEER.pub --cert PEER.crt "
                 "[--url https://HOST:PORT] [--pull]\n";
    return 2;
  }
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
    return 2;
  }
  if (auto k = exchange::PublicKey::LoadPem(*key); !k) {
    std::cerr << "xfctl peer add: " << Why(k.error()) << "\n";
    return 1;
  }
  // The certificate must be the peer's own: its CN is the node id given.
  // (The node then pins it by its public key, never by the CN.)
  auto info = exchange::LoadCertificate(*cert);
  if (!info) {
    std::cerr << "xfctl peer add: --cert: " << Why(info.error()) << "\n";
    return 1;
  }
  if (info->common_name != id) {
    std::cerr << (English(args) ? "xfctl peer add: the certificate " + *cert + " is for CN '" + info->common_name +
                                      "', not for --id " + id + ": refusing to pin another node's certificate for " +
                                      id + "\n"
                                : "xfctl peer add: 证书 " + *cert + " 的 CN 是 '" + info->common_name + "'，不是 --id " +
                                      id + "：拒绝为 " + id + " 固定其他节点的证书\n");
    return 1;
  }
  if (info->is_ca) {
    std::cerr << (English(args) ? "xfctl peer add: note: " + *cert +
                                      " is of the old kind (CA:TRUE); it is pinned all the same. Its node can re-issue "
                                      "it with the same key (xfctl tls reissue), which needs no change here.\n"
                                : "xfctl peer add: 提示：" + *cert +
                                      " 是旧式证书（CA:TRUE）；照样固定。其节点可用同一密钥重新签发（xfctl tls "
                                      "reissue），这里无需改动。\n");
  }
  const auto dir = config->file.parent_path();
  const auto key_to = dir / "keys" / "peers" / (id + ".pub");
  const auto cert_to = dir / "keys" / "peers" / (id + ".crt");
  for (const auto& [from, to] : {std::pair{std::filesystem::path(*key), key_to}, std::pair{std::filesystem::path(*cert), cert_to}}) {
    if (std::filesystem::absolute(from) == std::filesystem::absolute(to)) continue;
    if (auto s = CopyFile(from, to); !s) {
      std::cerr << "xfctl peer add: " << Why(s.error()) << "\n";
      return 1;
    }
  }
  auto edited = node::EditConfig(config->file, [&](YAML::Node& root) -> Status {
    YAML::Node peer;
    peer["id"] = id;
    if (auto url = args.Get("url")) peer["url"] = *url;
    peer["public_key"] = "keys/peers/" + id + ".pub";
    peer["certificate"] = "keys/peers/" + id + ".crt";
    if (args.Has("pull")) peer["pull"] = true;
    if (role == "parent") {
      root["parent"] = peer;
      return {};
    }
    YAML::Node children = root["children"];
    YAML::Node kept(YAML::NodeType::Sequence);
    if (children && children.IsSequence()) {
      for (const auto& c : children) {
        if (c["id"].as<std::string>() != id) kept.push_back(c);
      }
    }
    kept.push_back(peer);
    root["children"] = kept;
    return {};
  });
  if (!edited) {
    std::cerr << (English(args) ? "xfctl peer add: the new configuration is not written: "
                                : "xfctl peer add: 新配置未写入：")
              << Why(edited.error()) << "\n";
    return 1;
  }
  const bool en = English(args);
  if (en) {
    std::cout << role << " " << id << " added to " << config->file.string() << " (restart the node to use it)\n";
  } else {
    std::cout << "已将" << (role == "parent" ? "上级 " : "下级 ") << id << " 加入 " << config->file.string()
              << "（重启节点后生效）\n";
  }
  if (!args.Get("url")) {
    // Added all the same (an air-gapped link has no URL), but say what it means.
    if (role == "parent") {
      std::cerr << (en ? "xfctl peer add: warning: the parent " + id + " has no --url: this node cannot push its "
                             "batches up nor fetch what comes down; they wait for offline transfer (xfctl export / "
                             "import). To exchange online, run this again with --url https://HOST:PORT\n"
                       : "xfctl peer add: 警告：上级 " + id + " 没有 --url：本节点无法向上推送批次，也无法拉取下发的信访件，"
                             "只能离线交换（xfctl export / import）。要在线交换，请加 --url https://主机:端口 再执行一次\n");
    } else if (!args.Has("pull")) {
      std::cerr << (en ? "xfctl peer add: note: the child " + id + " has neither --url nor --pull: what goes down to "
                             "it waits for offline transfer (xfctl export)\n"
                       : "xfctl peer add: 提示：下级 " + id + " 既没有 --url 也没有 --pull：发往它的批次只能离线交换（xfctl export）\n");
    }
  }
  return 0;
}

namespace {

// Asks a running node to read its keys again; says what happened.
void TellRunningNode(const node::NodeConfig& config, const char* cmd, bool en) {
  auto api = ApiOf(config);
  std::error_code ec;
  if (!api || !std::filesystem::exists(config.data_dir / "api.url", ec)) {
    std::cout << (en ? "the node is not running: it reads its keys when it starts\n" : "节点未运行：它在启动时读取密钥\n");
    return;
  }
  auto r = CallApi(*api, "POST", "/v1/keys/reload", "");
  if (r && r->status == 200) {
    std::cout << (en ? "the running node took the change at once (" : "运行中的节点已立即采用这一变更（") << r->body
              << (en ? ")\n" : "）\n");
  } else {
    // It also watches the key directory, so the change still arrives.
    const std::string why = r ? "HTTP " + std::to_string(r->status) : r.error().message;
    std::cout << cmd
              << (en ? ": the node did not answer the reload (" + why +
                           "); it notices the key directory's change by itself within seconds, or on SIGHUP\n"
                     : "：节点未响应重新载入（" + why + "）；它会在几秒内自行发现密钥目录的变化，或在收到 SIGHUP 时载入\n");
  }
}

}  // namespace

int CmdKeys(const std::string& sub, const Args& args) {
  const auto& pos = args.Positional();
  const bool add = sub == "add" && pos.size() == 2 && schema::IsNodeId(pos[0]);
  const bool remove = sub == "remove" && pos.size() == 1 && schema::IsNodeId(pos[0]);
  if (!add && !remove) {
    std::cerr << UsageWord() << "xfctl keys add NODE-ID PUBLIC-KEY.pem --node DIR\n"
                 "       xfctl keys remove NODE-ID --node DIR\n";
    return 2;
  }
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
    return 2;
  }
  if (config->key_directory.empty()) {
    std::cerr << "xfctl keys " << sub
              << (English(args) ? ": the configuration has no key_directory\n" : "：配置中没有 key_directory\n");
    return 1;
  }
  const auto file = config->key_directory / (pos[0] + ".pub");
  if (add) {
    if (auto k = exchange::PublicKey::LoadPem(pos[1]); !k) {
      std::cerr << "xfctl keys add: " << Why(k.error()) << "\n";
      return 1;
    }
    // Copied beside and renamed: the node's watch never reads half a key.
    const auto tmp = config->key_directory / ("." + pos[0] + ".pub.tmp");
    if (auto s = CopyFile(pos[1], tmp); !s) {
      std::cerr << "xfctl keys add: " << Why(s.error()) << "\n";
      return 1;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) {
      std::cerr << Say("xfctl keys add：无法写入 ", "xfctl keys add: cannot write ") << file.string() << ": " << ec.message() << "\n";
      return 1;
    }
  } else {
    std::error_code ec;
    if (!std::filesystem::remove(file, ec)) {
      std::cerr << (English(args) ? "xfctl keys remove: no key of " + pos[0] + " in "
                                  : "xfctl keys remove: " + pos[0] + " 的密钥不在 ")
                << config->key_directory.string() << (ec ? ": " + ec.message() : std::string()) << "\n";
      return 1;
    }
  }
  TellRunningNode(*config, add ? "xfctl keys add" : "xfctl keys remove", English(args));
  return 0;
}

}  // namespace xf::tools
