// The layers Stratus knows, durable in SQLite and mirrored in memory: the same pattern as
// FunctionRegistry (function_registry.h), one row per layer holding its whole LayerState.
//
// A change applies to memory at once; its row is queued on the DbWriter behind the earlier
// ones, and `durable` runs once it is committed (the caller answers from there, so an
// acknowledged publish survives SIGKILL). If a commit fails, that change and every later one
// not yet committed are undone in memory (newest first) and their `durable` callbacks get a
// ServiceException. A layer's row is never deleted: after its last version goes, it keeps the
// highest number given, so numbers are never reused. Loop thread only.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/db_writer.h"
#include "runtime/base/error.h"
#include "scheduler/layer_record.h"

namespace stratus::scheduler {

class LayerRegistry {
 public:
  using Durable = std::function<void(Status)>;

  // Startup: creates the schema if needed and loads every layer (blocking, on the writer).
  // `writer` must outlive the registry.
  static Result<std::unique_ptr<LayerRegistry>> open(DbWriter& writer);

  // nullptr when there is no such layer (unversioned ARN) or version.
  const LayerState* find(const std::string& layer_arn) const;
  const LayerVersionRecord* findVersion(const std::string& layer_arn, int64_t version) const;

  // Adds `record` as the layer's next version (creating the layer on first use) and returns
  // the number it got; `record.version` is ignored.
  int64_t publish(const std::string& layer_arn, const std::string& name,
                  LayerVersionRecord record, Durable durable);
  // Adds `record` under its own number (an imported foreign version); replaces one there.
  void import(const std::string& layer_arn, const std::string& name, LayerVersionRecord record,
              Durable durable);
  // Replaces an existing layer's state (a deleted version, a changed policy). NotFound if the
  // layer does not exist (then `durable` is never called).
  Status update(const LayerState& state, Durable durable);
  // `durable` runs once every change made so far is durable.
  void whenDurable(Durable durable);

  // Every layer, by ARN.
  const std::map<std::string, LayerState>& all() const { return layers_; }
  size_t pendingWrites() const { return pending_.size(); }

 private:
  struct Pending {
    std::string arn;                    // "" for whenDurable's marker
    std::optional<LayerState> before;  // nullopt: the layer did not exist
    bool undone = false;
  };

  explicit LayerRegistry(DbWriter& writer) : chain_(writer.chain()) {}
  void change(const LayerState& after, Durable durable);
  // A copy of the layer's state to change, or a new layer's (no versions yet).
  LayerState stateOf(const std::string& layer_arn, const std::string& name) const;
  void settle(const Status& committed, const Durable& durable);
  void undoPending();

  std::unique_ptr<DbWriter::Chain> chain_;
  std::map<std::string, LayerState> layers_;
  std::deque<Pending> pending_;
};

}  // namespace stratus::scheduler
