// xfctl status: the node's state as a person reads it — in Chinese (English
// with --lang en), times in the node's time zone — or its /v1/status JSON
// for scripts (--json). --wait SECONDS waits until a node just started
// answers.
#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "codes/codebook.h"
#include "node/case_text.h"
#include "node/conformance_html.h"  // JurisdictionName
#include "node/lang.h"
#include "tools/cli.h"
#include "tools/table.h"
#include "tools/xfctl.h"
#include "tools/json_fields.h"

namespace xf::tools {

namespace json = boost::json;
namespace text = node::text;

namespace {

std::string When(const std::string& iso, bool en) {
  if (iso.empty()) return en ? "never" : "从未";
  const auto t = Instant::Parse(iso);
  return t ? text::LocalTime(*t) : iso;
}

// "3 小时前" / "3 h ago": how long since.
std::string Ago(const std::string& iso, Instant now, bool en) {
  const auto t = Instant::Parse(iso);
  if (!t) return "";
  const std::int64_t s = std::max<std::int64_t>(0, now.seconds - t->seconds);
  std::string n;
  if (s < 120) {
    n = std::to_string(s) + (en ? " s" : " 秒");
  } else if (s < 7200) {
    n = std::to_string(s / 60) + (en ? " min" : " 分钟");
  } else if (s < 2 * 86400) {
    n = std::to_string(s / 3600) + (en ? " h" : " 小时");
  } else {
    n = std::to_string(s / 86400) + (en ? " days" : " 天");
  }
  return en ? n + " ago" : n + "前";
}

// The node answers, or `seconds` pass; the API's address is read again each
// time (a node started with port 0 writes it once it listens).
Result<ApiTarget> WaitForNode(const node::NodeConfig& config, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    auto api = ApiOf(config);
    if (!api) return api;
    exchange::HttpClientOptions o;
    o.timeout = std::chrono::milliseconds(1000);
    auto r = exchange::HttpCall("GET", api->url + "/healthz", {}, "", o);
    if (r && r->status == 200) return api;
    if (std::chrono::steady_clock::now() >= deadline) return api;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

int CmdStatus(const Args& args) {
  const bool en = English(args);
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
    return 2;
  }
  int wait = 0;
  if (auto w = args.Get("wait")) {
    try {
      wait = std::stoi(*w);
    } catch (...) {
      wait = -1;
    }
    if (wait < 0 || wait > 3600) {
      std::cerr << (en ? "xfctl status: --wait wants seconds, 0–3600\n" : "xfctl status: --wait 应为秒数 0–3600\n");
      return 2;
    }
  }
  auto api = wait > 0 ? WaitForNode(*config, wait) : ApiOf(*config);
  if (!api) {
    std::cerr << "xfctl: " << Why(api.error()) << "\n";
    return 2;
  }
  auto r = CallApi(*api, "GET", "/v1/status", "");
  if (!r) {
    std::cerr << "xfctl: " << (en ? "node " : "节点 ") << config->node_id
              << (en ? " is not answering at " : " 无应答：") << api->url << ": " << Why(r.error())
              << (en ? " (is it running? xfnode --config " : "（是否已启动？xfnode --config ") << config->file.string()
              << (en ? ")\n" : "）\n");
    return 3;
  }
  if (args.Has("json")) {
    std::cout << r->body << "\n";
    return r->status == 200 ? 0 : 1;
  }
  if (r->status != 200) {
    std::cerr << "xfctl status: HTTP " << r->status << ": " << r->body << "\n";
    return 1;
  }
  const auto v = json::parse(r->body).as_object();
  const auto* ex = v.if_contains("exchange");
  const json::object no_exchange;
  const json::object& x = ex != nullptr && ex->is_object() ? ex->as_object() : no_exchange;
  auto book = codes::CodeBook::Load(config->codes_dir.empty() ? codes::DefaultDataDir() : config->codes_dir);
  auto name = [&](const std::string& id) { return book ? node::html::JurisdictionName(**book, id) : id; };
  const Instant now = Instant::Parse(Str(v, "now")).value_or(SystemClock().Now());
  const std::string tier = Str(v, "tier");
  const char* tier_zh = tier == "national" ? "国家级" : tier == "province" ? "省级" : tier == "city" ? "地市级"
                      : tier == "county" ? "县级" : tier == "department" ? "职能部门" : "";
  auto field = [&](const char* zh, const char* en_words, const std::string& value) {
    std::cout << "  " << PadToWidth(en ? en_words : zh, en ? 18 : 12) << value << "\n";
  };

  std::cout << (en ? "Node " : "节点 ") << Str(v, "node_id") << " " << Str(v, "name") << (en ? " (" + tier : "（" + std::string(tier_zh))
            << (en ? ", xfnode " : "，xfnode ") << Str(v, "version") << (en ? ")\n" : "）\n");
  field("本地接口", "local API", api->url);
  if (!Str(x, "url").empty()) field("交换端点", "exchange", Str(x, "url"));
  field("启动于", "started", When(Str(v, "started_at"), en) + (en ? " (" : "（") + Ago(Str(v, "started_at"), now, en) +
                                 (en ? ")" : "）"));
  field("当前时间", "now", When(Str(v, "now"), en) + " " + text::kTimeZone);
  field("代码表", "code tables", Str(v, "code_version") + (en ? ", database schema " : "，数据库版本 ") + Str(v, "schema_version"));
  std::cout << "  " << PadToWidth(en ? "held" : "持有", en ? 18 : 12) << (en ? "cases " : "信访件 ") << Str(v, "cases")
            << (en ? ", events " : "，事件 ") << Str(v, "events") << (en ? ", attachments " : "，附件 ") << Str(v, "blobs")
            << "\n";
  if (const auto* d = x.if_contains("directory"); d != nullptr && d->is_object()) {
    const auto& dir = d->as_object();
    const bool stale = dir.if_contains("stale") && dir.at("stale").is_bool() && dir.at("stale").as_bool();
    field("签名目录", "signed directory",
          (en ? "serial " : "第 ") + Str(dir, "serial") + (en ? ", issued " : " 版，签发于 ") + When(Str(dir, "issued"), en) +
              (stale ? (en ? " — past its next update, still used" : "（已过更新期限，仍在使用）") : ""));
  } else if (ex != nullptr) {
    field("签名目录", "signed directory", en ? "none" : "无");
  }
  // The system key of duplicate detection: which, whose signature, and the
  // last key the parent served that was refused (exchange/PROTOCOL.md).
  if (const auto* d = x.if_contains("dedup_key"); d != nullptr && d->is_object()) {
    const auto& k = d->as_object();
    const std::string id = Str(k, "key_id"), signer = Str(k, "signer");
    const bool verified = k.if_contains("verified") && k.at("verified").is_bool() && k.at("verified").as_bool();
    std::string line;
    if (id.empty()) {
      line = en ? "none yet" : "尚无";
    } else {
      line = id + (signer.empty() ? (en ? " (unsigned, from before)" : "（未签名，升级前取得）")
                   : verified ? (en ? " (signed by " + signer + ", verified)" : "（" + signer + " 签名，已验证）")
                              : (en ? " (signed by " + signer + ")" : "（" + signer + " 签名）"));
    }
    field("判重系统密钥", "dedup system key", line);
    if (const auto* r = k.if_contains("refused"); r != nullptr && r->is_object()) {
      const auto& ro = r->as_object();
      field("", "", (en ? "refused the parent's key " + Str(ro, "key_id") + " of " + Str(ro, "signer") + " at " +
                              When(Str(ro, "at"), en) + ": " + Str(ro, "reason") + " — " + Str(ro, "detail")
                        : "拒绝了上级提供的密钥 " + Str(ro, "key_id") + "（" + When(Str(ro, "at"), en) + "）：" +
                              Str(ro, "message") + "（" + Str(ro, "reason") + "）"));
    }
  }

  // Links: the parent, the children, then any other link the outbox knows;
  // each with its queue, its last delivery and what it last sent here.
  struct Peer {
    std::string id;
    std::string role;
    std::string url;
  };
  std::vector<Peer> peers;
  if (config->parent) peers.push_back({config->parent->id, en ? "parent" : "上级", config->parent->url});
  for (const auto& c : config->children) peers.push_back({c.id, en ? "child" : "下级", c.pull ? "" : c.url});
  for (const auto& l : Array(x, "links")) {
    const std::string id = Str(l.as_object(), "link");
    if (std::none_of(peers.begin(), peers.end(), [&](const Peer& p) { return p.id == id; })) {
      peers.push_back({id, en ? "other" : "其他", ""});
    }
  }
  std::cout << "\n" << (en ? "Links" : "链路") << "\n";
  if (peers.empty()) {
    std::cout << (en ? "  no parent or child configured (xfctl peer add)\n" : "  未配置上级或下级（xfctl peer add）\n");
  } else {
    TextTable t({{en ? "node" : "节点", false, 24},
                 {en ? "role" : "关系", false, 6},
                 {en ? "queued" : "待发", true, 8},
                 {en ? "delivered" : "已送达", true, 9},
                 {en ? "last delivered" : "最近送达", false, 26},
                 {en ? "last received" : "最近收到", false, 26},
                 {en ? "state" : "状态", false, 60}});
    for (const auto& p : peers) {
      const json::object* link = nullptr;
      for (const auto& l : Array(x, "links")) {
        if (Str(l.as_object(), "link") == p.id) link = &l.as_object();
      }
      const json::object* got = nullptr;
      for (const auto& g : Array(v, "received")) {
        if (Str(g.as_object(), "from") == p.id) got = &g.as_object();
      }
      const std::int64_t queued = link ? Int(link->if_contains("pending")) : 0;
      const std::string error = link ? Str(*link, "last_error") : "";
      std::string state;
      if (!error.empty()) {
        state = (en ? "failing: " : "发送失败：") + error;
      } else if (queued > 0) {
        state = en ? "sending" : "发送中";
      } else {
        state = en ? "up to date" : "正常";
      }
      if (p.url.empty() && p.role != (en ? "other" : "其他")) state += en ? " (pulled or offline)" : "（对方拉取或离线交换）";
      t.Add({name(p.id), p.role, std::to_string(queued), link ? Str(*link, "delivered") : "0",
             link ? When(Str(*link, "last_delivered"), en) : (en ? "never" : "从未"),
             got ? When(Str(*got, "last"), en) : (en ? "never" : "从未"), state});
    }
    std::cout << t.Render();
  }

  const auto& gaps = Array(x, "gaps");
  std::cout << "\n" << (en ? "Sequence gaps: " : "序号缺口：") << (gaps.empty() ? (en ? "none" : "无") : std::to_string(gaps.size()))
            << "\n";
  for (const auto& g : gaps) {
    const auto& o = g.as_object();
    std::cout << "  " << name(Str(o, "origin")) << " " << Str(o, "stream") << (en ? ": waiting for seq " : "：缺第 ")
              << Str(o, "missing_seq") << (en ? ", " : " 批，其后 ") << Str(o, "held") << (en ? " held behind it since " : " 批等待，始于 ")
              << When(Str(o, "since"), en) << "\n";
  }
  const auto& waiting = Array(x, "awaiting_attachments");
  std::cout << (en ? "Batches waiting for attachments: " : "等待附件的批次：")
            << (waiting.empty() ? (en ? "none" : "无") : std::to_string(waiting.size())) << "\n";
  for (const auto& w : waiting) {
    const auto& o = w.as_object();
    std::cout << "  " << Str(o, "batch_id") << (en ? " from " : "，来自 ") << Str(o, "from") << (en ? ", missing " : "，缺 ")
              << Array(o, "missing_attachments").size() << (en ? " attachment(s), since " : " 个附件，始于 ")
              << When(Str(o, "since"), en) << "\n";
    for (const auto& sha : Array(o, "missing_attachments")) std::cout << "    " << sha.as_string().c_str() << "\n";
  }
  const auto& parked = Array(x, "parked");
  std::cout << (en ? "Parked batches (origin's key unknown): " : "暂存批次（发起节点公钥未知）：")
            << (parked.empty() ? (en ? "none" : "无") : std::to_string(parked.size())) << "\n";
  for (const auto& p : parked) {
    const auto& o = p.as_object();
    std::cout << "  " << name(Str(o, "origin")) << " " << Str(o, "stream") << (en ? ": " : "：") << Str(o, "batches")
              << (en ? " batch(es) from seq " : " 批，自第 ") << Str(o, "first_seq") << (en ? ", since " : " 批起，始于 ")
              << When(Str(o, "since"), en) << (en ? " — " : "——") << Str(o, "reason") << "\n";
  }
  // The newest records refused here: words from rule and field, the sender's English reason beside.
  if (const auto* recent = v.if_contains("recent_rejections"); recent != nullptr && recent->is_array()) {
    const auto& list = recent->as_array();
    std::cout << (en ? "Recently refused records: " : "最近退回的记录：")
              << (list.empty() ? (en ? "none" : "无")
                               : std::to_string(list.size()) + (en ? " (newest first; xfctl conformance for all)"
                                                                   : " 条（最新在前；全部见 xfctl conformance）"))
              << "\n";
    for (const auto& j : list) {
      if (!j.is_object()) continue;
      const auto& o = j.as_object();
      const std::string event = Str(o, "event_id");
      std::cout << "  " << When(Str(o, "at"), en) << "  " << (event.empty() ? (en ? "(whole batch)" : "（整批）") : event)
                << (en ? " in " : "，批次 ") << Str(o, "batch_id") << (en ? ", charged to " : "，责任节点 ")
                << name(Str(o, "charged_to")) << "\n    "
                << node::RejectionLine(Str(o, "rule"), Str(o, "field"), Str(o, "reason"), en) << "\n";
    }
  }
  std::cout << (en ? "Cases never wait for attachments: a case naming one the node does not hold is refused (R6).\n"
                   : "信访件不会等待附件：登记时附件须已在节点上，否则拒收（R6）。\n");
  return 0;
}

}  // namespace xf::tools
