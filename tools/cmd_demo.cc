// xfctl demo: a county node on loopback, fed the sample cases through its
// API, which are then read back and compared with what was sent.
#include <stdlib.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "tools/xfctl.h"

namespace xf::tools {

namespace json = boost::json;

namespace {

// Every field the caller sent must come back unchanged (the node only adds
// case_id, registering_body and registered_at).
std::vector<std::string> Differences(const json::object& sent, const json::object& got) {
  std::vector<std::string> diffs;
  for (const auto& [k, v] : sent) {
    if (k == "case_id" || k == "registering_body" || k == "registered_at") continue;
    const auto* g = got.if_contains(k);
    // An empty list or text is the same as an absent field.
    const bool empty = (v.is_array() && v.as_array().empty()) || (v.is_string() && v.as_string().empty());
    if (g == nullptr ? !empty : *g != v) diffs.push_back(std::string(k));
  }
  return diffs;
}

}  // namespace

int CmdDemo(const Args& args) {
  if (auto u = args.Unknown({"dir", "keep"}); !u.empty()) {
    std::cerr << "xfctl demo: " << u << "\n";
    return 2;
  }
  std::string dir = args.Get("dir", "");
  if (dir.empty()) {
    char tmpl[] = "/tmp/xfnode-demo-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      std::cerr << "xfctl demo: cannot create a temporary directory\n";
      return 1;
    }
    dir = tmpl;
  }
  const std::filesystem::path node_dir = std::filesystem::absolute(dir) / "county-110105";
  std::cout << "== initialising a county node (110105 北京市朝阳区) in " << node_dir.string() << "\n";
  if (const int rc = CmdInit(Args(std::vector<std::string>{
          "--dir", node_dir.string(), "--node-id", "110105", "--tier", "county", "--name",
          "北京市朝阳区信访局", "--api-port", "0", "--exchange-port", "0", "--force"}));
      rc != 0) {
    return rc;
  }
  std::filesystem::remove(node_dir / "data" / "api.url");
  const auto log = node_dir / "xfnode.log";
  auto proc = Process::Spawn({XfnodeBinary().string(), "--config", (node_dir / "xfnode.yaml").string()}, log);
  if (!proc) {
    std::cerr << "xfctl demo: " << proc.error().message << "\n";
    return 1;
  }
  auto config = node::LoadConfig(node_dir / "xfnode.yaml");
  if (!config) {
    std::cerr << "xfctl demo: " << config.error().message << "\n";
    return 1;
  }
  // The node writes data/api.url once it listens.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::error_code ec;
  while (!std::filesystem::exists(config->data_dir / "api.url", ec) && proc->Running() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto api = ApiOf(*config);
  if (!api || !WaitHealthy(api->url, 10)) {
    std::cerr << "xfctl demo: the node did not start; its log is " << log.string() << ":\n";
    if (auto text = ReadFile(log)) std::cerr << *text;
    return 1;
  }
  std::cout << "== xfnode (pid " << proc->Pid() << ") serves its local API at " << api->url << "\n";

  const auto samples = SamplesDir();
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(samples / "cases" / "valid", ec)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "xfctl demo: no sample cases in " << (samples / "cases" / "valid").string() << "\n";
    return 1;
  }
  std::cout << "== registering " << files.size() << " sample cases from " << (samples / "cases" / "valid").string() << "\n";
  int failures = 0;
  for (const auto& f : files) {
    auto text = ReadFile(f);
    if (!text) return 1;
    // The samples come from several registering bodies; this node registers them all.
    auto sent = json::parse(*text).as_object();
    sent.erase("registering_body");
    const auto body = std::make_optional(json::serialize(sent));
    // Attachments first: PUT /v1/blobs/{sha256}.
    if (const auto* atts = sent.if_contains("attachments")) {
      for (const auto& a : atts->as_array()) {
        const std::string sha(a.at("sha256").as_string());
        if (auto blob = ReadFile(samples / "blobs" / sha)) {
          auto r = CallApi(*api, "PUT", "/v1/blobs/" + sha, *blob, "application/octet-stream");
          if (!r || r->status >= 300) {
            std::cerr << "  attachment " << sha << " refused\n";
            ++failures;
          }
        }
      }
    }
    auto r = CallApi(*api, "POST", "/v1/cases", *body);
    if (!r || r->status != 201) {
      std::cerr << "  " << f.filename().string() << ": refused: " << (r ? r->body : r.error().message) << "\n";
      ++failures;
      continue;
    }
    const std::string id(json::parse(r->body).at("case_id").as_string());
    auto back = CallApi(*api, "GET", "/v1/cases/" + id, "");
    if (!back || back->status != 200) {
      std::cerr << "  " << id << ": cannot be read back\n";
      ++failures;
      continue;
    }
    const auto view = json::parse(back->body).as_object();
    const auto& state = view.at("state").as_object();
    const auto& got = state.at("case").as_object();
    const auto diffs = Differences(sent, got);
    std::string summary(got.at("summary").as_string());
    // Cut at a UTF-8 boundary for the one-line listing.
    std::size_t cut = 0, chars = 0;
    while (cut < summary.size() && chars < 24) {
      ++chars;
      ++cut;
      while (cut < summary.size() && (static_cast<unsigned char>(summary[cut]) & 0xC0) == 0x80) ++cut;
    }
    std::cout << "  " << id << "  " << state.at("status").as_string().c_str() << "  "
              << summary.substr(0, cut) << (cut < summary.size() ? "…" : "") << "  ["
              << view.at("events").as_array().size() << " event, "
              << (diffs.empty() ? "read back identical" : "DIFFERS in " + diffs.front()) << "]\n";
    if (!diffs.empty()) ++failures;
  }
  const auto bad = samples / "cases" / "invalid" / "three-violations.json";
  if (auto body = ReadFile(bad)) {
    std::cout << "== an invalid case (" << bad.filename().string() << ") is refused with every violation:\n";
    auto r = CallApi(*api, "POST", "/v1/cases", *body);
    if (r && r->status == 422) {
      const auto answer = json::parse(r->body);
      for (const auto& v : answer.at("violations").as_array()) {
        std::cout << "  422 " << v.at("rule").as_string().c_str() << " " << v.at("field").as_string().c_str()
                  << ": " << v.at("message").as_string().c_str() << "\n";
      }
    } else {
      std::cerr << "  expected 422, got " << (r ? std::to_string(r->status) : r.error().message) << "\n";
      ++failures;
    }
  }
  std::cout << "== status page: " << api->url << "/   metrics: " << api->url << "/metrics\n";
  if (args.Has("keep")) {
    std::cout << "== left running (pid " << proc->Pid() << "); stop it with: kill " << proc->Pid() << "\n"
              << "   token: " << config->api_token_file.string() << "   try: xfctl status --node " << node_dir.string() << "\n";
    proc->Release();
  } else {
    proc->Stop();
  }
  if (failures) {
    std::cerr << "xfctl demo: " << failures << " problem(s)\n";
    return 1;
  }
  std::cout << "== demo finished: every sample case was registered and read back unchanged\n";
  return 0;
}

}  // namespace xf::tools
