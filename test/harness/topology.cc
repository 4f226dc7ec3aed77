#include "test/harness/topology.h"

#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "exchange/routing.h"
#include "node/config.h"
#include "node/sqlite.h"

namespace xf::test {

namespace json = boost::json;

namespace {

int Depth(const std::string& id) {
  const std::string t = TierOf(id);
  return t == "national" ? 0 : t == "province" ? 1 : t == "city" ? 2 : 3;
}

void Must(const CommandResult& r, const std::string& what) {
  if (r.status != 0)
    throw std::runtime_error(what + " failed (" + std::to_string(r.status) + "): " + r.output);
}

}  // namespace

std::string TierOf(const std::string& id) {
  if (id == "100000") return "national";
  if (id.size() == 6 && id.compare(2, 4, "0000") == 0) return "province";
  if (id.size() == 6 && id.compare(4, 2, "00") == 0) return "city";
  return "county";
}

std::uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot pick a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool WaitUntil(const std::function<bool()>& condition, std::chrono::seconds deadline) {
  const auto until = std::chrono::steady_clock::now() + Patience(deadline);
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

CommandResult Xfctl(const std::vector<std::string>& args) {
  const char* bin = std::getenv("XFCTL");
  // stdout and stderr come back together here: no progress lines among the
  // output (test/integration/progress.sh tests them).
  std::vector<std::string> argv{"env", "XF_PROGRESS=off", bin && *bin ? bin : "xfctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

std::string SampleCase(const std::string& file) {
  auto o =
      json::parse(ReadText(SourceDir() / "test" / "data" / "cases" / "valid" / file)).as_object();
  o.erase("registering_body");
  o.erase("attachments");
  return json::serialize(o);
}

std::vector<Row> Query(const std::filesystem::path& node_dir, const std::string& sql,
                       const std::vector<std::string>& params) {
  auto db = node::sql::Db::OpenReadOnly(node_dir / "data" / "xfnode.db");
  if (!db) throw std::runtime_error(db.error().message);
  auto st = db->Prepare(sql, false);
  if (!st) throw std::runtime_error(st.error().message);
  for (std::size_t i = 0; i < params.size(); ++i) st->Bind(static_cast<int>(i + 1), params[i]);
  const int columns = sqlite3_column_count(st->get());
  std::vector<Row> rows;
  for (;;) {
    auto more = st->Step();
    if (!more) throw std::runtime_error(more.error().message);
    if (!*more) break;
    Row row;
    for (int c = 0; c < columns; ++c) row.push_back(st->Text(c));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string QueryOne(const std::filesystem::path& node_dir, const std::string& sql,
                     const std::vector<std::string>& params) {
  const auto rows = Query(node_dir, sql, params);
  return rows.empty() || rows[0].empty() ? std::string() : rows[0][0];
}

// ---- Topology ----------------------------------------------------------------

Topology::Topology(std::vector<std::string> ids, TopologyOptions options)
    : m_ids(std::move(ids)), m_options(std::move(options)) {
  if (m_options.directory_root) {
    Must(Xfctl({"directory", "keygen", "--out", RootKeyDir().string()}), "xfctl directory keygen");
  }
  // Exchange ports are fixed before start (peers need each other's URL).
  std::set<std::uint16_t> ports;
  for (const auto& id : m_ids) {
    Member m;
    m.id = id;
    do {
      m.exchange_port = FreePort();
    } while (!ports.insert(m.exchange_port).second);
    std::vector<std::string> init{"--exchange-port", std::to_string(m.exchange_port), "--interval",
                                  std::to_string(m_options.interval_seconds)};
    if (m_options.directory_root) {
      init.push_back("--root-key");
      init.push_back((RootKeyDir() / "root.pub").string());
    }
    m.process = std::make_unique<NodeProcess>(m_root.Path() / id, id, TierOf(id), init);
    // exchange.retry_max: not an init option; set in the file init wrote.
    const auto config = m_root.Path() / id / "xfnode.yaml";
    if (auto s = node::SetConfigValue(config, "exchange.retry_max", std::to_string(m_options.retry_max_seconds)); !s)
      throw std::runtime_error(s.error().message);
    m_members.emplace(id, std::move(m));
  }
  for (const auto& id : m_ids) {
    const auto parent = ParentOf(id);
    if (!parent) continue;
    const bool pull = m_options.pull.count(id) > 0;
    const bool offline = m_options.offline.count(id) > 0;
    auto wire = [&](const std::string& on, const std::string& role, const std::string& peer) {
      std::vector<std::string> args{"peer",   "add",
                                    "--node", Dir(on).string(),
                                    "--as",   role,
                                    "--id",   peer,
                                    "--key",  (Dir(peer) / "keys" / "signing.pub").string(),
                                    "--cert", (Dir(peer) / "keys" / "tls.crt").string()};
      // A pull child has no URL its parent could reach (a one-way gateway).
      if (!offline && !(pull && role == "child")) {
        args.push_back("--url");
        args.push_back(ExchangeUrl(peer));
      }
      if (pull) args.push_back("--pull");
      Must(Xfctl(args), "xfctl peer add (" + on + " " + role + " " + peer + ")");
    };
    wire(id, "parent", *parent);
    wire(*parent, "child", id);
  }
  // Every node verifies batches of every other: relays and the root check
  // the origins below them, nodes on a down path the origins above.
  for (const auto& on : m_ids) {
    for (const auto& other : m_ids) {
      if (on == other) continue;
      Must(Xfctl({"keys", "add", other, (Dir(other) / "keys" / "signing.pub").string(), "--node",
                  Dir(on).string()}),
           "xfctl keys add " + other + " on " + on);
    }
  }
}

Topology::~Topology() {
  for (auto& [id, m] : m_members) m.process->Kill();
}

Topology::Member& Topology::Get(const std::string& id) {
  const auto it = m_members.find(id);
  if (it == m_members.end()) throw std::runtime_error("no node " + id + " in this topology");
  return it->second;
}

const Topology::Member& Topology::Get(const std::string& id) const {
  const auto it = m_members.find(id);
  if (it == m_members.end()) throw std::runtime_error("no node " + id + " in this topology");
  return it->second;
}

NodeProcess& Topology::Node(const std::string& id) { return *Get(id).process; }

std::filesystem::path Topology::Dir(const std::string& id) const {
  Get(id);
  return m_root.Path() / id;
}

std::string Topology::ExchangeUrl(const std::string& id) const {
  return "https://127.0.0.1:" + std::to_string(Get(id).exchange_port);
}

std::optional<std::string> Topology::ParentOf(const std::string& id) const {
  std::optional<std::string> best;
  for (const auto& other : m_ids) {
    if (other == id || !exchange::InSubtree(other, id)) continue;
    if (!best || Depth(other) > Depth(*best)) best = other;
  }
  return best;
}

bool Topology::Start(const std::string& id) {
  auto& node = Node(id);
  const auto url_file = Dir(id) / "data" / "exchange.url";
  std::error_code ec;
  std::filesystem::remove(url_file, ec);
  if (!node.Start()) return false;
  // The exchange endpoint starts after the API: wait for its URL file too.
  return WaitUntil([&] { return !node.Running() || std::filesystem::exists(url_file, ec); },
                   std::chrono::seconds(30)) &&
         node.Running();
}

bool Topology::StartAll() {
  for (const auto& id : m_ids) {
    if (!Start(id)) return false;
  }
  return true;
}

void Topology::Kill(const std::string& id) { Node(id).Kill(); }

int Topology::Stop(const std::string& id) { return Node(id).Stop(); }

json::object Topology::Status(const std::string& id) {
  auto r = Node(id).Call("GET", "/v1/status");
  if (!r || r->status != 200) return {};
  boost::system::error_code ec;
  auto v = json::parse(r->body, ec);
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

std::string Topology::RegisterCase(const std::string& id, const std::string& body,
                                   std::string* error) {
  auto r = Node(id).Call("POST", "/v1/cases", body);
  if (!r || r->status != 201) {
    if (error) *error = r ? std::to_string(r->status) + " " + r->body : r.error().message;
    return "";
  }
  return std::string(json::parse(r->body).at("case_id").as_string());
}

int Topology::PostEvent(const std::string& id, const std::string& case_id, const std::string& body,
                        std::string* answer) {
  auto r = Node(id).Call("POST", "/v1/cases/" + case_id + "/events", body);
  if (!r) {
    if (answer) *answer = r.error().message;
    return 0;
  }
  if (answer) *answer = r->body;
  return r->status;
}

bool Topology::HasCase(const std::string& id, const std::string& case_id) {
  auto r = Node(id).Call("GET", "/v1/cases/" + case_id);
  return r && r->status == 200;
}

bool Topology::WaitForCase(const std::string& id, const std::string& case_id, std::size_t events,
                           std::chrono::seconds deadline) {
  return WaitUntil([&] { return CaseEventCount(id, case_id) == events; }, deadline);
}

std::map<std::string, std::string> Topology::CaseEventXml(const std::string& id,
                                                          const std::string& case_id) const {
  std::map<std::string, std::string> out;
  for (auto& row : Query(Dir(id), "SELECT origin || ':' || seq, xml FROM events WHERE case_id = ?1",
                         {case_id})) {
    out[row[0]] = std::move(row[1]);
  }
  return out;
}

std::size_t Topology::CaseEventCount(const std::string& id, const std::string& case_id) {
  auto r = Node(id).Call("GET", "/v1/cases/" + case_id);
  if (!r || r->status != 200) return 0;
  return json::parse(r->body).at("events").as_array().size();
}

std::uint64_t Topology::LastSeq(const std::string& id, const std::string& origin) {
  const auto s = Status(id);
  const auto* origins = s.if_contains("origins");
  if (!origins || !origins->is_array()) return 0;
  for (const auto& o : origins->as_array()) {
    if (o.at("origin").as_string() == origin)
      return static_cast<std::uint64_t>(o.at("last_seq").to_number<std::int64_t>());
  }
  return 0;
}

std::int64_t Topology::PendingOut(const std::string& id) {
  const auto s = Status(id);
  const auto* x = s.if_contains("exchange");
  if (!x) return -1;
  std::int64_t pending = 0;
  for (const auto& l : x->at("links").as_array())
    pending += l.at("pending").to_number<std::int64_t>();
  return pending;
}

std::size_t Topology::GapCount(const std::string& id) {
  const auto s = Status(id);
  const auto* x = s.if_contains("exchange");
  return x ? x->at("gaps").as_array().size() : 0;
}

}  // namespace xf::test
