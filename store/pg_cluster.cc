#include "store/pg_cluster.h"

#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <system_error>

#include "store/pg.h"

extern char** environ;

namespace xf::store::pg {
namespace fs = std::filesystem;
namespace {

// Gives `path` and everything under it to `uid`.
Status Chown(const fs::path& path, uid_t uid, gid_t gid) {
  if (::chown(path.c_str(), uid, gid) != 0) return MakeError(Errc::kIo, "chown " + path.string());
  if (!fs::is_directory(path)) return {};
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (::lchown(it->path().c_str(), uid, gid) != 0) return MakeError(Errc::kIo, "chown " + it->path().string());
  }
  return {};
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (const char ch : s) {
    if (ch == '\'') out += '\'';
    out += ch;
  }
  return out + "'";
}

}  // namespace

Result<fs::path> LocalCluster::FindBinaries() {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(e.path() / "bin" / "initdb")) found.push_back(e.path() / "bin");
  }
  if (found.empty()) {
    return MakeError(Errc::kNotFound,
                     "PostgreSQL server binaries not found under /usr/lib/postgresql: apt-get install postgresql "
                     "(tools/dev.sh deps does)");
  }
  // Newest major version first ("15" > "12"; compared as numbers).
  std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoi(a.parent_path().filename().string()) > std::stoi(b.parent_path().filename().string());
  });
  return found.front();
}

Result<LocalCluster> LocalCluster::Start(const fs::path& dir, const Options& options) {
  auto bin = FindBinaries();
  if (!bin) return bin.error();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return MakeError(Errc::kIo, "cannot create " + dir.string() + ": " + ec.message());
  if (fs::exists(dir / "data")) return MakeError(Errc::kAlreadyExists, dir.string() + " holds a cluster already");
  const bool root = ::geteuid() == 0;
  LocalCluster c(fs::absolute(dir), *bin, options.port, root);
  if (root) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) {
      return MakeError(Errc::kNotFound,
                       "running as root, and there is no 'postgres' account to run the server as: apt-get install "
                       "postgresql");
    }
    // The server needs to reach its directory: every parent must be
    // searchable by others (it is not changed here: that is the caller's).
    for (fs::path p = c.m_dir.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path()) {
      if ((fs::status(p).permissions() & fs::perms::others_exec) == fs::perms::none) {
        return MakeError(Errc::kPermission, "the PostgreSQL server runs as 'postgres' and cannot reach " +
                                                c.m_dir.string() + ": " + p.string() +
                                                " is not searchable by others (chmod o+x, or a directory under /tmp)");
      }
    }
    fs::permissions(c.m_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (auto s = Chown(c.m_dir, pw->pw_uid, pw->pw_gid); !s) return s.error();
  }
  if (auto s = c.Run({(c.m_bin / "initdb").string(), "-D", c.DataDir().string(), "-U", "xf", "-A", "trust", "-E",
                      "UTF8", "--no-locale", "--no-instructions"});
      !s) {
    return s.error();
  }
  {
    std::ofstream conf(c.DataDir() / "postgresql.conf", std::ios::app);
    conf << "\n# xfnode's own cluster (store/pg_cluster.cc)\n"
         << "listen_addresses = ''\n"
         << "unix_socket_directories = " << Quote(c.m_dir.string()) << "\n"
         << "port = " << c.m_port << "\n"
         << "fsync = on\nsynchronous_commit = on\n";
    for (const auto& s : options.settings) {
      const auto eq = s.find('=');
      if (eq == std::string::npos) return MakeError(Errc::kInvalidArgument, "setting '" + s + "' is not name=value");
      conf << s.substr(0, eq) << " = " << s.substr(eq + 1) << "\n";
    }
    if (!conf) return MakeError(Errc::kIo, "cannot write postgresql.conf in " + c.DataDir().string());
  }
  if (root) {
    const passwd* pw = ::getpwnam("postgres");
    if (auto s = Chown(c.DataDir() / "postgresql.conf", pw->pw_uid, pw->pw_gid); !s) return s.error();
  }
  if (auto s = c.PgCtl({"start", "-w", "-t", "60"}); !s) return s.error();
  c.m_running = true;
  auto admin = Conn::Open(c.Dsn("postgres"));
  if (!admin) return admin.error();
  if (auto s = admin->Exec("CREATE DATABASE xf"); !s) return s.error();
  return c;
}

LocalCluster::LocalCluster(LocalCluster&& o) noexcept
    : m_dir(std::move(o.m_dir)),
      m_bin(std::move(o.m_bin)),
      m_port(o.m_port),
      m_as_postgres(o.m_as_postgres),
      m_running(o.m_running) {
  o.m_running = false;
}

LocalCluster::~LocalCluster() {
  if (m_running) (void)Stop();
}

std::string LocalCluster::Dsn(const std::string& database) const {
  return "host=" + m_dir.string() + " port=" + std::to_string(m_port) + " user=xf dbname=" + database +
         " connect_timeout=10";
}

Status LocalCluster::Stop() {
  auto s = PgCtl({"stop", "-w", "-m", "fast", "-t", "60"});
  if (s) m_running = false;
  return s;
}

Status LocalCluster::Crash() {
  auto s = PgCtl({"stop", "-w", "-m", "immediate", "-t", "60"});
  if (s) m_running = false;
  return s;
}

Status LocalCluster::Restart() {
  auto s = PgCtl({"start", "-w", "-t", "60"});
  if (s) m_running = true;
  return s;
}

Status LocalCluster::PgCtl(const std::vector<std::string>& args) {
  std::vector<std::string> all{(m_bin / "pg_ctl").string(), "-D", DataDir().string(), "-l", Log().string()};
  all.insert(all.end(), args.begin(), args.end());
  return Run(all);
}

// Runs a server program, as `postgres` when we are root, its output into
// the cluster's log; an error quotes the log's end.
Status LocalCluster::Run(const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  if (m_as_postgres) argv = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargs;
  for (auto& a : argv) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  const fs::path out = m_dir / "commands.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, cargs[0], &actions, nullptr, cargs.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return MakeError(Errc::kIo, "cannot run " + argv[0] + ": " + std::generic_category().message(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  std::string tail;
  for (const fs::path& f : {out, Log()}) {
    std::ifstream in(f);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > 1500) text = "…" + text.substr(text.size() - 1500);
    if (!text.empty()) tail += "\n--- " + f.string() + "\n" + text;
  }
  return MakeError(Errc::kUnavailable, args.front() + " " + (args.size() > 1 ? args[1] : "") + " failed" + tail);
}

}  // namespace xf::store::pg
