// Keys, signatures and digests (OpenSSL 3).
//
// Signing keys are Ed25519 by default, or SM2 with SM3 (the national
// algorithm; signer id "1234567812345678", DER SEQUENCE{r,s} signatures).
// Private keys are owned by PrivateKey: move-only, freed (and wiped by
// OpenSSL) on destruction, never printable or comparable.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "codes/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace xf::exchange {

enum class SignAlg { kEd25519, kSm2 };
const char* SignAlgName(SignAlg a);                      // "ed25519", "sm2"
Result<SignAlg> SignAlgFromName(std::string_view name);

inline constexpr std::string_view kSm2UserId = "1234567812345678";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

class PublicKey {
 public:
  static Result<PublicKey> FromPem(std::string_view pem);
  static Result<PublicKey> LoadPem(const std::filesystem::path& file);
  SignAlg Alg() const { return m_alg; }
  std::string Pem() const;
  // SHA-256 of the DER SubjectPublicKeyInfo, hex.
  std::string Fingerprint() const;
  bool Verify(std::string_view data, std::string_view signature) const;

 private:
  PkeyPtr m_key;
  SignAlg m_alg = SignAlg::kEd25519;
  friend class PrivateKey;
  friend class StreamVerifier;
};

// Verify (SM2 with SM3 and the signer id) over data fed in pieces: the
// same answer as PublicKey::Verify over their concatenation. For Ed25519,
// which cannot stream, the caller hashes and verifies the digest instead.
// REQUIRES: the key outlives the verifier. Not thread-safe.
class StreamVerifier {
 public:
  // kInvalidArgument for an Ed25519 key.
  static Result<StreamVerifier> Make(const PublicKey& key);
  void Update(std::string_view data);
  bool Final(std::string_view signature);
  ~StreamVerifier();
  StreamVerifier(StreamVerifier&&) noexcept;
  StreamVerifier& operator=(StreamVerifier&&) noexcept;

 private:
  StreamVerifier();
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

class PrivateKey {
 public:
  static Result<PrivateKey> Generate(SignAlg alg);
  static Result<PrivateKey> LoadPem(const std::filesystem::path& file);
  // Writes PKCS#8 PEM, created with mode 0600.
  Status SavePem(const std::filesystem::path& file) const;
  SignAlg Alg() const { return m_alg; }
  PublicKey Public() const;
  Result<std::string> Sign(std::string_view data) const;
  // SM2 only: signs data read in pieces from `next` (an empty piece ends
  // it) — the same as Sign over their concatenation.
  Result<std::string> SignStream(const std::function<Result<std::string_view>()>& next) const;

  PrivateKey(PrivateKey&&) = default;
  PrivateKey& operator=(PrivateKey&&) = default;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;

 private:
  PrivateKey() = default;
  PkeyPtr m_key;
  SignAlg m_alg = SignAlg::kEd25519;
};

// A TLS identity for a node: an EC P-256 key and a self-signed end-entity
// certificate (CA:FALSE; keyUsage digitalSignature; extendedKeyUsage
// serverAuth and clientAuth) whose CN is the node id, valid for `days`.
// Peers pin it by its public key (exchange/http.h), never by its CN; it
// cannot issue certificates. With `keep_key` the key already in `key_file`
// is reused (xfctl tls reissue: peers that pinned it need no change).
Status MakeTlsIdentity(const std::string& common_name, int days,
                       const std::filesystem::path& key_file,
                       const std::filesystem::path& cert_file, bool keep_key = false);

// What a node needs to know of an X.509 certificate (PEM, the first one in
// the text): its public key as DER SubjectPublicKeyInfo (what peers pin),
// that key's fingerprint (SHA-256 of the DER, hex — the form the signed
// directory revokes), the CN, whether it says CA:TRUE (the kind xfctl init
// made before end-entity certificates) and its validity.
struct CertificateInfo {
  std::string key_der;
  std::string key_fingerprint;
  std::string common_name;
  bool is_ca = false;
  std::int64_t not_before = 0;  // seconds since the epoch, UTC
  std::int64_t not_after = 0;
  std::string der;              // the whole certificate
};
Result<CertificateInfo> ReadCertificate(std::string_view pem);
Result<CertificateInfo> LoadCertificate(const std::filesystem::path& file);

// SHA-256 (hex) of a DER SubjectPublicKeyInfo: the fingerprint of a
// signing key (PublicKey::Fingerprint) or of a certificate's key.
std::string KeyFingerprint(std::string_view spki_der);

std::string Sha256Hex(std::string_view data);

// Streaming SHA-256 for large bodies.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  std::string FinalHex();
  std::string FinalRaw();  // the 32 bytes

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Random bytes as lowercase hex (2*n characters), from the OS CSPRNG.
std::string RandomHex(std::size_t n);

}  // namespace xf::exchange
