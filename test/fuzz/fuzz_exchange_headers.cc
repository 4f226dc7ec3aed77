// libFuzzer target: the exchange's header values and small fields from a
// peer (exchange/http.h, exchange/batch.h, exchange/crypto.h): Range,
// Content-Range, decimals (X-Xf-Received, X-Xf-Qseq), X-Xf-Batch-Id,
// base64 (X-Xf-Signature, X-Xf-Events-Signature) and PEM certificates (a
// peer's, the directory's). Each line of the input is tried as each of them.
// Properties: a Range parsed has END ≥ START; a batch id parsed is made
// again from its parts; base64 decoded encodes back to text that decodes to
// the same bytes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/http.h"

namespace ex = xf::exchange;

namespace {

void One(std::string_view v) {
  std::uint64_t start = 0, end = 0, total = 0;
  std::optional<std::uint64_t> last;
  if (ex::ParseRange(v, start, last) && last && *last < start) __builtin_trap();
  if (ex::ParseContentRange(v, start, end, total) && v.substr(0, 6) != "bytes ") __builtin_trap();
  std::uint64_t n = 0;
  if (ex::ParseDecimal(v, n) && std::to_string(n).size() > v.size()) __builtin_trap();
  if (auto id = ex::ParseBatchId(v); id && ex::MakeBatchId(id->origin, id->stream, id->seq) != v) {
    // Leading zeros in the sequence number read the same number: the only
    // way the text may differ.
    if (v.find("-0") == std::string_view::npos) __builtin_trap();
  }
  if (auto b = ex::Base64Decode(v)) {
    auto back = ex::Base64Decode(ex::Base64Encode(*b));
    if (!back || *back != *b) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  // The whole input as a certificate (PEM), then line by line.
  (void)ex::ReadCertificate(in);
  (void)ex::CertificateKeys(in);
  std::size_t from = 0;
  while (from <= in.size()) {
    const auto nl = in.find('\n', from);
    One(in.substr(from, nl == std::string_view::npos ? std::string_view::npos : nl - from));
    if (nl == std::string_view::npos) break;
    from = nl + 1;
  }
  return 0;
}
