// The system key's document (dedup/wire.h, exchange/PROTOCOL.md "The system
// key's document"): both formats parse, the signed one names its signer and
// carries its signature, what is signed is one fixed text, and the parser is
// bounded and strict.
#include <doctest/doctest.h>

#include <string>

#include "dedup/wire.h"

namespace xf::dedup::wire {
namespace {

const std::string kHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

std::string Secret() {
  std::string s;
  for (int i = 0; i < 32; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST_CASE("dedup key document: the unsigned format of before still parses") {
  const std::string old = R"({"format":"xfnode-dedup-key-1","key_id":"100000-20261207","key":")" + kHex + R"("})";
  auto k = ParseKeyDocument(old);
  REQUIRE(k);
  CHECK(k->key_id == "100000-20261207");
  CHECK(k->secret == Secret());
  CHECK_FALSE(k->Signed());
  CHECK(KeyDocumentJson(*k) == old);
}

TEST_CASE("dedup key document: the signed format names its signer and carries its signature") {
  KeyDocument d{"100000-20261208", Secret(), "100000", "c2lnbmF0dXJl"};
  const std::string json = KeyDocumentJson(d);
  CHECK(json == R"({"format":"xfnode-dedup-key-2","key_id":"100000-20261208","key":")" + kHex +
                    R"(","signer":"100000","signature":"c2lnbmF0dXJl"})");
  auto k = ParseKeyDocument(json);
  REQUIRE(k);
  CHECK(k->Signed());
  CHECK(k->signer == "100000");
  CHECK(k->signature == "c2lnbmF0dXJl");
  // What is signed: the format, the signer, the id and the key, in one line of ASCII.
  CHECK(SignedText(*k) == "xfnode-dedup-key-2 100000 100000-20261208 " + kHex);
}

TEST_CASE("dedup key document: a signed document without its signer or signature, or with bad ones, is refused") {
  const std::string head = R"({"format":"xfnode-dedup-key-2","key_id":"100000-20261208","key":")" + kHex + "\"";
  CHECK(ParseKeyDocument(head + "}").error().message.find("signer") != std::string::npos);
  CHECK(ParseKeyDocument(head + R"(,"signer":"100000"})").error().message.find("signature") != std::string::npos);
  CHECK_FALSE(ParseKeyDocument(head + R"(,"signer":"province","signature":"c2ln"})"));
  CHECK_FALSE(ParseKeyDocument(head + R"(,"signer":"100000","signature":"not base64!"})"));
  CHECK_FALSE(ParseKeyDocument(head + R"(,"signer":"100000","signature":"c2l"})"));  // not a multiple of 4
  CHECK_FALSE(ParseKeyDocument(head + R"(,"signer":"100000","signature":")" + std::string(1028, 'A') + "\"}"));
  CHECK(ParseKeyDocument(head + R"(,"signer":"100000","signature":"c2lnbg=="})"));
  // The key in capitals, a key_id with a space, another format: refused.
  std::string upper = kHex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK_FALSE(ParseKeyDocument(R"({"format":"xfnode-dedup-key-1","key_id":"a","key":")" + upper + "\"}"));
  CHECK_FALSE(ParseKeyDocument(R"({"format":"xfnode-dedup-key-1","key_id":"a b","key":")" + kHex + "\"}"));
  CHECK_FALSE(ParseKeyDocument(R"({"format":"xfnode-dedup-key-3","key_id":"a","key":")" + kHex + "\"}"));
  // Bounded: past 4096 bytes, whatever it holds.
  const std::string big = head + R"(,"signer":"100000","signature":"c2lnbg==","pad":")" + std::string(4096, ' ') + "\"}";
  auto r = ParseKeyDocument(big);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::kLimit);
}

}  // namespace
}  // namespace xf::dedup::wire
