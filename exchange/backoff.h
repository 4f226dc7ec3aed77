// When to try a peer again after a failure: the delay doubles with each
// failure up to a ceiling, each delay drawn with jitter in [1/2, 1] of its
// nominal value (so that children cut off together do not come back in
// step), and only a success resets it. Nothing else moves the next try
// earlier: a new case wakes a link's sender, but the sender still waits
// until Due().
//
// Time and randomness come from an Env (codes/env.h), so tests drive it on
// manual time.
//
// Thread safety: none; the owner (one link's sender) serialises access.
#pragma once

#include <chrono>

#include "codes/env.h"

namespace xf::exchange {

class Backoff {
 public:
  // REQUIRES: 0 < first <= ceiling. `env` outlives this.
  Backoff(Env& env, std::chrono::milliseconds first, std::chrono::milliseconds ceiling);

  // A try failed: the next is due after the next delay.
  void Failed();
  // A try succeeded (a delivery): failures forgotten, due at once.
  void Succeeded();
  // Whether a try may be made now.
  bool Due() const { return m_env->Now() >= m_next; }
  // When the next try is due (the past when due now).
  SteadyTime Next() const { return m_next; }
  // Failures since the last success.
  int Failures() const { return m_failures; }
  // The nominal delay after the last failure (without jitter); 0 after a success.
  std::chrono::milliseconds Nominal() const { return m_nominal; }

 private:
  Env* m_env;
  std::chrono::milliseconds m_first, m_ceiling;
  std::chrono::milliseconds m_nominal{0};
  int m_failures = 0;
  SteadyTime m_next{};
};

}  // namespace xf::exchange
