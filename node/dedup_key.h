// The system key's document (判重系统密钥; exchange/PROTOCOL.md, "The system
// key's document"): signed by the national bureau with its node signing key,
// verified by every node that fetches it before it writes or uses it.
//
// The national bureau (exchange::kRootNode) is the only signer a node
// accepts: the top of the hierarchy, which every up stream is addressed to.
// A node knows its keys as it knows those of any origin (node/trust.h: the
// configuration, the key directory, the signed directory), so a province —
// or a relay broken into — cannot give its subtree a key of its own choosing:
// signed by itself it is refused as not the national bureau's, with a
// forged signature as not verifying.
//
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/result.h"
#include "dedup/wire.h"

namespace xf::exchange {
class PublicKey;
class PrivateKey;
}  // namespace xf::exchange

namespace xf::node {

// The signing keys this node holds for an origin, usable now (Trust::KeysOf).
using PublicKeysOf = std::function<std::vector<std::shared_ptr<const exchange::PublicKey>>(const std::string& node_id)>;

enum class KeyRefusal {
  kMalformed,          // does not parse (dedup::wire::ParseKeyDocument)
  kUnsigned,           // xfnode-dedup-key-1: nothing proves where it comes from
  kSignerNotNational,  // signed by another node than the national bureau
  kNoSignerKey,        // no usable key of the national bureau is known here
  kBadSignature,       // the signature does not verify with the national bureau's keys
};
// Machine-readable: "malformed", "unsigned", "signer_not_national",
// "no_signer_key", "bad_signature".
const char* KeyRefusalCode(KeyRefusal r);
// For people, Chinese: "签名者不是国家信访局" …
const char* KeyRefusalWords(KeyRefusal r);

struct KeyVerdict {
  std::optional<KeyRefusal> refused;  // none: verified
  std::string detail;                 // English, why (for the log's "detail" and the status)
  dedup::wire::KeyDocument doc;       // as parsed (empty when malformed)
  bool Verified() const { return !refused; }
};

// A key document a parent served: it parses (bounded, 4096 bytes), is
// signed (xfnode-dedup-key-2), by exchange::kRootNode, and its signature
// over dedup::wire::SignedText verifies with one of keys_of(signer).
KeyVerdict VerifyKeyDocument(std::string_view bytes, const PublicKeysOf& keys_of);

// The xfnode-dedup-key-2 document of (key_id, secret), signed by `signer`
// with its node signing key `key`.
Result<std::string> SignKeyDocument(const std::string& key_id, const std::string& secret, const std::string& signer,
                                    const exchange::PrivateKey& key);

// True when `doc` is signed by `signer` and its signature verifies with `key`.
bool IsSignedWith(const dedup::wire::KeyDocument& doc, const std::string& signer, const exchange::PublicKey& key);

}  // namespace xf::node
