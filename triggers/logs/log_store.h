// The CloudWatch Logs store: log groups, their streams and events, kept in memory on the loop
// and written behind to SQLite (logs.db under the data dir, its own DbWriter), so the API
// answers from memory and a restart loads what was committed. Every invocation's lines arrive
// through record() (the scheduler's InvocationLogSink): group /aws/lambda/NAME, one stream per
// execution environment, events in ingestion order.
//
// Bounded: each group holds at most `group_max_bytes` of events (counted as CloudWatch counts
// a PutLogEvents batch: message bytes + 26 per event); past it the group's oldest streams (by
// creation time) are dropped whole, and when the stream being written is the only one left,
// its oldest events. Retention (PutRetentionPolicy) is enforced by a sweep on a timer that
// drops events older than the group's retention, and streams left empty.
//
// Durability: record() never waits (a log line is not acknowledged to anyone): its rows
// gather for up to kRecordFlushMs and go to the writer as one write, so a busy function costs
// one commit and one loop wake-up per batch, not per invocation (a crash loses at most that
// window of lines). API changes (CreateLogGroup, PutLogEvents, ...) go behind the gathered
// rows and answer once durable. A failed write is logged and the
// chain resumed: memory stays as it was, so the lines are served until the next restart.
// Loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/clock.h"
#include "runtime/base/db_writer.h"
#include "runtime/base/loop.h"
#include "scheduler/invocation_log_sink.h"

namespace stratus::logs {

struct LogEvent {
  int64_t seq = 0;  // store-wide ingestion order (also the eventId and the tokens' position)
  int64_t timestamp = 0;
  int64_t ingestion = 0;
  std::string message;
  uint64_t bytes() const { return message.size() + 26; }
};

struct LogStream {
  std::string name;
  int64_t creation_ms = 0;
  std::deque<LogEvent> events;  // ingestion order
  uint64_t bytes = 0;
  int64_t first_ts() const { return events.empty() ? 0 : events.front().timestamp; }
  int64_t last_ts() const;  // the latest timestamp
  int64_t last_ingestion() const { return events.empty() ? 0 : events.back().ingestion; }
};

struct LogGroup {
  std::string name;
  int64_t creation_ms = 0;
  std::optional<int> retention_days;
  std::map<std::string, LogStream> streams;  // by name (DescribeLogStreams' default order)
  uint64_t bytes = 0;
};

inline constexpr uint64_t kRecordFlushMs = 20;

struct LogStoreOptions {
  uint64_t group_max_bytes = 16ull << 20;
  int64_t sweep_interval_ms = 60 * 1000;  // retention sweep
};

class LogStore : public scheduler::InvocationLogSink {
 public:
  // Startup: creates the schema and loads every group (blocks on the writer: startup only).
  static Result<std::unique_ptr<LogStore>> open(Loop& loop, DbWriter& writer, const Clock& clock,
                                                LogStoreOptions options);
  ~LogStore() override;

  void record(scheduler::InvocationLog log) override;

  const std::map<std::string, LogGroup>& groups() const { return groups_; }
  const LogGroup* group(const std::string& name) const;

  // The API's changes, applied at once and answered by `durable` once committed.
  // false: the group exists already (createGroup) or does not (the others).
  bool createGroup(const std::string& name, DbDone durable);
  bool deleteGroup(const std::string& name, DbDone durable);
  bool setRetention(const std::string& name, std::optional<int> days, DbDone durable);
  // CreateLogStream: 0 created, 1 no such group, 2 the stream exists.
  int createStream(const std::string& group, const std::string& stream, DbDone durable);
  // 0 deleted, 1 no such group, 2 no such stream.
  int deleteStream(const std::string& group, const std::string& stream, DbDone durable);
  // PutLogEvents into an existing stream (the caller checked both exist).
  void append(const std::string& group, const std::string& stream, const std::vector<std::pair<int64_t, std::string>>& events,
              DbDone durable);

  // Drops events past their group's retention (the timer calls it; public for tests).
  void sweepRetention();
  int64_t nowMs() const { return clock_.nowMs(); }

 private:
  LogStore(Loop& loop, DbWriter& writer, const Clock& clock, LogStoreOptions options);
  Status load(Db& db);
  LogGroup& ensureGroup(const std::string& name, std::vector<DbStatement>& writes);
  LogStream& ensureStream(LogGroup& g, const std::string& name, std::vector<DbStatement>& writes);
  void appendEvents(LogGroup& g, LogStream& s, std::vector<std::pair<int64_t, std::string>> events,
                    std::vector<DbStatement>& writes);
  // Drops the group's oldest streams (or `keep`'s oldest events) until it fits the cap.
  void enforceCap(LogGroup& g, const std::string& keep, std::vector<DbStatement>& writes);
  void dropStream(LogGroup& g, const std::string& name, std::vector<DbStatement>& writes);
  // Queues `writes` behind the gathered rows (`durable` runs once all are committed).
  void commit(std::vector<DbStatement> writes, DbDone durable);
  void flushRecorded();

  const Clock& clock_;
  LogStoreOptions options_;
  std::unique_ptr<DbWriter::Chain> chain_;
  std::map<std::string, LogGroup> groups_;
  int64_t next_seq_ = 1;
  Timer sweeper_;
  std::vector<DbStatement> recorded_;  // record()'s rows not yet queued
  bool flush_armed_ = false;
  Timer flusher_;
};

}  // namespace stratus::logs
