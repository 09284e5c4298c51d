// The functions Stratus knows, durable in SQLite and mirrored in memory for the hot path.
// One row per function holds its whole FunctionState, so a change commits atomically.
//
// Writes go through the DbWriter (runtime/base/db_writer.h), off the loop. A change applies to
// memory at once, so reads stay synchronous and every read-modify-write on the loop sees the
// changes before it (no lost updates, conflicts found at once); its row is queued behind the
// earlier ones, and `durable` runs once that row is committed: the caller answers its request
// from there, so an acknowledged change survives SIGKILL. Between the two, other requests may
// already see the change (an invocation may run it); its own requester has not been answered.
//
// If a commit fails, memory is put back to match the disk: that change and every later one not
// yet committed are undone (newest first), each of their `durable` callbacks gets a
// ServiceException, the undo listener hears of each function whose state went back, and later
// changes are written again. Loop thread only.
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
#include "scheduler/function_record.h"

namespace stratus::scheduler {

class FunctionRegistry {
 public:
  // Runs on the loop once the change is durable (ok) or was undone (ServiceException).
  using Durable = std::function<void(Status)>;
  // A failed commit put `name` back to what the disk holds (registry.find(name), or none);
  // `undone` is the state it had in memory before (nullptr: it did not exist). For whatever
  // was derived from the registry (concurrency totals, sandboxes) to follow.
  using UndoListener = std::function<void(const std::string& name, const FunctionState* undone)>;

  // Startup: creates the schema if needed and loads every function (blocking, on the writer).
  // `writer` must outlive the registry.
  static Result<std::unique_ptr<FunctionRegistry>> open(DbWriter& writer);

  // nullptr when there is no such function.
  const FunctionState* find(const std::string& name) const;

  // Applied in memory before they return; an error (Conflict if the name exists, NotFound if
  // it does not) changes nothing and never calls `durable`. `durable` may be empty.
  Status create(const FunctionState& state, Durable durable);
  Status update(const FunctionState& state, Durable durable);
  Status remove(const std::string& name, Durable durable);
  // For an answer that changes nothing yet claims a state (deleting what is already gone):
  // `durable` runs once every change made so far is durable.
  void whenDurable(Durable durable);

  void setUndoListener(UndoListener listener) { undo_listener_ = std::move(listener); }

  // Names in order, starting after `marker` ("" = from the start), at most `max_items`.
  std::vector<const FunctionState*> list(const std::string& marker, size_t max_items) const;
  size_t size() const { return functions_.size(); }
  // Σ reserved concurrency over all functions (the unreserved pool is the rest).
  int reservedConcurrencyTotal() const;
  // Changes applied in memory whose commit has not been reported yet.
  size_t pendingWrites() const { return pending_.size(); }

 private:
  // One change in flight: what memory held before it, to undo it if its commit fails.
  struct Pending {
    std::string name;                    // "" for whenDurable's marker
    std::optional<FunctionState> before;  // nullopt: the function did not exist
    bool undone = false;                  // memory already put back; the failure is on its way
  };

  explicit FunctionRegistry(DbWriter& writer) : chain_(writer.chain()) {}
  // Records `before`, queues the row's write (`after`, or its deletion when null), then applies
  // it in memory.
  void change(const std::string& name, const FunctionState* after, Durable durable);
  void settle(const Status& committed, const Durable& durable);
  void undoPending();

  std::unique_ptr<DbWriter::Chain> chain_;
  std::map<std::string, FunctionState> functions_;
  std::deque<Pending> pending_;  // in write order: completions arrive in the same order
  UndoListener undo_listener_;
};

}  // namespace stratus::scheduler
