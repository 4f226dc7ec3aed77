// The running node: owns its subsystems (no globals), in the order they
// are built and torn down.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "codes/codebook.h"
#include "codes/date.h"
#include "codes/result.h"
#include "exchange/http.h"
#include "node/api.h"
#include "node/blobs.h"
#include "node/config.h"
#include "node/data_dir.h"
#include "node/exchange_service.h"
#include "node/store.h"

namespace xf::node {

class Node {
 public:
  // Makes the data dir private and sets the process's umask to match
  // (node/data_dir.h), takes the data dir's lock (fails, naming the holder,
  // when another process has it), loads the code tables, opens (and
  // migrates) the store, reads the API token, and starts the local API.
  // Writes the API's URL to data_dir/api.url once it listens.
  static Result<std::unique_ptr<Node>> Start(NodeConfig config, const Clock& clock);
  ~Node();

  const NodeConfig& Config() const { return m_config; }
  std::string ApiUrl() const;
  // Reads the keys and certificates again (ExchangeService::ReloadTrust).
  void ReloadKeys(const std::string& why);
  void Stop();

 private:
  explicit Node(NodeConfig config) : m_config(std::move(config)) {}

  NodeConfig m_config;
  std::optional<DataDirLock> m_lock;  // held while the node lives
  std::shared_ptr<const codes::CodeBook> m_codes;
  std::shared_ptr<const codes::Calendar> m_calendar;  // from m_codes' holiday table
  std::unique_ptr<Store> m_store;
  std::unique_ptr<BlobStore> m_blobs;
  std::unique_ptr<ExchangeService> m_exchange;
  std::unique_ptr<Api> m_api;
  std::unique_ptr<exchange::HttpServer> m_server;
};

// One structured log line to stderr: {"ts":…,"level":…,"msg":…, fields…}.
void Log(const char* level, const std::string& message,
         std::initializer_list<std::pair<const char*, std::string>> fields = {});

}  // namespace xf::node
