// libFuzzer target: the signed directory (exchange/directory.h), which
// every node reads from its parent. Whatever the bytes, ParseDirectory
// answers a directory or an error naming the member at fault; a directory
// it accepts, written canonically and read again, is the same directory;
// and OpenDirectory never accepts it with a signature the root did not make.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exchange/directory.h"

namespace {

const xf::exchange::PrivateKey& Root() {
  static const auto key = xf::exchange::PrivateKey::Generate(xf::exchange::SignAlg::kEd25519).value();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  xf::exchange::DirectoryLimits limits;
  limits.max_bytes = 1 << 20;
  auto d = xf::exchange::ParseDirectory(in, limits);
  if (!d) return 0;
  auto again = xf::exchange::ParseDirectory(xf::exchange::DirectoryJson(*d), limits);
  if (!again || again->serial != d->serial || again->issued != d->issued || again->next_update != d->next_update ||
      again->nodes.size() != d->nodes.size() || again->revoked.size() != d->revoked.size()) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < d->nodes.size(); ++i) {
    const auto& a = d->nodes[i];
    const auto& b = again->nodes[i];
    if (a.id != b.id || a.keys.size() != b.keys.size() || a.certificates.size() != b.certificates.size()) {
      __builtin_trap();
    }
    for (std::size_t k = 0; k < a.keys.size(); ++k) {
      if (a.keys[k].fingerprint != b.keys[k].fingerprint) __builtin_trap();
    }
  }
  // Bytes that are not what the root signed never open.
  const std::string bogus(64, '\x5a');
  if (xf::exchange::OpenDirectory(in, bogus, Root().Public(), limits)) __builtin_trap();
  return 0;
}
