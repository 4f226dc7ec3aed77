// xfnode --config FILE: the daemon, in the foreground (systemd runs it).
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>
#include <cstring>
#include <iostream>

#include "node/config.h"
#include "node/node.h"

int main(int argc, char** argv) {
  std::string config_file;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--config" || a == "-c") && i + 1 < argc) {
      config_file = argv[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      config_file = a.substr(9);
    } else if (a == "--version") {
      std::cout << "xfnode " << XF_VERSION << "\n";
      return 0;
    } else {
      std::cerr << "用法：xfnode --config FILE（usage: xfnode --config FILE）\n";
      return 2;
    }
  }
  if (config_file.empty()) {
    std::cerr << "用法：xfnode --config FILE（usage: xfnode --config FILE）\n";
    return 2;
  }
  // Block the stop signals before any thread starts, then wait for them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);  // not a stop: reload the keys
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto config = xf::node::LoadConfig(config_file);
  if (!config) {
    std::cerr << "xfnode: 无法读取配置：" << config.error().message << "\n";
    return 1;
  }
  xf::SystemClock clock;
  auto node = xf::node::Node::Start(std::move(config).value(), clock);
  if (!node) {
    std::cerr << "xfnode: 无法启动：" << node.error().message << "\n";
    return 1;
  }
  int sig = 0;
  for (;;) {
    sigwait(&stop_signals, &sig);
    if (sig != SIGHUP) break;
    // SIGHUP: keys and certificates read again (key directory, peers'
    // files, signed directory); parked batches retried.
    (*node)->ReloadKeys("SIGHUP");
  }
  xf::node::Log("info", "正在停止", {{"signal", strsignal(sig)}});
  // Graceful drain (exchange/http.h, HttpServer::Stop): no new connection,
  // the requests in progress answered — a batch being applied finishes and
  // its receipt goes — within the servers' drain time-outs. Past this
  // bound the process leaves anyway: a transaction not committed is rolled
  // back by SQLite, so nothing is left half done (systemd would kill it at
  // TimeoutStopSec=60 otherwise).
  std::thread watchdog([] {
    std::this_thread::sleep_for(std::chrono::seconds(50));
    xf::node::Log("warn", "停止超过 50 秒，带着未完成的工作退出（未提交的事务已回滚）", {});
    std::_Exit(1);
  });
  watchdog.detach();
  (*node)->Stop();
  xf::node::Log("info", "已停止", {});
  return 0;
}
