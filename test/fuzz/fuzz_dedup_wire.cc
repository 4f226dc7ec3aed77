// libFuzzer target: what a node reads from another about duplicates
// (dedup/wire.h; exchange/PROTOCOL.md, "Duplicates across the hierarchy"):
// a question from a child, an answer from the parent, the system key's
// document from the parent (unsigned, xfnode-dedup-key-1, and signed,
// xfnode-dedup-key-2). Whatever the bytes, the parsers neither crash
// nor hang, and what they accept writes back to JSON that parses again to
// the same JSON (nothing accepted is lost or changed on the way).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dedup/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  namespace wire = xf::dedup::wire;
  if (auto q = wire::ParseQuestion(in)) {
    const std::string once = wire::QuestionJson(*q);
    auto again = wire::ParseQuestion(once);
    if (!again || wire::QuestionJson(*again) != once) std::abort();
  }
  if (auto a = wire::ParseAnswer(in)) {
    const std::string once = wire::AnswerJson(*a);
    auto again = wire::ParseAnswer(once);
    if (!again || wire::AnswerJson(*again) != once) std::abort();
  }
  if (auto k = wire::ParseKeyDocument(in)) {
    if (k->secret.size() != 32) std::abort();
    auto again = wire::ParseKeyDocument(wire::KeyDocumentJson(*k));
    if (!again || again->secret != k->secret || again->key_id != k->key_id || again->signer != k->signer ||
        again->signature != k->signature || again->Signed() != k->Signed()) {
      std::abort();
    }
    // A signed document names its signer and carries a signature; what is
    // signed names them both and the key.
    if (k->Signed() && (k->signature.empty() || wire::SignedText(*k).find(k->key_id) == std::string::npos)) std::abort();
  }
  return 0;
}
