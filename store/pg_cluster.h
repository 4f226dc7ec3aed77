// A PostgreSQL server of its own in a directory: initdb, start, stop. The
// tests and `xfctl bench … --store postgresql` run a real server this way —
// Debian's `postgresql` package, no system service and no mock — on a Unix
// socket in the directory (no TCP port to collide with other tests).
//
//   auto pg = LocalCluster::Start("/tmp/xf-pg-1");
//   auto db = store::pg::Conn::Open(pg->Dsn());   // database "xf", user "xf"
//   …
//   // ~LocalCluster stops the server (fast shutdown); Crash() kills it.
//
// The server refuses to run as root: when the process is root, initdb and
// the server run as the `postgres` account the package creates, and the
// directory is given to it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "codes/result.h"

namespace xf::store::pg {

class LocalCluster {
 public:
  struct Options {
    int port = 5432;                        // names the socket file only
    std::vector<std::string> settings;     // "name=value", written to postgresql.conf
  };
  // Creates the cluster in `dir` (made if missing; it must not hold one).
  static Result<LocalCluster> Start(const std::filesystem::path& dir, const Options& options);
  static Result<LocalCluster> Start(const std::filesystem::path& dir) { return Start(dir, Options{}); }
  // The server binaries (initdb, pg_ctl, postgres): the newest under
  // /usr/lib/postgresql, or an error saying which package to install.
  static Result<std::filesystem::path> FindBinaries();

  LocalCluster(LocalCluster&& o) noexcept;
  LocalCluster& operator=(LocalCluster&&) = delete;
  LocalCluster(const LocalCluster&) = delete;
  ~LocalCluster();  // stops the server if running

  // libpq connection string of database "xf" (or another on this server).
  std::string Dsn(const std::string& database = "xf") const;
  const std::filesystem::path& Dir() const { return m_dir; }
  std::filesystem::path DataDir() const { return m_dir / "data"; }
  std::filesystem::path Log() const { return m_dir / "server.log"; }

  Status Stop();     // fast shutdown: waits for it
  Status Crash();    // immediate shutdown: as a power cut would (no checkpoint)
  Status Restart();  // start again after Stop or Crash (recovery runs)

 private:
  LocalCluster(std::filesystem::path dir, std::filesystem::path bin, int port, bool as_postgres)
      : m_dir(std::move(dir)), m_bin(std::move(bin)), m_port(port), m_as_postgres(as_postgres) {}
  Status PgCtl(const std::vector<std::string>& args);
  Status Run(const std::vector<std::string>& args);

  std::filesystem::path m_dir, m_bin;
  int m_port = 5432;
  bool m_as_postgres = false;
  bool m_running = false;
};

}  // namespace xf::store::pg
