#include "test/harness/craft.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/json.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "exchange/proof.h"
#include "schema/json.h"
#include "schema/xml.h"

namespace xf::test {

namespace ex = exchange;

namespace {

Instant At(const char* text) { return *Instant::Parse(text); }

void Must(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

}  // namespace

schema::Event CraftRegistration(const std::string& origin, std::uint64_t seq, const std::string& case_id) {
  schema::Violations v;
  auto c = schema::CaseFromJson(SampleCase(), v);
  Must(c.ok() && v.empty(), "the sample case does not map");
  c->case_id = case_id;
  c->registering_body = origin;
  c->registered_at = At("2025-03-13T09:20:00+08:00");
  schema::Event e;
  e.origin = origin;
  e.seq = seq;
  e.case_id = case_id;
  e.kind = schema::EventKind::kRegistration;
  e.occurred_at = c->registered_at;
  e.recorded_at = At("2025-03-13T09:21:00+08:00");
  e.actor = c->registrar;
  e.body = std::move(c).value();
  return e;
}

schema::Event CraftAcceptance(const std::string& origin, std::uint64_t seq, const std::string& case_id) {
  schema::Event e;
  e.origin = origin;
  e.seq = seq;
  e.case_id = case_id;
  e.kind = schema::EventKind::kAcceptance;
  e.occurred_at = At("2025-03-14T10:00:00+08:00");
  e.recorded_at = At("2025-03-14T10:00:30+08:00");
  e.actor = "李明";
  e.body = schema::Acceptance{"1", "朝阳区信访局", "属于本机关职权范围，依法予以受理。"};
  return e;
}

CraftedBatch CraftBatch(const std::string& origin, const std::string& stream, std::uint64_t seq,
                        const std::vector<schema::Event>& events, const ex::PrivateKey& key,
                        const std::string& code_version, const std::vector<std::string>& proofs) {
  CraftedBatch b;
  auto& h = b.header;
  h.origin = origin;
  h.stream = stream;
  h.destination = stream == ex::kUpStream ? std::string(ex::kRootNode) : stream.substr(5);
  h.seq = seq;
  h.batch_id = ex::MakeBatchId(origin, stream, seq);
  h.created = At("2025-03-14T10:01:00+08:00");
  h.code_version = code_version;
  h.record_count = events.size();
  for (const auto& e : events) b.event_xml.push_back(schema::EventToXml(e));
  auto bytes = ex::Compress(ex::BatchXml(h, b.event_xml, proofs));
  Must(bytes.ok(), "compress");
  b.bytes = std::move(bytes).value();
  auto sig = ex::SignBytes(key, b.bytes);
  Must(sig.ok(), "sign");
  b.signature = std::move(sig).value();
  auto esig = ex::SignEvents(key, h.batch_id, b.event_xml);
  Must(esig.ok(), "sign events");
  b.events_signature = std::move(esig).value();
  return b;
}

std::string BatchFile::CaseId(std::uint64_t i) const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "-2025-%08llu", static_cast<unsigned long long>(header.seq * 100000000ull + i + 1));
  return header.origin + buf;
}

BatchFile CraftBatchFile(const std::string& origin, std::uint64_t seq, std::uint64_t xml_bytes,
                         const ex::PrivateKey& key, const std::string& code_version, const std::filesystem::path& file,
                         std::uint64_t first_event) {
  BatchFile b;
  b.file = file;
  auto& h = b.header;
  h.origin = origin;
  h.stream = std::string(ex::kUpStream);
  h.destination = std::string(ex::kRootNode);
  h.seq = seq;
  h.batch_id = ex::MakeBatchId(origin, h.stream, seq);
  h.created = At("2025-03-14T10:01:00+08:00");
  h.code_version = code_version;
  // The header says how many: one event's size tells.
  const std::size_t one = schema::EventToXml(CraftRegistration(origin, first_event, b.CaseId(0))).size();
  b.events = std::max<std::uint64_t>(1, xml_bytes / one);
  h.record_count = b.events;
  auto w = ex::ZstdFileWriter::Create(file);
  Must(w.ok(), "create " + file.string());
  std::string buf = ex::BatchXml(h, {});
  buf.resize(buf.rfind("</batch>"));
  for (std::uint64_t i = 0; i < b.events; ++i) {
    buf += schema::EventToXml(CraftRegistration(origin, first_event + i, b.CaseId(i)));
    if (buf.size() >= (1u << 20)) {
      b.xml_bytes += buf.size();
      Must((*w)->Write(buf).ok(), "write " + file.string());
      buf.clear();
    }
  }
  buf += "</batch>\n";
  b.xml_bytes += buf.size();
  Must((*w)->Write(buf).ok(), "write " + file.string());
  Must((*w)->Finish().ok(), "finish " + file.string());
  auto sig = ex::SignFile(key, file);
  Must(sig.ok(), "sign " + file.string());
  b.signature = std::move(sig).value();
  return b;
}

Result<ex::HttpResponse> PostBatchFile(const Topology& t, const std::string& to, ex::HttpClientOptions opts,
                                       const BatchFile& b) {
  opts.answer_timeout = std::chrono::minutes(30);
  return ex::HttpCallFile("POST", t.ExchangeUrl(to) + "/v1/exchange/batches",
                          {{"content-type", "application/zstd"},
                           {"x-xf-origin", b.header.origin},
                           {"x-xf-batch-id", b.header.batch_id},
                           {"x-xf-signature", ex::Base64Encode(b.signature)}},
                          b.file, opts);
}

ex::PrivateKey SigningKeyOf(const Topology& t, const std::string& id) {
  auto k = ex::PrivateKey::LoadPem(t.Dir(id) / "keys" / "signing.key");
  Must(k.ok(), "signing key of " + id);
  return std::move(k).value();
}

ex::PublicKey PublicKeyOf(const Topology& t, const std::string& id) {
  auto k = ex::PublicKey::LoadPem(t.Dir(id) / "keys" / "signing.pub");
  Must(k.ok(), "public key of " + id);
  return std::move(k).value();
}

ex::HttpClientOptions ClientAs(const Topology& t, const std::string& as, const std::string& to) {
  ex::HttpClientOptions opts;
  const auto keys = t.Dir(as) / "keys";
  opts.tls = ex::TlsFiles{(keys / "tls.crt").string(), (keys / "tls.key").string(),
                          (t.Dir(to) / "keys" / "tls.crt").string(), false};
  return opts;
}

PostAnswer PostBatch(const Topology& t, const std::string& to, const ex::HttpClientOptions& opts,
                     const CraftedBatch& b, const std::string& claimed_origin) {
  ex::HttpHeaders headers{{"content-type", "application/zstd"},
                          {"x-xf-origin", claimed_origin.empty() ? b.header.origin : claimed_origin},
                          {"x-xf-batch-id", b.header.batch_id},
                          {"x-xf-signature", ex::Base64Encode(b.signature)},
                          {"x-xf-events-signature", ex::Base64Encode(b.events_signature)}};
  auto r = ex::HttpCall("POST", t.ExchangeUrl(to) + "/v1/exchange/batches", headers, b.bytes, opts);
  PostAnswer a;
  if (!r) {
    a.error = r.error().message;
    return a;
  }
  a.status = r->status;
  if (r->status == 200) {
    auto receipt = ex::ParseReceiptXml(r->body);
    Must(receipt.ok(), "receipt: " + r->body);
    a.receipt = std::move(receipt).value();
    auto sig = ex::Base64Decode(r->headers["x-xf-signature"]);
    a.receipt_verifies = sig && ex::VerifyBytes(PublicKeyOf(t, to), r->body, *sig);
  } else {
    boost::system::error_code ec;
    const auto v = boost::json::parse(r->body, ec);
    a.message = !ec && v.is_object() && v.as_object().contains("message")
                    ? std::string(v.at("message").as_string())
                    : r->body;
  }
  return a;
}

void MintCertificate(const std::filesystem::path& issuer_key, const std::filesystem::path& issuer_cert,
                     const std::string& cn, const std::filesystem::path& key_out,
                     const std::filesystem::path& chain_out) {
  auto read = [](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::string ikey = read(issuer_key), icert = read(issuer_cert);
  std::unique_ptr<BIO, decltype(&BIO_free)> kb(BIO_new_mem_buf(ikey.data(), static_cast<int>(ikey.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> signer(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr),
                                                             EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> cb(BIO_new_mem_buf(icert.data(), static_cast<int>(icert.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> issuer(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr), X509_free);
  Must(signer && issuer, "issuer key or certificate unreadable");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                                          EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 4242);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("xfnode"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer.get()));
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer.get(), cert.get(), nullptr, nullptr, 0);
  const char* exts[][2] = {{"basicConstraints", "critical,CA:FALSE"},
                           {"keyUsage", "critical,digitalSignature"},
                           {"extendedKeyUsage", "serverAuth,clientAuth"}};
  for (const auto& e : exts) {
    X509_EXTENSION* ext = X509V3_EXT_conf(nullptr, &ctx, e[0], e[1]);
    Must(ext != nullptr, "extension");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  Must(X509_sign(cert.get(), signer.get(), EVP_sha256()) > 0, "sign the minted certificate");
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(out.get(), &data);
  std::ofstream(key_out, std::ios::binary) << std::string(data, static_cast<std::size_t>(n));
  std::unique_ptr<BIO, decltype(&BIO_free)> chain(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(chain.get(), cert.get());
  PEM_write_bio_X509(chain.get(), issuer.get());
  n = BIO_get_mem_data(chain.get(), &data);
  std::ofstream(chain_out, std::ios::binary) << std::string(data, static_cast<std::size_t>(n));
}

}  // namespace xf::test
