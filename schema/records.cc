#include "schema/records.h"

#include <array>
#include <utility>

namespace xf::schema {

namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 12> kKindNames = {{
    {EventKind::kRegistration, "registration"},
    {EventKind::kAcceptance, "acceptance"},
    {EventKind::kTransfer, "transfer"},
    {EventKind::kHandling, "handling"},
    {EventKind::kSupervision, "supervision"},
    {EventKind::kEvaluation, "evaluation"},
    {EventKind::kReview, "review"},
    {EventKind::kReReview, "rereview"},
    {EventKind::kClosure, "closure"},
    {EventKind::kCorrection, "correction"},
    {EventKind::kExtension, "extension"},
    {EventKind::kDuplicateNotice, "duplicate_notice"},
}};

}  // namespace

std::string_view EventKindName(EventKind k) {
  for (const auto& [kind, name] : kKindNames) {
    if (kind == k) return name;
  }
  return "unknown";
}

std::optional<EventKind> EventKindFromName(std::string_view name) {
  for (const auto& [kind, n] : kKindNames) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

bool BodyMatchesKind(const Event& e) {
  switch (e.kind) {
    case EventKind::kRegistration:
      return std::holds_alternative<CaseRegistration>(e.body);
    case EventKind::kAcceptance:
      return std::holds_alternative<Acceptance>(e.body);
    case EventKind::kTransfer:
      return std::holds_alternative<Transfer>(e.body);
    case EventKind::kHandling:
      return std::holds_alternative<Handling>(e.body);
    case EventKind::kSupervision:
      return std::holds_alternative<Supervision>(e.body);
    case EventKind::kEvaluation:
      return std::holds_alternative<Evaluation>(e.body);
    case EventKind::kReview:
    case EventKind::kReReview:
      return std::holds_alternative<Review>(e.body);
    case EventKind::kClosure:
      return std::holds_alternative<Closure>(e.body);
    case EventKind::kCorrection:
      return std::holds_alternative<Correction>(e.body);
    case EventKind::kExtension:
      return std::holds_alternative<Extension>(e.body);
    case EventKind::kDuplicateNotice:
      return std::holds_alternative<DuplicateNotice>(e.body);
  }
  return false;
}

}  // namespace xf::schema
