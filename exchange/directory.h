// The signed directory (exchange/PROTOCOL.md, "The signed directory"): what
// the national bureau publishes about the exchange's nodes — each node's
// signing keys and TLS certificates with their validity, the revoked keys,
// and the code-table version in force — signed with the national root key
// that every node was installed with (xfctl init --root-key). Like X-Road's
// signed global configuration, but a node whose directory is past its
// next_update keeps working with it (and warns) instead of halting.
//
// The bytes are UTF-8 JSON (at most DirectoryLimits::max_bytes); the
// signature is exchange::SignBytes of the root key over them exactly
// (Ed25519 over their SHA-256, or SM2 with SM3). Members a reader does not
// know are ignored, so a later version may add some.
//
// Pure data and functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/date.h"
#include "codes/result.h"
#include "exchange/crypto.h"

namespace xf::exchange {

inline constexpr std::string_view kDirectoryFormat = "xfnode-directory-1";

// A validity window; an absent bound is open.
struct Validity {
  std::optional<Instant> not_before;
  std::optional<Instant> not_after;
  bool At(Instant now) const {
    return (!not_before || *not_before <= now) && (!not_after || now < *not_after);
  }
};

struct DirectoryKey {   // a signing key of the node
  std::string pem;      // PEM SubjectPublicKeyInfo
  SignAlg alg = SignAlg::kEd25519;
  std::string fingerprint;  // SHA-256 of its DER, hex (derived)
  Validity validity;
};

struct DirectoryCertificate {  // a TLS certificate of the node
  std::string pem;
  std::string key_der;      // its public key, DER SubjectPublicKeyInfo (derived): what peers pin
  std::string fingerprint;  // SHA-256 of key_der, hex (derived)
  Validity validity;        // from the entry, else the certificate's own dates
};

struct DirectoryNode {
  std::string id;
  std::vector<DirectoryKey> keys;
  std::vector<DirectoryCertificate> certificates;
};

struct DirectoryRevocation {
  std::string fingerprint;  // of a signing key or a certificate's key
  std::string node_id;      // whose it was (for people; the fingerprint decides)
  std::optional<Instant> since;
  std::string reason;
};

struct Directory {
  std::uint64_t serial = 0;     // higher is newer; a node applies only a newer one
  Instant issued;
  Instant next_update;          // past it the directory is stale: used still, with a warning
  std::string code_version;     // the code tables in force (codes/data/VERSION)
  std::vector<DirectoryNode> nodes;
  std::vector<DirectoryRevocation> revoked;

  const DirectoryNode* Find(std::string_view id) const;
  bool IsRevoked(std::string_view fingerprint) const;
  bool Stale(Instant now) const { return now > next_update; }
};

struct DirectoryLimits {
  std::size_t max_bytes = 64u << 20;
  std::size_t max_nodes = 200'000;
  std::size_t max_entries_per_node = 16;  // keys, and certificates
  std::size_t max_revoked = 200'000;
};

// Parses and checks a directory: every node id well-formed and listed once,
// every key and certificate readable (alg matching the key), dates ISO
// 8601, serial ≥ 1, issued ≤ next_update. kInvalidArgument names the
// member at fault; kLimit past a limit.
Result<Directory> ParseDirectory(std::string_view json, const DirectoryLimits& limits = {});
// Canonical JSON of a directory (what xfctl directory sign writes).
std::string DirectoryJson(const Directory& d);
// Verifies the root's signature over the exact bytes, then parses them.
// kPermission when the signature does not verify.
Result<Directory> OpenDirectory(std::string_view json, std::string_view signature, const PublicKey& root,
                                const DirectoryLimits& limits = {});

}  // namespace xf::exchange
