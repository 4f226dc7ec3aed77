// Progress of long work, on stderr (stdout stays for results and tables):
// on a terminal (isatty) one bar redrawn in place; piped or in a log, a line
// per step and one at every tenth of the way, each flushed at once, so a
// pipe sees the work as it goes and not all at the end. Every long command
// of xfctl uses it: case import, export, import, bench *, backup, restore,
// conformance.
//
//   Progress p("登记信访件", "registering cases", files.size(), English(args));
//   for (…) { …; p.Advance(); }
//   p.Done("324 件");
//
// XF_PROGRESS=off silences it; XF_PROGRESS=lines forces lines on a terminal.
//
// On a terminal a thread of its own redraws the bar four times a second, so
// a long step without items (computing a report) shows its time running.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

namespace xf::tools {

class Progress {
 public:
  // `zh`/`en`: what the work is; total 0 when not known (a count is shown).
  Progress(std::string zh, std::string en, std::uint64_t total, bool english = false, std::FILE* out = stderr);
  ~Progress();  // ends the bar if still open (Abandon): the work stopped short
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // A named step of the work: its own line when piped, the bar's label on a terminal.
  void Step(const std::string& zh, const std::string& en);
  void Advance(std::uint64_t n = 1);
  void Set(std::uint64_t done);
  void SetTotal(std::uint64_t total);  // a new count: done goes back to 0
  // The last line: what was done, how long it took.
  void Done(const std::string& summary = "");
  // Ends the bar without a "done" line (the caller says what failed).
  void Abandon();
  // Any other line to print while the bar is shown (it is redrawn after):
  // on `to` (stderr by default; stdout for results).
  void Say(const std::string& line, std::FILE* to = nullptr);
  bool Terminal() const { return m_mode == Mode::kBar; }

 private:
  enum class Mode { kBar, kLines, kOff };
  // REQUIRES: m_mutex held.
  void Draw(bool force);
  void SetLocked(std::uint64_t done);
  void StopTicker();
  std::string Label() const;
  std::string Elapsed() const;

  std::string m_zh, m_en, m_step;
  std::uint64_t m_total = 0, m_done = 0;
  bool m_english = false;
  std::FILE* m_out;
  Mode m_mode = Mode::kLines;
  bool m_open = true;
  bool m_drawn = false;
  int m_tenth = 0;  // lines mode: the last tenth reported
  std::chrono::steady_clock::time_point m_start, m_last_draw;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_ticker;  // bar mode only
};

// One item's output lines (a batch exported or imported): gathered while the
// item is worked on, printed on stdout past the bar when it ends — also on an
// early return — and then the bar advances by one.
class ItemLines {
 public:
  explicit ItemLines(Progress& p) : m_progress(p) {}
  ~ItemLines();
  ItemLines(const ItemLines&) = delete;
  ItemLines& operator=(const ItemLines&) = delete;
  std::ostringstream& Lines() { return m_lines; }

 private:
  Progress& m_progress;
  std::ostringstream m_lines;
};

}  // namespace xf::tools
