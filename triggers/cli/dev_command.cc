#include "triggers/cli/dev_command.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "triggers/cli/folder_zip.h"
#include "triggers/cli/log_follower.h"

namespace stratus::triggers::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
void onSignal(int) { g_stop = true; }

IgnoreRules rulesOf(const fs::path& folder) {
  std::ifstream f(folder / ".stratusignore");
  std::stringstream text;
  text << f.rdbuf();
  return IgnoreRules::parse(text.str());
}

// Editors' scratch files: a save that writes one of these is followed by the real file.
bool scratchName(const std::string& name) {
  auto ends = [&](const char* s) {
    std::string suffix(s);
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return name == "4913" || ends(".swp") || ends(".swx") || ends("~") || name.rfind(".#", 0) == 0;
}

// Watches every directory of a folder that .stratusignore keeps, adding new ones as they
// appear.
class FolderWatch {
 public:
  explicit FolderWatch(fs::path root) : root_(std::move(root)), rules_(rulesOf(root_)) {
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ >= 0) addTree(root_);
  }
  ~FolderWatch() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }
  size_t directories() const { return dirs_.size(); }

  // Reads what is pending; true when something that is deployed changed.
  bool drain() {
    alignas(inotify_event) char buf[64 * 1024];
    bool changed = false;
    for (;;) {
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      for (char* p = buf; p < buf + n;) {
        auto* e = reinterpret_cast<inotify_event*>(p);
        p += sizeof(inotify_event) + e->len;
        auto dir = dirs_.find(e->wd);
        if (dir == dirs_.end()) continue;
        std::string name = e->len ? std::string(e->name) : "";
        if (!name.empty() && scratchName(name)) continue;
        fs::path full = name.empty() ? dir->second : dir->second / name;
        std::string rel = fs::relative(full, root_).generic_string();
        bool is_dir = e->mask & IN_ISDIR;
        if (rel == ".stratusignore") rules_ = rulesOf(root_);
        if (rel == ".git" || rel.rfind(".git/", 0) == 0 || (rel != "." && rules_.ignored(rel, is_dir))) continue;
        if (is_dir && (e->mask & (IN_CREATE | IN_MOVED_TO))) addTree(full);
        if (e->mask & IN_IGNORED) dirs_.erase(e->wd);
        changed = true;
      }
    }
    return changed;
  }

 private:
  void addTree(const fs::path& dir) {
    add(dir);
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      if (!it->is_directory(ec)) continue;
      std::string rel = fs::relative(it->path(), root_, ec).generic_string();
      if (rel == ".git" || rules_.ignored(rel, true)) {
        it.disable_recursion_pending();
        continue;
      }
      add(it->path());
    }
  }
  void add(const fs::path& dir) {
    int wd = inotify_add_watch(fd_, dir.c_str(),
                               IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB);
    if (wd >= 0) dirs_[wd] = dir;
  }

  fs::path root_;
  IgnoreRules rules_;
  int fd_ = -1;
  std::map<int, fs::path> dirs_;
};

}  // namespace

int runDev(const Common& common, DevArgs a) {
  std::error_code ec;
  if (!fs::is_directory(a.deploy.source, ec)) {
    std::cerr << "stratus dev: " << a.deploy.source << " is not a folder\n";
    return 2;
  }
  LambdaClient client(common.endpoint, common.region);
  auto deployed = deployFunction(client, a.deploy, std::cerr);
  if (!deployed.ok()) {
    std::cerr << "stratus: " << deployed.error().message << "\n";
    return 1;
  }
  FolderWatch watch(fs::path(a.deploy.source));
  if (watch.fd() < 0) {
    std::cerr << "stratus dev: cannot watch " << a.deploy.source << " (inotify)\n";
    return 1;
  }
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  LogFollower logs(common, "/aws/lambda/" + a.deploy.name, nowEpochMs(), "");
  std::cout << "deployed " << deployed->value("FunctionArn", "") << "\n"
            << "watching " << a.deploy.source << " (" << watch.directories()
            << " folders); Ctrl-C to stop" << std::endl;

  std::optional<Clock::time_point> first_change, last_change;
  auto next_log_poll = Clock::now();
  while (!g_stop) {
    auto now = Clock::now();
    int timeout_ms = 250;
    if (last_change) {
      auto due = *last_change + std::chrono::milliseconds(a.debounce_ms);
      timeout_ms = static_cast<int>(std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count()));
    }
    pollfd p{watch.fd(), POLLIN, 0};
    int ready = ::poll(&p, 1, timeout_ms);
    now = Clock::now();
    if (ready > 0 && watch.drain()) {
      if (!first_change) first_change = now;
      last_change = now;
    }
    if (last_change && now - *last_change >= std::chrono::milliseconds(a.debounce_ms)) {
      auto updated = updateCode(client, a.deploy.name, a.deploy.source, std::cerr);
      auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *first_change).count();
      if (updated.ok()) {
        std::cout << "redeployed " << a.deploy.name << " " << took << " ms after the change" << std::endl;
      } else {
        std::cerr << "stratus dev: redeploy failed: " << updated.error().message << " (waiting for the next change)\n";
      }
      first_change.reset();
      last_change.reset();
    }
    if (a.logs && now >= next_log_poll) {
      logs.poll(std::cout);
      next_log_poll = Clock::now() + std::chrono::milliseconds(500);
    }
  }
  std::cout << "stopped" << std::endl;
  return 0;
}

}  // namespace stratus::triggers::cli
