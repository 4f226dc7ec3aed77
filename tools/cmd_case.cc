// xfctl case add|import|show and xfctl status: clients of the local API.
#include <algorithm>
#include <boost/json.hpp>
#include <iostream>

#include "node/blob_transfer.h"
#include "schema/json.h"
#include "schema/xml.h"
#include "tools/xfctl.h"

namespace xf::tools {

namespace json = boost::json;

namespace {

// An ID number as shown on a clerk's screen: the middle hidden.
std::string Masked(const std::string& id) {
  if (id.size() < 10) return id;
  return id.substr(0, 6) + std::string(id.size() - 10, '*') + id.substr(id.size() - 4);
}

std::string Str(const json::object& o, const char* k) {
  const auto* v = o.if_contains(k);
  if (!v || v->is_null()) return "-";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

void PrintViolations(const std::string& body) {
  boost::system::error_code ec;
  const auto v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("violations")) {
    std::cerr << "  " << body << "\n";
    return;
  }
  for (const auto& x : v.as_object().at("violations").as_array()) {
    const auto& o = x.as_object();
    auto str = [&](const char* k) { return o.contains(k) ? std::string(o.at(k).as_string()) : ""; };
    std::cerr << "  " << str("rule") << " " << str("field") << ": " << str("message") << "\n";
  }
}

// Uploads the blobs a case file refers to, from blobs_dir/<sha256>, the way
// the exchange sends them: resumable, in parts, never whole in memory (an
// interrupted upload of a large attachment resumes where the node stands).
Status UploadBlobs(const ApiTarget& api, const std::string& case_json, const std::filesystem::path& blobs_dir) {
  boost::system::error_code ec;
  const auto v = json::parse(case_json, ec);
  if (ec || !v.is_object() || !v.as_object().contains("attachments")) return {};
  const auto& list = v.as_object().at("attachments");
  if (!list.is_array()) return {};
  for (const auto& a : list.as_array()) {
    if (!a.is_object() || !a.as_object().contains("sha256") || !a.as_object().at("sha256").is_string()) continue;
    const std::string sha(a.as_object().at("sha256").as_string());
    const auto file = blobs_dir / sha;
    std::error_code ec;
    // Not shipped: the node refuses the case (R6) unless it holds the attachment already.
    if (!std::filesystem::exists(file, ec)) continue;
    if (auto s = node::UploadBlob(api.url + "/v1/blobs/" + sha, sha, file, {{"authorization", "Bearer " + api.token}},
                                  exchange::HttpClientOptions{});
        !s) {
      return s;
    }
  }
  return {};
}

// Returns 0 on 201, 1 on a refusal, 3 when the node cannot be reached.
int AddOne(const ApiTarget& api, const std::filesystem::path& file, const std::optional<std::string>& blobs, bool quiet) {
  auto body = ReadFile(file, 16 << 20);
  if (!body) {
    std::cerr << "xfctl: " << body.error().message << "\n";
    return 1;
  }
  const bool xml = file.extension() == ".xml";
  if (blobs && !xml) {
    if (auto s = UploadBlobs(api, *body, *blobs); !s) {
      std::cerr << "xfctl: " << file.string() << ": " << s.error().message << "\n";
      return s.error().code == Errc::kUnavailable ? 3 : 1;
    }
  }
  auto r = CallApi(api, "POST", "/v1/cases", *body, xml ? "application/xml" : "application/json");
  if (!r) {
    std::cerr << "xfctl: " << r.error().message << " (is the node running?)\n";
    return 3;
  }
  if (r->status == 201) {
    const auto v = json::parse(r->body);
    if (!quiet) {
      std::cout << "registered " << v.at("case_id").as_string().c_str() << "  (" << file.filename().string() << ")\n";
      // Earlier cases that may be the same petition: the clerk decides (link with repeat/initial_case_id).
      if (const auto* list = v.as_object().if_contains("candidates"); list && list->is_array()) {
        for (const auto& c : list->as_array()) {
          const auto& o = c.as_object();
          std::cout << "  " << (Str(o, "decision") == "duplicate" ? "duplicate of " : "possibly the same as ")
                    << Str(o, "case_id") << " (" << Str(o, "received_date") << ", score " << Str(o, "score") << ")\n";
        }
      }
    }
    return 0;
  }
  std::cerr << "refused " << file.filename().string() << ": HTTP " << r->status << "\n";
  PrintViolations(r->body);
  return 1;
}

// xfctl case duplicates ID: the candidates for a stored case, best first.
int CaseDuplicates(const ApiTarget& api, const std::string& id, bool as_json) {
  auto r = CallApi(api, "GET", "/v1/cases/" + id + "/duplicates", "");
  if (!r) {
    std::cerr << "xfctl: " << r.error().message << " (is the node running?)\n";
    return 3;
  }
  if (r->status != 200) {
    std::cerr << "xfctl: HTTP " << r->status << ": " << r->body << "\n";
    return 1;
  }
  if (as_json) {
    std::cout << r->body << "\n";
    return 0;
  }
  const auto v = json::parse(r->body).as_object();
  const auto& list = v.at("candidates").as_array();
  std::cout << "duplicates of " << id << " among the cases node " << Str(v, "node") << " holds: ";
  if (list.empty()) {
    std::cout << "none\n";
    return 0;
  }
  std::cout << list.size() << "\n";
  for (const auto& c : list) {
    const auto& o = c.as_object();
    std::string reasons;
    for (const auto& x : o.at("reasons").as_array()) reasons += (reasons.empty() ? "" : "；") + std::string(x.as_string());
    char score[16];
    std::snprintf(score, sizeof score, "%.2f", o.at("score").to_number<double>());
    std::cout << "  " << Str(o, "decision") << (Str(o, "decision") == "possible" ? "   " : "  ") << score << "  "
              << Str(o, "case_id") << "  " << Str(o, "node") << "  " << Str(o, "received_date") << "\n    " << reasons
              << "\n";
  }
  return 0;
}

// The timeline of each petitioner of a case who has an ID number.
void PrintTimelines(const ApiTarget& api, const json::object& body, const std::string& case_id) {
  const auto* list = body.if_contains("petitioners");
  if (!list || !list->is_array()) return;
  for (const auto& p : list->as_array()) {
    if (!p.is_object()) continue;
    const auto& po = p.as_object();
    const std::string id = Str(po, "id_number");
    if (id == "-" || id.empty()) continue;
    auto r = CallApi(api, "GET", "/v1/petitioners/" + id + "/cases", "");
    if (!r || r->status != 200) continue;
    const json::value answer = json::parse(r->body);
    const auto& cases = answer.at("cases").as_array();
    std::cout << "timeline of " << Str(po, "name") << " (" << Masked(id) << "), " << cases.size()
              << (cases.size() == 1 ? " case" : " cases") << " held here:\n";
    for (const auto& c : cases) {
      const auto& o = c.as_object();
      std::cout << "  " << Str(o, "received_date") << "  " << Str(o, "case_id") << "  at " << Str(o, "node")
                << "  place " << Str(o, "problem_place") << "  " << Str(o, "status");
      if (Str(o, "due_date") != "-") std::cout << "  due " << Str(o, "due_date");
      if (o.at("overdue").is_bool() && o.at("overdue").as_bool()) std::cout << " (overdue)";
      if (Str(o, "closed_at") != "-") std::cout << "  closed " << Str(o, "closed_at");
      if (Str(o, "case_id") == case_id) std::cout << "  ← this case";
      std::cout << "\n";
    }
  }
}

}  // namespace

// xfctl case xml FILE: the XML form of a JSON case (needs no node), e.g. to
// check it with stock xmllint against the XSD.
int CaseXml(const Args& args) {
  const auto& pos = args.Positional();
  if (pos.size() != 1) {
    std::cerr << "usage: xfctl case xml FILE.json\n";
    return 2;
  }
  auto text = ReadFile(pos[0], 16 << 20);
  if (!text) {
    std::cerr << "xfctl: " << text.error().message << "\n";
    return 1;
  }
  schema::Violations v;
  auto c = schema::CaseFromJson(*text, v);
  if (!c) {
    std::cerr << "xfctl case xml: " << pos[0] << ": " << c.error().message << "\n";
    return 1;
  }
  for (const auto& x : v) std::cerr << "  " << x.rule << " " << x.field << ": " << x.message << "\n";
  std::cout << schema::CaseToXml(*c);
  return v.empty() ? 0 : 1;
}

int CmdCase(const std::string& sub, const Args& args) {
  if (auto u = args.Unknown({"node", "config", "blobs", "json"}); !u.empty()) {
    std::cerr << "xfctl case: " << u << "\n";
    return 2;
  }
  if (sub == "xml") return CaseXml(args);
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl: " << config.error().message << "\n";
    return 2;
  }
  auto api = ApiOf(*config);
  if (!api) {
    std::cerr << "xfctl: " << api.error().message << "\n";
    return 2;
  }
  const auto& pos = args.Positional();
  if (sub == "add") {
    if (pos.size() != 1) {
      std::cerr << "usage: xfctl case add FILE [--blobs DIR]\n";
      return 2;
    }
    return AddOne(*api, pos[0], args.Get("blobs"), false);
  }
  if (sub == "import") {
    if (pos.empty()) {
      std::cerr << "usage: xfctl case import FILE|DIR… [--blobs DIR]\n";
      return 2;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& p : pos) {
      std::error_code ec;
      if (std::filesystem::is_directory(p, ec)) {
        for (const auto& e : std::filesystem::directory_iterator(p)) {
          if (e.path().extension() == ".json" || e.path().extension() == ".xml") files.push_back(e.path());
        }
      } else {
        files.emplace_back(p);
      }
    }
    std::sort(files.begin(), files.end());
    int ok = 0, refused = 0;
    for (const auto& f : files) {
      const int rc = AddOne(*api, f, args.Get("blobs"), false);
      if (rc == 3) return 3;
      (rc == 0 ? ok : refused)++;
    }
    std::cout << ok << " registered, " << refused << " refused\n";
    return refused == 0 ? 0 : 1;
  }
  if (sub == "show") {
    if (pos.size() != 1) {
      std::cerr << "usage: xfctl case show CASE-ID [--json]\n";
      return 2;
    }
    auto r = CallApi(*api, "GET", "/v1/cases/" + pos[0], "");
    if (!r) {
      std::cerr << "xfctl: " << r.error().message << "\n";
      return 3;
    }
    if (r->status != 200) {
      std::cerr << "xfctl: HTTP " << r->status << ": " << r->body << "\n";
      return 1;
    }
    if (args.Has("json")) {
      std::cout << r->body << "\n";
      return 0;
    }
    const auto v = json::parse(r->body).as_object();
    const auto& state = v.at("state").as_object();
    const auto& body = state.at("case").as_object();
    auto s = [](const json::object& o, const char* k) {
      return o.contains(k) && o.at(k).is_string() ? std::string(o.at(k).as_string()) : std::string("-");
    };
    std::cout << "case     " << s(v, "case_id") << "\n"
              << "status   " << s(state, "status") << "\n"
              << "received " << s(body, "received_date") << "  channel " << s(body, "channel")
              << "  category " << s(body, "content_category") << "  place " << s(body, "problem_place") << "\n"
              << "summary  " << s(body, "summary") << "\n"
              << "events:\n";
    for (const auto& e : v.at("events").as_array()) {
      const auto& eo = e.as_object();
      std::cout << "  " << s(eo, "id") << "  " << s(eo, "kind") << "  " << s(eo, "occurred_at") << "\n";
    }
    PrintTimelines(*api, body, s(v, "case_id"));
    return 0;
  }
  if (sub == "duplicates") {
    if (pos.size() != 1) {
      std::cerr << "usage: xfctl case duplicates CASE-ID [--json]\n";
      return 2;
    }
    return CaseDuplicates(*api, pos[0], args.Has("json"));
  }
  std::cerr << "xfctl case: unknown subcommand '" << sub << "' (add, import, show, duplicates, xml)\n";
  return 2;
}

int CmdStatus(const Args& args) {
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl: " << config.error().message << "\n";
    return 2;
  }
  auto api = ApiOf(*config);
  if (!api) {
    std::cerr << "xfctl: " << api.error().message << "\n";
    return 2;
  }
  auto r = CallApi(*api, "GET", "/v1/status", "");
  if (!r) {
    std::cerr << "xfctl: node " << config->node_id << " is not answering at " << api->url << ": "
              << r.error().message << "\n";
    return 3;
  }
  if (args.Has("json")) {
    std::cout << r->body << "\n";
    return r->status == 200 ? 0 : 1;
  }
  if (r->status != 200) {
    std::cerr << "xfctl: HTTP " << r->status << ": " << r->body << "\n";
    return 1;
  }
  const auto v = json::parse(r->body).as_object();
  for (const auto& [k, val] : v) {
    if (val.is_array()) continue;
    std::cout << std::string(k) << std::string(k.size() < 16 ? 16 - k.size() : 1, ' ')
              << (val.is_string() ? std::string(val.as_string()) : json::serialize(val)) << "\n";
  }
  for (const auto& o : v.at("origins").as_array()) {
    std::cout << "origin          " << o.at("origin").as_string().c_str() << " up to seq "
              << json::serialize(o.at("last_seq")) << "\n";
  }
  return 0;
}

}  // namespace xf::tools
