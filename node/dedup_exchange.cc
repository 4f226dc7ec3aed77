#include "node/dedup_exchange.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "codes/env.h"
#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/routing.h"
#include "node/node.h"

namespace xf::node {

namespace json = boost::json;
using exchange::HttpRequest;
using exchange::HttpResponse;

namespace {

constexpr const char* kKeyFile = "dedup.key";
constexpr std::size_t kArrivalsPerPass = 500;
constexpr std::size_t kBlindPerTransaction = 2000;
constexpr std::size_t kNoticeCandidates = 10;  // schema's bound on one notice

HttpResponse Answer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse Problem(int status, const std::string& message) {
  json::object o;
  o["error"] = exchange::HttpReason(status);
  o["message"] = message;
  return Answer(status, json::serialize(o));
}

std::string Score(double s) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%.2f", std::clamp(s, 0.0, 1.0));
  return buf;
}

// Which child's subtree holds `node` ("" for this node itself or elsewhere).
std::string Branch(const std::vector<PeerConfig>& children, const std::string& node) {
  for (const auto& c : children) {
    if (c.id == node || exchange::InSubtree(c.id, node)) return c.id;
  }
  return "";
}

void MergeAnswer(dedup::wire::Answer& into, dedup::wire::Answer from) {
  for (auto& s : from.searched) into.searched.push_back(std::move(s));
  for (auto& u : from.unreachable) into.unreachable.push_back(std::move(u));
  for (auto& [k, v] : from.why) into.why[k] = std::move(v);
  for (auto& c : from.candidates) into.candidates.push_back(std::move(c));
  for (auto& c : from.cases) into.cases.push_back(std::move(c));
}

}  // namespace

DedupExchange::DedupExchange(const NodeConfig& config, Store& store, const Clock& clock, ClientFor client_for,
                             std::function<void()> kick, PublicKeysOf keys_of)
    : m_config(config),
      m_store(store),
      m_clock(clock),
      m_client_for(std::move(client_for)),
      m_kick(std::move(kick)),
      m_keys_of(std::move(keys_of)) {}

DedupExchange::~DedupExchange() { Stop(); }

std::shared_ptr<const dedup::BlindKey> DedupExchange::Key() const {
  std::lock_guard lock(m_mutex);
  return m_key;
}

DedupExchange::KeyState DedupExchange::KeyStatus() const {
  std::lock_guard lock(m_mutex);
  return m_key_state;
}

Status DedupExchange::UseKey(dedup::wire::KeyDocument doc, bool verified, const std::string& bytes) {
  auto key = dedup::BlindKey::Make(doc.secret, doc.key_id);
  const std::string secret_sha = exchange::Sha256Hex(doc.secret);
  std::fill(doc.secret.begin(), doc.secret.end(), '\0');
  if (!key) return key.error();
  if (!bytes.empty()) {
    // Written whole, fsynced, then renamed: readable by the service only (like the database).
    std::string text = bytes;
    if (text.back() != '\n') text.push_back('\n');
    auto s = WriteFileAtomically(Env::Default(), m_config.data_dir / kKeyFile, text, 0600);
    std::fill(text.begin(), text.end(), '\0');
    if (!s) return s;
  }
  if (auto s = m_store.SetBlindKey(*key); !s) return s;
  std::lock_guard lock(m_mutex);
  m_key = std::move(key).value();
  m_secret_sha = secret_sha;
  m_key_state.key_id = doc.key_id;
  m_key_state.signer = doc.signer;
  m_key_state.verified = verified;
  return {};
}

Result<std::string> DedupExchange::ReadKeyFile() const {
  const auto file = m_config.data_dir / kKeyFile;
  std::ifstream in(file, std::ios::binary);
  if (!in) return MakeError(Errc::kNotFound, "no " + file.string());
  // Bounded: one byte more than a document may have, so the parser says it is too large.
  std::string text(dedup::wire::kMaxKeyDocument + 2, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

Status DedupExchange::LoadOrMakeKey() {
  const auto file = m_config.data_dir / kKeyFile;
  auto text = ReadKeyFile();
  if (text) {
    auto parsed = dedup::wire::ParseKeyDocument(*text);
    std::fill(text->begin(), text->end(), '\0');
    if (!parsed) return MakeError(parsed.error().code, file.string() + ": " + parsed.error().message);
    if (m_config.parent) {
      // Verified before it was written (or kept from before, unsigned): the
      // worker asks the parent again at once and verifies what it serves.
      if (!parsed->Signed()) {
        Log("warn", "判重系统密钥未经签名（升级前取得），继续使用，直至上级提供经国家信访局签名的密钥",
            {{"event", "dedup_key.unsigned"}, {"key_id", parsed->key_id}, {"parent", m_config.parent->id}});
      }
      return UseKey(std::move(parsed).value(), false, "");
    }
    // The top: a document not signed here with this node's signing key
    // (from before, or signed with a key since rotated) is signed again —
    // the same key and id, so nothing is indexed again.
    auto own = exchange::PrivateKey::LoadPem(m_config.signing_key);
    if (!own) return MakeError(own.error().code, "the signing key for the system key: " + own.error().message);
    if (IsSignedWith(*parsed, m_config.node_id, own->Public())) return UseKey(std::move(parsed).value(), true, "");
    auto signed_doc = SignKeyDocument(parsed->key_id, parsed->secret, m_config.node_id, *own);
    if (!signed_doc) return signed_doc.error();
    Log("info", "已为本节点的判重系统密钥签名（同一密钥，无需重建索引）",
        {{"event", "dedup_key.signed"}, {"key_id", parsed->key_id}, {"was", parsed->Signed() ? "signed by " + parsed->signer : "unsigned"}});
    auto reparsed = dedup::wire::ParseKeyDocument(*signed_doc);
    if (!reparsed) return reparsed.error();
    std::fill(parsed->secret.begin(), parsed->secret.end(), '\0');
    auto s = UseKey(std::move(reparsed).value(), true, *signed_doc);
    std::fill(signed_doc->begin(), signed_doc->end(), '\0');
    return s;
  }
  if (m_config.parent) return {};  // fetched from the parent by the worker
  // The national bureau (or a node that has no parent): the system key is made and signed here.
  auto own = exchange::PrivateKey::LoadPem(m_config.signing_key);
  if (!own) return MakeError(own.error().code, "the signing key for the system key: " + own.error().message);
  std::string secret(dedup::BlindKey::kBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size())) != 1) {
    return MakeError(Errc::kInternal, "no random bytes for the system key");
  }
  const Date today = m_clock.Now().ToDate();
  char id[64];
  std::snprintf(id, sizeof id, "%s-%04d%02d%02d", m_config.node_id.c_str(), today.year, today.month, today.day);
  auto signed_doc = SignKeyDocument(id, secret, m_config.node_id, *own);
  std::fill(secret.begin(), secret.end(), '\0');
  if (!signed_doc) return signed_doc.error();
  auto doc = dedup::wire::ParseKeyDocument(*signed_doc);
  if (!doc) return doc.error();
  Log("info", "已生成判重系统密钥并签名", {{"event", "dedup_key.made"}, {"key_id", id}, {"signer", m_config.node_id}});
  auto s = UseKey(std::move(doc).value(), true, *signed_doc);
  std::fill(signed_doc->begin(), signed_doc->end(), '\0');
  return s;
}

void DedupExchange::Refuse(const KeyVerdict& v) {
  const auto now = std::chrono::steady_clock::now();
  std::string held;
  bool again = false;
  {
    std::lock_guard lock(m_mutex);
    auto& st = m_key_state;
    held = st.key_id;
    again = st.refused_reason == KeyRefusalCode(*v.refused) && st.refused_key_id == v.doc.key_id &&
            st.refused_signer == v.doc.signer && now - m_refusal_logged < std::chrono::hours(1);
    st.refused_reason = KeyRefusalCode(*v.refused);
    st.refused_words = KeyRefusalWords(*v.refused);
    st.refused_detail = v.detail;
    st.refused_key_id = v.doc.key_id;
    st.refused_signer = v.doc.signer;
    st.refused_at = m_clock.Now().ToString();
    ++st.refusals;
    if (!again) m_refusal_logged = now;
  }
  if (again) return;  // the same refusal: logged once an hour
  Log("warn",
      std::string("拒绝上级提供的判重系统密钥：") + KeyRefusalWords(*v.refused) +
          (held.empty() ? "；本节点尚无判重系统密钥，稍后再向上级索取" : "；继续使用原有密钥 " + held + "，稍后再向上级索取"),
      {{"event", "dedup_key.refused"},
       {"reason", KeyRefusalCode(*v.refused)},
       {"detail", v.detail},
       {"parent", m_config.parent ? m_config.parent->id : ""},
       {"key_id", v.doc.key_id},
       {"signer", v.doc.signer},
       {"kept", held}});
}

Status DedupExchange::FetchKey() {
  if (!m_config.parent || m_config.parent->url.empty()) return {};
  auto opts = m_client_for(*m_config.parent);
  opts.timeout = std::chrono::milliseconds(5000);
  opts.body_limit = dedup::wire::kMaxKeyDocument + 64;
  auto r = exchange::HttpCall("GET", m_config.parent->url + "/v1/exchange/dedup/key", {}, "", opts);
  if (!r) return r.error();
  if (r->status != 200) {
    return MakeError(Errc::kUnavailable, "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200));
  }
  std::string body = std::move(r->body);
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  KeyVerdict v = VerifyKeyDocument(body, m_keys_of);
  auto wipe = [&] {
    std::fill(body.begin(), body.end(), '\0');
    std::fill(v.doc.secret.begin(), v.doc.secret.end(), '\0');
  };
  const auto held = Key();
  // The same key as held (its id and bytes): a blind index made with it stays.
  bool same = false;
  {
    std::lock_guard lock(m_mutex);
    same = m_key && m_key->Id() == v.doc.key_id && !v.doc.secret.empty() &&
           m_secret_sha == exchange::Sha256Hex(v.doc.secret);
  }
  if (!v.Verified()) {
    // A parent not upgraded yet serves the unsigned key this node holds
    // from before: nothing to refuse, nothing to change.
    const bool legacy_same = *v.refused == KeyRefusal::kUnsigned && same && KeyStatus().signer.empty();
    if (!legacy_same) Refuse(v);
    wipe();
    return MakeError(Errc::kPermission, v.detail);
  }
  const bool was_signed = !KeyStatus().signer.empty();
  Status s;
  if (same) {
    // Kept as the parent serves it now (a signed document for an unsigned
    // one of before, or another signature over the same key).
    const auto on_disk = ReadKeyFile();
    if (!on_disk || *on_disk != body) s = UseKey(v.doc, true, body);
    if (s && !was_signed) {
      Log("info", "判重系统密钥已经国家信访局签名并验证（同一密钥）",
          {{"event", "dedup_key.verified"}, {"key_id", v.doc.key_id}, {"signer", v.doc.signer}, {"parent", m_config.parent->id}});
    }
  } else {
    Log("info", "已从上级取得判重系统密钥，国家信访局签名验证通过",
        {{"event", "dedup_key.verified"},
         {"key_id", v.doc.key_id},
         {"signer", v.doc.signer},
         {"parent", m_config.parent->id},
         {"replaces", held ? held->Id() : ""}});
    s = UseKey(v.doc, true, body);
  }
  wipe();
  if (!s) return s;
  std::lock_guard lock(m_mutex);
  m_key_state.checked_at = m_clock.Now().ToString();
  m_key_state.verified = true;
  m_key_state.refused_reason.clear();
  m_key_state.refused_words.clear();
  m_key_state.refused_detail.clear();
  m_key_state.refused_key_id.clear();
  m_key_state.refused_signer.clear();
  m_key_state.refused_at.clear();
  return {};
}

Status DedupExchange::Start() {
  if (auto s = LoadOrMakeKey(); !s) return s;
  m_worker = std::thread([this] { Loop(); });
  return {};
}

void DedupExchange::Stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_worker.joinable()) m_worker.join();
}

void DedupExchange::Wake() {
  {
    std::lock_guard lock(m_mutex);
    m_woken = true;
  }
  m_wake.notify_all();
}

void DedupExchange::Loop() {
  for (;;) {
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait_for(lock, std::chrono::seconds(1), [this] { return m_stopping || m_woken; });
      if (m_stopping) return;
      m_woken = false;
    }
    auto n = RunOnce();
    if (!n) Log("warn", "到达信访件的判重检查失败，稍后重试", {{"error", n.error().message}});
  }
}

Result<std::size_t> DedupExchange::RunOnce() {
  std::lock_guard run(m_run_mutex);
  if (m_config.parent && !m_config.parent->url.empty()) {
    // The key from the parent: when none is held (every pass), at start,
    // when a question was answered 409, and every kKeyRecheck.
    const auto now = std::chrono::steady_clock::now();
    bool due = false;
    {
      std::lock_guard lock(m_mutex);
      // Without a key, every pass asks (a pass is woken as cases arrive:
      // the first check of arrivals waits for the key) — unless the parent
      // served one that was refused: then kKeyRetryRefused.
      due = now >= m_next_key_check || (!m_key && !m_key_refused);
      if (due) m_last_key_fetch = now;
    }
    if (due) {
      auto s = FetchKey();
      std::chrono::steady_clock::duration next = kKeyRecheck;
      if (!s && s.error().code == Errc::kPermission) {
        next = kKeyRetryRefused;
      } else if (!s) {
        next = Key() ? std::chrono::steady_clock::duration(kKeyRetryUnreachable) : std::chrono::seconds(1);
      }
      std::lock_guard lock(m_mutex);
      m_next_key_check = now + next;
      m_key_refused = !s && s.error().code == Errc::kPermission;
    }
  }
  if (m_config.children.empty()) return std::size_t{0};
  // The blind index first (the levels below ask with it), a chunk per
  // transaction; it needs the system key. The check of arrivals does not
  // (it reads this node's own index): it never waits for the key.
  while (Key()) {
    auto n = m_store.IndexBlindPending(kBlindPerTransaction);
    if (!n) return n.error();
    if (*n == 0 || m_stopping) break;
  }
  return CheckArrivals();
}

Result<std::size_t> DedupExchange::CheckArrivals() {
  auto checked = m_store.CheckedUpto();
  if (!checked) return checked.error();
  if (*checked < 0) {
    // Not marked by migration 16 (a database that lost the row): what is
    // held now is not checked again.
    auto newest = m_store.NewestIndexed();
    if (!newest) return newest.error();
    if (auto s = m_store.SetCheckedUpto(*newest); !s) return s.error();
    *checked = *newest;
  }
  std::size_t notices = 0;
  for (;;) {
    auto arrivals = m_store.ArrivalsAfter(*checked, kArrivalsPerPass);
    if (!arrivals) return arrivals.error();
    if (arrivals->empty()) break;
    // A pass is one transaction (Store::AppendNotices): its notices and where
    // the check stands, so a crash redoes the whole pass and nothing twice.
    // Per case: the cases this level has named on it (held, and this pass's).
    std::map<std::string, std::set<std::string>> named;
    std::map<std::string, std::vector<schema::DuplicateFinding>> pending;
    auto add = [&](const std::string& case_id, schema::DuplicateFinding f) -> Status {
      auto it = named.find(case_id);
      if (it == named.end()) {
        auto held = m_store.NoticesOf(case_id);
        if (!held) return held.error();
        std::set<std::string> ids;
        for (const auto& n : *held) {
          if (n.notice.found_by != m_config.node_id) continue;
          for (const auto& c : n.notice.candidates) ids.insert(c.case_id);
        }
        it = named.emplace(case_id, std::move(ids)).first;
      }
      if (it->second.insert(f.case_id).second) pending[case_id].push_back(std::move(f));
      return {};
    };
    auto finding = [&](const std::string& case_id, const std::string& node, Date received,
                       const dedup::Match& m) -> Result<schema::DuplicateFinding> {
      schema::DuplicateFinding f;
      f.case_id = case_id;
      f.node = node;
      f.received_date = received;
      auto status = m_store.StatusOf(case_id);
      if (!status) return status.error();
      f.status = *status;
      f.score = Score(m.score);
      f.decision = m.decision == dedup::Decision::kDuplicate ? schema::DuplicateFinding::Decision::kDuplicate
                                                             : schema::DuplicateFinding::Decision::kPossible;
      for (std::size_t i = 0; i < m.reasons.size() && i < 16; ++i) f.reasons.push_back(m.reasons[i]);
      return f;
    };
    for (const auto& a : *arrivals) {
      if (m_stopping) return notices;  // nothing of this pass stored: redone next time
      // This level's to find: registered under another child (or here);
      // the others are not ranked at all (the child below holds both).
      const std::string branch = Branch(m_config.children, a.features.node);
      auto found = m_store.FindFeatures(a.features, kNoticeCandidates, [&](const std::string& node) {
        return node != a.features.node && (branch.empty() || Branch(m_config.children, node) != branch);
      });
      if (!found) return found.error();
      for (const auto& c : *found) {
        auto f = finding(c.case_id, c.node, c.received_date, c.match);
        if (!f) return f.error();
        if (auto s = add(a.features.case_id, std::move(f).value()); !s) return s.error();
        // And the other way round, on the case found.
        auto back = finding(a.features.case_id, a.features.node, a.features.received_date, c.match);
        if (!back) return back.error();
        if (auto s = add(c.case_id, std::move(back).value()); !s) return s.error();
      }
    }
    // One notice per case and pass (split at the schema's bound), best first.
    std::vector<schema::Event> events;
    for (auto& [case_id, findings] : pending) {
      std::stable_sort(findings.begin(), findings.end(),
                       [](const schema::DuplicateFinding& x, const schema::DuplicateFinding& y) { return x.score > y.score; });
      for (std::size_t i = 0; i < findings.size(); i += kNoticeCandidates) {
        schema::Event e;
        e.case_id = case_id;
        e.kind = schema::EventKind::kDuplicateNotice;
        e.actor = "判重";
        schema::DuplicateNotice body;
        body.found_by = m_config.node_id;
        const auto last = std::min(findings.size(), i + kNoticeCandidates);
        body.candidates.assign(std::make_move_iterator(findings.begin() + static_cast<std::ptrdiff_t>(i)),
                               std::make_move_iterator(findings.begin() + static_cast<std::ptrdiff_t>(last)));
        e.body = std::move(body);
        events.push_back(std::move(e));
      }
    }
    std::size_t left_out = 0;
    auto stored = m_store.AppendNotices(std::move(events), m_config.node_id, arrivals->back().id, &left_out);
    if (!stored) return stored.error();
    if (left_out > 0) {
      Log("warn", "部分判重提示未记录：信访件不在本节点或其办理经过不允许（R7）",
          {{"left_out", std::to_string(left_out)}, {"rule", "R7"}});
    }
    notices += *stored;
    *checked = arrivals->back().id;
  }
  if (notices > 0) {
    Log("info", "已为到达的信访件记录判重提示", {{"notices", std::to_string(notices)}});
    if (m_kick) m_kick();
  }
  return notices;
}

dedup::wire::Answer DedupExchange::AskUp(dedup::wire::Question q, std::chrono::milliseconds budget, int hops) {
  dedup::wire::Answer out;
  out.node = m_config.node_id;
  if (!m_config.parent || hops < 1) return out;
  const std::string& parent = m_config.parent->id;
  auto unreachable = [&](const std::string& why) {
    out.unreachable.push_back(parent);
    out.why[parent] = why;
    return out;
  };
  const auto key = Key();
  if (!key) return unreachable("this node has no system key yet (判重系统密钥): it comes from the parent");
  if (m_config.parent->url.empty()) return unreachable("the parent is linked by files only: no question can be sent");
  if (budget <= kMargin) return unreachable("no time left to ask");
  q.key_id = key->Id();
  q.exclude = m_config.node_id;
  auto opts = m_client_for(*m_config.parent);
  opts.timeout = budget;
  opts.body_limit = dedup::wire::Limits{}.max_bytes;
  auto r = exchange::HttpCall("POST", m_config.parent->url + "/v1/exchange/dedup/question",
                              {{"content-type", "application/json"},
                               {dedup_header::kHops, std::to_string(hops - 1)},
                               {dedup_header::kBudgetMs, std::to_string((budget - kMargin).count())}},
                              dedup::wire::QuestionJson(q), opts);
  if (!r) return unreachable(r.error().message);
  if (r->status == 409) {
    // The parent holds another key: the worker asks for it now (and verifies it).
    {
      std::lock_guard lock(m_mutex);
      const auto soonest = m_last_key_fetch + kKeyRefetchAfter409;
      if (m_next_key_check > soonest) m_next_key_check = soonest;
      m_woken = true;
    }
    m_wake.notify_all();
  }
  if (r->status != 200) return unreachable("HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200));
  auto a = dedup::wire::ParseAnswer(r->body);
  if (!a) return unreachable("the answer does not parse: " + a.error().message);
  if (a->node != parent) return unreachable("the answer is of " + a->node + ", not of the parent");
  MergeAnswer(out, std::move(a).value());
  out.node = parent;  // the level that answered (for itself and those above it)
  return out;
}

HttpResponse DedupExchange::Handle(const HttpRequest& request, const std::string& from_peer) {
  const bool from_child = std::any_of(m_config.children.begin(), m_config.children.end(),
                                      [&](const PeerConfig& c) { return c.id == from_peer; });
  if (!from_child) return Problem(403, "duplicate questions come from below: " + from_peer + " is not a child of this node");
  const std::string path = request.target.substr(0, request.target.find('?'));
  if (path == "/v1/exchange/dedup/key") {
    if (request.method != "GET") return Problem(405, "use GET for the system key");
    // The document as this node holds it, byte for byte (as the national
    // bureau signed it): a child verifies it and keeps it for its questions
    // and its blind index.
    auto text = Key() ? ReadKeyFile() : Result<std::string>(MakeError(Errc::kNotFound, "no key"));
    if (!text) return Problem(503, "this node has no system key yet (判重系统密钥); ask again later");
    auto r = Answer(200, *text + "\n");
    std::fill(text->begin(), text->end(), '\0');
    return r;
  }
  if (path == "/v1/exchange/dedup/question") {
    if (request.method != "POST") return Problem(405, "use POST to ask a duplicate question");
    return HandleQuestion(request, from_peer);
  }
  return Problem(404, "no such duplicate endpoint");
}

HttpResponse DedupExchange::HandleQuestion(const HttpRequest& request, const std::string& from_peer) {
  const auto started = std::chrono::steady_clock::now();
  auto q = dedup::wire::ParseQuestion(request.body);
  if (!q) return Problem(q.error().code == Errc::kLimit ? 413 : 400, q.error().message);
  if (q->exclude != from_peer && !exchange::InSubtree(from_peer, q->exclude)) {
    return Problem(403, "child " + from_peer + " may not ask for '" + q->exclude + "', which is outside its subtree");
  }
  const auto key = Key();
  if (!key) return Problem(503, "this node has no system key yet (判重系统密钥)");
  if (q->key_id != key->Id()) {
    return Problem(409, "the question is made with system key '" + q->key_id + "'; this node holds '" + key->Id() +
                            "' (fetch it again: GET /v1/exchange/dedup/key)");
  }
  int hops = 0;
  long budget_ms = 0;
  try {
    hops = std::clamp(std::stoi(exchange::HeaderOf(request, dedup_header::kHops)), 0, kDefaultHops);
    budget_ms = std::clamp(std::stol(exchange::HeaderOf(request, dedup_header::kBudgetMs)), 0L, 10000L);
  } catch (const std::exception&) {
    return Problem(400, std::string("missing or malformed ") + dedup_header::kHops + " or " + dedup_header::kBudgetMs);
  }
  dedup::wire::Answer out;
  out.node = m_config.node_id;
  out.searched.push_back(m_config.node_id);
  if (q->kind == dedup::wire::Kind::kCheck) {
    auto found = m_store.FindBlind(*q, *key);
    if (!found) return Problem(503, "duplicate search failed: " + found.error().message);
    for (auto& f : *found) {
      dedup::wire::Candidate c;
      c.case_id = f.candidate.case_id;
      c.node = f.candidate.node;
      c.received_date = f.candidate.received_date.ToString();
      c.status = f.status;
      c.score = std::round(f.candidate.match.score * 100) / 100;
      c.decision = dedup::DecisionName(f.candidate.match.decision);
      c.reasons = f.candidate.match.reasons;
      c.found_by = m_config.node_id;
      if (c.reasons.size() > dedup::wire::Limits{}.max_reasons) c.reasons.resize(dedup::wire::Limits{}.max_reasons);
      out.candidates.push_back(std::move(c));
    }
  } else {
    auto cases = m_store.CasesOfBlindId(q->id, *key, q->exclude, q->limit);
    if (!cases) return Problem(503, "timeline search failed: " + cases.error().message);
    const Date today = m_clock.Now().ToDate();
    for (const auto& pc : *cases) {
      dedup::wire::TimelineEntry t;
      t.case_id = pc.case_id;
      t.node = pc.node;
      t.received_date = pc.received_date.ToString();
      boost::system::error_code ec;
      const json::value v = json::parse(pc.state_json, ec);
      if (!ec && v.is_object()) {
        const auto& s = v.as_object();
        auto str = [&](const char* k) {
          const auto* x = s.if_contains(k);
          return x && x->is_string() ? std::string(x->as_string()) : std::string();
        };
        t.status = str("status");
        t.due_date = str("due_date");
        t.accepted_at = str("accepted_at");
        t.closed_at = str("closed_at");
        t.updated_at = str("updated_at");
        const auto due = Date::Parse(t.due_date);
        t.overdue = due && *due < today && t.closed_at.empty();
      }
      out.cases.push_back(std::move(t));
    }
  }
  // Then the levels above, with the time that is left.
  const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  const auto left = std::chrono::milliseconds(budget_ms) - spent;
  if (m_config.parent && hops >= 1) MergeAnswer(out, AskUp(*q, left, hops));
  auto& cands = out.candidates;
  std::stable_sort(cands.begin(), cands.end(),
                   [](const dedup::wire::Candidate& a, const dedup::wire::Candidate& b) { return a.score > b.score; });
  if (cands.size() > q->limit) cands.resize(q->limit);
  if (out.cases.size() > q->limit) out.cases.resize(q->limit);
  return Answer(200, dedup::wire::AnswerJson(out));
}

}  // namespace xf::node
