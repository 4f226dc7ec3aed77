#include "exchange/http.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <deque>
#include <fstream>
#include <list>
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
  // An open connection, in the registry (I/O thread only). Declared
  // before the io_context: sessions it destroys unregister themselves.
  struct Conn {
    std::string ip;
    beast::tcp_stream* tcp = nullptr;
    bool waiting = true;  // for a request's header (or the TLS handshake)
    int busy = 0;         // requests read and not yet answered
    std::chrono::steady_clock::time_point since;  // of the current wait
    bool Idle() const { return waiting && busy == 0; }
  };
  std::list<Conn> conns;                        // oldest first
  std::map<std::string, std::size_t> per_peer;  // open connections by address
  std::size_t max_connections = 0;              // in effect (Start)
  std::atomic<std::size_t> open_count{0};
  std::atomic<std::uint64_t> refused_count{0}, evicted_count{0}, accept_errors{0}, timed_out{0}, ambiguous{0};

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

  template <class Body>
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

  // Who is on the other end of a connection.
  struct Client {
    std::string address;  // "ip:port"
    std::string peer_id, cn, cert_pem;
    Conn* conn = nullptr;
  };

  static void CloseConn(Conn& c) {
    boost::system::error_code ignored;
    c.tcp->socket().shutdown(tcp::socket::shutdown_both, ignored);
    c.tcp->socket().close(ignored);
  }

  // Closes the connection that has waited longest for a request, of `ip`
  // when given; false when none waits.
  bool EvictIdle(const std::string* ip) {
    for (auto& c : conns) {
      if (c.Idle() && c.tcp != nullptr && (ip == nullptr || c.ip == *ip) && c.tcp->socket().is_open()) {
        CloseConn(c);
        ++evicted_count;
        return true;
      }
    }
    return false;
  }

  // Room for a new connection from `ip`: made by closing an idle one when
  // at a limit; false: none to close, the new one is refused.
  bool Admit(const std::string& ip) {
    if (options.max_connections_per_peer > 0 && per_peer[ip] >= options.max_connections_per_peer) {
      if (!EvictIdle(&ip)) return false;
    }
    if (conns.size() >= max_connections) {
      if (!EvictIdle(nullptr)) return false;
    }
    return true;
  }

  // The request's framing must be unambiguous (RFC 9112 §6.1, §6.3): one
  // Transfer-Encoding that is exactly "chunked", without Content-Length,
  // or at most one Content-Length. Anything else is how requests are
  // smuggled past another parser: 400 and the connection closed.
  template <class Fields>
  static std::optional<std::string> AmbiguousFraming(const Fields& fields) {
    int te = 0, cl = 0;
    std::string te_value;
    for (const auto& f : fields) {
      if (f.name() == http::field::transfer_encoding) {
        ++te;
        te_value = std::string(f.value());
      } else if (f.name() == http::field::content_length) {
        ++cl;
      }
    }
    if (cl > 1) return "more than one Content-Length";
    if (te > 1) return "more than one Transfer-Encoding";
    if (te == 1) {
      std::string v;
      for (char ch : te_value) {
        if (ch != ' ' && ch != '\t') v += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
      if (v != "chunked") return "Transfer-Encoding '" + te_value + "' (only 'chunked' is taken)";
      if (cl > 0) return "both Transfer-Encoding and Content-Length";
    }
    return std::nullopt;
  }

  // One request read from a connection: to hand to the handler, or to
  // answer at once (`answer`).
  struct Parsed {
    HttpRequest request;
    std::optional<HttpResponse> answer;
    bool close = false;       // close after answering: the body was not read whole
    bool keep_alive = false;  // the client keeps the connection
    bool head_request = false;
    unsigned version = 11;
    std::filesystem::path spooled;  // a spooled body: removed once handled, unless moved away
  };

  // Reads a request's body at no less than options.min_rate on average:
  // its deadline is body_grace + bytes so far / min_rate from its start,
  // moved on by what arrives, never restarted by a byte.
  template <class Stream, class Parser>
  net::awaitable<boost::system::error_code> ReadBodyAtRate(Stream& stream, beast::flat_buffer& buffer,
                                                           Parser& parser) {
    const auto start = std::chrono::steady_clock::now();
    const double rate = static_cast<double>(std::max<std::uint64_t>(1, options.min_rate));
    std::uint64_t got = 0;
    while (!parser.is_done()) {
      const auto earned = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(static_cast<double>(got) / rate));
      beast::get_lowest_layer(stream).expires_at(start + options.body_grace + earned);
      auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, kNoThrow);
      if (ec == beast::error::timeout) ++timed_out;
      if (ec) co_return ec;
      got += n;
    }
    co_return boost::system::error_code{};
  }

  // Reads the next request. nullopt: nothing more comes on this connection
  // (the client closed it, went quiet past the time-out, or the server
  // stops).
  template <class Stream>
  net::awaitable<std::optional<Parsed>> ReadRequest(Stream& stream, beast::flat_buffer& buffer, const Client& who,
                                                    bool first) {
    const std::uint64_t largest = LargestLimit();
    // The header first: its route decides where the body goes and its limit.
    http::request_parser<http::empty_body> head;
    head.body_limit(largest);
    head.header_limit(16 * 1024);
    // The whole header within the time-out, whatever trickles in meanwhile.
    if (who.conn != nullptr) {
      who.conn->waiting = true;
      who.conn->since = std::chrono::steady_clock::now();
    }
    beast::get_lowest_layer(stream).expires_after(first ? options.header_timeout : options.idle_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, head, kNoThrow);
    (void)n;
    if (who.conn != nullptr) who.conn->waiting = false;
    if (ec == beast::error::timeout) ++timed_out;
    if (ec == http::error::end_of_stream || stopping) co_return std::nullopt;
    Parsed p;
    if (ec) {
      auto answer = ReadErrorAnswer(ec, largest);
      if (!answer) co_return std::nullopt;  // timeout, reset, TLS failure: nothing to answer
      p.answer = std::move(answer);
      p.close = true;
      co_return p;
    }
    if (auto why = AmbiguousFraming(head.get())) {
      ++ambiguous;
      p.answer = ErrorResponse(400, "ambiguous message framing: " + *why);
      p.close = true;
      co_return p;
    }
    if (options.check_header) {
      // Before any byte of the body: a request refused here (no token,
      // say) costs the server nothing more.
      HttpRequest h;
      FillRequest(h, head.get());
      h.peer = who.address;
      h.peer_id = who.peer_id;
      if (auto refused = options.check_header(h)) {
        p.answer = std::move(*refused);
        p.close = true;
        co_return p;
      }
    }
    HttpRequest& request = p.request;
    request.peer = who.address;
    request.peer_id = who.peer_id;
    request.peer_cert_cn = who.cn;
    request.peer_cert_pem = who.cert_pem;
    p.version = head.get().version();
    p.head_request = head.get().method() == http::verb::head;
    p.keep_alive = head.get().keep_alive();
    const std::string method(head.get().method_string());
    const SpoolRoute* route = SpoolRouteFor(method, std::string(head.get().target()));
    const std::uint64_t limit = route ? route->body_limit : options.body_limit;
    const auto length = head.content_length();
    if (length && *length > limit) {
      p.answer = ErrorResponse(413, "body larger than " + std::to_string(limit) + " bytes");
      p.close = true;
      co_return p;
    }
    if (route) {
      const auto file = options.spool_dir / ("body-" + RandomHex(8));
      http::request_parser<http::file_body> parser{std::move(head)};
      parser.body_limit(limit);
      boost::system::error_code oec;
      parser.get().body().open(file.c_str(), beast::file_mode::write_new, oec);
      if (oec) {
        if (options.on_problem) options.on_problem("cannot spool a request body in " + options.spool_dir.string() + ": " + oec.message());
        p.answer = ErrorResponse(503, "cannot spool the body: " + oec.message());
        p.close = true;
        co_return p;
      }
      p.spooled = file;
      const auto rec = co_await ReadBodyAtRate(stream, buffer, parser);
      parser.get().body().close();
      if (rec) {
        std::error_code rm;
        std::filesystem::remove(file, rm);
        p.spooled.clear();
        if (rec.category() == boost::system::system_category() &&
            (rec.value() == ENOSPC || rec.value() == EIO || rec.value() == EDQUOT || rec.value() == EFBIG ||
             rec.value() == EROFS)) {
          // The disk, not the client: say so (PROTOCOL.md: 503, try later).
          const std::string what = "cannot spool the body to " + options.spool_dir.string() + ": " + rec.message();
          if (options.on_problem) options.on_problem(what);
          p.answer = ErrorResponse(503, what);
          p.close = true;
          co_return p;
        }
        auto answer = ReadErrorAnswer(rec, limit);
        if (!answer) co_return std::nullopt;
        p.answer = std::move(answer);
        p.close = true;
        co_return p;
      }
      FillRequest(request, parser.get());
      std::error_code sec;
      request.body_size = std::filesystem::file_size(file, sec);
      request.body_file = file;
      co_return p;
    }
    http::request_parser<http::string_body> parser{std::move(head)};
    parser.body_limit(limit);
    const auto rec = co_await ReadBodyAtRate(stream, buffer, parser);
    if (rec) {
      auto answer = ReadErrorAnswer(rec, limit);
      if (!answer) co_return std::nullopt;
      p.answer = std::move(answer);
      p.close = true;
      co_return p;
    }
    FillRequest(request, parser.get());
    request.body = std::move(parser.get().body());
    request.body_size = request.body.size();
    co_return p;
  }

  // Runs the handler of `p` on a worker (GET and HEAD on the readers) and
  // hands its answer back on the I/O thread: *out, then *done, then `wake`.
  void StartHandler(const Parsed& p, HttpResponse* out, bool* done, net::steady_timer* wake) {
    const bool read = readers && (p.request.method == "GET" || p.request.method == "HEAD");
    auto run = [this, &p, out, done, wake] {
      HttpResponse r;
      try {
        r = handler(p.request);
      } catch (const std::exception&) {
        r = ErrorResponse(500, "internal error");
      }
      if (!p.spooled.empty()) {
        std::error_code ignored;  // unless the handler moved it away
        std::filesystem::remove(p.spooled, ignored);
      }
      net::post(ioc, [out, done, wake, r = std::move(r)]() mutable {
        *out = std::move(r);
        *done = true;
        wake->cancel();
      });
    };
    if (read) {
      net::post(*readers, std::move(run));
    } else {
      net::post(workers, std::move(run));
    }
  }

  static net::awaitable<void> Sleep(net::steady_timer& t) {
    t.expires_at(net::steady_timer::time_point::max());
    auto [ec] = co_await t.async_wait(kNoThrow);
    (void)ec;
  }

  template <class Stream>
  net::awaitable<boost::system::error_code> WriteResponse(Stream& stream, HttpResponse& response, const Parsed& p,
                                                          bool keep_alive) {
    if (p.head_request) {
      response.body.clear();  // a HEAD answer has headers only
      response.body_file.clear();
    }
    if (!response.body_file.empty()) {
      http::response<http::file_body> res{static_cast<http::status>(response.status), p.version};
      boost::system::error_code fec;
      res.body().open(response.body_file.c_str(), beast::file_mode::scan, fec);
      if (!fec) {
        SetHeaders(res, response, keep_alive);
        res.prepare_payload();
        co_return co_await WriteMessage(stream, res, options.timeout);
      }
      response = ErrorResponse(500, "cannot read " + response.body_file.filename().string());
    }
    http::response<http::string_body> res{static_cast<http::status>(response.status), p.version};
    SetHeaders(res, response, keep_alive);
    res.body() = std::move(response.body);
    res.prepare_payload();
    co_return co_await WriteMessage(stream, res, options.timeout);
  }

  // A connection's requests, one after the other; while one's handler runs
  // the next is read (pipelining), and each answer goes as soon as its
  // handler returns.
  template <class Stream>
  net::awaitable<void> Serve(Stream& stream, const Client& who) {
    beast::flat_buffer buffer;
    net::steady_timer wake(ioc);
    auto current = co_await ReadRequest(stream, buffer, who, true);
    while (current) {
      Parsed& p = *current;
      HttpResponse response;
      bool handled = false;
      if (who.conn != nullptr) ++who.conn->busy;
      // Busy until its answer is written: then the connection only waits
      // for the next request (and may be closed to make room, or at stop).
      struct Answered {
        Conn* c;
        void Done() {
          if (c != nullptr) --c->busy;
          c = nullptr;
        }
        ~Answered() { Done(); }
      } answered{who.conn};
      if (p.answer) {
        response = std::move(*p.answer);
        handled = true;
      } else {
        StartHandler(p, &response, &handled, &wake);
      }
      const bool keep = !p.close && p.keep_alive && !stopping;
      // The next request is read while this one's handler runs.
      std::optional<Parsed> next;
      bool reading = false, read_done = false;
      if (keep) {
        reading = true;
        net::co_spawn(ioc, ReadRequest(stream, buffer, who, false),
                      [&next, &read_done, &wake](std::exception_ptr, std::optional<Parsed> got) {
                        next = std::move(got);
                        read_done = true;
                        wake.cancel();
                      });
      }
      while (!handled) co_await Sleep(wake);
      const bool keep_after = keep && !stopping;
      const auto wec = co_await WriteResponse(stream, response, p, keep_after);
      answered.Done();
      if (!wec && p.close) co_await LingeringClose(beast::get_lowest_layer(stream));
      if (wec || !keep_after) {
        if (reading) {
          boost::system::error_code ignored;
          beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_receive, ignored);
          beast::get_lowest_layer(stream).cancel();
          while (!read_done) co_await Sleep(wake);
          if (next && !next->spooled.empty()) {
            std::error_code rm;
            std::filesystem::remove(next->spooled, rm);
          }
        }
        co_return;
      }
      while (!read_done) co_await Sleep(wake);
      current = std::move(next);
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

  // Keeps a connection in the registry for as long as its session runs.
  struct Registered {
    Impl* impl;
    std::list<Conn>::iterator it;
    Registered(Impl* i, std::string ip, beast::tcp_stream& tcp) : impl(i) {
      impl->conns.push_back(Conn{std::move(ip), &tcp, true, 0, std::chrono::steady_clock::now()});
      it = std::prev(impl->conns.end());
      ++impl->per_peer[it->ip];
      ++impl->open_count;
    }
    ~Registered() {
      if (--impl->per_peer[it->ip] == 0) impl->per_peer.erase(it->ip);
      impl->conns.erase(it);
      --impl->open_count;
    }
    Registered(const Registered&) = delete;
    Registered& operator=(const Registered&) = delete;
  };

  net::awaitable<void> Session(tcp::socket socket, std::string ip) {
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // answers go at once
    const auto remote = socket.remote_endpoint(ignored);
    Client who;
    who.address = remote.address().to_string() + ":" + std::to_string(remote.port());
    if (!tls) {
      beast::tcp_stream stream(std::move(socket));
      Registered reg(this, ip, stream);
      who.conn = &*reg.it;
      co_await Serve(stream, who);
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
    ssl::stream<beast::tcp_stream> stream(std::move(socket), *tls);
    Registered reg(this, ip, beast::get_lowest_layer(stream));
    who.conn = &*reg.it;
    beast::get_lowest_layer(stream).expires_after(options.header_timeout);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kNoThrow);
    if (ec) co_return;
    // The handshake accepted only a pinned key (VerifyPinned); the peer is
    // whoever that key belongs to. A resumed session skips the handshake's
    // check: the key is looked up again here, at every connection.
    X509* cert = SSL_get1_peer_certificate(stream.native_handle());
    who.cn = CertCommonName(cert);
    who.cert_pem = CertPem(cert);
    const std::string key = KeyDer(cert);
    X509_free(cert);
    if (pins.identify) {
      auto id = key.empty() ? std::nullopt : pins.identify(key);
      if (!id) co_return;  // unpinned since the session began: no longer a peer
      who.peer_id = std::move(*id);
    } else if (options.tls->require_client_cert && !pins.Accept(key)) {
      co_return;
    }
    co_await Serve(stream, who);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    auto [sec] = co_await stream.async_shutdown(kNoThrow);
    (void)sec;
  }

  net::awaitable<void> Listen() {
    net::steady_timer pause(ioc);
    auto delay = std::chrono::milliseconds(50);
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
      if (stopping || ec == net::error::operation_aborted) co_return;
      if (ec) {
        // No descriptor (EMFILE, ENFILE) or memory for a new connection:
        // accepting again at once would fail the same way, in a loop that
        // spins a core. Close a connection that only waits, and pause.
        ++accept_errors;
        EvictIdle(nullptr);
        pause.expires_after(delay);
        auto [wec] = co_await pause.async_wait(kNoThrow);
        (void)wec;
        delay = std::min(delay * 2, std::chrono::milliseconds(1000));
        continue;
      }
      delay = std::chrono::milliseconds(50);
      boost::system::error_code rec;
      const auto remote = socket.remote_endpoint(rec);
      if (rec) continue;  // gone already
      std::string ip = remote.address().to_string();
      if (!Admit(ip)) {
        ++refused_count;
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      net::co_spawn(ioc, Session(std::move(socket), std::move(ip)), net::detached);
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
    // Sessions may be resumed (clients keep them): with client
    // certificates OpenSSL needs a context id for that.
    static const unsigned char kSessionContext[] = "xfnode";
    SSL_CTX_set_session_id_context(impl.tls->native_handle(), kSessionContext, sizeof kSessionContext - 1);
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
  // Never more connections than descriptors allow: each listener of the
  // process keeps to a third of them (what is left is for the store, its
  // files and the peers this node calls).
  impl.max_connections = impl.options.max_connections;
  if (rlimit rl{}; ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    const auto fds = static_cast<std::size_t>(rl.rlim_cur);
    impl.max_connections = std::min(impl.max_connections, std::max<std::size_t>(4, fds > 96 ? (fds - 96) / 3 : 4));
  }
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
  // Stop accepting; close what only waits for a request; let the requests
  // in progress be answered (a batch being applied finishes and its
  // receipt goes), within drain_timeout.
  net::post(impl.ioc, [&impl] {
    boost::system::error_code ignored;
    impl.acceptor.close(ignored);
    for (auto& c : impl.conns) {
      if (c.Idle()) Impl::CloseConn(c);
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + impl.options.drain_timeout;
  while (impl.open_count.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    net::post(impl.ioc, [&impl] {
      for (auto& c : impl.conns) {
        if (c.Idle()) Impl::CloseConn(c);
      }
    });
  }
  impl.ioc.stop();
  if (impl.io_thread.joinable()) impl.io_thread.join();
  // What waits in the queues was never started: dropped (its client sees
  // the connection close and sends it again). A handler running finishes.
  impl.workers.stop();
  impl.workers.join();
  if (impl.readers) {
    impl.readers->stop();
    impl.readers->join();
  }
}

HttpServer::Stats HttpServer::GetStats() const {
  Stats s;
  s.open = m_impl->open_count.load();
  s.max_connections = m_impl->max_connections;
  s.refused = m_impl->refused_count.load();
  s.evicted = m_impl->evicted_count.load();
  s.accept_errors = m_impl->accept_errors.load();
  s.timed_out = m_impl->timed_out.load();
  s.ambiguous = m_impl->ambiguous.load();
  return s;
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
  if (colon == std::string::npos || authority.back() == ']') {
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

}  // namespace

struct HttpPeer::Impl {
  std::string base;
  Url url;
  HttpClientOptions options;
  net::io_context ioc{1};
  std::optional<ssl::context> tls;
  PinCheck pins;  // the TLS context points here
  std::optional<Error> setup_error;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<ssl::stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;  // of the connection: what the server sent past an answer
  bool reused = false;        // the connection carried a request already
  SSL_SESSION* session = nullptr;
  std::atomic<bool> cancelled{false};
  mutable std::mutex stats_mutex;
  Stats stats;

  static int ExIndex() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
  }

  // New TLS 1.3 sessions arrive after the handshake (a ticket): kept for
  // the next connection.
  static int KeepSession(SSL* ssl, SSL_SESSION* new_session) {
    auto* impl = static_cast<Impl*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ExIndex()));
    if (impl == nullptr) return 0;
    if (impl->session != nullptr) SSL_SESSION_free(impl->session);
    impl->session = new_session;  // the reference is ours now
    return 1;
  }

  Impl(std::string base_url, Url u, HttpClientOptions o)
      : base(std::move(base_url)), url(std::move(u)), options(std::move(o)) {
    options.peer = nullptr;
    pins.keys = options.server_keys;
    if (!url.tls) return;
    tls.emplace(ssl::context::tls_client);
    if (options.tls) {
      if (auto s = LoadTls(*tls, *options.tls, false, pins); !s) {
        setup_error = s.error();
        return;
      }
    } else if (pins.Any()) {
      SSL_CTX_set_cert_verify_callback(tls->native_handle(), VerifyPinned, &pins);
      tls->set_verify_mode(ssl::verify_peer);
    }
    SSL_CTX_set_session_cache_mode(tls->native_handle(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    // Not the app data: Asio's context keeps its own verify callback there
    // and deletes whatever it finds at destruction.
    SSL_CTX_set_ex_data(tls->native_handle(), ExIndex(), this);
    SSL_CTX_sess_set_new_cb(tls->native_handle(), KeepSession);
  }
  ~Impl() {
    Drop();
    if (session != nullptr) SSL_SESSION_free(session);
  }

  bool Connected() const { return plain || secure; }
  void Drop() {
    boost::system::error_code ignored;
    if (secure) beast::get_lowest_layer(*secure).socket().close(ignored);
    if (plain) plain->socket().close(ignored);
    secure.reset();
    plain.reset();
    buffer.clear();
    reused = false;
  }
  void ForgetSession() {
    if (session != nullptr) SSL_SESSION_free(session);
    session = nullptr;
  }

  // Whether the idle connection is still open: the server may have closed
  // it (idle time-out) since the last answer.
  bool StillOpen() {
    if (!Connected()) return false;
    auto& sock = secure ? beast::get_lowest_layer(*secure).socket() : plain->socket();
    char c;
    const auto n = ::recv(sock.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return false;                                   // closed
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;  // nothing to read: fine
    return true;  // bytes (a TLS ticket, say): the connection lives
  }

  net::awaitable<Status> Connect() {
    Drop();
    if (setup_error) co_return *setup_error;
    if (cancelled) co_return MakeError(Errc::kUnavailable, "cancelled");
    if (options.env != nullptr) {
      if (auto fault = options.env->NetworkFault(url.host, url.port)) co_return *fault;
    }
    tcp::resolver resolver(ioc);
    auto [rec, endpoints] = co_await resolver.async_resolve(url.host, url.port, kNoThrow);
    if (rec) co_return MakeError(Errc::kUnavailable, "resolving " + url.host + ": " + rec.message());
    beast::tcp_stream tcp_stream(ioc);
    tcp_stream.expires_after(options.timeout);
    auto [cec, ep] = co_await tcp_stream.async_connect(endpoints, kNoThrow);
    (void)ep;
    if (cec) {
      co_return MakeError(Errc::kUnavailable, "connecting to " + url.host + ":" + url.port + ": " + cec.message());
    }
    boost::system::error_code ignored;
    tcp_stream.socket().set_option(tcp::no_delay(true), ignored);  // small requests go at once
    if (!url.tls) {
      plain = std::make_unique<beast::tcp_stream>(std::move(tcp_stream));
      std::lock_guard lock(stats_mutex);
      ++stats.connections;
      co_return Status{};
    }
    auto stream = std::make_unique<ssl::stream<beast::tcp_stream>>(std::move(tcp_stream), *tls);
    SSL_set_tlsext_host_name(stream->native_handle(), url.host.c_str());
    if (session != nullptr) SSL_set_session(stream->native_handle(), session);
    stream->next_layer().expires_after(options.timeout);
    auto [hec] = co_await stream->async_handshake(ssl::stream_base::client, kNoThrow);
    if (hec) {
      ForgetSession();
      const bool unpinned = SSL_get_verify_result(stream->native_handle()) == X509_V_ERR_CERT_REJECTED;
      co_return MakeError(Errc::kPermission, "TLS handshake with " + url.host + ":" + url.port + ": " +
                                                 (unpinned ? "the server's certificate does not carry the public key "
                                                             "pinned for it (" + hec.message() + ")"
                                                           : hec.message()));
    }
    if (!options.expected_server_cn.empty()) {
      X509* cert = SSL_get1_peer_certificate(stream->native_handle());
      const std::string cn = CertCommonName(cert);
      X509_free(cert);
      if (cn != options.expected_server_cn) {
        ForgetSession();
        co_return MakeError(Errc::kPermission,
                            "server certificate is for '" + cn + "', expected '" + options.expected_server_cn + "'");
      }
    }
    {
      std::lock_guard lock(stats_mutex);
      ++stats.connections;
      if (SSL_session_reused(stream->native_handle()) == 1) ++stats.resumed;
    }
    secure = std::move(stream);
    co_return Status{};
  }

  template <class Stream, class Body>
  net::awaitable<boost::system::error_code> WriteOne(Stream& stream, http::request<Body>& req) {
    co_return co_await WriteMessage(stream, req, options.timeout);
  }

  template <class Stream>
  net::awaitable<boost::system::error_code> Write(Stream& stream, const Request& r, bool keep_alive) {
    const auto conn = r.headers.find("connection");
    if (conn != r.headers.end() && conn->second == "close") keep_alive = false;
    auto prepare = [&](auto& req) {
      req.set(http::field::host, url.host);
      req.set(http::field::user_agent, "xfnode/" XF_VERSION);
      for (const auto& [k, v] : r.headers) {
        if (k != "connection") req.set(k, v);
      }
      req.keep_alive(keep_alive);
    };
    {
      std::lock_guard lock(stats_mutex);
      ++stats.requests;
    }
    if (!r.body_file.empty()) {
      http::request<http::file_body> req{http::string_to_verb(r.method), r.target, 11};
      prepare(req);
      boost::system::error_code ec;
      req.body().open(r.body_file.c_str(), beast::file_mode::scan, ec);
      if (ec) co_return ec;
      req.prepare_payload();
      co_return co_await WriteOne(stream, req);
    }
    http::request<http::string_body> req{http::string_to_verb(r.method), r.target, 11};
    prepare(req);
    req.body() = r.body;
    req.prepare_payload();
    co_return co_await WriteOne(stream, req);
  }

  // One answer, for a request of method `method`; *close: the server
  // closes after it.
  template <class Stream>
  net::awaitable<Result<HttpResponse>> Read(Stream& stream, const Request& r, bool* close) {
    const bool head_request = r.method == "HEAD";
    http::response_parser<http::empty_body> head;
    head.body_limit(std::max<std::uint64_t>(options.body_limit, options.file_body_limit));
    head.skip(head_request);
    const auto answer = r.answer_timeout.count() > 0 ? r.answer_timeout : options.answer_timeout;
    beast::get_lowest_layer(stream).expires_after(std::max(options.timeout, answer));
    auto [rec, rn] = co_await http::async_read_header(stream, buffer, head, kNoThrow);
    (void)rn;
    auto failed = [&](const boost::system::error_code& ec) -> Error {
      return MakeError(Errc::kUnavailable, "reading response: " + ec.message());
    };
    if (rec) co_return failed(rec);
    HttpResponse out;
    out.status = static_cast<int>(head.get().result_int());
    *close = !head.get().keep_alive();
    const auto file = !r.response_file.empty() ? r.response_file : options.response_file;
    if (!file.empty() && out.status == 200 && !head_request) {
      http::response_parser<http::file_body> parser{std::move(head)};
      parser.body_limit(options.file_body_limit);
      boost::system::error_code oec;
      parser.get().body().open(file.c_str(), beast::file_mode::write, oec);
      if (oec) co_return MakeError(Errc::kIo, "cannot write " + file.string() + ": " + oec.message());
      if (auto ec = co_await ReadBody(stream, buffer, parser, options.timeout); ec) co_return failed(ec);
      CopyHeaders(out, parser.get());
      parser.get().body().close();
      out.body_file = file;
      co_return out;
    }
    http::response_parser<http::string_body> parser{std::move(head)};
    parser.body_limit(options.body_limit);
    if (auto ec = co_await ReadBody(stream, buffer, parser, options.timeout); ec) co_return failed(ec);
    CopyHeaders(out, parser.get());
    out.body = std::move(parser.get().body());
    co_return out;
  }

  // The shared state of one pipeline run.
  struct Run {
    explicit Run(net::io_context& ioc) : writer_wake(ioc), reader_wake(ioc) {}
    const NextRequest* next = nullptr;
    const OnAnswer* on_answer = nullptr;
    std::size_t window = 1;
    std::deque<Request> resend;   // to write first (a retry on a new connection)
    std::deque<Request> inflight;  // written, unanswered, in order
    std::optional<Error> failure;
    // The peer stopped taking the request's bytes (it answered early, 413,
    // and closed): its answer may still be there to read; this error only
    // when it is not.
    std::optional<Error> write_error;
    bool writer_done = false;
    bool stop = false;            // on_answer said stop, or the server closes
    bool drop = false;            // the server closes: drop the connection once writer and reader end
    std::uint64_t answers = 0;    // answers read in this run
    net::steady_timer writer_wake, reader_wake;
  };

  static net::awaitable<void> Sleep(net::steady_timer& t) {
    t.expires_at(net::steady_timer::time_point::max());
    auto [ec] = co_await t.async_wait(kNoThrow);
    (void)ec;
  }

  void Fail(Run& run, Error e) {
    if (!run.failure) run.failure = std::move(e);
    boost::system::error_code ignored;
    if (secure) beast::get_lowest_layer(*secure).socket().close(ignored);
    if (plain) plain->socket().close(ignored);
    run.writer_wake.cancel();
    run.reader_wake.cancel();
  }

  template <class Stream>
  net::awaitable<void> Writer(Stream& stream, Run& run) {
    for (;;) {
      if (run.failure || run.stop || cancelled) break;
      if (run.inflight.size() >= run.window) {
        co_await Sleep(run.writer_wake);
        continue;
      }
      std::optional<Request> r;
      if (!run.resend.empty()) {
        r = std::move(run.resend.front());
        run.resend.pop_front();
      } else {
        r = (*run.next)();
      }
      if (run.failure) {
        if (r) run.resend.push_front(std::move(*r));
        break;
      }
      if (!r) {
        if (run.inflight.empty()) break;
        co_await Sleep(run.writer_wake);  // an answer may bring more to send
        continue;
      }
      run.inflight.push_back(std::move(*r));
      run.reader_wake.cancel();
      const auto ec = co_await Write(stream, run.inflight.back(), true);
      if (ec) {
        auto e = MakeError(Errc::kUnavailable, "sending request: " + ec.message());
        if (ec == net::error::broken_pipe || ec == net::error::connection_reset) {
          run.write_error = std::move(e);  // the reader reads what was answered
        } else {
          Fail(run, std::move(e));
        }
        break;
      }
    }
    run.writer_done = true;
    run.reader_wake.cancel();
  }

  template <class Stream>
  net::awaitable<void> Reader(Stream& stream, Run& run) {
    for (;;) {
      if (run.failure) break;
      if (run.inflight.empty()) {
        if (run.writer_done) {
          if (run.write_error) run.drop = true;  // answered, but the connection is spent
          break;
        }
        co_await Sleep(run.reader_wake);
        continue;
      }
      bool close = false;
      auto answer = co_await Read(stream, run.inflight.front(), &close);
      if (!answer) {
        Fail(run, run.write_error ? *run.write_error : answer.error());
        break;
      }
      ++run.answers;
      run.inflight.pop_front();
      if (!(*run.on_answer)(std::move(answer))) run.stop = true;
      if (close) {
        // Nothing more is answered on this connection.
        run.stop = true;
        if (!run.inflight.empty()) Fail(run, MakeError(Errc::kUnavailable, "the server closed the connection"));
        // The writer may still be in a write: the stream goes once both end.
        run.drop = true;
        boost::system::error_code ignored;
        beast::get_lowest_layer(stream).socket().close(ignored);
        run.writer_wake.cancel();
        break;
      }
      run.writer_wake.cancel();
    }
  }

  template <class Stream>
  net::awaitable<void> Both(Stream& stream, Run& run) {
    // Writer and reader side by side on this thread: one write and one read
    // may be outstanding at once on a stream.
    int running = 2;
    net::steady_timer done(ioc);
    auto finished = [&](std::exception_ptr) {
      --running;
      done.cancel();
    };
    net::co_spawn(ioc, Writer(stream, run), finished);
    net::co_spawn(ioc, Reader(stream, run), finished);
    while (running > 0) co_await Sleep(done);
  }

  Status RunPipeline(const NextRequest& next, const OnAnswer& on_answer, std::size_t window) {
    if (cancelled) return MakeError(Errc::kUnavailable, "cancelled");
    Run run(ioc);
    run.next = &next;
    run.on_answer = &on_answer;
    run.window = std::max<std::size_t>(1, window);
    for (int attempt = 0;; ++attempt) {
      const bool was_reused = reused && StillOpen();
      if (!was_reused) Drop();
      std::optional<Error> connect_error;
      auto body = [&]() -> net::awaitable<void> {
        if (!Connected()) {
          if (auto s = co_await Connect(); !s) {
            connect_error = s.error();
            co_return;
          }
        }
        reused = true;
        if (secure) {
          co_await Both(*secure, run);
        } else {
          co_await Both(*plain, run);
        }
      };
      ioc.restart();
      net::co_spawn(ioc, body(), net::detached);
      ioc.run();
      if (run.drop) Drop();
      if (connect_error) run.failure = connect_error;
      if (!run.failure) return {};
      Drop();
      // A connection the server had closed while idle: what was written on
      // it before any answer goes once more on a new one.
      if (attempt == 0 && was_reused && run.answers == 0 && !connect_error && !cancelled) {
        for (auto it = run.inflight.rbegin(); it != run.inflight.rend(); ++it) run.resend.push_front(std::move(*it));
        run.inflight.clear();
        run.failure.reset();
        run.writer_done = false;
        run.write_error.reset();
        run.stop = false;
        run.drop = false;
        continue;
      }
      break;
    }
    // Written and unanswered: each gets the error, in order.
    const Error e = *run.failure;
    for (std::size_t i = 0; i < run.inflight.size() + run.resend.size(); ++i) on_answer(e);
    run.inflight.clear();
    run.resend.clear();
    return e;
  }
};

HttpPeer::HttpPeer(const std::string& base_url, HttpClientOptions options) {
  auto u = ParseUrl(base_url);
  if (!u) u = Url{};
  m_impl = std::make_unique<Impl>(base_url, *u, std::move(options));
  if (!ParseUrl(base_url)) m_impl->setup_error = MakeError(Errc::kInvalidArgument, "bad URL " + base_url);
}

HttpPeer::~HttpPeer() = default;

const std::string& HttpPeer::BaseUrl() const { return m_impl->base; }

Result<HttpResponse> HttpPeer::Call(const Request& request) {
  std::optional<Result<HttpResponse>> got;
  bool taken = false;
  auto status = m_impl->RunPipeline(
      [&]() -> std::optional<Request> {
        if (taken) return std::nullopt;
        taken = true;
        return request;
      },
      [&](Result<HttpResponse> r) {
        got.emplace(std::move(r));
        return false;
      },
      1);
  if (got) return std::move(*got);
  if (!status) return status.error();
  return MakeError(Errc::kInternal, "HTTP call did not complete");
}

Status HttpPeer::Pipeline(const NextRequest& next, const OnAnswer& on_answer, std::size_t window) {
  return m_impl->RunPipeline(next, on_answer, window);
}

void HttpPeer::SetServerKeys(std::vector<std::string> keys) {
  if (keys == m_impl->pins.keys) return;
  m_impl->pins.keys = std::move(keys);
  // Pinned by other keys now: nothing made under the old pins is reused.
  m_impl->Drop();
  m_impl->ForgetSession();
}

bool HttpPeer::Reachable(std::chrono::milliseconds timeout) {
  auto& impl = *m_impl;
  if (impl.cancelled || impl.setup_error) return false;
  if (impl.options.env != nullptr && impl.options.env->NetworkFault(impl.url.host, impl.url.port)) return false;
  bool ok = false;
  auto probe = [&]() -> net::awaitable<void> {
    tcp::resolver resolver(impl.ioc);
    auto [rec, endpoints] = co_await resolver.async_resolve(impl.url.host, impl.url.port, kNoThrow);
    if (rec) co_return;
    beast::tcp_stream s(impl.ioc);
    s.expires_after(timeout);
    auto [cec, ep] = co_await s.async_connect(endpoints, kNoThrow);
    (void)ep;
    ok = !cec;
    boost::system::error_code ignored;
    s.socket().close(ignored);
  };
  impl.ioc.restart();
  net::co_spawn(impl.ioc, probe(), net::detached);
  impl.ioc.run();
  return ok;
}

void HttpPeer::Close() { m_impl->Drop(); }

void HttpPeer::Cancel() {
  m_impl->cancelled = true;
  net::post(m_impl->ioc, [impl = m_impl.get()] {
    boost::system::error_code ignored;
    if (impl->secure) beast::get_lowest_layer(*impl->secure).socket().close(ignored);
    if (impl->plain) impl->plain->socket().close(ignored);
  });
}

HttpPeer::Stats HttpPeer::GetStats() const {
  std::lock_guard lock(m_impl->stats_mutex);
  return m_impl->stats;
}

namespace {

Result<HttpResponse> CallOnce(const std::string& url, HttpPeer::Request request, const HttpClientOptions& options) {
  const auto u = ParseUrl(url);
  if (!u) return MakeError(Errc::kInvalidArgument, "bad URL " + url);
  request.target = u->target;
  if (options.peer != nullptr) return options.peer->Call(request);
  // A fresh connection, closed after the answer.
  request.headers["connection"] = "close";
  HttpPeer once(url, options);
  return once.Call(request);
}

}  // namespace

Result<HttpResponse> HttpCall(const std::string& method, const std::string& url,
                              const HttpHeaders& headers, const std::string& body,
                              const HttpClientOptions& options) {
  HttpPeer::Request r;
  r.method = method;
  r.headers = headers;
  r.body = body;
  return CallOnce(url, std::move(r), options);
}

Result<HttpResponse> HttpCallFile(const std::string& method, const std::string& url,
                                  const HttpHeaders& headers, const std::filesystem::path& body_file,
                                  const HttpClientOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(body_file, ec)) {
    return MakeError(Errc::kIo, "cannot read " + body_file.string() + ": no such file");
  }
  HttpPeer::Request r;
  r.method = method;
  r.headers = headers;
  r.body_file = body_file;
  return CallOnce(url, std::move(r), options);
}

}  // namespace xf::exchange
