// xfctl demo: a national–province–city–county topology on loopback,
// exchanging for real. Five xfnode processes (国家信访局 100000, 北京市
// 110000, 110100, 朝阳区 110105, 海淀区 110108) are wired to each other with
// peer add / keys add (tools/topology.h), the sample cases are registered at
// the two counties, one case is registered at the national bureau and
// assigned (交办) down to 110108, and the demo waits until every copy is
// where the routing says it must be (and nowhere else).
#include <stdlib.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "codes/codebook.h"
#include "node/conformance.h"
#include "node/conformance_html.h"
#include "tools/cli.h"
#include "tools/topology.h"
#include "tools/xfctl.h"

namespace xf::tools {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr int kWaitSeconds = 60;     // for every copy to arrive
constexpr int kIntervalSeconds = 1;  // exchange schedule of every node: shows the schedule working
constexpr const char* kCounties[] = {"110105", "110108"};  // the samples are registered here, in turn
constexpr const char* kAssignTarget = "110108";            // the national bureau assigns a case here

// The first `n` characters of UTF-8 text, with … when cut.
std::string Cut(const std::string& s, std::size_t n) {
  std::size_t cut = 0, chars = 0;
  while (cut < s.size() && chars < n) {
    ++chars;
    ++cut;
    while (cut < s.size() && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) ++cut;
  }
  return s.substr(0, cut) + (cut < s.size() ? "…" : "");
}

std::string Seconds(std::chrono::steady_clock::duration d) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(1) << std::chrono::duration<double>(d).count() << " s";
  return o.str();
}

int Fail(const std::string& message) {
  std::cerr << "xfctl demo: " << message << "\n";
  return 1;
}

// One case the demo follows, and where it must be.
struct Tracked {
  std::string case_id;
  std::string at;                // the registering node
  std::string note;              // sample file, or what was done to it
  std::set<std::string> expect;  // nodes that must hold it (the registering node included)
  std::string handler;  // non-empty: each copy must show this handler (the assignment came along)
  std::set<std::string> present;  // nodes found holding it
};

// GET /v1/cases/{id}: held (with the handler expected, if any)?
bool Holds(const TopologyNode& n, const Tracked& t) {
  auto r = CallApi(n.api, "GET", "/v1/cases/" + t.case_id, "");
  if (!r || r->status != 200) return false;
  if (t.handler.empty()) return true;
  boost::system::error_code ec;
  const auto v = json::parse(r->body, ec);
  if (ec || !v.is_object()) return false;
  const auto* state = v.as_object().if_contains("state");
  const auto* handler =
      state && state->is_object() ? state->as_object().if_contains("handler") : nullptr;
  return handler != nullptr && handler->is_string() && handler->as_string() == t.handler;
}

// PUT /v1/blobs/{sha256} for each attachment a case names that is shipped in `blobs`.
Status UploadAttachments(const TopologyNode& n, const json::object& c, const fs::path& blobs) {
  const auto* atts = c.if_contains("attachments");
  if (atts == nullptr || !atts->is_array()) return {};
  for (const auto& a : atts->as_array()) {
    const std::string sha(a.at("sha256").as_string());
    auto blob = ReadFile(blobs / sha);
    if (!blob) continue;  // not shipped: the case still registers; the blob can come later
    auto r = CallApi(n.api, "PUT", "/v1/blobs/" + sha, *blob, "application/octet-stream");
    if (!r) return r.error();
    if (r->status >= 300) return MakeError(Errc::kInvalidArgument, "attachment " + sha + ": " + r->body);
  }
  return {};
}

// Registers one case (JSON) at a node, uploading its attachments first.
Result<std::string> Register(const TopologyNode& n, json::object c, const fs::path& blobs) {
  // The samples come from several bodies and dates; this node registers them, now.
  c.erase("registering_body");
  c.erase("registered_at");
  if (auto s = UploadAttachments(n, c, blobs); !s) return s.error();
  auto r = CallApi(n.api, "POST", "/v1/cases", json::serialize(c));
  if (!r) return r.error();
  if (r->status != 201)
    return MakeError(Errc::kInvalidArgument, "HTTP " + std::to_string(r->status) + ": " + r->body);
  return std::string(json::parse(r->body).at("case_id").as_string());
}

Result<json::object> ReadCase(const fs::path& file) {
  auto text = ReadFile(file);
  if (!text) return text.error();
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object()) return MakeError(Errc::kInvalidArgument, file.string() + " is not a JSON object");
  return std::move(v.as_object());
}

// The links of a node from /v1/status: batches delivered and queued, the last error, gaps.
std::string LinkReport(const TopologyNode& n, bool en) {
  auto r = CallApi(n.api, "GET", "/v1/status", "");
  if (!r || r->status != 200) return en ? "status not readable" : "无法读取状态";
  boost::system::error_code ec;
  const auto v = json::parse(r->body, ec);
  if (ec) return en ? "status not readable" : "无法读取状态";
  std::string out;
  const auto* ex = v.as_object().if_contains("exchange");
  if (ex == nullptr || !ex->is_object()) return en ? "no exchange" : "未启用交换";
  for (const auto& l : ex->as_object().at("links").as_array()) {
    const auto& o = l.as_object();
    out += std::string(out.empty() ? "" : (en ? ";  " : "；  ")) + "→ " + std::string(o.at("link").as_string()) +
           (en ? ": " : "：") + json::serialize(o.at("delivered")) + (en ? " delivered, " : " 已送达，") +
           json::serialize(o.at("pending")) + (en ? " queued" : " 待发");
    if (const auto& e = o.at("last_error"); e.is_string() && !e.as_string().empty()) {
      out += (en ? " (" : "（") + Cut(std::string(e.as_string()), 120) + (en ? ")" : "）");
    }
  }
  for (const auto& g : ex->as_object().at("gaps").as_array()) out += (en ? "; gap " : "；缺口 ") + json::serialize(g);
  return out.empty() ? (en ? "nothing sent" : "未发送") : out;
}

// ---- the steps --------------------------------------------------------------

// --dir, or a fresh temporary directory.
Result<fs::path> DemoDir(const Args& args) {
  std::string dir = args.Get("dir", "");
  if (dir.empty()) {
    char tmpl[] = "/tmp/xfnode-demo-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return MakeError(Errc::kIo, "cannot create a temporary directory");
    dir = tmpl;
  }
  return fs::absolute(dir);
}

void PrintInitialised(const Topology& t) {
  for (const auto& n : t.Nodes()) {
    std::cout << "  " << n.Id() << "  " << std::left << std::setw(9) << n.spec.tier << std::setw(8)
              << "ed25519" << n.ExchangeUrl() << "  " << n.spec.name << "\n";
  }
}

void PrintWired(const Topology& t, bool en) {
  std::string links;
  for (const auto& [parent, child] : t.Links()) links += "  " + parent + " ⇄ " + child + " ";
  if (en) {
    std::cout << links << "\n  every node holds the signing keys of all " << t.Nodes().size()
              << " (relays never re-sign: a batch is verified with its origin's key at every level)\n";
  } else {
    std::cout << links << "\n  每个节点都持有全部 " << t.Nodes().size()
              << " 个节点的签名公钥（中转节点从不重新签名：每一级都用来源节点的公钥验证批次）\n";
  }
}

void PrintStarted(const Topology& t) {
  for (const auto& n : t.Nodes()) {
    std::cout << "  " << n.Id() << "  pid " << std::left << std::setw(8) << n.proc->Pid() << "api "
              << n.api.url << "   exchange " << n.ExchangeUrl() << "\n";
  }
}

Result<std::vector<fs::path>> SampleFiles(const fs::path& samples) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(samples / "cases" / "valid", ec)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    return MakeError(Errc::kNotFound, "no sample cases in " + (samples / "cases" / "valid").string());
  }
  return files;
}

// Step 4: the samples, half at each county.
Result<std::vector<Tracked>> RegisterSamples(const Topology& t, const std::vector<fs::path>& files,
                                             const fs::path& samples, bool en) {
  std::vector<Tracked> tracked;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string at = kCounties[i % std::size(kCounties)];
    auto c = ReadCase(files[i]);
    if (!c) return c.error();
    const std::string summary = c->contains("summary") ? std::string(c->at("summary").as_string()) : "";
    auto id = Register(t.Node(at), *c, samples / "blobs");
    if (!id) {
      return MakeError(id.error().code,
                       files[i].filename().string() + " refused at " + at + ": " + id.error().message);
    }
    Tracked k{*id, at, files[i].filename().string(), {"100000", "110000", "110100", at}, "", {}};
    std::cout << "  " << k.case_id << (en ? "  at " : "  登记于 ") << at << "  " << Cut(summary, 22) << "\n";
    tracked.push_back(std::move(k));
  }
  return tracked;
}

// Step 5: the national bureau assigns (交办) a case to 海淀区: it goes down
// the path 100000 → 110000 → 110100 → 110108 and nowhere else.
Result<Tracked> AssignDown(const Topology& t, const fs::path& file, const fs::path& samples, bool en) {
  const auto& national = t.Node("100000");
  const Date due = SystemClock().Now().ToDate().AddDays(30);
  auto c = ReadCase(file);
  if (!c) return c.error();
  (*c)["problem_place"] = kAssignTarget;
  auto id = Register(national, *c, samples / "blobs");
  if (!id) return MakeError(id.error().code, "the national case was refused: " + id.error().message);
  json::object transfer{{"kind", "transfer"},
                        {"occurred_at", SystemClock().Now().ToString()},
                        {"actor", "国家信访局"},
                        {"mode", "assign"},
                        {"target", kAssignTarget},
                        {"due_date", due.ToString()},
                        {"instructions", "请依法按期办理，办结后报送结果"}};
  auto r = CallApi(national.api, "POST", "/v1/cases/" + *id + "/events", json::serialize(transfer));
  if (!r || r->status != 201) {
    return MakeError(Errc::kInvalidArgument,
                     "the assignment was refused: " + (r ? r->body : r.error().message));
  }
  if (en) {
    std::cout << "== 5. the national bureau registers " << *id << " and assigns (交办) it to " << kAssignTarget
              << ", due " << due.ToString() << "\n";
  } else {
    std::cout << "== 5. 国家信访局登记 " << *id << " 并交办给 " << kAssignTarget << "，限 " << due.ToString() << " 前办结\n";
  }
  return Tracked{*id, "100000", std::string("交办 → ") + kAssignTarget, {"100000", "110000", "110100", kAssignTarget},
                 kAssignTarget, {}};
}

std::size_t CopiesWanted(const std::vector<Tracked>& tracked) {
  std::size_t want = 0;
  for (const auto& k : tracked) want += k.expect.size() - 1;
  return want;
}

// Looks once at every node that must hold a case and has not been seen to.
std::size_t FindNewCopies(const Topology& t, std::vector<Tracked>& tracked) {
  std::size_t found = 0;
  for (auto& k : tracked) {
    for (const auto& n : t.Nodes()) {
      if (n.Id() == k.at || k.present.count(n.Id()) || !k.expect.count(n.Id())) continue;
      if (Holds(n, k)) {
        k.present.insert(n.Id());
        ++found;
      }
    }
  }
  return found;
}

// Step 6: until every copy is in place, a node exits, the time is up or Ctrl-C.
std::size_t WaitForCopies(Topology& t, std::vector<Tracked>& tracked, std::chrono::steady_clock::time_point start,
                          bool en) {
  const std::size_t want = CopiesWanted(tracked);
  const auto deadline = start + std::chrono::seconds(kWaitSeconds);
  std::size_t arrived = 0, shown = 0;
  while (!InterruptGuard::Interrupted()) {
    arrived += FindNewCopies(t, tracked);
    if (arrived != shown) {
      const auto after = Seconds(std::chrono::steady_clock::now() - start);
      if (en) {
        std::cout << "  after " << after << ": " << arrived << "/" << want << " in place\n";
      } else {
        std::cout << "  " << after << " 后：已到位 " << arrived << "/" << want << "\n";
      }
      shown = arrived;
    }
    if (arrived == want || std::chrono::steady_clock::now() >= deadline || !t.AllRunning()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return arrived;
}

// Nothing may be missing, nor where it does not belong (the other county above all).
std::vector<std::string> FindProblems(const Topology& t, std::vector<Tracked>& tracked) {
  std::vector<std::string> problems;
  for (auto& k : tracked) {
    k.present.insert(k.at);
    std::string missing, extra;
    for (const auto& n : t.Nodes()) {
      if (k.expect.count(n.Id())) {
        if (!k.present.count(n.Id())) missing += " " + n.Id();
      } else if (Holds(n, k)) {
        k.present.insert(n.Id());
        extra += " " + n.Id();
      }
    }
    const bool en = EnglishWords();
    if (!missing.empty()) problems.push_back(k.case_id + (en ? " has not reached" : " 未到达：") + missing);
    if (!extra.empty()) problems.push_back(k.case_id + (en ? " is where it does not belong:" : " 到了不该到的节点：") + extra);
  }
  return problems;
}

void PrintWhereEachCaseIs(const Topology& t, const std::vector<Tracked>& tracked, bool en) {
  std::cout << (en ? "\n== where each case is (✓ held, · not held)\n  " : "\n== 各信访件的位置（✓ 已存，· 未存）\n  ")
            << std::left << std::setw(22) << "case" << std::setw(8) << "from";
  for (const auto& n : t.Nodes()) std::cout << std::setw(8) << n.Id();
  std::cout << "\n";
  for (const auto& k : tracked) {
    std::cout << "  " << std::setw(22) << k.case_id << std::setw(8) << k.at;
    for (const auto& n : t.Nodes()) {
      const bool held = k.present.count(n.Id()) > 0, wanted = k.expect.count(n.Id()) > 0;
      // Pad by hand: the marks are multi-byte.
      std::cout << (held ? (wanted ? "✓" : "✗") : (wanted ? "?" : "·")) << "       ";
    }
    std::cout << k.note << "\n";
  }
  std::cout << (en ? "  (✗ held where it does not belong, ? missing)\n" : "  （✗ 存在了不该存的节点，? 缺失）\n");
}

void PrintOutcome(Topology& t, const std::vector<std::string>& problems, std::size_t want,
                  const std::string& waited, bool en) {
  if (problems.empty()) {
    if (en) {
      std::cout << "\nall " << want << " copies arrived in " << waited
                << ": each county's cases reached 110100, 110000 and 100000; the assigned case reached 110000, "
                   "110100 and "
                << kAssignTarget << ", not 110105\n";
    } else {
      std::cout << "\n全部 " << want << " 份副本在 " << waited << " 内到达：两县的信访件都到了 110100、110000 和 "
                << "100000；交办件到了 110000、110100 和 " << kAssignTarget << "，没有到 110105\n";
    }
    return;
  }
  std::cout << "\n";
  for (const auto& p : problems) std::cerr << (en ? "PROBLEM: " : "问题（PROBLEM）：") << p << "\n";
  for (auto& n : t.Nodes()) {
    std::cerr << "  " << n.Id() << (n.Running() ? "" : (en ? " (exited)" : "（已退出）")) << (en ? ": log " : "：日志 ")
              << n.LogFile().string() << "\n";
  }
}

void PrintLinksAndStatusPages(const Topology& t, bool en) {
  std::cout << (en ? "\n== batches exchanged (GET /v1/status: per link, queued and delivered)\n"
                   : "\n== 已交换的批次（GET /v1/status：每条链路的待发和已送达）\n");
  for (const auto& n : t.Nodes()) std::cout << "  " << n.Id() << "  " << LinkReport(n, en) << "\n";
  std::cout << (en ? "\n== status pages (GET /; the API needs the bearer token in the file named)\n"
                   : "\n== 状态页（GET /；接口需要所列文件中的令牌）\n");
  for (const auto& n : t.Nodes()) {
    std::cout << "  " << n.Id() << "  " << std::left << std::setw(9) << n.spec.tier << n.api.url << "/   token "
              << n.config.api_token_file.string() << "\n";
  }
}

void LeaveRunningOrStop(Topology& t, bool keep, bool en) {
  if (!keep) {
    t.StopAll();
    std::cout << (en ? "(the nodes are stopped; xfctl demo --keep leaves them running; data in "
                     : "（节点已停止；xfctl demo --keep 会让它们继续运行；数据在 ")
              << t.Dir().string() << (en ? ")\n" : "）\n");
    return;
  }
  if (auto s = t.WriteStopScript(); !s) std::cerr << "xfctl demo: " << Why(s.error()) << "\n";
  std::cout << (en ? "left running (pids" : "继续运行（pid");
  for (const auto& n : t.Nodes()) std::cout << " " << n.proc->Pid();
  std::cout << (en ? "); exchange endpoints:" : "）；交换接口：");
  for (const auto& n : t.Nodes()) std::cout << " " << n.ExchangeUrl();
  std::cout << (en ? "\n  try:  " : "\n  试试：") << "xfctl status --node " << t.Node("110108").dir.string()
            << "\n        xfctl batch get 110105-up-1 --node " << t.Node("100000").dir.string()
            << " --out /tmp/batches   " << (en ? "(then check it as the README shows)" : "（再按 README 所示检查它）")
            << (en ? "\n  stop: sh " : "\n  停止：sh ") << (t.Dir() / "stop.sh").string() << "\n";
  t.ReleaseAll();
}

// ============================================================================
// WHERE TO LOOK — the last lines of a successful demo. The lead prints here
// the location of the HTML conformance report beside the status page.
// ============================================================================
// The national report as one HTML file beside the nodes (what `xfctl
// conformance --format html` writes), read from its database.
Result<std::filesystem::path> WriteNationalReport(const TopologyNode& national) {
  auto book = codes::CodeBook::Load(national.config.codes_dir.empty() ? codes::DefaultDataDir()
                                                                       : national.config.codes_dir);
  if (!book) return book.error();
  auto report = node::conformance::ComputeFromFile(
      national.Database(), **book, node::conformance::OptionsFor(national.config, SystemClock().Now()));
  if (!report) return report.error();
  const auto file = national.dir / "report.html";
  if (auto s = WriteFile(file, node::conformance::ToHtml(*report, **book)); !s) return s.error();
  return file;
}

void PrintWhereToLook(const Topology& t, bool keep, bool en) {
  const auto& national = t.Node("100000");
  const char* later = keep ? "" : en ? "   (while the nodes run: xfctl demo --keep)" : "   （节点运行时可看：xfctl demo --keep）";
  auto file = WriteNationalReport(national);
  if (en) {
    std::cout << "\n== where to look (national bureau " << national.Id() << ")\n"
              << "  status page        " << national.StatusPageUrl() << later << "\n"
              << "  live report        " << national.api.url << "/report.html" << later << "\n";
    if (file) {
      std::cout << "  conformance report " << file->string() << "  (HTML; xfctl conformance --node "
                << national.dir.string() << " --format html)\n";
    } else {
      std::cout << "  conformance report could not be written: " << Why(file.error()) << "\n";
    }
    return;
  }
  std::cout << "\n== 去哪里看（国家信访局 " << national.Id() << "）\n"
            << "  状态页    " << national.StatusPageUrl() << later << "\n"
            << "  实时报告  " << national.api.url << "/report.html" << later << "\n";
  if (file) {
    std::cout << "  规范性报告 " << file->string() << "  （HTML；xfctl conformance --node " << national.dir.string()
              << " --format html）\n";
  } else {
    std::cout << "  规范性报告未能写出：" << Why(file.error()) << "\n";
  }
}

}  // namespace

int CmdDemo(const Args& args) {
  if (auto u = args.Unknown({"dir", "keep"}); !u.empty() || !args.Positional().empty()) {
    std::cerr << "xfctl demo: " << (u.empty() ? (EnglishWords() ? "unexpected " : "多余的参数 ") + args.Positional().front() : u)
              << "\n" << UsageWord() << "xfctl demo [--dir DIR] [--keep]\n";
    return 2;
  }
  const bool keep = args.Has("keep");
  const bool en = English(args);
  auto dir = DemoDir(args);
  if (!dir) return Fail(Why(dir.error()));
  auto topology = Topology::Plan(*dir, DemoNodes(), {.exchange_interval_seconds = kIntervalSeconds});
  if (!topology) return Fail(Why(topology.error()));
  Topology& t = *topology;

  if (en) {
    std::cout << "xfctl demo: five xfnode processes exchanging signed batches over mutual TLS on "
                 "127.0.0.1\n\n"
              << "== 1. initialising the nodes in " << dir->string() << " (xfctl init, exchange every "
              << kIntervalSeconds << " s)\n";
  } else {
    std::cout << "xfctl demo：五个 xfnode 进程在 127.0.0.1 上通过双向 TLS 交换签名批次\n\n"
              << "== 1. 在 " << dir->string() << " 初始化节点（xfctl init，每 " << kIntervalSeconds << " 秒交换一次）\n";
  }
  if (auto s = t.Init(); !s) return Fail(Why(s.error()));
  PrintInitialised(t);

  std::cout << (en ? "== 2. wiring each parent and child (xfctl peer add, both sides) and sharing signing keys "
                     "(xfctl keys add)\n"
                   : "== 2. 连接每对上下级（双方各执行 xfctl peer add）并分发签名公钥（xfctl keys add）\n");
  if (auto s = t.Wire(); !s) return Fail(Why(s.error()));
  if (auto s = t.ShareKeys(); !s) return Fail(Why(s.error()));
  PrintWired(t, en);

  // Stop the nodes on Ctrl-C too: they run in their own process groups.
  const InterruptGuard interrupts;
  std::cout << (en ? "== 3. starting the nodes\n" : "== 3. 启动节点\n");
  if (auto s = t.StartAll(); !s) return Fail(Why(s.error()));
  PrintStarted(t);

  const auto samples = SamplesDir();
  auto files = SampleFiles(samples);
  if (!files) return Fail(Why(files.error()));
  if (en) {
    std::cout << "== 4. registering " << files->size() << " sample cases (POST /v1/cases), half at each county\n";
  } else {
    std::cout << "== 4. 登记 " << files->size() << " 件样例信访件（POST /v1/cases），两县各一半\n";
  }
  auto tracked = RegisterSamples(t, *files, samples, en);
  if (!tracked) return Fail(Why(tracked.error()));
  auto assigned = AssignDown(t, files->back(), samples, en);
  if (!assigned) return Fail(Why(assigned.error()));
  tracked->push_back(std::move(assigned).value());

  const std::size_t want = CopiesWanted(*tracked);
  if (en) {
    std::cout << "== 6. waiting for the exchange: " << want << " copies must arrive (up to " << kWaitSeconds
              << " s)\n";
  } else {
    std::cout << "== 6. 等待交换：须到达 " << want << " 份副本（最多等 " << kWaitSeconds << " 秒）\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const std::size_t arrived = WaitForCopies(t, *tracked, start, en);
  const auto waited = Seconds(std::chrono::steady_clock::now() - start);
  if (InterruptGuard::Interrupted()) {
    t.StopAll();
    std::cerr << (en ? "xfctl demo: interrupted; the nodes are stopped (data in " : "xfctl demo：已中断，节点已停止（数据在 ")
              << dir->string() << (en ? ")\n" : "）\n");
    return 130;
  }
  const auto problems = FindProblems(t, *tracked);
  PrintWhereEachCaseIs(t, *tracked, en);
  PrintOutcome(t, problems, want, waited, en);
  PrintLinksAndStatusPages(t, en);
  LeaveRunningOrStop(t, keep, en);
  if (!problems.empty()) {
    if (en) {
      std::cerr << "xfctl demo: " << arrived << " of " << want << " copies arrived in " << waited << "; "
                << problems.size() << " case(s) are not where they should be\n";
    } else {
      std::cerr << "xfctl demo：" << waited << " 内到达 " << arrived << "/" << want << " 份副本；" << problems.size()
                << " 件信访件不在应在的节点\n";
    }
    return 1;
  }
  PrintWhereToLook(t, keep, en);
  return 0;
}

}  // namespace xf::tools
