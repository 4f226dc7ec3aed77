// The local API's /v1/exchange/… endpoints: offline transfer (网闸,
// removable media) through the running node, so that `xfctl export`,
// `xfctl import` and `xfctl batch get` never open a second writer on its
// database (issue 12, hole 10; node/README.md and tools/README.md).
#include <boost/json.hpp>
#include <fstream>
#include <iterator>

#include "exchange/batch.h"
#include "node/api.h"
#include "node/exchange_service.h"

namespace xf::node {

namespace json = boost::json;
using exchange::HttpRequest;
using exchange::HttpResponse;

namespace {

HttpResponse Answer(int status, json::object o) {
  HttpResponse r;
  r.status = status;
  r.body = json::serialize(o);
  return r;
}

// Both words: Api::Handle keeps the one the request asked for (node/lang.h).
HttpResponse Refused(int status, const std::string& zh, const std::string& en, Errc code) {
  return Answer(status, json::object{{"error", exchange::HttpReason(status)},
                                     {"message", zh},
                                     {"message_en", en},
                                     {"code", ErrcName(code)}});
}

HttpResponse Refused(const Error& e) {
  int status = 503;
  switch (e.code) {
    case Errc::kPermission: status = 403; break;
    case Errc::kInvalidArgument: status = 400; break;
    case Errc::kLimit: status = 413; break;
    case Errc::kAlreadyExists: status = 409; break;
    case Errc::kNotFound: status = 404; break;
    default: break;
  }
  return Refused(status, "交换操作未完成：" + e.message, e.message, e.code);
}

std::optional<std::string> Query(const std::string& target, const std::string& key) {
  const auto q = target.find('?');
  if (q == std::string::npos) return std::nullopt;
  const std::string query = target.substr(q + 1);
  for (std::size_t at = 0; at <= query.size();) {
    const auto amp = std::min(query.find('&', at), query.size());
    const std::string kv = query.substr(at, amp - at);
    if (kv.compare(0, key.size() + 1, key + "=") == 0) return kv.substr(key.size() + 1);
    at = amp + 1;
  }
  return std::nullopt;
}

HttpResponse NotAllowed(const char* allow) {
  HttpResponse r = Refused(405, std::string("请使用 ") + allow, std::string("use ") + allow, Errc::kInvalidArgument);
  r.headers["Allow"] = allow;
  return r;
}

bool Digits(const std::string& s) {
  return !s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

HttpResponse Api::Offline(const HttpRequest& request, const std::string& path) {
  ExchangeService* x = m_ctx.exchange;
  if (x == nullptr) return Refused(503, "本节点的交换服务未运行", "the exchange service of this node is not running", Errc::kUnavailable);
  const std::string& m = request.method;
  if (path == "/v1/exchange/pack") {
    if (m != "POST") return NotAllowed("POST");
    auto made = x->PackPending(true);
    if (!made) return Refused(made.error());
    return Answer(200, json::object{{"packed", *made}});
  }
  if (path == "/v1/exchange/outbox") {
    if (m != "GET") return NotAllowed("GET");
    const auto link = Query(request.target, "link");
    if (!link || link->empty()) return Refused(400, "请指定链路：?link=对端节点编号", "give the link: ?link=PEER-ID", Errc::kInvalidArgument);
    auto items = m_ctx.store.Undelivered(*link, 1u << 20);
    if (!items) return Refused(items.error());
    json::array list;
    for (const auto& it : *items) {
      json::array attachments;
      for (const auto& a : it.attachments) attachments.emplace_back(a);
      list.push_back(json::object{{"qseq", it.qseq},
                                  {"batch_id", it.batch_id},
                                  {"origin", it.origin},
                                  {"signature", exchange::Base64Encode(it.signature)},
                                  {"events_signature", exchange::Base64Encode(it.events_signature)},
                                  {"attachments", std::move(attachments)}});
    }
    return Answer(200, json::object{{"link", *link}, {"batches", std::move(list)}});
  }
  if (path.rfind("/v1/exchange/batches/", 0) == 0) {
    if (m != "GET") return NotAllowed("GET");
    auto b = m_ctx.store.GetBatch(path.substr(21));
    if (!b) return Refused(b.error());
    HttpResponse r;
    r.content_type = "application/zstd";
    r.body = std::move(b->bytes);
    r.body_file = b->bytes_file;  // a large batch streams from its file
    r.headers["X-Xf-Origin"] = b->origin;
    r.headers["X-Xf-Batch-Id"] = b->batch_id;
    r.headers["X-Xf-Signature"] = exchange::Base64Encode(b->signature);
    return r;
  }
  if (path == "/v1/exchange/import") {
    if (m != "POST") return NotAllowed("POST");
    ExchangeService::Incoming in;
    if (request.body_file.empty()) in.bytes = request.body;
    in.bytes_file = request.body_file;  // spooled: the store may keep the file as the batch's
    in.claimed_origin = exchange::HeaderOf(request, "x-xf-origin");
    in.from_peer = exchange::HeaderOf(request, "x-xf-from");
    auto sig = exchange::Base64Decode(exchange::HeaderOf(request, "x-xf-signature"));
    if (!sig || in.claimed_origin.empty() || in.from_peer.empty()) {
      return Refused(400, "请提供 X-Xf-Origin、X-Xf-From（导出它的对端）和 X-Xf-Signature",
                     "give X-Xf-Origin, X-Xf-From (the peer that exported it) and X-Xf-Signature",
                     Errc::kInvalidArgument);
    }
    in.signature = std::move(sig).value();
    in.batch_id = exchange::HeaderOf(request, "x-xf-batch-id");
    if (const std::string es = exchange::HeaderOf(request, "x-xf-events-signature"); !es.empty()) {
      auto decoded = exchange::Base64Decode(es);
      if (!decoded) return Refused(400, "X-Xf-Events-Signature 不是 base64", "X-Xf-Events-Signature is not base64", Errc::kInvalidArgument);
      in.events_signature = std::move(decoded).value();
    }
    auto r = x->Receive(in);
    if (!r) return Refused(r.error());
    if (!r->missing_attachments.empty()) return AwaitingAttachments(r->missing_attachments);
    HttpResponse resp;
    resp.content_type = "application/xml";
    resp.body = std::move(r->xml);
    resp.headers["X-Xf-Signature"] = exchange::Base64Encode(r->signature);
    return resp;
  }
  if (path == "/v1/exchange/receipts") {
    if (m != "POST") return NotAllowed("POST");
    const std::string link = exchange::HeaderOf(request, "x-xf-link");
    const std::string qseq = exchange::HeaderOf(request, "x-xf-qseq");
    auto sig = exchange::Base64Decode(exchange::HeaderOf(request, "x-xf-signature"));
    if (!sig || link.empty() || !Digits(qseq)) {
      return Refused(400, "请提供 X-Xf-Link（接收方）、X-Xf-Qseq 和 X-Xf-Signature",
                     "give X-Xf-Link (the receiver), X-Xf-Qseq and X-Xf-Signature", Errc::kInvalidArgument);
    }
    std::string xml = request.body;
    if (!request.body_file.empty()) {  // spooled (the route may carry a receipt larger than api.body_limit)
      std::ifstream in(request.body_file, std::ios::binary);
      xml.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (auto s = x->AcceptReceipt(link, std::stoull(qseq), xml, *sig); !s) return Refused(s.error());
    return Answer(200, json::object{{"delivered", true}});
  }
  return Refused(404, "没有这个接口：" + path, "no such endpoint: " + path, Errc::kNotFound);
}

}  // namespace xf::node
