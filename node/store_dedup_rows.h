// Internal to the store's duplicate index (store_dedup.cc,
// store_dedup_system.cc): reading a dedup_cases row.
#pragma once

#include "dedup/blind.h"
#include "dedup/matcher.h"
#include "node/sqlite.h"

namespace xf::node::detail {

// The features a dedup_cases row holds; columns from `first`: case_id, node,
// received_date, category, place, persons, summary, requests.
inline dedup::Features RowFeatures(const sql::Stmt& q, int first = 0) {
  dedup::Features f;
  f.case_id = q.Text(first);
  f.node = q.Text(first + 1);
  f.received_date = Date::Parse(q.Text(first + 2)).value_or(Date{});
  f.category = q.Text(first + 3);
  f.place = q.Text(first + 4);
  f.persons = dedup::DecodePersons(q.Text(first + 5));
  f.summary = q.Text(first + 6);
  f.requests = q.Text(first + 7);
  return f;
}

// The numbers a case has in the blind index (dedup_blind): its petitioner
// keys and its text's index terms under the system key, sorted, unique.
std::vector<std::int64_t> BlindNumbers(const dedup::Features& f, const dedup::BlindKey& key);
// Runs `st` ("… dedup_blind(key, id) VALUES(?1, ?2)" or the DELETE) for each of them.
Status WriteBlind(sql::Stmt& st, const dedup::Features& f, std::int64_t id, const dedup::BlindKey& key);

}  // namespace xf::node::detail
