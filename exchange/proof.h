// Event proofs: evidence that an event is exactly what its origin signed,
// for an event that travels in a batch signed by another node (the case's
// history in a "down" batch; exchange/PROTOCOL.md, "Events of other
// origins").
//
// When a node packs a batch it also signs its events: the leaves are
// SHA-256(0x00 || the event's canonical XML), in batch order; the root is
// the Merkle tree hash of RFC 6962 (section 2.1) over them; the node signs
// the text "xfnode-events-1 <batch_id> <count> <root hex>" with its signing
// key (exchange::SignBytes: Ed25519 over its SHA-256, or SM2 with SM3). That
// signature travels beside the batch (header X-Xf-Events-Signature) and is
// kept with it at every node. Later, any node holding the batch can prove
// one of its events to a node that does not hold it, without showing the
// other events: the proof is the batch id, the count, the event's index,
// its audit path and the signature.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/result.h"
#include "exchange/crypto.h"

namespace xf::exchange {

// SHA-256(0x00 || event_xml): 32 raw bytes.
std::string EventLeafHash(std::string_view event_xml);
// The RFC 6962 Merkle tree hash over leaf hashes (32 raw bytes each).
// REQUIRES: !leaves.empty().
std::string MerkleRoot(const std::vector<std::string>& leaves);
// The RFC 6962 audit path of leaf `index`, nearest sibling first.
// REQUIRES: index < leaves.size().
std::vector<std::string> MerklePath(const std::vector<std::string>& leaves, std::size_t index);
// The root that `leaf` at `index` of `count` leaves and `path` lead to;
// nullopt when the path cannot belong to such a tree (RFC 9162, 2.1.3.2).
std::optional<std::string> RootFromPath(std::string_view leaf, std::uint64_t index, std::uint64_t count,
                                        const std::vector<std::string>& path);

// The text an origin signs for the events of one of its batches.
std::string EventsStatement(std::string_view batch_id, std::uint64_t count, std::string_view root);
// Signs the events (their canonical XML, in batch order) of batch `batch_id`.
Result<std::string> SignEvents(const PrivateKey& key, std::string_view batch_id,
                               const std::vector<std::string>& event_xml);
// Whether `signature` is the events signature of `batch_id` over `event_xml`.
bool VerifyEvents(const PublicKey& key, std::string_view batch_id, const std::vector<std::string>& event_xml,
                  std::string_view signature);

struct EventProof {
  std::string event_id;   // "<origin>:<seq>"
  std::string batch_id;   // a batch of that origin that held it: "<origin>-<stream>-<seq>"
  std::uint64_t count = 0;
  std::uint64_t index = 0;
  std::vector<std::string> path;  // 32 raw bytes each
  std::string signature;          // the origin's events signature of batch_id
};

// Limits a reader of proofs keeps to.
inline constexpr std::size_t kMaxProofPath = 64;
inline constexpr std::size_t kMaxProofSignature = 1024;

// Makes the proof of event `index` of a batch from all its events' XML.
// REQUIRES: index < event_xml.size().
EventProof MakeEventProof(std::string event_id, std::string batch_id, const std::vector<std::string>& event_xml,
                          std::size_t index, std::string signature);

// Empty when `event_xml` is event proof.event_id of batch proof.batch_id as
// its origin signed it with `origin_key`; else why not. Checks that the
// proof's event and batch both belong to the event's origin.
std::string CheckEventProof(const EventProof& proof, std::string_view event_id, std::string_view event_xml,
                            const PublicKey& origin_key);

// A proof as the <proof> element of a batch (schema/xfnode.xsd), and back.
std::string EventProofXml(const EventProof& proof);
Result<EventProof> ParseEventProofXml(std::string_view xml);

}  // namespace xf::exchange
