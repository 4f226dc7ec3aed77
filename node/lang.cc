#include "node/lang.h"

#include <boost/json.hpp>
#include <utility>

namespace xf::node {

namespace json = boost::json;

bool English(const exchange::HttpRequest& request) {
  const auto it = request.headers.find("accept-language");
  if (it == request.headers.end()) return false;
  const std::string& v = it->second;
  const auto start = v.find_first_not_of(" \t");
  return start != std::string::npos && (v.compare(start, 2, "en") == 0 || v.compare(start, 2, "EN") == 0);
}

exchange::HttpResponse Problem(int status, const std::string& zh, const std::string& en) {
  json::object o;
  o["error"] = exchange::HttpReason(status);
  o["message"] = zh;
  o["message_en"] = en;
  exchange::HttpResponse r;
  r.status = status;
  r.body = json::serialize(o);
  return r;
}

namespace {

// Returns true when the object changed.
bool Choose(json::object& o, bool en) {
  auto* message_en = o.if_contains("message_en");
  if (message_en == nullptr) return false;
  if (en && message_en->is_string() && !message_en->get_string().empty()) {
    // A copy first: o["message"] may insert and rehash, freeing what message_en points to.
    json::value words = *message_en;
    o["message"] = std::move(words);
  }
  o.erase("message_en");
  return true;
}

}  // namespace

void Localise(exchange::HttpResponse& response, bool en) {
  // Only answers made here carry both words; a quick look spares parsing the rest.
  if (response.status < 400 || response.body.empty() || response.body.front() != '{' ||
      response.body.find("\"message_en\"") == std::string::npos) {
    return;
  }
  boost::system::error_code ec;
  json::value v = json::parse(response.body, ec);
  if (ec || !v.is_object()) return;
  json::object& o = v.get_object();
  bool changed = Choose(o, en);
  if (auto* list = o.if_contains("violations"); list != nullptr && list->is_array()) {
    for (auto& x : list->get_array()) {
      if (x.is_object()) changed = Choose(x.get_object(), en) || changed;
    }
  }
  if (changed) response.body = json::serialize(v);
}

std::string RuleLabel(std::string_view rule, bool en) {
  static constexpr struct {
    std::string_view rule, zh, en;
  } kRules[] = {
      {"R1", "附件不合规", "attachments"},
      {"R2", "未用标准代码", "standard codes"},
      {"R3", "数据不规范", "malformed data"},
      {"R4", "重件无初件", "repeat without its initial case"},
      {"R5", "交换不及时", "late exchange"},
      {"R6", "引用了未知的记录", "refers to an unknown record"},
      {"R7", "时序矛盾", "chronology"},
  };
  for (const auto& r : kRules) {
    if (r.rule == rule) return std::string(en ? r.en : r.zh);
  }
  return "";
}

namespace {

// The Chinese names of the fields of schema/records.h (as JSON and XML name
// them) and of a batch's header.
std::string_view FieldWord(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kFields[] = {
      {"actor", "经办人"},
      {"address", "住址"},
      {"address_division", "住址行政区划"},
      {"anonymous", "匿名"},
      {"approver", "延期批准人"},
      {"attachments", "附件"},
      {"batch_id", "批次编号"},
      {"body", "机构"},
      {"candidates", "判重候选"},
      {"case_id", "信访件编号"},
      {"channel", "信访形式"},
      {"code_version", "代码表版本"},
      {"content_category", "内容分类"},
      {"days", "天数"},
      {"decision", "受理决定"},
      {"delivered_on", "送达日期"},
      {"destination", "目的节点"},
      {"due_date", "办理期限"},
      {"education", "文化程度"},
      {"employer", "工作单位"},
      {"ethnicity", "民族"},
      {"feedback_due", "反馈期限"},
      {"fields", "更正字段"},
      {"first", "第一信访人"},
      {"found_by", "发现重复的层级"},
      {"gender", "性别"},
      {"id_number", "公民身份号码"},
      {"initial_case_id", "初件编号"},
      {"instructions", "意见"},
      {"involved_count", "涉及人数"},
      {"kind", "事件类型"},
      {"media_type", "媒体类型"},
      {"method", "方式"},
      {"name", "名称"},
      {"notified_on", "告知日期"},
      {"occurred_at", "事件时间"},
      {"origin", "发起节点"},
      {"outcome", "结果"},
      {"path", "字段路径"},
      {"petitioner_count", "信访人数"},
      {"petitioners", "信访人"},
      {"phone", "联系电话"},
      {"political_status", "政治面貌"},
      {"problem_place", "问题属地"},
      {"proof", "签名证明"},
      {"purpose", "信访目的"},
      {"reason", "理由"},
      {"received_date", "信访日期"},
      {"record_count", "记录数"},
      {"recorded_at", "记录时间"},
      {"registered_at", "登记时间"},
      {"registering_body", "登记机构"},
      {"registrar", "登记人"},
      {"repeat", "初重件"},
      {"reply", "答复意见"},
      {"report_back", "回复日期"},
      {"representatives", "集体访代表"},
      {"requests", "诉求"},
      {"responsible_unit", "责任单位"},
      {"sent_to", "送达对象"},
      {"seq", "序号"},
      {"sha256", "SHA-256"},
      {"signature", "签名"},
      {"size", "大小"},
      {"stream", "批次流"},
      {"summary", "概况"},
      {"supersedes", "被更正的事件"},
      {"target", "转送/交办对象"},
      {"text", "内容"},
      {"value", "满意度"},
      {"visit_type", "来访类型"},
  };
  for (const auto& [k, v] : kFields) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace

std::string FieldLabel(std::string_view field, bool en) {
  if (en) return std::string(field);
  std::string out;
  std::size_t at = 0;
  while (at <= field.size()) {
    std::size_t dot = field.find('.', at);
    if (dot == std::string_view::npos) dot = field.size();
    std::string_view seg = field.substr(at, dot - at);
    const std::size_t bracket = seg.find('[');
    const std::string_view name = seg.substr(0, bracket);
    const std::string_view index = bracket == std::string_view::npos ? std::string_view{} : seg.substr(bracket);
    const std::string_view word = FieldWord(name);
    if (!out.empty()) out += "·";
    out += word.empty() ? std::string(name) : std::string(word);
    out += index;
    at = dot + 1;
  }
  return out;
}

std::string FieldWords(std::string_view field) {
  const std::string words = FieldLabel(field);
  return words == field ? std::string(field) : words + "（" + std::string(field) + "）";
}

std::string RejectionLine(std::string_view rule, std::string_view field, std::string_view reason, bool en) {
  std::string out(rule);
  if (en) {
    if (!field.empty()) out += " " + std::string(field);
    if (!reason.empty()) out += ": " + std::string(reason);
    return out;
  }
  const std::string label = RuleLabel(rule);
  if (!label.empty()) out += " " + label;
  if (!field.empty()) out += "，" + FieldWords(field);
  if (!reason.empty()) out += "：" + std::string(reason);
  return out;
}

}  // namespace xf::node
