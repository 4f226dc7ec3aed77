// libFuzzer target: the streaming batch reader (exchange/batch.h) on
// arbitrary bytes, both as XML and as a zstd frame, read through small
// pieces so chunk boundaries fall anywhere. Properties beyond "no crash, no
// leak, no UB": the streaming reader and the in-memory one agree on the XML
// (both refuse, or both give the same header and events), and the zstd
// source never yields more than its bound.
//
//   clang++ -fsanitize=fuzzer,address,undefined … fuzz_batch_stream.cc
//   ./fuzz_batch_stream -max_len=65536 test/data/xml/valid
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "exchange/batch.h"

namespace {

using namespace xf::exchange;  // NOLINT: a fuzz target

[[noreturn]] void Fail() { __builtin_trap(); }

// A source that hands out at most `piece` bytes per read.
class Trickle final : public ByteSource {
 public:
  Trickle(std::string_view bytes, std::size_t piece) : m_bytes(bytes), m_piece(piece) {}
  xf::Result<std::size_t> Read(char* buf, std::size_t n) override {
    const std::size_t k = std::min({n, m_piece, m_bytes.size()});
    std::copy(m_bytes.begin(), m_bytes.begin() + static_cast<std::ptrdiff_t>(k), buf);
    m_bytes.remove_prefix(k);
    return k;
  }

 private:
  std::string_view m_bytes;
  std::size_t m_piece;
};

const BatchLimits kLimits{.max_compressed = 1 << 20, .max_decompressed = 1 << 20, .max_events = 1000};

// Every event's XML, or nothing when the batch is refused.
bool ReadAll(xf::Result<BatchReader> reader, std::vector<std::string>& out) {
  if (!reader) return false;
  out.push_back(reader->Header().batch_id);
  for (;;) {
    ParsedEvent pe;
    auto more = reader->Next(pe);
    if (!more) return false;
    if (!*more) return true;
    out.push_back(pe.xml);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t piece = size == 0 ? 1 : 1 + data[0] % 64;
  std::vector<std::string> a, b;
  const bool ok_stream = ReadAll(BatchReader::Open(std::make_unique<Trickle>(in, piece), kLimits), a);
  const bool ok_memory = ReadAll(BatchReader::Open(in, kLimits), b);
  if (ok_stream != ok_memory || (ok_stream && a != b)) Fail();
  // The same bytes as a zstd frame: bounded output, whatever they are.
  auto z = ZstdSource::Make(std::make_unique<Trickle>(in, piece), 4096);
  if (!z) return 0;
  std::string buf(512, '\0');
  std::size_t total = 0;
  for (int i = 0; i < 100000; ++i) {
    auto n = (*z)->Read(buf.data(), buf.size());
    if (!n || *n == 0) break;
    total += *n;
    if (total > 4096) Fail();
  }
  return 0;
}
