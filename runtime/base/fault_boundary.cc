#include "runtime/base/fault_boundary.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "runtime/base/log.h"

namespace stratus {
namespace fault_detail {
std::atomic<bool> g_injection_on{false};
}  // namespace fault_detail

namespace {

std::atomic<uint64_t> g_faults{0};

// The named sites, fixed at start (or by a test before it arms them): a signal handler arms
// them, so nothing here allocates or locks after setup.
constexpr size_t kMaxSites = 16;
constexpr size_t kMaxSiteName = 40;
struct Site {
  char name[kMaxSiteName] = {};
  std::atomic<int> armed{0};
};
Site g_sites[kMaxSites];
std::atomic<size_t> g_site_count{0};

void armAll() {
  size_t n = g_site_count.load();
  for (size_t i = 0; i < n; ++i) g_sites[i].armed.store(1);
}

// Async-signal-safe: lock-free atomic stores and one write(2). The line tells a test that the
// sites are armed before it sends the request meant to meet them.
void onArmSignal(int) {
  armAll();
  static const char kArmed[] = "stratus: fault injection armed\n";
  ssize_t ignored = ::write(2, kArmed, sizeof kArmed - 1);
  (void)ignored;
}

constexpr const char* kKnownSites[] = {
    fault_site::kPostedTask, fault_site::kTimer,        fault_site::kPoolWork,
    fault_site::kPoolDone,   fault_site::kWorkerTask,   fault_site::kHttpHandler,
    fault_site::kInvokeDone, fault_site::kDbWriterDone, fault_site::kRuntimeApi,
    fault_site::kHttpAccept, fault_site::kHttpRead,     fault_site::kHttpWrite,
    fault_site::kHttpTimer,  fault_site::kHttpClose,
};

bool knownSite(std::string_view name) {
  for (const char* known : kKnownSites) {
    if (name == known) return true;
  }
  return false;
}

void setSites(std::string_view list) {
  g_site_count.store(0);
  size_t n = 0;
  while (!list.empty() && n < kMaxSites) {
    size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (name.empty()) continue;
    if (!knownSite(name)) {
      logWarn("STRATUS_INJECT_FAULT: no injection site named '" + std::string(name) + "'");
      continue;
    }
    std::memcpy(g_sites[n].name, name.data(), name.size());
    g_sites[n].name[name.size()] = '\0';
    g_sites[n].armed.store(0);
    ++n;
  }
  g_site_count.store(n);
  fault_detail::g_injection_on.store(n > 0);
}

// Static initialisation: STRATUS_INJECT_FAULT is read once, before main.
bool readEnvironment() {
  const char* v = std::getenv("STRATUS_INJECT_FAULT");
  if (v == nullptr || *v == '\0') return false;
  setSites(v);
  struct sigaction sa {};
  sa.sa_handler = &onArmSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR2, &sa, nullptr);
  return true;
}
const bool g_from_environment = readEnvironment();

}  // namespace

namespace fault_detail {
void injectSlow(const char* site) {
  size_t n = g_site_count.load();
  for (size_t i = 0; i < n; ++i) {
    if (std::strcmp(g_sites[i].name, site) != 0) continue;
    if (g_sites[i].armed.exchange(0) == 1) {
      throw InjectedFault(std::string("injected fault at ") + site);
    }
    return;
  }
}
}  // namespace fault_detail

void reportFault(const char* site, std::string_view context) noexcept {
  g_faults.fetch_add(1);
  try {
    std::string what;
    try {
      throw;
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "an exception of unknown type";
    }
    std::string line = std::string("fault at ") + site;
    if (!context.empty()) line.append(" (").append(context).append(")");
    line += ": ";
    line += what;
    line += "; the server goes on";
    logError(line);
  } catch (...) {
    // Out of memory while reporting: the count above still says it happened.
  }
}

uint64_t faultCount() { return g_faults.load(); }

void setInjectedFaultsForTest(std::string_view sites) {
  (void)g_from_environment;
  setSites(sites);
  armAll();
}

}  // namespace stratus
