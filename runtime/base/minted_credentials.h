// Temporary credentials Stratus makes up for each sandbox, as Lambda hands each execution
// environment its role's session credentials. They are remembered while their sandbox lives,
// so that an exposed server's SigV4 verifier (triggers/exposure.h) accepts a function's own
// SDK calls back to Stratus, and only those: a made-up key, a key whose sandbox is gone, or a
// key with another session token is refused. The server's own credentials never reach a
// function. Any thread (a mutex guards the registry; it is touched once per sandbox start and
// per signed request that names a minted key).
#pragma once

#include <optional>
#include <string>

namespace stratus {

struct TemporaryCredentials {
  std::string access_key_id;      // "ASIA" + 16 hex digits, as STS's temporary keys look
  std::string secret_access_key;  // 40 hex digits
  std::string session_token;      // 64 hex digits; requests must carry it (X-Amz-Security-Token)
};

// One sandbox's credentials: minted and registered on construction, forgotten on revoke() or
// destruction. Not copyable (each lease is one sandbox's), movable.
class MintedCredentials {
 public:
  MintedCredentials();
  ~MintedCredentials();
  MintedCredentials(MintedCredentials&& other) noexcept;
  MintedCredentials& operator=(MintedCredentials&& other) noexcept;
  MintedCredentials(const MintedCredentials&) = delete;
  MintedCredentials& operator=(const MintedCredentials&) = delete;

  const TemporaryCredentials& get() const { return credentials_; }
  // Forgets them now (the sandbox died); later lookups of the key find nothing.
  void revoke();

  // The live credentials with this access key id, if any.
  static std::optional<TemporaryCredentials> find(const std::string& access_key_id);
  // How many are live (tests and metrics).
  static size_t liveCount();

 private:
  TemporaryCredentials credentials_;
  bool registered_ = false;
};

// Unregistered credentials of the same shape, for sandboxes that cannot call out (isolates)
// and for tests: no verifier accepts them.
TemporaryCredentials madeUpCredentials();

}  // namespace stratus
