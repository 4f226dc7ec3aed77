#include "exchange/backoff.h"

#include <algorithm>

namespace xf::exchange {

Backoff::Backoff(Env& env, std::chrono::milliseconds first, std::chrono::milliseconds ceiling)
    : m_env(&env), m_first(first), m_ceiling(std::max(first, ceiling)) {}

void Backoff::Failed() {
  ++m_failures;
  m_nominal = m_nominal.count() == 0 ? m_first : std::min(m_nominal * 2, m_ceiling);
  // Equal jitter: half the delay is fixed, half is random.
  const double factor = 0.5 + 0.5 * m_env->Uniform();
  const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(m_nominal.count()) * factor));
  m_next = m_env->Now() + std::max(delay, m_first / 2);
}

void Backoff::Succeeded() {
  m_failures = 0;
  m_nominal = std::chrono::milliseconds(0);
  m_next = SteadyTime{};
}

}  // namespace xf::exchange
