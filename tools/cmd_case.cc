// xfctl case add|import (and list|show, cmd_case_view.cc): clients of the local API.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "exchange/crypto.h"
#include "node/blob_transfer.h"
#include "schema/json.h"
#include "schema/xml.h"
#include "tools/cli.h"
#include "tools/progress.h"
#include "tools/xfctl.h"
#include "tools/json_fields.h"

namespace xf::tools {

namespace json = boost::json;

namespace {

// An ID number as shown on a clerk's screen: the middle hidden.
std::string Masked(const std::string& id) {
  if (id.size() < 10) return id;
  return id.substr(0, 6) + std::string(id.size() - 10, '*') + id.substr(id.size() - 4);
}

// The refusal's violations, one per line: rule and field (machine-readable)
// and the node's words.
std::string ViolationLines(const std::string& body) {
  boost::system::error_code ec;
  const auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return "  " + body;
  const auto& o = v.as_object();
  if (!o.contains("violations")) {
    const auto* m = o.if_contains("message");
    return "  " + (m && m->is_string() ? std::string(m->as_string()) : body);
  }
  std::string out;
  for (const auto& x : o.at("violations").as_array()) {
    const auto& vo = x.as_object();
    auto str = [&](const char* k) { return vo.contains(k) ? std::string(vo.at(k).as_string()) : ""; };
    out += (out.empty() ? "" : "\n") + std::string("  ") + str("rule") + " " + str("field") + ": " + str("message");
  }
  return out;
}

// One attachment a case names, and where its bytes are.
struct Blob {
  std::string sha256, name;
  std::filesystem::path file;  // empty when not found in the folder
  std::string problem;         // why the file found is not it
};

std::string FileSha256(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "";
  exchange::Sha256 h;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) h.Update(std::string_view(buf, static_cast<std::size_t>(in.gcount())));
  return h.FinalHex();
}

// The attachments a case file names, looked for in blobs_dir as
// <sha256> or by their file name (when its content hashes to the name).
std::vector<Blob> FindBlobs(const std::string& case_json, const std::filesystem::path& blobs_dir) {
  std::vector<Blob> out;
  boost::system::error_code ec;
  const auto v = json::parse(case_json, ec);
  if (ec || !v.is_object()) return out;
  const auto* list = v.as_object().if_contains("attachments");
  if (list == nullptr || !list->is_array()) return out;
  for (const auto& a : list->as_array()) {
    if (!a.is_object()) continue;
    const auto* sha = a.as_object().if_contains("sha256");
    const auto* name = a.as_object().if_contains("name");
    if (sha == nullptr || !sha->is_string()) continue;
    Blob b{std::string(sha->as_string()), name && name->is_string() ? std::string(name->as_string()) : "", {}, ""};
    std::error_code fe;
    if (std::filesystem::is_regular_file(blobs_dir / b.sha256, fe)) {
      b.file = blobs_dir / b.sha256;
    } else if (!b.name.empty() && b.name.find('/') == std::string::npos &&
               std::filesystem::is_regular_file(blobs_dir / b.name, fe)) {
      if (FileSha256(blobs_dir / b.name) == b.sha256) {
        b.file = blobs_dir / b.name;
      } else {
        b.problem = (blobs_dir / b.name).string();
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

// Uploads the attachments a case names from blobs_dir, the way the exchange
// sends them: resumable, in parts, never whole in memory (an interrupted
// upload of a large attachment resumes where the node stands). One the
// folder lacks is fine when the node holds it already; else it is named,
// plainly, and nothing is registered: a case never waits for its
// attachments (R6 at intake, node/README.md).
Status UploadBlobs(const ApiTarget& api, const std::string& case_json, const std::filesystem::path& blobs_dir,
                   bool en) {
  std::string missing;
  for (const Blob& b : FindBlobs(case_json, blobs_dir)) {
    if (!b.file.empty()) {
      if (auto s = node::UploadBlob(api.url + "/v1/blobs/" + b.sha256, b.sha256, b.file,
                                    {{"authorization", "Bearer " + api.token}}, exchange::HttpClientOptions{});
          !s) {
        return s;
      }
      continue;
    }
    auto held = CallApi(api, "HEAD", "/v1/blobs/" + b.sha256, "");
    if (!held) return MakeError(Errc::kUnavailable, held.error().message);
    if (held->status == 200) continue;  // uploaded before
    const std::string name = b.name.empty() ? b.sha256.substr(0, 12) + "…" : b.name;
    missing += en ? "\n  attachment " + name + " (sha256 " + b.sha256 + "): not in " + blobs_dir.string() +
                        " (looked for " + (blobs_dir / b.sha256).string() +
                        (b.name.empty() ? std::string() : " and " + (blobs_dir / b.name).string()) + ")" +
                        (b.problem.empty() ? std::string() : "; " + b.problem + " has other content") +
                        ", and the node does not hold it"
                  : "\n  附件 " + name + "（sha256 " + b.sha256 + "）：" + blobs_dir.string() + " 中没有（查找了 " +
                        (blobs_dir / b.sha256).string() +
                        (b.name.empty() ? std::string() : " 和 " + (blobs_dir / b.name).string()) + "）" +
                        (b.problem.empty() ? std::string() : "；" + b.problem + " 的内容与 sha256 不符") +
                        "，节点上也没有";
  }
  if (!missing.empty()) {
    return MakeError(Errc::kNotFound,
                     (en ? "not registered: an attachment is missing (R6: a case is registered only with every "
                           "attachment held; nothing waits for blobs)"
                         : "未登记：缺少附件（R6：信访件只在其附件都已上传后登记，不会先登记再等附件）") +
                         missing +
                         (en ? "\n  put the file there (named by its sha256 or its name) and run the command again"
                             : "\n  请把文件放到该目录（以 sha256 或文件名命名）后重新执行本命令"));
  }
  return {};
}

enum class Added { kRegistered, kAlready, kRefused, kUnreachable };

// Registers one case file. The Idempotency-Key is the SHA-256 of the file's
// bytes, so running the same import again registers nothing twice: the
// node answers with the case the first run registered.
Added AddOne(const ApiTarget& api, const std::filesystem::path& file, const std::optional<std::string>& blobs,
             bool en, Progress* progress) {
  auto say = [&](const std::string& line, std::FILE* to) {
    if (progress != nullptr) {
      progress->Say(line, to);
    } else {
      std::fprintf(to, "%s\n", line.c_str());
      std::fflush(to);
    }
  };
  auto body = ReadFile(file, 16 << 20);
  if (!body) {
    say("xfctl: " + body.error().message, stderr);
    return Added::kRefused;
  }
  const bool xml = file.extension() == ".xml";
  if (blobs && !xml) {
    if (auto s = UploadBlobs(api, *body, *blobs, en); !s) {
      say((en ? "not registered " : "未登记 ") + file.filename().string() + (en ? ": " : "：") + s.error().message, stderr);
      return s.error().code == Errc::kUnavailable ? Added::kUnreachable : Added::kRefused;
    }
  }
  exchange::HttpHeaders headers{{"idempotency-key", "xfctl-file-sha256:" + exchange::Sha256Hex(*body)}};
  if (en) headers["accept-language"] = "en";
  auto r = CallApi(api, "POST", "/v1/cases", *body, xml ? "application/xml" : "application/json", headers);
  if (!r) {
    say("xfctl: " + r.error().message + (en ? " (is the node running?)" : "（节点是否在运行？）"), stderr);
    return Added::kUnreachable;
  }
  if (r->status == 201) {
    const auto v = json::parse(r->body);
    const std::string id(v.at("case_id").as_string());
    const bool replay = r->headers.count("idempotent-replayed") > 0;
    say((replay ? (en ? "already registered " : "已登记过（未重复登记）") : (en ? "registered " : "已登记 ")) + id +
            (en ? "  (" : "（") + file.filename().string() + (en ? ")" : "）"),
        stdout);
    // Earlier cases that may be the same petition (判重): the clerk decides,
    // and links a repeat with repeat/initial_case_id.
    if (const auto* list = v.as_object().if_contains("candidates"); list && list->is_array()) {
      for (const auto& c : list->as_array()) {
        const auto& o = c.as_object();
        const bool sure = Str(o, "decision", "-") == "duplicate";
        say(std::string("  ") +
                (en ? (sure ? "duplicate of " : "possibly the same as ") : (sure ? "判为重复：" : "可能重复：")) +
                Str(o, "case_id", "-") + (en ? " (received " : "（信访日期 ") + Str(o, "received_date", "-") +
                (en ? ", score " : "，相似度 ") + Str(o, "score", "-") + (en ? ")" : "）"),
            stdout);
      }
    }
    return replay ? Added::kAlready : Added::kRegistered;
  }
  std::string hint;
  if (!blobs && r->body.find("\"R6\"") != std::string::npos && r->body.find("attachments[") != std::string::npos) {
    hint = en ? "\n  hint: upload the attachments with --blobs DIR (the folder that holds them)"
              : "\n  提示：用 --blobs 目录 先上传附件（附件文件所在的目录）";
  }
  say((en ? "not registered " : "未登记 ") + file.filename().string() +
          (r->status == 422 ? (en ? ":" : "：") : " (HTTP " + std::to_string(r->status) + ")") + "\n" +
          ViolationLines(r->body) + hint,
      stderr);
  return Added::kRefused;
}

// xfctl case duplicates ID: the candidates for a stored case, best first,
// each with the level that found it and how: this node's own search
// (local), the levels above answering now (upward), or a notice a level
// above sent down as the cases arrived there (判重提示, notice). The
// machine-readable decision and `via` stay beside the words.
int CaseDuplicates(const ApiTarget& api, const std::string& id, bool as_json, bool en) {
  exchange::HttpHeaders headers;
  if (en) headers["accept-language"] = "en";
  auto r = CallApi(api, "GET", "/v1/cases/" + id + "/duplicates", "", "application/json", headers);
  if (!r) {
    std::cerr << "xfctl: " << Why(r.error()) << (en ? " (is the node running?)\n" : "（节点是否在运行？）\n");
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
  // Where the node looked: all of the system, or not the levels that did not answer.
  const std::string scope = Str(v, "scope", "-");
  std::string where;
  if (scope == "local") {
    where = en ? "this node (it has no level above)" : "本节点（无上级）";
  } else if (scope == "system") {
    where = en ? "the whole system" : "全系统";
  } else {
    std::string missing;
    if (const auto* u = v.if_contains("unreachable"); u && u->is_array()) {
      for (const auto& x : u->as_array()) {
        missing += (missing.empty() ? "" : ", ") + Str(x.as_object(), "node", "-");
      }
    }
    where = en ? "partial (not answered: " + missing + ")" : "部分（未答复：" + missing + "）";
  }
  std::cout << (en ? "duplicates of " + id + " at node " + Str(v, "node", "-") + ", searched " + where + " [scope " + scope +
                         "]: "
                   : "信访件 " + id + " 的可能重复件（节点 " + Str(v, "node", "-") + "，检索范围：" + where + " [scope " + scope +
                         "]）：");
  if (list.empty()) {
    std::cout << (en ? "none" : "无") << "\n";
    return 0;
  }
  std::cout << list.size() << (en ? "" : " 件") << "\n";
  for (const auto& c : list) {
    const auto& o = c.as_object();
    std::string reasons;
    for (const auto& x : o.at("reasons").as_array()) reasons += (reasons.empty() ? "" : "；") + std::string(x.as_string());
    char score[16];
    std::snprintf(score, sizeof score, "%.2f", o.at("score").to_number<double>());
    const std::string decision = Str(o, "decision", "-");
    const std::string via = Str(o, "via", "-");
    std::string how;
    if (via == "local") {
      how = en ? "own search" : "本节点检索";
    } else if (via == "upward") {
      how = en ? "asked upward" : "向上级查询";
    } else if (via == "notice") {
      how = en ? "notice from above" : "上级判重提示";
    } else {
      how = via;
    }
    std::string status;
    if (Str(o, "status", "-") != "-") status = (en ? "  status " : "  状态 ") + Str(o, "status", "-");
    std::cout << "  "
              << (en ? decision : (decision == "duplicate" ? "判为重复 duplicate" : "可能重复 possible"))
              << (decision == "possible" ? "   " : "  ") << score << "  " << Str(o, "case_id", "-") << (en ? "  at " : "  登记机构 ")
              << Str(o, "node", "-") << (en ? "  received " : "  信访日期 ") << Str(o, "received_date", "-") << status
              << (en ? "\n    found by " + Str(o, "found_by", "-") + " (" + how + ") [via " + via + "]"
                     : "\n    发现：" + Str(o, "found_by", "-") + "（" + how + "）[via " + via + "]")
              << "\n    " << reasons << "\n";
  }
  return 0;
}

// The timeline of each petitioner of a case who has an ID number: every
// case of theirs held here, oldest first.
void PrintTimelines(const ApiTarget& api, const json::object& body, const std::string& case_id, bool en) {
  const auto* list = body.if_contains("petitioners");
  if (!list || !list->is_array()) return;
  for (const auto& p : list->as_array()) {
    if (!p.is_object()) continue;
    const auto& po = p.as_object();
    const std::string id = Str(po, "id_number", "-");
    if (id == "-" || id.empty()) continue;
    auto r = CallApi(api, "GET", "/v1/petitioners/" + id + "/cases", "");
    if (!r || r->status != 200) continue;
    const json::value answer = json::parse(r->body);
    const auto& cases = answer.at("cases").as_array();
    std::cout << "\n"
              << (en ? "timeline of " + Str(po, "name", "-") + " (" + Masked(id) + "), " + std::to_string(cases.size()) +
                           (cases.size() == 1 ? " case" : " cases") + " held here:"
                     : "信访人 " + Str(po, "name", "-") + "（" + Masked(id) + "）的信访记录，本节点共 " +
                           std::to_string(cases.size()) + " 件：")
              << "\n";
    for (const auto& c : cases) {
      const auto& o = c.as_object();
      std::cout << "  " << Str(o, "received_date", "-") << "  " << Str(o, "case_id", "-") << (en ? "  at " : "  登记机构 ")
                << Str(o, "node", "-") << (en ? "  place " : "  问题属地 ") << Str(o, "problem_place", "-") << "  "
                << Str(o, "status", "-");
      if (Str(o, "due_date", "-") != "-") std::cout << (en ? "  due " : "  期限 ") << Str(o, "due_date", "-");
      if (o.at("overdue").is_bool() && o.at("overdue").as_bool()) std::cout << (en ? " (overdue)" : "（已超期）");
      if (Str(o, "closed_at", "-") != "-") std::cout << (en ? "  closed " : "  办结 ") << Str(o, "closed_at", "-");
      if (Str(o, "case_id", "-") == case_id) std::cout << (en ? "  ← this case" : "  ← 本件");
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
    std::cerr << UsageWord() << "xfctl case xml FILE.json\n";
    return 2;
  }
  auto text = ReadFile(pos[0], 16 << 20);
  if (!text) {
    std::cerr << "xfctl: " << Why(text.error()) << "\n";
    return 1;
  }
  schema::Violations v;
  auto c = schema::CaseFromJson(*text, v);
  if (!c) {
    std::cerr << "xfctl case xml: " << pos[0] << ": " << Why(c.error()) << "\n";
    return 1;
  }
  for (const auto& x : v) std::cerr << "  " << x.rule << " " << x.field << ": " << x.message << "\n";
  std::cout << schema::CaseToXml(*c);
  return v.empty() ? 0 : 1;
}

int CmdCase(const std::string& sub, const Args& args) {
  if (sub == "xml") return CaseXml(args);
  const bool en = English(args);
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
    return 2;
  }
  auto api = ApiOf(*config);
  if (!api) {
    std::cerr << "xfctl: " << Why(api.error()) << "\n";
    return 2;
  }
  const auto& pos = args.Positional();
  if (sub == "add") {
    switch (AddOne(*api, pos.at(0), args.Get("blobs"), en, nullptr)) {
      case Added::kRegistered:
      case Added::kAlready: return 0;
      case Added::kRefused: return 1;
      case Added::kUnreachable: return 3;
    }
  }
  if (sub == "import") {
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
    std::size_t registered = 0, already = 0, refused = 0;
    Progress progress("登记信访件", "registering cases", files.size(), en);
    for (const auto& f : files) {
      switch (AddOne(*api, f, args.Get("blobs"), en, &progress)) {
        case Added::kRegistered: ++registered; break;
        case Added::kAlready: ++already; break;
        case Added::kRefused: ++refused; break;
        case Added::kUnreachable: return 3;
      }
      progress.Advance();
    }
    const std::string summary =
        en ? std::to_string(registered) + " registered, " + std::to_string(already) + " registered before (not again), " +
                 std::to_string(refused) + " refused"
           : "新登记 " + std::to_string(registered) + " 件，此前已登记 " + std::to_string(already) + " 件（未重复登记），未登记 " +
                 std::to_string(refused) + " 件";
    progress.Done();
    std::cout << summary << "\n";
    return refused == 0 ? 0 : 1;
  }
  if (sub == "list") return CaseList(*config, *api, args);
  if (sub == "show") {
    const int rc = CaseShow(*config, *api, pos.at(0), args);
    if (rc != 0 || args.Has("json")) return rc;
    // The petitioners' timelines (判重): their other cases held here.
    auto r = CallApi(*api, "GET", "/v1/cases/" + pos.at(0), "");
    if (r && r->status == 200) {
      const auto v = json::parse(r->body).as_object();
      PrintTimelines(*api, v.at("state").as_object().at("case").as_object(), pos.at(0), en);
    }
    return 0;
  }
  if (sub == "duplicates") return CaseDuplicates(*api, pos.at(0), args.Has("json"), en);
  std::cerr << (en ? "xfctl case: unknown subcommand '" : "xfctl case：未知子命令 '") << sub << "'\n";
  return 2;
}

}  // namespace xf::tools
