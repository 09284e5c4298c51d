// SQLite, the embedded durable store: WAL journal, synchronous=FULL, so a committed statement
// is on disk and survives SIGKILL (and power loss). Not thread-safe: one thread at a time owns
// the connection. In the server that is the DbWriter's thread (db_writer.h), so the loop never
// waits for a commit's fsync; tests may use a Db directly.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/base/error.h"

namespace stratus {

using DbValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

// One result row; columns by index, in SELECT order.
class DbRow {
 public:
  explicit DbRow(sqlite3_stmt* stmt) : stmt_(stmt) {}
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string text(int col) const;
  bool isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_;
};

class Db {
 public:
  // Opens (creating) the database file and applies the pragmas above.
  static Result<std::unique_ptr<Db>> open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one statement with positional parameters (?1, ?2, ...).
  Status run(const std::string& sql, const std::vector<DbValue>& params = {});
  // Runs a query, calling on_row for each row.
  Status query(const std::string& sql, const std::vector<DbValue>& params,
               const std::function<void(const DbRow&)>& on_row);
  // Several statements separated by ';' with no parameters (schema setup).
  Status execScript(const std::string& sql);
  // Runs fn inside BEGIN IMMEDIATE / COMMIT; rolls back if fn's Status is an error.
  Status transaction(const std::function<Status()>& fn);

  int64_t changes() const { return sqlite3_changes(db_); }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  Result<sqlite3_stmt*> prepare(const std::string& sql);
  Error lastError(const std::string& what) const;

  sqlite3* db_;
  std::vector<std::pair<std::string, sqlite3_stmt*>> cache_;  // prepared statements by SQL
};

}  // namespace stratus
