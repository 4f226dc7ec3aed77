// libFuzzer target: the node's YAML configuration parser (node/config.h).
// Whatever the bytes, ParseConfig returns a config or an error that names
// the file and a line — it never throws, crashes or hangs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "node/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto r = xf::node::ParseConfig(text, "/fuzz/xfnode.yaml");
  if (!r.ok() && r.error().message.rfind("/fuzz/xfnode.yaml:", 0) != 0) std::abort();
  return 0;
}
