#include "triggers/async/event_invoke_configs.h"

#include "runtime/base/log.h"

namespace stratus::async {

namespace {
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS event_invoke_configs ("
    " function TEXT NOT NULL, qualifier TEXT NOT NULL, config TEXT NOT NULL,"
    " PRIMARY KEY (function, qualifier))";

template <typename T>
void optionalTo(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
template <typename T>
void optionalFrom(const nlohmann::json& j, const char* key, std::optional<T>& v) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) v = it->get<T>();
}
}  // namespace

void to_json(nlohmann::json& j, const EventInvokeConfig& c) {
  j = nlohmann::json::object();
  optionalTo(j, "max_retry_attempts", c.max_retry_attempts);
  optionalTo(j, "max_event_age_s", c.max_event_age_s);
  optionalTo(j, "on_success", c.on_success);
  optionalTo(j, "on_failure", c.on_failure);
  j["last_modified_ms"] = c.last_modified_ms;
}

void from_json(const nlohmann::json& j, EventInvokeConfig& c) {
  optionalFrom(j, "max_retry_attempts", c.max_retry_attempts);
  optionalFrom(j, "max_event_age_s", c.max_event_age_s);
  optionalFrom(j, "on_success", c.on_success);
  optionalFrom(j, "on_failure", c.on_failure);
  c.last_modified_ms = j.value("last_modified_ms", int64_t{0});
}

Result<std::unique_ptr<EventInvokeConfigs>> EventInvokeConfigs::open(DbWriter& writer) {
  std::unique_ptr<EventInvokeConfigs> configs(new EventInvokeConfigs(writer));
  auto* map = &configs->configs_;
  Status loaded = writer.runBlocking([map](Db& db) -> Status {
    Status schema = db.execScript(kSchema);
    if (!schema.ok()) return schema;
    return db.query("SELECT function, qualifier, config FROM event_invoke_configs", {},
                    [map](const DbRow& row) {
                      auto j = nlohmann::json::parse(row.text(2), nullptr, false);
                      if (!j.is_object()) return;
                      (*map)[{row.text(0), row.text(1)}] = j.get<EventInvokeConfig>();
                    });
  });
  if (!loaded.ok()) return loaded.error();
  return configs;
}

const EventInvokeConfig* EventInvokeConfigs::find(const std::string& function,
                                                  const std::string& qualifier) const {
  auto it = configs_.find({function, qualifier.empty() ? "$LATEST" : qualifier});
  return it == configs_.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::string, EventInvokeConfig>> EventInvokeConfigs::list(
    const std::string& function) const {
  std::vector<std::pair<std::string, EventInvokeConfig>> out;
  for (auto it = configs_.lower_bound({function, ""}); it != configs_.end() && it->first.first == function; ++it) {
    out.emplace_back(it->first.second, it->second);
  }
  return out;
}

void EventInvokeConfigs::write(std::vector<DbStatement> statements, Key key,
                               std::optional<EventInvokeConfig> before,
                               std::function<void(Status)> durable) {
  chain_->write(std::move(statements),
                [this, key = std::move(key), before = std::move(before),
                 durable = std::move(durable)](Status s) {
                  if (!s.ok()) {
                    // Undo in memory what did not reach the disk, then let later writes go.
                    if (before) configs_[key] = *before; else configs_.erase(key);
                    chain_->resume();
                  }
                  if (durable) durable(s);
                });
}

void EventInvokeConfigs::put(const std::string& function, const std::string& qualifier,
                             EventInvokeConfig config, std::function<void(Status)> durable) {
  Key key{function, qualifier};
  std::optional<EventInvokeConfig> before;
  if (auto it = configs_.find(key); it != configs_.end()) before = it->second;
  configs_[key] = config;
  write({{"INSERT OR REPLACE INTO event_invoke_configs (function, qualifier, config) VALUES (?1, ?2, ?3)",
          {function, qualifier, nlohmann::json(config).dump()}}},
        std::move(key), std::move(before), std::move(durable));
}

void EventInvokeConfigs::remove(const std::string& function, const std::string& qualifier,
                                std::function<void(Status)> durable) {
  Key key{function, qualifier};
  std::optional<EventInvokeConfig> before;
  if (auto it = configs_.find(key); it != configs_.end()) before = it->second;
  configs_.erase(key);
  write({{"DELETE FROM event_invoke_configs WHERE function = ?1 AND qualifier = ?2", {function, qualifier}}},
        std::move(key), std::move(before), std::move(durable));
}

void EventInvokeConfigs::forget(const std::string& function, const std::string& qualifier) {
  if (!qualifier.empty()) {
    if (!configs_.count({function, qualifier})) return;
    return remove(function, qualifier, [function](Status s) {
      if (!s.ok()) logWarn("event invoke config of " + function + " not deleted: " + s.error().message);
    });
  }
  for (const auto& [q, config] : list(function)) forget(function, q);
}

}  // namespace stratus::async
