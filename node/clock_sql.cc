#include "node/clock_sql.h"

#include <string>
#include <string_view>

#include "schema/clocks.h"

namespace xf::node {

namespace {

std::string_view TextArg(sqlite3_value* v) {
  if (sqlite3_value_type(v) != SQLITE_TEXT) return {};
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
  return p == nullptr ? std::string_view() : std::string_view(p, static_cast<std::size_t>(sqlite3_value_bytes(v)));
}

void Due(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  auto* state = static_cast<ClockFunctions::State*>(sqlite3_user_data(ctx));
  const auto clock = schema::ClockFromName(TextArg(argv[0]));
  const auto start = Date::Parse(TextArg(argv[1]));
  if (!clock || !start) {
    sqlite3_result_null(ctx);
    return;
  }
  int extension_days = 0;
  std::optional<Date> extension_on;
  if (argc >= 4) {
    extension_days = sqlite3_value_type(argv[2]) == SQLITE_INTEGER ? sqlite3_value_int(argv[2]) : 0;
    extension_on = Date::Parse(TextArg(argv[3]));
  }
  const codes::DueDay due =
      schema::ClockDue(*clock, *start, *state->calendar, state->counting, extension_days, extension_on);
  if (!due.complete) state->unknown_years.insert(due.unknown_year);
  const std::string text = due.day.ToString();
  sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

}  // namespace

ClockFunctions::ClockFunctions(sql::Db& db, const codes::Calendar& calendar, codes::Counting counting)
    : m_db(db), m_state{&calendar, counting, {}} {
  for (const int argc : {2, 4}) {
    const int rc = sqlite3_create_function_v2(db.get(), "xf_due", argc, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                              &m_state, Due, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      m_status = sql::SqlError(db.get(), "registering xf_due");
      return;
    }
  }
}

ClockFunctions::~ClockFunctions() {
  for (const int argc : {2, 4}) {
    sqlite3_create_function_v2(m_db.get(), "xf_due", argc, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr, nullptr);
  }
}

}  // namespace xf::node
