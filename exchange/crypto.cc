#include "exchange/crypto.h"

#include "codes/env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace xf::exchange {

void PkeyFree::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }

namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

std::string BioString(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Result<std::string> ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return MakeError(Errc::kNotFound, "cannot read " + file.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WritePrivateFile(const std::filesystem::path& file, const std::string& data) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(Errc::kIo, "cannot create " + file.string());
  ::fchmod(fd, 0600);
  const auto n = ::write(fd, data.data(), data.size());
  const bool ok = n == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return MakeError(Errc::kIo, "cannot write " + file.string());
  return {};
}

Result<SignAlg> AlgOf(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "ED25519")) return SignAlg::kEd25519;
  if (EVP_PKEY_is_a(key, "SM2")) return SignAlg::kSm2;
  // An SM2 key read from PEM may come back typed as a plain EC key on the SM2 curve.
  if (EVP_PKEY_is_a(key, "EC")) {
    char curve[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &len) == 1 &&
        std::string(curve) == "SM2") {
      return SignAlg::kSm2;
    }
  }
  return MakeError(Errc::kInvalidArgument, "key is neither Ed25519 nor SM2");
}

// Signs or verifies: Ed25519 is one-shot without a digest; SM2 uses SM3 and
// the fixed signer id. The EVP_PKEY_CTX that DigestSign/VerifyInit hands
// back is owned by the MD context; the id is set on it before the first
// update, which is when SM2 computes Z from it.
Result<MdCtxPtr> DigestCtx(EVP_PKEY* key, SignAlg alg, bool sign) {
  MdCtxPtr md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md) return MakeError(Errc::kInternal, "EVP_MD_CTX_new");
  const EVP_MD* digest = alg == SignAlg::kEd25519 ? nullptr : EVP_sm3();
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  const int rc = sign ? EVP_DigestSignInit(md.get(), &pctx, digest, nullptr, key)
                      : EVP_DigestVerifyInit(md.get(), &pctx, digest, nullptr, key);
  if (rc != 1) return MakeError(Errc::kInternal, std::string(SignAlgName(alg)) + " init failed");
  if (alg == SignAlg::kSm2 && EVP_PKEY_CTX_set1_id(pctx, kSm2UserId.data(), kSm2UserId.size()) != 1) {
    return MakeError(Errc::kInternal, "SM2 id setup failed");
  }
  return md;
}

}  // namespace

const char* SignAlgName(SignAlg a) { return a == SignAlg::kSm2 ? "sm2" : "ed25519"; }

Result<SignAlg> SignAlgFromName(std::string_view name) {
  if (name == "ed25519") return SignAlg::kEd25519;
  if (name == "sm2") return SignAlg::kSm2;
  return MakeError(Errc::kInvalidArgument,
                   "unknown signature algorithm '" + std::string(name) + "' (ed25519 or sm2)");
}

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  if (pem.size() > 64 * 1024) return MakeError(Errc::kLimit, "public key PEM too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) return MakeError(Errc::kInvalidArgument, "not a PEM public key");
  PublicKey k;
  k.m_key.reset(raw);
  auto alg = AlgOf(raw);
  if (!alg) return alg.error();
  k.m_alg = *alg;
  return k;
}

Result<PublicKey> PublicKey::LoadPem(const std::filesystem::path& file) {
  auto text = ReadFile(file);
  if (!text) return text.error();
  auto key = FromPem(*text);
  if (!key) return MakeError(key.error().code, file.string() + ": " + key.error().message);
  return key;
}

std::string PublicKey::Pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), m_key.get());
  return BioString(bio.get());
}

std::string PublicKey::Fingerprint() const {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(m_key.get(), &der);
  if (n <= 0) return {};
  std::string hex = Sha256Hex(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(n)));
  OPENSSL_free(der);
  return hex;
}

bool PublicKey::Verify(std::string_view data, std::string_view signature) const {
  auto md = DigestCtx(m_key.get(), m_alg, false);
  if (!md) return false;
  return EVP_DigestVerify(md->get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

struct StreamVerifier::Impl {
  MdCtxPtr md{nullptr, EVP_MD_CTX_free};
};

StreamVerifier::StreamVerifier() : m_impl(std::make_unique<Impl>()) {}
StreamVerifier::~StreamVerifier() = default;
StreamVerifier::StreamVerifier(StreamVerifier&&) noexcept = default;
StreamVerifier& StreamVerifier::operator=(StreamVerifier&&) noexcept = default;

Result<StreamVerifier> StreamVerifier::Make(const PublicKey& key) {
  if (key.Alg() != SignAlg::kSm2) {
    return MakeError(Errc::kInvalidArgument, "Ed25519 cannot verify a stream: verify its SHA-256 instead");
  }
  auto md = DigestCtx(key.m_key.get(), key.Alg(), false);
  if (!md) return md.error();
  StreamVerifier v;
  v.m_impl->md = std::move(md).value();
  return v;
}

void StreamVerifier::Update(std::string_view data) {
  EVP_DigestVerifyUpdate(m_impl->md.get(), data.data(), data.size());
}

bool StreamVerifier::Final(std::string_view signature) {
  return EVP_DigestVerifyFinal(m_impl->md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                               signature.size()) == 1;
}

Result<std::string> PrivateKey::SignStream(const std::function<Result<std::string_view>()>& next) const {
  if (m_alg != SignAlg::kSm2) {
    return MakeError(Errc::kInvalidArgument, "Ed25519 cannot sign a stream: sign its SHA-256 instead");
  }
  auto md = DigestCtx(m_key.get(), m_alg, true);
  if (!md) return md.error();
  for (;;) {
    auto piece = next();
    if (!piece) return piece.error();
    if (piece->empty()) break;
    if (EVP_DigestSignUpdate(md->get(), piece->data(), piece->size()) != 1) {
      return MakeError(Errc::kInternal, "signing failed");
    }
  }
  size_t len = 0;
  if (EVP_DigestSignFinal(md->get(), nullptr, &len) != 1) return MakeError(Errc::kInternal, "signing failed");
  std::string sig(len, '\0');
  if (EVP_DigestSignFinal(md->get(), reinterpret_cast<unsigned char*>(sig.data()), &len) != 1) {
    return MakeError(Errc::kInternal, "signing failed");
  }
  sig.resize(len);
  return sig;
}

Result<PrivateKey> PrivateKey::Generate(SignAlg alg) {
  EVP_PKEY* raw = alg == SignAlg::kEd25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2");
  if (raw == nullptr) return MakeError(Errc::kInternal, "key generation failed");
  PrivateKey k;
  k.m_key.reset(raw);
  k.m_alg = alg;
  return k;
}

Result<PrivateKey> PrivateKey::LoadPem(const std::filesystem::path& file) {
  auto text = ReadFile(file);
  if (!text) return text.error();
  BioPtr bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())), BIO_free);
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  OPENSSL_cleanse(text->data(), text->size());
  if (raw == nullptr) return MakeError(Errc::kInvalidArgument, file.string() + ": not a PEM private key");
  PrivateKey k;
  k.m_key.reset(raw);
  auto alg = AlgOf(raw);
  if (!alg) return MakeError(Errc::kInvalidArgument, file.string() + ": " + alg.error().message);
  k.m_alg = *alg;
  return k;
}

Status PrivateKey::SavePem(const std::filesystem::path& file) const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PrivateKey(bio.get(), m_key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return MakeError(Errc::kInternal, "cannot encode private key");
  }
  std::string pem = BioString(bio.get());
  auto s = WritePrivateFile(file, pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  return s;
}

PublicKey PrivateKey::Public() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), m_key.get());
  auto pub = PublicKey::FromPem(BioString(bio.get()));
  assert(pub.ok());
  return std::move(pub).value();
}

Result<std::string> PrivateKey::Sign(std::string_view data) const {
  auto md = DigestCtx(m_key.get(), m_alg, true);
  if (!md) return md.error();
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(md->get(), nullptr, &len, in, data.size()) != 1) {
    return MakeError(Errc::kInternal, "signing failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(md->get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()) != 1) {
    return MakeError(Errc::kInternal, "signing failed");
  }
  sig.resize(len);
  return sig;
}

Status MakeTlsIdentity(const std::string& common_name, int days, const std::filesystem::path& key_file,
                       const std::filesystem::path& cert_file, bool keep_key) {
  PkeyPtr key;
  if (keep_key) {
    auto text = ReadFile(key_file);
    if (!text) return text.error();
    BioPtr bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())), BIO_free);
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    OPENSSL_cleanse(text->data(), text->size());
    if (!key) return MakeError(Errc::kInvalidArgument, key_file.string() + ": not a PEM private key");
  } else {
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  }
  if (!key) return MakeError(Errc::kInternal, "TLS key generation failed");
  X509Ptr cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  const std::string serial_hex = RandomHex(16);
  BIGNUM* bn = nullptr;
  BN_hex2bn(&bn, serial_hex.c_str());
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("xfnode"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  // An end-entity certificate: peers pin its public key (exchange/http.h),
  // so it needs no CA powers, and it must not have them — a node's key must
  // not be able to issue a certificate that anyone accepts.
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  const char* exts[][2] = {{"basicConstraints", "critical,CA:FALSE"},
                           {"keyUsage", "critical,digitalSignature"},
                           {"extendedKeyUsage", "serverAuth,clientAuth"},
                           {"subjectKeyIdentifier", "hash"}};
  for (const auto& e : exts) {
    X509_EXTENSION* ext = X509V3_EXT_conf(nullptr, &ctx, e[0], e[1]);
    if (ext == nullptr) return MakeError(Errc::kInternal, std::string("certificate extension ") + e[0]);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    return MakeError(Errc::kInternal, "certificate signing failed");
  }
  if (!keep_key) {
    BioPtr kbio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PrivateKey(kbio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    std::string key_pem = BioString(kbio.get());
    auto s = WritePrivateFile(key_file, key_pem);
    OPENSSL_cleanse(key_pem.data(), key_pem.size());
    if (!s) return s;
  }
  BioPtr cbio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(cbio.get(), cert.get());
  // Written beside, fsynced and renamed, so a reader never sees half a certificate.
  return WriteFileAtomically(Env::Default(), cert_file, BioString(cbio.get()), 0644);
}

namespace {

std::int64_t AsnTimeSeconds(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

std::string KeyFingerprint(std::string_view spki_der) { return Sha256Hex(spki_der); }

Result<CertificateInfo> ReadCertificate(std::string_view pem) {
  if (pem.size() > 64 * 1024) return MakeError(Errc::kLimit, "certificate PEM too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) return MakeError(Errc::kInvalidArgument, "not a PEM certificate");
  CertificateInfo info;
  unsigned char* der = nullptr;
  int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
  if (n <= 0) return MakeError(Errc::kInvalidArgument, "the certificate has no readable public key");
  info.key_der.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  info.key_fingerprint = KeyFingerprint(info.key_der);
  der = nullptr;
  n = i2d_X509(cert.get(), &der);
  if (n > 0) {
    info.der.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
    OPENSSL_free(der);
  }
  char cn[256] = {0};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn) > 0) {
    info.common_name = cn;
  }
  info.is_ca = X509_check_ca(cert.get()) != 0;
  info.not_before = AsnTimeSeconds(X509_get0_notBefore(cert.get()));
  info.not_after = AsnTimeSeconds(X509_get0_notAfter(cert.get()));
  return info;
}

Result<CertificateInfo> LoadCertificate(const std::filesystem::path& file) {
  auto text = ReadFile(file);
  if (!text) return text.error();
  auto info = ReadCertificate(*text);
  if (!info) return MakeError(info.error().code, file.string() + ": " + info.error().message);
  return info;
}

std::string Sha256Hex(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.FinalHex();
}

struct Sha256::Impl {
  MdCtxPtr ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
};

Sha256::Sha256() : m_impl(std::make_unique<Impl>()) {
  EVP_DigestInit_ex(m_impl->ctx.get(), EVP_sha256(), nullptr);
}
Sha256::~Sha256() = default;

void Sha256::Update(std::string_view data) {
  EVP_DigestUpdate(m_impl->ctx.get(), data.data(), data.size());
}

std::string Sha256::FinalRaw() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(m_impl->ctx.get(), md, &n);
  return std::string(reinterpret_cast<char*>(md), n);
}

std::string Sha256::FinalHex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(m_impl->ctx.get(), md, &n);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

std::string RandomHex(std::size_t n) {
  std::string bytes(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

}  // namespace xf::exchange
