// Realistic records for the mapping_* tests and for the example XML files
// in test/data/xml/valid/ (written from these by the writer).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "schema/records.h"

namespace xf::schema::mapping_test {

inline Instant At(const char* text) { return *Instant::Parse(text); }

// One petitioner walks in (来访) about village collective assets.
inline CaseRegistration SingleCase() {
  CaseRegistration c;
  c.case_id = "440106-2026-0000123";
  c.received_date = Date{2026, 3, 2};
  c.channel = "200";
  c.visit_type = "1";
  c.registering_body = "440106";
  c.registrar = "李明";
  c.registered_at = At("2026-03-02T09:30:00+08:00");
  Petitioner p;
  p.name = "陈秀英";
  p.gender = "2";
  p.ethnicity = "01";
  p.id_number = "440106198503152340";
  p.phone = "13800138000";
  p.address = "广东省广州市天河区石牌街道华师路12号";
  p.address_division = "440106";
  p.education = "21";
  p.political_status = "13";
  p.employer = "广州市天河区某贸易有限公司";
  p.first = true;
  c.petitioners.push_back(p);
  c.summary =
      "信访人反映其所在经济联社2019年出租集体土地的租金收入去向不明，"
      "联社未按规定向社员公示集体资产收支情况。";
  c.requests = "请求区农业农村局核查集体资产收支情况，依法公开账目。";
  c.problem_place = "440106";
  c.content_category = "010101";
  c.purpose = "02";
  c.responsible_unit = "广州市天河区农业农村局";
  c.first_nationally = true;  // given: 全国初次 has no default
  c.due_date = Date{2026, 5, 1};
  c.attachments.push_back({"73e8d8e3e242a85d08a43080aa1c40673a815c8f0a0dfae2a158c3393aa67f79", 614,
                           "application/pdf", "村务公开申请.pdf"});
  return c;
}

// A collective visit (集体访) that repeats an earlier case, with text that
// needs escaping and keeps its line breaks.
inline CaseRegistration CollectiveCase() {
  CaseRegistration c;
  c.case_id = "110105-2026-0000456";
  c.received_date = Date{2026, 3, 5};
  c.channel = "200";
  c.visit_type = "2";
  c.registering_body = "110105";
  c.registrar = "王强";
  c.registered_at = At("2026-03-05T14:05:30+08:00");
  Petitioner a;
  a.name = "张建国";
  a.gender = "1";
  a.ethnicity = "01";
  a.id_number = "110105197207083515";
  a.phone = "010-8590 1234";
  a.address = "北京市朝阳区呼家楼街道金台里17号楼";
  a.address_division = "110105003";
  a.education = "61";
  a.political_status = "01";
  a.employer = "北京市某机械厂（退休）";
  a.first = true;
  Petitioner b;
  b.name = "刘桂兰";
  b.gender = "2";
  b.ethnicity = "03";
  b.id_number = "110105491231002";  // first generation (15 digits), with its 18-digit form
  b.id_number_18 = "11010519491231002X";
  b.address = "北京市朝阳区呼家楼街道金台里17号楼";
  b.address_division = "110105003";
  b.education = "81";
  b.political_status = "13";
  Petitioner d;
  d.name = "周志强";
  d.gender = "1";
  d.phone = "+86 139 0000 1111";
  c.petitioners = {a, b, d};
  c.petitioner_count = 6;
  c.involved_count = 40;
  c.representatives = {"张建国", "刘桂兰", "周志强"};
  c.summary =
      "金台里17号楼40户居民反映：今冬室温长期低于18℃，\n"
      "物业公司与供热公司互相推诿 & 拒不退费；\n"
      "居民曾于2025年12月来访（见初件），问题未解决。<再次来访>";
  c.requests =
      "1. 请求责令供热公司维修管网，保证室温不低于18℃；\n2. 按规定退还不达标期间的供热费。";
  c.problem_place = "110105003";
  c.content_category = "030204";
  c.purpose = "02";
  c.responsible_unit = "北京市朝阳区城市管理委员会";
  c.repeat = true;
  c.initial_case_id = "110105-2025-0003321";
  c.first_at_this_body = false;
  c.first_nationally = false;
  c.skipped_level = false;
  c.is_public = false;
  c.anonymous = false;
  c.joint = true;
  c.due_date = Date{2026, 4, 20};
  c.attachments.push_back({"4cc46ebb73bc3b4b6cbb55c51d9d100bce24ddd1b4e77dfbec75d5cdd29b2080", 69,
                           "image/png", "室温测量照片.png"});
  c.attachments.push_back({"b41ceb1554affeef057e27897dec498ee568534c6758088c75f02eed44b17c9e", 619,
                           "application/pdf", "联名信.pdf"});
  return c;
}

inline Event MakeEvent(std::uint64_t seq, EventKind kind, const char* occurred, const char* actor,
                       EventBody body) {
  Event e;
  e.origin = "440106";
  e.seq = seq;
  e.case_id = "440106-2026-0000123";
  e.kind = kind;
  e.occurred_at = At(occurred);
  e.recorded_at = Instant{e.occurred_at.seconds + 42};
  e.actor = actor;
  e.body = std::move(body);
  return e;
}

// The life of SingleCase(): one event of every kind, in workflow order.
// Names are file stems of the example XML.
inline std::vector<std::pair<std::string, Event>> SampleEvents() {
  std::vector<std::pair<std::string, Event>> out;
  out.emplace_back(
      "event_registration",
      MakeEvent(1, EventKind::kRegistration, "2026-03-02T09:30:00+08:00", "李明", SingleCase()));
  out.emplace_back(
      "event_acceptance",
      MakeEvent(2, EventKind::kAcceptance, "2026-03-04T10:00:00+08:00", "李明",
                Acceptance{"1", "广州市天河区信访局", "属于本机关职权范围，依法予以受理。"}));
  Transfer t;
  t.mode = Transfer::Mode::kAssign;
  t.target = "440106.NYNCJ";
  t.due_date = Date{2026, 5, 1};
  t.instructions = "请于60日内办结并书面答复信访人，同时报送办理结果。";
  out.emplace_back("event_transfer",
                   MakeEvent(3, EventKind::kTransfer, "2026-03-04T15:20:00+08:00", "李明", t));
  Handling h;
  h.method = "040100";
  h.body = "广州市天河区农业农村局";
  h.reply =
      "经核查，该经济联社2019年集体土地租金收入共计人民币86.4万元，已全部入账，"
      "并已于2026年4月10日在联社公开栏公示收支明细。\n特此答复。";
  h.report_back = Date{2026, 4, 20};
  h.delivered_on = Date{2026, 4, 14};
  h.attachments.push_back({"b41ceb1554affeef057e27897dec498ee568534c6758088c75f02eed44b17c9e", 619,
                           "application/pdf", "答复意见书.pdf"});
  out.emplace_back("event_handling",
                   MakeEvent(4, EventKind::kHandling, "2026-04-12T16:45:00+08:00", "黄丽华", h));
  Supervision s;
  s.body = "广州市信访局";
  s.instructions = "请加快办理进度，于4月15日前书面反馈办理情况。";
  s.feedback_due = Date{2026, 4, 15};
  out.emplace_back("event_supervision",
                   MakeEvent(5, EventKind::kSupervision, "2026-04-01T09:00:00+08:00", "李明", s));
  Evaluation ev;
  ev.target = Evaluation::Target::kHandler;
  ev.value = "2";
  ev.text = "答复及时，问题基本解决。";
  ev.method = "sms";
  out.emplace_back("event_evaluation",
                   MakeEvent(6, EventKind::kEvaluation, "2026-04-18T11:12:13+08:00", "李明", ev));
  Review rq;
  rq.step = Review::Step::kRequest;
  rq.body = "广州市天河区人民政府";
  rq.text = "信访人对答复意见中租金数额有异议，申请复查。";
  out.emplace_back("event_review",
                   MakeEvent(7, EventKind::kReview, "2026-04-25T10:00:00+08:00", "李明", rq));
  Review rd;
  rd.step = Review::Step::kDecision;
  rd.body = "广州市人民政府";
  rd.text = "经复核，原处理意见认定事实清楚，维持。";
  rd.outcome = "upheld";
  rd.delivered_on = Date{2026, 6, 22};
  out.emplace_back("event_rereview",
                   MakeEvent(8, EventKind::kReReview, "2026-06-20T17:00:00+08:00", "李明", rd));
  out.emplace_back("event_closure",
                   MakeEvent(9, EventKind::kClosure, "2026-06-22T09:00:00+08:00", "李明",
                             Closure{"广州市天河区信访局", "复核维持原处理意见，本件办结。"}));
  Correction cor;
  cor.supersedes = "440106:1";
  cor.fields = {{"petitioners[0].phone", "13900139000"}, {"responsible_unit", ""}};
  cor.reason = "登记时联系电话录入错误；责任单位以交办记录为准。";
  out.emplace_back("event_correction",
                   MakeEvent(10, EventKind::kCorrection, "2026-06-23T08:00:00+08:00", "李明", cor));
  Extension x;
  x.days = 30;
  x.reason = "涉及历年账目核查，需聘请审计机构，情况复杂。";
  x.approver = "陈建国";
  x.notified_on = Date{2026, 4, 2};
  out.emplace_back("event_extension",
                   MakeEvent(11, EventKind::kExtension, "2026-04-01T15:00:00+08:00", "黄丽华", x));
  return out;
}

// A duplicate notice (判重提示) the province found for SingleCase() and sent
// down: another case of the same petitioner, registered in another city.
inline Event SampleNotice() {
  DuplicateNotice n;
  n.found_by = "440000";
  DuplicateFinding f;
  f.case_id = "440305-2026-0000041";
  f.node = "440305";
  f.received_date = Date{2026, 2, 27};
  f.status = "accepted";
  f.score = "0.87";
  f.decision = DuplicateFinding::Decision::kDuplicate;
  f.reasons = {"同一身份证号", "概况相似度 0.71", "诉求相似度 0.83", "同一内容分类", "同一问题属地", "涉及同一金额"};
  n.candidates.push_back(f);
  Event e = MakeEvent(57, EventKind::kDuplicateNotice, "2026-03-03T11:00:00+08:00", "", n);
  e.origin = "440000";
  return e;
}

}  // namespace xf::schema::mapping_test
