#include "exchange/proof.h"

#include <openssl/evp.h>

#include "exchange/batch.h"
#include "exchange/detail/proof_xml.h"
#include "schema/detail/text.h"
#include "schema/xml.h"

namespace xf::exchange {

namespace {

std::string Sha256Of(std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  EVP_DigestUpdate(ctx, b.data(), b.size());
  EVP_DigestUpdate(ctx, c.data(), c.size());
  EVP_DigestFinal_ex(ctx, md, &n);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<char*>(md), n);
}

const std::string_view kLeafPrefix("\x00", 1);
const std::string_view kNodePrefix("\x01", 1);

std::string NodeHash(std::string_view left, std::string_view right) { return Sha256Of(kNodePrefix, left, right); }

// The largest power of two below n (n > 1).
std::size_t Split(std::size_t n) {
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

std::string Root(const std::vector<std::string>& leaves, std::size_t from, std::size_t n) {
  if (n == 1) return leaves[from];
  const std::size_t k = Split(n);
  return NodeHash(Root(leaves, from, k), Root(leaves, from + k, n - k));
}

void Path(const std::vector<std::string>& leaves, std::size_t from, std::size_t n, std::size_t m,
          std::vector<std::string>& out) {
  if (n == 1) return;
  const std::size_t k = Split(n);
  if (m < k) {
    Path(leaves, from, k, m, out);
    out.push_back(Root(leaves, from + k, n - k));
  } else {
    Path(leaves, from + k, n - k, m - k, out);
    out.push_back(Root(leaves, from, k));
  }
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// "<origin>" of "<origin>:<seq>" or of "<origin>-<stream>-<seq>".
std::string_view OriginOfEventId(std::string_view id) { return id.substr(0, id.find(':')); }
std::string_view OriginOfBatchId(std::string_view id) { return id.substr(0, id.find('-')); }

}  // namespace

std::string EventLeafHash(std::string_view event_xml) { return Sha256Of(kLeafPrefix, event_xml); }

std::string MerkleRoot(const std::vector<std::string>& leaves) { return Root(leaves, 0, leaves.size()); }

std::vector<std::string> MerklePath(const std::vector<std::string>& leaves, std::size_t index) {
  std::vector<std::string> out;
  Path(leaves, 0, leaves.size(), index, out);
  return out;
}

std::optional<std::string> RootFromPath(std::string_view leaf, std::uint64_t index, std::uint64_t count,
                                        const std::vector<std::string>& path) {
  if (count == 0 || index >= count) return std::nullopt;
  std::uint64_t fn = index, sn = count - 1;
  std::string r(leaf);
  for (const auto& p : path) {
    if (sn == 0 || p.size() != 32) return std::nullopt;
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return std::nullopt;
  return r;
}

std::string EventsStatement(std::string_view batch_id, std::uint64_t count, std::string_view root) {
  return "xfnode-events-1 " + std::string(batch_id) + " " + std::to_string(count) + " " + Hex(root);
}

namespace {

std::string RootOfEvents(const std::vector<std::string>& event_xml) {
  std::vector<std::string> leaves;
  leaves.reserve(event_xml.size());
  for (const auto& x : event_xml) leaves.push_back(EventLeafHash(x));
  return MerkleRoot(leaves);
}

}  // namespace

Result<std::string> SignEvents(const PrivateKey& key, std::string_view batch_id,
                               const std::vector<std::string>& event_xml) {
  if (event_xml.empty()) return MakeError(Errc::kInvalidArgument, "a batch without events");
  return SignBytes(key, EventsStatement(batch_id, event_xml.size(), RootOfEvents(event_xml)));
}

bool VerifyEvents(const PublicKey& key, std::string_view batch_id, const std::vector<std::string>& event_xml,
                  std::string_view signature) {
  if (event_xml.empty()) return false;
  return VerifyBytes(key, EventsStatement(batch_id, event_xml.size(), RootOfEvents(event_xml)), signature);
}

EventProof MakeEventProof(std::string event_id, std::string batch_id, const std::vector<std::string>& event_xml,
                          std::size_t index, std::string signature) {
  std::vector<std::string> leaves;
  leaves.reserve(event_xml.size());
  for (const auto& x : event_xml) leaves.push_back(EventLeafHash(x));
  EventProof p;
  p.event_id = std::move(event_id);
  p.batch_id = std::move(batch_id);
  p.count = event_xml.size();
  p.index = index;
  p.path = MerklePath(leaves, index);
  p.signature = std::move(signature);
  return p;
}

std::string CheckEventProof(const EventProof& proof, std::string_view event_id, std::string_view event_xml,
                            const PublicKey& origin_key) {
  if (proof.event_id != event_id) return "the proof is for event " + proof.event_id;
  if (OriginOfBatchId(proof.batch_id) != OriginOfEventId(event_id)) {
    return "the proof names batch " + proof.batch_id + ", which is not a batch of the event's origin";
  }
  const auto root = RootFromPath(EventLeafHash(event_xml), proof.index, proof.count, proof.path);
  if (!root) return "the proof's audit path does not fit a batch of " + std::to_string(proof.count) + " events";
  if (!VerifyBytes(origin_key, EventsStatement(proof.batch_id, proof.count, *root), proof.signature)) {
    return "the event is not what its origin signed in batch " + proof.batch_id +
           " (the events signature does not verify with the origin's key)";
  }
  return {};
}

std::string EventProofXml(const EventProof& p) {
  using schema::detail::AppendXmlElement;
  std::string out = "<proof>";
  AppendXmlElement(out, "event_id", p.event_id);
  AppendXmlElement(out, "batch_id", p.batch_id);
  AppendXmlElement(out, "count", std::to_string(p.count));
  AppendXmlElement(out, "index", std::to_string(p.index));
  for (const auto& h : p.path) AppendXmlElement(out, "path", Hex(h));
  AppendXmlElement(out, "signature", Base64Encode(p.signature));
  out += "</proof>";
  return out;
}

namespace detail {

bool ReadProof(schema::detail::XmlPull& p, EventProof& out, std::string& why) {
  using schema::detail::XmlPull;
  out = EventProof{};
  bool have_count = false, have_index = false, have_sig = false;
  for (;;) {
    const auto t = p.Next();
    if (t == XmlPull::Tok::kEnd) break;  // </proof>
    if (t != XmlPull::Tok::kStart) {
      why = "unexpected content in <proof>";
      return false;
    }
    const std::string name = p.Name();
    std::string text;
    for (auto x = p.Next(); x != XmlPull::Tok::kEnd; x = p.Next()) {
      if (x != XmlPull::Tok::kText || text.size() + p.Text().size() > 2 * kMaxProofSignature) {
        why = "bad <" + name + "> in <proof>";
        return false;
      }
      text += p.Text();
    }
    if (name == "event_id") {
      out.event_id = text;
    } else if (name == "batch_id") {
      out.batch_id = text;
    } else if (name == "count" || name == "index") {
      const auto v = schema::detail::ParseUint64(text);
      if (!v) {
        why = "<" + name + "> in <proof> is not a number";
        return false;
      }
      (name == "count" ? out.count : out.index) = *v;
      (name == "count" ? have_count : have_index) = true;
    } else if (name == "path") {
      auto h = FromHex(text);
      if (!h || h->size() != 32 || out.path.size() >= kMaxProofPath) {
        why = "a <path> in <proof> is not 64 hex digits, or there are too many";
        return false;
      }
      out.path.push_back(std::move(*h));
    } else if (name == "signature") {
      auto s = Base64Decode(text);
      if (!s || s->empty() || s->size() > kMaxProofSignature) {
        why = "<signature> in <proof> is not base64";
        return false;
      }
      out.signature = std::move(*s);
      have_sig = true;
    } else {
      why = "unknown element <" + name + "> in <proof>";
      return false;
    }
  }
  if (out.event_id.empty() || out.batch_id.empty() || !have_count || !have_index || !have_sig ||
      out.index >= out.count) {
    why = "a <proof> needs event_id, batch_id, count, index below count, and signature";
    return false;
  }
  return true;
}

}  // namespace detail

Result<EventProof> ParseEventProofXml(std::string_view xml) {
  using schema::detail::XmlPull;
  schema::XmlLimits limits;
  limits.max_bytes = 64 * 1024;
  // A stored proof has no namespace declaration of its own: read it inside one.
  const std::string doc = "<proofs xmlns=\"" + std::string(schema::kXmlNamespace) + "\">" + std::string(xml) +
                          "</proofs>";
  XmlPull p(doc, limits);
  if (p.Next() != XmlPull::Tok::kStart || p.Next() != XmlPull::Tok::kStart || p.Name() != "proof" ||
      !schema::detail::IsOurs(p.Ns())) {
    return MakeError(Errc::kInvalidArgument, "not a <proof>");
  }
  EventProof out;
  std::string why;
  if (!detail::ReadProof(p, out, why)) return MakeError(Errc::kInvalidArgument, why);
  if (p.Next() != XmlPull::Tok::kEnd || p.Next() != XmlPull::Tok::kDone) {
    return MakeError(Errc::kInvalidArgument, "content after </proof>");
  }
  return out;
}

}  // namespace xf::exchange
