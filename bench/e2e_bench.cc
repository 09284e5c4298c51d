// End-to-end benchmark of a real `stratus serve` over loopback HTTP/1.1.
//
// It starts the server itself (fork/exec, --listen 127.0.0.1:0, a temp --data-dir, the port
// parsed from stdout), creates functions through the Lambda API (stored zips built here, CRC32
// from zlib), and measures with its own closed-loop keep-alive client over raw sockets, timing
// every request with steady_clock:
//
//   cold invoke  N distinct functions, each invoked once (its first invoke is a cold start),
//                1 client. Interleaved, request by request, with two baselines measured in the
//                same run: a bare v8 isolate+context created in this process, and the no-op
//                route GET /_stratus/health. With X-Amz-Log-Type: Tail the server's own
//                REPORT line gives Init Duration / Duration, to split the end-to-end time.
//   warm invoke  one function, 1 client then C concurrent clients (one epoll loop, C keep-alive
//                connections), alternating rounds of the no-op route (baseline) and the warm
//                invoke so that drift hits both alike. p50/p99/mean, throughput, server CPU per
//                request (/proc/<pid>/stat).
//
// Aims (from the issue): cold invoke p50 <= 3 ms end to end; warm invoke p50 within 1.2x of
// the no-op route. Every figure is printed beside its same-run baseline as a ratio, because
// this VM's speed drifts up to 2x between runs.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <v8.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "bench/zip_writer.h"
#include "runtime/base/crypto.h"
#include "runtime/js/js_function.h"

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
int64_t nsBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

[[noreturn]] void die(const std::string& message);

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  std::string stratus;          // path of the server binary
  int cold = 200;               // distinct functions, each invoked once
  int clients = 32;             // the concurrent warm phase
  int rounds = 3;               // warm: alternating no-op / invoke phases per client setting
  double phase_seconds = 2.0;   // per phase
  long max_requests = 200000;   // per phase (a bound; the duration normally ends a phase)
  double warmup_seconds = 1.0;  // untimed, per route and client setting
  bool tail = true;             // X-Amz-Log-Type: Tail on cold invokes
  bool keep_data = false;
  std::vector<std::string> server_args;
};

void usage() {
  std::fprintf(stderr,
      "usage: e2e_bench [options]\n"
      "  --stratus PATH         server binary (default: <dir of e2e_bench>/../stratus)\n"
      "  --cold N               distinct functions cold-invoked once each (default 200)\n"
      "  --clients N            connections in the concurrent warm phase (default 32)\n"
      "  --rounds N             warm rounds (no-op phase + invoke phase) per setting (default 3)\n"
      "  --phase-seconds S      duration of one warm phase (default 2)\n"
      "  --max-requests N       request cap of one warm phase (default 200000)\n"
      "  --warmup-seconds S     untimed warm-up per route and setting (default 1)\n"
      "  --no-tail              cold invokes without X-Amz-Log-Type: Tail\n"
      "  --keep-data            keep the temp data dir (and server logs)\n"
      "  --server-arg ARG       extra argument for `stratus serve` (repeatable)\n");
}

std::string defaultStratusPath() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto candidate = exe.parent_path().parent_path() / "stratus";
    if (std::filesystem::exists(candidate)) return candidate.string();
  }
  return "build/stratus";
}

Options parseOptions(int argc, char** argv) {
  Options o;
  o.stratus = defaultStratusPath();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--stratus") o.stratus = value();
    else if (a == "--cold") o.cold = std::atoi(value().c_str());
    else if (a == "--clients") o.clients = std::atoi(value().c_str());
    else if (a == "--rounds") o.rounds = std::atoi(value().c_str());
    else if (a == "--phase-seconds") o.phase_seconds = std::atof(value().c_str());
    else if (a == "--max-requests") o.max_requests = std::atol(value().c_str());
    else if (a == "--warmup-seconds") o.warmup_seconds = std::atof(value().c_str());
    else if (a == "--no-tail") o.tail = false;
    else if (a == "--keep-data") o.keep_data = true;
    else if (a == "--server-arg") o.server_args.push_back(value());
    else {
      usage();
      std::exit(a == "--help" || a == "-h" ? 0 : 2);
    }
  }
  if (o.cold < 1 || o.clients < 1 || o.rounds < 1 || o.phase_seconds <= 0 ||
      o.max_requests < 1) {
    usage();
    std::exit(2);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// The server process

class ServerProcess {
 public:
  ~ServerProcess() { stop(); }

  void start(const std::string& binary, const std::string& data_dir, const std::string& log_path,
             const std::vector<std::string>& extra) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) die("pipe2: " + std::string(std::strerror(errno)));
    std::vector<std::string> args = {binary, "serve", "--listen", "127.0.0.1:0", "--data-dir",
                                     data_dir};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ < 0) die("fork: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the bench
      dup2(out[1], STDOUT_FILENO);
      int err = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) dup2(err, STDERR_FILENO);
      std::vector<char*> cargs;
      for (auto& s : args) cargs.push_back(s.data());
      cargs.push_back(nullptr);
      execv(cargs[0], cargs.data());
      std::fprintf(stderr, "exec %s: %s\n", cargs[0], std::strerror(errno));
      _exit(127);
    }
    close(out[1]);
    out_fd_ = out[0];
    log_path_ = log_path;

    // Read stdout until the "listening on" line (30 s at most).
    std::string text;
    auto t0 = Clock::now();
    while (port_ == 0) {
      if (secondsSince(t0) > 30) die("the server printed no listening line within 30 s");
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) {
        int status;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          die("the server exited before listening; stdout: " + text + "\n" + tailOfLog());
        }
        continue;
      }
      char buf[4096];
      ssize_t n = read(out_fd_, buf, sizeof buf);
      if (n <= 0) continue;
      text.append(buf, static_cast<size_t>(n));
      const std::string marker = "listening on http://127.0.0.1:";
      size_t at = text.find(marker);
      if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
        port_ = std::atoi(text.c_str() + at + marker.size());
        if (port_ <= 0) die("cannot parse the port from: " + text);
        banner_ = text.substr(0, text.find('\n', at));
      }
    }
    // Keep draining stdout so the server can never block on a full pipe.
    drain_ = std::thread([fd = out_fd_] {
      char buf[4096];
      while (read(fd, buf, sizeof buf) > 0) {
      }
    });
  }

  // SIGTERM, then SIGKILL after 5 s.
  void stop() {
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
        std::fprintf(stderr, "e2e_bench: server %d ignored SIGTERM for 5 s; SIGKILL\n", pid_);
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
      pid_ = -1;
    }
    if (drain_.joinable()) drain_.join();
    if (out_fd_ >= 0) close(out_fd_);
    out_fd_ = -1;
  }

  // utime + stime of the server, in seconds.
  double cpuSeconds() const {
    if (pid_ <= 0) return 0;
    std::ifstream f("/proc/" + std::to_string(pid_) + "/stat");
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    size_t close_paren = s.rfind(')');
    if (close_paren == std::string::npos) return 0;
    // Fields after "pid (comm)": state is field 3; utime 14, stime 15.
    std::vector<std::string> fields;
    size_t i = close_paren + 2;
    while (i < s.size() && fields.size() < 13) {
      size_t j = s.find(' ', i);
      if (j == std::string::npos) j = s.size();
      fields.push_back(s.substr(i, j - i));
      i = j + 1;
    }
    if (fields.size() < 13) return 0;
    double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    return (std::atof(fields[11].c_str()) + std::atof(fields[12].c_str())) / ticks;
  }

  std::string tailOfLog() const {
    std::ifstream f(log_path_);
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (s.size() > 2000) s = "..." + s.substr(s.size() - 2000);
    return "server stderr (" + log_path_ + "):\n" + s;
  }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& banner() const { return banner_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
  std::string banner_;
  std::string log_path_;
  std::thread drain_;
};

ServerProcess* g_server = nullptr;
std::string g_data_dir;
bool g_keep_data = false;

void cleanup() {
  if (g_server) g_server->stop();
  if (!g_data_dir.empty() && !g_keep_data) {
    std::error_code ec;
    std::filesystem::remove_all(g_data_dir, ec);
  }
}

void die(const std::string& message) {
  std::fprintf(stderr, "e2e_bench: %s\n", message.c_str());
  if (g_server) std::fprintf(stderr, "%s\n", g_server->tailOfLog().c_str());
  g_keep_data = true;  // keep the logs for a look
  cleanup();
  if (!g_data_dir.empty()) std::fprintf(stderr, "e2e_bench: data dir kept: %s\n", g_data_dir.c_str());
  std::exit(1);
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 client pieces

struct Response {
  int status = 0;
  std::string body;
  std::string function_error;  // X-Amz-Function-Error
  std::string log_result;      // X-Amz-Log-Result (base64)
  bool close = false;          // Connection: close
};

// Returns the bytes of `buf` that make up one complete response (> 0), 0 if more bytes are
// needed, -1 if malformed (err says why). The server always sends Content-Length.
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
                         const std::string& body, const std::vector<std::string>& headers = {}) {
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

// A blocking keep-alive connection for sequential work (setup, the cold phase).
class Conn {
 public:
  explicit Conn(int port) : port_(port) {}
  ~Conn() {
    if (fd_ >= 0) close(fd_);
  }

  bool roundTrip(std::string_view request, Response* r, std::string* err) {
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

 private:
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    buf_.clear();
  }
  int port_;
  int fd_ = -1;
  std::string buf_;
};

// ---------------------------------------------------------------------------------------------
// Statistics

struct Stats {
  size_t n = 0;
  double p50_ms = 0, p99_ms = 0, mean_ms = 0, max_ms = 0;
};

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
// Closed-loop phase: C keep-alive connections in one epoll loop, each sending its next request
// as soon as the previous response is complete. One thread, so the client costs at most one
// core and never more for 32 connections than for 1.

struct Phase {
  std::vector<int64_t> latencies_ns;
  double wall_s = 0;
  double server_cpu_s = 0;
  uint64_t errors = 0;
  uint64_t reconnects = 0;
  std::string first_error;
};

Phase runPhase(const ServerProcess& server, int clients, const std::string& request,
               double seconds, long max_requests) {
  struct LoopConn {
    int fd = -1;
    std::string in;
    size_t out_off = 0;
    bool busy = false;
    bool want_out = false;
    Clock::time_point start;
  };
  Phase phase;
  phase.latencies_ns.reserve(static_cast<size_t>(std::min<long>(max_requests, 2'000'000)));
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1 failed");
  std::vector<LoopConn> conns(static_cast<size_t>(clients));
  auto openConn = [&](size_t i) {
    std::string err;
    int fd = connectTo(server.port(), &err);
    if (fd < 0) die("warm phase: " + err);
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
  auto startRequest = [&](size_t i) {
    LoopConn& c = conns[i];
    c.busy = true;
    c.out_off = 0;
    ++issued;
    ++inflight;
    c.start = Clock::now();
    if (!flush(i)) die("warm phase: send failed: " + std::string(std::strerror(errno)));
  };

  double cpu0 = server.cpuSeconds();
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(seconds));
  auto last_done = t0;
  for (size_t i = 0; i < conns.size() && issued < max_requests; ++i) startRequest(i);

  std::vector<epoll_event> events(static_cast<size_t>(clients) + 1);
  while (inflight > 0) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    if (n < 0 && errno != EINTR) die("epoll_wait failed");
    if (Clock::now() > deadline + std::chrono::seconds(60))
      die("warm phase: " + std::to_string(inflight) + " requests unanswered 60 s past the end");
    for (int e = 0; e < n; ++e) {
      size_t i = events[static_cast<size_t>(e)].data.u64;
      uint32_t what = events[static_cast<size_t>(e)].events;
      LoopConn& c = conns[i];
      if (c.fd < 0) continue;
      if ((what & EPOLLOUT) && !flush(i)) die("warm phase: send failed");
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
      if (used < 0) die("warm phase: " + err);
      bool reconnect = peer_closed;
      if (used > 0) {
        c.in.erase(0, static_cast<size_t>(used));
        phase.latencies_ns.push_back(nsBetween(c.start, now));
        last_done = now;
        c.busy = false;
        --inflight;
        if (resp.status != 200) {
          fail("HTTP " + std::to_string(resp.status) + ": " + resp.body.substr(0, 300));
        } else if (!resp.function_error.empty()) {
          fail("X-Amz-Function-Error " + resp.function_error + ": " + resp.body.substr(0, 300));
        }
        if (resp.close) reconnect = true;
      } else if (peer_closed && c.busy) {
        die("warm phase: the server closed a connection mid-request");
      }
      if (reconnect) {
        closeConn(i);
        openConn(i);
        ++phase.reconnects;
      }
      if (!conns[i].busy && now < deadline && issued < max_requests) startRequest(i);
    }
  }
  phase.wall_s = std::chrono::duration<double>(last_done - t0).count();
  phase.server_cpu_s = server.cpuSeconds() - cpu0;
  for (size_t i = 0; i < conns.size(); ++i)
    if (conns[i].fd >= 0) closeConn(i);
  close(ep);
  return phase;
}

// ---------------------------------------------------------------------------------------------
// Lambda API helpers

const char kRole[] = "arn:aws:iam::000000000000:role/r";

std::string createBody(const std::string& name, const std::string& zip) {
  return "{\"FunctionName\":\"" + name +
         "\",\"Runtime\":\"nodejs20.x\",\"Handler\":\"index.handler\",\"Role\":\"" + kRole +
         "\",\"Code\":{\"ZipFile\":\"" + stratus::base64Encode(zip) + "\"}}";
}

std::string functionSource(const std::string& tag, const std::string& body) {
  return "// " + tag + "\nexports.handler = async (event) => (" + body + ");\n";
}

void createFunction(Conn& conn, int port, const std::string& name, const std::string& source) {
  std::string zip = stratus::bench::zipOneFile("index.js", source);
  std::string req = buildRequest(port, "POST", "/2015-03-31/functions", createBody(name, zip));
  Response r;
  std::string err;
  if (!conn.roundTrip(req, &r, &err)) die("CreateFunction " + name + ": " + err);
  if (r.status != 201)
    die("CreateFunction " + name + ": HTTP " + std::to_string(r.status) + " " + r.body);
}

// "Init Duration: 12.34 ms" / "\tDuration: 1.23 ms" from a REPORT line; -1 if absent.
double reportField(const std::string& log, const std::string& key) {
  size_t report = log.rfind("REPORT RequestId:");
  if (report == std::string::npos) return -1;
  size_t at = log.find(key, report);
  if (at == std::string::npos) return -1;
  return std::atof(log.c_str() + at + key.size());
}

// ---------------------------------------------------------------------------------------------
// In-process baseline: a bare isolate + context, created and disposed.

class BareIsolates {
 public:
  BareIsolates() : allocator_(v8::ArrayBuffer::Allocator::NewDefaultAllocator()) {}
  int64_t timeOne() {
    auto t0 = Clock::now();
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = allocator_.get();
    v8::Isolate* isolate = v8::Isolate::New(params);
    {
      v8::Locker locker(isolate);
      v8::Isolate::Scope isolate_scope(isolate);
      v8::HandleScope handle_scope(isolate);
      v8::Local<v8::Context> context = v8::Context::New(isolate);
      (void)context;
    }
    isolate->Dispose();
    return nsBetween(t0, Clock::now());
  }

 private:
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
};

// ---------------------------------------------------------------------------------------------
// Reporting

const char* verdict(bool ok) { return ok ? "MET" : "MISSED"; }

void printStatsRow(const char* label, const Stats& s, const char* extra = "") {
  std::printf("  %-44s %6zu %9.3f %9.3f %9.3f %9.3f  %s\n", label, s.n, s.p50_ms, s.p99_ms,
              s.mean_ms, s.max_ms, extra);
}

struct WarmRow {
  Stats stats;
  double rps = 0;
  double cpu_us_per_req = 0;
  uint64_t errors = 0, reconnects = 0;
  std::string first_error;
};

WarmRow merge(const std::vector<Phase>& phases) {
  WarmRow row;
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

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  Options opt = parseOptions(argc, argv);
  if (!std::filesystem::exists(opt.stratus)) die("no server binary at " + opt.stratus);
  stratus::js::initializeV8(argv[0]);

  std::string tmpl = (std::filesystem::temp_directory_path() / "stratus-e2e-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) die("mkdtemp failed");
  g_data_dir = tmpl;
  g_keep_data = opt.keep_data;

  ServerProcess server;
  g_server = &server;
  auto run_t0 = Clock::now();
  server.start(opt.stratus, g_data_dir + "/data", g_data_dir + "/server.stderr.log",
               opt.server_args);
  const int port = server.port();
  std::printf("e2e_bench: %s (pid %d)\n", server.banner().c_str(), server.pid());
  std::fflush(stdout);

  Conn conn(port);
  std::string err;
  const std::string health_req = buildRequest(port, "GET", "/_stratus/health", "");
  {
    Response r;
    if (!conn.roundTrip(health_req, &r, &err)) die("health: " + err);
    if (r.status != 200) die("health: HTTP " + std::to_string(r.status) + " " + r.body);
  }

  // ---- Cold invoke --------------------------------------------------------------------------
  std::printf("e2e_bench: creating %d functions...\n", opt.cold);
  std::fflush(stdout);
  const std::string run_tag = std::to_string(getpid());
  const std::string cold_result = "{statusCode: 200, body: 'hello world'}";
  std::vector<int64_t> create_ns;
  for (int i = 0; i < opt.cold; ++i) {
    std::string name = "cold-" + std::to_string(i);
    auto t0 = Clock::now();
    createFunction(conn, port, name, functionSource(run_tag + "/" + name, cold_result));
    create_ns.push_back(nsBetween(t0, Clock::now()));
  }

  std::printf("e2e_bench: cold phase (%d functions, interleaved with baselines)...\n", opt.cold);
  std::fflush(stdout);
  BareIsolates bare;
  bare.timeOne();  // the first isolate in a process pays one-off costs
  std::vector<int64_t> cold_ns, isolate_ns, noop_ns;
  std::vector<double> init_ms, dur_ms;
  const std::vector<std::string> tail_header =
      opt.tail ? std::vector<std::string>{"X-Amz-Log-Type: Tail"} : std::vector<std::string>{};
  for (int i = 0; i < opt.cold; ++i) {
    isolate_ns.push_back(bare.timeOne());

    Response r;
    auto t0 = Clock::now();
    if (!conn.roundTrip(health_req, &r, &err)) die("health: " + err);
    noop_ns.push_back(nsBetween(t0, Clock::now()));
    if (r.status != 200) die("health: HTTP " + std::to_string(r.status));

    std::string req = buildRequest(port, "POST",
                                   "/2015-03-31/functions/cold-" + std::to_string(i) + "/invocations",
                                   "{\"i\":" + std::to_string(i) + "}", tail_header);
    t0 = Clock::now();
    if (!conn.roundTrip(req, &r, &err)) die("cold invoke: " + err);
    cold_ns.push_back(nsBetween(t0, Clock::now()));
    if (r.status != 200 || !r.function_error.empty() ||
        r.body.find("hello world") == std::string::npos) {
      std::string log;
      if (auto d = stratus::base64Decode(r.log_result)) log = *d;
      die("cold invoke cold-" + std::to_string(i) + ": HTTP " + std::to_string(r.status) + " " +
          r.function_error + " " + r.body.substr(0, 500) + "\n" + log);
    }
    if (!r.log_result.empty()) {
      if (auto d = stratus::base64Decode(r.log_result)) {
        double init = reportField(*d, "Init Duration: ");
        double dur = reportField(*d, "\tDuration: ");
        if (init >= 0) init_ms.push_back(init);
        if (dur >= 0) dur_ms.push_back(dur);
      }
    }
  }
  Stats cold = statsOf(cold_ns), isolate = statsOf(isolate_ns), noop = statsOf(noop_ns),
        create = statsOf(create_ns), init_s = statsOfMs(init_ms), dur_s = statsOfMs(dur_ms);

  // ---- Warm invoke --------------------------------------------------------------------------
  std::printf("e2e_bench: warm phases (%d rounds x %.1f s per phase, <= %ld requests each)...\n",
              opt.rounds, opt.phase_seconds, opt.max_requests);
  std::fflush(stdout);
  createFunction(conn, port, "warm", "exports.handler = async () => ({ok:true});\n");
  const std::string warm_req =
      buildRequest(port, "POST", "/2015-03-31/functions/warm/invocations", "{}");
  {
    Response r;
    if (!conn.roundTrip(warm_req, &r, &err)) die("warm invoke: " + err);
    if (r.status != 200 || r.body != "{\"ok\":true}")
      die("warm invoke: HTTP " + std::to_string(r.status) + " " + r.function_error + " " +
          r.body.substr(0, 500));
  }
  std::vector<int> settings = {1};
  if (opt.clients != 1) settings.push_back(opt.clients);
  struct WarmResult {
    int clients;
    WarmRow noop, warm;
  };
  std::vector<WarmResult> warm_results;
  for (int c : settings) {
    // Untimed: lets the scheduler start as many sandboxes as this concurrency needs.
    if (opt.warmup_seconds > 0) {
      runPhase(server, c, health_req, opt.warmup_seconds, opt.max_requests);
      runPhase(server, c, warm_req, opt.warmup_seconds, opt.max_requests);
    }
    std::vector<Phase> noop_phases, warm_phases;
    for (int round = 0; round < opt.rounds; ++round) {
      // Alternate the order so a drift inside a round does not favour one route.
      if (round % 2 == 0) {
        noop_phases.push_back(runPhase(server, c, health_req, opt.phase_seconds, opt.max_requests));
        warm_phases.push_back(runPhase(server, c, warm_req, opt.phase_seconds, opt.max_requests));
      } else {
        warm_phases.push_back(runPhase(server, c, warm_req, opt.phase_seconds, opt.max_requests));
        noop_phases.push_back(runPhase(server, c, health_req, opt.phase_seconds, opt.max_requests));
      }
    }
    warm_results.push_back({c, merge(noop_phases), merge(warm_phases)});
  }
  double total_s = secondsSince(run_t0);

  // ---- Summary ------------------------------------------------------------------------------
  std::printf("\n== e2e_bench summary (%u cores, %.0f s run; latencies in ms, closed loop, "
              "timed per request) ==\n",
              std::thread::hardware_concurrency(), total_s);
  std::printf("-- cold invoke: %d distinct functions, each invoked once, 1 client, interleaved "
              "with its baselines --\n", opt.cold);
  std::printf("  %-44s %6s %9s %9s %9s %9s\n", "", "n", "p50", "p99", "mean", "max");
  printStatsRow("cold invoke, end to end", cold);
  printStatsRow("baseline: bare isolate+context (in process)", isolate);
  printStatsRow("baseline: no-op route GET /_stratus/health", noop);
  if (init_s.n) printStatsRow("server REPORT Init Duration", init_s);
  if (dur_s.n) printStatsRow("server REPORT Duration", dur_s);
  printStatsRow("(setup) CreateFunction, not part of aims", create);
  std::printf("  cold p50 / bare isolate p50 = %.2fx   cold p50 / no-op p50 = %.1fx   "
              "cold p50 - bare isolate p50 = %.3f ms\n",
              cold.p50_ms / isolate.p50_ms, cold.p50_ms / noop.p50_ms,
              cold.p50_ms - isolate.p50_ms);
  if (init_s.n && dur_s.n)
    std::printf("  of the cold p50: server init %.3f + handler %.3f = %.3f ms; HTTP, "
                "scheduling and the rest %.3f ms\n",
                init_s.p50_ms, dur_s.p50_ms, init_s.p50_ms + dur_s.p50_ms,
                cold.p50_ms - init_s.p50_ms - dur_s.p50_ms);
  {
    // Does a cold start get slower as functions (and their idle sandboxes) pile up?
    auto quarter = [](const auto& v, bool last) {
      size_t q = std::max<size_t>(1, v.size() / 4);
      using T = typename std::decay_t<decltype(v)>::value_type;
      std::vector<T> part(last ? v.end() - static_cast<long>(q) : v.begin(),
                          last ? v.end() : v.begin() + static_cast<long>(q));
      if constexpr (std::is_same_v<T, double>) return statsOfMs(part).p50_ms;
      else return statsOf(part).p50_ms;
    };
    if (cold_ns.size() >= 8) {
      std::printf("  trend, p50 of the first vs last quarter of functions: cold invoke %.3f -> "
                  "%.3f, bare isolate %.3f -> %.3f, CreateFunction %.3f -> %.3f",
                  quarter(cold_ns, false), quarter(cold_ns, true), quarter(isolate_ns, false),
                  quarter(isolate_ns, true), quarter(create_ns, false), quarter(create_ns, true));
      if (init_ms.size() >= 8)
        std::printf(", server Init Duration %.3f -> %.3f", quarter(init_ms, false),
                    quarter(init_ms, true));
      std::printf("\n");
    }
  }
  std::printf("  AIM cold invoke p50 <= 3 ms end to end: %.3f ms -> %s (p99 %.3f ms)\n",
              cold.p50_ms, verdict(cold.p50_ms <= 3.0), cold.p99_ms);

  std::printf("-- warm invoke: one function (async () => ({ok:true})) vs the no-op route, same "
              "client, alternating rounds --\n");
  std::printf("  %-8s %-12s %8s %9s %9s %9s %9s %10s %12s %7s\n", "clients", "route", "n", "p50",
              "p99", "mean", "max", "req/s", "srv CPU us/r", "errors");
  bool all_met = cold.p50_ms <= 3.0;
  for (const WarmResult& w : warm_results) {
    for (const auto* row : {&w.noop, &w.warm}) {
      std::printf("  %-8d %-12s %8zu %9.3f %9.3f %9.3f %9.3f %10.0f %12.1f %7llu\n", w.clients,
                  row == &w.noop ? "no-op" : "warm invoke", row->stats.n, row->stats.p50_ms,
                  row->stats.p99_ms, row->stats.mean_ms, row->stats.max_ms, row->rps,
                  row->cpu_us_per_req, static_cast<unsigned long long>(row->errors));
      if (!row->first_error.empty())
        std::printf("           first error: %s\n", row->first_error.c_str());
    }
    double r50 = w.warm.stats.p50_ms / w.noop.stats.p50_ms;
    double r99 = w.warm.stats.p99_ms / w.noop.stats.p99_ms;
    double rtp = w.noop.rps / w.warm.rps;
    double rcpu = w.noop.cpu_us_per_req > 0 ? w.warm.cpu_us_per_req / w.noop.cpu_us_per_req : 0;
    std::printf("  %-8d ratio warm/no-op: p50 %.2fx  p99 %.2fx  mean %.2fx  throughput %.2fx "
                "slower  server CPU/req %.2fx\n",
                w.clients, r50, r99, w.warm.stats.mean_ms / w.noop.stats.mean_ms, rtp, rcpu);
    std::printf("  AIM warm invoke p50 within 1.2x of no-op, %d client%s: %.2fx -> %s\n",
                w.clients, w.clients == 1 ? "" : "s", r50, verdict(r50 <= 1.2));
    all_met = all_met && r50 <= 1.2;
    uint64_t rc = w.noop.reconnects + w.warm.reconnects;
    if (rc) std::printf("  note: %llu reconnects (Connection: close answers)\n",
                        static_cast<unsigned long long>(rc));
  }
  std::printf("== aims: %s ==\n", all_met ? "all met" : "not all met");
  std::fflush(stdout);

  server.stop();
  g_server = nullptr;
  cleanup();
  return 0;
}
