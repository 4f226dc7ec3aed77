#include "exchange/batch.h"

#include <openssl/evp.h>
#include <zstd.h>

#include <memory>

#include "schema/detail/xml_event.h"
#include "schema/detail/xml_reader.h"
#include "schema/detail/text.h"
#include "schema/xml.h"

namespace xf::exchange {

namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};


bool ParseU64(const std::string& s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::string DownStream(const std::string& destination) { return "down." + destination; }

std::string MakeBatchId(const std::string& origin, const std::string& stream, std::uint64_t seq) {
  return origin + "-" + stream + "-" + std::to_string(seq);
}

std::string BatchXml(const BatchHeader& h, const std::vector<std::string>& event_xml) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<batch xmlns=\"";
  out += schema::kXmlNamespace;
  out += "\"><header>";
  schema::detail::AppendXmlElement(out, "batch_id", h.batch_id);
  schema::detail::AppendXmlElement(out, "origin", h.origin);
  schema::detail::AppendXmlElement(out, "destination", h.destination);
  schema::detail::AppendXmlElement(out, "stream", h.stream);
  schema::detail::AppendXmlElement(out, "seq", std::to_string(h.seq));
  schema::detail::AppendXmlElement(out, "created", h.created.ToString());
  schema::detail::AppendXmlElement(out, "code_version", h.code_version);
  schema::detail::AppendXmlElement(out, "record_count", std::to_string(h.record_count));
  if (!h.attachments.empty()) {
    out += "<attachments>";
    for (const auto& a : h.attachments) schema::detail::AppendXmlElement(out, "sha256", a);
    out += "</attachments>";
  }
  out += "</header>";
  for (const auto& e : event_xml) out += e;
  out += "</batch>\n";
  return out;
}

Result<std::string> Compress(std::string_view data, int level) {
  std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
  if (!ctx) return MakeError(Errc::kInternal, "ZSTD_createCCtx");
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setPledgedSrcSize(ctx.get(), data.size());
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress2(ctx.get(), out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(n)) return MakeError(Errc::kInternal, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> Decompress(std::string_view frame, std::size_t max_out) {
  std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  if (!ctx) return MakeError(Errc::kInternal, "ZSTD_createDCtx");
  // Bound the window so a hostile frame cannot make us allocate a huge buffer.
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 27);
  std::string out;
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  size_t ret = 1;
  while (in.pos < in.size) {
    ZSTD_outBuffer ob{chunk.data(), chunk.size(), 0};
    ret = ZSTD_decompressStream(ctx.get(), &ob, &in);
    if (ZSTD_isError(ret)) {
      return MakeError(Errc::kInvalidArgument, std::string("not a valid zstd frame: ") + ZSTD_getErrorName(ret));
    }
    if (out.size() + ob.pos > max_out) {
      return MakeError(Errc::kLimit, "decompresses to more than " + std::to_string(max_out) + " bytes");
    }
    out.append(chunk.data(), ob.pos);
    if (ret == 0 && in.pos < in.size) {
      return MakeError(Errc::kInvalidArgument, "trailing bytes after the zstd frame");
    }
  }
  // Flush whatever the decoder still holds.
  while (ret != 0) {
    ZSTD_outBuffer ob{chunk.data(), chunk.size(), 0};
    ret = ZSTD_decompressStream(ctx.get(), &ob, &in);
    if (ZSTD_isError(ret)) {
      return MakeError(Errc::kInvalidArgument, std::string("not a valid zstd frame: ") + ZSTD_getErrorName(ret));
    }
    if (ob.pos == 0 && ret != 0) return MakeError(Errc::kInvalidArgument, "truncated zstd frame");
    if (out.size() + ob.pos > max_out) {
      return MakeError(Errc::kLimit, "decompresses to more than " + std::to_string(max_out) + " bytes");
    }
    out.append(chunk.data(), ob.pos);
  }
  return out;
}

namespace {

std::string Sha256Raw(std::string_view bytes) {
  unsigned char md[32];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), n);
}

}  // namespace

Result<std::string> SignBytes(const PrivateKey& key, std::string_view bytes) {
  if (key.Alg() == SignAlg::kEd25519) return key.Sign(Sha256Raw(bytes));
  return key.Sign(bytes);
}

bool VerifyBytes(const PublicKey& key, std::string_view bytes, std::string_view signature) {
  if (key.Alg() == SignAlg::kEd25519) return key.Verify(Sha256Raw(bytes), signature);
  return key.Verify(bytes, signature);
}

struct BatchReader::State {
  schema::detail::XmlPull pull;
  BatchLimits limits;
  std::uint64_t read = 0;
  bool done = false;
  State(std::string_view xml, const schema::XmlLimits& xl, const BatchLimits& l) : pull(xml, xl), limits(l) {}

  Error Fail(const std::string& why) {
    if (pull.Failed()) return MakeError(pull.error().code, "batch: " + pull.error().message);
    return MakeError(Errc::kInvalidArgument, "batch line " + std::to_string(pull.Line()) + ": " + why);
  }
};

BatchReader::BatchReader() = default;
BatchReader::~BatchReader() = default;
BatchReader::BatchReader(BatchReader&&) noexcept = default;
BatchReader& BatchReader::operator=(BatchReader&&) noexcept = default;

Result<BatchReader> BatchReader::Open(std::string_view xml, const BatchLimits& limits) {
  using schema::detail::XmlPull;
  schema::XmlLimits xl;
  xl.max_bytes = limits.max_decompressed;
  BatchReader r;
  r.m_state = std::make_unique<State>(xml, xl, limits);
  XmlPull& p = r.m_state->pull;
  auto fail = [&](const std::string& why) { return r.m_state->Fail(why); };
  if (p.Next() != XmlPull::Tok::kStart || p.Name() != "batch" || !schema::detail::IsOurs(p.Ns())) {
    return fail("the document is not a <batch> in " + std::string(schema::kXmlNamespace));
  }
  if (p.Next() != XmlPull::Tok::kStart || p.Name() != "header") return fail("<header> must come first");
  bool have_seq = false, have_count = false, have_created = false;
  auto& h = r.m_header;
  for (;;) {
    const auto t = p.Next();
    if (t == XmlPull::Tok::kEnd) break;  // </header>
    if (t != XmlPull::Tok::kStart) return fail("unexpected content in <header>");
    const std::string name = p.Name();
    if (name == "attachments") {
      for (;;) {
        const auto a = p.Next();
        if (a == XmlPull::Tok::kEnd) break;
        if (a != XmlPull::Tok::kStart || p.Name() != "sha256") return fail("unexpected content in <attachments>");
        std::string text;
        for (auto x = p.Next(); x != XmlPull::Tok::kEnd; x = p.Next()) {
          if (x != XmlPull::Tok::kText) return fail("bad <sha256>");
          text += p.Text();
        }
        h.attachments.push_back(text);
      }
      continue;
    }
    std::string text;
    for (auto x = p.Next(); x != XmlPull::Tok::kEnd; x = p.Next()) {
      if (x != XmlPull::Tok::kText) return fail("bad <" + name + ">");
      text += p.Text();
    }
    if (name == "batch_id") h.batch_id = text;
    else if (name == "origin") h.origin = text;
    else if (name == "destination") h.destination = text;
    else if (name == "stream") h.stream = text;
    else if (name == "seq") have_seq = ParseU64(text, h.seq);
    else if (name == "created") {
      auto i = Instant::Parse(text);
      if (i) h.created = *i;
      have_created = i.has_value();
    } else if (name == "code_version") h.code_version = text;
    else if (name == "record_count") have_count = ParseU64(text, h.record_count);
    else return fail("unknown header element <" + name + ">");
  }
  if (h.batch_id.empty() || h.origin.empty() || h.destination.empty() || h.stream.empty() || !have_seq ||
      h.seq == 0 || !have_created || h.code_version.empty() || !have_count) {
    return fail("the header lacks batch_id, origin, destination, stream, seq, created, code_version or record_count");
  }
  return r;
}

Result<bool> BatchReader::Next(ParsedEvent& out) {
  using schema::detail::XmlPull;
  State& s = *m_state;
  if (s.done) return false;
  XmlPull& p = s.pull;
  const auto t = p.Next();
  if (t == XmlPull::Tok::kEnd) {  // </batch>
    s.done = true;
    if (p.Next() != XmlPull::Tok::kDone) return s.Fail("content after </batch>");
    if (s.read != m_header.record_count) {
      return s.Fail("record_count says " + std::to_string(m_header.record_count) + " but the batch holds " +
                    std::to_string(s.read) + " events");
    }
    return false;
  }
  if (t != XmlPull::Tok::kStart || p.Name() != "event") return s.Fail("expected <event>");
  if (s.read >= s.limits.max_events || s.read >= m_header.record_count) {
    return s.read >= s.limits.max_events
               ? MakeError(Errc::kLimit, "more than " + std::to_string(s.limits.max_events) + " events")
               : s.Fail("more events than record_count (" + std::to_string(m_header.record_count) + ")");
  }
  out.violations.clear();
  out.event = schema::detail::ReadEvent(p, out.violations);
  if (p.Failed()) return s.Fail("bad event");
  out.xml = schema::EventToXml(out.event);
  ++s.read;
  return true;
}

Result<ParsedBatch> ParseBatchXml(std::string_view xml, const BatchLimits& limits) {
  auto reader = BatchReader::Open(xml, limits);
  if (!reader) return reader.error();
  ParsedBatch b;
  b.header = reader->Header();
  for (;;) {
    ParsedEvent pe;
    auto more = reader->Next(pe);
    if (!more) return more.error();
    if (!*more) break;
    b.events.push_back(std::move(pe));
  }
  return b;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0 || text.size() > 8192) return MakeError(Errc::kInvalidArgument, "bad base64");
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return MakeError(Errc::kInvalidArgument, "bad base64");
  std::size_t len = static_cast<std::size_t>(n);
  if (!text.empty() && text.back() == '=') --len;
  if (text.size() > 1 && text[text.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

}  // namespace xf::exchange
