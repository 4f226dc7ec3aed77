// node/store_cases.cc: the case list (filters, order, paging, overdue by
// the legal clocks, petitioners by either form of their ID number, repeat
// cases) and idempotent intake at the store.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "node/store.h"
#include "schema/validate.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

namespace fs = std::filesystem;
using testing::At;
using testing::TempDir;
using testing::ValidCase;

const std::string kNode = "110105";

std::unique_ptr<Store> OpenStore(const fs::path& file, const Clock& clock) {
  auto s = Store::Open(file, clock);
  REQUIRE_MESSAGE(s.ok(), s.error().message);
  return std::move(s).value();
}

std::string Register(Store& store, schema::CaseRegistration c) {
  auto e = store.RegisterCase(std::move(c), kNode, "");
  REQUIRE_MESSAGE(e.ok(), e.error().message);
  return e->case_id;
}

void Append(Store& store, const std::string& case_id, schema::EventKind kind, schema::EventBody body, Instant at) {
  schema::Event e;
  e.case_id = case_id;
  e.kind = kind;
  e.occurred_at = at;
  e.actor = "张敏";
  e.body = std::move(body);
  auto r = store.AppendEvent(std::move(e), kNode);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
}

std::vector<std::string> Ids(const Store::CasePage& p) {
  std::vector<std::string> out;
  for (const auto& r : p.rows) out.push_back(r.case_id);
  return out;
}

Store::CasePage List(Store& store, Store::CaseQuery q, Date today) {
  q.today = today;
  auto page = store.ListCases(q);
  REQUIRE_MESSAGE(page.ok(), page.error().message);
  return std::move(page).value();
}

// 30 cases received on 30 days (2026-01-01 … 2026-01-30); every third
// accepted, every fifth accepted and closed, every seventh a repeat of the first; the
// categories and petitioners vary.
struct Fixture {
  TempDir dir;
  ManualClock clock{At("2026-06-01T02:00:00Z")};
  std::unique_ptr<Store> store = OpenStore(dir / "xfnode.db", clock);
  std::vector<std::string> ids;  // in registration order = received order
  Fixture() {
    for (int i = 1; i <= 30; ++i) {
      schema::CaseRegistration c = ValidCase();
      c.received_date = Date{2026, 1, i};
      c.due_date.reset();
      c.content_category = i % 2 == 0 ? "010101" : "030204";
      if (i % 4 == 0) c.petitioners[0].id_number = "11010519491231002X";
      if (i == 10) c.petitioners[0].id_number = "440524800101001";  // first generation: 15 digits
      if (i % 7 == 0) {
        c.repeat = true;
        c.initial_case_id = ids.front();
      }
      ids.push_back(Register(*store, c));
    }
    for (int i = 1; i <= 30; ++i) {
      const std::string& id = ids[static_cast<std::size_t>(i - 1)];
      if (i % 3 == 0 || i % 5 == 0) {
        Append(*store, id, schema::EventKind::kAcceptance, schema::Acceptance{"1", kNode, ""},
               At("2026-05-30T09:00:00+08:00"));
      }
      if (i % 5 == 0) Append(*store, id, schema::EventKind::kClosure, schema::Closure{kNode, "办结"},
                             At("2026-05-31T09:00:00+08:00"));
    }
  }
};

}  // namespace

TEST_CASE("case list: newest received first, every case once over the pages, the total on each") {
  Fixture f;
  const Date today{2026, 6, 1};
  Store::CaseQuery q;
  q.limit = 7;
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    const auto page = List(*f.store, q, today);
    CHECK(page.total == 30);
    for (const auto& r : page.rows) seen.push_back(r.case_id);
    ++pages;
    if (!page.next) break;
    q.after = page.next;
  }
  CHECK(pages == 5);
  std::vector<std::string> expected(f.ids.rbegin(), f.ids.rend());
  CHECK(seen == expected);
}

TEST_CASE("case list: status, received dates, category prefix and repeat filters combine") {
  Fixture f;
  const Date today{2026, 6, 1};
  Store::CaseQuery q;
  q.limit = 500;
  q.statuses = {"closed"};
  auto closed = List(*f.store, q, today);
  CHECK(closed.total == 6);
  for (const auto& r : closed.rows) CHECK(r.status == "closed");

  q.statuses = {"accepted", "closed"};
  CHECK(List(*f.store, q, today).total == 6 + 8);  // 3,6,…,30 accepted; 15 and 30 closed after

  q = {};
  q.limit = 500;
  q.received_from = Date{2026, 1, 10};
  q.received_to = Date{2026, 1, 19};
  const auto range = List(*f.store, q, today);
  CHECK(range.total == 10);
  CHECK(range.rows.front().received_date == Date{2026, 1, 19});
  CHECK(range.rows.back().received_date == Date{2026, 1, 10});

  q = {};
  q.limit = 500;
  q.category = "03";  // the first level of 030204
  CHECK(List(*f.store, q, today).total == 15);
  q.category = "0302";
  CHECK(List(*f.store, q, today).total == 15);
  q.category = "010101";
  CHECK(List(*f.store, q, today).total == 15);
  q.category = "02";
  CHECK(List(*f.store, q, today).total == 0);

  q = {};
  q.limit = 500;
  q.repeat = true;
  const auto repeats = List(*f.store, q, today);
  CHECK(repeats.total == 4);  // 7, 14, 21, 28
  for (const auto& r : repeats.rows) CHECK(r.initial_case_id == f.ids.front());
  q.repeat = false;
  CHECK(List(*f.store, q, today).total == 26);
  q.received_to = Date{2026, 1, 14};
  q.repeat = true;
  CHECK(Ids(List(*f.store, q, today)) == std::vector<std::string>{f.ids[13], f.ids[6]});

  auto repeats_of = f.store->RepeatsOf(f.ids.front(), today);
  REQUIRE(repeats_of.ok());
  CHECK(repeats_of->size() == 4);
}

TEST_CASE("case list: a petitioner by either form of the ID number") {
  Fixture f;
  const Date today{2026, 6, 1};
  Store::CaseQuery q;
  q.limit = 500;
  q.id_number = "11010519491231002X";
  CHECK(List(*f.store, q, today).total == 7);  // 4, 8, …, 28
  // Case 10's first-generation number is found by its 18-character form.
  q.id_number = schema::IdNumber18("440524800101001");
  REQUIRE(q.id_number.size() == 18);
  CHECK(Ids(List(*f.store, q, today)) == std::vector<std::string>{f.ids[9]});
  q.id_number = "440524188001010014";  // ValidCase's
  CHECK(List(*f.store, q, today).total == 30 - 7 - 1);
}

TEST_CASE("case list: overdue by the legal clocks, as of the day asked") {
  Fixture f;
  Store::CaseQuery q;
  q.limit = 500;
  q.overdue = true;
  // On 2026-06-01 every case not decided or closed is past its 15 days to be
  // routed; the accepted ones were accepted on 2026-05-30, 60 days to go.
  const auto overdue = List(*f.store, q, Date{2026, 6, 1});
  std::set<std::string> expected;
  for (int i = 1; i <= 30; ++i) {
    if (i % 3 != 0 && i % 5 != 0) expected.insert(f.ids[static_cast<std::size_t>(i - 1)]);
  }
  const auto ids = Ids(overdue);
  CHECK(std::set<std::string>(ids.begin(), ids.end()) == expected);
  CHECK(overdue.total == static_cast<std::int64_t>(expected.size()));
  for (const auto& r : overdue.rows) {
    REQUIRE(r.next_due);
    CHECK(r.overdue_days > 0);
    CHECK(r.next_due->days_left == -r.overdue_days);
  }
  q.overdue = false;
  const auto not_overdue = List(*f.store, q, Date{2026, 6, 1});
  CHECK(not_overdue.total == 30 - static_cast<std::int64_t>(expected.size()));
  for (const auto& r : not_overdue.rows) {
    if (r.closed) {
      CHECK_FALSE(r.next_due);
    } else {
      REQUIRE(r.next_due);
      CHECK(r.next_due->clock == schema::Clock::kHandle);
      CHECK(r.next_due->days_left > 50);
    }
  }
  // Early in January nothing is overdue yet: the first case's 15 days end on the 16th.
  CHECK(List(*f.store, q, Date{2026, 1, 16}).total == 30);
  q.overdue = true;
  CHECK(List(*f.store, q, Date{2026, 1, 17}).total == 1);
}

TEST_CASE("idempotent intake: a key registers once; the first answer comes back, also when the retry races") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  auto store = OpenStore(dir / "xfnode.db", clock);
  auto attempt = [&](const std::string& key, std::optional<Store::IdempotentAnswer>& first) {
    Store::Idempotency i;
    i.key = key;
    i.request.route = "POST /v1/cases";
    i.request.request = "req-" + key;
    i.answer = [](const schema::Event& e) { return "{\"case_id\":\"" + e.case_id + "\"}"; };
    i.replay = &first;
    return store->RegisterCase(ValidCase(), kNode, "", nullptr, &i);
  };
  std::optional<Store::IdempotentAnswer> first;
  auto one = attempt("k1", first);
  REQUIRE(one.ok());
  REQUIRE(first);
  CHECK(first->body == "{\"case_id\":\"" + one->case_id + "\"}");
  CHECK(first->status == 201);

  std::optional<Store::IdempotentAnswer> again;
  auto two = attempt("k1", again);
  CHECK_FALSE(two.ok());
  CHECK(two.error().code == Errc::kAlreadyExists);
  REQUIRE(again);
  CHECK(again->body == first->body);
  CHECK(again->case_id == one->case_id);
  CHECK(store->Stats().cases == 1);

  auto found = store->FindIdempotent("k1");
  REQUIRE(found.ok());
  REQUIRE(*found);
  CHECK((*found)->request == "req-k1");
  auto none = store->FindIdempotent("k2");
  REQUIRE(none.ok());
  CHECK_FALSE(*none);

  // Eight threads with one key: one case, eight times the same case id.
  std::vector<std::thread> threads;
  std::vector<std::string> answers(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::optional<Store::IdempotentAnswer> mine;
      (void)attempt("k-race", mine);
      if (mine) answers[static_cast<std::size_t>(t)] = mine->case_id;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(store->Stats().cases == 2);
  for (const auto& a : answers) CHECK(a == answers.front());
  CHECK_FALSE(answers.front().empty());
}

}  // namespace xf::node
