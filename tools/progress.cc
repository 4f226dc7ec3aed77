#include "tools/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace xf::tools {

namespace {

std::string Fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

Progress::Progress(std::string zh, std::string en, std::uint64_t total, bool english, std::FILE* out)
    : m_zh(std::move(zh)), m_en(std::move(en)), m_total(total), m_english(english), m_out(out) {
  const char* env = std::getenv("XF_PROGRESS");
  const std::string_view setting = env ? env : "";
  if (setting == "off") {
    m_mode = Mode::kOff;
  } else if (setting == "lines") {
    m_mode = Mode::kLines;
  } else {
    m_mode = ::isatty(::fileno(m_out)) ? Mode::kBar : Mode::kLines;
  }
  m_start = m_last_draw = std::chrono::steady_clock::now();
  if (m_mode == Mode::kLines) {
    std::fprintf(m_out, "%s%s\n", Label().c_str(),
                 m_total > 0 ? (m_english ? (": " + std::to_string(m_total) + " to do").c_str()
                                          : ("：共 " + std::to_string(m_total)).c_str())
                             : (m_english ? ": started" : "：开始"));
    std::fflush(m_out);
  } else if (m_mode == Mode::kBar) {
    std::lock_guard lock(m_mutex);
    Draw(true);
    m_ticker = std::thread([this] {
      std::unique_lock lock(m_mutex);
      while (!m_wake.wait_for(lock, std::chrono::milliseconds(250), [this] { return m_stop; })) Draw(true);
    });
  }
}

Progress::~Progress() { Abandon(); }

void Progress::StopTicker() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  if (m_ticker.joinable()) m_ticker.join();
}

void Progress::Abandon() {
  StopTicker();
  std::lock_guard lock(m_mutex);
  if (!m_open) return;
  if (m_mode == Mode::kBar && m_drawn) std::fputs("\n", m_out);
  std::fflush(m_out);
  m_open = false;
}

std::string Progress::Label() const {
  std::string out = m_english ? m_en : m_zh;
  if (!m_step.empty()) out += " · " + m_step;
  return out;
}

std::string Progress::Elapsed() const {
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  if (s < 60) return Fixed1(s) + (m_english ? " s" : " 秒");
  return Fixed1(s / 60) + (m_english ? " min" : " 分钟");
}

void Progress::Step(const std::string& zh, const std::string& en) {
  std::lock_guard lock(m_mutex);
  m_step = m_english ? en : zh;
  if (m_mode == Mode::kLines) {
    std::fprintf(m_out, "%s\n", Label().c_str());
    std::fflush(m_out);
  } else {
    Draw(true);
  }
}

void Progress::SetTotal(std::uint64_t total) {
  std::lock_guard lock(m_mutex);
  m_total = total;
  m_done = 0;  // a new count starts
  m_tenth = 0;
  Draw(true);
}

void Progress::Advance(std::uint64_t n) {
  std::lock_guard lock(m_mutex);
  SetLocked(m_done + n);
}

void Progress::Set(std::uint64_t done) {
  std::lock_guard lock(m_mutex);
  SetLocked(done);
}

void Progress::SetLocked(std::uint64_t done) {
  m_done = done;
  if (m_mode == Mode::kLines) {
    if (m_total == 0) return;
    const int tenth = static_cast<int>(std::min<std::uint64_t>(m_done, m_total) * 10 / m_total);
    if (tenth <= m_tenth) return;
    m_tenth = tenth;
    std::fprintf(m_out, "%s%s%d%% (%llu/%llu)\n", Label().c_str(), m_english ? ": " : "：", tenth * 10,
                 static_cast<unsigned long long>(m_done), static_cast<unsigned long long>(m_total));
    std::fflush(m_out);
    return;
  }
  Draw(false);
}

void Progress::Say(const std::string& line, std::FILE* to) {
  std::lock_guard lock(m_mutex);
  if (to == nullptr) to = m_out;
  if (m_mode == Mode::kBar && m_drawn && m_open) std::fputs("\r\x1b[K", m_out);
  std::fflush(m_out);
  if (m_mode != Mode::kOff || to != m_out) {
    std::fprintf(to, "%s\n", line.c_str());
    std::fflush(to);
  }
  if (m_mode == Mode::kBar) Draw(true);
}

void Progress::Draw(bool force) {
  if (m_mode != Mode::kBar || !m_open) return;
  const auto now = std::chrono::steady_clock::now();
  // A terminal is redrawn at most ten times a second; what it shows is the same.
  if (!force && now - m_last_draw < std::chrono::milliseconds(100)) return;
  m_last_draw = now;
  std::string line = "\r\x1b[K" + Label() + " ";
  if (m_total > 0) {
    constexpr int kWidth = 30;
    const std::uint64_t done = std::min(m_done, m_total);
    const int filled = static_cast<int>(done * kWidth / m_total);
    line += "[" + std::string(static_cast<std::size_t>(filled), '#') +
            std::string(static_cast<std::size_t>(kWidth - filled), '.') + "] " +
            std::to_string(done * 100 / m_total) + "% " + std::to_string(m_done) + "/" + std::to_string(m_total);
  } else if (m_done > 0) {
    line += std::to_string(m_done);
  }
  line += " · " + Elapsed();
  std::fputs(line.c_str(), m_out);
  std::fflush(m_out);
  m_drawn = true;
}

void Progress::Done(const std::string& summary) {
  StopTicker();
  std::lock_guard lock(m_mutex);
  if (!m_open) return;
  if (m_mode == Mode::kBar) {
    if (m_total > 0) m_done = std::max(m_done, m_total);
    Draw(true);
    std::fputs("\n", m_out);
  }
  m_open = false;
  if (m_mode == Mode::kOff) return;
  const std::string line = m_english ? m_en + ": done" + (summary.empty() ? "" : ", " + summary) + " (" + Elapsed() + ")"
                                     : m_zh + "：完成" + (summary.empty() ? "" : "，" + summary) + "（用时 " + Elapsed() + "）";
  std::fprintf(m_out, "%s\n", line.c_str());
  std::fflush(m_out);
}

ItemLines::~ItemLines() {
  std::string text = m_lines.str();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty()) m_progress.Say(text, stdout);
  m_progress.Advance();
}

}  // namespace xf::tools
