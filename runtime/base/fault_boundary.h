// The last-resort exception boundary. Every callback the loop, the libuv thread pool or a
// WorkerPool runs goes through guarded(): whatever it throws is logged as a fault with the site
// and what it was working for, and is swallowed, so the server goes on (an exception crossing a
// libuv callback, or leaving a thread, would std::terminate the whole process). This is the
// net under the net: code that can answer its own failures (a request, an invocation) catches
// them itself; what reaches here answers through the captures it drops (answer_on_drop.h).
//
// Fault injection, for tests: STRATUS_INJECT_FAULT=site[,site...] (read once, at
// start) names sites from fault_site below. Nothing fires until the process gets SIGUSR2;
// each SIGUSR2 then arms every named site to throw once, at its next pass (and writes
// "stratus: fault injection armed" to stderr). A test arms the server when it is quiet, so the
// next pass is the test's own request. Off (the variable unset,
// as in production) it costs one predictable branch per pass.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace stratus {

// The sites with injection points, by the names STRATUS_INJECT_FAULT uses.
namespace fault_site {
inline constexpr const char* kPostedTask = "posted-task";          // Loop::post
inline constexpr const char* kTimer = "timer";                     // Timer callbacks
inline constexpr const char* kPoolWork = "pool-work";              // Loop::runInPool work
inline constexpr const char* kPoolDone = "pool-done";              // Loop::runInPool done
inline constexpr const char* kWorkerTask = "worker-task";          // WorkerPool tasks
inline constexpr const char* kHttpHandler = "http-handler";        // HttpServer handlers
inline constexpr const char* kHttpAccept = "http-accept";          // HttpServer accept callback
inline constexpr const char* kHttpRead = "http-read";              // HttpServer read callback
inline constexpr const char* kHttpWrite = "http-write";            // HttpServer write callback
inline constexpr const char* kHttpTimer = "http-timer";            // HttpServer sweep timer
inline constexpr const char* kHttpClose = "http-close";            // HttpServer close callback
inline constexpr const char* kInvokeDone = "invoke-completion";    // the scheduler's result
inline constexpr const char* kDbWriterDone = "db-writer-completion";  // DbWriter completions
inline constexpr const char* kRuntimeApi = "runtime-api";          // Runtime API handler
}  // namespace fault_site

// Thrown by injectFault(); a std::exception, so ordinary catch blocks see it too.
class InjectedFault : public std::exception {
 public:
  explicit InjectedFault(std::string what) : what_(std::move(what)) {}
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::string what_;
};

namespace fault_detail {
// STRATUS_INJECT_FAULT named a site; set once during static initialisation (or by a test).
extern std::atomic<bool> g_injection_on;
void injectSlow(const char* site);
}  // namespace fault_detail

// Throws InjectedFault if `site` is armed (see above). Any thread.
inline void injectFault(const char* site) {
  if (__builtin_expect(fault_detail::g_injection_on.load(std::memory_order_relaxed), 0)) {
    fault_detail::injectSlow(site);
  }
}

// Call inside a catch block: logs the exception in flight as a fault at `site`, for `context`
// ("" when unknown), and counts it. Never throws.
void reportFault(const char* site, std::string_view context) noexcept;

// Runs fn(); a throw is reported (above) and swallowed. Returns false if fn threw.
template <typename Fn>
bool guarded(const char* site, std::string_view context, Fn&& fn) noexcept {
  try {
    fn();
    return true;
  } catch (...) {
    reportFault(site, context);
    return false;
  }
}

// Faults reported since start, for tests and metrics.
uint64_t faultCount();

// Tests: the sites to inject at, as STRATUS_INJECT_FAULT would name them ("" for none), armed
// once now (as a SIGUSR2 would).
void setInjectedFaultsForTest(std::string_view sites);

}  // namespace stratus
