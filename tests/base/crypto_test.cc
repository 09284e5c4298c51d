#include "runtime/base/crypto.h"

#include <gtest/gtest.h>

namespace stratus {
namespace {

TEST(Crypto, Sha256MatchesKnownVectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(base64Encode(sha256Raw("abc")), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

TEST(Crypto, Base64RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 70; ++i) {
    auto back = base64Decode(base64Encode(data));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, data);
    data.push_back(static_cast<char>(i * 37));
  }
}

TEST(Crypto, Base64RejectsMalformedInput) {
  EXPECT_FALSE(base64Decode("abc").has_value());     // not a multiple of 4
  EXPECT_FALSE(base64Decode("ab!=").has_value());    // bad character
  EXPECT_EQ(*base64Decode("aGk=\n"), "hi");         // line breaks tolerated
  EXPECT_EQ(*base64Decode(""), "");
}

TEST(Crypto, Md5AndHex) {
  EXPECT_EQ(md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hexEncode(std::string("\x00\xff", 2)), "00ff");
}

}  // namespace
}  // namespace stratus
