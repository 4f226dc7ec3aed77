#include "exchange/batch.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <cstring>
#include <memory>
#include <optional>

#include "exchange/detail/proof_xml.h"
#include "schema/detail/xml_event.h"
#include "schema/detail/xml_reader.h"
#include "schema/detail/text.h"
#include "schema/validate.h"
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

std::optional<BatchIdParts> ParseBatchId(std::string_view id) {
  if (id.size() > 100) return std::nullopt;
  const auto first = id.find('-');
  const auto last = id.rfind('-');
  if (first == std::string_view::npos || last == first) return std::nullopt;
  BatchIdParts p;
  p.origin = std::string(id.substr(0, first));
  p.stream = std::string(id.substr(first + 1, last - first - 1));
  const std::string seq(id.substr(last + 1));
  if (!schema::IsNodeId(p.origin) || !ParseU64(seq, p.seq) || p.seq == 0) return std::nullopt;
  if (p.stream != kUpStream && !(p.stream.rfind("down.", 0) == 0 && schema::IsNodeId(p.stream.substr(5)))) {
    return std::nullopt;
  }
  return p;
}

std::string BatchXml(const BatchHeader& h, const std::vector<std::string>& event_xml,
                     const std::vector<std::string>& proofs) {
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
  if (!proofs.empty()) {
    out += "<proofs>";
    for (const auto& p : proofs) out += p;
    out += "</proofs>";
  }
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

// ---- streaming sources and sinks --------------------------------------------

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MakeError(Errc::kIo, "cannot open " + file.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return MakeError(Errc::kIo, "cannot stat " + file.string());
  }
  return std::unique_ptr<FileSource>(new FileSource(fd, file, static_cast<std::uint64_t>(st.st_size)));
}

FileSource::~FileSource() {
  if (m_fd >= 0) ::close(m_fd);
}

Result<std::size_t> FileSource::Read(char* buf, std::size_t n) {
  for (;;) {
    const auto got = ::read(m_fd, buf, n);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) return MakeError(Errc::kIo, "cannot read " + m_path.string() + ": " + std::strerror(errno));
  }
}

Result<std::size_t> MemorySource::Read(char* buf, std::size_t n) {
  const std::size_t k = std::min(n, m_bytes.size());
  std::memcpy(buf, m_bytes.data(), k);
  m_bytes.remove_prefix(k);
  return k;
}

struct ZstdSource::Impl {
  std::unique_ptr<ByteSource> in;
  std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx;
  std::uint64_t max_out = 0;
  std::uint64_t out_total = 0;
  std::string inbuf;
  ZSTD_inBuffer ib{nullptr, 0, 0};
  bool in_eof = false;
  std::uint64_t in_total = 0;  // compressed bytes read
  bool frame_done = false;  // the frame ended (ZSTD_decompressStream answered 0)
  std::optional<Error> error;
};

Result<std::unique_ptr<ZstdSource>> ZstdSource::Make(std::unique_ptr<ByteSource> in, std::uint64_t max_out) {
  std::unique_ptr<ZstdSource> z(new ZstdSource());
  z->m_impl = std::make_unique<Impl>();
  auto& m = *z->m_impl;
  m.in = std::move(in);
  m.ctx.reset(ZSTD_createDCtx());
  if (!m.ctx) return MakeError(Errc::kInternal, "ZSTD_createDCtx");
  // Bound the window so a hostile frame cannot make us allocate a huge buffer.
  ZSTD_DCtx_setParameter(m.ctx.get(), ZSTD_d_windowLogMax, 27);
  m.max_out = max_out;
  m.inbuf.resize(ZSTD_DStreamInSize());
  m.ib = {m.inbuf.data(), 0, 0};
  return z;
}

ZstdSource::~ZstdSource() = default;

Result<std::size_t> ZstdSource::Read(char* buf, std::size_t n) {
  auto& m = *m_impl;
  if (m.error) return *m.error;
  auto fail = [&](Errc code, std::string why) -> Error {
    m.error = MakeError(code, std::move(why));
    return *m.error;
  };
  if (n == 0) return std::size_t{0};
  ZSTD_outBuffer ob{buf, n, 0};
  while (ob.pos == 0) {
    if (m.ib.pos == m.ib.size && !m.in_eof) {
      auto got = m.in->Read(m.inbuf.data(), m.inbuf.size());
      if (!got) return fail(got.error().code, got.error().message);
      m.ib = {m.inbuf.data(), *got, 0};
      m.in_total += *got;
      if (*got == 0) m.in_eof = true;
    }
    if (m.frame_done) {
      if (m.ib.pos < m.ib.size) return fail(Errc::kInvalidArgument, "trailing bytes after the zstd frame");
      if (m.in_eof) return std::size_t{0};
      continue;
    }
    const std::size_t before_in = m.ib.pos;
    const size_t ret = ZSTD_decompressStream(m.ctx.get(), &ob, &m.ib);
    if (ZSTD_isError(ret)) {
      return fail(Errc::kInvalidArgument, std::string("not a valid zstd frame: ") + ZSTD_getErrorName(ret));
    }
    if (ret == 0) m.frame_done = true;
    m.out_total += ob.pos;
    if (m.out_total > m.max_out) {
      return fail(Errc::kLimit, "decompresses to more than " + std::to_string(m.max_out) + " bytes");
    }
    // No progress at the end of the input: the frame is cut short.
    if (ob.pos == 0 && !m.frame_done && m.in_eof && m.ib.pos == before_in && m.ib.pos == m.ib.size) {
      return fail(Errc::kInvalidArgument, m.in_total == 0 ? "not a valid zstd frame: empty"
                                                          : "truncated zstd frame");
    }
  }
  return ob.pos;
}

struct ZstdFileWriter::Impl {
  std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx;
  int fd = -1;
  std::filesystem::path path;
  std::string outbuf;
  std::uint64_t written = 0;
  ~Impl() {
    if (fd >= 0) ::close(fd);
  }
  Status Flush(std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const auto w = ::write(fd, outbuf.data() + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return MakeError(Errc::kIo, "cannot write " + path.string() + ": " + std::strerror(errno));
      done += static_cast<std::size_t>(w);
    }
    written += n;
    return {};
  }
};

Result<std::unique_ptr<ZstdFileWriter>> ZstdFileWriter::Create(const std::filesystem::path& file, int level) {
  std::unique_ptr<ZstdFileWriter> w(new ZstdFileWriter());
  w->m_impl = std::make_unique<Impl>();
  auto& m = *w->m_impl;
  m.ctx.reset(ZSTD_createCCtx());
  if (!m.ctx) return MakeError(Errc::kInternal, "ZSTD_createCCtx");
  ZSTD_CCtx_setParameter(m.ctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(m.ctx.get(), ZSTD_c_checksumFlag, 1);
  // Receivers bound the window at 2^27: keep under it whatever the level.
  ZSTD_CCtx_setParameter(m.ctx.get(), ZSTD_c_windowLog, 23);
  m.path = file;
  m.fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (m.fd < 0) return MakeError(Errc::kIo, "cannot create " + file.string() + ": " + std::strerror(errno));
  m.outbuf.resize(ZSTD_CStreamOutSize());
  return w;
}

ZstdFileWriter::~ZstdFileWriter() = default;

Status ZstdFileWriter::Write(std::string_view data) {
  auto& m = *m_impl;
  ZSTD_inBuffer ib{data.data(), data.size(), 0};
  while (ib.pos < ib.size) {
    ZSTD_outBuffer ob{m.outbuf.data(), m.outbuf.size(), 0};
    const size_t r = ZSTD_compressStream2(m.ctx.get(), &ob, &ib, ZSTD_e_continue);
    if (ZSTD_isError(r)) return MakeError(Errc::kInternal, std::string("zstd: ") + ZSTD_getErrorName(r));
    if (auto s = m.Flush(ob.pos); !s) return s;
  }
  return {};
}

Result<std::uint64_t> ZstdFileWriter::Finish() {
  auto& m = *m_impl;
  ZSTD_inBuffer ib{nullptr, 0, 0};
  for (;;) {
    ZSTD_outBuffer ob{m.outbuf.data(), m.outbuf.size(), 0};
    const size_t r = ZSTD_compressStream2(m.ctx.get(), &ob, &ib, ZSTD_e_end);
    if (ZSTD_isError(r)) return MakeError(Errc::kInternal, std::string("zstd: ") + ZSTD_getErrorName(r));
    if (auto s = m.Flush(ob.pos); !s) return s.error();
    if (r == 0) break;
  }
  if (::fsync(m.fd) != 0) return MakeError(Errc::kIo, "cannot fsync " + m.path.string());
  ::close(m.fd);
  m.fd = -1;
  return m.written;
}

namespace {

// Feeds a file's bytes to `take`, 1 MiB at a time.
Status ForEachChunk(const std::filesystem::path& file, const std::function<void(std::string_view)>& take) {
  auto src = FileSource::Open(file);
  if (!src) return src.error();
  std::string buf(1 << 20, '\0');
  for (;;) {
    auto n = (*src)->Read(buf.data(), buf.size());
    if (!n) return n.error();
    if (*n == 0) return {};
    take(std::string_view(buf.data(), *n));
  }
}

}  // namespace

Result<std::string> Sha256File(const std::filesystem::path& file) {
  Sha256 h;
  if (auto s = ForEachChunk(file, [&](std::string_view c) { h.Update(c); }); !s) return s.error();
  return h.FinalHex();
}

Result<std::string> SignFile(const PrivateKey& key, const std::filesystem::path& file) {
  if (key.Alg() == SignAlg::kEd25519) {
    Sha256 h;
    if (auto s = ForEachChunk(file, [&](std::string_view c) { h.Update(c); }); !s) return s.error();
    return key.Sign(h.FinalRaw());
  }
  auto src = FileSource::Open(file);
  if (!src) return src.error();
  std::string buf(1 << 20, '\0');
  return key.SignStream([&]() -> Result<std::string_view> {
    auto n = (*src)->Read(buf.data(), buf.size());
    if (!n) return n.error();
    return std::string_view(buf.data(), *n);
  });
}

Result<bool> VerifyFile(const PublicKey& key, const std::filesystem::path& file, std::string_view signature,
                        std::string* sha256_hex) {
  Sha256 h;
  if (key.Alg() == SignAlg::kEd25519) {
    if (auto s = ForEachChunk(file, [&](std::string_view c) { h.Update(c); }); !s) return s.error();
    const std::string digest = h.FinalRaw();
    if (sha256_hex != nullptr) {
      static constexpr char kHex[] = "0123456789abcdef";
      sha256_hex->clear();
      for (unsigned char c : digest) {
        sha256_hex->push_back(kHex[c >> 4]);
        sha256_hex->push_back(kHex[c & 15]);
      }
    }
    return key.Verify(digest, signature);
  }
  auto v = StreamVerifier::Make(key);
  if (!v) return v.error();
  if (auto s = ForEachChunk(file,
                            [&](std::string_view c) {
                              v->Update(c);
                              if (sha256_hex != nullptr) h.Update(c);
                            });
      !s) {
    return s.error();
  }
  if (sha256_hex != nullptr) *sha256_hex = h.FinalHex();
  return v->Final(signature);
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
  std::unique_ptr<ByteSource> source;  // streaming only
  std::optional<Error> source_error;   // why the source stopped, if it failed
  schema::detail::XmlPull pull;
  BatchLimits limits;
  std::uint64_t read = 0;
  bool done = false;
  // The token after the header, when it was not <proofs>: Next takes it.
  std::optional<schema::detail::XmlPull::Tok> pending;
  State(std::string_view xml, const schema::XmlLimits& xl, const BatchLimits& l) : pull(xml, xl), limits(l) {}
  State(std::unique_ptr<ByteSource> src, const schema::XmlLimits& xl, const BatchLimits& l)
      : source(std::move(src)),
        pull([this](char* buf, int len) -> int {
               auto n = source->Read(buf, static_cast<std::size_t>(len));
               if (!n) {
                 source_error = n.error();
                 return -1;
               }
               return static_cast<int>(*n);
             },
             xl),
        limits(l) {}

  Error Fail(const std::string& why) {
    if (source_error) return MakeError(source_error->code, "batch: " + source_error->message);
    if (pull.Failed()) return MakeError(pull.error().code, "batch: " + pull.error().message);
    return MakeError(Errc::kInvalidArgument, "batch line " + std::to_string(pull.Line()) + ": " + why);
  }
};

BatchReader::BatchReader() = default;
BatchReader::~BatchReader() = default;
BatchReader::BatchReader(BatchReader&&) noexcept = default;
BatchReader& BatchReader::operator=(BatchReader&&) noexcept = default;

Result<BatchReader> BatchReader::Open(std::string_view xml, const BatchLimits& limits) {
  schema::XmlLimits xl;
  xl.max_bytes = limits.max_decompressed;
  BatchReader r;
  r.m_state = std::make_unique<State>(xml, xl, limits);
  if (auto s = r.ReadHeader(); !s) return s.error();
  return r;
}

Result<BatchReader> BatchReader::Open(std::unique_ptr<ByteSource> xml, const BatchLimits& limits) {
  schema::XmlLimits xl;
  xl.max_bytes = limits.max_decompressed;
  BatchReader r;
  r.m_state = std::make_unique<State>(std::move(xml), xl, limits);
  if (auto s = r.ReadHeader(); !s) return s.error();
  return r;
}

// White space in a batch, as the XSD reads it (PROTOCOL.md, "Batch"):
// between elements it is insignificant (a batch may be indented); around
// the value of a type whose whiteSpace facet is "collapse" (seq,
// record_count, created) it is removed; around a value of an xs:string type
// (batch_id, origin, destination, stream, code_version, sha256: patterns
// without spaces) it is kept by the XSD, so the value is invalid there and
// refused here, with a message that says so.
namespace {

using schema::detail::XmlPull;

// The next start or end tag, skipping white-space text; other text is an
// error (kText returned with the text in p.Text()).
XmlPull::Tok NextTag(XmlPull& p) {
  for (;;) {
    const auto t = p.Next();
    if (t != XmlPull::Tok::kText || !schema::detail::IsXmlSpace(p.Text())) return t;
  }
}

enum class Space { kCollapse, kPreserve };

// The text of a leaf element through its end tag; nullopt (with `why`) when
// it holds an element or, for kPreserve, white space around the value.
std::optional<std::string> LeafText(XmlPull& p, const std::string& name, Space space, std::string& why) {
  std::string text;
  for (auto x = p.Next(); x != XmlPull::Tok::kEnd; x = p.Next()) {
    if (x != XmlPull::Tok::kText) {
      why = "bad <" + name + ">: only text is allowed in it";
      return std::nullopt;
    }
    text += p.Text();
  }
  const std::string_view trimmed = schema::detail::TrimXmlSpace(text);
  if (space == Space::kCollapse) return std::string(trimmed);
  if (trimmed.size() != text.size()) {
    why = "<" + name + "> " + schema::detail::Quote(text) +
          " has white space around its value; its XSD type (an xs:string pattern) keeps white space, so "
          "the value is not valid there and is not trimmed here either";
    return std::nullopt;
  }
  return text;
}

}  // namespace

Status BatchReader::ReadHeader() {
  BatchReader& r = *this;
  XmlPull& p = r.m_state->pull;
  auto fail = [&](const std::string& why) { return r.m_state->Fail(why); };
  if (NextTag(p) != XmlPull::Tok::kStart || p.Name() != "batch" || !schema::detail::IsOurs(p.Ns())) {
    return fail("the document is not a <batch> in " + std::string(schema::kXmlNamespace));
  }
  if (NextTag(p) != XmlPull::Tok::kStart || p.Name() != "header") return fail("<header> must come first");
  bool have_seq = false, have_count = false, have_created = false;
  auto& h = r.m_header;
  auto unexpected = [&](XmlPull::Tok t, const std::string& where) {
    return fail(t == XmlPull::Tok::kText ? "unexpected text " + schema::detail::Quote(p.Text()) + " in <" + where + ">"
                                         : "unexpected content in <" + where + ">");
  };
  std::string why;
  for (;;) {
    const auto t = NextTag(p);
    if (t == XmlPull::Tok::kEnd) break;  // </header>
    if (t != XmlPull::Tok::kStart) return unexpected(t, "header");
    const std::string name = p.Name();
    if (name == "attachments") {
      for (;;) {
        const auto a = NextTag(p);
        if (a == XmlPull::Tok::kEnd) break;
        if (a != XmlPull::Tok::kStart || p.Name() != "sha256") return unexpected(a, "attachments");
        auto text = LeafText(p, "sha256", Space::kPreserve, why);
        if (!text) return fail(why);
        h.attachments.push_back(std::move(*text));
      }
      continue;
    }
    const bool collapse = name == "seq" || name == "created" || name == "record_count";
    auto value = LeafText(p, name, collapse ? Space::kCollapse : Space::kPreserve, why);
    if (!value) return fail(why);
    const std::string& text = *value;
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
  // Proofs of events of other origins, if any, come before the events.
  const auto t = NextTag(p);
  if (t == XmlPull::Tok::kStart && p.Name() == "proofs") {
    for (;;) {
      const auto a = NextTag(p);
      if (a == XmlPull::Tok::kEnd) break;  // </proofs>
      if (a != XmlPull::Tok::kStart || p.Name() != "proof") return fail("unexpected content in <proofs>");
      if (r.m_proofs.size() >= std::min<std::uint64_t>(h.record_count, r.m_state->limits.max_events)) {
        return fail("more proofs than events");
      }
      EventProof proof;
      std::string why;
      if (!detail::ReadProof(p, proof, why)) return fail(why);
      const std::string id = proof.event_id;
      if (!r.m_proofs.emplace(id, std::move(proof)).second) return fail("two proofs for event " + id);
    }
  } else {
    r.m_state->pending = t;  // the first event's start (or </batch>): Next takes it
  }
  return {};
}

Result<bool> BatchReader::Next(ParsedEvent& out) {
  using schema::detail::XmlPull;
  State& s = *m_state;
  if (s.done) return false;
  XmlPull& p = s.pull;
  XmlPull::Tok t;
  if (s.pending) {
    t = *s.pending;
    s.pending.reset();
  } else {
    t = NextTag(p);
  }
  if (t == XmlPull::Tok::kEnd) {  // </batch>
    s.done = true;
    if (NextTag(p) != XmlPull::Tok::kDone) return s.Fail("content after </batch>");
    if (s.read != m_header.record_count) {
      return s.Fail("record_count says " + std::to_string(m_header.record_count) + " but the batch holds " +
                    std::to_string(s.read) + " events");
    }
    return false;
  }
  if (t == XmlPull::Tok::kText) return s.Fail("unexpected text " + schema::detail::Quote(p.Text()) + " in <batch>");
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
  b.proofs = reader->Proofs();
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
