// The exchange side of upward conformance summaries (node/summary.h):
// making and signing this node's own summary on a schedule, receiving a
// child's (POST /v1/exchange/summaries, exchange/PROTOCOL.md) and pushing
// everything not yet forwarded to the parent, bytes unchanged.
//
// Thread safety: Handle may run on the exchange server's workers while Tick
// runs on the sender thread; the store's connection is guarded here.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "codes/codebook.h"
#include "codes/date.h"
#include "exchange/crypto.h"
#include "exchange/http.h"
#include "node/config.h"
#include "node/summary.h"

namespace xf::node {

class SummaryExchange {
 public:
  // The usable signing keys of a node (a rotation may overlap two).
  using FindKey =
      std::function<std::vector<std::shared_ptr<const exchange::PublicKey>>(const std::string& node_id)>;
  using ClientFor = std::function<exchange::HttpClientOptions(const PeerConfig&)>;

  SummaryExchange(const NodeConfig& config, const codes::CodeBook& codes, const Clock& clock,
                  const exchange::PrivateKey& key, FindKey find_key, ClientFor client_for,
                  summary::SummaryStore store);

  // POST /v1/exchange/summaries from an authenticated peer `from_peer`.
  exchange::HttpResponse Handle(const exchange::HttpRequest& request, const std::string& from_peer);
  // On the sender thread: makes this node's summary when the last is older
  // than conformance.summary_minutes, then pushes what the parent lacks.
  // Failures are logged and retried on the next tick.
  void Tick();
  // Makes and stores this node's signed summary now.
  Status MakeOwn();

 private:
  Status PushUnsent(const PeerConfig& parent);

  const NodeConfig& m_config;
  const codes::CodeBook& m_codes;
  const Clock& m_clock;
  const exchange::PrivateKey& m_key;
  FindKey m_find_key;
  ClientFor m_client_for;
  std::mutex m_mutex;  // guards m_store
  summary::SummaryStore m_store;
};

}  // namespace xf::node
