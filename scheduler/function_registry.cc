#include "scheduler/function_registry.h"

#include "runtime/base/log.h"

namespace stratus::scheduler {

Result<std::unique_ptr<FunctionRegistry>> FunctionRegistry::open(DbWriter& writer) {
  std::unique_ptr<FunctionRegistry> reg(new FunctionRegistry(writer));
  std::map<std::string, FunctionState> loaded;
  std::string bad;
  // On the writer thread, while this (startup) thread waits for it.
  Status s = writer.runBlocking([&loaded, &bad](Db& db) -> Status {
    Status schema = db.execScript(
        "CREATE TABLE IF NOT EXISTS functions ("
        "  name TEXT PRIMARY KEY,"
        "  config TEXT NOT NULL)");
    if (!schema.ok()) return schema;
    return db.query("SELECT name, config FROM functions", {}, [&](const DbRow& row) {
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
      loaded[name] = std::move(state);
    });
  });
  if (!s.ok()) return s.error();
  if (!bad.empty()) return Error::service("corrupt function record in the database: " + bad);
  reg->functions_ = std::move(loaded);
  return reg;
}

const FunctionState* FunctionRegistry::find(const std::string& name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

void FunctionRegistry::change(const std::string& name, const FunctionState* after,
                              Durable durable) {
  Pending p;
  p.name = name;
  if (auto it = functions_.find(name); it != functions_.end()) p.before = it->second;
  pending_.push_back(std::move(p));
  // The chain is ours: its completions stop when the registry goes, so `this` is safe there.
  auto settled = [this, durable = std::move(durable)](Status s) { settle(s, durable); };
  if (!after) {
    chain_->write({{"DELETE FROM functions WHERE name = ?1", {name}}}, std::move(settled));
    functions_.erase(name);
    return;
  }
  // The row is encoded on the writer thread, from a copy: a JSON dump costs the loop more.
  auto row = std::make_shared<const FunctionState>(*after);
  chain_->writeFrom(
      [row]() -> std::vector<DbStatement> {
        nlohmann::json j = *row;
        return {{"INSERT OR REPLACE INTO functions (name, config) VALUES (?1, ?2)",
                 {row->name(), j.dump()}}};
      },
      std::move(settled));
  functions_[name] = *after;
}

void FunctionRegistry::settle(const Status& committed, const Durable& durable) {
  // Completions come in write order, so this one is the oldest pending change.
  if (!pending_.empty()) {
    if (!committed.ok() && !pending_.front().undone) undoPending();
    pending_.pop_front();
  }
  if (durable) durable(committed);
}

// The oldest pending change failed: neither it nor any later one (the writer refuses them
// until we resume) reaches the disk, so all of them are undone, newest first.
void FunctionRegistry::undoPending() {
  std::map<std::string, std::optional<FunctionState>> undone;  // memory before the undo
  size_t count = 0;
  for (const Pending& p : pending_) {
    if (p.undone || p.name.empty() || undone.count(p.name)) continue;
    const FunctionState* now = find(p.name);
    undone[p.name] = now ? std::optional<FunctionState>(*now) : std::nullopt;
  }
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
    if (it->undone) continue;
    it->undone = true;
    ++count;
    if (it->name.empty()) continue;
    if (it->before) {
      functions_[it->name] = *it->before;
    } else {
      functions_.erase(it->name);
    }
  }
  logError("function registry: a commit failed; " + std::to_string(count) +
           " change(s) not yet committed were undone in memory");
  chain_->resume();
  if (!undo_listener_) return;
  for (const auto& [name, state] : undone) undo_listener_(name, state ? &*state : nullptr);
}

Status FunctionRegistry::create(const FunctionState& state, Durable durable) {
  if (functions_.count(state.name())) {
    return Error::conflict("Function already exist: " + state.name());
  }
  change(state.name(), &state, std::move(durable));
  return okStatus();
}

Status FunctionRegistry::update(const FunctionState& state, Durable durable) {
  if (!functions_.count(state.name())) {
    return Error::notFound("Function not found: " + state.name());
  }
  change(state.name(), &state, std::move(durable));
  return okStatus();
}

Status FunctionRegistry::remove(const std::string& name, Durable durable) {
  if (!functions_.count(name)) return Error::notFound("Function not found: " + name);
  change(name, nullptr, std::move(durable));
  return okStatus();
}

void FunctionRegistry::whenDurable(Durable durable) {
  pending_.push_back(Pending{});
  chain_->write({}, [this, durable = std::move(durable)](Status s) { settle(s, durable); });
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
