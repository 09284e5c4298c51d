#include "triggers/sqs/queue.h"

#include <limits>

#include "runtime/base/crypto.h"
#include "runtime/base/ids.h"

namespace stratus::sqs {

std::string encodeReceiptHandle(const ReceiptHandle& h) {
  return base64Encode(h.queue_id + ":" + std::to_string(h.seq) + ":" + h.nonce);
}

std::optional<ReceiptHandle> decodeReceiptHandle(const std::string& text) {
  if (text.empty() || text.size() > 1024) return std::nullopt;
  std::optional<std::string> raw = base64Decode(text);
  if (!raw) return std::nullopt;
  size_t a = raw->find(':');
  size_t b = a == std::string::npos ? a : raw->find(':', a + 1);
  if (b == std::string::npos) return std::nullopt;
  std::string seq = raw->substr(a + 1, b - a - 1);
  if (seq.empty() || seq.size() > 19 || seq.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  ReceiptHandle h{raw->substr(0, a), std::stoull(seq), raw->substr(b + 1)};
  if (h.queue_id.empty() || h.nonce.empty()) return std::nullopt;
  return h;
}

Queue::Queue(std::string name, std::string arn, std::string id, QueueConfig config, int64_t created_ms)
    : name_(std::move(name)),
      arn_(std::move(arn)),
      id_(std::move(id)),
      config_(std::move(config)),
      created_ms_(created_ms),
      modified_ms_(created_ms) {}

void Queue::setConfig(QueueConfig config, int64_t now_ms) {
  config_ = std::move(config);
  modified_ms_ = now_ms;
}

std::string Queue::dedupKey(const Message& m) const {
  if (!config_.fifo) return "";
  if (config_.dedup_scope == "messageGroup") return m.group_id + '\n' + m.dedup_id;
  return m.dedup_id;
}

const DedupEntry* Queue::findDuplicate(const std::string& key, int64_t now_ms) {
  while (!dedup_expiry_.empty() && dedup_expiry_.front().first <= now_ms) {
    auto it = dedup_.find(dedup_expiry_.front().second);
    if (it != dedup_.end() && it->second.expires_ms <= now_ms) dedup_.erase(it);
    dedup_expiry_.pop_front();
  }
  auto it = dedup_.find(key);
  return it == dedup_.end() ? nullptr : &it->second;
}

const Message& Queue::send(Message m, int64_t now_ms) {
  m.seq = next_seq_++;
  m.sent_ms = now_ms;
  int64_t delay_ms = std::max<int64_t>(m.visible_at_ms - now_ms, 0);
  m.visible_at_ms = now_ms + delay_ms;
  if (config_.fifo) {
    std::string key = dedupKey(m);
    DedupEntry entry{m.id, m.seq, now_ms + kDedupIntervalMs};
    dedup_[key] = entry;
    dedup_expiry_.emplace_back(entry.expires_ms, key);
  }
  uint64_t seq = m.seq;
  restore(std::move(m));
  return messages_.at(seq);
}

const Message& Queue::adopt(Message m, int64_t now_ms) {
  m.seq = next_seq_++;
  m.visible_at_ms = now_ms;
  m.receipt_nonce.clear();
  uint64_t seq = m.seq;
  restore(std::move(m));
  return messages_.at(seq);
}

void Queue::restore(Message m) {
  uint64_t seq = m.seq;
  next_seq_ = std::max(next_seq_, seq + 1);
  by_age_.emplace(m.sent_ms, seq);
  if (config_.fifo) groups_[m.group_id].insert(seq);
  bool in_flight = m.receive_count > 0;
  int64_t visible_at = m.visible_at_ms;
  auto [it, inserted] = messages_.emplace(seq, std::move(m));
  if (!inserted) return;
  // Restored messages are compared with "now" on the next receive; the hidden set decides.
  hidden_.emplace(visible_at, seq);
  if (in_flight) {
    in_flight_.insert(seq);
    if (config_.fifo) ++group_in_flight_[it->second.group_id];
  }
}

void Queue::restoreDedup(const std::string& key, DedupEntry entry) {
  dedup_expiry_.emplace_back(entry.expires_ms, key);
  dedup_[key] = std::move(entry);
}

void Queue::hide(Message& m, int64_t until_ms) {
  ready_.erase(m.seq);
  hidden_.erase({m.visible_at_ms, m.seq});
  m.visible_at_ms = until_ms;
  hidden_.emplace(until_ms, m.seq);
}

void Queue::promote(int64_t now_ms) {
  while (!hidden_.empty() && hidden_.begin()->first <= now_ms) {
    uint64_t seq = hidden_.begin()->second;
    hidden_.erase(hidden_.begin());
    if (in_flight_.erase(seq) && config_.fifo) {
      auto g = group_in_flight_.find(messages_.at(seq).group_id);
      if (g != group_in_flight_.end() && --g->second == 0) group_in_flight_.erase(g);
    }
    ready_.insert(seq);
  }
}

void Queue::erase(std::map<uint64_t, Message>::iterator it) {
  Message& m = it->second;
  ready_.erase(m.seq);
  hidden_.erase({m.visible_at_ms, m.seq});
  by_age_.erase({m.sent_ms, m.seq});
  bool was_in_flight = in_flight_.erase(m.seq) > 0;
  if (config_.fifo) {
    auto g = groups_.find(m.group_id);
    if (g != groups_.end()) {
      g->second.erase(m.seq);
      if (g->second.empty()) groups_.erase(g);
    }
    if (was_in_flight) {
      auto f = group_in_flight_.find(m.group_id);
      if (f != group_in_flight_.end() && --f->second == 0) group_in_flight_.erase(f);
    }
  }
  messages_.erase(it);
}

bool Queue::fifoEligible(const Message& m, const std::map<std::string, size_t>& taken) const {
  // Strict order within a group: only the group's oldest message may go, or the next ones
  // after those this same receive already took; a group with a message in flight from an
  // earlier receive is locked.
  auto t = taken.find(m.group_id);
  size_t taken_here = t == taken.end() ? 0 : t->second;
  auto f = group_in_flight_.find(m.group_id);
  size_t in_flight = f == group_in_flight_.end() ? 0 : f->second;
  if (in_flight != taken_here) return false;
  const std::set<uint64_t>& members = groups_.at(m.group_id);
  auto it = members.begin();
  std::advance(it, static_cast<long>(taken_here));
  return it != members.end() && *it == m.seq;
}

Queue::Received Queue::receive(int max, int64_t visibility_ms, int64_t now_ms, int64_t max_receive_count) {
  promote(now_ms);
  Received out;
  std::map<std::string, size_t> taken;  // FIFO: messages of each group taken by this receive
  for (auto it = ready_.begin(); it != ready_.end() && static_cast<int>(out.messages.size()) < max;) {
    uint64_t seq = *it;
    ++it;  // hide() and erase() take `seq` out of ready_
    auto m_it = messages_.find(seq);
    if (m_it == messages_.end()) continue;
    Message& m = m_it->second;
    if (config_.fifo && !fifoEligible(m, taken)) continue;
    if (max_receive_count > 0 && m.receive_count >= max_receive_count) {
      out.dead_lettered.push_back(m);
      erase(m_it);
      continue;
    }
    m.receive_count += 1;
    if (m.first_receive_ms == 0) m.first_receive_ms = now_ms;
    m.receipt_nonce = randomHex(16);
    hide(m, now_ms + visibility_ms);
    in_flight_.insert(seq);
    if (config_.fifo) {
      ++group_in_flight_[m.group_id];
      ++taken[m.group_id];
    }
    out.messages.push_back(&m);
  }
  return out;
}

Queue::HandleOutcome Queue::remove(const ReceiptHandle& handle, uint64_t* removed_seq) {
  auto it = messages_.find(handle.seq);
  if (it == messages_.end() || it->second.receipt_nonce != handle.nonce) return HandleOutcome::kStale;
  if (removed_seq) *removed_seq = handle.seq;
  erase(it);
  return HandleOutcome::kDone;
}

Queue::HandleOutcome Queue::changeVisibility(const ReceiptHandle& handle, int64_t timeout_ms, int64_t now_ms,
                                             const Message** changed) {
  promote(now_ms);
  auto it = messages_.find(handle.seq);
  if (it == messages_.end() || it->second.receipt_nonce != handle.nonce) return HandleOutcome::kStale;
  if (!in_flight_.count(handle.seq)) return HandleOutcome::kNotInFlight;
  hide(it->second, now_ms + timeout_ms);
  if (changed) *changed = &it->second;
  return HandleOutcome::kDone;
}

std::vector<uint64_t> Queue::purge() {
  std::vector<uint64_t> seqs;
  seqs.reserve(messages_.size());
  for (const auto& [seq, m] : messages_) seqs.push_back(seq);
  messages_.clear();
  ready_.clear();
  hidden_.clear();
  in_flight_.clear();
  by_age_.clear();
  groups_.clear();
  group_in_flight_.clear();
  return seqs;
}

std::vector<uint64_t> Queue::expire(int64_t now_ms) {
  std::vector<uint64_t> seqs;
  int64_t horizon = now_ms - config_.retention_s * 1000;
  while (!by_age_.empty() && by_age_.begin()->first <= horizon) {
    uint64_t seq = by_age_.begin()->second;
    seqs.push_back(seq);
    erase(messages_.find(seq));
  }
  return seqs;
}

std::vector<Message> Queue::takeVisible(size_t max, int64_t now_ms) {
  promote(now_ms);
  std::vector<Message> out;
  while (!ready_.empty() && out.size() < max) {
    auto it = messages_.find(*ready_.begin());
    out.push_back(it->second);
    erase(it);
  }
  return out;
}

QueueCounts Queue::counts(int64_t now_ms) {
  promote(now_ms);
  QueueCounts c;
  c.visible = static_cast<int64_t>(ready_.size());
  c.in_flight = static_cast<int64_t>(in_flight_.size());
  c.delayed = static_cast<int64_t>(hidden_.size() - in_flight_.size());
  return c;
}

std::optional<int64_t> Queue::nextVisibleMs() const {
  if (hidden_.empty()) return std::nullopt;
  return hidden_.begin()->first;
}

bool Queue::hasVisible(int64_t now_ms) {
  promote(now_ms);
  if (!config_.fifo) return !ready_.empty();
  std::map<std::string, size_t> none;
  for (uint64_t seq : ready_) {
    if (fifoEligible(messages_.at(seq), none)) return true;
  }
  return false;
}

}  // namespace stratus::sqs
