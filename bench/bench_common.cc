#include "bench/bench_common.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "bench/zip_writer.h"
#include "runtime/base/crypto.h"

namespace stratus::bench {

namespace {

std::string g_tool = "bench";
std::vector<ChildProcess*> g_children;  // live ones
std::vector<std::string> g_temp_dirs;
bool g_keep_temp = false;

std::string readFile(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

}  // namespace

void setToolName(const std::string& name) { g_tool = name; }
const std::string& toolName() { return g_tool; }

void keepTempDirs(bool keep) { g_keep_temp = keep; }

std::string makeTempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) die("mkdtemp failed: " + std::string(std::strerror(errno)));
  g_temp_dirs.push_back(tmpl);
  return tmpl;
}

void cleanupAll() {
  // stop() unregisters, so iterate over a copy.
  for (ChildProcess* c : std::vector<ChildProcess*>(g_children)) c->stop();
  if (!g_keep_temp) {
    for (const auto& d : g_temp_dirs) {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
    g_temp_dirs.clear();
  }
}

void die(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: %s\n", g_tool.c_str(), message.c_str());
  for (ChildProcess* c : g_children) std::fprintf(stderr, "%s\n", c->tailOfLog().c_str());
  g_keep_temp = true;
  cleanupAll();
  for (const auto& d : g_temp_dirs) std::fprintf(stderr, "%s: kept %s\n", g_tool.c_str(), d.c_str());
  std::exit(1);
}

std::string selfDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

std::string defaultStratusBinary() {
  std::string beside_build = (std::filesystem::path(selfDir()) / ".." / "stratus").lexically_normal().string();
  if (std::filesystem::exists(beside_build)) return beside_build;
  return (std::filesystem::path(selfDir()) / "stratus").string();
}

uint64_t memAvailableMb() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (f >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb / 1024;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// ChildProcess

void ChildProcess::start(ChildSpec spec) {
  std::string why;
  if (!tryStart(std::move(spec), &why)) die(why);
}

bool ChildProcess::tryStart(ChildSpec spec, std::string* why) {
  spec_ = std::move(spec);
  port_ = 0;
  banner_.clear();
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) die("pipe2: " + std::string(std::strerror(errno)));
  int log_fd = open(spec_.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_ = fork();
  if (pid_ < 0) die("fork: " + std::string(std::strerror(errno)));
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the bench
    dup2(spec_.port_marker.empty() && log_fd >= 0 ? log_fd : out[1], STDOUT_FILENO);
    if (log_fd >= 0) dup2(log_fd, STDERR_FILENO);
    if (spec_.inherit_fd >= 0) fcntl(spec_.inherit_fd, F_SETFD, 0);
    std::vector<char*> cargs;
    for (auto& s : spec_.argv) cargs.push_back(s.data());
    cargs.push_back(nullptr);
    execvp(cargs[0], cargs.data());
    std::fprintf(stderr, "exec %s: %s\n", cargs[0], std::strerror(errno));
    _exit(127);
  }
  if (log_fd >= 0) close(log_fd);
  close(out[1]);
  out_fd_ = out[0];
  g_children.push_back(this);

  if (spec_.port_marker.empty()) {
    port_ = spec_.known_port;
    banner_ = spec_.name + " on 127.0.0.1:" + std::to_string(port_);
  }
  auto fail = [&](const std::string& what) {
    *why = what + "\n" + tailOfLog();
    stop();
    return false;
  };
  // Read stdout until the marker line.
  std::string text;
  auto t0 = Clock::now();
  while (port_ == 0) {
    if (secondsSince(t0) > spec_.start_timeout_s)
      return fail(spec_.name + " printed no listening line within " +
                  std::to_string(static_cast<int>(spec_.start_timeout_s)) + " s; stdout: " + text);
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return fail(spec_.name + " exited (status " + std::to_string(status) +
                    ") before listening; stdout: " + text);
      }
      continue;
    }
    char buf[4096];
    ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    text.append(buf, static_cast<size_t>(n));
    size_t at = text.find(spec_.port_marker);
    if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
      port_ = std::atoi(text.c_str() + at + spec_.port_marker.size());
      if (port_ <= 0) return fail("cannot parse the port from: " + text);
      banner_ = text.substr(0, text.find('\n', at));
      size_t nl = banner_.rfind('\n');
      if (nl != std::string::npos) banner_ = banner_.substr(nl + 1);
    }
  }
  // Keep draining stdout so the child can never block on a full pipe.
  drain_ = std::thread([fd = out_fd_] {
    char buf[4096];
    while (read(fd, buf, sizeof buf) > 0) {
    }
  });
  return true;
}

void ChildProcess::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    auto t0 = Clock::now();
    bool gone = false;
    while (secondsSince(t0) < 5) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        gone = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!gone) {
      std::fprintf(stderr, "%s: %s %d ignored SIGTERM for 5 s; SIGKILL\n", g_tool.c_str(),
                   spec_.name.c_str(), pid_);
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (drain_.joinable()) drain_.join();
  if (out_fd_ >= 0) close(out_fd_);
  out_fd_ = -1;
  g_children.erase(std::remove(g_children.begin(), g_children.end(), this), g_children.end());
}

ProcessTree processTree(pid_t root) {
  struct Proc {
    pid_t ppid;
    double cpu_s;
  };
  std::map<pid_t, Proc> procs;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  if (DIR* dir = opendir("/proc")) {
    while (dirent* e = readdir(dir)) {
      char* end = nullptr;
      long pid = std::strtol(e->d_name, &end, 10);
      if (pid <= 0 || *end != 0) continue;
      std::string s = readFile(std::string("/proc/") + e->d_name + "/stat");
      size_t close_paren = s.rfind(')');
      if (close_paren == std::string::npos) continue;
      // Fields after "pid (comm)": state is field 3, ppid 4; utime 14, stime 15.
      std::vector<std::string> fields;
      size_t i = close_paren + 2;
      while (i < s.size() && fields.size() < 13) {
        size_t j = s.find(' ', i);
        if (j == std::string::npos) j = s.size();
        fields.push_back(s.substr(i, j - i));
        i = j + 1;
      }
      if (fields.size() < 13 || fields[0] == "Z") continue;
      procs[static_cast<pid_t>(pid)] = {
          static_cast<pid_t>(std::atoi(fields[1].c_str())),
          (std::atof(fields[11].c_str()) + std::atof(fields[12].c_str())) / ticks};
    }
    closedir(dir);
  }
  std::set<pid_t> tree = {root};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, p] : procs)
      if (!tree.count(pid) && tree.count(p.ppid)) grew = tree.insert(pid).second || grew;
  }
  ProcessTree out;
  for (pid_t pid : tree) {
    auto it = procs.find(pid);
    if (it == procs.end()) continue;
    out.tree_cpu_s += it->second.cpu_s;
    std::string status = readFile("/proc/" + std::to_string(pid) + "/status");
    if (size_t at = status.find("VmRSS:"); at != std::string::npos) {
      out.tree_rss_kb += std::strtoull(status.c_str() + at + 6, nullptr, 10);
    }
    if (pid == root) out.root_cpu_s = it->second.cpu_s;
    else ++out.descendants;
  }
  return out;
}

double ChildProcess::cpuSeconds() const { return pid_ > 0 ? processTree(pid_).tree_cpu_s : 0; }

uint64_t ChildProcess::statusField(const char* key) const {
  if (pid_ <= 0) return 0;
  std::string s = readFile("/proc/" + std::to_string(pid_) + "/status");
  size_t at = s.find(key);
  if (at == std::string::npos) return 0;
  return std::strtoull(s.c_str() + at + std::strlen(key), nullptr, 10);
}

uint64_t ChildProcess::rssKb() const { return statusField("VmRSS:"); }
uint64_t ChildProcess::treeRssKb() const { return pid_ > 0 ? processTree(pid_).tree_rss_kb : 0; }
int ChildProcess::threads() const { return static_cast<int>(statusField("Threads:")); }

std::string ChildProcess::tailOfLog(size_t max_bytes) const {
  std::string s = readFile(spec_.log_path);
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  return spec_.name + " stderr (" + spec_.log_path + "):\n" + s;
}

void startStratus(ChildProcess& child, const std::string& binary, const std::string& work_dir,
                  const std::string& tag, const std::vector<std::string>& extra_args) {
  ChildSpec spec;
  spec.name = "stratus[" + tag + "]";
  spec.argv = {binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", work_dir + "/" + tag};
  spec.argv.insert(spec.argv.end(), extra_args.begin(), extra_args.end());
  spec.log_path = work_dir + "/" + tag + ".stderr.log";
  child.start(std::move(spec));
}

bool stratusHasFlag(const std::string& binary, const std::string& flag, std::string* help_text) {
  // `serve --help` is not a flag the parser knows, so it prints the usage (to stderr) and
  // exits 2: capture both streams.
  std::string cmd = "'" + binary + "' serve --help 2>&1";
  std::string text;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
    pclose(p);
  }
  if (help_text) *help_text = text;
  // A flag at the start of a usage line ("  --prewarm N ...").
  size_t at = 0;
  while ((at = text.find(flag, at)) != std::string::npos) {
    size_t end = at + flag.size();
    bool starts = at == 0 || text[at - 1] == ' ' || text[at - 1] == '\n' || text[at - 1] == '[';
    bool ends = end >= text.size() || text[end] == ' ' || text[end] == '\n' || text[end] == '=' ||
                text[end] == ']';
    if (starts && ends) return true;
    at = end;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// HTTP

long parseResponse(std::string_view buf, Response* r, std::string* err) {
  size_t head_end = buf.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (buf.size() > 65536) {
      *err = "response head over 64 KiB";
      return -1;
    }
    return 0;
  }
  if (buf.size() < 12 || buf.substr(0, 7) != "HTTP/1.") {
    *err = "not an HTTP/1.x response: " + std::string(buf.substr(0, 40));
    return -1;
  }
  *r = Response{};
  r->status = std::atoi(std::string(buf.substr(9, 3)).c_str());
  long content_length = -1;
  size_t line = buf.find("\r\n") + 2;
  while (line < head_end) {
    size_t eol = buf.find("\r\n", line);
    std::string_view h = buf.substr(line, eol - line);
    line = eol + 2;
    size_t colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = h.substr(0, colon);
    std::string_view value = h.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    auto is = [&](const char* n) {
      return name.size() == std::strlen(n) && strncasecmp(name.data(), n, name.size()) == 0;
    };
    if (is("content-length")) {
      content_length = std::atol(std::string(value).c_str());
    } else if (is("transfer-encoding")) {
      *err = "chunked responses are not supported by this client";
      return -1;
    } else if (is("connection")) {
      r->close = value.size() >= 5 && strncasecmp(value.data(), "close", 5) == 0;
    } else if (is("x-amz-function-error")) {
      r->function_error = std::string(value);
    } else if (is("x-amz-log-result")) {
      r->log_result = std::string(value);
    }
  }
  if (content_length < 0) {
    if (r->status == 204 || r->status == 304 || r->status / 100 == 1) {
      content_length = 0;
    } else {
      *err = "response without Content-Length (status " + std::to_string(r->status) + ")";
      return -1;
    }
  }
  size_t total = head_end + 4 + static_cast<size_t>(content_length);
  if (buf.size() < total) return 0;
  r->body.assign(buf.data() + head_end + 4, static_cast<size_t>(content_length));
  return static_cast<long>(total);
}

int connectTo(int port, std::string* err) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *err = std::string("connect: ") + std::strerror(errno);
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string buildRequest(int port, const std::string& method, const std::string& path,
                         const std::string& body, const std::vector<std::string>& headers) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                  "\r\nUser-Agent: stratus-e2e-bench\r\n";
  for (const auto& h : headers) r += h + "\r\n";
  if (method != "GET" || !body.empty()) {
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n";
  }
  r += "\r\n";
  r += body;
  return r;
}

Conn::~Conn() {
  if (fd_ >= 0) close(fd_);
}

void Conn::reset() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  buf_.clear();
}

bool Conn::roundTrip(std::string_view request, Response* r, std::string* err) {
  if (fd_ < 0) {
    fd_ = connectTo(port_, err);
    if (fd_ < 0) return false;
    buf_.clear();
  }
  size_t off = 0;
  while (off < request.size()) {
    ssize_t n = send(fd_, request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = std::string("send: ") + std::strerror(errno);
      reset();
      return false;
    }
    off += static_cast<size_t>(n);
  }
  auto t0 = Clock::now();
  for (;;) {
    long used = parseResponse(buf_, r, err);
    if (used < 0) {
      reset();
      return false;
    }
    if (used > 0) {
      buf_.erase(0, static_cast<size_t>(used));
      if (r->close) reset();
      return true;
    }
    double left = timeout_s_ - secondsSince(t0);
    pollfd p{fd_, POLLIN, 0};
    int ready = left > 0 ? poll(&p, 1, static_cast<int>(left * 1000) + 1) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      *err = "no response within " + std::to_string(static_cast<int>(timeout_s_)) + " s";
      reset();
      return false;
    }
    char tmp[65536];
    ssize_t n = recv(fd_, tmp, sizeof tmp, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *err = n == 0 ? "connection closed by the server mid-response"
                    : std::string("recv: ") + std::strerror(errno);
      reset();
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
  }
}

Response Conn::mustRoundTrip(std::string_view request, int expect, const std::string& what) {
  Response r;
  std::string err;
  if (!roundTrip(request, &r, &err)) die(what + ": " + err);
  if (r.status != expect)
    die(what + ": HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 500));
  return r;
}

// ---------------------------------------------------------------------------------------------
// Statistics

Stats statsOf(std::vector<int64_t> ns) {
  Stats s;
  s.n = ns.size();
  if (ns.empty()) return s;
  std::sort(ns.begin(), ns.end());
  auto rank = [&](double q) {  // nearest rank
    size_t k = static_cast<size_t>(std::ceil(q * static_cast<double>(ns.size())));
    return ns[std::min(ns.size() - 1, k == 0 ? 0 : k - 1)] / 1e6;
  };
  s.p50_ms = rank(0.50);
  s.p99_ms = rank(0.99);
  double sum = 0;
  for (int64_t v : ns) sum += static_cast<double>(v);
  s.mean_ms = sum / static_cast<double>(ns.size()) / 1e6;
  s.max_ms = ns.back() / 1e6;
  return s;
}

Stats statsOfMs(const std::vector<double>& ms) {
  std::vector<int64_t> ns;
  for (double v : ms) ns.push_back(static_cast<int64_t>(v * 1e6));
  return statsOf(std::move(ns));
}

// ---------------------------------------------------------------------------------------------
// Closed loop

Phase runLoop(const LoopSpec& spec) {
  struct LoopConn {
    int fd = -1;
    std::string in;
    const std::string* request = nullptr;
    size_t out_off = 0;
    bool busy = false;
    bool want_out = false;
    Clock::time_point start;
  };
  Phase phase;
  if (spec.max_requests > 0)
    phase.latencies_ns.reserve(static_cast<size_t>(std::min<long>(spec.max_requests, 2'000'000)));
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1 failed");
  std::vector<LoopConn> conns(static_cast<size_t>(spec.clients));
  auto openConn = [&](size_t i) {
    std::string err;
    int fd = connectTo(spec.port, &err);
    if (fd < 0) die("closed loop: " + err);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    conns[i] = LoopConn{};
    conns[i].fd = fd;
  };
  auto closeConn = [&](size_t i) {
    epoll_ctl(ep, EPOLL_CTL_DEL, conns[i].fd, nullptr);
    close(conns[i].fd);
    conns[i].fd = -1;
  };
  for (size_t i = 0; i < conns.size(); ++i) openConn(i);

  long issued = 0;
  size_t inflight = 0;
  bool exhausted = false;
  auto setWantOut = [&](size_t i, bool want) {
    if (conns[i].want_out == want) return;
    conns[i].want_out = want;
    epoll_event ev{};
    ev.events = EPOLLIN | (want ? static_cast<uint32_t>(EPOLLOUT) : 0u);
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_MOD, conns[i].fd, &ev);
  };
  auto flush = [&](size_t i) -> bool {
    LoopConn& c = conns[i];
    const std::string& request = *c.request;
    while (c.out_off < request.size()) {
      ssize_t n = send(c.fd, request.data() + c.out_off, request.size() - c.out_off,
                       MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
          setWantOut(i, true);
          return true;
        }
        return false;
      }
      c.out_off += static_cast<size_t>(n);
    }
    setWantOut(i, false);
    return true;
  };
  auto fail = [&](const std::string& what) {
    ++phase.errors;
    if (phase.first_error.empty()) phase.first_error = what;
  };
  // Issues the next request on connection i; false when there is none.
  auto startRequest = [&](size_t i) -> bool {
    if (exhausted || (spec.max_requests > 0 && issued >= spec.max_requests)) return false;
    const std::string* req = spec.next(issued);
    if (!req) {
      exhausted = true;
      return false;
    }
    LoopConn& c = conns[i];
    c.request = req;
    c.busy = true;
    c.out_off = 0;
    ++issued;
    ++inflight;
    c.start = Clock::now();
    if (!flush(i)) die("closed loop: send failed: " + std::string(std::strerror(errno)));
    return true;
  };

  double cpu0 = spec.cpu_of ? spec.cpu_of->cpuSeconds() : 0;
  const auto t0 = Clock::now();
  const bool timed = spec.seconds > 0;
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(timed ? spec.seconds : 1e9));
  auto last_done = t0;
  for (size_t i = 0; i < conns.size(); ++i) {
    if (!startRequest(i)) break;
  }

  std::vector<epoll_event> events(static_cast<size_t>(spec.clients) + 1);
  const auto straggle = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(spec.straggler_timeout_s));
  while (inflight > 0) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    if (n < 0 && errno != EINTR) die("epoll_wait failed");
    if (timed && Clock::now() > deadline + straggle)
      die("closed loop: " + std::to_string(inflight) + " requests unanswered " +
          std::to_string(static_cast<int>(spec.straggler_timeout_s)) + " s past the end");
    for (int e = 0; e < n; ++e) {
      size_t i = events[static_cast<size_t>(e)].data.u64;
      uint32_t what = events[static_cast<size_t>(e)].events;
      LoopConn& c = conns[i];
      if (c.fd < 0) continue;
      if ((what & EPOLLOUT) && !flush(i)) die("closed loop: send failed");
      if (!(what & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      bool peer_closed = false;
      for (;;) {
        char tmp[65536];
        ssize_t r = recv(c.fd, tmp, sizeof tmp, 0);
        if (r > 0) {
          c.in.append(tmp, static_cast<size_t>(r));
          if (static_cast<size_t>(r) < sizeof tmp) break;
          continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) break;
        peer_closed = true;
        break;
      }
      Response resp;
      std::string err;
      long used = c.busy ? parseResponse(c.in, &resp, &err) : 0;
      auto now = Clock::now();
      if (used < 0) die("closed loop: " + err);
      bool reconnect = peer_closed;
      if (used > 0) {
        c.in.erase(0, static_cast<size_t>(used));
        phase.latencies_ns.push_back(nsBetween(c.start, now));
        last_done = now;
        c.busy = false;
        --inflight;
        if (resp.status != spec.expect_status) {
          fail("HTTP " + std::to_string(resp.status) + ": " + resp.body.substr(0, 300));
        } else if (!resp.function_error.empty()) {
          fail("X-Amz-Function-Error " + resp.function_error + ": " + resp.body.substr(0, 300));
        } else if (spec.expect_body && resp.body != *spec.expect_body) {
          fail("unexpected body: " + resp.body.substr(0, 300));
        }
        if (resp.close) reconnect = true;
      } else if (peer_closed && c.busy) {
        die("closed loop: the server closed a connection mid-request");
      }
      if (reconnect) {
        closeConn(i);
        openConn(i);
        ++phase.reconnects;
      }
      if (!conns[i].busy && (!timed || now < deadline)) startRequest(i);
    }
  }
  phase.wall_s = std::chrono::duration<double>(last_done - t0).count();
  phase.server_cpu_s = spec.cpu_of ? spec.cpu_of->cpuSeconds() - cpu0 : 0;
  for (size_t i = 0; i < conns.size(); ++i)
    if (conns[i].fd >= 0) closeConn(i);
  close(ep);
  return phase;
}

Phase runPhase(const ChildProcess& server, int clients, const std::string& request,
               double seconds, long max_requests, const std::string* expect_body) {
  LoopSpec spec;
  spec.port = server.port();
  spec.clients = clients;
  spec.next = [&request](long) { return &request; };
  spec.seconds = seconds;
  spec.max_requests = max_requests;
  spec.expect_body = expect_body;
  spec.cpu_of = &server;
  return runLoop(spec);
}

Row merge(const std::vector<Phase>& phases) {
  Row row;
  std::vector<int64_t> all;
  double wall = 0, cpu = 0;
  for (const Phase& p : phases) {
    all.insert(all.end(), p.latencies_ns.begin(), p.latencies_ns.end());
    wall += p.wall_s;
    cpu += p.server_cpu_s;
    row.errors += p.errors;
    row.reconnects += p.reconnects;
    if (row.first_error.empty()) row.first_error = p.first_error;
  }
  row.stats = statsOf(std::move(all));
  row.rps = wall > 0 ? static_cast<double>(row.stats.n) / wall : 0;
  row.cpu_us_per_req = row.stats.n ? cpu * 1e6 / static_cast<double>(row.stats.n) : 0;
  return row;
}

std::vector<Row> interleaveRequests(const std::vector<Target>& targets, double seconds,
                                    long max_rounds) {
  const size_t n = targets.size();
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<std::vector<int64_t>> lat(n);
  std::vector<Row> rows(n);
  std::vector<double> cpu0(n);
  for (size_t k = 0; k < n; ++k) {
    conns.push_back(std::make_unique<Conn>(targets[k].server->port()));
    cpu0[k] = targets[k].server->cpuSeconds();
  }
  auto t0 = Clock::now();
  for (long round = 0; round < max_rounds && secondsSince(t0) < seconds; ++round) {
    for (size_t j = 0; j < n; ++j) {
      size_t k = round % 2 == 0 ? j : n - 1 - j;
      const Target& t = targets[k];
      Response r;
      std::string err;
      auto s0 = Clock::now();
      if (!conns[k]->roundTrip(t.request, &r, &err))
        die("interleaved requests to " + t.server->name() + ": " + err);
      lat[k].push_back(nsBetween(s0, Clock::now()));
      Row& row = rows[k];
      auto fail = [&](const std::string& what) {
        ++row.errors;
        if (row.first_error.empty()) row.first_error = what;
      };
      if (r.status != 200) fail("HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300));
      else if (!r.function_error.empty()) fail("X-Amz-Function-Error " + r.function_error);
      else if (t.expect_body && r.body != *t.expect_body) fail("unexpected body: " + r.body.substr(0, 300));
      if (r.close) ++row.reconnects;
    }
  }
  for (size_t k = 0; k < n; ++k) {
    double cpu = targets[k].server->cpuSeconds() - cpu0[k];
    // Targets on the same server share its CPU: divide by all of their requests.
    size_t reqs = 0;
    for (size_t j = 0; j < n; ++j)
      if (targets[j].server == targets[k].server) reqs += lat[j].size();
    rows[k].stats = statsOf(lat[k]);
    rows[k].rps = rows[k].stats.mean_ms > 0 ? 1000.0 / rows[k].stats.mean_ms : 0;
    rows[k].cpu_us_per_req = reqs ? cpu * 1e6 / static_cast<double>(reqs) : 0;
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Lambda API

const char kRole[] = "arn:aws:iam::000000000000:role/r";
const char kHelloHandler[] = "async (event) => ({ statusCode: 200, body: 'hello' })";
const char kHelloResponse[] = "{\"statusCode\":200,\"body\":\"hello\"}";

std::string helloSource(const std::string& tag) {
  return "// " + tag + "\nexports.handler = " + std::string(kHelloHandler) + ";\n";
}

std::string createFunctionBody(const std::string& name, const FunctionSpec& spec) {
  std::string body = "{\"FunctionName\":\"" + name + "\",\"Runtime\":\"" + spec.runtime +
                     "\",\"Handler\":\"" + spec.handler + "\",\"Role\":\"" + kRole + "\",";
  if (!spec.env.empty()) {
    body += "\"Environment\":{\"Variables\":{";
    for (size_t i = 0; i < spec.env.size(); ++i)
      body += (i ? ",\"" : "\"") + spec.env[i].first + "\":\"" + spec.env[i].second + "\"";
    body += "}},";
  }
  return body + "\"Code\":{\"ZipFile\":\"" + stratus::base64Encode(spec.zip) + "\"}}";
}

std::string createFunctionRequest(int port, const std::string& name, const FunctionSpec& spec) {
  return buildRequest(port, "POST", "/2015-03-31/functions", createFunctionBody(name, spec));
}

std::string createFunctionBody(const std::string& name, const std::string& zip) {
  FunctionSpec spec;
  spec.zip = zip;
  return createFunctionBody(name, spec);
}

std::string createFunctionRequest(int port, const std::string& name, const std::string& zip) {
  return buildRequest(port, "POST", "/2015-03-31/functions", createFunctionBody(name, zip));
}

std::string indexJsZip(const std::string& source) { return zipOneFile("index.js", source); }

void createFunction(Conn& conn, int port, const std::string& name, const std::string& source) {
  conn.mustRoundTrip(createFunctionRequest(port, name, indexJsZip(source)), 201,
                     "CreateFunction " + name);
}

std::string invokeRequest(int port, const std::string& function, const std::string& payload,
                          const std::string& qualifier, const std::vector<std::string>& headers) {
  std::string path = "/2015-03-31/functions/" + function + "/invocations";
  if (!qualifier.empty()) path += "?Qualifier=" + qualifier;
  return buildRequest(port, "POST", path, payload, headers);
}

double reportField(const std::string& log, const std::string& key) {
  size_t report = log.rfind("REPORT RequestId:");
  if (report == std::string::npos) return -1;
  size_t at = log.find(key, report);
  if (at == std::string::npos) return -1;
  return std::atof(log.c_str() + at + key.size());
}

}  // namespace stratus::bench
