// A small HTTP/1.1 server and client on Boost.Beast, with optional TLS
// (mutual TLS for peers). Beast and Asio stay out of this header.
//
// Server: one I/O thread runs the coroutine sessions (accept, read with a
// time-out and a body limit, write); each request's handler runs on a
// separate pool of worker threads, so SQLite and CPU-heavy work never block
// the I/O thread. Handlers must be thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codes/result.h"

namespace xf::exchange {

// Header names are lower-case.
using HttpHeaders = std::map<std::string, std::string>;

struct HttpRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // path and query, as sent
  HttpHeaders headers;
  std::string body;
  std::string peer;            // "ip:port"
  std::string peer_cert_cn;    // with mutual TLS: the client certificate's CN
  std::string peer_cert_pem;   // with mutual TLS: the client certificate
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HttpHeaders headers;  // extra headers
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct TlsFiles {
  std::string cert_file;       // PEM certificate chain
  std::string key_file;        // PEM private key
  std::string ca_file;         // PEM CAs (or peer certificates) trusted for the other side
  bool require_client_cert = true;  // server side: mutual TLS
};

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: pick a free port (see HttpServer::Port)
  std::size_t body_limit = 8 * 1024 * 1024;
  std::chrono::seconds timeout{30};  // per read and per write
  int worker_threads = 2;
  std::optional<TlsFiles> tls;
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
  // Stops accepting, closes sessions, joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

struct HttpClientOptions {
  std::chrono::milliseconds timeout{30000};
  std::size_t body_limit = 64 * 1024 * 1024;
  std::optional<TlsFiles> tls;  // client certificate and the CA for the server
  std::string expected_server_cn;  // with TLS: the server certificate's CN must equal this
};

// A blocking request on a fresh connection. `url` is "http://host:port/path"
// or "https://…". Fails with kUnavailable when the peer cannot be reached.
Result<HttpResponse> HttpCall(const std::string& method, const std::string& url,
                              const HttpHeaders& headers, const std::string& body,
                              const HttpClientOptions& options = {});

const char* HttpReason(int status);

}  // namespace xf::exchange
