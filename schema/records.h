// The record types of a petition case and its workflow events.
//
// A case (信访件) is the sum of its events; every event is immutable. Field
// names here are the names used in JSON and XML (see schema/README.md for the
// Chinese names local systems use). Empty strings mean "absent" for optional
// text and code fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "codes/date.h"

namespace xf::schema {

// 信访人
struct Petitioner {
  std::string name;              // 姓名 (required)
  std::string gender;            // 性别, GB/T 2261.1 (required)
  std::string ethnicity;         // 民族, GB/T 3304
  std::string id_number;         // 公民身份号码, GB 11643, as given: 18 characters or 15 digits
  std::string id_number_18;      // its 18-character form for a 15-digit id_number (node fills it)
  std::string phone;             // 联系电话
  std::string address;           // 住址
  std::string address_division;  // 住址行政区划, GB/T 2260 (6, 9 or 12 digits)
  std::string education;         // 文化程度, GB/T 4658
  std::string political_status;  // 政治面貌, GB/T 4762
  std::string employer;          // 工作单位
  bool first = false;            // 第一信访人: exactly one per case
};

// 附件: content-addressed; the bytes travel separately.
struct Attachment {
  std::string sha256;      // 64 lowercase hex digits
  std::uint64_t size = 0;  // bytes
  std::string media_type;  // e.g. "application/pdf"
  std::string name;        // original file name
};

// 登记: the registration carries the case body.
struct CaseRegistration {
  std::string case_id;            // 信访件编号; minted by the registering node when empty
  Date received_date;             // 信访日期 (required)
  std::string channel;            // 信访形式 (required)
  std::string visit_type;         // 来访类型 (for 来访 only)
  std::string registering_body;   // 登记机构: node id (filled by the node when empty)
  std::string registrar;          // 登记人 (required)
  Instant registered_at;          // 登记时间 (filled by the node when absent)
  std::vector<Petitioner> petitioners;       // at least one; exactly one first
  int petitioner_count = 1;       // 信访人数
  int involved_count = 1;         // 涉及人数
  std::vector<std::string> representatives;  // 集体访代表 (at most 5)
  std::string summary;            // 概况 (required)
  std::string requests;           // 诉求 (required)
  std::string problem_place;      // 问题属地: division code, 6/9/12 digits (required)
  std::string content_category;   // 内容分类 (required)
  std::string purpose;            // 信访目的 (required)
  std::string responsible_unit;   // 责任单位
  bool repeat = false;            // 初重件: false 初件, true 重件
  std::string initial_case_id;    // 初件编号 (required when repeat)
  bool first_at_this_body = true; // 本机构初次
  // 全国初次: absent when the registering body does not know (nothing in the
  // record says so); never assumed true. Written only when known.
  std::optional<bool> first_nationally;
  bool skipped_level = false;     // 越级
  bool is_public = false;         // 公开
  bool anonymous = false;         // 匿名
  bool joint = false;             // 联名
  std::optional<Date> due_date;   // 限办截止时间
  std::vector<Attachment> attachments;  // 附件
};

// 受理 / 不予受理 / 不再受理
struct Acceptance {
  std::string decision;  // acceptance table code (required)
  std::string body;      // deciding body, node id or organisation name
  std::string reason;
};

// 转送 / 交办
struct Transfer {
  enum class Mode { kForward, kAssign };  // 转送, 交办
  Mode mode = Mode::kForward;
  std::string target;    // node id of the jurisdiction that must handle it (required)
  std::optional<Date> due_date;
  std::string instructions;
};

// 办理结果 / 答复意见
struct Handling {
  std::string method;    // 办理方式, handling_method table (required)
  std::string body;      // handling body
  std::string sent_to;   // forwarded to
  std::string reply;     // 答复意见 to the petitioner
  std::optional<Date> report_back;  // 回复/报结 date
  // 送达日期: the day the petitioner received the written reply, from which
  // the 30 days to request 复查 run; absent = the day of the event.
  std::optional<Date> delivered_on;
  std::vector<Attachment> attachments;
};

// 督办
struct Supervision {
  std::string body;
  std::string instructions;  // (required)
  std::optional<Date> feedback_due;
};

// 满意度评价
struct Evaluation {
  enum class Target { kBureau, kHandler };  // 对信访部门 / 对责任单位
  Target target = Target::kHandler;
  std::string value;   // satisfaction table (required)
  std::string text;
  std::string method;  // how it was given: web, phone, sms, in person
};

// 复查 / 复核: a request or a decision (the event kind tells which stage).
struct Review {
  enum class Step { kRequest, kDecision };
  Step step = Step::kRequest;
  std::string body;
  std::string text;
  std::string outcome;  // for a decision: upheld / changed / revoked
  // For a decision: the day the petitioner received it (送达日期), from which
  // the 30 days to request 复核 run; absent = the day of the event.
  std::optional<Date> delivered_on;
};

// 延期: the one extension of the 60 days to handle a case (《信访工作条例》):
// at most 30 days, approved by the body's head before the 60 days
// run out, its reason told to the petitioner.
struct Extension {
  int days = 0;                      // 延长天数, 1–30 (required)
  std::string reason;                // 延期理由 (required)
  std::string approver;              // 批准人: the body's head who approved it (required)
  std::optional<Date> notified_on;   // 告知日期: the day the petitioner was told (required)
};

// 办结
struct Closure {
  std::string body;
  std::string summary;
};

// A later event that supersedes fields of an earlier one.
struct Correction {
  std::string supersedes;  // event id "<origin>:<seq>" (required)
  struct Field {
    std::string path;   // e.g. "summary", "petitioners[0].phone"
    std::string value;  // the new value, as text
  };
  std::vector<Field> fields;  // at least one
  std::string reason;         // (required)
};

// 判重提示: what a level above found for a case — other cases, registered
// elsewhere, that may be the same petition (dedup/README.md). The level that
// found them records it on the case and sends it down to the node that
// registered the case; it changes nothing of the case's state or clocks.
struct DuplicateFinding {
  enum class Decision { kPossible, kDuplicate };
  std::string case_id;     // the other case's 信访件编号 (required)
  std::string node;        // the node that registered it (required)
  Date received_date;      // its 信访日期 (required)
  std::string status;      // its status where it was found
  std::string score;       // "0.00" to "1.00": ranks only
  // duplicate: the same petitioner(s) and matter (the matcher is confident);
  // possible: a clerk should look.
  Decision decision = Decision::kPossible;
  std::vector<std::string> reasons;  // the matcher's, in words a clerk reads
};
struct DuplicateNotice {
  std::string found_by;  // the level that found them: the event's origin (required)
  std::vector<DuplicateFinding> candidates;  // 1 to 10, best first
};

enum class EventKind {
  kRegistration,  // 登记
  kAcceptance,    // 受理决定
  kTransfer,      // 转送/交办
  kHandling,      // 办理结果
  kSupervision,   // 督办
  kEvaluation,    // 满意度评价
  kReview,        // 复查
  kReReview,      // 复核
  kClosure,       // 办结
  kCorrection,    // 更正
  kExtension,     // 延期
  kDuplicateNotice,  // 判重提示
};

// "registration", "acceptance", "transfer", "handling", "supervision",
// "evaluation", "review", "rereview", "closure", "correction", "extension",
// "duplicate_notice".
std::string_view EventKindName(EventKind k);
std::optional<EventKind> EventKindFromName(std::string_view name);

using EventBody = std::variant<CaseRegistration, Acceptance, Transfer, Handling, Supervision,
                               Evaluation, Review, Closure, Correction, Extension, DuplicateNotice>;

struct Event {
  std::string origin;      // node id of the node that recorded it
  std::uint64_t seq = 0;   // contiguous per origin, from 1; 0 until stored
  std::string case_id;     // the case it belongs to
  EventKind kind = EventKind::kRegistration;
  Instant occurred_at;     // when it happened (lateness is measured from here)
  Instant recorded_at;     // when the origin node stored it
  std::string actor;       // who recorded it
  EventBody body;

  // "<origin>:<seq>"
  std::string Id() const { return origin + ":" + std::to_string(seq); }
};

// REQUIRES: body holds the alternative that matches kind
// (kReview and kReReview both hold Review).
bool BodyMatchesKind(const Event& e);

}  // namespace xf::schema
