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
// Thread safety: Handle may be called from several threads at once.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "codes/codebook.h"
#include "codes/date.h"
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
};

class Api {
 public:
  explicit Api(ApiContext ctx);
  exchange::HttpResponse Handle(const exchange::HttpRequest& request);

 private:
  exchange::HttpResponse Route(const exchange::HttpRequest& request);
  exchange::HttpResponse PostCase(const exchange::HttpRequest& request);
  exchange::HttpResponse PostEvent(const exchange::HttpRequest& request, const std::string& case_id);
  exchange::HttpResponse PutBlob(const exchange::HttpRequest& request, const std::string& sha256);
  exchange::HttpResponse GetCase(const std::string& case_id);
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
  std::string CandidatesJson(const schema::CaseRegistration& stored);
  bool Authorised(const exchange::HttpRequest& request) const;
  void CountRejections(const schema::Violations& v);

  ApiContext m_ctx;
  Instant m_started;
  // Counters for /metrics.
  std::atomic<std::uint64_t> m_requests{0}, m_cases{0}, m_events{0}, m_blobs{0}, m_unauthorised{0},
      m_bad_requests{0};
  std::array<std::atomic<std::uint64_t>, 7> m_rejections{};  // by rule R1..R6 (index 1..6)
};

}  // namespace xf::node
