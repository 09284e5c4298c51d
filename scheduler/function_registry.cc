#include "scheduler/function_registry.h"

namespace stratus::scheduler {

Result<std::unique_ptr<FunctionRegistry>> FunctionRegistry::open(Db& db) {
  Status s = db.execScript(
      "CREATE TABLE IF NOT EXISTS functions ("
      "  name TEXT PRIMARY KEY,"
      "  config TEXT NOT NULL)");
  if (!s.ok()) return s.error();
  std::unique_ptr<FunctionRegistry> reg(new FunctionRegistry(db));
  std::string bad;
  s = db.query("SELECT name, config FROM functions", {}, [&](const DbRow& row) {
    auto j = nlohmann::json::parse(row.text(1), nullptr, false);
    FunctionState state;
    try {
      if (j.is_discarded()) throw std::runtime_error("not JSON");
      state = j.get<FunctionState>();
    } catch (const std::exception&) {
      bad = row.text(0);
      return;
    }
    std::string name = state.name();
    reg->functions_[name] = std::move(state);
  });
  if (!s.ok()) return s.error();
  if (!bad.empty()) return Error::service("corrupt function record in the database: " + bad);
  return reg;
}

const FunctionState* FunctionRegistry::find(const std::string& name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

Status FunctionRegistry::persist(const FunctionState& state) {
  nlohmann::json j = state;
  return db_.run("INSERT OR REPLACE INTO functions (name, config) VALUES (?1, ?2)",
                 {state.name(), j.dump()});
}

Status FunctionRegistry::create(const FunctionState& state) {
  if (functions_.count(state.name())) {
    return Error::conflict("Function already exist: " + state.name());
  }
  Status s = persist(state);
  if (!s.ok()) return s;
  functions_[state.name()] = state;
  return okStatus();
}

Status FunctionRegistry::update(const FunctionState& state) {
  if (!functions_.count(state.name())) {
    return Error::notFound("Function not found: " + state.name());
  }
  Status s = persist(state);
  if (!s.ok()) return s;
  functions_[state.name()] = state;
  return okStatus();
}

Status FunctionRegistry::remove(const std::string& name) {
  if (!functions_.count(name)) return Error::notFound("Function not found: " + name);
  Status s = db_.run("DELETE FROM functions WHERE name = ?1", {name});
  if (!s.ok()) return s;
  functions_.erase(name);
  return okStatus();
}

std::vector<const FunctionState*> FunctionRegistry::list(const std::string& marker,
                                                         size_t max_items) const {
  std::vector<const FunctionState*> out;
  auto it = marker.empty() ? functions_.begin() : functions_.upper_bound(marker);
  for (; it != functions_.end() && out.size() < max_items; ++it) out.push_back(&it->second);
  return out;
}

int FunctionRegistry::reservedConcurrencyTotal() const {
  int total = 0;
  for (const auto& [name, state] : functions_) total += state.reserved_concurrency.value_or(0);
  return total;
}

}  // namespace stratus::scheduler
