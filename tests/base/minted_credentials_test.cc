#include "runtime/base/minted_credentials.h"

#include <gtest/gtest.h>

#include <optional>
#include <utility>

namespace stratus {
namespace {

TEST(MintedCredentials, FoundWhileLiveAndForgottenWhenRevokedOrDestroyed) {
  size_t before = MintedCredentials::liveCount();
  std::string key;
  {
    MintedCredentials lease;
    const TemporaryCredentials& c = lease.get();
    key = c.access_key_id;
    EXPECT_EQ(key.rfind("ASIA", 0), 0u);
    EXPECT_EQ(key.size(), 20u);
    EXPECT_EQ(c.secret_access_key.size(), 40u);
    EXPECT_EQ(c.session_token.size(), 64u);
    std::optional<TemporaryCredentials> found = MintedCredentials::find(key);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->secret_access_key, c.secret_access_key);
    EXPECT_EQ(found->session_token, c.session_token);
    EXPECT_EQ(MintedCredentials::liveCount(), before + 1);
  }
  EXPECT_FALSE(MintedCredentials::find(key).has_value());
  EXPECT_EQ(MintedCredentials::liveCount(), before);

  MintedCredentials revoked;
  key = revoked.get().access_key_id;
  revoked.revoke();
  EXPECT_FALSE(MintedCredentials::find(key).has_value());
  revoked.revoke();  // twice is harmless
}

TEST(MintedCredentials, AMoveKeepsOneLease) {
  MintedCredentials a;
  std::string key = a.get().access_key_id;
  MintedCredentials b(std::move(a));
  EXPECT_TRUE(MintedCredentials::find(key).has_value());
  {
    MintedCredentials c;
    std::string other = c.get().access_key_id;
    c = std::move(b);  // c's own lease ends, b's moves in
    EXPECT_FALSE(MintedCredentials::find(other).has_value());
    EXPECT_TRUE(MintedCredentials::find(key).has_value());
  }
  EXPECT_FALSE(MintedCredentials::find(key).has_value());
}

TEST(MintedCredentials, MadeUpOnesAreNeverFound) {
  TemporaryCredentials made_up = madeUpCredentials();
  EXPECT_EQ(made_up.access_key_id.rfind("ASIA", 0), 0u);
  EXPECT_FALSE(MintedCredentials::find(made_up.access_key_id).has_value());
  MintedCredentials x, y;
  EXPECT_NE(x.get().access_key_id, y.get().access_key_id);
  EXPECT_NE(x.get().secret_access_key, y.get().secret_access_key);
}

}  // namespace
}  // namespace stratus
