// Issue 13: no connection flood or slow client takes a node down, and no
// request is smuggled past its parser. Real xfnode processes, raw sockets.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test/harness/topology.h"

using xf::test::Topology;
using xf::test::WaitUntil;

namespace {

// A socket that closes itself.
struct Socket {
  int fd = -1;
  explicit Socket(int f) : fd(f) {}
  Socket(Socket&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Socket& operator=(Socket&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

std::uint16_t PortOf(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

Socket Connect(std::uint16_t port) {
  Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(s.fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return s;
}

void Send(const Socket& s, const std::string& bytes) {
  (void)::send(s.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

// What the peer sent until it closed (true) or `wait` passed (false).
bool ReadUntilClosed(const Socket& s, std::string& got, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  char buf[4096];
  for (;;) {
    // At least one look, however short the wait.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{s.fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count()))) <= 0) {
      if (left.count() <= 0) return false;
      continue;
    }
    const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
    got.append(buf, static_cast<std::size_t>(n));
  }
}

// Whether the peer closed the connection (EOF or reset), not waiting.
bool Closed(const Socket& s) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(s.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  }
}

// CPU time (user + system) of a process so far, in seconds.
double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  std::vector<std::string> f;
  while (rest >> field) f.push_back(field);
  // Fields 14 and 15 of stat (utime, stime): 12th and 13th after the command.
  return static_cast<double>(std::stoull(f.at(11)) + std::stoull(f.at(12))) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

void RaiseOwnFileLimit(rlim_t want) {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < want) {
    rl.rlim_cur = std::min(want, rl.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

int HealthzAnswered(Topology& t, const std::string& id, int probes) {
  int ok = 0;
  for (int i = 0; i < probes; ++i) {
    auto r = t.Node(id).Call("GET", "/healthz");
    if (r && r->status == 200) ++ok;
  }
  return ok;
}

int StatusOf(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}

std::size_t Count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("limits: 2,000 idle connections; the local API still answers /healthz, and they are closed") {
  RaiseOwnFileLimit(4096);
  Topology t({"110105"});
  REQUIRE(t.StartAll());
  const auto api = PortOf(t.Node("110105").Url());
  const auto exchange = PortOf(t.ExchangeUrl("110105"));
  std::vector<Socket> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(Connect(exchange));
    idle.push_back(Connect(api));
  }
  CHECK(HealthzAnswered(t, "110105", 10) == 10);
  // Past the header time-out every one of them is closed by the node.
  CHECK(WaitUntil([&] {
    for (const auto& s : idle) {
      if (!Closed(s)) return false;
    }
    return true;
  }));
  CHECK(HealthzAnswered(t, "110105", 3) == 3);
}

TEST_CASE("limits: slow bodies — without the token refused before the body, with it closed below the minimum rate") {
  Topology t({"110105"});
  REQUIRE(t.StartAll());
  const auto api = PortOf(t.Node("110105").Url());
  const std::string token = t.Node("110105").Token();
  std::vector<Socket> anonymous, authorised;
  for (int i = 0; i < 100; ++i) {
    anonymous.push_back(Connect(api));
    Send(anonymous.back(), "POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Content-Length: 1000000\r\n\r\n{\"a\":");
  }
  for (int i = 0; i < 5; ++i) {
    authorised.push_back(Connect(api));
    Send(authorised.back(), "POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Authorization: Bearer " + token + "\r\nContent-Length: 1000000\r\n\r\n{\"a\":");
  }
  // Every one trickles a byte each half second for as long as it is open.
  std::vector<std::string> answers(anonymous.size()), late(authorised.size());
  std::vector<bool> closed(anonymous.size()), late_closed(authorised.size());
  const bool all_closed = WaitUntil(
      [&] {
        bool all = true;
        for (std::size_t i = 0; i < anonymous.size(); ++i) {
          if (closed[i]) continue;
          closed[i] = ReadUntilClosed(anonymous[i], answers[i], std::chrono::milliseconds(1));
          if (!closed[i]) Send(anonymous[i], " ");
          all = all && closed[i];
        }
        for (std::size_t i = 0; i < authorised.size(); ++i) {
          if (late_closed[i]) continue;
          late_closed[i] = ReadUntilClosed(authorised[i], late[i], std::chrono::milliseconds(1));
          if (!late_closed[i]) Send(authorised[i], " ");
          all = all && late_closed[i];
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        return all;
      },
      std::chrono::seconds(90));
  CHECK(all_closed);
  for (const auto& a : answers) {
    CHECK(StatusOf(a) == 401);
  }
  // Too slow: closed without an answer; nothing was registered.
  for (const auto& a : late) CHECK(a.find("201") == std::string::npos);
  CHECK(HealthzAnswered(t, "110105", 3) == 3);
}

TEST_CASE("limits: a descriptor limit of 64 and a flood of 1,500 connections: no core spinning, /healthz answers") {
  RaiseOwnFileLimit(4096);
  Topology t({"110105"});
  t.Node("110105").SetFileLimit(64);
  REQUIRE(t.StartAll());
  const int pid = t.Node("110105").Pid();
  const auto exchange = PortOf(t.ExchangeUrl("110105"));
  const auto api = PortOf(t.Node("110105").Url());
  const double cpu_before = CpuSeconds(pid);
  const auto start = std::chrono::steady_clock::now();
  std::vector<Socket> flood;
  for (int i = 0; i < 1500; ++i) flood.push_back(Connect(i % 3 == 0 ? api : exchange));
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = CpuSeconds(pid) - cpu_before;
  MESSAGE("node CPU " << cpu << " s over " << wall << " s of flood");
  // A spinning accept loop burns the whole window; the node works briefly.
  CHECK(cpu < 0.4 * wall);
  CHECK(HealthzAnswered(t, "110105", 5) == 5);
  CHECK(t.Node("110105").Running());
}

TEST_CASE("limits: ambiguous framing is refused with 400 and the connection closed (no smuggling)") {
  Topology t({"110105"});
  REQUIRE(t.StartAll());
  const auto api = PortOf(t.Node("110105").Url());
  const std::string token = t.Node("110105").Token();
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"chunked, identity", "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + smuggled},
      {"xchunked + Content-Length", "Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + smuggled},
      {"chunked + Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + smuggled},
      {"two Transfer-Encoding", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled},
      {"two Content-Length", "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}" + smuggled},
  };
  for (const auto& [name, rest] : cases) {
    CAPTURE(name);
    auto s = Connect(api);
    Send(s, "POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                "\r\nContent-Type: application/json\r\n" + rest);
    std::string got;
    CHECK(ReadUntilClosed(s, got, std::chrono::seconds(30)));
    CHECK(StatusOf(got) == 400);
    CHECK(Count(got, "HTTP/1.1 ") == 1);  // the smuggled request is never answered
  }
  // Unambiguous requests on one connection, pipelined: each answered, in order.
  auto s = Connect(api);
  Send(s, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"
          "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string got;
  CHECK(ReadUntilClosed(s, got, std::chrono::seconds(30)));
  CHECK(Count(got, "HTTP/1.1 ") == 3);
  CHECK(StatusOf(got) == 200);
  CHECK(got.find("HTTP/1.1 404") != std::string::npos);
  CHECK(got.find("HTTP/1.1 404") < got.rfind("HTTP/1.1 200"));
}
