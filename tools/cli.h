// xfctl's command line: every command, its options and its help, declared
// once (tools/commands.cc) and parsed with CLI11 (tools/cli.cc, the only file
// that includes it).
//
// What the parser promises, for every command and subcommand:
// - `-h` / `--help` prints the usage and exits 0 before anything runs;
// - an unknown option or command fails with exit 2 and names the closest
//   valid one ("did you mean --node?");
// - `xfctl` alone prints the command list and exits 2;
// - the words are Chinese by default, English with `--lang en` (or
//   XF_LANG=en); option names and values stay as typed.
// A handler receives the parsed options as `Args` (tools/xfctl.h), exactly
// as if they had been typed, and returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include "tools/xfctl.h"

namespace xf::tools {

// Words in both languages: zh is shown by default, en with --lang en.
struct Words {
  const char* zh;
  const char* en;
};

struct OptionSpec {
  const char* name;   // "node" for --node
  const char* value;  // placeholder of its value ("DIR"), or nullptr for a flag
  Words help;
};

struct CommandSpec {
  const char* path;         // "case add": the words that select it
  const char* positionals;  // usage of its positional arguments ("FILE|DIR…"), or ""
  int min_positionals = 0;
  int max_positionals = 0;  // -1: any number
  Words summary;
  std::vector<OptionSpec> options;
  int (*run)(const Args&) = nullptr;
};

// Every command of xfctl, in the order `xfctl help` lists them.
const std::vector<CommandSpec>& Commands();

// Parses argv against `commands` and runs the selected handler; returns the
// process exit code (0 help, 2 usage errors, else the handler's).
int RunCommandLine(const std::vector<CommandSpec>& commands, int argc, char** argv);

// The candidate closest to what was typed, when close enough to be what was
// meant ("countyy" → "county"); empty otherwise.
std::string ClosestWord(const std::string& typed, const std::vector<std::string>& candidates);

// True when this invocation's words are to be English: --lang en, else
// XF_LANG=en…; Chinese otherwise.
bool English(const Args& args);

// An error of a lower layer (exchange/, codes/, node/, the OS) as an operator
// reads it: in Chinese, a sentence naming its kind ("读写失败", "找不到", …)
// with the layer's own words beside it (English, with the rule, field, file
// or value they name); with English words (--lang en, XF_LANG=en), those
// words alone. A detail already in Chinese is shown as it is.
// The language is the invocation's: RunCommandLine sets it from --lang (and
// XF_LANG) once, before any handler runs.
std::string Why(const Error& e);
// The same after what was being done: "无法读取配置：输入有误：<detail>" /
// "cannot read the configuration: <detail>".
std::string Why(const Error& e, const std::string& zh_doing, const std::string& en_doing);
// The invocation's language as RunCommandLine set it (XF_LANG before that).
bool EnglishWords();
// "用法：" / "usage: ", before a handler's own usage line.
const char* UsageWord();
// The words of the invocation's language: zh, or en with --lang en.
inline const char* Say(const char* zh, const char* en) { return EnglishWords() ? en : zh; }

}  // namespace xf::tools
