#include "dedup/blind.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>

namespace xf::dedup {

namespace {

std::array<unsigned char, 32> HmacSha256(const unsigned char* key, std::size_t key_size, std::string_view a,
                                         std::string_view b = {}, bool separate = false) {
  std::string data;
  data.reserve(a.size() + b.size() + 1);
  data.append(a);
  if (separate) data.push_back('\x1f');
  data.append(b);
  std::array<unsigned char, 32> out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key, static_cast<int>(key_size), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       out.data(), &size);
  OPENSSL_cleanse(data.data(), data.size());
  return out;
}

std::uint64_t Rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

std::uint64_t Load64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::uint64_t SipHash24(const unsigned char key[16], const unsigned char* data, std::size_t size) {
  const std::uint64_t k0 = Load64(key), k1 = Load64(key + 8);
  std::uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
  std::uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
  auto round = [&] {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  };
  const std::size_t whole = size - size % 8;
  for (std::size_t i = 0; i < whole; i += 8) {
    const std::uint64_t m = Load64(data + i);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  std::uint64_t last = static_cast<std::uint64_t>(size & 0xff) << 56;
  for (std::size_t i = 0; i < size % 8; ++i) last |= static_cast<std::uint64_t>(data[whole + i]) << (8 * i);
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xff;
  round();
  round();
  round();
  round();
  return v0 ^ v1 ^ v2 ^ v3;
}

Result<std::shared_ptr<const BlindKey>> BlindKey::Make(std::string_view secret, std::string key_id) {
  if (secret.size() != kBytes) {
    return MakeError(Errc::kInvalidArgument,
                     "a system key (判重系统密钥) is " + std::to_string(kBytes) + " bytes, not " +
                         std::to_string(secret.size()));
  }
  std::shared_ptr<BlindKey> k(new BlindKey());
  k->m_id = std::move(key_id);
  std::memcpy(k->m_key.data(), secret.data(), kBytes);
  const auto gram = HmacSha256(k->m_key.data(), kBytes, "xfnode-dedup-1 gram");
  std::memcpy(k->m_gram_key.data(), gram.data(), k->m_gram_key.size());
  return std::shared_ptr<const BlindKey>(std::move(k));
}

BlindKey::~BlindKey() {
  OPENSSL_cleanse(m_key.data(), m_key.size());
  OPENSSL_cleanse(m_gram_key.data(), m_gram_key.size());
}

std::uint64_t BlindKey::Text(std::string_view domain, std::string_view text) const {
  const auto mac = HmacSha256(m_key.data(), m_key.size(), domain, text, true);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | mac[static_cast<std::size_t>(i)];
  v >>= 1;
  return v == 0 ? 1 : v;
}

std::uint64_t BlindKey::Gram(std::uint64_t bigram) const {
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(bigram >> (8 * i));
  return SipHash24(m_gram_key.data(), bytes, sizeof bytes);
}

}  // namespace xf::dedup
