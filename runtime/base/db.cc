#include "runtime/base/db.h"

namespace stratus {

std::string DbRow::text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

Result<std::unique_ptr<Db>> Db::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    if (raw) sqlite3_close(raw);
    return Error::service("cannot open database " + path + ": " + msg);
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_busy_timeout(raw, 5000);
  Status s = db->execScript(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (!s.ok()) return s.error();
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Error Db::lastError(const std::string& what) const {
  return Error::service(what + ": " + sqlite3_errmsg(db_));
}

Result<sqlite3_stmt*> Db::prepare(const std::string& sql) {
  for (auto& [text, stmt] : cache_) {
    if (text == sql) {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
      return stmt;
    }
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    return lastError("prepare failed");
  }
  cache_.emplace_back(sql, stmt);
  return stmt;
}

namespace {
void bindAll(sqlite3_stmt* stmt, const std::vector<DbValue>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    int idx = static_cast<int>(i + 1);
    const DbValue& v = params[i];
    if (std::holds_alternative<std::nullptr_t>(v)) {
      sqlite3_bind_null(stmt, idx);
    } else if (auto* n = std::get_if<int64_t>(&v)) {
      sqlite3_bind_int64(stmt, idx, *n);
    } else if (auto* d = std::get_if<double>(&v)) {
      sqlite3_bind_double(stmt, idx, *d);
    } else {
      const std::string& s = std::get<std::string>(v);
      sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
  }
}
}  // namespace

Status Db::run(const std::string& sql, const std::vector<DbValue>& params) {
  return query(sql, params, [](const DbRow&) {});
}

Status Db::query(const std::string& sql, const std::vector<DbValue>& params,
                 const std::function<void(const DbRow&)>& on_row) {
  auto stmt = prepare(sql);
  if (!stmt.ok()) return stmt.error();
  bindAll(*stmt, params);
  DbRow row(*stmt);
  for (;;) {
    int rc = sqlite3_step(*stmt);
    if (rc == SQLITE_ROW) {
      on_row(row);
    } else if (rc == SQLITE_DONE) {
      sqlite3_reset(*stmt);
      return okStatus();
    } else {
      Error e = lastError("statement failed");
      sqlite3_reset(*stmt);
      return e;
    }
  }
}

Status Db::execScript(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return Error::service("sql failed: " + msg);
  }
  return okStatus();
}

Status Db::transaction(const std::function<Status()>& fn) {
  Status begin = execScript("BEGIN IMMEDIATE");
  if (!begin.ok()) return begin;
  Status s = fn();
  if (!s.ok()) {
    execScript("ROLLBACK");
    return s;
  }
  return execScript("COMMIT");
}

}  // namespace stratus
