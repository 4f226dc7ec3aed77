// Whom a node trusts, as of one load: the signing keys it verifies batches,
// receipts, summaries and event proofs with, and the TLS keys it pins its
// parent and children by (exchange/PROTOCOL.md, "Transport" and "The
// signed directory").
//
// Sources, merged:
//   - the parent's and children's entries of the configuration (their
//     signing key and their TLS certificate);
//   - the key directory folder (<node-id>.pub, xfctl keys add);
//   - the signed directory, when the node has one (every node's keys and
//     certificates within their validity);
//   - this node's own signing key.
// A key or certificate key the directory revokes is refused whatever its
// source. A node may have several keys at once (a rotation overlaps them);
// a signature verifies if any of them verifies it.
//
// A Trust is immutable; the exchange swaps in a new one when keys change
// (xfctl keys add/remove, SIGHUP, the key directory watch, a new signed
// directory). Keys are shared_ptr so that a caller keeps what it verifies
// with alive across a swap. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/date.h"
#include "codes/result.h"
#include "exchange/crypto.h"
#include "exchange/directory.h"
#include "node/config.h"

namespace xf::node {

class Trust {
 public:
  using KeyPtr = std::shared_ptr<const exchange::PublicKey>;
  struct SigningKey {
    KeyPtr key;
    std::string fingerprint;
    exchange::Validity validity;
    std::string source;  // "config", "key_directory", "directory", "self"
    bool revoked = false;  // listed in the directory's revocations: never used to accept
  };
  struct TlsKey {
    std::string key_der;
    std::string fingerprint;
    exchange::Validity validity;
    std::string source;
  };

  // Reads the configured keys and certificates and merges the directory
  // (may be null). Fails naming the file when a configured key or
  // certificate cannot be read.
  static Result<std::shared_ptr<const Trust>> Load(const NodeConfig& config, const exchange::PublicKey& own,
                                                   std::shared_ptr<const exchange::Directory> directory);

  // The signing keys of `node_id` usable at `now` (none revoked).
  std::vector<KeyPtr> KeysOf(const std::string& node_id, Instant now) const;
  // The keys of `node_id` the directory revoked: a signature they verify
  // is refused as such, not parked as unverifiable.
  std::vector<KeyPtr> RevokedKeysOf(const std::string& node_id) const;
  // Why KeysOf(node_id, now) is empty.
  std::string NoKeyReason(const std::string& node_id, Instant now) const;
  // The id of the peer (parent or child) whose pinned TLS key this is.
  std::optional<std::string> PeerOfTlsKey(std::string_view key_der, Instant now) const;
  // The TLS keys pinned for peer `peer_id` at `now`.
  std::vector<std::string> TlsKeysOf(const std::string& peer_id, Instant now) const;
  bool Revoked(std::string_view fingerprint) const;

  const exchange::Directory* Directory() const { return m_directory.get(); }
  std::size_t Size() const;  // signing keys held, all nodes

 private:
  std::map<std::string, std::vector<SigningKey>> m_keys;
  std::map<std::string, std::vector<TlsKey>> m_tls;  // peers only
  std::shared_ptr<const exchange::Directory> m_directory;
};

// Verifies bytes (a receipt, a summary) with any of `keys`.
bool VerifyWithAny(const std::vector<Trust::KeyPtr>& keys, std::string_view bytes, std::string_view signature);

}  // namespace xf::node
