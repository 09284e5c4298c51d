// The event invoke configs (LAMBDA.md §9): per function and qualifier ($LATEST, a version or an
// alias), how many times an asynchronous event is retried, how old it may grow, and where its
// outcome goes. Loop-owned, loaded at start, each change committed through the async database's
// writer before it is answered. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/base/db_writer.h"
#include "runtime/base/error.h"

namespace stratus::async {

struct EventInvokeConfig {
  std::optional<int> max_retry_attempts;     // unset: Lambda's default, 2
  std::optional<int> max_event_age_s;        // unset: 21600
  std::optional<std::string> on_success;     // a destination ARN
  std::optional<std::string> on_failure;
  int64_t last_modified_ms = 0;
};

void to_json(nlohmann::json& j, const EventInvokeConfig& c);
void from_json(const nlohmann::json& j, EventInvokeConfig& c);

class EventInvokeConfigs {
 public:
  using Key = std::pair<std::string, std::string>;  // function, qualifier ("$LATEST" if none)

  // Startup: creates the table and loads every config (blocks on the writer).
  static Result<std::unique_ptr<EventInvokeConfigs>> open(DbWriter& writer);

  const EventInvokeConfig* find(const std::string& function, const std::string& qualifier) const;
  // The function's configs, by qualifier.
  std::vector<std::pair<std::string, EventInvokeConfig>> list(const std::string& function) const;

  // Applies at once (readers see it), commits behind; `durable` runs once it is on disk. A
  // failed commit puts the previous value back before `durable` hears of it.
  void put(const std::string& function, const std::string& qualifier, EventInvokeConfig config,
           std::function<void(Status)> durable);
  void remove(const std::string& function, const std::string& qualifier,
              std::function<void(Status)> durable);
  // The function was deleted (every qualifier), or one of its versions or aliases.
  void forget(const std::string& function, const std::string& qualifier = "");

 private:
  explicit EventInvokeConfigs(DbWriter& writer) : chain_(writer.chain()) {}
  void write(std::vector<DbStatement> statements, Key key, std::optional<EventInvokeConfig> before,
             std::function<void(Status)> durable);

  std::unique_ptr<DbWriter::Chain> chain_;
  std::map<Key, EventInvokeConfig> configs_;
};

}  // namespace stratus::async
