#include "exchange/http.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <thread>

#include "exchange/crypto.h"

namespace xf::exchange {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

std::string CertCommonName(X509* cert) {
  if (cert == nullptr) return {};
  char buf[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return buf;
}

std::string CertPem(X509* cert) {
  if (cert == nullptr) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// The DER SubjectPublicKeyInfo of a certificate: what peers are pinned by.
std::string KeyDer(X509* cert) {
  if (cert == nullptr) return {};
  unsigned char* der = nullptr;
  const int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (n <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

// What one side accepts of the other: fixed keys, or a function naming the
// peer a key belongs to. Outlives the SSL context that points to it.
struct PinCheck {
  std::vector<std::string> keys;
  IdentifyPeer identify;
  bool Any() const { return identify != nullptr || !keys.empty(); }
  bool Accept(std::string_view der) const {
    if (der.empty()) return false;
    if (identify) return identify(der).has_value();
    return std::find(keys.begin(), keys.end(), der) != keys.end();
  }
};

// Replaces OpenSSL's chain verification: the presented certificate's key
// must be pinned. A refusal sets X509_V_ERR_CERT_REJECTED, which OpenSSL
// answers with the TLS alert bad_certificate.
int VerifyPinned(X509_STORE_CTX* store, void* arg) {
  const auto* pins = static_cast<const PinCheck*>(arg);
  if (pins != nullptr && pins->Accept(KeyDer(X509_STORE_CTX_get0_cert(store)))) {
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 1;
  }
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

Status LoadTls(ssl::context& ctx, const TlsFiles& files, bool server, PinCheck& pins) {
  boost::system::error_code ec;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (!files.cert_file.empty()) {
    ctx.use_certificate_chain_file(files.cert_file, ec);
    if (ec) return MakeError(Errc::kIo, "TLS certificate " + files.cert_file + ": " + ec.message());
    ctx.use_private_key_file(files.key_file, ssl::context::pem, ec);
    if (ec) return MakeError(Errc::kIo, "TLS key " + files.key_file + ": " + ec.message());
  }
  if (pins.keys.empty() && !pins.identify && !files.ca_file.empty()) {
    std::ifstream in(files.ca_file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    auto keys = CertificateKeys(text.str());
    if (!in || !keys || keys->empty()) {
      return MakeError(Errc::kIo, "TLS pinned certificates " + files.ca_file + ": " +
                                      (keys ? std::string("no certificate in it") : keys.error().message));
    }
    pins.keys = std::move(keys).value();
  }
  SSL_CTX_set_cert_verify_callback(ctx.native_handle(), VerifyPinned, &pins);
  if (server) {
    ctx.set_verify_mode(files.require_client_cert
                            ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert
                            : ssl::verify_none);
  } else {
    ctx.set_verify_mode(pins.Any() ? ssl::verify_peer : ssl::verify_none);
  }
  return {};
}

// Removes a spooled body on every path, unless the handler moved it away.
struct SpoolGuard {
  std::filesystem::path file;
  ~SpoolGuard() {
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
  }
};

// Reads a message's body in pieces, each under the time-out.
template <class Stream, class Parser>
net::awaitable<boost::system::error_code> ReadBody(Stream& stream, beast::flat_buffer& buffer, Parser& parser,
                                                   std::chrono::steady_clock::duration timeout) {
  while (!parser.is_done()) {
    beast::get_lowest_layer(stream).expires_after(timeout);
    auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, kNoThrow);
    (void)n;
    if (ec) co_return ec;
  }
  co_return boost::system::error_code{};
}

// Writes a message in pieces, each under the time-out.
template <class Stream, bool isRequest, class Body, class Fields>
net::awaitable<boost::system::error_code> WriteMessage(Stream& stream, http::message<isRequest, Body, Fields>& msg,
                                                       std::chrono::steady_clock::duration timeout) {
  http::serializer<isRequest, Body, Fields> sr{msg};
  while (!sr.is_done()) {
    beast::get_lowest_layer(stream).expires_after(timeout);
    auto [ec, n] = co_await http::async_write_some(stream, sr, kNoThrow);
    (void)n;
    if (ec) co_return ec;
  }
  co_return boost::system::error_code{};
}

HttpResponse ErrorResponse(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = std::string("{\"error\":\"") + HttpReason(status) + "\",\"message\":\"" + message + "\"}";
  return r;
}

}  // namespace

std::string HeaderOf(const HttpRequest& request, const std::string& name) {
  const auto it = request.headers.find(name);
  return it == request.headers.end() ? std::string() : it->second;
}

Result<std::vector<std::string>> CertificateKeys(std::string_view pem) {
  if (pem.size() > (1u << 20)) return MakeError(Errc::kLimit, "certificate file larger than 1 MiB");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                BIO_free);
  std::vector<std::string> out;
  for (;;) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) break;
    std::string der = KeyDer(cert);
    X509_free(cert);
    if (der.empty()) return MakeError(Errc::kInvalidArgument, "a certificate without a readable public key");
    out.push_back(std::move(der));
  }
  ERR_clear_error();  // the end of the text reads as an error
  return out;
}

bool ParseDecimal(std::string_view t, std::uint64_t& out) {
  if (t.empty() || t.size() > 19 || t.find_first_not_of("0123456789") != std::string_view::npos) return false;
  std::uint64_t v = 0;
  for (char c : t) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  out = v;
  return true;
}

bool ParseContentRange(std::string_view v, std::uint64_t& start, std::uint64_t& end, std::uint64_t& total) {
  if (v.substr(0, 6) != "bytes ") return false;
  const std::string_view r = v.substr(6);
  const auto dash = r.find('-');
  const auto slash = r.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) return false;
  return ParseDecimal(r.substr(0, dash), start) && ParseDecimal(r.substr(dash + 1, slash - dash - 1), end) &&
         ParseDecimal(r.substr(slash + 1), total);
}

bool ParseRange(std::string_view v, std::uint64_t& start, std::optional<std::uint64_t>& end) {
  if (v.substr(0, 6) != "bytes=") return false;
  const std::string_view r = v.substr(6);
  const auto dash = r.find('-');
  if (dash == std::string_view::npos || r.find(',') != std::string_view::npos) return false;
  if (!ParseDecimal(r.substr(0, dash), start)) return false;
  if (dash + 1 == r.size()) {
    end.reset();
    return true;
  }
  std::uint64_t e = 0;
  if (!ParseDecimal(r.substr(dash + 1), e) || e < start) return false;
  end = e;
  return true;
}

const char* HttpReason(int status) {
  return http::obsolete_reason(static_cast<http::status>(status)).data();
}

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler handler;
  net::io_context ioc{1};
  net::thread_pool workers;
  std::optional<net::thread_pool> readers;  // GET and HEAD, when read_worker_threads > 0
  std::optional<ssl::context> tls;
  PinCheck pins;  // the TLS context points here
  tcp::acceptor acceptor{ioc};
  std::thread io_thread;
  std::atomic<bool> stopping{false};
  bool running = false;
  std::uint16_t port = 0;

  Impl(HttpServerOptions o, HttpHandler h)
      : options(std::move(o)),
        handler(std::move(h)),
        workers(static_cast<std::size_t>(std::max(1, options.worker_threads))) {
    if (options.read_worker_threads > 0) readers.emplace(static_cast<std::size_t>(options.read_worker_threads));
  }

  net::awaitable<HttpResponse> RunHandler(const HttpRequest& request) {
    // Run the handler on a worker; resume here on the I/O thread.
    const bool read = readers && (request.method == "GET" || request.method == "HEAD");
    co_return co_await net::co_spawn(
        read ? readers->get_executor() : workers.get_executor(),
        [this, &request]() -> net::awaitable<HttpResponse> {
          try {
            co_return handler(request);
          } catch (const std::exception& e) {
            co_return ErrorResponse(500, "internal error");
          }
        },
        net::use_awaitable);
  }

  const SpoolRoute* SpoolRouteFor(const std::string& method, const std::string& target) const {
    const std::string path = target.substr(0, target.find('?'));
    for (const auto& r : options.spool_routes) {
      if (r.method == method && path.rfind(r.path_prefix, 0) == 0) return &r;
    }
    return nullptr;
  }

  std::uint64_t LargestLimit() const {
    std::uint64_t m = options.body_limit;
    for (const auto& r : options.spool_routes) m = std::max(m, r.body_limit);
    return m;
  }

  template <class Stream, class Body>
  static void FillRequest(HttpRequest& request, http::request<Body>& req) {
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      request.headers[name] = std::string(field.value());
    }
  }

  // Maps a read error to an answer: nullopt when there is none to give.
  std::optional<HttpResponse> ReadErrorAnswer(const boost::system::error_code& ec, std::uint64_t limit) {
    if (ec == http::error::body_limit) return ErrorResponse(413, "body larger than " + std::to_string(limit) + " bytes");
    if (ec == http::error::header_limit) return ErrorResponse(431, "headers too large");
    if (ec.category() == beast::http::make_error_code(http::error::bad_target).category()) {
      return ErrorResponse(400, "malformed HTTP request: " + ec.message());
    }
    return std::nullopt;
  }

  template <class Stream>
  net::awaitable<void> Serve(Stream& stream, const std::string& peer, const std::string& peer_id,
                             const std::string& cn, const std::string& cert_pem) {
    beast::flat_buffer buffer;
    const std::uint64_t largest = LargestLimit();
    for (;;) {
      // The header first: its route decides where the body goes and its limit.
      http::request_parser<http::empty_body> head;
      head.body_limit(largest);
      head.header_limit(16 * 1024);
      beast::get_lowest_layer(stream).expires_after(options.timeout);
      auto [ec, n] = co_await http::async_read_header(stream, buffer, head, kNoThrow);
      (void)n;
      if (ec == http::error::end_of_stream || stopping) co_return;
      HttpResponse response;
      bool keep_alive = false;
      bool unread = false;  // the request's body was not read whole
      unsigned version = 11;
      const bool head_request = !ec && head.get().method() == http::verb::head;
      if (ec) {
        auto answer = ReadErrorAnswer(ec, largest);
        if (!answer) co_return;  // timeout, reset, TLS failure: nothing to answer
        response = std::move(*answer);
        unread = true;
      } else {
        HttpRequest request;
        request.peer = peer;
        request.peer_id = peer_id;
        request.peer_cert_cn = cn;
        request.peer_cert_pem = cert_pem;
        version = head.get().version();
        const std::string method(head.get().method_string());
        const SpoolRoute* route = SpoolRouteFor(method, std::string(head.get().target()));
        const std::uint64_t limit = route ? route->body_limit : options.body_limit;
        const auto length = head.content_length();
        if (length && *length > limit) {
          response = ErrorResponse(413, "body larger than " + std::to_string(limit) + " bytes");
          unread = true;
        } else if (route) {
          const auto file = options.spool_dir / ("body-" + RandomHex(8));
          SpoolGuard guard{file};
          http::request_parser<http::file_body> parser{std::move(head)};
          parser.body_limit(limit);
          boost::system::error_code oec;
          parser.get().body().open(file.c_str(), beast::file_mode::write_new, oec);
          if (oec) {
            response = ErrorResponse(503, "cannot spool the body: " + oec.message());
            unread = true;
          } else {
            const auto rec = co_await ReadBody(stream, buffer, parser, options.timeout);
            if (rec) {
              auto answer = ReadErrorAnswer(rec, limit);
              if (!answer) co_return;
              response = std::move(*answer);
              unread = true;
            } else {
              auto& req = parser.get();
              FillRequest<Stream>(request, req);
              req.body().close();
              std::error_code sec;
              request.body_size = std::filesystem::file_size(file, sec);
              request.body_file = file;
              keep_alive = req.keep_alive();
              response = co_await RunHandler(request);
            }
          }
        } else {
          http::request_parser<http::string_body> parser{std::move(head)};
          parser.body_limit(limit);
          const auto rec = co_await ReadBody(stream, buffer, parser, options.timeout);
          if (rec) {
            auto answer = ReadErrorAnswer(rec, limit);
            if (!answer) co_return;
            response = std::move(*answer);
            unread = true;
          } else {
            auto& req = parser.get();
            FillRequest<Stream>(request, req);
            request.body = std::move(req.body());
            request.body_size = request.body.size();
            keep_alive = req.keep_alive();
            response = co_await RunHandler(request);
          }
        }
      }
      if (head_request) {
        response.body.clear();  // a HEAD answer has headers only
        response.body_file.clear();
      }
      boost::system::error_code wec;
      if (!response.body_file.empty()) {
        http::response<http::file_body> res{static_cast<http::status>(response.status), version};
        boost::system::error_code fec;
        res.body().open(response.body_file.c_str(), beast::file_mode::scan, fec);
        if (fec) {
          response = ErrorResponse(500, "cannot read " + response.body_file.filename().string());
          response.body_file.clear();
        } else {
          SetHeaders(res, response, keep_alive && !unread);
          res.prepare_payload();
          wec = co_await WriteMessage(stream, res, options.timeout);
        }
      }
      if (response.body_file.empty()) {
        http::response<http::string_body> res{static_cast<http::status>(response.status), version};
        SetHeaders(res, response, keep_alive && !unread);
        res.body() = std::move(response.body);
        res.prepare_payload();
        wec = co_await WriteMessage(stream, res, options.timeout);
      }
      if (!wec && unread) co_await LingeringClose(beast::get_lowest_layer(stream));
      if (wec || !keep_alive || unread) co_return;
    }
  }

  template <class Res>
  static void SetHeaders(Res& res, const HttpResponse& response, bool keep_alive) {
    res.set(http::field::server, "xfnode/" XF_VERSION);
    res.set(http::field::content_type, response.content_type);
    for (const auto& [k, v] : response.headers) res.set(k, v);
    res.keep_alive(keep_alive);
  }

  // After answering a request we did not read whole (413, 400), read and
  // discard what the client is still sending, bounded in bytes and time,
  // so that closing does not reset the connection before it reads the answer.
  net::awaitable<void> LingeringClose(beast::tcp_stream& tcp) {
    boost::system::error_code ignored;
    tcp.socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp.expires_after(std::chrono::seconds(5));
    std::size_t drained = 0;
    std::vector<char> sink(64 * 1024);
    while (drained < 4 * options.body_limit + (1 << 20)) {
      auto [rec, n] = co_await tcp.async_read_some(net::buffer(sink), kNoThrow);
      if (rec) break;
      drained += n;
    }
  }

  net::awaitable<void> Session(tcp::socket socket) {
    boost::system::error_code ignored;
    const auto remote = socket.remote_endpoint(ignored);
    const std::string peer = remote.address().to_string() + ":" + std::to_string(remote.port());
    if (!tls) {
      beast::tcp_stream stream(std::move(socket));
      co_await Serve(stream, peer, {}, {}, {});
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
    ssl::stream<beast::tcp_stream> stream(std::move(socket), *tls);
    beast::get_lowest_layer(stream).expires_after(options.timeout);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kNoThrow);
    if (ec) co_return;
    // The handshake accepted only a pinned key (VerifyPinned); the peer is
    // whoever that key belongs to.
    X509* cert = SSL_get1_peer_certificate(stream.native_handle());
    const std::string cn = CertCommonName(cert);
    const std::string pem = CertPem(cert);
    const std::string key = KeyDer(cert);
    X509_free(cert);
    std::string peer_id;
    if (pins.identify && !key.empty()) {
      auto who = pins.identify(key);
      if (!who) co_return;  // unpinned since the handshake: no longer a peer
      peer_id = std::move(*who);
    }
    co_await Serve(stream, peer, peer_id, cn, pem);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    auto [sec] = co_await stream.async_shutdown(kNoThrow);
    (void)sec;
  }

  net::awaitable<void> Listen() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
      if (stopping) co_return;
      if (ec) continue;
      net::co_spawn(ioc, Session(std::move(socket)), net::detached);
    }
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : m_impl(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  auto& impl = *m_impl;
  if (impl.options.tls) {
    impl.tls.emplace(ssl::context::tls_server);
    impl.pins.identify = impl.options.identify_client;
    if (auto s = LoadTls(*impl.tls, *impl.options.tls, true, impl.pins); !s) return s;
  }
  boost::system::error_code ec;
  const auto address = net::ip::make_address(impl.options.address, ec);
  if (ec) return MakeError(Errc::kInvalidArgument, "bad listen address " + impl.options.address);
  const tcp::endpoint endpoint(address, impl.options.port);
  impl.acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl.acceptor.bind(endpoint, ec);
  if (!ec) impl.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return MakeError(Errc::kIo, "cannot listen on " + impl.options.address + ":" +
                                    std::to_string(impl.options.port) + ": " + ec.message());
  }
  impl.port = impl.acceptor.local_endpoint().port();
  net::co_spawn(impl.ioc, impl.Listen(), net::detached);
  impl.io_thread = std::thread([&impl] { impl.ioc.run(); });
  impl.running = true;
  return {};
}

std::uint16_t HttpServer::Port() const { return m_impl->port; }

void HttpServer::Stop() {
  auto& impl = *m_impl;
  if (!impl.running) return;
  impl.running = false;
  impl.stopping = true;
  net::post(impl.ioc, [&impl] {
    boost::system::error_code ignored;
    impl.acceptor.close(ignored);
  });
  impl.ioc.stop();
  if (impl.io_thread.joinable()) impl.io_thread.join();
  impl.workers.join();
  if (impl.readers) impl.readers->join();
}

// ---- client ----------------------------------------------------------------

namespace {

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

std::optional<Url> ParseUrl(const std::string& url) {
  Url u;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = url.substr(8);
  } else {
    return std::nullopt;
  }
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  if (authority.empty()) return std::nullopt;
  if (colon == std::string::npos) {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  } else {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  }
  if (!u.host.empty() && u.host.front() == '[' && u.host.back() == ']') {
    u.host = u.host.substr(1, u.host.size() - 2);
  }
  return u;
}

template <class Fields>
void CopyHeaders(HttpResponse& out, const Fields& res) {
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.headers[name] = std::string(field.value());
  }
  out.content_type = out.headers.count("content-type") ? out.headers["content-type"] : "";
}

template <class Stream, class ReqBody>
net::awaitable<Result<HttpResponse>> Exchange(Stream& stream, http::request<ReqBody>& req,
                                              const HttpClientOptions& options) {
  const bool head_request = req.method() == http::verb::head;
  const auto wec = co_await WriteMessage(stream, req, options.timeout);
  // A server may answer early (413) and stop reading: try to read its answer anyway.
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> head;
  head.body_limit(std::max<std::uint64_t>(options.body_limit, options.file_body_limit));
  head.skip(head_request);
  beast::get_lowest_layer(stream).expires_after(std::max(options.timeout, options.answer_timeout));
  auto [rec, rn] = co_await http::async_read_header(stream, buffer, head, kNoThrow);
  (void)rn;
  auto failed = [&](const boost::system::error_code& ec) -> Error {
    return MakeError(Errc::kUnavailable, (wec ? "sending request: " + wec.message() + "; " : std::string()) +
                                             "reading response: " + ec.message());
  };
  if (rec) co_return failed(rec);
  HttpResponse out;
  out.status = static_cast<int>(head.get().result_int());
  if (!options.response_file.empty() && out.status == 200 && !head_request) {
    http::response_parser<http::file_body> parser{std::move(head)};
    parser.body_limit(options.file_body_limit);
    boost::system::error_code oec;
    parser.get().body().open(options.response_file.c_str(), beast::file_mode::write, oec);
    if (oec) co_return MakeError(Errc::kIo, "cannot write " + options.response_file.string() + ": " + oec.message());
    if (auto ec = co_await ReadBody(stream, buffer, parser, options.timeout); ec) co_return failed(ec);
    CopyHeaders(out, parser.get());
    parser.get().body().close();
    out.body_file = options.response_file;
    co_return out;
  }
  http::response_parser<http::string_body> parser{std::move(head)};
  parser.body_limit(options.body_limit);
  if (auto ec = co_await ReadBody(stream, buffer, parser, options.timeout); ec) co_return failed(ec);
  CopyHeaders(out, parser.get());
  out.body = std::move(parser.get().body());
  co_return out;
}

template <class ReqBody>
Result<HttpResponse> Call(const Url& u, http::request<ReqBody>& req, const HttpClientOptions& options) {
  net::io_context ioc{1};
  std::optional<ssl::context> tls;
  PinCheck pins;  // the TLS context points here
  pins.keys = options.server_keys;
  if (u.tls) {
    tls.emplace(ssl::context::tls_client);
    if (options.tls) {
      if (auto s = LoadTls(*tls, *options.tls, false, pins); !s) return s.error();
    } else if (pins.Any()) {
      SSL_CTX_set_cert_verify_callback(tls->native_handle(), VerifyPinned, &pins);
      tls->set_verify_mode(ssl::verify_peer);
    }
  }
  std::optional<Result<HttpResponse>> result;
  auto run = [&]() -> net::awaitable<void> {
    tcp::resolver resolver(ioc);
    auto [rec, endpoints] = co_await resolver.async_resolve(u.host, u.port, kNoThrow);
    if (rec) {
      result = MakeError(Errc::kUnavailable, "resolving " + u.host + ": " + rec.message());
      co_return;
    }
    beast::tcp_stream tcp_stream(ioc);
    tcp_stream.expires_after(options.timeout);
    auto [cec, ep] = co_await tcp_stream.async_connect(endpoints, kNoThrow);
    (void)ep;
    if (cec) {
      result = MakeError(Errc::kUnavailable, "connecting to " + u.host + ":" + u.port + ": " + cec.message());
      co_return;
    }
    if (!u.tls) {
      result = co_await Exchange(tcp_stream, req, options);
      boost::system::error_code ignored;
      tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      co_return;
    }
    ssl::stream<beast::tcp_stream> stream(std::move(tcp_stream), *tls);
    SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str());
    stream.next_layer().expires_after(options.timeout);
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, kNoThrow);
    if (hec) {
      const bool unpinned = SSL_get_verify_result(stream.native_handle()) == X509_V_ERR_CERT_REJECTED;
      result = MakeError(Errc::kPermission, "TLS handshake with " + u.host + ":" + u.port + ": " +
                                                (unpinned ? "the server's certificate does not carry the public key "
                                                            "pinned for it (" + hec.message() + ")"
                                                          : hec.message()));
      co_return;
    }
    if (!options.expected_server_cn.empty()) {
      X509* cert = SSL_get1_peer_certificate(stream.native_handle());
      const std::string cn = CertCommonName(cert);
      X509_free(cert);
      if (cn != options.expected_server_cn) {
        result = MakeError(Errc::kPermission, "server certificate is for '" + cn + "', expected '" +
                                                  options.expected_server_cn + "'");
        co_return;
      }
    }
    result = co_await Exchange(stream, req, options);
    stream.next_layer().expires_after(std::chrono::seconds(2));
    auto [sec] = co_await stream.async_shutdown(kNoThrow);
    (void)sec;
  };
  net::co_spawn(ioc, run(), net::detached);
  ioc.run();
  if (!result) return MakeError(Errc::kInternal, "HTTP call did not complete");
  return std::move(*result);
}

template <class ReqBody>
void PrepareRequest(http::request<ReqBody>& req, const Url& u, const HttpHeaders& headers) {
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, "xfnode/" XF_VERSION);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.keep_alive(false);
}

}  // namespace

Result<HttpResponse> HttpCall(const std::string& method, const std::string& url,
                              const HttpHeaders& headers, const std::string& body,
                              const HttpClientOptions& options) {
  const auto u = ParseUrl(url);
  if (!u) return MakeError(Errc::kInvalidArgument, "bad URL " + url);
  http::request<http::string_body> req{http::string_to_verb(method), u->target, 11};
  PrepareRequest(req, *u, headers);
  req.body() = body;
  req.prepare_payload();
  return Call(*u, req, options);
}

Result<HttpResponse> HttpCallFile(const std::string& method, const std::string& url,
                                  const HttpHeaders& headers, const std::filesystem::path& body_file,
                                  const HttpClientOptions& options) {
  const auto u = ParseUrl(url);
  if (!u) return MakeError(Errc::kInvalidArgument, "bad URL " + url);
  http::request<http::file_body> req{http::string_to_verb(method), u->target, 11};
  PrepareRequest(req, *u, headers);
  boost::system::error_code ec;
  req.body().open(body_file.c_str(), beast::file_mode::scan, ec);
  if (ec) return MakeError(Errc::kIo, "cannot read " + body_file.string() + ": " + ec.message());
  req.prepare_payload();
  return Call(*u, req, options);
}

}  // namespace xf::exchange
