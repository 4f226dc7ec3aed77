#include "node/conformance_batch.h"
#include "node/case_text.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <set>
#include <sstream>

#include <boost/json.hpp>

#include "codes/calendar.h"
#include "schema/chronology.h"

namespace xf::node::conformance {

namespace json = boost::json;

namespace {

// The first four bytes of every zstd frame (RFC 8878).
bool IsZstd(std::string_view bytes) {
  return bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0x28 &&
         static_cast<unsigned char>(bytes[1]) == 0xB5 && static_cast<unsigned char>(bytes[2]) == 0x2F &&
         static_cast<unsigned char>(bytes[3]) == 0xFD;
}

std::int64_t NearestRank(const std::vector<std::int64_t>& sorted, int percent) {
  if (sorted.empty()) return 0;
  const std::size_t rank = (sorted.size() * static_cast<std::size_t>(percent) + 99) / 100;  // ⌈p·n⌉
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

double Share(std::int64_t part, std::int64_t whole) {
  return whole <= 0 ? 0.0 : std::min(1.0, static_cast<double>(part) / static_cast<double>(whole));
}

void ScoreBatch(BatchCheck& c) {
  auto deduct = [&](const char* name, double points) {
    if (const double shown = std::round(points * 10) / 10; shown > 0) c.deductions[name] = shown;
    return points;
  };
  double total = 0;
  total += deduct("rejections", weight::kRejections * Share(c.records_with_violations, c.records));
  total += deduct("lateness", weight::kLateness * Share(c.lateness.over_bound, c.lateness.events));
  if (c.code_version_outdated) total += deduct("outdated_codes", weight::kOutdatedCodes);
  // A receiver refuses the whole batch when its signature fails (403).
  if (c.signature_valid && !*c.signature_valid) total += deduct("signature", 100);
  c.score = std::max(0.0, std::round((100 - total) * 10) / 10);
}

// What is known of a record while the rest of the batch is still unread.
struct Pending {
  std::string event_id, case_id;
};

}  // namespace

Result<BatchCheck> CheckBatch(std::string_view file_bytes, const codes::CodeBook& book, const BatchCheckOptions& options,
                              const std::optional<std::string>& signature, const exchange::PublicKey* key) {
  BatchCheck c;
  c.local_code_version = book.Version();
  c.timeliness_hours = options.timeliness_hours;
  for (const char* rule : {"R1", "R2", "R3", "R6", "R7"}) c.violations_by_rule[rule] = 0;
  auto calendar = codes::Calendar::FromBook(book);
  if (!calendar) return calendar.error();
  // R7 within the batch: the events of a case registered in it, as a receiver
  // holding nothing else of the case judges them (lenient).
  const schema::ChronologyContext chronology{*calendar, options.counting, false, {}};
  std::map<std::string, std::vector<schema::Event>> histories;

  std::string decompressed;
  std::string_view xml = file_bytes;
  c.compressed = IsZstd(file_bytes);
  if (c.compressed) {
    auto d = exchange::Decompress(file_bytes, options.max_xml_bytes);
    if (!d) return d.error();
    decompressed = std::move(d).value();
    xml = decompressed;
  } else if (file_bytes.size() > options.max_xml_bytes) {
    return MakeError(Errc::kLimit, "the file is larger than " + std::to_string(options.max_xml_bytes) + " bytes");
  } else {
    c.notes.push_back({"", "", "", "文件是未压缩的 XML，不是 zstd 帧：接收方只接受压缩形式",
                       "the file is plain XML, not a zstd frame: a receiver takes only the compressed form"});
  }

  exchange::BatchLimits limits;
  limits.max_decompressed = options.max_xml_bytes;
  limits.max_events = options.max_events;
  auto reader = exchange::BatchReader::Open(xml, limits);
  if (!reader) return reader.error();
  c.header = reader->Header();
  const auto& h = c.header;
  const bool up = h.stream == exchange::kUpStream;
  const std::int64_t bound = std::int64_t{options.timeliness_hours} * 3600;

  std::set<std::string> event_ids;
  std::map<std::string, std::size_t> position;    // event id → its first place in the batch
  std::map<std::string, std::size_t> registered;  // case → index of its valid registration
  std::set<std::string> registrations_seen;       // every case with a registration, valid or not
  std::vector<Pending> outside;                    // events whose case was not registered before them
  std::vector<std::pair<Pending, std::string>> repeats;  // repeat registrations → initial case
  std::vector<std::int64_t> lateness;
  std::set<std::string> violating;  // event ids with at least one violation
  std::vector<Finding> record_findings;

  for (std::size_t index = 0;; ++index) {
    exchange::ParsedEvent pe;
    auto more = reader->Next(pe);
    if (!more) return more.error();
    if (!*more) break;
    const auto& e = pe.event;
    const std::string id = e.Id();
    ++c.records;
    std::vector<Finding> found;
    auto add = [&](std::string rule, std::string field, std::string zh, std::string en) {
      found.push_back({std::move(rule), std::move(field), id, std::move(zh), std::move(en)});
    };
    // R1–R3, exactly as a receiver judges the record.
    schema::Violations v = pe.violations;
    if (v.empty())
      v = schema::ValidateEvent(e, book, options.limits, options.today,
                                schema::Provenance::kRecorded);
    for (auto& x : v) add(std::move(x.rule), std::move(x.field), x.message, schema::Message(x, true));
    if (up && e.origin != h.origin) {
      add("R3", "origin", "来自 " + h.origin + " 的上行批次只能带它自己的事件，不能带 " + e.origin + " 的",
          "an up batch from " + h.origin + " carries only its own events, not one of " + e.origin);
    }
    if (!event_ids.insert(id).second) add("R3", "", "事件 " + id + " 在批次中出现两次", "event " + id + " appears twice in the batch");
    position.try_emplace(id, index);
    if (e.kind == schema::EventKind::kRegistration) {
      if (!registrations_seen.insert(e.case_id).second) {
        add("R3", "case_id", "信访件 " + e.case_id + " 在批次中登记了两次", "case " + e.case_id + " is registered twice in the batch");
      } else if (found.empty()) {
        registered.emplace(e.case_id, index);
      }
      if (const auto* body = std::get_if<schema::CaseRegistration>(&e.body); body && body->repeat) {
        repeats.push_back({{id, e.case_id}, body->initial_case_id});
      }
    } else if (!registered.count(e.case_id)) {
      outside.push_back({id, e.case_id});
    }
    if (registered.count(e.case_id)) {
      auto& history = histories[e.case_id];
      if (found.empty()) {
        for (auto& x : schema::CheckChronology(history, e, chronology)) {
          add(std::move(x.rule), std::move(x.field), x.message, schema::Message(x, true));
        }
      }
      if (found.empty()) history.push_back(e);
    }
    // R5: how long after it happened the origin sent it.
    const std::int64_t late = std::max<std::int64_t>(0, h.created.seconds - e.occurred_at.seconds);
    lateness.push_back(late);
    if (late > bound) c.late.push_back({id, e.case_id, e.occurred_at, late});
    for (auto& f : found) record_findings.push_back(std::move(f));
  }

  // R6 within the batch; the rest is for the receiver to judge.
  for (const auto& p : outside) {
    if (registrations_seen.count(p.case_id)) {
      const bool valid = registered.count(p.case_id) > 0;
      record_findings.push_back(
          {"R6", "case_id", p.event_id,
           valid ? "事件 " + p.event_id + " 在批次中排在其信访件 " + p.case_id + " 的登记之前"
                 : "事件 " + p.event_id + " 所属信访件 " + p.case_id + " 在本批次中的登记本身被拒收",
           valid ? "event " + p.event_id + " comes before the registration of its case " + p.case_id +
                       " in the batch"
                 : "event " + p.event_id + " refers to case " + p.case_id +
                       ", whose registration in this batch is itself rejected"});
    } else {
      c.notes.push_back({"R6", "case_id", p.event_id,
                         "信访件 " + p.case_id + " 未在本批次中登记：无法离线检查（接收方须已知此件）",
                         "case " + p.case_id +
                             " is not registered in this batch: cannot be checked offline (the receiver must "
                             "know it already)"});
    }
  }
  for (const auto& [p, initial] : repeats) {
    if (!registrations_seen.count(initial)) {
      c.notes.push_back({"R4", "initial_case_id", p.event_id,
                         "重件 " + p.case_id + " 的初件 " + initial + " 不在本批次中：无法离线检查（接收方须在宽限期内知道它）",
                         "repeat case " + p.case_id + " names initial case " + initial +
                             ", which is not in this batch: cannot be checked offline (the receiver must know "
                             "it within the grace window)"});
    }
  }
  // Findings in batch order: by the record's position, then as found.
  std::stable_sort(record_findings.begin(), record_findings.end(), [&](const Finding& a, const Finding& b) {
    return position.at(a.record) < position.at(b.record);
  });
  for (auto& f : record_findings) {
    violating.insert(f.record);
    c.violations.push_back(std::move(f));
  }
  // Records per rule (a record counts once per rule it breaks).
  std::set<std::pair<std::string, std::string>> per_rule;
  for (const auto& f : c.violations) {
    if (per_rule.insert({f.rule, f.record}).second) ++c.violations_by_rule[f.rule];
  }
  c.records_with_violations = static_cast<std::int64_t>(violating.size());

  std::sort(lateness.begin(), lateness.end());
  c.lateness.events = static_cast<std::int64_t>(lateness.size());
  c.lateness.p50 = NearestRank(lateness, 50);
  c.lateness.p95 = NearestRank(lateness, 95);
  c.lateness.max = lateness.empty() ? 0 : lateness.back();
  c.lateness.over_bound = static_cast<std::int64_t>(c.late.size());

  // The batch itself.
  if (h.code_version != c.local_code_version) {
    c.code_version_outdated = true;
    c.violations.push_back({"codes", "code_version", "",
                            "按代码表 " + h.code_version + " 编写；本地代码表为 " + c.local_code_version,
                            "written against code tables " + h.code_version + "; the local code book is " +
                                c.local_code_version});
  }
  if (signature && key) {
    c.signature_algorithm = exchange::SignAlgName(key->Alg());
    c.signature_valid = exchange::VerifyBytes(*key, file_bytes, *signature);
    if (!*c.signature_valid) {
      c.violations.push_back({"signature", "", "",
                              "签名无法用所给的 " + c.signature_algorithm + " 公钥验证：内容被改动或并非由其签名（接收方会拒收该批次）",
                              "the signature does not verify with the given " + c.signature_algorithm +
                                  " key: the bytes were altered or not signed by it (a receiver refuses the batch)"});
    }
  } else {
    c.notes.push_back({"", "", "", "未检查签名（请给出 --signature FILE --key ORIGIN.pub）",
                       "signature not checked (give --signature FILE --key ORIGIN.pub)"});
  }
  ScoreBatch(c);
  return c;
}

namespace {

json::array FindingsJson(const std::vector<Finding>& list) {
  json::array out;
  for (const auto& f : list) {
    out.push_back({{"rule", f.rule}, {"field", f.field}, {"record", f.record}, {"message", f.message}});
  }
  return out;
}

}  // namespace

std::string BatchCheckToJson(const BatchCheck& c) {
  const auto& h = c.header;
  json::object o;
  json::array attachments;
  for (const auto& a : h.attachments) attachments.emplace_back(a);
  o["batch"] = {{"batch_id", h.batch_id},
                {"origin", h.origin},
                {"destination", h.destination},
                {"stream", h.stream},
                {"seq", h.seq},
                {"created", h.created.ToString()},
                {"code_version", h.code_version},
                {"record_count", h.record_count},
                {"attachments", std::move(attachments)}};
  o["compressed"] = c.compressed;
  o["local_code_version"] = c.local_code_version;
  o["code_version_outdated"] = c.code_version_outdated;
  o["signature"] = {{"checked", c.signature_valid.has_value()},
                    {"valid", c.signature_valid ? json::value(*c.signature_valid) : json::value(nullptr)},
                    {"algorithm", c.signature_valid ? json::value(c.signature_algorithm) : json::value(nullptr)}};
  o["timeliness_hours"] = c.timeliness_hours;
  o["records"] = c.records;
  o["records_with_violations"] = c.records_with_violations;
  json::object by_rule;
  for (const auto& [k, v] : c.violations_by_rule) by_rule[k] = v;
  o["violations_by_rule"] = std::move(by_rule);
  o["lateness"] = {{"events", c.lateness.events},       {"p50_seconds", c.lateness.p50},
                   {"p95_seconds", c.lateness.p95},     {"max_seconds", c.lateness.max},
                   {"over_bound", c.lateness.over_bound}};
  o["score"] = c.score;
  json::object d;
  for (const auto& [k, v] : c.deductions) d[k] = v;
  o["deductions"] = std::move(d);
  o["violations"] = FindingsJson(c.violations);
  json::array late;
  for (const auto& x : c.late) {
    late.push_back({{"event_id", x.event_id},
                    {"case_id", x.case_id},
                    {"occurred_at", x.occurred_at.ToString()},
                    {"lateness_seconds", x.lateness_seconds}});
  }
  o["late_events"] = std::move(late);
  o["notes"] = FindingsJson(c.notes);
  return JsonText(o);
}

std::string BatchCheckToText(const BatchCheck& c, bool en) {
  const auto& h = c.header;
  auto W = [en](const char* zh, const char* english) { return std::string(en ? english : zh); };
  auto words = [en](const Finding& f) -> const std::string& {
    return en && !f.message_en.empty() ? f.message_en : f.message;
  };
  std::ostringstream s;
  std::ostringstream score;
  score << std::fixed << std::setprecision(1) << c.score;
  const std::string bound = text::Duration(c.timeliness_hours * 3600, en), max = text::Duration(c.lateness.max, en);
  if (en) {
    s << "Batch " << h.batch_id << " from " << h.origin << " to " << h.destination << " (stream " << h.stream
      << ", seq " << h.seq << "), created " << text::LocalTime(h.created) << "\n"
      << "code tables " << h.code_version << (c.code_version_outdated ? " (OUTDATED: the local book is " : " (local ")
      << c.local_code_version << ")\n"
      << "signature " << (!c.signature_valid ? "not checked" : *c.signature_valid ? "valid" : "DOES NOT VERIFY")
      << (c.signature_valid ? " (" + c.signature_algorithm + ")" : std::string()) << "\n"
      << c.records << " records, " << c.records_with_violations << " with violations (R1 "
      << c.violations_by_rule.at("R1") << ", R2 " << c.violations_by_rule.at("R2") << ", R3 "
      << c.violations_by_rule.at("R3") << ", R6 " << c.violations_by_rule.at("R6") << "); " << c.lateness.over_bound
      << " over the " << bound << " bound (max " << max << ")\n"
      << "score " << score.str();
  } else {
    s << "批次 " << h.batch_id << "，从 " << h.origin << " 到 " << h.destination << "（流 " << h.stream << "，序号 "
      << h.seq << "），生成于 " << text::LocalTime(h.created) << "\n"
      << "代码表 " << h.code_version << (c.code_version_outdated ? "（已过时：本地代码表为 " : "（本地 ")
      << c.local_code_version << "）\n"
      << "签名 " << (!c.signature_valid ? "未检查" : *c.signature_valid ? "有效" : "验证未通过")
      << (c.signature_valid ? "（" + c.signature_algorithm + "）" : std::string()) << "\n"
      << c.records << " 条记录，" << c.records_with_violations << " 条违规（R1 " << c.violations_by_rule.at("R1")
      << "，R2 " << c.violations_by_rule.at("R2") << "，R3 " << c.violations_by_rule.at("R3") << "，R6 "
      << c.violations_by_rule.at("R6") << "）；" << c.lateness.over_bound << " 条超过 " << bound << " 界限（最长 "
      << max << "）\n"
      << "得分 " << score.str();
  }
  for (const auto& [k, v] : c.deductions) s << "  −" << v << " " << k;
  s << "\n";
  if (!c.violations.empty()) {
    s << W("\n违规（规则 字段 记录：说明）：\n", "\nViolations (rule field record: message):\n");
    for (const auto& f : c.violations) {
      s << "  " << f.rule << " " << (f.field.empty() ? "-" : f.field) << " "
        << (f.record.empty() ? W("批次", "batch") : f.record) << ": " << words(f) << "\n";
    }
  }
  if (!c.late.empty()) {
    s << W("\n迟到的记录（R5，相对于批次的生成时间）：\n", "\nLate records (R5, relative to the batch's created time):\n");
    for (const auto& x : c.late) {
      if (en) {
        s << "  " << x.event_id << " case " << x.case_id << " occurred " << text::LocalTime(x.occurred_at) << ", "
          << text::Duration(x.lateness_seconds, true) << " before the batch\n";
      } else {
        s << "  " << x.event_id << " 信访件 " << x.case_id << " 发生于 " << text::LocalTime(x.occurred_at) << "，早于批次 "
          << text::Duration(x.lateness_seconds) << "\n";
      }
    }
  }
  if (!c.notes.empty()) {
    s << W("\n备注（不算违规）：\n", "\nNotes (not violations):\n");
    for (const auto& f : c.notes) {
      s << "  " << (f.rule.empty() ? "-" : f.rule) << " " << (f.record.empty() ? W("批次", "batch") : f.record) << ": "
        << words(f) << "\n";
    }
  }
  return s.str();
}

}  // namespace xf::node::conformance
