#include "runtime/base/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace stratus {

int64_t SystemClock::nowMs() const { return epochMs(); }

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

int64_t MonotonicClock::nowMs() const { return static_cast<int64_t>(monotonicMs()); }

MonotonicClock& MonotonicClock::instance() {
  static MonotonicClock clock;
  return clock;
}

int64_t epochMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

double monotonicMs() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

namespace {
std::tm utc(int64_t epoch_ms) {
  time_t secs = static_cast<time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}
}  // namespace

std::string formatAwsTimestamp(int64_t epoch_ms) {
  std::tm tm = utc(epoch_ms);
  char buf[40];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           static_cast<int>(epoch_ms % 1000));
  return buf;
}

std::string formatIso8601(int64_t epoch_ms) {
  std::tm tm = utc(epoch_ms);
  char buf[40];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           static_cast<int>(epoch_ms % 1000));
  return buf;
}

std::string formatDateSlashes(int64_t epoch_ms) {
  std::tm tm = utc(epoch_ms);
  char buf[16];
  snprintf(buf, sizeof buf, "%04d/%02d/%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

}  // namespace stratus
