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
    if (j.is_discarded()) {
      bad = row.text(0);
      return;
    }
    FunctionRecord r = j.get<FunctionRecord>();
    reg->functions_[r.name] = std::move(r);
  });
  if (!s.ok()) return s.error();
  if (!bad.empty()) return Error::service("corrupt function record in the database: " + bad);
  return reg;
}

const FunctionRecord* FunctionRegistry::find(const std::string& name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

Status FunctionRegistry::persist(const FunctionRecord& record) {
  nlohmann::json j = record;
  return db_.run("INSERT OR REPLACE INTO functions (name, config) VALUES (?1, ?2)",
                 {record.name, j.dump()});
}

Status FunctionRegistry::create(const FunctionRecord& record) {
  if (functions_.count(record.name)) {
    return Error::conflict("Function already exist: " + record.name);
  }
  Status s = persist(record);
  if (!s.ok()) return s;
  functions_[record.name] = record;
  return okStatus();
}

Status FunctionRegistry::update(const FunctionRecord& record) {
  if (!functions_.count(record.name)) return Error::notFound("Function not found: " + record.name);
  Status s = persist(record);
  if (!s.ok()) return s;
  functions_[record.name] = record;
  return okStatus();
}

Status FunctionRegistry::remove(const std::string& name) {
  if (!functions_.count(name)) return Error::notFound("Function not found: " + name);
  Status s = db_.run("DELETE FROM functions WHERE name = ?1", {name});
  if (!s.ok()) return s;
  functions_.erase(name);
  return okStatus();
}

std::vector<const FunctionRecord*> FunctionRegistry::list(const std::string& marker,
                                                          size_t max_items) const {
  std::vector<const FunctionRecord*> out;
  auto it = marker.empty() ? functions_.begin() : functions_.upper_bound(marker);
  for (; it != functions_.end() && out.size() < max_items; ++it) out.push_back(&it->second);
  return out;
}

}  // namespace stratus::scheduler
