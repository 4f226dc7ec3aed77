#include "node/dedup_key.h"

#include <algorithm>

#include "exchange/batch.h"
#include "exchange/crypto.h"

namespace xf::node {

namespace {

bool VerifiesWith(const dedup::wire::KeyDocument& doc, const exchange::PublicKey& key) {
  auto sig = exchange::Base64Decode(doc.signature);
  if (!sig) return false;
  std::string text = dedup::wire::SignedText(doc);
  const bool ok = exchange::VerifyBytes(key, text, *sig);
  std::fill(text.begin(), text.end(), '\0');  // it holds the key in hex
  return ok;
}

}  // namespace

const char* KeyRefusalCode(KeyRefusal r) {
  switch (r) {
    case KeyRefusal::kMalformed: return "malformed";
    case KeyRefusal::kUnsigned: return "unsigned";
    case KeyRefusal::kSignerNotNational: return "signer_not_national";
    case KeyRefusal::kNoSignerKey: return "no_signer_key";
    case KeyRefusal::kBadSignature: return "bad_signature";
  }
  return "malformed";
}

const char* KeyRefusalWords(KeyRefusal r) {
  switch (r) {
    case KeyRefusal::kMalformed: return "密钥文件格式不正确";
    case KeyRefusal::kUnsigned: return "密钥未经国家信访局签名";
    case KeyRefusal::kSignerNotNational: return "签名者不是国家信访局";
    case KeyRefusal::kNoSignerKey: return "本节点没有国家信访局的可用公钥，无法验证签名";
    case KeyRefusal::kBadSignature: return "签名验证失败";
  }
  return "密钥文件格式不正确";
}

KeyVerdict VerifyKeyDocument(std::string_view bytes, const PublicKeysOf& keys_of) {
  KeyVerdict v;
  auto parsed = dedup::wire::ParseKeyDocument(bytes);
  if (!parsed) {
    v.refused = KeyRefusal::kMalformed;
    v.detail = parsed.error().message;
    return v;
  }
  v.doc = std::move(parsed).value();
  const std::string national(exchange::kRootNode);
  if (!v.doc.Signed()) {
    v.refused = KeyRefusal::kUnsigned;
    v.detail = "the document is " + std::string(dedup::wire::kKeyFormat) + ", not signed by the national bureau " + national;
    return v;
  }
  if (v.doc.signer != national) {
    v.refused = KeyRefusal::kSignerNotNational;
    v.detail = "signed by " + v.doc.signer + "; only the national bureau " + national + " makes the system key";
    return v;
  }
  const auto keys = keys_of ? keys_of(v.doc.signer) : std::vector<std::shared_ptr<const exchange::PublicKey>>{};
  if (keys.empty()) {
    v.refused = KeyRefusal::kNoSignerKey;
    v.detail = "no usable signing key of " + national +
               " is known here (configuration, key directory or signed directory; or it is revoked)";
    return v;
  }
  const bool ok = std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return k && VerifiesWith(v.doc, *k); });
  if (!ok) {
    v.refused = KeyRefusal::kBadSignature;
    v.detail = "the signature does not verify with any key of " + national + " known here";
  }
  return v;
}

Result<std::string> SignKeyDocument(const std::string& key_id, const std::string& secret, const std::string& signer,
                                    const exchange::PrivateKey& key) {
  dedup::wire::KeyDocument doc;
  doc.key_id = key_id;
  doc.secret = secret;
  doc.signer = signer;
  std::string text = dedup::wire::SignedText(doc);
  auto sig = exchange::SignBytes(key, text);
  std::fill(text.begin(), text.end(), '\0');
  if (!sig) {
    std::fill(doc.secret.begin(), doc.secret.end(), '\0');
    return sig.error();
  }
  doc.signature = exchange::Base64Encode(*sig);
  std::string out = dedup::wire::KeyDocumentJson(doc);
  std::fill(doc.secret.begin(), doc.secret.end(), '\0');
  return out;
}

bool IsSignedWith(const dedup::wire::KeyDocument& doc, const std::string& signer, const exchange::PublicKey& key) {
  return doc.Signed() && doc.signer == signer && VerifiesWith(doc, key);
}

}  // namespace xf::node
