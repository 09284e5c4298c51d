// The functions Stratus knows, durable in SQLite and mirrored in memory for the hot path.
// One row per function holds its whole FunctionState, so a change commits atomically; a write
// returns only after SQLite committed it, so an acknowledged change survives SIGKILL.
// Loop thread only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/db.h"
#include "runtime/base/error.h"
#include "scheduler/function_record.h"

namespace stratus::scheduler {

class FunctionRegistry {
 public:
  // Creates the schema if needed and loads every function.
  static Result<std::unique_ptr<FunctionRegistry>> open(Db& db);

  // nullptr when there is no such function.
  const FunctionState* find(const std::string& name) const;

  Status create(const FunctionState& state);  // Conflict if the name exists
  Status update(const FunctionState& state);  // NotFound if it does not
  Status remove(const std::string& name);     // NotFound if it does not

  // Names in order, starting after `marker` ("" = from the start), at most `max_items`.
  std::vector<const FunctionState*> list(const std::string& marker, size_t max_items) const;
  size_t size() const { return functions_.size(); }
  // Σ reserved concurrency over all functions (the unreserved pool is the rest).
  int reservedConcurrencyTotal() const;

 private:
  explicit FunctionRegistry(Db& db) : db_(db) {}
  Status persist(const FunctionState& state);

  Db& db_;
  std::map<std::string, FunctionState> functions_;
};

}  // namespace stratus::scheduler
