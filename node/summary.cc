#include "node/summary.h"

#include <map>
#include <memory>

#include <boost/json.hpp>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "schema/validate.h"

namespace xf::node::summary {

namespace json = boost::json;

std::string Make(const conformance::Report& report) { return conformance::ToJson(report); }

conformance::VerifySummary KeyFileVerifier(const NodeConfig& config) {
  auto keys = std::make_shared<std::map<std::string, std::optional<exchange::PublicKey>>>();
  return [config, keys](const std::string& origin, std::string_view bytes,
                        std::string_view signature) -> std::optional<bool> {
    auto it = keys->find(origin);
    if (it == keys->end()) {
      std::optional<exchange::PublicKey> key;
      std::vector<std::filesystem::path> files;
      if (schema::IsNodeId(origin) && !config.key_directory.empty()) {
        files.push_back(config.key_directory / (origin + ".pub"));
      }
      if (config.parent && config.parent->id == origin) files.push_back(config.parent->public_key);
      for (const auto& c : config.children) {
        if (c.id == origin) files.push_back(c.public_key);
      }
      for (const auto& f : files) {
        std::error_code ec;
        if (f.empty() || !std::filesystem::is_regular_file(f, ec)) continue;
        if (auto k = exchange::PublicKey::LoadPem(f)) {
          key = std::move(k).value();
          break;
        }
      }
      it = keys->emplace(origin, std::move(key)).first;
    }
    if (!it->second) return std::nullopt;
    return exchange::VerifyBytes(*it->second, bytes, signature);
  };
}

Result<Header> ParseHeader(std::string_view text) {
  if (text.size() > kMaxBytes) {
    return MakeError(Errc::kLimit, "summary larger than " + std::to_string(kMaxBytes) + " bytes");
  }
  json::parse_options opts;
  opts.max_depth = 16;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) return MakeError(Errc::kInvalidArgument, "summary is not JSON: " + ec.message());
  const auto* o = v.if_object();
  if (o == nullptr) return MakeError(Errc::kInvalidArgument, "summary is not a JSON object");
  Header h;
  const auto* node = o->if_contains("node_id");
  if (node == nullptr || !node->is_string() || !schema::IsNodeId(node->get_string())) {
    return MakeError(Errc::kInvalidArgument, "summary field node_id: missing or not a node id");
  }
  h.node_id = std::string(node->get_string());
  const auto* now = o->if_contains("now");
  std::optional<Instant> at;
  if (now != nullptr && now->is_string()) at = Instant::Parse(now->get_string());
  if (!at) return MakeError(Errc::kInvalidArgument, "summary field now: missing or not a time");
  h.generated = *at;
  // A summary is a whole report (node/conformance.schema.json): one with
  // only node_id and now would replace a real one with nothing.
  struct Member {
    const char* name;
    json::kind kind;
  };
  static constexpr Member kRequired[] = {
      {"code_version", json::kind::string}, {"since", json::kind::string},
      {"until", json::kind::string},        {"bounds", json::kind::object},
      {"weights", json::kind::object},      {"overdue", json::kind::object},
      {"origins", json::kind::array},       {"subtrees", json::kind::array},
      {"rejections", json::kind::array},    {"late_events", json::kind::array},
      {"gaps", json::kind::array},          {"children", json::kind::array},
      {"silent_origins", json::kind::array}, {"repeats_without_initial", json::kind::array},
      {"repeats_resolved_late", json::kind::array}, {"outdated_batches", json::kind::array},
      {"legal_not_directed", json::kind::array}, {"days", json::kind::array},
      {"reported", json::kind::array}};
  std::string missing;
  for (const auto& m : kRequired) {
    const auto* v = o->if_contains(m.name);
    if (v == nullptr || v->kind() != m.kind) missing += std::string(missing.empty() ? "" : ", ") + m.name;
  }
  if (!missing.empty()) {
    return MakeError(Errc::kInvalidArgument,
                     "summary is not a conformance report (node/CONFORMANCE.md): missing or of the wrong type: " +
                         missing + "; an empty summary is not stored");
  }
  return h;
}

Result<SummaryStore> SummaryStore::Open(const std::filesystem::path& db_file) {
  auto db = sql::Db::Open(db_file);
  if (!db) return db.error();
  auto q = db->Prepare("SELECT 1 FROM sqlite_schema WHERE name = 'summaries'", false);
  if (!q) return q.error();
  auto row = q->Step();
  if (!row) return row.error();
  if (!*row) return MakeError(Errc::kInvalidArgument, db_file.string() + " has no summaries table (not migrated)");
  return SummaryStore(std::move(db).value());
}

Result<bool> SummaryStore::Put(const Held& s) {
  auto q = m_db.Prepare(
      "INSERT INTO summaries(origin, generated, json, signature, received_from, stored_at, sent) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0) "
      "ON CONFLICT(origin) DO UPDATE SET generated = excluded.generated, json = excluded.json, "
      "signature = excluded.signature, received_from = excluded.received_from, "
      "stored_at = excluded.stored_at, sent = 0 WHERE excluded.generated > summaries.generated");
  if (!q) return q.error();
  q->Bind(1, s.origin).Bind(2, s.generated.seconds).Bind(3, s.json).BindBlob(4, s.signature)
      .Bind(5, s.received_from).Bind(6, s.stored_at.seconds);
  if (auto r = q->Run(); !r) return r.error();
  return m_db.Changes() > 0;
}

Result<std::vector<Held>> SummaryStore::Query(const std::string& where) {
  auto q = m_db.Prepare(
      "SELECT origin, generated, json, signature, received_from, stored_at, sent FROM summaries " + where, false);
  if (!q) return q.error();
  std::vector<Held> out;
  for (;;) {
    auto row = q->Step();
    if (!row) return row.error();
    if (!*row) break;
    Held h;
    h.origin = q->Text(0);
    h.generated = Instant{q->Int(1)};
    h.json = q->Text(2);
    h.signature = q->Text(3);
    h.received_from = q->Text(4);
    h.stored_at = Instant{q->Int(5)};
    h.sent = q->Int(6) != 0;
    out.push_back(std::move(h));
  }
  return out;
}

Result<std::vector<Held>> SummaryStore::Unsent() { return Query("WHERE sent = 0 ORDER BY stored_at, origin"); }

Result<std::vector<Held>> SummaryStore::All() { return Query("ORDER BY origin"); }

Status SummaryStore::MarkSent(const std::string& origin, Instant generated) {
  auto q = m_db.Prepare("UPDATE summaries SET sent = 1 WHERE origin = ?1 AND generated = ?2", false);
  if (!q) return q.error();
  q->Bind(1, origin).Bind(2, generated.seconds);
  return q->Run();
}

Result<std::optional<Instant>> SummaryStore::LastOwn(const std::string& self) {
  auto q = m_db.Prepare("SELECT generated FROM summaries WHERE origin = ?1", false);
  if (!q) return q.error();
  q->Bind(1, self);
  auto row = q->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<Instant>();
  return std::optional<Instant>(Instant{q->Int(0)});
}

}  // namespace xf::node::summary
