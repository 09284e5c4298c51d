#include "triggers/logs/log_store.h"

#include <algorithm>

#include "runtime/base/log.h"
#include "triggers/logs/log_lines.h"
#include "triggers/logs/platform_records.h"

namespace stratus::logs {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS log_groups ("
    "  name TEXT PRIMARY KEY, creation_ms INTEGER NOT NULL, retention_days INTEGER) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS log_streams ("
    "  grp TEXT NOT NULL, name TEXT NOT NULL, creation_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (grp, name)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS log_events ("
    "  seq INTEGER PRIMARY KEY, grp TEXT NOT NULL, stream TEXT NOT NULL, ts INTEGER NOT NULL,"
    "  ingestion INTEGER NOT NULL, message TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS log_events_by_stream ON log_events (grp, stream, seq)";

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

}  // namespace

int64_t LogStream::last_ts() const {
  int64_t t = 0;
  // Events are nearly in time order: the last few decide, but a late console timestamp may
  // sit earlier, so take the maximum of the tail.
  size_t n = 0;
  for (auto it = events.rbegin(); it != events.rend() && n < 16; ++it, ++n) t = std::max(t, it->timestamp);
  return t;
}

LogStore::LogStore(Loop& loop, DbWriter& writer, const Clock& clock, LogStoreOptions options)
    : clock_(clock), options_(options), chain_(writer.chain()), sweeper_(loop), flusher_(loop) {}

LogStore::~LogStore() {
  sweeper_.stop();
  flusher_.stop();
  flushRecorded();  // the writer commits what is queued before it stops
}

Result<std::unique_ptr<LogStore>> LogStore::open(Loop& loop, DbWriter& writer, const Clock& clock,
                                                 LogStoreOptions options) {
  std::unique_ptr<LogStore> store(new LogStore(loop, writer, clock, options));
  LogStore* raw = store.get();
  Status loaded = writer.runBlocking([raw](Db& db) { return raw->load(db); });
  if (!loaded.ok()) return loaded.error();
  if (options.sweep_interval_ms > 0) {
    uint64_t every = static_cast<uint64_t>(options.sweep_interval_ms);
    raw->sweeper_.start(every, [raw] { raw->sweepRetention(); }, every);
  }
  return store;
}

Status LogStore::load(Db& db) {
  Status schema = db.execScript(kSchema);
  if (!schema.ok()) return schema;
  Status s = db.query("SELECT name, creation_ms, retention_days FROM log_groups", {}, [this](const DbRow& r) {
    LogGroup g;
    g.name = r.text(0);
    g.creation_ms = r.integer(1);
    if (!r.isNull(2)) g.retention_days = static_cast<int>(r.integer(2));
    groups_[g.name] = std::move(g);
  });
  if (!s.ok()) return s;
  s = db.query("SELECT grp, name, creation_ms FROM log_streams", {}, [this](const DbRow& r) {
    auto g = groups_.find(r.text(0));
    if (g == groups_.end()) return;
    LogStream st;
    st.name = r.text(1);
    st.creation_ms = r.integer(2);
    g->second.streams[st.name] = std::move(st);
  });
  if (!s.ok()) return s;
  s = db.query("SELECT seq, grp, stream, ts, ingestion, message FROM log_events ORDER BY seq", {},
               [this](const DbRow& r) {
                 next_seq_ = std::max(next_seq_, r.integer(0) + 1);
                 auto g = groups_.find(r.text(1));
                 if (g == groups_.end()) return;
                 auto st = g->second.streams.find(r.text(2));
                 if (st == g->second.streams.end()) return;
                 LogEvent e{r.integer(0), r.integer(3), r.integer(4), r.text(5)};
                 st->second.bytes += e.bytes();
                 g->second.bytes += e.bytes();
                 st->second.events.push_back(std::move(e));
               });
  return s;
}

const LogGroup* LogStore::group(const std::string& name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : &it->second;
}

void LogStore::flushRecorded() {
  flush_armed_ = false;
  if (recorded_.empty()) return;
  std::vector<DbStatement> rows = std::move(recorded_);
  recorded_.clear();
  commit(std::move(rows), nullptr);
}

void LogStore::commit(std::vector<DbStatement> writes, DbDone durable) {
  if (!recorded_.empty()) {
    // Rows record() gathered come first: later changes may build on them (a drop, a delete).
    std::vector<DbStatement> all = std::move(recorded_);
    recorded_.clear();
    flusher_.stop();
    flush_armed_ = false;
    all.insert(all.end(), std::make_move_iterator(writes.begin()), std::make_move_iterator(writes.end()));
    writes = std::move(all);
  }
  if (writes.empty() && !durable) return;
  DbWriter::Chain* chain = chain_.get();
  chain_->write(std::move(writes), [chain, durable = std::move(durable)](Status s) {
    if (!s.ok()) {
      logWarn("logs: a write failed (" + s.error().message + "); the lines stay in memory only");
      chain->resume();
    }
    if (durable) durable(s);
  });
}

LogGroup& LogStore::ensureGroup(const std::string& name, std::vector<DbStatement>& writes) {
  auto it = groups_.find(name);
  if (it != groups_.end()) return it->second;
  LogGroup& g = groups_[name];
  g.name = name;
  g.creation_ms = clock_.nowMs();
  writes.push_back({"INSERT OR REPLACE INTO log_groups (name, creation_ms, retention_days) VALUES (?1, ?2, NULL)",
                    {name, g.creation_ms}});
  return g;
}

LogStream& LogStore::ensureStream(LogGroup& g, const std::string& name, std::vector<DbStatement>& writes) {
  auto it = g.streams.find(name);
  if (it != g.streams.end()) return it->second;
  LogStream& s = g.streams[name];
  s.name = name;
  s.creation_ms = clock_.nowMs();
  writes.push_back({"INSERT OR REPLACE INTO log_streams (grp, name, creation_ms) VALUES (?1, ?2, ?3)",
                    {g.name, name, s.creation_ms}});
  return s;
}

void LogStore::appendEvents(LogGroup& g, LogStream& s, std::vector<std::pair<int64_t, std::string>> events,
                            std::vector<DbStatement>& writes) {
  int64_t now = clock_.nowMs();
  for (auto& [ts, message] : events) {
    LogEvent e{next_seq_++, ts, now, std::move(message)};
    writes.push_back({"INSERT INTO log_events (seq, grp, stream, ts, ingestion, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                      {e.seq, g.name, s.name, e.timestamp, e.ingestion, e.message}});
    s.bytes += e.bytes();
    g.bytes += e.bytes();
    s.events.push_back(std::move(e));
  }
  enforceCap(g, s.name, writes);
}

void LogStore::dropStream(LogGroup& g, const std::string& name, std::vector<DbStatement>& writes) {
  auto it = g.streams.find(name);
  if (it == g.streams.end()) return;
  g.bytes -= it->second.bytes;
  g.streams.erase(it);
  writes.push_back({"DELETE FROM log_events WHERE grp = ?1 AND stream = ?2", {g.name, name}});
  writes.push_back({"DELETE FROM log_streams WHERE grp = ?1 AND name = ?2", {g.name, name}});
}

void LogStore::enforceCap(LogGroup& g, const std::string& keep, std::vector<DbStatement>& writes) {
  while (g.bytes > options_.group_max_bytes) {
    const LogStream* oldest = nullptr;
    for (const auto& [name, s] : g.streams) {
      if (name == keep) continue;
      if (!oldest || s.creation_ms < oldest->creation_ms) oldest = &s;
    }
    if (oldest) {
      dropStream(g, oldest->name, writes);
      continue;
    }
    // Only the stream being written is left: its oldest events go (never its newest one).
    LogStream& s = g.streams.at(keep);
    int64_t upto = 0;
    while (g.bytes > options_.group_max_bytes && s.events.size() > 1) {
      uint64_t b = s.events.front().bytes();
      upto = s.events.front().seq;
      s.bytes -= b;
      g.bytes -= b;
      s.events.pop_front();
    }
    if (upto) {
      writes.push_back({"DELETE FROM log_events WHERE grp = ?1 AND stream = ?2 AND seq <= ?3", {g.name, keep, upto}});
    }
    break;
  }
}

void LogStore::record(scheduler::InvocationLog log) {
  std::vector<TimedLine> lines = timedLines(log.text, log.start_ms, log.end_ms);
  if (log.json_format) lines = asJsonPlatformRecords(std::move(lines), log.system_log_level);
  if (lines.empty()) return;
  const std::string& stream = log.log_stream;
  std::vector<DbStatement> writes;
  LogGroup& g = ensureGroup(log.log_group, writes);
  LogStream& s = ensureStream(g, stream, writes);
  std::vector<std::pair<int64_t, std::string>> events;
  events.reserve(lines.size());
  for (TimedLine& l : lines) events.emplace_back(l.timestamp, std::move(l.message));
  appendEvents(g, s, std::move(events), writes);
  recorded_.insert(recorded_.end(), std::make_move_iterator(writes.begin()), std::make_move_iterator(writes.end()));
  if (!flush_armed_) {
    flush_armed_ = true;
    flusher_.start(kRecordFlushMs, [this] { flushRecorded(); });
  }
}

bool LogStore::createGroup(const std::string& name, DbDone durable) {
  if (groups_.count(name)) return false;
  std::vector<DbStatement> writes;
  ensureGroup(name, writes);
  commit(std::move(writes), std::move(durable));
  return true;
}

bool LogStore::deleteGroup(const std::string& name, DbDone durable) {
  if (!groups_.erase(name)) return false;
  commit({{"DELETE FROM log_events WHERE grp = ?1", {name}},
          {"DELETE FROM log_streams WHERE grp = ?1", {name}},
          {"DELETE FROM log_groups WHERE name = ?1", {name}}},
         std::move(durable));
  return true;
}

bool LogStore::setRetention(const std::string& name, std::optional<int> days, DbDone durable) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return false;
  it->second.retention_days = days;
  std::vector<DbValue> params{name, nullptr};
  if (days) params[1] = int64_t{*days};
  commit({{"UPDATE log_groups SET retention_days = ?2 WHERE name = ?1", std::move(params)}}, std::move(durable));
  return true;
}

int LogStore::createStream(const std::string& group, const std::string& stream, DbDone durable) {
  auto it = groups_.find(group);
  if (it == groups_.end()) return 1;
  if (it->second.streams.count(stream)) return 2;
  std::vector<DbStatement> writes;
  ensureStream(it->second, stream, writes);
  commit(std::move(writes), std::move(durable));
  return 0;
}

int LogStore::deleteStream(const std::string& group, const std::string& stream, DbDone durable) {
  auto it = groups_.find(group);
  if (it == groups_.end()) return 1;
  if (!it->second.streams.count(stream)) return 2;
  std::vector<DbStatement> writes;
  dropStream(it->second, stream, writes);
  commit(std::move(writes), std::move(durable));
  return 0;
}

void LogStore::append(const std::string& group, const std::string& stream,
                      const std::vector<std::pair<int64_t, std::string>>& events, DbDone durable) {
  std::vector<DbStatement> writes;
  LogGroup& g = groups_.at(group);
  appendEvents(g, g.streams.at(stream), events, writes);
  commit(std::move(writes), std::move(durable));
}

void LogStore::sweepRetention() {
  int64_t now = clock_.nowMs();
  std::vector<DbStatement> writes;
  for (auto& [gname, g] : groups_) {
    if (!g.retention_days) continue;
    int64_t cutoff = now - static_cast<int64_t>(*g.retention_days) * kDayMs;
    std::vector<std::string> emptied;
    for (auto& [sname, s] : g.streams) {
      bool any_old = std::any_of(s.events.begin(), s.events.end(),
                                 [cutoff](const LogEvent& e) { return e.timestamp < cutoff; });
      if (!any_old) continue;
      size_t before = s.events.size();
      // Events are kept in ingestion order, not time order: filter them all.
      std::deque<LogEvent> kept;
      for (LogEvent& e : s.events) {
        if (e.timestamp < cutoff) {
          s.bytes -= e.bytes();
          g.bytes -= e.bytes();
        } else {
          kept.push_back(std::move(e));
        }
      }
      s.events = std::move(kept);
      if (s.events.size() != before) {
        writes.push_back({"DELETE FROM log_events WHERE grp = ?1 AND stream = ?2 AND ts < ?3", {gname, sname, cutoff}});
      }
      if (s.events.empty() && before > 0) emptied.push_back(sname);
    }
    for (const std::string& sname : emptied) dropStream(g, sname, writes);
  }
  if (!writes.empty()) commit(std::move(writes), nullptr);
}

}  // namespace stratus::logs
