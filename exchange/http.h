// A small HTTP/1.1 server and client on Boost.Beast, with optional TLS
// (mutual TLS for peers). Beast and Asio stay out of this header.
//
// Server: one I/O thread runs the coroutine sessions (accept, read with a
// time-out and a body limit, write); each request's handler runs on a
// separate pool of worker threads, so SQLite and CPU-heavy work never block
// the I/O thread. Handlers must be thread-safe. Connections are kept alive
// and may be pipelined: while a request's handler runs, the next request on
// the same connection is already read (its body spooled); the handlers of
// one connection run one after the other and their answers go out in order,
// each as soon as its handler returns.
//
// Client: HttpPeer keeps one connection to one peer (keep-alive, TLS built
// once, sessions resumed) and can pipeline requests on it; HttpCall and
// HttpCallFile make one request, over a fresh connection or over an
// HttpPeer's (HttpClientOptions::peer).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/env.h"
#include "codes/result.h"

namespace xf::exchange {

// Header names are lower-case.
using HttpHeaders = std::map<std::string, std::string>;

struct HttpRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // path and query, as sent
  HttpHeaders headers;
  std::string body;    // in memory, unless the route spools (body_file)
  // A spooled body (HttpServerOptions::spool_routes): the file under
  // spool_dir that holds it, complete; empty when the body is in memory.
  // The server removes the file after the handler returns, unless the
  // handler renamed it away (which it may: the file is the handler's then).
  std::filesystem::path body_file;
  std::uint64_t body_size = 0;  // bytes of the body, in memory or in the file
  std::string peer;            // "ip:port"
  // With mutual TLS: who the client is — the id HttpServerOptions::
  // identify_client answered for the public key of its certificate. This,
  // never a name in the certificate, is what authorises a peer.
  std::string peer_id;
  std::string peer_cert_cn;    // with mutual TLS: the client certificate's CN (for logs only)
  std::string peer_cert_pem;   // with mutual TLS: the client certificate
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HttpHeaders headers;  // extra headers
  // Server: when set, the body is this file's bytes, streamed from disk
  // (`body` is ignored). Client (HttpClientOptions::response_file): the
  // file the body was written to.
  std::filesystem::path body_file;
};

// The value of header `name` (lower-case), or "" when absent.
std::string HeaderOf(const HttpRequest& request, const std::string& name);

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Peers are pinned, not chained: the other side is accepted when the public
// key of the certificate it presents (its DER SubjectPublicKeyInfo) equals,
// byte for byte, the key of a certificate configured for it. No CA, chain,
// name or CN is looked at, so a certificate some node issued with its own
// key for another node's name is worth nothing. A server refuses an
// unknown client certificate in the handshake with the TLS alert
// bad_certificate (42); a client refuses an unknown server certificate the
// same way and the call fails (kPermission).
struct TlsFiles {
  std::string cert_file;       // PEM certificate (chain) this side presents
  std::string key_file;        // PEM private key
  // PEM certificates whose public keys are pinned for the other side (one
  // or more in the file); empty: pins come from elsewhere (server:
  // identify_client; client: server_keys) or, with none at all, the other
  // side is not checked (a client only).
  std::string ca_file;
  bool require_client_cert = true;  // server side: mutual TLS
};

// Server: who the client with this certificate key (DER
// SubjectPublicKeyInfo) is, or nullopt for a stranger. Called on the I/O
// thread during each handshake: must be quick and thread-safe.
using IdentifyPeer = std::function<std::optional<std::string>(std::string_view key_der)>;

// The public keys (DER SubjectPublicKeyInfo) of the certificates in a PEM
// file or text, in order.
Result<std::vector<std::string>> CertificateKeys(std::string_view pem);

// Requests whose body goes to a file as it arrives instead of memory: a
// request matches when its method is `method` and its path (the target
// without the query) begins with `path_prefix`.
struct SpoolRoute {
  std::string method;
  std::string path_prefix;
  std::uint64_t body_limit = 0;  // this route's limit, instead of body_limit
};

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: pick a free port (see HttpServer::Port)
  std::size_t body_limit = 8 * 1024 * 1024;  // bodies held in memory
  // Per read and per write: a request or response is read or written in
  // pieces, each under this time-out (an idle time-out, so large bodies on
  // slow links still pass while they move).
  std::chrono::seconds timeout{30};
  std::vector<SpoolRoute> spool_routes;
  std::filesystem::path spool_dir;  // REQUIRES: exists when spool_routes is not empty
  int worker_threads = 2;
  // GET and HEAD run on a pool of their own, so that reads are answered
  // while every worker of the other methods waits (for a store writer,
  // say); 0: they share worker_threads.
  int read_worker_threads = 2;
  std::optional<TlsFiles> tls;
  // With TLS and a required client certificate: pins the client (see
  // TlsFiles); HttpRequest::peer_id is its answer. Unset: the keys of
  // tls->ca_file are pinned and peer_id is left empty.
  IdentifyPeer identify_client;

  // ---- limits: no flood of connections or slow client takes the server down
  // Connections open at once, and from one address (0: no such limit). At
  // a limit, the connection that has waited longest for a request is
  // closed to make room; with none waiting, the new one is closed. The
  // total is also kept under a third of the descriptor limit
  // (RLIMIT_NOFILE), so that accept never meets EMFILE from connections
  // alone; when it does meet it (or ENFILE), the server closes a waiting
  // connection and pauses accepting (50 ms, doubling to 1 s): it never spins.
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_peer = 0;
  // The whole header of a connection's first request (and its TLS
  // handshake) within header_timeout; of a later one, within idle_timeout.
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds idle_timeout{30};
  // A body arrives at min_rate bytes/s on average: its deadline is
  // body_grace + (bytes received) / min_rate after its start, so a byte
  // earns time but never restarts the clock.
  std::chrono::seconds body_grace{10};
  std::uint64_t min_rate = 16 * 1024;
  // Called on the I/O thread with a request's method, target and headers
  // (no body) before any byte of its body is read: an answer refuses the
  // request at once (the connection then closes). Quick and thread-safe.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> check_header;
  // Stop() waits this long for the requests in progress to be answered.
  std::chrono::seconds drain_timeout{20};
  // A line for the operator when the server itself cannot take a request
  // (a spooled body cannot be written: ENOSPC, EIO — answered 503). Any
  // thread; unset: nothing is said.
  std::function<void(const std::string&)> on_problem;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on background threads. Fails if the address
  // cannot be bound or the TLS files cannot be loaded.
  Status Start();
  std::uint16_t Port() const;
  // Stops accepting, closes the connections that wait for a request,
  // lets the requests in progress finish and be answered (bounded by
  // drain_timeout), drops queued ones not started, joins the threads.
  // Idempotent.
  void Stop();

  struct Stats {
    std::size_t open = 0;             // connections now
    std::size_t max_connections = 0;  // the limit in effect
    std::uint64_t refused = 0;        // closed at once: at a limit, none to make room
    std::uint64_t evicted = 0;        // waiting connections closed to make room
    std::uint64_t accept_errors = 0;  // accept failed (EMFILE, …): paused
    std::uint64_t timed_out = 0;      // header, idle or body deadline passed
    std::uint64_t ambiguous = 0;      // requests refused for ambiguous framing
  };
  Stats GetStats() const;  // any thread

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

struct HttpClientOptions {
  std::chrono::milliseconds timeout{30000};  // per read and per write piece
  // For the answer's first byte after the request went out, when longer
  // (a receiver answers a batch only once it has applied it); 0: `timeout`.
  std::chrono::milliseconds answer_timeout{0};
  std::size_t body_limit = 64 * 1024 * 1024;  // of a response held in memory
  std::optional<TlsFiles> tls;  // client certificate, and the server's certificate(s) in ca_file
  // With TLS: the server's certificate must carry one of these public keys
  // (DER SubjectPublicKeyInfo), compared in full; when empty, the keys of
  // tls->ca_file. The server is recognised by its key, never by its name.
  std::vector<std::string> server_keys;
  // With TLS, an extra check for tools and logs: the server certificate's
  // CN must also equal this. It identifies nothing on its own.
  std::string expected_server_cn;
  // When set, a 200 response's body is written to this file as it arrives
  // (up to file_body_limit bytes) and HttpResponse::body_file names it;
  // other answers stay in memory.
  std::filesystem::path response_file;
  std::uint64_t file_body_limit = std::uint64_t{2} << 30;
  // Network faults (tests): consulted before each connection. Null: none.
  const Env* env = nullptr;
  // Set: HttpCall and HttpCallFile go over this peer's persistent
  // connection (the URL's host and port must be its own); its TLS context
  // and pins are used, those above ignored. REQUIRES: used by one thread.
  class HttpPeer* peer = nullptr;
};

// One peer, one persistent connection: made when first needed and again
// when it drops (a request that failed on a reused connection before any
// answer came is sent once more on a new one, so a connection the server
// closed while idle costs nothing). With TLS the context is built once, the
// server's certificate key is pinned (server_keys, or the keys of
// tls->ca_file) and the session is resumed on reconnection. A change of the
// pinned keys (SetServerKeys) drops the connection and the session: a
// resumed session is never used to skip a check the new pins would fail.
//
// Thread safety: one thread at a time calls it; Cancel from any thread.
class HttpPeer {
 public:
  // `base_url`: "https://host:port" or "http://host:port".
  HttpPeer(const std::string& base_url, HttpClientOptions options);
  ~HttpPeer();
  HttpPeer(const HttpPeer&) = delete;
  HttpPeer& operator=(const HttpPeer&) = delete;

  struct Request {
    std::string method;
    std::string target;  // path and query
    HttpHeaders headers;
    std::string body;
    std::filesystem::path body_file;  // set: the body is this file, streamed
    // For the first byte of the answer; 0: HttpClientOptions::answer_timeout.
    std::chrono::milliseconds answer_timeout{0};
    // Set: a 200 answer's body goes to this file (HttpClientOptions::response_file).
    std::filesystem::path response_file;
  };
  Result<HttpResponse> Call(const Request& request);

  // Pipelining: requests from `next` (nullopt: none now) are written one
  // after the other without waiting for their answers, at most `window`
  // unanswered; each answer goes to `on_answer` in order as it comes. When
  // `on_answer` answers false, no further request is taken (those written
  // already are still answered). Ends when `next` has nothing and every
  // written request is answered, or on a failure of the connection: every
  // request written and not answered then gets the error in `on_answer`,
  // in order, and the error is returned. `next` may block (it runs on the
  // calling thread, between writes).
  using NextRequest = std::function<std::optional<Request>()>;
  using OnAnswer = std::function<bool(Result<HttpResponse>)>;
  Status Pipeline(const NextRequest& next, const OnAnswer& on_answer, std::size_t window);

  // The public keys (DER SubjectPublicKeyInfo) the server must present.
  void SetServerKeys(std::vector<std::string> keys);
  // Whether something accepts a TCP connection at the peer's address now
  // (no TLS, no request): a cheap probe while the peer is down.
  bool Reachable(std::chrono::milliseconds timeout);
  void Close();   // drops the connection (the session is kept)
  // From any thread: what runs now fails (kUnavailable) and so does every
  // later call, for good.
  void Cancel();

  struct Stats {
    std::uint64_t connections = 0;  // made (TCP, and TLS when https)
    std::uint64_t resumed = 0;      // of those, TLS sessions resumed
    std::uint64_t requests = 0;     // written
  };
  Stats GetStats() const;
  const std::string& BaseUrl() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// A blocking request on a fresh connection (or options.peer's). `url` is
// "http://host:port/path" or "https://…". Fails with kUnavailable when the
// peer cannot be reached.
Result<HttpResponse> HttpCall(const std::string& method, const std::string& url,
                              const HttpHeaders& headers, const std::string& body,
                              const HttpClientOptions& options = {});
// The same with the request body streamed from a file (never held whole).
Result<HttpResponse> HttpCallFile(const std::string& method, const std::string& url,
                                  const HttpHeaders& headers, const std::filesystem::path& body_file,
                                  const HttpClientOptions& options = {});

const char* HttpReason(int status);

// Exchange header values (exchange/PROTOCOL.md), parsed strictly: false
// for anything else, nothing read past the value.
// A decimal of 1 to 19 digits (X-Xf-Received, X-Xf-Qseq, sizes).
bool ParseDecimal(std::string_view text, std::uint64_t& out);
// Content-Range of a PUT part: "bytes START-END/TOTAL".
bool ParseContentRange(std::string_view v, std::uint64_t& start, std::uint64_t& end, std::uint64_t& total);
// Range of a GET: "bytes=START-" or "bytes=START-END" (one range, END ≥ START).
bool ParseRange(std::string_view v, std::uint64_t& start, std::optional<std::uint64_t>& end);

}  // namespace xf::exchange
