#include "runtime/base/minted_credentials.h"

#include <openssl/rand.h>

#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "runtime/base/crypto.h"
#include "runtime/base/ids.h"

namespace stratus {

namespace {

struct Registry {
  std::mutex mutex;
  std::unordered_map<std::string, TemporaryCredentials> live;  // by access key id
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: sandboxes may outlive static teardown
  return *r;
}

// `digits` hex digits from OpenSSL's CSPRNG: these secrets authenticate, and randomHex()'s
// generator also makes request ids that every client sees.
std::string secureHex(size_t digits) {
  std::string raw((digits + 1) / 2, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1) {
    throw std::runtime_error("no random bytes for sandbox credentials");
  }
  return hexEncode(raw).substr(0, digits);
}

}  // namespace

TemporaryCredentials madeUpCredentials() {
  return {"ASIA" + randomHex(16), randomHex(40), randomHex(64)};
}

MintedCredentials::MintedCredentials()
    : credentials_{"ASIA" + secureHex(16), secureHex(40), secureHex(64)} {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  // 64 random bits of key id: a collision is as good as impossible, but never shadow a lease.
  while (r.live.count(credentials_.access_key_id)) credentials_.access_key_id = "ASIA" + secureHex(16);
  r.live.emplace(credentials_.access_key_id, credentials_);
  registered_ = true;
}

MintedCredentials::~MintedCredentials() { revoke(); }

MintedCredentials::MintedCredentials(MintedCredentials&& other) noexcept
    : credentials_(std::move(other.credentials_)), registered_(std::exchange(other.registered_, false)) {}

MintedCredentials& MintedCredentials::operator=(MintedCredentials&& other) noexcept {
  if (this != &other) {
    revoke();
    credentials_ = std::move(other.credentials_);
    registered_ = std::exchange(other.registered_, false);
  }
  return *this;
}

void MintedCredentials::revoke() {
  if (!registered_) return;
  registered_ = false;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.live.erase(credentials_.access_key_id);
}

std::optional<TemporaryCredentials> MintedCredentials::find(const std::string& access_key_id) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.live.find(access_key_id);
  if (it == r.live.end()) return std::nullopt;
  return it->second;
}

size_t MintedCredentials::liveCount() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.live.size();
}

}  // namespace stratus
