// The blind index (判重 across the hierarchy, dedup/README.md "The blind
// index"): the keyed hasher a node uses for the questions it sends to the
// levels above and for the index it answers them from, so that no ID number,
// phone, name or text travels or is kept in a form anyone without the system
// key can read.
//
// The system key is 32 random bytes made at the national bureau and sent
// down in a document signed with its node signing key, which every node
// verifies before use (dedup/wire.h KeyDocument, node/dedup_key.h). From it:
//   Text(domain, text) = the first 8 bytes of HMAC-SHA256(K, domain ‖ 0x1F ‖ text),
//                        big-endian, shifted right by one (63 bits; 0 taken as 1);
//   Gram(bigram)       = SipHash-2-4 under K_g (the first 16 bytes of
//                        HMAC-SHA256(K, "xfnode-dedup-1 gram")) of the bigram's
//                        8 bytes, little-endian.
// HMAC-SHA256 is what the issue asks for ID numbers and phones; SipHash (a
// keyed PRF made for short inputs, ~20 ns) for the hundreds of bigrams of
// every text a check compares, where HMAC would cost a microsecond each.
//
// Thread safety: a BlindKey is immutable; share it as shared_ptr<const>.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "codes/result.h"
#include "dedup/matcher.h"

namespace xf::dedup {

class BlindKey final : public Hasher {
 public:
  static constexpr std::size_t kBytes = 32;
  // kInvalidArgument unless `secret` is exactly kBytes bytes.
  static Result<std::shared_ptr<const BlindKey>> Make(std::string_view secret, std::string key_id);
  ~BlindKey() override;  // the key bytes are wiped
  BlindKey(const BlindKey&) = delete;
  BlindKey& operator=(const BlindKey&) = delete;

  // The key's id (the system key document's key_id): questions name it.
  const std::string& Id() const { return m_id; }
  std::uint64_t Text(std::string_view domain, std::string_view text) const override;
  std::uint64_t Gram(std::uint64_t bigram) const override;

 private:
  BlindKey() = default;
  std::string m_id;
  std::array<unsigned char, kBytes> m_key{};
  std::array<unsigned char, 16> m_gram_key{};
};

// SipHash-2-4 (Aumasson and Bernstein) of `data` under a 16-byte key.
std::uint64_t SipHash24(const unsigned char key[16], const unsigned char* data, std::size_t size);

}  // namespace xf::dedup
