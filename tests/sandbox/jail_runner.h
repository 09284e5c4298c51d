// Test support for the jail helper: runs the real stratus-jail with piped stdout, stderr and
// error fd (fd 3, as the server passes it), every wait bounded in time, and a scratch directory
// with a root dir and a /var/task dir. Test thread only.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace stratus::sandbox::testing {

inline const char* jailBinary() { return STRATUS_JAIL_BIN; }

constexpr uid_t kJailUid = 1051;
constexpr gid_t kJailGid = 1051;

// A scratch directory: root/ (for --root) and task/ (bound at /var/task), 0755 as the server
// extracts code (mkdtemp's 0700 would lock the sandbox user out).
class JailScratch {
 public:
  JailScratch() {
    char pattern[] = "/tmp/stratus-jail-test-XXXXXX";
    base_ = mkdtemp(pattern);
    chmod(base_.c_str(), 0755);
    mkdir(root().c_str(), 0755);
    mkdir(task().c_str(), 0755);
  }
  ~JailScratch() {
    std::error_code ignored;
    std::filesystem::remove_all(base_, ignored);
  }
  JailScratch(const JailScratch&) = delete;
  JailScratch& operator=(const JailScratch&) = delete;

  std::string base() const { return base_; }
  std::string root() const { return base_ + "/root"; }
  std::string task() const { return base_ + "/task"; }
  void writeTaskFile(const std::string& name, const std::string& text) const {
    std::ofstream(task() + "/" + name) << text;
    chmod((task() + "/" + name).c_str(), 0644);
  }
  // The usual command line up to "--".
  std::vector<std::string> args() const {
    return {"--root", root(), "--uid", std::to_string(kJailUid), "--gid",
            std::to_string(kJailGid), "--bind", task() + ":/var/task", "--error-fd", "3"};
  }

 private:
  std::string base_;
};

struct JailResult {
  int status = -1;         // the helper's raw wait status
  bool timed_out = false;  // it had to be killed
  std::string out;
  std::string err;
  std::string error_line;  // what came on the error fd
};

// One running helper. The destructor SIGKILLs and reaps it if the test did not finish it.
class JailProcess {
 public:
  JailProcess(const std::vector<std::string>& args, const std::vector<std::string>& program,
              std::vector<std::string> env = {"PATH=/usr/bin:/bin"}, bool leak_fds = false) {
    int out[2], err[2], error[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
        pipe2(error, O_CLOEXEC) != 0) {
      return;
    }
    std::vector<std::string> all{jailBinary()};
    all.insert(all.end(), args.begin(), args.end());
    all.push_back("--");
    all.insert(all.end(), program.begin(), program.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      int null = open("/dev/null", O_RDONLY);
      dup2(null, 0);
      dup2(out[1], 1);
      dup2(err[1], 2);
      dup2(error[1], 3);
      if (leak_fds) {  // what a careless server might let through: no CLOEXEC
        dup2(null, 7);
        dup2(null, 100);
      }
      execve(argv[0], argv.data(), envp.data());
      _exit(99);
    }
    close(out[1]);
    close(err[1]);
    close(error[1]);
    out_ = out[0];
    err_ = err[0];
    error_ = error[0];
  }
  ~JailProcess() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
    }
    for (int fd : {out_, err_, error_}) {
      if (fd >= 0) close(fd);
    }
  }
  JailProcess(const JailProcess&) = delete;
  JailProcess& operator=(const JailProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Reads the error fd until EOF, which comes once the program has exec'ed (nothing written)
  // or failed (one line). False if it did not come in time.
  bool waitForExec(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (error_ >= 0) {
      if (!pump(deadline)) return false;
    }
    return true;
  }
  const std::string& errorLine() const { return error_text_; }

  // Reads everything and waits for the helper, killing it at the deadline.
  JailResult finish(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    JailResult result;
    while (out_ >= 0 || err_ >= 0 || error_ >= 0) {
      if (!pump(deadline)) {
        result.timed_out = true;
        break;
      }
    }
    while (!reaped_) {
      int status;
      pid_t got = waitpid(pid_, &status, WNOHANG);
      if (got == pid_) {
        reaped_ = true;
        result.status = status;
      } else if (std::chrono::steady_clock::now() >= deadline) {
        result.timed_out = true;
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        reaped_ = true;
        result.status = status;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    result.out = out_text_;
    result.err = err_text_;
    result.error_line = error_text_;
    return result;
  }

 private:
  // One poll round over the open pipes; false at the deadline.
  bool pump(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    struct Source {
      int* fd;
      std::string* text;
    } sources[] = {{&out_, &out_text_}, {&err_, &err_text_}, {&error_, &error_text_}};
    std::vector<pollfd> fds;
    std::vector<Source*> owners;
    for (Source& s : sources) {
      if (*s.fd < 0) continue;
      fds.push_back({*s.fd, POLLIN, 0});
      owners.push_back(&s);
    }
    if (fds.empty()) return true;
    if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) <= 0) return false;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        owners[i]->text->append(buffer, static_cast<size_t>(n));
      } else {
        close(*owners[i]->fd);
        *owners[i]->fd = -1;
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
  int out_ = -1;
  int err_ = -1;
  int error_ = -1;
  std::string out_text_;
  std::string err_text_;
  std::string error_text_;
};

inline JailResult runJail(const std::vector<std::string>& args,
                          const std::vector<std::string>& program,
                          std::vector<std::string> env = {"PATH=/usr/bin:/bin"},
                          bool leak_fds = false) {
  JailProcess process(args, program, std::move(env), leak_fds);
  return process.finish();
}

// Polls `done` every millisecond until it holds or `timeout` passes.
template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace stratus::sandbox::testing
