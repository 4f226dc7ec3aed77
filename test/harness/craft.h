// What a hostile or careless peer sends, made by hand: events, batches
// (with proofs), signatures, certificates minted with a node's own key, and
// posts to a node's exchange endpoint with any node's TLS identity. For the
// trust tests (issue 12): they act as one node of a Topology toward another.
//
// Thread safety: none needed; plain functions.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/http.h"
#include "exchange/receipt.h"
#include "schema/records.h"
#include "test/harness/topology.h"

namespace xf::test {

// A registration of a sample case by `origin` as its event `seq`.
schema::Event CraftRegistration(const std::string& origin, std::uint64_t seq, const std::string& case_id);
// An acceptance decision by `origin` on `case_id`.
schema::Event CraftAcceptance(const std::string& origin, std::uint64_t seq, const std::string& case_id);

struct CraftedBatch {
  exchange::BatchHeader header;
  std::vector<std::string> event_xml;
  std::string bytes;             // compressed, as sent
  std::string signature;         // by the signer's key over bytes
  std::string events_signature;  // by the signer's key over its events (exchange/proof.h)
};
// A batch of `origin` on `stream` ("up" or "down.<id>"), signed with `key`
// (the origin's own, or another one to forge), with `proofs` (EventProofXml).
CraftedBatch CraftBatch(const std::string& origin, const std::string& stream, std::uint64_t seq,
                        const std::vector<schema::Event>& events, const exchange::PrivateKey& key,
                        const std::string& code_version, const std::vector<std::string>& proofs = {});

exchange::PrivateKey SigningKeyOf(const Topology& t, const std::string& id);
exchange::PublicKey PublicKeyOf(const Topology& t, const std::string& id);

// The client options to talk to node `to` as node `as` (its TLS identity),
// pinning `to`'s certificate.
exchange::HttpClientOptions ClientAs(const Topology& t, const std::string& as, const std::string& to);

struct PostAnswer {
  int status = 0;               // 0: no HTTP answer at all (`error` says why)
  std::string error;            // the transport error (a TLS alert, a reset)
  std::string message;          // a refusal's message
  std::optional<exchange::Receipt> receipt;
  bool receipt_verifies = false;
};
// POSTs a batch to node `to`'s exchange endpoint with `opts`.
PostAnswer PostBatch(const Topology& t, const std::string& to, const exchange::HttpClientOptions& opts,
                     const CraftedBatch& b, const std::string& claimed_origin = "");

// A large batch of `origin` written to `file` as it is made (never whole in
// memory): registrations of the sample case, event seqs from `first_event`
// (case ids origin-2025-NNNNNNNN), until about `xml_bytes` of XML; signed
// over the file with `key`.
struct BatchFile {
  exchange::BatchHeader header;
  std::filesystem::path file;
  std::string signature;
  std::uint64_t events = 0;
  std::uint64_t xml_bytes = 0;
  std::string CaseId(std::uint64_t i) const;  // of event i (0-based)
};
BatchFile CraftBatchFile(const std::string& origin, std::uint64_t seq, std::uint64_t xml_bytes,
                         const exchange::PrivateKey& key, const std::string& code_version,
                         const std::filesystem::path& file, std::uint64_t first_event = 1);
// POSTs a batch file to node `to` as `opts` says (the answer may take long:
// it comes once the batch is applied).
Result<exchange::HttpResponse> PostBatchFile(const Topology& t, const std::string& to,
                                             exchange::HttpClientOptions opts, const BatchFile& b);

// A certificate for `cn` with a fresh EC key, issued (signed) by the key
// `issuer_key` under the subject of `issuer_cert` — what a node can make
// with its own TLS key. Writes the key, and the certificate followed by the
// issuer's (a chain), to the two files.
void MintCertificate(const std::filesystem::path& issuer_key, const std::filesystem::path& issuer_cert,
                     const std::string& cn, const std::filesystem::path& key_out,
                     const std::filesystem::path& chain_out);

}  // namespace xf::test
