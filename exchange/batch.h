// Batches: the unit of transfer and of signing (design.md, "Exchange";
// exchange/PROTOCOL.md has the bytes).
//
// A batch is UTF-8 XML (<batch> of schema/xfnode.xsd: a header, then the
// canonical <event> elements exactly as the origin stored them), compressed
// as one zstd frame. The origin signs the compressed bytes:
//   ed25519: Ed25519 over SHA-256(bytes)  (32-byte message; lets a receiver
//            hash a large batch as it streams in)
//   sm2:     SM2 with SM3 over the bytes, signer id "1234567812345678"
// Relays store and forward the same bytes and signature; nobody re-packs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/date.h"
#include "codes/result.h"
#include "exchange/crypto.h"
#include "exchange/proof.h"
#include "schema/records.h"
#include "schema/violation.h"

namespace xf::exchange {

// Streams: "up" carries an origin's own events toward the root; "down.<id>"
// carries what an origin sends down to the jurisdiction <id>. Sequence
// numbers are contiguous per (origin, stream), from 1.
// The exchange endpoints' own headers (PROTOCOL.md, "Transport"), lower-case
// as HttpRequest::headers holds them.
namespace header {
inline constexpr const char* kOrigin = "x-xf-origin";
inline constexpr const char* kSignature = "x-xf-signature";
inline constexpr const char* kBatchId = "x-xf-batch-id";
inline constexpr const char* kQseq = "x-xf-qseq";
// The origin's events signature (exchange/proof.h), base64; optional.
inline constexpr const char* kEventsSignature = "x-xf-events-signature";
}  // namespace header

inline constexpr std::string_view kUpStream = "up";
std::string DownStream(const std::string& destination);  // "down.<destination>"
inline constexpr std::string_view kRootNode = "100000";   // the national bureau

struct BatchHeader {
  std::string batch_id;     // "<origin>-<stream>-<seq>"
  std::string origin;       // node id of the signer
  std::string destination;  // node id the batch is for (the root for "up")
  std::string stream;
  std::uint64_t seq = 0;
  Instant created;
  std::string code_version;
  std::uint64_t record_count = 0;
  std::vector<std::string> attachments;  // SHA-256 of every attachment its events refer to
};

std::string MakeBatchId(const std::string& origin, const std::string& stream, std::uint64_t seq);
// The parts of a batch id "<origin>-<stream>-<seq>" (X-Xf-Batch-Id): a node
// id, "up" or "down.<node id>", and a sequence number from 1; nullopt for
// anything else (at most 100 characters).
struct BatchIdParts {
  std::string origin, stream;
  std::uint64_t seq = 0;
};
std::optional<BatchIdParts> ParseBatchId(std::string_view id);

// The XML of a batch from its header and the events' canonical XML
// (schema::EventToXml), concatenated in order; `proofs` (EventProofXml of
// events of other origins, exchange/proof.h) go in <proofs> before them.
std::string BatchXml(const BatchHeader& header, const std::vector<std::string>& event_xml,
                     const std::vector<std::string>& proofs = {});

// The receive path streams (file on disk → zstd → XML pull parser → store),
// so these bound a batch, not the memory it takes.
struct BatchLimits {
  std::size_t max_compressed = std::size_t{2} << 30;    // bytes on the wire (2 GiB)
  std::size_t max_decompressed = std::size_t{4} << 30;  // bytes of XML (4 GiB), checked as it streams
  std::size_t max_events = 1'000'000;
};

Result<std::string> Compress(std::string_view data, int level = 3);
// One zstd frame, bounded: fails (kLimit) past `max_out` bytes of output,
// (kInvalidArgument) on anything that is not a complete zstd frame.
Result<std::string> Decompress(std::string_view frame, std::size_t max_out);

// A source of bytes read in order. Read fills up to `n` bytes of `buf` and
// answers how many; 0 only at the end. The first failure is sticky.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual Result<std::size_t> Read(char* buf, std::size_t n) = 0;
};

// The bytes of a file.
class FileSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::filesystem::path& file);
  ~FileSource() override;
  Result<std::size_t> Read(char* buf, std::size_t n) override;
  std::uint64_t Size() const { return m_size; }

 private:
  FileSource(int fd, std::filesystem::path path, std::uint64_t size)
      : m_fd(fd), m_path(std::move(path)), m_size(size) {}
  int m_fd;
  std::filesystem::path m_path;
  std::uint64_t m_size;
};

// The bytes of a string. REQUIRES: they outlive the source.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view bytes) : m_bytes(bytes) {}
  Result<std::size_t> Read(char* buf, std::size_t n) override;

 private:
  std::string_view m_bytes;
};

// One zstd frame read from `in`, decompressed as it is read, with a
// bounded window and a bounded input buffer: kLimit past `max_out` bytes
// of output, kInvalidArgument on a frame that is bad, truncated or
// followed by more bytes.
class ZstdSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<ZstdSource>> Make(std::unique_ptr<ByteSource> in, std::uint64_t max_out);
  ~ZstdSource() override;
  Result<std::size_t> Read(char* buf, std::size_t n) override;

 private:
  ZstdSource() = default;
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Writes one zstd frame (with its content checksum) to a file as data
// comes, never holding the whole: the batch files of tools and benchmarks.
class ZstdFileWriter {
 public:
  static Result<std::unique_ptr<ZstdFileWriter>> Create(const std::filesystem::path& file, int level = 3);
  ~ZstdFileWriter();  // an unfinished file is left truncated; remove it
  Status Write(std::string_view data);
  // Ends the frame, fsyncs and closes. Answers the compressed size.
  Result<std::uint64_t> Finish();

 private:
  ZstdFileWriter() = default;
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The signature over batch (or receipt) bytes as described above.
Result<std::string> SignBytes(const PrivateKey& key, std::string_view bytes);
bool VerifyBytes(const PublicKey& key, std::string_view bytes, std::string_view signature);
// The same over a file's bytes, read once as a stream. VerifyFile also
// answers the file's SHA-256 (hex) in `sha256_hex` when given; it fails
// (kIo) when the file cannot be read, and answers false when the
// signature does not verify.
Result<std::string> SignFile(const PrivateKey& key, const std::filesystem::path& file);
Result<bool> VerifyFile(const PublicKey& key, const std::filesystem::path& file, std::string_view signature,
                        std::string* sha256_hex = nullptr);
// SHA-256 (hex) of a file's bytes, streaming.
Result<std::string> Sha256File(const std::filesystem::path& file);

struct ParsedEvent {
  schema::Event event;
  // The event's canonical XML, re-serialised here from what was parsed
  // (schema::EventToXml): for a well-formed event it equals, byte for byte,
  // what the origin stored and signed; a node stores and forwards these
  // bytes, never a re-packed batch.
  std::string xml;
  schema::Violations violations; // mapping problems (R3) of this event
};

struct ParsedBatch {
  BatchHeader header;
  std::map<std::string, EventProof> proofs;
  std::vector<ParsedEvent> events;
};

// Reads decompressed batch XML as a stream: the header (and the proofs of
// events of other origins, if any) on Open, then one event per Next. Fails (whole batch) when the document is not a
// well-formed <batch>, its header is incomplete, or record_count does not
// match (reported by the Next that reaches </batch>); a bad event comes
// back with its violations so the rest can apply.
// REQUIRES: the bytes behind `xml` outlive the reader. Not thread-safe;
// one thread may read while another uses the events it produced.
class BatchReader {
 public:
  static Result<BatchReader> Open(std::string_view xml, const BatchLimits& limits = {});
  // Streaming: the XML is pulled from `xml` as the reader needs it (e.g. a
  // ZstdSource over a FileSource), so memory stays bounded whatever the
  // batch's size; max_decompressed bounds the bytes read. A failure of the
  // source (a bad zstd frame, a limit) fails the batch with its message.
  static Result<BatchReader> Open(std::unique_ptr<ByteSource> xml, const BatchLimits& limits = {});
  const BatchHeader& Header() const { return m_header; }
  // The batch's <proofs>, by event id (at most one per event; a second for
  // the same id fails the batch). Checked by whoever holds the keys.
  const std::map<std::string, EventProof>& Proofs() const { return m_proofs; }
  // true: `out` holds the next event; false: the batch ended well.
  Result<bool> Next(ParsedEvent& out);

  ~BatchReader();
  BatchReader(BatchReader&&) noexcept;
  BatchReader& operator=(BatchReader&&) noexcept;

 private:
  BatchReader();
  Status ReadHeader();
  struct State;
  std::unique_ptr<State> m_state;
  BatchHeader m_header;
  std::map<std::string, EventProof> m_proofs;
};

// The whole batch at once (tools, tests).
Result<ParsedBatch> ParseBatchXml(std::string_view xml, const BatchLimits& limits = {});

// Base64 (RFC 4648) for signatures in HTTP headers.
std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

}  // namespace xf::exchange
