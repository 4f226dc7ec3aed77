#include "tools/bench/bench_data.h"

#include <cstdio>

namespace xf::tools::bench {

std::string IdNumber(std::string_view division, Date birth, long seq) {
  static constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6s%04d%02d%02d%03u", std::string(division).c_str(), birth.year % 10000,
                birth.month % 100, birth.day % 100, static_cast<unsigned>(seq % 1000));
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (buf[i] - '0') * kWeights[i];
  return std::string(buf, 17) + "10X98765432"[sum % 11];
}

schema::CaseRegistration SampleCase(long i, Date received) {
  schema::CaseRegistration c;
  c.received_date = received;
  c.channel = i % 2 ? "200" : "100";
  c.registrar = "王登记";
  schema::Petitioner p;
  p.name = "张" + std::to_string(i);
  p.gender = i % 2 ? "1" : "2";
  p.ethnicity = "01";
  p.id_number = IdNumber(kCounty, Date{static_cast<int>(1960 + i % 40), static_cast<int>(1 + i % 12),
                                       static_cast<int>(1 + i % 28)},
                         i);
  p.phone = "1380000" + std::to_string(1000 + i % 9000);
  p.address = "北京市朝阳区某街道" + std::to_string(i % 100) + "号";
  p.address_division = kCounty;
  p.first = true;
  c.petitioners.push_back(p);
  c.summary = "反映村集体资产管理不透明，要求公开账目。第" + std::to_string(i) + "件。";
  c.requests = "要求公开村集体资产收支情况";
  c.problem_place = kCounty;
  c.content_category = "010101";
  c.purpose = "02";
  return c;
}

schema::Event CountyRegistration(schema::CaseRegistration c, long i, Instant at) {
  char id[40];
  std::snprintf(id, sizeof id, "%s-%04d-%07ld", kCounty, at.ToDate().year, i + 1);
  c.case_id = id;
  c.registering_body = kCounty;
  c.registered_at = at;
  schema::Event e;
  e.origin = kCounty;
  e.seq = static_cast<std::uint64_t>(i + 1);
  e.case_id = id;
  e.kind = schema::EventKind::kRegistration;
  e.occurred_at = at;
  e.recorded_at = at;
  e.actor = "bench";
  e.body = std::move(c);
  return e;
}

}  // namespace xf::tools::bench
