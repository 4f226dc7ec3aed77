// The one file that includes CLI11 (header-only): parsing, help and
// suggestions for every xfctl command declared in tools/commands.cc.
#include "tools/cli.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "node/conformance.h"  // DisplayWidth

namespace xf::tools {
namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(path);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

const char* Say(const Words& w, bool en) { return en ? w.en : w.zh; }

// Levenshtein distance, for "did you mean".
std::size_t Distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The closest candidate, if it is close enough to be what was meant.
std::string Closest(const std::string& typed, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    std::size_t d = Distance(typed, c);
    if (c.rfind(typed, 0) == 0) d = std::min<std::size_t>(d, 1);  // a prefix of it
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best_d <= std::max<std::size_t>(2, typed.size() / 3) ? best : std::string();
}

std::string Pad(const std::string& s, std::size_t width) {
  const std::size_t w = node::conformance::DisplayWidth(s);
  return s + std::string(w < width ? width - w : 1, ' ');
}

void PrintList(const std::vector<CommandSpec>& commands, const std::string& group, bool en, std::ostream& out) {
  out << (en ? "xfctl — the xfnode operator's tool\n\nUsage: xfctl COMMAND [OPTIONS]\n\nCommands:\n"
             : "xfctl — xfnode 节点运维工具\n\n用法: xfctl 命令 [选项]\n\n命令:\n");
  std::size_t width = 0;
  std::vector<std::pair<std::string, const CommandSpec*>> rows;
  for (const auto& c : commands) {
    if (!group.empty() && Split(c.path).front() != group) continue;
    std::string head = c.path;
    if (*c.positionals) head += std::string(" ") + c.positionals;
    width = std::max(width, node::conformance::DisplayWidth(head));
    rows.emplace_back(head, &c);
  }
  width = std::min<std::size_t>(width + 2, 44);
  for (const auto& [head, c] : rows) out << "  " << Pad(head, width) << Say(c->summary, en) << "\n";
  out << (en ? "\n`xfctl COMMAND --help` explains a command. The node is found with --node DIR\n"
               "(DIR/xfnode.yaml), --config FILE, $XF_NODE, or /etc/xfnode/xfnode.yaml.\n"
               "Words in English: --lang en (or XF_LANG=en).\n"
             : "\n`xfctl 命令 --help` 查看某一命令的说明。节点的查找顺序：--node 目录（目录/xfnode.yaml）、\n"
               "--config 文件、环境变量 $XF_NODE、/etc/xfnode/xfnode.yaml。\n"
               "英文输出：--lang en（或 XF_LANG=en）。\n");
}

void PrintHelp(const CommandSpec& c, bool en, std::ostream& out) {
  out << (en ? "Usage: xfctl " : "用法: xfctl ") << c.path;
  if (*c.positionals) out << " " << c.positionals;
  out << (en ? " [OPTIONS]\n\n" : " [选项]\n\n") << Say(c.summary, en) << "\n\n" << (en ? "Options:\n" : "选项:\n");
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& o : c.options) {
    std::string head = std::string("--") + o.name;
    if (o.value) head += std::string(" ") + o.value;
    rows.emplace_back(head, Say(o.help, en));
  }
  rows.emplace_back("--lang zh|en", en ? "language of the words (default zh; or XF_LANG)" : "输出语言（默认 zh；或环境变量 XF_LANG）");
  rows.emplace_back("-h, --help", en ? "print this help and exit" : "显示本帮助并退出");
  std::size_t width = 0;
  for (const auto& r : rows) width = std::max(width, node::conformance::DisplayWidth(r.first));
  width = std::min<std::size_t>(width + 2, 40);
  for (const auto& [head, help] : rows) out << "  " << Pad(head, width) << help << "\n";
}

bool IsHelp(const std::string& w) { return w == "-h" || w == "--help" || w == "help"; }

int UsageError(const std::string& zh, const std::string& en, bool english, const std::string& path) {
  std::cerr << "xfctl" << (path.empty() ? "" : " " + path) << ": " << (english ? en : zh) << "\n";
  return 2;
}

}  // namespace

std::string ClosestWord(const std::string& typed, const std::vector<std::string>& candidates) {
  return Closest(typed, candidates);
}

namespace {

bool EnvEnglish() {
  const char* env = std::getenv("XF_LANG");
  return env && std::string(env).rfind("en", 0) == 0;
}

// Set once by RunCommandLine before a handler runs; read by Why.
std::optional<bool> g_english;

const char* ErrcWords(Errc c) {
  switch (c) {
    case Errc::kInvalidArgument: return "输入有误";
    case Errc::kNotFound: return "找不到";
    case Errc::kAlreadyExists: return "已存在";
    case Errc::kCorruption: return "数据损坏或不一致";
    case Errc::kIo: return "读写失败";
    case Errc::kPermission: return "认证或权限被拒";
    case Errc::kUnavailable: return "无法连接";
    case Errc::kLimit: return "超出限制";
    case Errc::kInternal: return "内部错误";
  }
  return "出错";
}

}  // namespace

bool English(const Args& args) {
  if (auto l = args.Get("lang")) return *l == "en";
  return EnvEnglish();
}

bool EnglishWords() { return g_english.value_or(EnvEnglish()); }

const char* UsageWord() { return EnglishWords() ? "usage: " : "用法："; }

std::string Why(const Error& e) {
  if (EnglishWords()) return e.message;
  // Words that begin in Chinese (the local API's message, a config check) need no kind.
  if (!e.message.empty() && static_cast<unsigned char>(e.message.front()) >= 0xE0) return e.message;
  return std::string(ErrcWords(e.code)) + (e.message.empty() ? "" : "：" + e.message);
}

std::string Why(const Error& e, const std::string& zh_doing, const std::string& en_doing) {
  return (EnglishWords() ? en_doing + ": " : zh_doing + "：") + Why(e);
}

int RunCommandLine(const std::vector<CommandSpec>& commands, int argc, char** argv) {
  std::vector<std::string> words(argv + std::min(1, argc), argv + argc);
  // --lang is everyone's option: taken out here, handed on in Args.
  std::string lang;
  for (std::size_t i = 0; i < words.size();) {
    if (words[i] == "--lang" && i + 1 < words.size()) {
      lang = words[i + 1];
      words.erase(words.begin() + static_cast<long>(i), words.begin() + static_cast<long>(i) + 2);
    } else if (words[i].rfind("--lang=", 0) == 0) {
      lang = words[i].substr(7);
      words.erase(words.begin() + static_cast<long>(i));
    } else {
      ++i;
    }
  }
  if (!lang.empty() && lang != "zh" && lang != "en") {
    std::cerr << "xfctl: --lang 只能是 zh 或 en (--lang must be zh or en), not \"" << lang << "\"\n";
    return 2;
  }
  const char* env = std::getenv("XF_LANG");
  const bool en = lang.empty() ? (env && std::string(env).rfind("en", 0) == 0) : lang == "en";
  g_english = en;

  if (words.empty()) {
    PrintList(commands, "", en, std::cerr);
    return 2;
  }
  if (IsHelp(words[0])) {
    // `xfctl help case add` is `xfctl case add --help`.
    words.erase(words.begin());
    if (words.empty()) {
      PrintList(commands, "", en, std::cout);
      return 0;
    }
    words.push_back("--help");
  }
  if (words[0] == "version" || words[0] == "--version") {
    std::cout << "xfctl " << XF_VERSION << "\n";
    return 0;
  }

  // The command: the longest declared path that the leading words spell.
  const CommandSpec* spec = nullptr;
  std::size_t used = 0;
  std::vector<std::string> groups, names;
  for (const auto& c : commands) {
    const auto path = Split(c.path);
    if (std::find(groups.begin(), groups.end(), path[0]) == groups.end()) groups.push_back(path[0]);
    if (path.size() <= words.size() && path.size() > used &&
        std::equal(path.begin(), path.end(), words.begin())) {
      spec = &c;
      used = path.size();
    }
  }
  if (!spec) {
    std::vector<std::string> subs;
    for (const auto& c : commands) {
      const auto path = Split(c.path);
      if (path.size() > 1 && path[0] == words[0]) subs.push_back(path[1]);
    }
    if (!subs.empty()) {  // a group ("case", "bench") without a known subcommand
      if (words.size() == 1 || IsHelp(words[1])) {
        PrintList(commands, words[0], en, words.size() == 1 ? std::cerr : std::cout);
        return words.size() == 1 ? 2 : 0;
      }
      const std::string near = Closest(words[1], subs);
      return UsageError("未知的子命令 \"" + words[1] + "\"" + (near.empty() ? "" : "；是否想用 \"" + near + "\"？"),
                        "unknown subcommand \"" + words[1] + "\"" + (near.empty() ? "" : "; did you mean \"" + near + "\"?"),
                        en, words[0]);
    }
    const std::string near = Closest(words[0], groups);
    return UsageError("未知的命令 \"" + words[0] + "\"" + (near.empty() ? "" : "；是否想用 \"" + near + "\"？") + "（xfctl help 列出全部命令）",
                      "unknown command \"" + words[0] + "\"" + (near.empty() ? "" : "; did you mean \"" + near + "\"?") + " (xfctl help lists them)",
                      en, "");
  }

  CLI::App app{Say(spec->summary, en), std::string("xfctl ") + spec->path};
  app.set_help_flag();  // help is ours: printed from the spec, in the chosen language
  bool help = false;
  app.add_flag("-h,--help", help);
  std::map<std::string, std::string> values;
  std::map<std::string, bool> flags;
  std::vector<std::string> option_names;
  for (const auto& o : spec->options) {
    option_names.push_back(std::string("--") + o.name);
    if (o.value) {
      // Given twice, the last one counts (scripts append overrides).
      app.add_option(std::string("--") + o.name, values[o.name])->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    } else {
      app.add_flag(std::string("--") + o.name, flags[o.name]);
    }
  }
  std::vector<std::string> positionals;
  if (spec->max_positionals != 0) app.add_option("positionals", positionals)->expected(0, 1 << 20);
  app.allow_extras(true);  // unknown words are reported below, with a suggestion

  std::vector<std::string> rest(words.begin() + static_cast<long>(used), words.end());
  // A help request wins over everything else on the line, even a bad option.
  if (std::any_of(rest.begin(), rest.end(), [](const std::string& w) { return w == "-h" || w == "--help"; })) {
    PrintHelp(*spec, en, std::cout);
    return 0;
  }
  std::vector<std::string> reversed(rest.rbegin(), rest.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return UsageError(std::string("参数有误：") + e.what() + "（xfctl " + spec->path + " --help）",
                      std::string(e.what()) + " (xfctl " + spec->path + " --help)", en, spec->path);
  }
  for (const auto& extra : app.remaining()) {
    if (extra.rfind("-", 0) == 0) {
      const std::string name = extra.substr(0, extra.find('='));
      const std::string near = Closest(name, option_names);
      return UsageError("未知选项 " + name + (near.empty() ? "" : "；是否想用 " + near + "？") + "（xfctl " + spec->path + " --help）",
                        "unknown option " + name + (near.empty() ? "" : "; did you mean " + near + "?") + " (xfctl " + spec->path + " --help)",
                        en, spec->path);
    }
    positionals.push_back(extra);
  }
  const int n = static_cast<int>(positionals.size());
  if (n < spec->min_positionals || (spec->max_positionals >= 0 && n > spec->max_positionals)) {
    const std::string usage = std::string("xfctl ") + spec->path + " " + spec->positionals;
    return UsageError("参数个数不对：用法 " + usage + "（--help 查看说明）",
                      "wrong number of arguments: usage " + usage + " (see --help)", en, spec->path);
  }

  std::vector<std::string> argv_words;
  for (const auto& o : spec->options) {
    if (app.count(std::string("--") + o.name) == 0) continue;
    argv_words.push_back(std::string("--") + o.name + (o.value ? "=" + values[o.name] : ""));
  }
  if (!lang.empty()) argv_words.push_back("--lang=" + lang);
  // Positionals after "--" so that none is read as an option.
  Args args(argv_words);
  args.AddPositionals(positionals);
  return spec->run(args);
}

}  // namespace xf::tools
