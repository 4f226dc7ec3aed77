// xfctl conformance: the conformance report (node/CONFORMANCE.md), read
// straight from the node's database opened read-only, so it works whether
// or not the node is running.
#include <cstdlib>
#include <iostream>

#include "codes/codebook.h"
#include "node/conformance.h"
#include "node/conformance_html.h"
#include "node/summary.h"
#include "tools/cli.h"
#include "tools/progress.h"
#include "tools/xfctl.h"

namespace xf::tools {

// --batch FILE: one batch file checked offline (tools/cmd_conformance_batch.cc).
int CmdConformanceBatch(const Args& args);

int CmdConformance(const Args& args) {
  if (args.Has("batch")) return CmdConformanceBatch(args);
  if (auto u = args.Unknown(
          {"node", "config", "since", "until", "format", "out", "node-id", "page", "q", "sort"});
      !u.empty()) {
    std::cerr << "xfctl conformance: " << u << "\n";
    return 2;
  }
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
    return 2;
  }
  // Bounds, children and the default period from the node's configuration.
  auto o = node::conformance::OptionsFor(*config, SystemClock().Now());
  // --since/--until are civil dates in China time (UTC+8); until is exclusive.
  for (const char* key : {"since", "until"}) {
    if (auto text = args.Get(key)) {
      const auto d = Date::Parse(*text);
      if (!d) {
        std::cerr << "xfctl conformance: --" << key << (EnglishWords() ? " wants YYYY-MM-DD, not '" : " 应为 YYYY-MM-DD，而不是 '")
                  << *text << "'\n";
        return 2;
      }
      (std::string(key) == "since" ? o.since : o.until) = Instant::FromDate(*d);
    }
  }
  // The drill-down: --node-id ID (a jurisdiction of the tree), one page of
  // its origins (--page N, --q TEXT by id or name), ordered by --sort.
  o.tree = true;
  o.scope = args.Get("node-id", "");
  o.query = args.Get("q", "");
  if (auto page = args.Get("page")) {
    char* end = nullptr;
    const long n = std::strtol(page->c_str(), &end, 10);
    if (page->empty() || *end != '\0' || n < 1) {
      std::cerr << (EnglishWords() ? "xfctl conformance: --page wants a page number from 1, not '"
                                   : "xfctl conformance：--page 应为从 1 起的页码，而不是 '")
                << *page << "'\n";
      return 2;
    }
    o.page = static_cast<std::size_t>(n);
  }
  const std::string sort = args.Get("sort", "score");
  if (sort != "score" && sort != "id") {
    std::cerr << (EnglishWords() ? "xfctl conformance: --sort is score (worst first) or id\n"
                                 : "xfctl conformance：--sort 只能是 score（最差在前）或 id\n");
    return 2;
  }
  o.sort = sort == "id" ? node::conformance::SortBy::kId : node::conformance::SortBy::kScore;
  o.verify = node::summary::KeyFileVerifier(*config);
  const std::string format = args.Get("format", "text");
  if (format != "text" && format != "json" && format != "html") {
    std::cerr << (EnglishWords() ? "xfctl conformance: --format is text, json or html\n"
                                 : "xfctl conformance：--format 只能是 text、json 或 html\n");
    return 2;
  }
  // Steps on stderr (a bar on a terminal): the report itself goes to stdout or --out.
  Progress progress("合规报告", "conformance report", 0, English(args));
  progress.Step("读取代码表", "code tables");
  auto book = codes::CodeBook::Load(config->codes_dir.empty() ? codes::DefaultDataDir() : config->codes_dir);
  if (!book) {
    progress.Abandon();
    std::cerr << "xfctl: " << Why(book.error(), "无法读取代码表", "code tables") << "\n";
    return 1;
  }
  progress.Step("计算", "computing");
  auto report = node::conformance::ComputeFromFile(config->data_dir / "xfnode.db", **book, o);
  if (!report) {
    progress.Abandon();
    std::cerr << "xfctl: " << Why(report.error()) << "\n";
    return 1;
  }
  progress.Step("生成 " + format, "rendering " + format);
  const std::string out = format == "json"   ? node::conformance::ToJson(*report) + "\n"
                          : format == "html" ? node::conformance::ToHtml(*report, **book)
                                             : node::conformance::ToText(*report, book->get(), English(args));
  if (auto file = args.Get("out")) {
    if (auto s = WriteFile(*file, out); !s) {
      progress.Abandon();
      std::cerr << "xfctl: " << Why(s.error()) << "\n";
      return 1;
    }
    progress.Done(*file);
    return 0;
  }
  progress.Done();
  std::cout << out;
  return 0;
}

}  // namespace xf::tools
