// The server's one SQLite writer: a thread that owns the connection, so the loop never waits
// for a disk flush. The loop queues writes; the writer takes whatever is queued, commits it as
// one transaction (group commit: synchronous=FULL flushes the WAL once per COMMIT, so one fsync
// covers every write in the group) and posts each write's completion back to the loop, in
// queue order, once it is durable. A client answers its request from that completion, so an
// acknowledged change survives SIGKILL and power loss, while the loop goes on serving.
//
// Group commit without a flood costs nothing: a lone write is committed at once. Under load
// (writes were waiting when a commit finished), the writer lets the next group fill for up to
// `commit_delay` first, like PostgreSQL's commit_delay: fewer, larger transactions, so fewer
// fsyncs and fewer wake-ups of the loop, paid for with that much latency on a write that
// arrives in a flood.
//
// Writes come through a Chain: one client's ordered writes, each of which may build on state
// an earlier one produced (the client applies its changes in memory at once and writes them
// behind). When a write fails, nothing of its group is on disk, and every later write of the
// same chain fails too, unwritten, until the client has undone what it applied and called
// resume(): otherwise a later write could carry the effects of a failed one to disk.
//
// Threads: everything here is called on the loop thread; completions run on the loop thread.
// Nothing the writer thread runs throws across threads: errors come back as Status.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/db.h"
#include "runtime/base/error.h"
#include "runtime/base/loop.h"

namespace stratus {

struct DbStatement {
  std::string sql;
  std::vector<DbValue> params;  // ?1, ?2, ...
};

// A write's outcome on the loop: ok once durable, or a ServiceException saying why not.
using DbDone = std::function<void(Status)>;
// Makes a write's statements on the writer thread (see Chain::writeFrom).
using DbMake = std::function<std::vector<DbStatement>()>;

class DbWriter {
 public:
  // Measured on the 2-core reference VM under 3,000 creates/s: the warm invoke p50 rose about
  // 2x with no delay, 1.5x with 2 ms, 1.25x with 5 ms; 10 ms bought nothing more (the fsyncs
  // and loop wake-ups of small groups compete with invocations for the same two cores).
  static constexpr std::chrono::microseconds kCommitDelay{5000};

  // Startup, loop thread: opens (creating) the database and starts the writer thread. `loop`
  // must outlive the writer.
  static Result<std::unique_ptr<DbWriter>> open(
      Loop& loop, const std::string& path, std::chrono::microseconds commit_delay = kCommitDelay);
  // Commits everything queued, then joins the thread (blocks: shutdown only). Completions not
  // yet run on the loop are dropped with the loop's queue.
  ~DbWriter();
  DbWriter(const DbWriter&) = delete;
  DbWriter& operator=(const DbWriter&) = delete;

  // Startup only (schema, loading state), never on a request path: blocks the caller until
  // `fn` ran on the writer thread against the connection, after every write queued before it.
  // An exception from `fn` comes back as a ServiceException.
  Status runBlocking(std::function<Status(Db&)> fn);

  class Chain;
  std::unique_ptr<Chain> chain();

  // Transactions committed so far (any thread): with writes queued faster than the disk
  // flushes, far fewer than the writes.
  uint64_t commitCount() const;

  // At most this many writes share one transaction, so an early write's completion does not
  // wait behind an arbitrarily long queue.
  static constexpr size_t kMaxGroup = 512;

  struct Shared;  // the queue, shared with the writer thread and the chains
  struct Item;    // one queued write, resume or startup job

 private:
  explicit DbWriter(std::shared_ptr<Shared> shared);
  std::shared_ptr<Shared> shared_;
};

// One client's ordered writes (see the top of this file). Destroying a chain drops the
// completions not yet run (its queued writes still commit), so a client may go away while
// its writes are in flight. Loop thread only. May outlive the writer: writes queued after
// the writer stopped fail.
class DbWriter::Chain {
 public:
  ~Chain();
  Chain(const Chain&) = delete;
  Chain& operator=(const Chain&) = delete;

  // Queues `statements` to commit together (all or none, with whatever else is queued).
  // `done` runs on the loop: ok once they are durable, an error if they are not written. An
  // empty list writes nothing: `done` then says when every earlier write is durable.
  void write(std::vector<DbStatement> statements, DbDone done);
  // The same, with the statements made by `make` on the writer thread, in queue order: for
  // rows whose encoding would cost the loop (a JSON dump). `make` captures values only, and
  // an exception from it fails the write like an SQL error.
  void writeFrom(DbMake make, DbDone done);
  // After a failure: the client has undone its failed writes in memory, so the writes it
  // queues from now on are written again.
  void resume();

  struct State;  // loop-owned: whether completions are still wanted

 private:
  friend class DbWriter;
  Chain(std::shared_ptr<Shared> shared, uint64_t id);
  void push(Item& item);
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<State> state_;
  uint64_t id_;
};

}  // namespace stratus
