#include "node/summary_exchange.h"

#include <boost/json.hpp>

#include "exchange/batch.h"
#include "exchange/routing.h"
#include "node/conformance.h"
#include "node/node.h"

namespace xf::node {

namespace json = boost::json;
using exchange::HttpRequest;
using exchange::HttpResponse;

namespace {

using exchange::header::kOrigin;
using exchange::header::kSignature;

HttpResponse Answer(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  json::object o;
  if (status == 200) {
    o["stored"] = message == "stored";
  } else {
    o["error"] = exchange::HttpReason(status);
    o["message"] = message;
  }
  r.body = json::serialize(o);
  return r;
}

}  // namespace

SummaryExchange::SummaryExchange(const NodeConfig& config, const codes::CodeBook& codes, const Clock& clock,
                                 const exchange::PrivateKey& key, FindKey find_key, ClientFor client_for,
                                 summary::SummaryStore store)
    : m_config(config), m_codes(codes), m_clock(clock), m_key(key), m_find_key(std::move(find_key)),
      m_client_for(std::move(client_for)), m_store(std::move(store)) {}

HttpResponse SummaryExchange::Handle(const HttpRequest& request, const std::string& from_peer) {
  if (request.method != "POST") return Answer(405, "use POST to send a summary");
  bool from_child = false;
  for (const auto& c : m_config.children) from_child = from_child || c.id == from_peer;
  if (!from_child) return Answer(403, "summaries go up: " + from_peer + " is not a child of this node");
  const std::string origin = exchange::HeaderOf(request, kOrigin);
  if (!exchange::InSubtree(from_peer, origin)) {
    return Answer(403, "child " + from_peer + " may not send the summary of '" + origin +
                           "', which is outside its subtree");
  }
  const auto keys = m_find_key(origin);
  if (keys.empty()) return Answer(403, "no public key is known here for origin '" + origin + "'");
  auto sig = exchange::Base64Decode(exchange::HeaderOf(request, kSignature));
  if (!sig) return Answer(400, "missing or malformed X-Xf-Signature");
  if (request.body.size() > summary::kMaxBytes) return Answer(413, "summary larger than the limit");
  bool verified = false;
  for (const auto& key : keys) verified = verified || exchange::VerifyBytes(*key, request.body, *sig);
  if (!verified) {
    return Answer(403, "the summary's signature does not verify with the key of " + origin);
  }
  auto header = summary::ParseHeader(request.body);
  if (!header) return Answer(400, header.error().message);
  if (header->node_id != origin) {
    return Answer(403, "the summary is of " + header->node_id + " but was signed as " + origin);
  }
  const Instant now = m_clock.Now();
  if (header->generated.seconds > now.seconds + 3600) {
    return Answer(400, "summary field now: " + header->generated.ToString() + " is in the future");
  }
  summary::Held s;
  s.origin = origin;
  s.generated = header->generated;
  s.json = request.body;
  s.signature = std::move(sig).value();
  s.received_from = from_peer;
  s.stored_at = now;
  std::lock_guard lock(m_mutex);
  auto stored = m_store.Put(s);
  if (!stored) return Answer(503, stored.error().message);
  return Answer(200, *stored ? "stored" : "older");
}

Status SummaryExchange::MakeOwn() {
  const Instant now = m_clock.Now();
  auto options = conformance::OptionsFor(m_config, now);
  options.max_listed = summary::kListed;
  auto report = conformance::ComputeFromFile(m_config.data_dir / "xfnode.db", m_codes, options);
  if (!report) return report.error();
  report->reported.clear();  // the parent holds those already, each signed by its own origin
  summary::Held s;
  s.origin = m_config.node_id;
  s.generated = now;
  s.json = summary::Make(*report);
  auto sig = exchange::SignBytes(m_key, s.json);
  if (!sig) return sig.error();
  s.signature = std::move(sig).value();
  s.stored_at = now;
  std::lock_guard lock(m_mutex);
  auto stored = m_store.Put(s);
  if (!stored) return stored.error();
  return {};
}

void SummaryExchange::Tick() {
  if (!m_config.parent || m_config.conformance.summary_minutes <= 0) return;
  std::optional<Instant> last;
  {
    std::lock_guard lock(m_mutex);
    auto l = m_store.LastOwn(m_config.node_id);
    if (!l) {
      Log("error", "汇总：" + l.error().message, {});
      return;
    }
    last = *l;
  }
  const Instant now = m_clock.Now();
  if (!last || now.seconds - last->seconds >= std::int64_t{m_config.conformance.summary_minutes} * 60) {
    if (auto s = MakeOwn(); !s) Log("error", "无法生成规范性汇总", {{"error", s.error().message}});
  }
  if (auto s = PushUnsent(*m_config.parent); !s) {
    Log("warn", "汇总上报失败；稍后重试", {{"link", m_config.parent->id}, {"error", s.error().message}});
  }
}

Status SummaryExchange::PushUnsent(const PeerConfig& parent) {
  if (parent.url.empty()) return {};
  std::vector<summary::Held> unsent;
  {
    std::lock_guard lock(m_mutex);
    auto u = m_store.Unsent();
    if (!u) return u.error();
    unsent = std::move(u).value();
  }
  const auto opts = m_client_for(parent);
  for (const auto& s : unsent) {
    auto r = exchange::HttpCall("POST", parent.url + "/v1/exchange/summaries",
                                {{"content-type", "application/json"},
                                 {kOrigin, s.origin},
                                 {kSignature, exchange::Base64Encode(s.signature)}},
                                s.json, opts);
    if (!r) return r.error();
    if (r->status >= 500) return MakeError(Errc::kUnavailable, "HTTP " + std::to_string(r->status));
    if (r->status != 200) {
      // Refused for good (no key, outside the subtree, …): retrying the same
      // bytes cannot help; the next summary will be tried again.
      Log("warn", "汇总被上级拒收",
          {{"origin", s.origin}, {"status", std::to_string(r->status)}, {"answer", r->body.substr(0, 300)}});
    }
    std::lock_guard lock(m_mutex);
    if (auto m = m_store.MarkSent(s.origin, s.generated); !m) return m;
  }
  return {};
}

}  // namespace xf::node
