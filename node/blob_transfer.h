// Attachments over HTTP, one implementation for both endpoints that take
// them (exchange/PROTOCOL.md, "Attachments"; node/README.md, "Local API"):
//   HEAD|GET|PUT …/blobs/{sha256}
// HEAD tells what is held (200) or how much of an upload was received
// (404 with X-Xf-Received: N); GET sends a blob, or one byte range of it;
// PUT takes the whole blob, or a part of it with Content-Range, appended
// to a partial upload that survives restarts and is hashed when complete.
// The peers' exchange endpoint stages what it receives (node/blobs.h); the
// local API puts it in place. The clients beside them upload a file the same
// way (resuming where the receiver stands) and download one in ranges.
//
// Thread safety: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "codes/result.h"
#include "exchange/http.h"
#include "node/blobs.h"

namespace xf::node {

struct BlobEndpoint {
  const BlobStore& blobs;
  std::uint64_t max_bytes = 0;       // limits.max_attachment_bytes: R1's bound on one attachment
  std::filesystem::path spool_dir;   // where a body that came in memory is written out
  // false: a completed upload goes in place (the local API: the node's own
  // software); true: it is staged until a verified batch names it (a peer).
  bool stage = false;
  // Content that does not hash to its name: 422 with an R1 violation (the
  // local API) instead of 400 (the exchange).
  bool violations = false;
  // Whether the blob counts as held here (HEAD 200, PUT 200 "stored":false).
  // Unset: in place, or staged when `stage`.
  std::function<bool(const std::string& sha256)> held;
  // Called once a blob is complete (placed or staged), with its size: to
  // record it, to wake what waits for it. A failure answers 503.
  std::function<Status(const std::string& sha256, std::uint64_t size)> on_stored;
};

// Answers HEAD, GET or PUT of blob `sha256` (64 lowercase hex digits, else
// 400); any other method 405.
exchange::HttpResponse HandleBlobRequest(const BlobEndpoint& endpoint, const exchange::HttpRequest& request,
                                         const std::string& sha256);

// Range and Content-Range are parsed by exchange::ParseRange and
// exchange::ParseContentRange (exchange/http.h).

// Size of the parts an upload sends.
inline constexpr std::uint64_t kBlobPartBytes = std::uint64_t{8} << 20;

// Uploads `file` as blob `sha256` to `url` (the blob's own URL, …/blobs/{sha256}):
// HEAD, then parts of `part_bytes` from X-Xf-Received, never the whole in
// memory; after a 409 it asks again where the receiver stands. `headers`
// go with every request (a bearer token). Fails with the receiver's answer
// (kInvalidArgument: refused — 400, 413, 422; kUnavailable: no answer or
// 5xx, so try again later). A receiver that answers 404 without
// X-Xf-Received gets the whole file in one PUT, streamed from disk.
Status UploadBlob(const std::string& url, const std::string& sha256, const std::filesystem::path& file,
                  const exchange::HttpHeaders& headers, const exchange::HttpClientOptions& options,
                  std::uint64_t part_bytes = kBlobPartBytes);

// Downloads blob `sha256` from `url` into `blobs` as ranges of
// `part_bytes` appended to its partial upload (so it resumes where an
// interrupted download stopped), then commits it (staged when `stage`).
// kNotFound when the sender does not hold it.
Status DownloadBlob(const std::string& url, const std::string& sha256, const BlobStore& blobs, bool stage,
                    const exchange::HttpClientOptions& options, std::uint64_t part_bytes = kBlobPartBytes);

}  // namespace xf::node
