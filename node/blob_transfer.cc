#include "node/blob_transfer.h"
#include "node/lang.h"

#include <boost/json.hpp>
#include <fstream>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "schema/json.h"
#include "schema/validate.h"

namespace xf::node {

namespace json = boost::json;
using exchange::HttpRequest;
using exchange::HttpResponse;

namespace {

constexpr const char* kReceived = "X-Xf-Received";

HttpResponse Stored(int status, const std::string& sha, std::uint64_t size, bool stored) {
  json::object o;
  o["sha256"] = sha;
  o["size"] = size;
  o["stored"] = stored;
  HttpResponse r;
  r.status = status;
  r.body = json::serialize(o);
  return r;
}

// Content that is not what its name says: 400, or 422 R1 on the local API.
HttpResponse WrongContent(const BlobEndpoint& e, const std::string& sha, const std::string& zh, const std::string& en) {
  if (!e.violations) return Problem(400, zh, en);
  const std::string list = schema::ViolationsToJson({{"R1", "sha256", zh, sha, en}}, schema::Words::kBoth);
  HttpResponse r;
  r.status = 422;
  r.body = "{\"error\":\"" + std::string(exchange::HttpReason(422)) + "\"," + list.substr(1);
  return r;
}

int StatusFor(Errc c) {
  switch (c) {
    case Errc::kInvalidArgument: return 400;
    case Errc::kNotFound: return 404;
    case Errc::kLimit: return 413;
    default: return 503;
  }
}

// The header parsers live in exchange/http.h (with a fuzz target).
using exchange::ParseContentRange;
using exchange::ParseRange;
bool ParseU64Text(std::string_view t, std::uint64_t& out) { return exchange::ParseDecimal(t, out); }

bool Held(const BlobEndpoint& e, const std::string& sha) {
  if (e.held) return e.held(sha);
  return e.blobs.Has(sha) || (e.stage && e.blobs.Staged(sha));
}

Result<std::uint64_t> HeldSize(const BlobEndpoint& e, const std::string& sha) {
  if (e.blobs.Has(sha)) return e.blobs.Size(sha);
  return e.blobs.StagedSize(sha);
}

HttpResponse Complete(const BlobEndpoint& e, const std::string& sha, std::uint64_t size) {
  if (e.on_stored) {
    if (auto s = e.on_stored(sha, size); !s) return Problem(503, "无法记录附件：" + s.error().message, s.error().message);
  }
  return Stored(201, sha, size, true);
}

}  // namespace

HttpResponse HandleBlobRequest(const BlobEndpoint& e, const HttpRequest& request, const std::string& sha) {
  if (!schema::IsSha256Hex(sha)) return Problem(400, "'" + sha + "' 不是小写十六进制的 SHA-256", "'" + sha + "' is not a SHA-256 in lowercase hex");
  const std::uint64_t max = e.max_bytes;
  if (request.method == "HEAD" || request.method == "GET") {
    const bool held = Held(e, sha);
    // A staged blob is received (HEAD) but not held for anyone to read (GET).
    if (!held || (request.method == "GET" && !e.blobs.Has(sha))) {
      auto r = Problem(404, "本节点没有附件 " + sha, "blob " + sha + " is not here");
      r.headers[kReceived] = std::to_string(e.blobs.PartialSize(sha));
      return r;
    }
    auto size = HeldSize(e, sha);
    if (!size) return Problem(503, "无法读取附件：" + size.error().message, size.error().message);
    HttpResponse resp;
    resp.content_type = "application/octet-stream";
    resp.headers["Accept-Ranges"] = "bytes";
    resp.headers[kReceived] = std::to_string(*size);
    if (request.method == "HEAD") return resp;
    std::uint64_t start = 0;
    std::optional<std::uint64_t> end;
    if (ParseRange(exchange::HeaderOf(request, "range"), start, end)) {
      if (start >= *size) {
        auto r = Problem(416, "附件有 " + std::to_string(*size) + " 字节；请求的范围从 " + std::to_string(start) + " 开始",
                         "the blob has " + std::to_string(*size) + " bytes; the range starts at " + std::to_string(start));
        r.headers["Content-Range"] = "bytes */" + std::to_string(*size);
        return r;
      }
      const std::uint64_t last = std::min(end.value_or(*size - 1), *size - 1);
      auto data = e.blobs.GetRange(sha, start, last - start + 1);
      if (!data) return Problem(503, "无法读取附件：" + data.error().message, data.error().message);
      resp.status = 206;
      resp.headers["Content-Range"] =
          "bytes " + std::to_string(start) + "-" + std::to_string(last) + "/" + std::to_string(*size);
      resp.body = std::move(data).value();
      return resp;
    }
    resp.body_file = e.blobs.PathOf(sha);  // streamed from disk
    return resp;
  }
  if (request.method != "PUT") return Problem(405, "请使用 HEAD、GET 或 PUT", "use HEAD, GET or PUT");
  // The body as a file (the route is spooled; a body in memory is written out).
  std::filesystem::path body = request.body_file;
  struct Remove {
    std::filesystem::path p;
    ~Remove() {
      std::error_code ec;
      if (!p.empty()) std::filesystem::remove(p, ec);
    }
  } temp;
  if (body.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(e.spool_dir, ec);
    temp.p = e.spool_dir / ("put-" + exchange::RandomHex(8));
    std::ofstream out(temp.p, std::ios::binary);
    out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
    if (!out.flush()) return Problem(503, "无法暂存请求内容到 " + temp.p.string(), "cannot spool the body to " + temp.p.string());
    body = temp.p;
  }
  const std::uint64_t size = request.body_file.empty() ? request.body.size() : request.body_size;
  const std::string range = exchange::HeaderOf(request, "content-range");
  if (range.empty()) {
    if (size > max) {
      return Problem(413,
                     "附件 " + std::to_string(size) + " 字节，超过上限 " + std::to_string(max) +
                         " 字节（R1，limits.max_attachment_bytes）",
                     "attachment of " + std::to_string(size) + " bytes is larger than " + std::to_string(max) +
                         " bytes (R1, limits.max_attachment_bytes)");
    }
    if (size == 0) return Problem(400, "附件为空", "empty attachment");
    auto actual = exchange::Sha256File(body);
    if (!actual) return Problem(503, "无法计算附件的哈希：" + actual.error().message, actual.error().message);
    if (*actual != sha) return WrongContent(e, sha, "内容的哈希为 " + *actual + "，不是 " + sha, "content hashes to " + *actual + ", not " + sha);
    if (Held(e, sha)) return Stored(200, sha, size, false);
    if (auto s = e.blobs.PutFile(sha, body, e.stage); !s) {
      if (s.error().code == Errc::kInvalidArgument) return WrongContent(e, sha, "附件内容不对：" + s.error().message, s.error().message);
      return Problem(StatusFor(s.error().code), "无法保存附件：" + s.error().message, s.error().message);
    }
    return Complete(e, sha, size);
  }
  std::uint64_t start = 0, end = 0, total = 0;
  if (!ParseContentRange(range, start, end, total)) {
    return Problem(400, "Content-Range '" + range + "' 格式不对：应为 bytes START-END/TOTAL",
                   "malformed Content-Range '" + range + "': expected bytes START-END/TOTAL");
  }
  if (total > max) {
    return Problem(413,
                   "附件 " + std::to_string(total) + " 字节，超过上限 " + std::to_string(max) +
                       " 字节（R1，limits.max_attachment_bytes）",
                   "attachment of " + std::to_string(total) + " bytes is larger than " + std::to_string(max) +
                       " bytes (R1, limits.max_attachment_bytes)");
  }
  if (end < start || end >= total || end - start + 1 != size) {
    return Problem(400,
                   "Content-Range '" + range + "' 与 " + std::to_string(size) + " 字节的内容和总长 " +
                       std::to_string(total) + " 不符",
                   "Content-Range '" + range + "' does not fit a body of " + std::to_string(size) +
                       " bytes and a total of " + std::to_string(total));
  }
  if (Held(e, sha)) return Stored(200, sha, total, false);
  if (auto s = e.blobs.AppendPartial(sha, start, body); !s) {
    auto r = Problem(s.error().code == Errc::kAlreadyExists ? 409 : StatusFor(s.error().code),
                     "无法保存附件的这一部分：" + s.error().message, s.error().message);
    r.headers[kReceived] = std::to_string(e.blobs.PartialSize(sha));
    return r;
  }
  if (end + 1 < total) {
    HttpResponse r;
    r.status = 202;
    r.body = "{\"received\":" + std::to_string(end + 1) + "}";
    r.headers[kReceived] = std::to_string(end + 1);
    return r;
  }
  if (auto s = e.blobs.CommitPartial(sha, e.stage); !s) {
    if (s.error().code == Errc::kInvalidArgument) return WrongContent(e, sha, "附件内容不对：" + s.error().message, s.error().message);
    return Problem(StatusFor(s.error().code), "无法保存附件：" + s.error().message, s.error().message);
  }
  return Complete(e, sha, total);
}

// ---- clients ------------------------------------------------------------------

namespace {

Error Refused(const std::string& what, const exchange::HttpResponse& r) {
  std::string message = r.body;
  boost::system::error_code ec;
  const auto v = json::parse(r.body, ec);
  if (!ec && v.is_object() && v.as_object().contains("message") && v.at("message").is_string()) {
    message = std::string(v.at("message").as_string());
  } else if (!ec && v.is_object() && v.as_object().contains("violations")) {
    message.clear();
    for (const auto& x : v.at("violations").as_array()) {
      if (const auto* m = x.as_object().if_contains("message"); m != nullptr && m->is_string()) {
        message += std::string(m->as_string());
      }
    }
  }
  if (message.size() > 300) message = message.substr(0, 300) + "…";
  return MakeError(r.status >= 500 ? Errc::kUnavailable : Errc::kInvalidArgument,
                   what + ": HTTP " + std::to_string(r.status) + (message.empty() ? "" : " " + message));
}

}  // namespace

Status UploadBlob(const std::string& url, const std::string& sha, const std::filesystem::path& file,
                  const exchange::HttpHeaders& headers, const exchange::HttpClientOptions& options,
                  std::uint64_t part_bytes) {
  std::error_code fec;
  const std::uint64_t size = std::filesystem::file_size(file, fec);
  if (fec) return MakeError(Errc::kNotFound, "cannot read attachment " + file.string() + ": " + fec.message());
  const std::string what = "attachment " + sha;
  exchange::HttpHeaders put_headers = headers;
  put_headers["content-type"] = "application/octet-stream";
  for (int resync = 0; resync < 5; ++resync) {
    auto head = exchange::HttpCall("HEAD", url, headers, "", options);
    if (!head) return MakeError(Errc::kUnavailable, what + ": " + head.error().message);
    if (head->status == 200) return {};
    if (head->status != 404) return Refused(what, *head);
    const auto it = head->headers.find("x-xf-received");
    std::uint64_t from = 0;
    if (it == head->headers.end() || size == 0 || !ParseU64Text(it->second, from) || from > size) {
      // A receiver without resumable uploads (or an empty file): the whole of it, streamed.
      auto r = exchange::HttpCallFile("PUT", url, put_headers, file, options);
      if (!r) return MakeError(Errc::kUnavailable, what + ": " + r.error().message);
      if (r->status == 200 || r->status == 201) return {};
      return Refused(what, *r);
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return MakeError(Errc::kNotFound, "cannot read attachment " + file.string());
    std::string part;
    bool resend = false;
    while (from < size) {
      const std::uint64_t n = std::min(part_bytes, size - from);
      part.resize(n);
      in.seekg(static_cast<std::streamoff>(from));
      if (!in.read(part.data(), static_cast<std::streamsize>(n))) {
        return MakeError(Errc::kIo, "cannot read attachment " + file.string());
      }
      exchange::HttpHeaders h = put_headers;
      h["content-range"] =
          "bytes " + std::to_string(from) + "-" + std::to_string(from + n - 1) + "/" + std::to_string(size);
      auto r = exchange::HttpCall("PUT", url, h, part, options);
      // No answer: the receiver keeps every part it acknowledged; a later try resumes.
      if (!r) return MakeError(Errc::kUnavailable, what + ": " + r.error().message);
      if (r->status == 200 || r->status == 201) return {};
      if (r->status == 409) {  // out of step with the receiver: ask again where it stands
        resend = true;
        break;
      }
      if (r->status != 202) return Refused(what, *r);
      from += n;
    }
    if (!resend) return MakeError(Errc::kInvalidArgument, what + ": the receiver did not take the last part");
  }
  return MakeError(Errc::kUnavailable, what + ": the receiver's count of bytes received keeps moving");
}

Status DownloadBlob(const std::string& url, const std::string& sha, const BlobStore& blobs, bool stage,
                    const exchange::HttpClientOptions& options, std::uint64_t part_bytes) {
  const std::string what = "attachment " + sha;
  auto head = exchange::HttpCall("HEAD", url, {}, "", options);
  if (!head) return MakeError(Errc::kUnavailable, what + ": " + head.error().message);
  if (head->status == 404) return MakeError(Errc::kNotFound, what + " is not held at " + url);
  if (head->status != 200) return Refused(what, *head);
  std::uint64_t size = 0;
  const auto it = head->headers.find("x-xf-received");
  if (it == head->headers.end() || !ParseU64Text(it->second, size) || size == 0) {
    return MakeError(Errc::kInvalidArgument, what + ": the sender does not say its size (X-Xf-Received)");
  }
  for (std::uint64_t from = blobs.PartialSize(sha); from < size;) {
    const std::uint64_t last = std::min(size, from + part_bytes) - 1;
    auto r = exchange::HttpCall("GET", url, {{"range", "bytes=" + std::to_string(from) + "-" + std::to_string(last)}},
                                "", options);
    if (!r) return MakeError(Errc::kUnavailable, what + ": " + r.error().message);
    if (r->status != 206) return Refused(what, *r);
    if (r->body.empty() || r->body.size() != last - from + 1) {
      return MakeError(Errc::kInvalidArgument, what + ": the sender answered " + std::to_string(r->body.size()) +
                                                   " bytes for a range of " + std::to_string(last - from + 1));
    }
    if (auto s = blobs.AppendPartialBytes(sha, from, r->body); !s) return s;
    from = last + 1;
  }
  return blobs.CommitPartial(sha, stage);
}

}  // namespace xf::node
