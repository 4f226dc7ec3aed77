#include "schema/detail/fields.h"

#include <iterator>
#include <utility>

namespace xf::schema::detail {

namespace {

template <std::size_t... I>
EventBody MakeBodyImpl(std::size_t index, std::index_sequence<I...>) {
  EventBody body;
  // Exactly one I matches; the fold stops there.
  (void)((index == I ? (body.emplace<I>(), true) : false) || ...);
  return body;
}

}  // namespace

std::size_t BodyIndexOf(EventKind kind) {
  switch (kind) {
    case EventKind::kRegistration:
      return 0;
    case EventKind::kAcceptance:
      return 1;
    case EventKind::kTransfer:
      return 2;
    case EventKind::kHandling:
      return 3;
    case EventKind::kSupervision:
      return 4;
    case EventKind::kEvaluation:
      return 5;
    case EventKind::kReview:
    case EventKind::kReReview:
      return 6;
    case EventKind::kClosure:
      return 7;
    case EventKind::kCorrection:
      return 8;
    case EventKind::kExtension:
      return 9;
    case EventKind::kDuplicateNotice:
      return 10;
  }
  return 0;
}

EventKind KindOfBodyIndex(std::size_t index) {
  static constexpr EventKind kKinds[] = {
      EventKind::kRegistration, EventKind::kAcceptance,  EventKind::kTransfer,
      EventKind::kHandling,     EventKind::kSupervision, EventKind::kEvaluation,
      EventKind::kReview,       EventKind::kClosure,     EventKind::kCorrection,
      EventKind::kExtension,    EventKind::kDuplicateNotice};
  return index < std::size(kKinds) ? kKinds[index] : EventKind::kRegistration;
}

EventBody MakeBody(std::size_t index) {
  return MakeBodyImpl(index, std::make_index_sequence<std::variant_size_v<EventBody>>{});
}

std::optional<std::size_t> BodyIndexFromName(std::string_view name) {
  for (std::size_t i = 0; i < kBodyNames.size(); ++i) {
    if (kBodyNames[i] == name) return i;
  }
  return std::nullopt;
}

}  // namespace xf::schema::detail
