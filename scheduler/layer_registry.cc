#include "scheduler/layer_registry.h"

#include "runtime/base/log.h"

namespace stratus::scheduler {

Result<std::unique_ptr<LayerRegistry>> LayerRegistry::open(DbWriter& writer) {
  std::unique_ptr<LayerRegistry> reg(new LayerRegistry(writer));
  std::map<std::string, LayerState> loaded;
  std::string bad;
  Status s = writer.runBlocking([&loaded, &bad](Db& db) -> Status {
    Status schema = db.execScript(
        "CREATE TABLE IF NOT EXISTS layers ("
        "  arn TEXT PRIMARY KEY,"
        "  state TEXT NOT NULL)");
    if (!schema.ok()) return schema;
    return db.query("SELECT arn, state FROM layers", {}, [&](const DbRow& row) {
      auto j = nlohmann::json::parse(row.text(1), nullptr, false);
      LayerState state;
      try {
        if (j.is_discarded()) throw std::runtime_error("not JSON");
        state = j.get<LayerState>();
      } catch (const std::exception&) {
        bad = row.text(0);
        return;
      }
      std::string arn = state.arn;
      loaded[arn] = std::move(state);
    });
  });
  if (!s.ok()) return s.error();
  if (!bad.empty()) return Error::service("corrupt layer record in the database: " + bad);
  reg->layers_ = std::move(loaded);
  return reg;
}

const LayerState* LayerRegistry::find(const std::string& layer_arn) const {
  auto it = layers_.find(layer_arn);
  return it == layers_.end() ? nullptr : &it->second;
}

const LayerVersionRecord* LayerRegistry::findVersion(const std::string& layer_arn,
                                                     int64_t version) const {
  const LayerState* layer = find(layer_arn);
  if (!layer) return nullptr;
  auto it = layer->versions.find(version);
  return it == layer->versions.end() ? nullptr : &it->second;
}

LayerState LayerRegistry::stateOf(const std::string& layer_arn, const std::string& name) const {
  if (const LayerState* now = find(layer_arn)) return *now;
  LayerState fresh;
  fresh.arn = layer_arn;
  fresh.name = name;
  return fresh;
}

int64_t LayerRegistry::publish(const std::string& layer_arn, const std::string& name,
                               LayerVersionRecord record, Durable durable) {
  LayerState state = stateOf(layer_arn, name);
  record.version = ++state.last_version;
  int64_t version = record.version;
  state.versions[version] = std::move(record);
  change(state, std::move(durable));
  return version;
}

void LayerRegistry::import(const std::string& layer_arn, const std::string& name,
                           LayerVersionRecord record, Durable durable) {
  LayerState state = stateOf(layer_arn, name);
  state.last_version = std::max(state.last_version, record.version);
  state.versions[record.version] = std::move(record);
  change(state, std::move(durable));
}

Status LayerRegistry::update(const LayerState& state, Durable durable) {
  if (!find(state.arn)) return Error::notFound("The resource you requested does not exist.");
  change(state, std::move(durable));
  return okStatus();
}

void LayerRegistry::change(const LayerState& after, Durable durable) {
  Pending p;
  p.arn = after.arn;
  if (const LayerState* now = find(after.arn)) p.before = *now;
  pending_.push_back(std::move(p));
  // The chain is ours: its completions stop when the registry goes, so `this` is safe there.
  auto settled = [this, durable = std::move(durable)](Status s) { settle(s, durable); };
  auto row = std::make_shared<const LayerState>(after);
  chain_->writeFrom(
      [row]() -> std::vector<DbStatement> {
        nlohmann::json j = *row;
        return {{"INSERT OR REPLACE INTO layers (arn, state) VALUES (?1, ?2)", {row->arn, j.dump()}}};
      },
      std::move(settled));
  layers_[after.arn] = after;
}

void LayerRegistry::settle(const Status& committed, const Durable& durable) {
  if (!pending_.empty()) {
    if (!committed.ok() && !pending_.front().undone) undoPending();
    pending_.pop_front();
  }
  if (durable) durable(committed);
}

void LayerRegistry::undoPending() {
  size_t count = 0;
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
    if (it->undone) continue;
    it->undone = true;
    ++count;
    if (it->arn.empty()) continue;
    if (it->before) {
      layers_[it->arn] = *it->before;
    } else {
      layers_.erase(it->arn);
    }
  }
  logError("layer registry: a commit failed; " + std::to_string(count) +
           " change(s) not yet committed were undone in memory");
  chain_->resume();
}

void LayerRegistry::whenDurable(Durable durable) {
  pending_.push_back(Pending{});
  chain_->write({}, [this, durable = std::move(durable)](Status s) { settle(s, durable); });
}

}  // namespace stratus::scheduler
