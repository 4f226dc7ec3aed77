// The local HTTP API for the bureau's own software (design.md, "Local API").
//
// Every /v1/ route needs "Authorization: Bearer <token>"; /healthz,
// /metrics, the status page / and the conformance report /report.html do
// not (they are bound to loopback by default and show ids and counts, never
// the content of a record: see node/README.md). Answers are JSON, but for
// the two HTML pages (node/conformance_html.h); errors are
// {"error": reason, "message": text}, and a rejected record is 422 with
// {"error":"unprocessable","violations":[{rule, field, message, record}]}.
//
// Attachments (PUT /v1/blobs/{sha256}) are streamed to a file as they arrive
// and may be sent in parts (Content-Range), as the exchange's are: a
// server that runs Api must spool that route (Api::SpoolRoutes).
//
// Thread safety: Handle may be called from several threads at once.
#pragma once

#include <array>
#include <boost/json/fwd.hpp>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codes/calendar.h"
#include "codes/codebook.h"
#include "codes/date.h"
#include "dedup/blind.h"
#include "dedup/wire.h"
#include "exchange/http.h"
#include "node/blobs.h"
#include "node/config.h"
#include "node/store.h"

namespace xf::node {

class ExchangeService;

struct ApiContext {
  const NodeConfig& config;
  const codes::CodeBook& codes;
  Store& store;
  const BlobStore& blobs;
  const Clock& clock;
  std::string token;  // the bearer token; never logged
  ExchangeService* exchange = nullptr;  // told of every committed event; may be null
  // The holiday calendar the legal clocks count with (GET /v1/cases/{id}
  // shows each clock's due date); null: weekends only.
  const codes::Calendar* calendar = nullptr;
};

class Api {
 public:
  explicit Api(ApiContext ctx);
  exchange::HttpResponse Handle(const exchange::HttpRequest& request);
  // The routes whose bodies go to files under SpoolDir() as they arrive.
  std::vector<exchange::SpoolRoute> SpoolRoutes() const;
  // For HttpServerOptions::check_header: a request to /v1/ without the
  // token is answered 401 before any byte of its body is read.
  std::optional<exchange::HttpResponse> CheckHeader(const exchange::HttpRequest& head);
  const std::filesystem::path& SpoolDir() const { return m_spool_dir; }

 private:
  exchange::HttpResponse Route(const exchange::HttpRequest& request);
  exchange::HttpResponse PostCase(const exchange::HttpRequest& request);
  exchange::HttpResponse PostEvent(const exchange::HttpRequest& request, const std::string& case_id);
  // HEAD|GET|PUT /v1/blobs/{sha256} (node/blob_transfer.h): resumable, streamed to disk.
  exchange::HttpResponse Blob(const exchange::HttpRequest& request, const std::string& sha256);
  // /v1/exchange/…: the offline transfer (xfctl export/import, batch get)
  // through the running node, so no other process writes its database
  // (api_exchange.cc; node/README.md, "Local API").
  exchange::HttpResponse Offline(const exchange::HttpRequest& request, const std::string& path);
  // R6/R1 of the attachments a record names: each must be held here, its size as stored.
  void CheckAttachments(const std::vector<schema::Attachment>& attachments, const std::string& record,
                        schema::Violations& v) const;
  exchange::HttpResponse GetCase(const std::string& case_id);
  // GET /v1/batches/{id}: a batch's state and every record it had refused, with reasons.
  exchange::HttpResponse GetBatch(const std::string& batch_id);
  exchange::HttpResponse GetStatus();
  exchange::HttpResponse GetMetrics();
  exchange::HttpResponse GetStatusPage();
  // GET /v1/conformance (JSON) and GET /report.html (the same report as HTML).
  exchange::HttpResponse GetConformance(const exchange::HttpRequest& request, bool html);
  // Duplicates, 判重 (api_dedup.cc): POST /v1/duplicates/check, GET
  // /v1/cases/{id}/duplicates, GET /v1/petitioners/{id_number}/cases; and the
  // "candidates" of a registration just stored (never a reason to refuse it).
  exchange::HttpResponse PostDuplicatesCheck(const exchange::HttpRequest& request);
  exchange::HttpResponse GetCaseDuplicates(const std::string& case_id);
  exchange::HttpResponse GetPetitionerCases(const std::string& id_number);
  // The candidates of `c` here and above into o["candidates"], with the
  // answer's scope (o[prefix + "scope"], "searched", "unreachable").
  void AddCandidates(boost::json::object& o, const schema::CaseRegistration& c, const char* scope_prefix);
  boost::json::array CandidatesAbove(const dedup::Features& f, dedup::wire::Answer& above);
  void Scope(boost::json::object& o, const dedup::wire::Answer& above, const char* prefix);
  dedup::wire::Answer AskAbove(dedup::wire::Question q);
  std::shared_ptr<const dedup::BlindKey> SystemKey();
  // api_cases.cc: GET /v1/cases (the case list); the repeat links of a case
  // for GET /v1/cases/{id}; Idempotency-Key on POST /v1/cases and
  // /v1/cases/{id}/events: IdempotencyOf reads the header into `out` and
  // answers at once for a malformed key (400), a key used for another
  // request (422) or one already answered (the first answer); Replayed is
  // that answer.
  exchange::HttpResponse ListCases(const exchange::HttpRequest& request);
  std::string RepeatLinksJson(const std::string& case_id, const std::string& initial_case_id);
  std::optional<exchange::HttpResponse> IdempotencyOf(const exchange::HttpRequest& request, const std::string& route,
                                                      Store::Idempotency& out);
  exchange::HttpResponse Replayed(const exchange::HttpRequest& request, const Store::Idempotency& asked,
                                  const Store::IdempotentAnswer& first);
  bool Authorised(const exchange::HttpRequest& request) const;
  void CountRejections(const schema::Violations& v);

  ApiContext m_ctx;
  Instant m_started;
  // Counters for /metrics.
  std::atomic<std::uint64_t> m_requests{0}, m_cases{0}, m_events{0}, m_blobs{0}, m_unauthorised{0},
      m_bad_requests{0};
  std::filesystem::path m_spool_dir;  // DATA_DIR/api-spool: bodies of the spooled routes
  std::array<std::atomic<std::uint64_t>, 8> m_rejections{};  // by rule R1..R7 (index 1..7)
};

}  // namespace xf::node
