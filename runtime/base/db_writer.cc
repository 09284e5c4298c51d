#include "runtime/base/db_writer.h"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <utility>

#include "runtime/base/fault_boundary.h"
#include "runtime/base/log.h"

namespace stratus {

// Loop thread only: a completion runs only while its chain is alive.
struct DbWriter::Chain::State {
  bool wanted = true;
};

namespace {
enum class Kind { kWrite, kResume, kBlocking };
}  // namespace

struct DbWriter::Item {
  Kind kind = Kind::kWrite;
  uint64_t chain = 0;
  std::shared_ptr<DbWriter::Chain::State> owner;  // dereferenced on the loop only
  std::vector<DbStatement> statements;
  DbMake make;  // when set, makes `statements` on the writer thread
  DbDone done;
  std::function<Status(Db&)> blocking;
  std::promise<Status>* blocking_result = nullptr;
};

namespace {

using Item = DbWriter::Item;

struct Completion {
  std::shared_ptr<DbWriter::Chain::State> owner;
  DbDone done;
  Status status = okStatus();
};

// Loop thread: runs the completions of one group, in order. A throwing completion is logged
// and the others still run (this is a posted task: nothing may escape it).
void deliver(std::vector<Completion>& completions) {
  for (Completion& c : completions) {
    if (!c.owner || !c.owner->wanted || !c.done) continue;
    guarded(fault_site::kDbWriterDone, "database write completion", [&] {
      injectFault(fault_site::kDbWriterDone);
      c.done(std::move(c.status));
    });
    c.done = nullptr;  // its captures (a request waiting for this commit) die in this turn
  }
}

// Writer thread only: turns a batch of queued items into transactions.
class GroupCommitter {
 public:
  GroupCommitter(Db& db, Loop& loop, std::atomic<uint64_t>& commits)
      : db_(db), loop_(loop), commits_(commits) {}

  void process(std::deque<Item>& batch) {
    for (Item& item : batch) {
      try {
        handle(item);
      } catch (const std::exception& e) {
        abandon(item, Error::service(std::string("database writer: ") + e.what()));
      } catch (...) {
        abandon(item, Error::service("database writer: unknown failure"));
      }
    }
    finishGroup();
    post();
  }

 private:
  void handle(Item& item) {
    switch (item.kind) {
      case Kind::kResume:
        poisoned_.erase(item.chain);
        return;
      case Kind::kBlocking: {
        finishGroup();
        post();
        Status s = okStatus();
        try {
          s = item.blocking(db_);
        } catch (const std::exception& e) {
          s = Error::service(std::string("database startup work threw: ") + e.what());
        }
        item.blocking_result->set_value(std::move(s));
        item.blocking_result = nullptr;
        return;
      }
      case Kind::kWrite:
        add(item);
        if (members_.size() >= DbWriter::kMaxGroup) {
          finishGroup();
          post();
        }
        return;
    }
  }

  void add(Item& item) {
    out_.push_back({std::move(item.owner), std::move(item.done), okStatus()});
    const size_t index = out_.size() - 1;
    if (poisoned_.count(item.chain)) {
      out_[index].status =
          Error::service("Not written: an earlier write to the database failed.");
      return;
    }
    if (!open_) {
      Status begun = db_.execScript("BEGIN IMMEDIATE");
      if (!begun.ok()) {
        out_[index].status = failure(begun.error());
        poisoned_.insert(item.chain);
        return;
      }
      open_ = true;
    }
    members_.push_back(index);
    member_chains_.push_back(item.chain);
    if (item.make) item.statements = item.make();  // a throw: abandon() fails the group
    for (const DbStatement& st : item.statements) {
      Status s = db_.run(st.sql, st.params);
      if (!s.ok()) return failGroup(s.error());
    }
  }

  // COMMIT returns once the WAL is flushed (synchronous=FULL): the group is durable.
  void finishGroup() {
    if (!open_) return;
    Status s = db_.execScript("COMMIT");
    if (!s.ok()) return failGroup(s.error());
    commits_.fetch_add(1, std::memory_order_relaxed);
    open_ = false;
    members_.clear();
    member_chains_.clear();
    final_ = out_.size();
  }

  // Nothing of the open group is on disk: each member fails, and so does every later write
  // of the members' chains until they resume.
  void failGroup(const Error& e) {
    if (open_) db_.execScript("ROLLBACK");  // after a failed COMMIT there may be none: ignored
    open_ = false;
    for (size_t index : members_) out_[index].status = failure(e);
    for (uint64_t chain : member_chains_) poisoned_.insert(chain);
    members_.clear();
    member_chains_.clear();
    final_ = out_.size();
  }

  // An exception while handling `item` (only allocation failures can throw here): the open
  // group is rolled back, and whatever of it was not yet final fails.
  void abandon(Item& item, const Error& e) {
    for (size_t i = final_; i < out_.size(); ++i) {
      if (out_[i].status.ok()) out_[i].status = e;
    }
    failGroup(e);
    if (item.kind == Kind::kBlocking && item.blocking_result) {
      item.blocking_result->set_value(e);
      item.blocking_result = nullptr;
    } else if (item.kind == Kind::kWrite && item.done) {
      out_.push_back({std::move(item.owner), std::move(item.done), e});
      poisoned_.insert(item.chain);
    }
  }

  static Error failure(const Error& e) {
    return Error::service("The change could not be saved: " + e.message);
  }

  void post() {
    if (out_.empty()) return;
    auto completions = std::make_shared<std::vector<Completion>>(std::move(out_));
    out_.clear();
    final_ = 0;
    loop_.post([completions] { deliver(*completions); });
  }

  Db& db_;
  Loop& loop_;
  std::atomic<uint64_t>& commits_;
  std::unordered_set<uint64_t> poisoned_;  // chains whose writes fail until they resume
  bool open_ = false;                      // inside BEGIN ... COMMIT
  std::vector<size_t> members_;            // the open group's writes, as indexes into out_
  std::vector<uint64_t> member_chains_;
  std::vector<Completion> out_;  // completions not yet posted, in queue order
  size_t final_ = 0;             // out_[0, final_) have their final status (committed or failed)
};

}  // namespace

struct DbWriter::Shared {
  explicit Shared(Loop& l) : loop(l) {}
  Loop& loop;
  std::unique_ptr<Db> db;  // touched by the writer thread only (and freed after it joined)
  std::thread thread;
  std::mutex mu;
  std::condition_variable wake;
  std::deque<Item> queue;  // guarded by mu
  size_t blocking_queued = 0;  // guarded by mu: runBlocking callers waiting, never delayed
  bool idle = false;       // guarded by mu: the writer waits for work (not in a commit delay)
  bool stopping = false;   // guarded by mu
  std::chrono::microseconds commit_delay{0};
  uint64_t next_chain = 1;  // guarded by mu
  std::atomic<uint64_t> commits{0};

  // Any thread. False once the writer is stopping (the item is left untouched).
  bool enqueue(Item& item) {
    bool notify;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping) return false;
      if (item.kind == Kind::kBlocking) ++blocking_queued;
      queue.push_back(std::move(item));
      // During a commit delay the writer wakes only when the group is full: one wake-up per
      // group, not one per write.
      notify = idle || blocking_queued > 0 || queue.size() >= DbWriter::kMaxGroup;
    }
    if (notify) wake.notify_one();
    return true;
  }

  void run() {
    GroupCommitter committer(*db, loop, commits);
    bool flooded = false;  // writes were waiting when the last batch was done
    for (;;) {
      std::deque<Item> batch;
      {
        std::unique_lock<std::mutex> lock(mu);
        idle = true;
        wake.wait(lock, [&] { return !queue.empty() || stopping; });
        idle = false;
        if (queue.empty()) return;  // stopping, and everything queued is committed
        if (flooded && commit_delay.count() > 0) {
          // Let the group fill (see the top of db_writer.h).
          wake.wait_for(lock, commit_delay, [&] {
            return stopping || blocking_queued > 0 || queue.size() >= DbWriter::kMaxGroup;
          });
        }
        batch.swap(queue);
        blocking_queued = 0;
      }
      committer.process(batch);
      std::lock_guard<std::mutex> lock(mu);
      flooded = !queue.empty();
    }
  }
};

Result<std::unique_ptr<DbWriter>> DbWriter::open(Loop& loop, const std::string& path,
                                                std::chrono::microseconds commit_delay) {
  auto db = Db::open(path);
  if (!db.ok()) return db.error();
  auto shared = std::make_shared<Shared>(loop);
  shared->commit_delay = commit_delay;
  shared->db = std::move(db).value();
  std::unique_ptr<DbWriter> writer(new DbWriter(shared));
  Shared* raw = shared.get();  // the thread is joined before `shared` can go
  shared->thread = std::thread([raw] {
    pthread_setname_np(pthread_self(), "stratus-db");  // what top -H and gdb show
    raw->run();
  });
  return writer;
}

DbWriter::DbWriter(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

DbWriter::~DbWriter() {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->stopping = true;
  }
  shared_->wake.notify_one();
  if (shared_->thread.joinable()) shared_->thread.join();
  shared_->db.reset();
}

Status DbWriter::runBlocking(std::function<Status(Db&)> fn) {
  std::promise<Status> result;
  std::future<Status> future = result.get_future();
  Item item;
  item.kind = Kind::kBlocking;
  item.blocking = std::move(fn);
  item.blocking_result = &result;
  if (!shared_->enqueue(item)) return Error::service("The database writer has stopped.");
  return future.get();
}

uint64_t DbWriter::commitCount() const {
  return shared_->commits.load(std::memory_order_relaxed);
}

std::unique_ptr<DbWriter::Chain> DbWriter::chain() {
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    id = shared_->next_chain++;
  }
  return std::unique_ptr<Chain>(new Chain(shared_, id));
}

DbWriter::Chain::Chain(std::shared_ptr<Shared> shared, uint64_t id)
    : shared_(std::move(shared)), state_(std::make_shared<State>()), id_(id) {}

DbWriter::Chain::~Chain() { state_->wanted = false; }

void DbWriter::Chain::write(std::vector<DbStatement> statements, DbDone done) {
  Item item;
  item.kind = Kind::kWrite;
  item.statements = std::move(statements);
  item.done = std::move(done);
  push(item);
}

void DbWriter::Chain::writeFrom(DbMake make, DbDone done) {
  Item item;
  item.kind = Kind::kWrite;
  item.make = std::move(make);
  item.done = std::move(done);
  push(item);
}

void DbWriter::Chain::push(Item& item) {
  item.chain = id_;
  item.owner = state_;
  if (shared_->enqueue(item)) return;
  // Stopped: fail on a later loop turn, as a completion would.
  auto late = std::make_shared<std::vector<Completion>>();
  late->push_back(
      {state_, std::move(item.done), Error::service("The database writer has stopped.")});
  shared_->loop.post([late] { deliver(*late); });
}

void DbWriter::Chain::resume() {
  Item item;
  item.kind = Kind::kResume;
  item.chain = id_;
  shared_->enqueue(item);
}

}  // namespace stratus
