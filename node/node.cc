#include "node/node.h"

#include <sys/stat.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace xf::node {

void Log(const char* level, const std::string& message,
         std::initializer_list<std::pair<const char*, std::string>> fields) {
  boost::json::object o;
  o["ts"] = SystemClock().Now().ToString();
  o["level"] = level;
  o["msg"] = message;
  for (const auto& [k, v] : fields) o[k] = v;
  const std::string line = boost::json::serialize(o) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

namespace {

Result<std::string> ReadToken(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return MakeError(Errc::kNotFound, "cannot read the API token file " + file.string());
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.size() < 16) return MakeError(Errc::kInvalidArgument, file.string() + ": the API token must be at least 16 characters");
  return token;
}

}  // namespace

Result<std::unique_ptr<Node>> Node::Start(NodeConfig config, const Clock& clock) {
  std::unique_ptr<Node> n(new Node(std::move(config)));
  const auto& c = n->m_config;
  std::error_code ec;
  // ID numbers live here: private to the service whatever umask it was
  // started with (the umask is process-wide; this is the process's start).
  auto mask = SecureDataDir(c.data_dir);
  if (!mask) return mask.error();
  ::umask(*mask);
  // One writer: a second xfnode, or an offline xfctl command, on the same data dir is refused.
  auto lock = DataDirLock::Acquire(c.data_dir, "xfnode " + c.node_id);
  if (!lock) {
    return MakeError(lock.error().code,
                     lock.error().message + (lock.error().code == Errc::kAlreadyExists
                                                 ? "; stop it first (one process at a time writes a node's database)"
                                                 : ""));
  }
  n->m_lock.emplace(std::move(lock).value());

  auto codes = codes::CodeBook::Load(c.codes_dir.empty() ? codes::DefaultDataDir() : c.codes_dir);
  if (!codes) return MakeError(codes.error().code, "code tables: " + codes.error().message);
  n->m_codes = std::move(codes).value();
  auto calendar = codes::Calendar::FromBook(*n->m_codes);
  if (!calendar) return MakeError(calendar.error().code, "holiday calendar: " + calendar.error().message);
  n->m_calendar = std::make_shared<const codes::Calendar>(std::move(calendar).value());
  // A year without its notice counts weekends only: say so while there is time to add it.
  for (const int year : {clock.Now().ToDate().year, clock.Now().ToDate().year + 1}) {
    if (!n->m_calendar->Covers(year)) {
      Log("warn", "节假日历缺少某一年：该年的到期日只按周末计算",
          {{"year", std::to_string(year)},
           {"calendar", n->m_calendar->Version().empty() ? std::string("(none)") : n->m_calendar->Version()},
           {"fix", "add the 国务院办公厅 notice of that year to codes/data/holiday.csv (codes/README.md)"}});
    }
  }

  auto store = Store::Open(c.data_dir / "xfnode.db", clock);
  if (!store) return MakeError(store.error().code, (c.data_dir / "xfnode.db").string() + ": " + store.error().message);
  n->m_store = std::move(store).value();
  n->m_store->SetChronology(n->m_calendar, c.counting);
  n->m_blobs = std::make_unique<BlobStore>(c.data_dir / "blobs");

  auto exchange = ExchangeService::Create(c, *n->m_codes, *n->m_store, *n->m_blobs, clock);
  if (!exchange) return MakeError(exchange.error().code, "exchange: " + exchange.error().message);
  n->m_exchange = std::move(exchange).value();

  auto token = ReadToken(c.api_token_file);
  if (!token) return token.error();
  n->m_api = std::make_unique<Api>(
      ApiContext{n->m_config, *n->m_codes, *n->m_store, *n->m_blobs, clock, *token, n->m_exchange.get(),
                 n->m_calendar.get()});

  exchange::HttpServerOptions opts;
  opts.address = c.api_listen;
  opts.port = c.api_port;
  opts.body_limit = c.api_body_limit;
  opts.worker_threads = c.api_workers;
  // Attachments (up to R1's limit) and imported batches stream to files as
  // they arrive; what a crash left there is of no use.
  opts.spool_routes = n->m_api->SpoolRoutes();
  opts.spool_dir = n->m_api->SpoolDir();
  std::filesystem::remove_all(opts.spool_dir, ec);
  std::filesystem::create_directories(opts.spool_dir, ec);
  if (ec) return MakeError(Errc::kIo, "cannot create " + opts.spool_dir.string() + ": " + ec.message());
  Api* api = n->m_api.get();
  // The token before any body; clerks' tools and scripts from one host.
  opts.check_header = [api](const exchange::HttpRequest& h) { return api->CheckHeader(h); };
  opts.max_connections = 512;
  opts.on_problem = [](const std::string& what) {
    Log("error", "本地接口无法处理请求，已答复 503", {{"endpoint", "api"}, {"error", what}});
  };
  n->m_server = std::make_unique<exchange::HttpServer>(
      opts, [api](const exchange::HttpRequest& r) { return api->Handle(r); });
  if (auto s = n->m_server->Start(); !s) return MakeError(s.error().code, "local API: " + s.error().message);

  // Tools and tests find the API here, also when port 0 picked a free one.
  const auto url_file = c.data_dir / "api.url";
  if (auto s = WriteFileAtomically(Env::Default(), url_file, n->ApiUrl() + "\n", 0644); !s) return s.error();
  if (auto s = n->m_exchange->Start(); !s) return s.error();
  Log("info", "本地接口开始监听",
      {{"node", c.node_id}, {"url", n->ApiUrl()}, {"codes", n->m_codes->Version()},
       {"schema_version", std::to_string(Store::LatestSchemaVersion())}});
  return n;
}

std::string Node::ApiUrl() const {
  const std::string host = m_config.api_listen.find(':') != std::string::npos
                               ? "[" + m_config.api_listen + "]" : m_config.api_listen;
  return "http://" + host + ":" + std::to_string(m_server ? m_server->Port() : m_config.api_port);
}

void Node::ReloadKeys(const std::string& why) {
  if (m_exchange) (void)m_exchange->ReloadTrust(why);
}

void Node::Stop() {
  if (m_server) m_server->Stop();
  if (m_exchange) m_exchange->Stop();
}

Node::~Node() { Stop(); }

}  // namespace xf::node
