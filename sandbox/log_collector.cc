#include "sandbox/log_collector.h"

#include <cstring>

namespace stratus::sandbox {

void LogCollector::append(const char* data, size_t n) {
  while (n > 0) {
    const char* nl = static_cast<const char*>(std::memchr(data, '\n', n));
    size_t chunk = nl ? static_cast<size_t>(nl - data) : n;
    if (partial_.size() + chunk >= kMaxLineBytes) {
      size_t fits = kMaxLineBytes - partial_.size();
      partial_.append(data, fits);
      addLine(partial_.data(), partial_.size());
      partial_.clear();
      data += fits;
      n -= fits;
      continue;
    }
    if (!nl) {
      partial_.append(data, chunk);
      return;
    }
    if (partial_.empty()) {
      addLine(data, chunk);
    } else {
      partial_.append(data, chunk);
      addLine(partial_.data(), partial_.size());
      partial_.clear();
    }
    data += chunk + 1;
    n -= chunk + 1;
  }
}

void LogCollector::addLine(const char* data, size_t n) {
  lines_.append(data, n);
  lines_ += '\n';
  // Trim only when well past the cap, so trimming stays amortised O(bytes).
  if (lines_.size() > 2 * kMaxKeptBytes) {
    size_t cut = lines_.size() - kMaxKeptBytes;
    size_t at = lines_.find('\n', cut);
    at = at == std::string::npos ? lines_.size() : at + 1;
    dropped_ += at;
    lines_.erase(0, at);
  }
}

std::string LogCollector::take(bool flush_partial) {
  if (flush_partial && !partial_.empty()) {
    addLine(partial_.data(), partial_.size());
    partial_.clear();
  }
  std::string out;
  out.swap(lines_);
  if (out.size() > kMaxKeptBytes) {
    size_t at = out.find('\n', out.size() - kMaxKeptBytes);
    if (at != std::string::npos) {
      dropped_ += at + 1;
      out.erase(0, at + 1);
    }
  }
  return out;
}

}  // namespace stratus::sandbox
