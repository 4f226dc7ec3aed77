// xfctl conformance --batch FILE: one batch file checked offline, without a
// node (node/conformance_batch.h; node/CONFORMANCE.md, "One batch, offline").
//
//   xfctl conformance --batch FILE [--signature FILE --key ORIGIN.pub]
//                     [--node DIR | --config FILE] [--format text|json] [--out FILE]
//
// With --node/--config the node's code tables, record limits and R5 bound
// are used; otherwise the installed code tables and the defaults.
// Exit status: 0 no violation, 3 violations found, 1 the file could not be
// checked, 2 usage.
#include <iostream>

#include "codes/codebook.h"
#include "exchange/crypto.h"
#include "node/conformance_batch.h"
#include "tools/cli.h"
#include "tools/xfctl.h"

namespace xf::tools {

int CmdConformanceBatch(const Args& args) {
  if (auto u = args.Unknown({"batch", "signature", "key", "node", "config", "format", "out"}); !u.empty()) {
    std::cerr << "xfctl conformance --batch: " << u << "\n";
    return 2;
  }
  const std::string file = args.Get("batch", "");
  const auto sig_file = args.Get("signature");
  const auto key_file = args.Get("key");
  const std::string format = args.Get("format", "text");
  if (file.empty() || sig_file.has_value() != key_file.has_value() || (format != "text" && format != "json")) {
    std::cerr << UsageWord() << "xfctl conformance --batch FILE [--signature FILE --key ORIGIN.pub] [--node DIR | --config "
                 "FILE] [--format text|json] [--out FILE]\n";
    return 2;
  }
  node::conformance::BatchCheckOptions options;
  options.today = SystemClock().Now().ToDate();
  std::filesystem::path codes_dir = codes::DefaultDataDir();
  if (args.Has("node") || args.Has("config")) {
    auto config = FindNode(args);
    if (!config) {
      std::cerr << "xfctl: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
      return 2;
    }
    options.timeliness_hours = config->timeliness_bound_hours;
    options.limits = config->limits;
    options.counting = config->counting;
    if (!config->codes_dir.empty()) codes_dir = config->codes_dir;
  }
  auto book = codes::CodeBook::Load(codes_dir);
  if (!book) {
    std::cerr << "xfctl: " << Why(book.error(), "无法读取代码表", "code tables") << "\n";
    return 1;
  }
  const exchange::BatchLimits limits;
  auto bytes = ReadFile(file, limits.max_compressed);
  if (!bytes) {
    std::cerr << "xfctl: " << Why(bytes.error()) << "\n";
    return 1;
  }
  std::optional<std::string> signature;
  std::optional<exchange::PublicKey> key;
  if (sig_file) {
    auto sig = ReadFile(*sig_file, 4096);
    if (!sig) {
      std::cerr << "xfctl: " << Why(sig.error()) << "\n";
      return 1;
    }
    auto pub = exchange::PublicKey::LoadPem(*key_file);
    if (!pub) {
      std::cerr << "xfctl: " << *key_file << ": " << Why(pub.error()) << "\n";
      return 1;
    }
    signature = std::move(sig).value();
    key.emplace(std::move(pub).value());
  }
  auto check = node::conformance::CheckBatch(*bytes, **book, options, signature, key ? &*key : nullptr);
  if (!check) {
    std::cerr << "xfctl conformance: " << file << ": " << Why(check.error()) << "\n";
    return 1;
  }
  const std::string out = format == "json" ? node::conformance::BatchCheckToJson(*check) + "\n"
                                           : node::conformance::BatchCheckToText(*check, English(args));
  if (auto path = args.Get("out")) {
    if (auto s = WriteFile(*path, out); !s) {
      std::cerr << "xfctl: " << Why(s.error()) << "\n";
      return 1;
    }
  } else {
    std::cout << out;
  }
  return check->violations.empty() ? 0 : 3;
}

}  // namespace xf::tools
