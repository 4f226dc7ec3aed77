// xfctl batch inspect|verify|get, export, import: batches as files.
//
// inspect/verify read a batch file and its signature with the libraries only
// (no node needed). get, export and import work on a node's database, and
// one process at a time writes it (node/data_dir.h): when the node runs,
// they go through its local API (/v1/exchange/…, the same Receive and
// AcceptReceipt as a push); when it does not, they take the data dir's lock
// and open its database and exchange service here (no network: Start() is
// never called). Either way the offline path (网闸, removable media) goes
// through exactly the checks of a push. See tools/README.md.
#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <memory>

#include "codes/codebook.h"
#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/receipt.h"
#include "node/blob_transfer.h"
#include "node/blobs.h"
#include "node/case_text.h"
#include "node/conformance.h"
#include "node/data_dir.h"
#include "node/exchange_service.h"
#include "node/lang.h"
#include "node/store.h"
#include "schema/detail/xsd.h"
#include "schema/validate.h"
#include "tools/cli.h"
#include "tools/progress.h"
#include "tools/xfctl.h"
#include "xf/source_dir.h"

namespace xf::tools {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// The node's database, blobs and exchange service, opened by this process
// under the data dir's lock. Members are destroyed in reverse order: the
// service before what it uses, the lock last.
struct OpenNode {
  std::optional<node::DataDirLock> lock;
  node::NodeConfig config;
  SystemClock clock;
  std::shared_ptr<const codes::CodeBook> codes;
  std::unique_ptr<node::Store> store;
  std::unique_ptr<node::BlobStore> blobs;
  std::unique_ptr<node::ExchangeService> service;
};

// Opens the node's store; with `with_service`, also the exchange service and
// its keys. Without it (reading only) the database must exist already; an
// import may be the first thing a node on the far side of a 网闸 ever does.
// REQUIRES: `lock` is the data dir's lock.
Result<std::unique_ptr<OpenNode>> Open(node::NodeConfig config, bool with_service, node::DataDirLock lock) {
  auto n = std::make_unique<OpenNode>();
  n->lock.emplace(std::move(lock));
  n->config = std::move(config);
  const auto db = n->config.data_dir / "xfnode.db";
  std::error_code ec;
  if (!with_service && !fs::exists(db, ec)) {
    return MakeError(Errc::kNotFound,
                     "no database at " + db.string() + " (has this node ever run?)");
  }
  auto mask = node::SecureDataDir(n->config.data_dir);
  if (!mask) return mask.error();
  ::umask(*mask);
  auto store = node::Store::Open(db, n->clock);
  if (!store) return MakeError(store.error().code, db.string() + ": " + store.error().message);
  n->store = std::move(store).value();
  n->blobs = std::make_unique<node::BlobStore>(n->config.data_dir / "blobs");
  if (!with_service) return n;
  auto codes = codes::CodeBook::Load(n->config.codes_dir.empty() ? codes::DefaultDataDir()
                                                                 : n->config.codes_dir);
  if (!codes) return MakeError(codes.error().code, "code tables: " + codes.error().message);
  n->codes = std::move(codes).value();
  auto calendar = codes::Calendar::FromBook(*n->codes);
  if (!calendar) return MakeError(calendar.error().code, "holiday calendar: " + calendar.error().message);
  n->store->SetChronology(std::make_shared<const codes::Calendar>(std::move(calendar).value()), n->config.counting);
  auto service =
      node::ExchangeService::Create(n->config, *n->codes, *n->store, *n->blobs, n->clock);
  if (!service) return MakeError(service.error().code, "exchange: " + service.error().message);
  n->service = std::move(service).value();
  return n;
}

// Where an offline command works: the running node, through its local API,
// or — none runs — the database opened here under the data dir's lock.
struct Target {
  std::optional<ApiTarget> api;
  std::unique_ptr<OpenNode> local;
  std::string holder;  // who holds the data dir when it is the API
};

Result<Target> Reach(const node::NodeConfig& config, bool with_service, const std::string& who) {
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  auto lock = node::DataDirLock::Acquire(config.data_dir, who);
  Target t;
  if (lock) {
    auto n = Open(config, with_service, std::move(lock).value());
    if (!n) return n.error();
    t.local = std::move(n).value();
    return t;
  }
  if (lock.error().code != Errc::kAlreadyExists) return lock.error();
  // Someone writes the data dir. A running xfnode answers on its API: go through it.
  t.holder = node::DataDirLock::Holder(config.data_dir).value_or("another process");
  auto api = ApiOf(config);
  if (api && WaitHealthy(api->url, 2)) {
    t.api = std::move(api).value();
    return t;
  }
  return MakeError(Errc::kUnavailable,
                   lock.error().message + ", and no node answers at " + (api ? api->url : std::string("its API")) +
                       "; one process at a time writes a node's database: wait for it, or stop it");
}

// A receipt's status in Chinese, the word itself beside it: "已应用（applied）".
std::string ReceiptStatusWords(const std::string& status) {
  const char* zh = status == "applied" ? "已应用" : status == "duplicate" ? "重复（此前已收）" : status == "held" ? "暂存" : nullptr;
  return zh == nullptr ? status : std::string(zh) + "（" + status + "）";
}

// A call to the running node's /v1/exchange/… API; the answer's "message" on failure.
std::string Message(const exchange::HttpResponse& r) {
  boost::system::error_code ec;
  const auto v = json::parse(r.body, ec);
  if (!ec && v.is_object() && v.as_object().contains("message") && v.at("message").is_string()) {
    return std::string(v.at("message").as_string());
  }
  return "HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300);
}

Result<exchange::HttpResponse> Call(const ApiTarget& api, const std::string& method, const std::string& path,
                                    exchange::HttpHeaders headers, const fs::path& body_file = {},
                                    const fs::path& response_file = {}) {
  headers["authorization"] = "Bearer " + api.token;
  exchange::HttpClientOptions opts;
  opts.answer_timeout = std::chrono::minutes(30);  // an imported batch is answered once applied
  opts.response_file = response_file;
  auto r = body_file.empty() ? exchange::HttpCall(method, api.url + path, headers, "", opts)
                             : exchange::HttpCallFile(method, api.url + path, headers, body_file, opts);
  if (!r) return MakeError(Errc::kUnavailable, "the node at " + api.url + " did not answer: " + r.error().message);
  return r;
}

// The XSD: $XF_SOURCE_DIR (tests), the installed share dir, the source tree.
fs::path DefaultSchema() {
  std::error_code ec;
  if (const char* env = std::getenv("XF_SOURCE_DIR"); env != nullptr && *env != '\0') {
    if (fs::path p = fs::path(env) / "schema" / "xfnode.xsd"; fs::exists(p, ec)) return p;
  }
  if (fs::path p = fs::path(XF_SHARE_DIR) / "schema" / "xfnode.xsd"; fs::exists(p, ec)) return p;
  return fs::path(XF_SOURCE_DIR) / "schema" / "xfnode.xsd";
}

std::string Hex(std::string_view bytes, std::size_t max) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out + (bytes.size() > max ? "…" : "");
}

std::string JsonString(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<std::uint64_t> JsonU64(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() > 0) return static_cast<std::uint64_t>(v->as_int64());
  return std::nullopt;
}

Result<json::object> ReadJsonObject(const fs::path& file) {
  auto text = ReadFile(file, 1 << 20);
  if (!text) return text.error();
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object())
    return MakeError(Errc::kInvalidArgument, file.string() + " is not a JSON object");
  return std::move(v.as_object());
}

// Reads FILE.zst and decompresses it within the batch limits.
struct BatchFile {
  std::string bytes;
  std::string xml;
};
Result<BatchFile> ReadBatch(const fs::path& file) {
  const exchange::BatchLimits limits;
  auto bytes = ReadFile(file, limits.max_compressed);
  if (!bytes) return bytes.error();
  auto xml = exchange::Decompress(*bytes, limits.max_decompressed);
  if (!xml)
    return MakeError(xml.error().code,
                     file.string() + ": not a batch (zstd): " + xml.error().message);
  return BatchFile{std::move(bytes).value(), std::move(xml).value()};
}

// ---- batch inspect ----------------------------------------------------------

int BatchInspect(const Args& args) {
  if (auto u = args.Unknown({"sig"}); !u.empty() || args.Positional().size() != 1) {
    std::cerr << (u.empty() ? "" : "xfctl batch inspect: " + u + "\n")
              << UsageWord() << "xfctl batch inspect FILE.zst [--sig FILE.sig]\n";
    return 2;
  }
  const fs::path file = args.Positional()[0];
  auto batch = ReadBatch(file);
  if (!batch) {
    std::cerr << "xfctl batch inspect: " << Why(batch.error()) << "\n";
    return 1;
  }
  auto parsed = exchange::ParseBatchXml(batch->xml);
  if (!parsed) {
    std::cerr << "xfctl batch inspect: " << file.string() << ": " << Why(parsed.error()) << "\n";
    return 1;
  }
  const auto& h = parsed->header;
  const bool en = English(args);
  // A label, padded so that the values line up (CJK characters are two columns wide).
  auto label = [en](const char* zh, const char* english) {
    std::string l = en ? english : zh;
    const std::size_t width = node::conformance::DisplayWidth(l);
    return l + std::string(width < 13 ? 13 - width : 1, ' ');
  };
  std::cout << label("批次", "batch") << h.batch_id << "\n"
            << label("发起节点", "origin") << h.origin << "\n"
            << label("目的节点", "destination") << h.destination << "\n"
            << label("批次流", "stream") << h.stream << "\n"
            << label("序号", "seq") << h.seq << "\n"
            << label("生成时间", "created") << (en ? h.created.ToString() : node::text::LocalTime(h.created)) << "\n"
            << label("代码表版本", "code tables") << h.code_version << "\n"
            << label("记录数", "records") << h.record_count << "\n"
            << label("大小", "size") << batch->bytes.size() << (en ? " bytes zstd, " : " 字节（zstd），")
            << batch->xml.size() << (en ? " bytes XML\n" : " 字节（XML）\n")
            << label("SHA-256", "sha256") << exchange::Sha256Hex(batch->bytes) << "\n"
            << label("附件", "attachments") << h.attachments.size() << "\n";
  for (const auto& a : h.attachments) std::cout << "  " << a << "\n";
  if (auto sig_file = args.Get("sig")) {
    auto sig = ReadFile(*sig_file, 4096);
    if (!sig) {
      std::cerr << "xfctl batch inspect: " << Why(sig.error()) << "\n";
      return 1;
    }
    // Ed25519 signatures are 64 raw bytes; SM2 ones DER SEQUENCE{r,s} (0x30 …).
    const char* alg = sig->size() == 64
                          ? "ed25519"
                          : (!sig->empty() && (*sig)[0] == 0x30 ? "sm2 (DER)" : (en ? "unknown" : "未知"));
    std::cout << label("签名", "signature") << sig->size() << (en ? " bytes, looks like " : " 字节，看来是 ") << alg
              << (en ? ": " : "：") << Hex(*sig, 16) << "\n             " << (en ? "(check it: " : "（核验：")
              << "xfctl batch verify " << file.string() << " --sig " << *sig_file << " --key " << h.origin
              << (en ? ".pub)\n" : ".pub）\n");
  }
  std::cout << label("事件", "events") << parsed->events.size() << "\n";
  for (const auto& pe : parsed->events) {
    const auto& e = pe.event;
    const std::string kind = en ? std::string(schema::EventKindName(e.kind)) : node::text::KindLabel(e.kind);
    std::cout << "  " << std::left << std::setw(16) << e.Id() << " " << kind
              << std::string(12 > node::conformance::DisplayWidth(kind) ? 12 - node::conformance::DisplayWidth(kind) : 1, ' ')
              << " " << std::setw(22) << e.case_id << " " << (en ? e.occurred_at.ToString() : node::text::LocalTime(e.occurred_at));
    if (!pe.violations.empty()) {
      const auto& v = pe.violations.front();
      std::cout << "  [" << v.rule << " " << v.field << ": " << schema::Message(v, en) << "]";
    }
    std::cout << "\n";
  }
  return 0;
}

// ---- batch verify -----------------------------------------------------------

int BatchVerify(const Args& args) {
  const auto sig_file = args.Get("sig");
  const auto key_file = args.Get("key");
  if (auto u = args.Unknown({"sig", "key", "schema"});
      !u.empty() || args.Positional().size() != 1 || !sig_file || !key_file) {
    std::cerr
        << (u.empty() ? "" : "xfctl batch verify: " + u + "\n")
        << UsageWord() << "xfctl batch verify FILE.zst --sig FILE.sig --key ORIGIN.pub [--schema XSD]\n";
    return 2;
  }
  const fs::path file = args.Positional()[0];
  const fs::path schema_file = args.Get("schema", DefaultSchema().string());
  std::vector<std::string> failures;
  const bool en = English(args);
  auto W = [en](const std::string& zh, const std::string& english) { return en ? english : zh; };
  auto pass = [&](const std::string& what) { std::cout << W("通过    ", "ok    ") << what << "\n"; };
  auto fail = [&](const std::string& what) {
    std::cout << W("未通过  ", "FAIL  ") << what << "\n";
    failures.push_back(what);
  };

  const exchange::BatchLimits limits;
  auto bytes = ReadFile(file, limits.max_compressed);
  auto sig = ReadFile(*sig_file, 4096);
  auto key = exchange::PublicKey::LoadPem(*key_file);
  if (!bytes || !sig || !key) {
    const auto& e = !bytes ? bytes.error() : !sig ? sig.error() : key.error();
    std::cerr << "xfctl batch verify: " << Why(e) << "\n";
    return 1;
  }
  const std::string alg = exchange::SignAlgName(key->Alg());
  // 1. The signature over the exact bytes, with the origin's key.
  if (exchange::VerifyBytes(*key, *bytes, *sig)) {
    pass(W("签名（" + alg + "，密钥 " + key->Fingerprint().substr(0, 16) + "…）",
           "signature (" + alg + ", key " + key->Fingerprint().substr(0, 16) + "…)"));
  } else {
    fail(W("签名：用 " + *key_file + "（" + alg + "）验证不通过：批次被改动过，或不是用这个密钥签的",
           "signature: does not verify with " + *key_file + " (" + alg +
               "): the batch was altered or not signed by this key"));
  }
  // 2. One zstd frame within the bounds.
  auto xml = exchange::Decompress(*bytes, limits.max_decompressed);
  if (!xml) {
    fail(W("zstd 解压失败：", "zstd: ") + xml.error().message);
  } else {
    pass(W("zstd 帧（", "zstd frame (") + std::to_string(bytes->size()) + " → " + std::to_string(xml->size()) +
         W(" 字节）", " bytes)"));
    // 3. The XML against the XSD.
    auto xsd = schema::detail::XsdValidator::Load(schema_file.string());
    if (!xsd) {
      std::cerr << "xfctl batch verify: " << schema_file.string() << ": " << Why(xsd.error()) << "\n";
      return 1;
    }
    schema::XmlLimits xml_limits;
    xml_limits.max_bytes = limits.max_decompressed;
    if (auto s = (*xsd)->Validate(*xml, xml_limits); !s) {
      fail(W("不符合 XML 模式 ", "schema ") + schema_file.filename().string() + ": " + s.error().message);
    } else {
      pass(W("符合 XML 模式 ", "schema ") + schema_file.string());
    }
    // 4. The header agrees with itself and with the events.
    auto parsed = exchange::ParseBatchXml(*xml, limits);
    if (!parsed) {
      fail(W("批次无法解析：", "batch: ") + parsed.error().message);
    } else {
      const auto& h = parsed->header;
      std::size_t before = failures.size();
      if (h.batch_id != exchange::MakeBatchId(h.origin, h.stream, h.seq)) {
        fail(W("批次头：batch_id '" + h.batch_id + "' 应为 ", "header: batch_id '" + h.batch_id + "' is not ") +
             exchange::MakeBatchId(h.origin, h.stream, h.seq));
      }
      if (h.record_count != parsed->events.size()) {
        fail(W("批次头：record_count 为 " + std::to_string(h.record_count) + "，实有 " +
                   std::to_string(parsed->events.size()) + " 个事件",
               "header: record_count " + std::to_string(h.record_count) + " but " +
                   std::to_string(parsed->events.size()) + " events"));
      }
      const bool up = h.stream == exchange::kUpStream;
      if (up && h.destination != exchange::kRootNode) {
        fail(W("批次头：上行批次的目的节点应为 " + std::string(exchange::kRootNode) + "，而不是 ",
               "header: an up batch is for " + std::string(exchange::kRootNode) + ", not ") +
             h.destination);
      }
      if (!up && h.stream != exchange::DownStream(h.destination)) {
        fail(W("批次头：批次流 '" + h.stream + "' 既不是 up 也不是 ", "header: stream '" + h.stream + "' is neither up nor ") +
             exchange::DownStream(h.destination));
      }
      for (const auto& pe : parsed->events) {
        if (up && pe.event.origin != h.origin) {
          fail(W("事件 " + pe.event.Id() + "：" + h.origin + " 的上行批次只能带它自己的事件",
                 "event " + pe.event.Id() + ": an up batch of " + h.origin + " carries only its own events"));
        }
        for (const auto& v : pe.violations) {
          fail(W("事件 ", "event ") + pe.event.Id() + W("：", ": ") + v.rule + " " + v.field + W("：", ": ") +
               schema::Message(v, en));
        }
      }
      if (failures.size() == before) {
        pass(W("批次头 " + h.batch_id + "（发起节点 " + h.origin + "，" + std::to_string(h.record_count) + " 条记录，" +
                   std::to_string(h.attachments.size()) + " 个附件）",
               "header " + h.batch_id + " (origin " + h.origin + ", " + std::to_string(h.record_count) +
                   " records, " + std::to_string(h.attachments.size()) + " attachments)"));
      }
    }
  }
  if (!failures.empty()) {
    std::cout << file.string() << ": " << failures.size()
              << (English(args) ? " check(s) failed\n" : " 项检查未通过\n");
    return 1;
  }
  std::cout << file.string() << (English(args) ? ": verified\n" : "：验证通过\n");
  return 0;
}

// ---- batch get --------------------------------------------------------------

int BatchGet(const Args& args) {
  const auto out = args.Get("out");
  if (auto u = args.Unknown({"node", "config", "out"});
      !u.empty() || args.Positional().size() != 1 || !out) {
    std::cerr << (u.empty() ? "" : "xfctl batch get: " + u + "\n")
              << UsageWord() << "xfctl batch get BATCH-ID --node DIR --out DIR\n";
    return 2;
  }
  const std::string id = args.Positional()[0];
  // The id becomes a file name: nothing but its own characters.
  if (id.empty() ||
      id.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_") !=
          std::string::npos) {
    std::cerr << "xfctl batch get: '" << id << Say("' 不是批次编号（<发起节点>-<批次流>-<序号>）\n", "' is not a batch id (<origin>-<stream>-<seq>)\n");
    return 2;
  }
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
    return 2;
  }
  auto target = Reach(*config, false, "xfctl batch get");
  if (!target) {
    std::cerr << "xfctl batch get: " << Why(target.error()) << "\n";
    return target.error().code == Errc::kUnavailable ? 3 : 1;
  }
  std::error_code ec;
  fs::create_directories(*out, ec);
  const fs::path zst = fs::path(*out) / (id + ".zst");
  const fs::path sig = fs::path(*out) / (id + ".sig");
  std::string signature;
  if (target->api) {
    // The running node streams it (a large batch is never read whole).
    auto r = Call(*target->api, "GET", "/v1/exchange/batches/" + id, {}, {}, zst);
    if (!r || r->status != 200) {
      std::cerr << "xfctl batch get: " << (r ? Message(*r) : Why(r.error())) << Say("（节点 ", " at node ") << config->node_id << Say("）", "")
                << "\n";
      return r ? 1 : 3;
    }
    auto decoded = exchange::Base64Decode(r->headers["x-xf-signature"]);
    if (!decoded) {
      std::cerr << Say("xfctl batch get：节点没有发来签名\n", "xfctl batch get: the node sent no signature\n");
      return 1;
    }
    signature = std::move(decoded).value();
  } else {
    auto batch = target->local->store->BatchBytes(id);
    if (!batch) {
      std::cerr << "xfctl batch get: " << Why(batch.error()) << " at node " << config->node_id << "\n";
      return 1;
    }
    if (auto s = WriteFile(zst, batch->first); !s) {
      std::cerr << "xfctl batch get: " << Why(s.error()) << "\n";
      return 1;
    }
    signature = std::move(batch->second);
  }
  if (auto s = WriteFile(sig, signature); !s) {
    std::cerr << "xfctl batch get: " << Why(s.error()) << "\n";
    return 1;
  }
  std::cout << zst.string() << "\n" << sig.string() << "\n";
  return 0;
}

// ---- export -----------------------------------------------------------------

const node::PeerConfig* PeerOf(const node::NodeConfig& c, const std::string& id) {
  if (c.parent && c.parent->id == id) return &*c.parent;
  for (const auto& p : c.children) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

}  // namespace

int CmdBatch(const std::string& sub, const Args& args) {
  if (sub == "inspect") return BatchInspect(args);
  if (sub == "verify") return BatchVerify(args);
  if (sub == "get") return BatchGet(args);
  std::cerr << Say("xfctl batch：未知子命令 '", "xfctl batch: unknown subcommand '") << sub << "' (inspect, verify, get)\n";
  return 2;
}

int CmdExport(const Args& args) {
  const auto link = args.Get("link");
  const auto out = args.Get("out");
  if (auto u = args.Unknown({"node", "config", "link", "out"});
      !u.empty() || !link || !out || !args.Positional().empty()) {
    std::cerr << (u.empty() ? "" : "xfctl export: " + u + "\n")
              << UsageWord() << "xfctl export --node DIR --link PEER-ID --out DIR\n";
    return 2;
  }
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
    return 2;
  }
  if (PeerOf(*config, *link) == nullptr) {
    std::cerr << "xfctl export: " << *link
              << (English(args) ? " is neither the parent nor a child of " : " 既不是上级也不是下级：")
              << config->node_id << "\n";
    return 1;
  }
  auto target = Reach(*config, true, "xfctl export");
  if (!target) {
    std::cerr << "xfctl export: " << Why(target.error()) << "\n";
    return target.error().code == Errc::kUnavailable ? 3 : 1;
  }
  const fs::path dir = *out;
  std::error_code ec;
  fs::create_directories(dir / "blobs", ec);
  if (ec) {
    std::cerr << Say("xfctl export：无法创建 ", "xfctl export: cannot create ") << (dir / "blobs").string() << ": " << ec.message()
              << "\n";
    return 1;
  }
  // Pack what is pending now, so nothing waits for the schedule; then the
  // link's undelivered batches, oldest first.
  struct Item {
    std::uint64_t qseq = 0;
    std::string batch_id, origin, signature;
    std::vector<std::string> attachments;
    std::string events_signature;  // the origin's, over its events (exchange/proof.h), or ""
  };
  std::vector<Item> items;
  std::int64_t made = 0;
  if (target->api) {
    const ApiTarget& api = *target->api;
    auto packed = Call(api, "POST", "/v1/exchange/pack", {});
    if (!packed || packed->status != 200) {
      std::cerr << Say("xfctl export：打包失败：", "xfctl export: packing failed: ") << (packed ? Message(*packed) : Why(packed.error())) << "\n";
      return packed ? 1 : 3;
    }
    made = json::parse(packed->body).at("packed").to_number<std::int64_t>();
    auto listed = Call(api, "GET", "/v1/exchange/outbox?link=" + *link, {});
    if (!listed || listed->status != 200) {
      std::cerr << "xfctl export: " << (listed ? Message(*listed) : Why(listed.error())) << "\n";
      return listed ? 1 : 3;
    }
    const json::value listing = json::parse(listed->body);
    for (const auto& b : listing.at("batches").as_array()) {
      const auto& o = b.as_object();
      Item it;
      it.qseq = static_cast<std::uint64_t>(o.at("qseq").to_number<std::int64_t>());
      it.batch_id = std::string(o.at("batch_id").as_string());
      it.origin = std::string(o.at("origin").as_string());
      auto sig = exchange::Base64Decode(o.at("signature").as_string());
      if (!sig) {
        std::cerr << Say("xfctl export：节点发来的签名格式有误：", "xfctl export: the node sent a malformed signature for ") << it.batch_id << "\n";
        return 1;
      }
      it.signature = std::move(sig).value();
      for (const auto& a : o.at("attachments").as_array()) it.attachments.emplace_back(a.as_string());
      if (const auto* es = o.if_contains("events_signature"); es && es->is_string()) {
        auto decoded = exchange::Base64Decode(es->as_string());
        if (!decoded) {
          std::cerr << Say("xfctl export：节点发来的事件签名格式有误：", "xfctl export: the node sent a malformed events signature for ") << it.batch_id << "\n";
          return 1;
        }
        it.events_signature = std::move(decoded).value();
      }
      items.push_back(std::move(it));
    }
  } else {
    auto& node = *target->local;
    auto packed = node.service->PackPending(true);
    if (!packed) {
      std::cerr << "xfctl export: packing failed: " << Why(packed.error()) << "\n";
      return 1;
    }
    made = *packed;
    auto queued = node.store->Undelivered(*link, 1u << 20);
    if (!queued) {
      std::cerr << "xfctl export: " << Why(queued.error()) << "\n";
      return 1;
    }
    for (auto& q : *queued) {
      items.push_back({q.qseq, q.batch_id, q.origin, q.signature, q.attachments, q.events_signature});
    }
  }
  // Writes the batch's bytes to `file`: from the node (streamed), or copied here.
  auto write_batch = [&](const Item& it, const fs::path& file) -> Status {
    if (target->api) {
      auto r = Call(*target->api, "GET", "/v1/exchange/batches/" + it.batch_id, {}, {}, file);
      if (!r) return r.error();
      if (r->status != 200) return MakeError(Errc::kIo, it.batch_id + ": " + Message(*r));
      return {};
    }
    auto b = target->local->store->GetBatch(it.batch_id);
    if (!b) return b.error();
    if (!b->bytes_file.empty()) {
      std::error_code cec;
      fs::copy_file(b->bytes_file, file, fs::copy_options::overwrite_existing, cec);
      if (cec) return MakeError(Errc::kIo, "cannot copy " + b->bytes_file.string() + ": " + cec.message());
      return {};
    }
    return WriteFile(file, b->bytes);
  };
  // Copies attachment `sha` to `file`; kNotFound when this node does not hold it.
  auto write_blob = [&](const std::string& sha, const fs::path& file) -> Status {
    if (target->api) {
      auto r = Call(*target->api, "GET", "/v1/blobs/" + sha, {}, {}, file);
      if (!r) return r.error();
      if (r->status == 404) return MakeError(Errc::kNotFound, "not held");
      if (r->status != 200) return MakeError(Errc::kIo, sha + ": " + Message(*r));
      return {};
    }
    if (!target->local->blobs->Has(sha)) return MakeError(Errc::kNotFound, "not held");
    std::error_code cec;
    fs::copy_file(target->local->blobs->PathOf(sha), file, fs::copy_options::overwrite_existing, cec);
    if (cec) return MakeError(Errc::kIo, "cannot copy attachment " + sha + ": " + cec.message());
    return {};
  };
  std::size_t blobs = 0, missing = 0;
  Progress progress("导出批次", "exporting batches", items.size(), English(args));
  for (const auto& it : items) {
    ItemLines item(progress);  // this batch's lines, printed past the progress bar
    std::ostringstream& line = item.Lines();
    const std::string stem = std::to_string(it.qseq) + ".batch";
    json::object meta{{"batch_id", it.batch_id},
                      {"origin", it.origin},
                      {"from", config->node_id},
                      {"link", *link},
                      {"qseq", it.qseq}};
    if (!it.events_signature.empty()) meta["events_signature"] = exchange::Base64Encode(it.events_signature);
    // The batch and signature first, the JSON last: a .json means the pair is complete.
    if (auto s = write_batch(it, dir / (stem + ".zst")); !s) {
      std::cerr << "xfctl export: " << Why(s.error()) << "\n";
      return 1;
    }
    if (auto s = WriteFile(dir / (stem + ".sig"), it.signature); !s) {
      std::cerr << "xfctl export: " << Why(s.error()) << "\n";
      return 1;
    }
    if (auto s = WriteFile(dir / (stem + ".json"), json::serialize(meta) + "\n"); !s) {
      std::cerr << "xfctl export: " << Why(s.error()) << "\n";
      return 1;
    }
    std::size_t here = 0;
    for (const auto& sha : it.attachments) {
      if (!schema::IsSha256Hex(sha)) continue;
      if (fs::exists(dir / "blobs" / sha, ec)) {
        ++here;
        continue;
      }
      if (auto s = write_blob(sha, dir / "blobs" / sha); !s) {
        fs::remove(dir / "blobs" / sha, ec);
        if (s.error().code != Errc::kNotFound) {
          std::cerr << "xfctl export: " << Why(s.error()) << "\n";
          return 1;
        }
        // Not held here: the receiver holds the batch until it arrives, and says so.
        line << (English(args) ? "  attachment " + sha + " of " + it.batch_id +
                                     " is not held here: the receiver will hold the batch until it arrives\n"
                               : "  批次 " + it.batch_id + " 的附件 " + sha + " 本节点没有：接收方会暂存该批次，直到附件到达\n");
        ++missing;
        continue;
      }
      ++here;
      ++blobs;
    }
    line << "  " << std::left << std::setw(5) << it.qseq << " " << std::setw(26) << it.batch_id
              << " " << fs::file_size(dir / (stem + ".zst"), ec) << (English(args) ? " bytes, " : " 字节，") << here
              << "/" << it.attachments.size() << (English(args) ? " attachments\n" : " 个附件\n");
  }
  progress.Done();
  const bool en = English(args);
  if (en) {
    std::cout << "exported " << items.size() << " undelivered batch(es) for " << *link << " (" << made
              << " packed now, " << blobs << " attachment(s) copied"
              << (missing ? ", " + std::to_string(missing) + " not held here" : "") << ") to " << dir.string()
              << (target->api ? " through the running node" : "") << "\n";
  } else {
    std::cout << "已导出发往 " << *link << " 的未送达批次 " << items.size() << " 个（本次打包 " << made << " 个，复制附件 "
              << blobs << " 个" << (missing ? "，本节点没有 " + std::to_string(missing) + " 个" : "") << "）到 "
              << dir.string() << (target->api ? "（经运行中的节点）" : "") << "\n";
  }
  if (!items.empty()) {
    std::cout << (en ? "on " : "在 ") << *link << (en ? ": " : "：") << "xfctl import --node DIR --in " << dir.string()
              << "\n"
              << (en ? "then here: " : "然后在本节点：") << "xfctl import --node " << config->file.parent_path().string()
              << " --receipts " << (dir / "receipts").string() << "\n";
  }
  return 0;
}

namespace {

// ---- import --in --------------------------------------------------------------

struct ExportedBatch {
  std::uint64_t qseq = 0;
  fs::path zst;
  json::object meta;
};

// What the receiving node made of one batch.
struct Received {
  std::string receipt_xml, receipt_sig;  // a receipt: applied, held (gap) or duplicate
  std::optional<exchange::Receipt> receipt;
  std::vector<std::string> missing;      // or: held until these attachments come (no receipt)
  std::optional<Error> refused;          // or: refused whole
};

// What the exporting node wrote beside a batch (its .json).
struct BatchMeta {
  std::string origin, from, batch_id;
  std::string events_signature;  // decoded; "" when the batch carries none
};

Received ReceiveBatch(Target& t, const fs::path& zst, const std::string& signature, const BatchMeta& meta) {
  Received out;
  if (t.api) {
    std::map<std::string, std::string> headers{{"content-type", "application/zstd"},
                                               {"x-xf-origin", meta.origin},
                                               {"x-xf-from", meta.from},
                                               {"x-xf-batch-id", meta.batch_id},
                                               {"x-xf-signature", exchange::Base64Encode(signature)}};
    if (!meta.events_signature.empty()) {
      headers["x-xf-events-signature"] = exchange::Base64Encode(meta.events_signature);
    }
    auto r = Call(*t.api, "POST", "/v1/exchange/import", headers, zst);
    if (!r) {
      out.refused = r.error();
      return out;
    }
    boost::system::error_code ec;
    if (r->status == 424) {
      const auto v = json::parse(r->body, ec);
      if (!ec && v.is_object() && v.as_object().contains("missing_attachments")) {
        for (const auto& x : v.at("missing_attachments").as_array()) out.missing.emplace_back(x.as_string());
        return out;
      }
    }
    if (r->status != 200) {
      Errc code = r->status == 403 ? Errc::kPermission : r->status == 409 ? Errc::kAlreadyExists
                : r->status == 413 ? Errc::kLimit : r->status >= 500 ? Errc::kUnavailable : Errc::kInvalidArgument;
      out.refused = MakeError(code, Message(*r));
      return out;
    }
    auto sig = exchange::Base64Decode(r->headers["x-xf-signature"]);
    auto receipt = exchange::ParseReceiptXml(r->body);
    if (!sig || !receipt) {
      out.refused = MakeError(Errc::kInvalidArgument, "the node answered without a signed receipt");
      return out;
    }
    out.receipt_xml = r->body;
    out.receipt_sig = std::move(sig).value();
    out.receipt = std::move(receipt).value();
    return out;
  }
  auto& node = *t.local;
  // The batch streams from a copy in the node's spool dir (the store may
  // keep that copy as the batch's file); the medium is left as it was.
  std::error_code ec;
  const fs::path spool = node.config.data_dir / "spool";
  fs::create_directories(spool, ec);
  const fs::path copy = spool / ("import-" + exchange::RandomHex(8));
  struct Remove {
    fs::path p;
    ~Remove() {
      std::error_code ignored;
      fs::remove(p, ignored);
    }
  } remove_copy{copy};
  fs::copy_file(zst, copy, ec);
  if (ec) {
    out.refused = MakeError(Errc::kIo, "cannot copy " + zst.string() + " to " + copy.string() + ": " + ec.message());
    return out;
  }
  node::ExchangeService::Incoming in{"", signature, meta.origin, meta.from, copy};
  in.batch_id = meta.batch_id;
  in.events_signature = meta.events_signature;
  auto r = node.service->Receive(in);
  if (!r) {
    out.refused = r.error();
    return out;
  }
  if (!r->missing_attachments.empty()) {
    out.missing = std::move(r->missing_attachments);
    return out;
  }
  out.receipt_xml = std::move(r->xml);
  out.receipt_sig = std::move(r->signature);
  out.receipt = std::move(r->receipt);
  return out;
}

// Hands the receiving node an attachment a verified batch names, from the
// medium; it checks the hash.
Status ProvideBlob(Target& t, const std::string& sha, const fs::path& file) {
  if (t.api) {
    return node::UploadBlob(t.api->url + "/v1/blobs/" + sha, sha, file, {{"authorization", "Bearer " + t.api->token}},
                            exchange::HttpClientOptions{});
  }
  // Staged: the batch claims it when it is received again.
  return t.local->blobs->PutFile(sha, file, true);
}

// Exit status 4: nothing refused, but a batch is held for attachments not on the medium.
constexpr int kHeldForAttachments = 4;

int ImportBatches(Target& t, const node::NodeConfig& config, const fs::path& dir, bool english) {
  std::vector<ExportedBatch> batches;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() <= 10 || name.substr(name.size() - 10) != ".batch.zst") continue;
    const std::string stem = name.substr(0, name.size() - 4);  // "<qseq>.batch"
    auto meta = ReadJsonObject(dir / (stem + ".json"));
    if (!meta) {
      std::cerr << "xfctl import: " << name << ": " << Why(meta.error()) << "\n";
      return 1;
    }
    const auto qseq = JsonU64(*meta, "qseq");
    if (!qseq) {
      std::cerr << "xfctl import: " << stem << Say(".json 中没有 qseq\n", ".json has no qseq\n");
      return 1;
    }
    batches.push_back({*qseq, e.path(), std::move(meta).value()});
  }
  if (ec) {
    std::cerr << Say("xfctl import：无法读取 ", "xfctl import: cannot read ") << dir.string() << ": " << ec.message() << "\n";
    return 1;
  }
  std::sort(batches.begin(), batches.end(),
            [](const auto& a, const auto& b) { return a.qseq < b.qseq; });

  // Batch by batch, in queue order: a batch is received (verified) first,
  // and only the attachments a verified batch names and the node lacks are
  // taken from the medium — a refused batch leaves nothing behind. A batch
  // whose attachments are neither held nor on the medium is held, without
  // a receipt, until they come (a later import, an upload).
  const fs::path receipts = dir / "receipts";
  fs::create_directories(receipts, ec);
  int refused = 0, held = 0;
  std::size_t accepted = 0, rejected = 0, blobs = 0;
  Progress progress("导入批次", "importing batches", batches.size(), english);
  for (const auto& b : batches) {
    ItemLines item(progress);  // this batch's lines, printed past the progress bar
    std::ostringstream& line = item.Lines();
    const std::string batch_id = JsonString(b.meta, "batch_id");
    const std::string from = JsonString(b.meta, "from");
    const std::string link = JsonString(b.meta, "link");
    line << "  " << std::left << std::setw(5) << b.qseq << " " << std::setw(26) << batch_id
              << " ";
    if (!link.empty() && link != config.node_id) {
      line << (english ? "REFUSED: exported by " + from + " for " + link + ", not for this node (" + config.node_id + ")\n"
                       : "拒收（REFUSED）：由 " + from + " 导出给 " + link + "，不是给本节点（" + config.node_id + "）\n");
      ++refused;
      continue;
    }
    auto sig = ReadFile(fs::path(b.zst).replace_extension(".sig"), 4096);
    if (!sig) {
      line << (english ? "REFUSED: " : "拒收（REFUSED）：") << Why(sig.error()) << "\n";
      ++refused;
      continue;
    }
    BatchMeta meta{JsonString(b.meta, "origin"), from, batch_id, {}};
    if (const std::string es = JsonString(b.meta, "events_signature"); !es.empty()) {
      auto decoded = exchange::Base64Decode(es);
      if (!decoded) {
        line << (english ? "REFUSED: the events signature in " + batch_id + ".json is not base64\n"
                         : "拒收（REFUSED）：" + batch_id + ".json 中的事件签名不是 base64\n");
        ++refused;
        continue;
      }
      meta.events_signature = std::move(decoded).value();
    }
    Received r = ReceiveBatch(t, b.zst, *sig, meta);
    if (!r.missing.empty()) {
      bool provided = false;
      for (const auto& sha : r.missing) {
        const fs::path file = dir / "blobs" / sha;
        if (!fs::exists(file, ec)) continue;
        if (auto s = ProvideBlob(t, sha, file); !s) {
          line << (english ? "\n        attachment " + sha + " on the medium refused: "
                           : "\n        介质上的附件 " + sha + " 被拒收：")
               << Why(s.error());
          continue;
        }
        provided = true;
        ++blobs;
      }
      if (provided) r = ReceiveBatch(t, b.zst, *sig, meta);
    }
    if (r.refused) {
      line << (english ? "REFUSED (" : "拒收（REFUSED，") << ErrcName(r.refused->code) << (english ? "): " : "）：")
           << r.refused->message << "\n";
      ++refused;
      continue;
    }
    if (!r.missing.empty()) {
      if (english) {
        line << "HELD: waiting for " << r.missing.size()
             << " attachment(s) neither held here nor on the medium; no receipt until they come:\n";
      } else {
        line << "暂存（HELD）：等待 " << r.missing.size() << " 个本节点和介质上都没有的附件；附件到达前不出回执：\n";
      }
      for (const auto& sha : r.missing) line << (english ? "        missing attachment " : "        缺少附件 ") << sha << "\n";
      ++held;
      continue;
    }
    const auto& rc = *r.receipt;
    if (english) {
      line << rc.status << ", " << rc.AcceptedCount() << " accepted, " << rc.rejected.size() << " rejected\n";
    } else {
      line << ReceiptStatusWords(rc.status) << "，接收 " << rc.AcceptedCount() << " 条，拒收 " << rc.rejected.size() << " 条\n";
    }
    for (const auto& x : rc.rejected) {
      line << (english ? "        rejected " : "        拒收 ") << (x.event_id.empty() ? (english ? "(batch)" : "（批次）") : x.event_id) << " "
           << node::RejectionLine(x.rule, x.field, x.reason, english) << "\n";
    }
    accepted += rc.AcceptedCount();
    rejected += rc.rejected.size();
    const std::string stem = std::to_string(b.qseq) + ".receipt";
    json::object receipt_meta{{"batch_id", rc.batch_id},
                              {"receiver", config.node_id},
                              {"link", config.node_id},
                              {"qseq", b.qseq}};
    Status s = WriteFile(receipts / (stem + ".xml"), r.receipt_xml);
    if (s) s = WriteFile(receipts / (stem + ".sig"), r.receipt_sig);
    if (s) s = WriteFile(receipts / (stem + ".json"), json::serialize(receipt_meta) + "\n");
    if (!s) {
      std::cerr << "xfctl import: " << Why(s.error()) << "\n";
      return 1;
    }
  }
  progress.Done();
  const std::size_t answered = batches.size() - static_cast<std::size_t>(refused + held);
  if (english) {
    std::cout << "imported " << answered << " of " << batches.size() << " batch(es) into " << config.node_id
              << (t.api ? " through the running node" : "") << ": " << accepted << " record(s) accepted, " << rejected
              << " rejected, " << blobs << " attachment(s) stored";
    if (held > 0) std::cout << ", " << held << " held for missing attachments (see xfctl status)";
    if (refused > 0) std::cout << ", " << refused << " refused";
  } else {
    std::cout << "已向 " << config.node_id << (t.api ? "（经运行中的节点）" : "") << "导入 " << batches.size() << " 个批次中的 "
              << answered << " 个：接收记录 " << accepted << " 条，拒收 " << rejected << " 条，保存附件 " << blobs << " 个";
    if (held > 0) std::cout << "，" << held << " 个因缺附件暂存（见 xfctl status）";
    if (refused > 0) std::cout << "，拒收批次 " << refused << " 个";
  }
  std::cout << "\n";
  if (answered > 0) {
    if (english) {
      std::cout << "signed receipts in " << receipts.string()
                << " — take them back and run: xfctl import --node SENDER --receipts " << receipts.string() << "\n";
    } else {
      std::cout << "签名回执在 " << receipts.string() << "，带回发送方后执行：xfctl import --node 发送方 --receipts "
                << receipts.string() << "\n";
    }
  }
  if (held > 0) {
    std::cout << (english ? "a held batch is applied once its attachments come (a medium that carries them, or PUT "
                            "/v1/blobs/{sha256}); import again then to write its receipt\n"
                          : "暂存的批次在附件到达后（带有附件的介质，或 PUT /v1/blobs/{sha256}）即应用；届时再导入一次以写出回执\n");
  }
  return refused ? 1 : held ? kHeldForAttachments : 0;
}

// ---- import --receipts --------------------------------------------------------

int ImportReceipts(Target& t, fs::path dir, bool english) {
  std::error_code ec;
  // Accept the export folder as well as its receipts/ folder.
  if (fs::is_directory(dir / "receipts", ec)) dir /= "receipts";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 13 && name.substr(name.size() - 13) == ".receipt.json")
      files.push_back(e.path());
  }
  if (ec) {
    std::cerr << Say("xfctl import：无法读取 ", "xfctl import: cannot read ") << dir.string() << ": " << ec.message() << "\n";
    return 1;
  }
  int failed = 0, delivered = 0;
  std::vector<std::pair<std::uint64_t, json::object>> receipts;
  for (const auto& f : files) {
    auto meta = ReadJsonObject(f);
    const auto qseq = meta ? JsonU64(*meta, "qseq") : std::nullopt;
    if (!meta || !qseq) {
      std::cerr << "xfctl import: " << f.string() << ": "
                << (meta ? std::string(Say("没有 qseq", "no qseq")) : Why(meta.error())) << "\n";
      ++failed;
      continue;
    }
    receipts.emplace_back(*qseq, std::move(meta).value());
  }
  std::sort(receipts.begin(), receipts.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  Progress progress("导入回执", "importing receipts", receipts.size(), english);
  for (const auto& [qseq, meta] : receipts) {
    ItemLines item(progress);  // this batch's lines, printed past the progress bar
    std::ostringstream& line = item.Lines();
    const std::string stem = std::to_string(qseq) + ".receipt";
    const std::string receiver = JsonString(meta, "receiver");
    line << "  " << std::left << std::setw(5) << qseq << " " << std::setw(26)
              << JsonString(meta, "batch_id") << " ";
    auto xml = ReadFile(dir / (stem + ".xml"), 64 << 20);
    auto sig = ReadFile(dir / (stem + ".sig"), 4096);
    if (!xml || !sig) {
      line << (english ? "FAILED: " : "失败（FAILED）：") << (!xml ? Why(xml.error()) : Why(sig.error())) << "\n";
      ++failed;
      continue;
    }
    Status accepted;
    if (t.api) {
      auto r = Call(*t.api, "POST", "/v1/exchange/receipts",
                    {{"content-type", "application/xml"},
                     {"x-xf-link", receiver},
                     {"x-xf-qseq", std::to_string(qseq)},
                     {"x-xf-signature", exchange::Base64Encode(*sig)}},
                    dir / (stem + ".xml"));
      if (!r) {
        accepted = r.error();
      } else if (r->status != 200) {
        accepted = MakeError(Errc::kInvalidArgument, Message(*r));
      }
    } else {
      accepted = t.local->service->AcceptReceipt(receiver, qseq, *xml, *sig);
    }
    if (!accepted) {
      line << (english ? "FAILED: " : "失败（FAILED）：") << Why(accepted.error()) << "\n";
      ++failed;
      continue;
    }
    ++delivered;
    auto receipt = exchange::ParseReceiptXml(*xml);
    line << (english ? "delivered to " : "已送达 ") << receiver;
    if (receipt) {
      if (english) {
        line << " (" << receipt->status << ", " << receipt->accepted.size() << " accepted, " << receipt->rejected.size()
             << " rejected)";
      } else {
        line << "（" << ReceiptStatusWords(receipt->status) << "，接收 " << receipt->accepted.size() << " 条，拒收 " << receipt->rejected.size()
             << " 条）";
      }
    }
    line << "\n";
    if (receipt) {
      for (const auto& x : receipt->rejected) {
        line << (english ? "        rejected " : "        拒收 ")
             << (x.event_id.empty() ? (english ? "(batch)" : "（批次）") : x.event_id) << " "
             << node::RejectionLine(x.rule, x.field, x.reason, english) << "\n";
      }
    }
  }
  progress.Done();
  if (english) {
    std::cout << delivered << " receipt(s) accepted, " << failed << " failed\n";
  } else {
    std::cout << "回执接收 " << delivered << " 个，失败 " << failed << " 个\n";
  }
  return failed ? 1 : 0;
}

}  // namespace

int CmdImport(const Args& args) {
  const auto in = args.Get("in");
  const auto receipts = args.Get("receipts");
  if (auto u = args.Unknown({"node", "config", "in", "receipts"});
      !u.empty() || in.has_value() == receipts.has_value() || !args.Positional().empty()) {
    std::cerr << (u.empty() ? "" : "xfctl import: " + u + "\n")
              << UsageWord() << "xfctl import --node DIR --in DIR          apply exported batches, write "
                 "receipts\n"
                 "       xfctl import --node DIR --receipts DIR    mark batches delivered by their "
                 "receipts\n";
    return 2;
  }
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
    return 2;
  }
  auto target = Reach(*config, true, in ? "xfctl import --in" : "xfctl import --receipts");
  if (!target) {
    std::cerr << "xfctl import: " << Why(target.error()) << "\n";
    return target.error().code == Errc::kUnavailable ? 3 : 1;
  }
  return in ? ImportBatches(*target, *config, *in, English(args)) : ImportReceipts(*target, *receipts, English(args));
}

}  // namespace xf::tools
