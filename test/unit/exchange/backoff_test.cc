// The retry policy of a link (exchange/backoff.h) on manual time.
#include <doctest/doctest.h>

#include "codes/env.h"
#include "exchange/backoff.h"

using namespace std::chrono_literals;
using xf::FaultEnv;
using xf::Instant;
using xf::exchange::Backoff;

TEST_CASE("backoff: doubles with jitter up to the ceiling; only a success resets it") {
  FaultEnv env(Instant{1'800'000'000}, 7);
  Backoff b(env, 1000ms, 60000ms);
  CHECK(b.Due());
  CHECK(b.Failures() == 0);
  std::int64_t nominal = 1000;
  bool jittered = false;
  for (int i = 1; i <= 12; ++i) {
    b.Failed();
    CHECK(b.Failures() == i);
    CHECK(b.Nominal().count() == nominal);
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(b.Next() - env.Now()).count();
    CAPTURE(i);
    CHECK(wait >= nominal / 2);
    CHECK(wait <= nominal);
    if (wait != nominal && wait != nominal / 2) jittered = true;
    CHECK_FALSE(b.Due());
    // Not due a moment before, due at the time.
    env.Advance(std::chrono::milliseconds(wait - 1));
    CHECK_FALSE(b.Due());
    env.Advance(1ms);
    CHECK(b.Due());
    nominal = std::min<std::int64_t>(nominal * 2, 60000);
  }
  CHECK(jittered);
  CHECK(b.Nominal().count() == 60000);
  // Time alone does not reset it: the next failure waits the ceiling again.
  env.Advance(10min);
  b.Failed();
  CHECK(b.Nominal().count() == 60000);
  CHECK_FALSE(b.Due());
  b.Succeeded();
  CHECK(b.Due());
  CHECK(b.Failures() == 0);
  b.Failed();
  CHECK(b.Nominal().count() == 1000);
}

TEST_CASE("backoff: two links cut off together come back apart (jitter from the env's seed)") {
  FaultEnv env(Instant{1'800'000'000}, 42);
  Backoff a(env, 1000ms, 60000ms), b(env, 1000ms, 60000ms);
  int differ = 0;
  for (int i = 0; i < 6; ++i) {
    a.Failed();
    b.Failed();
    if (a.Next() != b.Next()) ++differ;
  }
  CHECK(differ >= 5);
}
