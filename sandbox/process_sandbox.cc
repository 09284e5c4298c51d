#include "sandbox/process_sandbox.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "runtime/base/clock.h"
#include "runtime/base/fault_boundary.h"
#include "runtime/base/log.h"
#include "runtime/base/minted_credentials.h"
#include "runtime/rapi/extension_registry.h"
#include "runtime/rapi/runtime_api_server.h"
#include "sandbox/attach_helper.h"
#include "sandbox/cgroup.h"
#include "sandbox/child_spawn.h"
#include "sandbox/exit_text.h"
#include "sandbox/extension_files.h"
#include "sandbox/invocation_log.h"
#include "sandbox/log_collector.h"
#include "sandbox/process_pool.h"
#include "sandbox/runtime_command.h"

namespace stratus::sandbox {

namespace {

constexpr double kInitLimitMs = 10000;  // Lambda's on-demand init limit
constexpr uint64_t kUnmeasuredFootprintMb = 32;
constexpr int kPidsMax = 1024;  // Lambda's limit on processes and threads
// An idle sandbox is frozen after a spell without work: back-to-back invocations then never
// pay for a freeze and a thaw (which cost more than a warm invoke: on cgroup v1 every thread of
// the runtime is woken for each), while a sandbox left idle still stops its timers and
// background work, as Lambda's do, within a blink. The spell is 20 ms, or twice the sandbox's
// last idle gap when that was under kMaxFreezeAfterIdleMs / 2: under steady traffic on a busy
// host the gaps between a sandbox's invocations grow past 20 ms, and freezing in each of them
// would put a freeze and a thaw on every invocation.
constexpr uint64_t kFreezeAfterIdleMs = 20;
constexpr uint64_t kMaxFreezeAfterIdleMs = 250;

// `last_gap_ms`: from the sandbox's previous answer to its latest invocation (< 0: none yet).
uint64_t freezeDelayMs(double last_gap_ms) {
  if (last_gap_ms < 0 || last_gap_ms * 2 > static_cast<double>(kMaxFreezeAfterIdleMs)) {
    return kFreezeAfterIdleMs;
  }
  return std::max<uint64_t>(kFreezeAfterIdleMs, static_cast<uint64_t>(last_gap_ms * 2));
}
// Lambda gives extensions 2,000 ms between SHUTDOWN and the kill.
constexpr uint64_t kShutdownGraceMs = 2000;

std::string errorPayload(const std::string& type, const std::string& message) {
  return nlohmann::json{{"errorType", type}, {"errorMessage", message}}.dump();
}

uint64_t toMb(uint64_t bytes) { return (bytes + (1u << 20) - 1) >> 20; }

CgroupLimits limitsFor(const SandboxSpec& spec) {
  CgroupLimits limits;
  limits.memory_mb = static_cast<uint64_t>(spec.memory_mb);
  limits.pids_max = kPidsMax;
  limits.cpu_shares = cpuSharesForMemory(spec.memory_mb);
  return limits;
}

bool sameLimits(const CgroupLimits& a, const CgroupLimits& b) {
  return a.memory_mb == b.memory_mb && a.pids_max == b.pids_max && a.cpu_shares == b.cpu_shares;
}

bool fileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

enum class Phase {
  kNew,           // nothing started
  kPooled,        // started before any function was known (prewarm), not claimed yet
  kInit,          // process started, runtime has not asked for work yet
  kIdle,          // waiting for work
  kBusy,          // an invocation is running
  kAwaitingNext,  // answered with an error; reusable once the runtime polls again
  kDead,          // process gone or being killed
};

}  // namespace

struct ProcessSandbox::Core : std::enable_shared_from_this<Core> {
  struct Current {
    InvokeRequest request;
    InvokeCallback done;
    double started_ms = 0;  // when it was handed to the runtime (or queued for it)
    bool cold = false;      // this invocation started the process
  };

  Core(Loop& l, ProcessTier& t, SandboxSpec s)
      : loop(l), tier(t), spec(std::move(s)), deadline(l), freeze_timer(l), shutdown_timer(l) {
    log_stream = logStreamName(epochMs(), spec.version);
  }

  Loop& loop;
  ProcessTier& tier;
  SandboxSpec spec;
  std::string log_stream;
  Phase phase = Phase::kNew;
  bool condemn_when_done = false;  // the sandbox object went away mid-invocation

  // This sandbox's credentials: a function's SDK calls back to an exposed server verify
  // against them until the sandbox dies (revoked in onExit, or with the core).
  MintedCredentials credentials;
  std::unique_ptr<rapi::RuntimeApiServer> rapi;
  std::unique_ptr<SandboxCgroup> cgroup;
  CgroupLimits cgroup_limits;  // what `cgroup` enforces now
  uint32_t uid = 0;
  uv_process_t* process = nullptr;
  uv_pipe_t* output = nullptr;     // the runtime's stdout and stderr
  uv_pipe_t* jail_errors = nullptr;
  int output_fd = -1;
  std::string jail_error;
  bool process_exited = false;
  int64_t exit_status = 0;
  int term_signal = 0;
  int open_handles = 0;
  std::shared_ptr<Core> self;  // holds the core while any uv handle is open

  LogCollector logs;
  std::string init_log;      // lines written during init, for the first invocation's log
  std::string idle_log;      // lines written between invocations
  Timer deadline;
  Timer freeze_timer;
  double spawned_ms = 0;
  double init_ms = -1;
  uint64_t footprint_mb = kUnmeasuredFootprintMb;
  std::optional<Current> current;
  PrestartCallback prestart_done;
  // Prewarm: the process was started in a generic jail (empty /var/task, STRATUS_PREWARM=1) and
  // asks to be claimed; claiming mounts the function's code into it and sends its environment.
  bool generic = false;
  bool claim_waiting = false;
  bool frozen = false;  // stopped by the cgroup freezer while it waits for work
  double answered_ms = -1;   // when the last invocation was answered (reusable), for the gap
  double last_gap_ms = -1;   // from that answer to the invocation after it (freezeDelayMs)

  // External extensions (/opt/extensions, extension_registry.h); null when there are none.
  std::shared_ptr<rapi::ExtensionRegistry> extensions;
  uv_pipe_t* extension_exits = nullptr;  // the jail's "exit NAME STATUS" lines
  std::string exit_lines;
  std::map<std::string, std::string> exit_codes;  // extension name -> its exit status
  bool runtime_ready = false;             // the runtime's first /next came, init may end
  std::optional<InvokeResult> answered;   // the runtime answered; the extensions are not done
  bool extension_failure_seen = false;
  bool shutting_down = false;             // SHUTDOWN sent; killed when acknowledged or late
  Timer shutdown_timer;

  SandboxState state() const {
    switch (phase) {
      case Phase::kNew: return SandboxState::kStarting;
      case Phase::kPooled: return SandboxState::kStarting;
      case Phase::kInit: return SandboxState::kStarting;
      case Phase::kIdle: return SandboxState::kIdle;
      case Phase::kBusy: return SandboxState::kBusy;
      // Placed like an idle one: the invocation waits for the runtime's next poll, or gets a
      // fresh process if the runtime exits instead (coldStart()).
      case Phase::kAwaitingNext: return current ? SandboxState::kBusy : SandboxState::kIdle;
      case Phase::kDead: return SandboxState::kCondemned;
    }
    return SandboxState::kCondemned;
  }

  // ---- starting --------------------------------------------------------------------------

  // Starts the jailed runtime; on failure returns the reason and leaves the core dead.
  std::string start() {
    const ProcessTierConfig& cfg = tier.config();
    // A generic custom runtime is our stand-in, which execs the bootstrap once claimed.
    bool standin = generic && runtimeFamily(spec.runtime) == RuntimeFamily::kProvided;
    std::vector<std::string> argv =
        standin ? std::vector<std::string>{std::string(kCustomStandinDir) + "/" + kCustomStandinName}
                : runtimeArgv(spec, cfg.binaries, fileExists(spec.task_root + "/bootstrap"));
    if (argv.empty()) return "no process runtime for " + spec.runtime;
    uid = tier.takeUid();
    if (uid == 0) return "no free sandbox uid";
    process_exited = false;
    exit_status = 0;
    term_signal = 0;
    jail_error.clear();
    init_ms = -1;
    runtime_ready = false;
    extensions.reset();
    exit_lines.clear();
    exit_codes.clear();
    extension_failure_seen = false;
    shutting_down = false;

    std::weak_ptr<Core> weak = shared_from_this();
    rapi::RuntimeApiEvents events;
    events.on_ready = [weak] { if (auto c = weak.lock()) c->onReady(); };
    events.on_response = [weak](std::string id, std::string body) {
      if (auto c = weak.lock()) c->onAnswer(id, std::move(body), "");
    };
    events.on_error = [weak](std::string id, std::string body, std::string type) {
      if (auto c = weak.lock()) c->onAnswer(id, std::move(body), type.empty() ? "Runtime.Unknown" : type);
    };
    events.on_init_error = [weak](std::string body, std::string type) {
      if (auto c = weak.lock()) c->onInitError(std::move(body), type);
    };
    events.on_response_too_large = [weak](std::string id) {
      if (auto c = weak.lock()) c->onTooLarge(id);
    };
    events.on_claim_waiting = [weak] {
      if (auto c = weak.lock()) {
        c->claim_waiting = true;
        c->measure();  // a pooled runtime at rest: what the pool is charged (process_pool.h)
      }
    };
    // Only this sandbox's uid may talk to its Runtime API: functions share the host's loopback.
    rapi = std::make_unique<rapi::RuntimeApiServer>(loop, std::move(events), uid);
    Status listening = rapi->listen();
    if (!listening.ok()) return "runtime API: " + listening.error().message;
    std::vector<std::string> extension_names;
    if (!generic) extension_names = externalExtensions(spec.opt_root);
    if (!extension_names.empty()) serveExtensions(extension_names);

    std::vector<std::string> args = {cfg.jail_binary, "--root", cfg.jail_root,
                                     "--uid", std::to_string(uid), "--gid", std::to_string(uid),
                                     "--tmp-mb", std::to_string(spec.ephemeral_mb),
                                     "--error-fd", "3"};
    auto bind = [&args](const std::string& src, const std::string& dst) {
      args.push_back("--bind");
      args.push_back(src + ":" + dst);
    };
    // A generic jail gets empty placeholders; the function's trees are mounted on them later.
    bind(generic ? cfg.empty_dir : spec.task_root, "/var/task");
    bind(generic || spec.opt_root.empty() ? cfg.empty_dir : spec.opt_root, "/opt");
    bind(cfg.runtime_dir + "/node", "/var/runtime/node");
    bind(cfg.runtime_dir + "/python", "/var/runtime/python");
    if (!cfg.node_sdk_dir.empty()) bind(cfg.node_sdk_dir, "/var/runtime/node_modules");
    if (standin) bind(cfg.custom_standin_dir, kCustomStandinDir);
    if (CgroupTree* tree = tier.cgroups()) {
      cgroup_limits = limitsFor(spec);
      auto made = tree->createChild("sb-" + std::to_string(tier.nextSandboxId()), cgroup_limits);
      if (!made.ok()) return "cgroup: " + made.error().message;
      cgroup = std::move(made).value();
      args.push_back("--cgroup");
      args.push_back(cgroup->path());
    }
    for (const std::string& name : extension_names) {
      args.push_back("--extension");
      args.push_back("/opt/extensions/" + name);
    }
    if (!extension_names.empty()) {
      args.push_back("--events-fd");
      args.push_back("4");
    }
    args.push_back("--");
    args.insert(args.end(), argv.begin(), argv.end());
    auto variables = processEnvironment(spec, cfg.binaries, log_stream, rapi->address(),
                                        cfg.endpoints, &credentials.get());
    if (generic) variables["STRATUS_PREWARM"] = "1";
    return spawn(args, envStrings(variables), !extension_names.empty());
  }

  // The Extensions API on the runtime's address, for the extensions this start launches.
  void serveExtensions(const std::vector<std::string>& names) {
    rapi::ExtensionFunctionInfo info{spec.function_name, spec.version, spec.handler,
                                     accountOfArn(spec.function_arn)};
    std::weak_ptr<Core> weak = shared_from_this();
    rapi::ExtensionEvents events;
    events.on_change = [weak] {
      if (auto c = weak.lock()) {
        guarded("sandbox extensions", c->spec.function_name, [&] { c->onExtensionsChanged(); });
      }
    };
    Loop* l = &loop;
    extensions = std::make_shared<rapi::ExtensionRegistry>(
        info, names, std::move(events), [l](std::function<void()> fn) { l->post(std::move(fn)); });
    std::weak_ptr<rapi::ExtensionRegistry> registry = extensions;
    rapi->setExtensionHandler([registry](HttpRequest& req, const std::string& path, HttpRespond respond) {
      if (auto r = registry.lock()) return r->handle(req, path, std::move(respond));
      HttpResponse gone;
      gone.status = 500;
      gone.body = R"({"errorMessage":"Internal Server Error","errorType":"InternalServerError"})";
      respond(std::move(gone));
    });
  }

  std::string spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
                    bool extension_events = false) {
    uv_file out_fds[2], err_fds[2];
    // Our ends do not block the loop; the runtime's ends block, as ordinary stdout does.
    if (int rc = uv_pipe(out_fds, UV_NONBLOCK_PIPE, 0); rc != 0) return std::string("pipe: ") + uv_strerror(rc);
    if (int rc = uv_pipe(err_fds, UV_NONBLOCK_PIPE, 0); rc != 0) {
      ::close(out_fds[0]);
      ::close(out_fds[1]);
      return std::string("pipe: ") + uv_strerror(rc);
    }
    uv_file ev_fds[2] = {-1, -1};
    if (extension_events) {
      if (int rc = uv_pipe(ev_fds, UV_NONBLOCK_PIPE, 0); rc != 0) {
        for (int fd : {out_fds[0], out_fds[1], err_fds[0], err_fds[1]}) ::close(fd);
        return std::string("pipe: ") + uv_strerror(rc);
      }
    }
    std::vector<char*> argv = cStrings(args), envp = cStrings(env);

    uv_stdio_container_t stdio[5];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_INHERIT_FD;
    stdio[1].data.fd = out_fds[1];
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = out_fds[1];
    stdio[3].flags = UV_INHERIT_FD;
    stdio[3].data.fd = err_fds[1];
    stdio[4].flags = UV_INHERIT_FD;
    stdio[4].data.fd = ev_fds[1];
    uv_process_options_t options{};
    options.file = argv[0];
    options.args = argv.data();
    options.env = envp.data();
    options.stdio = stdio;
    options.stdio_count = extension_events ? 5 : 4;
    options.exit_cb = &Core::onExitCb;
    // Its own session: a terminal's Ctrl-C reaches the server, which decides what stops.
    options.flags = UV_PROCESS_DETACHED;

    process = new uv_process_t;
    process->data = this;
    spawned_ms = monotonicMs();
    int rc;
    {
      BatchSchedulingScope batch;  // the runtime's whole tree runs SCHED_BATCH (child_spawn.h)
      rc = uv_spawn(loop.raw(), process, &options);
    }
    ::close(out_fds[1]);
    ::close(err_fds[1]);
    if (ev_fds[1] >= 0) ::close(ev_fds[1]);
    if (rc != 0) {
      ::close(out_fds[0]);
      ::close(err_fds[0]);
      if (ev_fds[0] >= 0) ::close(ev_fds[0]);
      // uv_spawn failures still need the handle closed.
      closeAndDelete(process);
      process = nullptr;
      return std::string("spawn ") + args[0] + ": " + uv_strerror(rc);
    }
    self = shared_from_this();
    ++open_handles;  // handles of a previous process may still be closing
    output = openPipe(out_fds[0], &Core::onOutputCb);
    output_fd = out_fds[0];
    jail_errors = openPipe(err_fds[0], &Core::onJailErrorCb);
    if (ev_fds[0] >= 0) extension_exits = openPipe(ev_fds[0], &Core::onExtensionExitCb);
    return "";
  }

  uv_pipe_t* openPipe(uv_file fd, uv_read_cb on_read) {
    auto* pipe = new uv_pipe_t;
    uv_pipe_init(loop.raw(), pipe, 0);
    pipe->data = this;
    uv_pipe_open(pipe, fd);
    ++open_handles;
    uv_read_start(reinterpret_cast<uv_stream_t*>(pipe),
                  [](uv_handle_t*, size_t, uv_buf_t* buf) {
                    static char scratch[64 * 1024];  // loop thread only; consumed before return
                    *buf = uv_buf_init(scratch, sizeof scratch);
                  },
                  on_read);
    return pipe;
  }

  // ---- pipes and exit (libuv callbacks: nothing may throw out of them) -------------------

  static void onOutputCb(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    auto* core = static_cast<Core*>(s->data);
    if (n > 0) {
      guarded("sandbox output", core->spec.function_name,
              [&] { core->logs.append(buf->base, static_cast<size_t>(n)); });
    }
    if (n < 0) core->closePipe(core->output);
  }

  static void onJailErrorCb(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    auto* core = static_cast<Core*>(s->data);
    if (n > 0 && core->jail_error.size() < 4096) core->jail_error.append(buf->base, static_cast<size_t>(n));
    if (n < 0) core->closePipe(core->jail_errors);
  }

  static void onExtensionExitCb(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    auto* core = static_cast<Core*>(s->data);
    if (n > 0) {
      guarded("sandbox extension exit", core->spec.function_name,
              [&] { core->onExtensionExitBytes(buf->base, static_cast<size_t>(n)); });
    }
    if (n < 0) core->closePipe(core->extension_exits);
  }

  void onExtensionExitBytes(const char* data, size_t n) {
    if (exit_lines.size() < 4096) exit_lines.append(data, n);
    size_t eol;
    while ((eol = exit_lines.find('\n')) != std::string::npos) {
      std::string line = exit_lines.substr(0, eol);
      exit_lines.erase(0, eol + 1);
      // "exit NAME STATUS"
      size_t first = line.find(' '), last = line.rfind(' ');
      if (line.rfind("exit ", 0) != 0 || last <= first) continue;
      std::string name = line.substr(first + 1, last - first - 1);
      exit_codes[name] = line.substr(last + 1);
      if (extensions) extensions->extensionExited(name);
    }
  }

  static void onExitCb(uv_process_t* p, int64_t exit_status, int term_signal) {
    auto* core = static_cast<Core*>(p->data);
    guarded("sandbox exit", core->spec.function_name,
            [&] { core->onExit(exit_status, term_signal); });
    if (core->process == p) core->process = nullptr;
    core->closeHandle(reinterpret_cast<uv_handle_t*>(p));
  }

  void closePipe(uv_pipe_t*& pipe) {
    if (!pipe) return;
    if (pipe == output) output_fd = -1;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(pipe));
    closeHandle(reinterpret_cast<uv_handle_t*>(pipe));
    pipe = nullptr;
  }

  void closeHandle(uv_handle_t* h) {
    h->data = this;
    uv_close(h, [](uv_handle_t* handle) {
      auto* core = static_cast<Core*>(handle->data);
      if (handle->type == UV_PROCESS) {
        delete reinterpret_cast<uv_process_t*>(handle);
      } else {
        delete reinterpret_cast<uv_pipe_t*>(handle);
      }
      if (--core->open_handles == 0) core->self.reset();  // may free the core: last statement
    });
  }

  // Reads what the runtime wrote and the loop has not read yet: its lines precede its answer.
  void drainOutput() {
    if (output_fd < 0) return;
    char buf[16 * 1024];
    for (int i = 0; i < 64; ++i) {  // bounded: at most 1 MB per drain
      ssize_t n = ::read(output_fd, buf, sizeof buf);
      if (n <= 0) break;
      logs.append(buf, static_cast<size_t>(n));
    }
  }

  // ---- runtime API events ----------------------------------------------------------------

  // Lambda freezes an environment between invocations: timers and background work of the
  // function wait for the next invoke instead of running (and using CPU) while it is idle.
  void freezeIfIdle() {
    if (phase != Phase::kIdle || current || !cgroup || frozen) return;
    if (extensions && !extensions->allWaiting()) return;  // frozen only once they all wait too
    std::weak_ptr<Core> weak = shared_from_this();
    freeze_timer.start(freezeDelayMs(last_gap_ms), [weak] {
      auto c = weak.lock();
      if (!c || c->phase != Phase::kIdle || c->current || !c->cgroup || c->frozen) return;
      c->frozen = c->cgroup->setFrozen(true).ok();
    });
  }

  void thaw() {
    freeze_timer.stop();
    if (!frozen) return;
    frozen = false;
    Status s = cgroup->setFrozen(false);
    if (!s.ok()) logWarn("sandbox for " + spec.function_name + ": " + s.error().message);
  }

  void onReady() {
    if (phase == Phase::kIdle) return freezeIfIdle();  // polled again after a response
    if (phase == Phase::kInit) {
      runtime_ready = true;
      endInitWhenReady();
    } else if (phase == Phase::kAwaitingNext) {
      phase = current ? Phase::kBusy : Phase::kIdle;
      if (current) return deliver();
      freezeIfIdle();
    }
  }

  // Init ends with the runtime's first /next and, when there are extensions, once each of them
  // registered and asked for its first event (Lambda's Init phase covers both).
  void endInitWhenReady() {
    if (phase != Phase::kInit || !runtime_ready) return;
    if (extensions) {
      if (!extensions->allRegistered() || !extensions->allWaiting()) return;
      extensions->closeRegistration();
    }
    {
      init_ms = monotonicMs() - spawned_ms;
      drainOutput();
      init_log += logs.take(true);
      if (extensions) init_log += extensions->initLogLines();
      measure();
      if (prestart_done) {
        deadline.stop();
        phase = Phase::kIdle;
        auto done = std::move(prestart_done);
        prestart_done = nullptr;
        freezeIfIdle();
        done("");
        return;
      }
      if (current) return deliver();
      phase = Phase::kIdle;
      freezeIfIdle();
    }
  }

  // ---- extensions ------------------------------------------------------------------------

  void onExtensionsChanged() {
    if (!extensions) return;
    if (extensions->failure() && !extension_failure_seen) {
      extension_failure_seen = true;
      return onExtensionFailure(*extensions->failure());
    }
    if (shutting_down) {
      if (extensions->shutdownDone()) killNow();
      return;
    }
    if (phase == Phase::kInit) return endInitWhenReady();
    if (phase == Phase::kBusy && answered && extensions->allWaiting()) finishAnswered();
  }

  // The runtime answered and every extension asked for its next event: the invoke is over.
  void finishAnswered() {
    InvokeResult r = std::move(*answered);
    answered.reset();
    finish(std::move(r), "", "");
    // The runtime may have polled again while the extensions finished: nothing will tell us.
    if (!rapi || rapi->state() != rapi::RuntimeState::kReady) return;
    if (phase == Phase::kIdle) return freezeIfIdle();
    if (phase == Phase::kAwaitingNext) {
      phase = current ? Phase::kBusy : Phase::kIdle;
      if (current) return deliver();
      freezeIfIdle();
    }
  }

  // An extension failed init (init/error, or exited before init ended) or, later, crashed or
  // posted exit/error: an init fails as Lambda reports it; a running environment is not reused.
  void onExtensionFailure(const rapi::ExtensionFailure& f) {
    if (phase != Phase::kInit) {
      if (current) {
        condemn_when_done = true;
        if (answered && extensions->allWaiting()) finishAnswered();
      } else if (phase != Phase::kDead) {
        kill("failure");
      }
      return;
    }
    init_ms = monotonicMs() - spawned_ms;
    std::string detail = f.error_type == "Extension.Crash"
                             ? "exit status " + (exit_codes.count(f.extension) ? exit_codes[f.extension] : "1")
                             : f.reported;
    if (prestart_done) {
      auto done = std::move(prestart_done);
      prestart_done = nullptr;
      kill("failure");
      done(f.error_type);
      return;
    }
    if (!current) return kill("failure");
    InvokeResult r;
    r.outcome = InvokeOutcome::kInitError;
    r.error_type = f.error_type;
    std::string text = "RequestId: " + current->request.request_id + " Error: " + detail;
    r.payload = errorPayload(r.error_type, text);
    finish(std::move(r), "error", "Extension " + f.extension + ": " + text + "\n" + r.error_type + "\n");
  }

  // The runtime's answer ends the invoke now, or once the extensions are done with it.
  void finishOrHold(InvokeResult r) {
    if (extensions && !extensions->allWaiting()) {
      answered = std::move(r);
      return;
    }
    finish(std::move(r), "", "");
  }

  void onAnswer(const std::string& id, std::string body, const std::string& error_type) {
    if (!current || current->request.request_id != id || phase != Phase::kBusy) return;
    InvokeResult r;
    r.payload = std::move(body);
    if (error_type.empty()) {
      r.outcome = InvokeOutcome::kOk;
    } else {
      r.outcome = InvokeOutcome::kFunctionError;
      r.error_type = error_type;
    }
    finishOrHold(std::move(r));
  }

  void onTooLarge(const std::string& id) {
    if (!current || current->request.request_id != id) return;
    InvokeResult r;
    r.outcome = InvokeOutcome::kResponseTooLarge;
    r.error_type = "Function.ResponseSizeTooLarge";
    r.payload = errorPayload(r.error_type,
                             "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
    finishOrHold(std::move(r));
  }

  void onInitError(std::string body, const std::string& type) {
    init_ms = monotonicMs() - spawned_ms;
    if (prestart_done) {
      auto done = std::move(prestart_done);
      prestart_done = nullptr;
      kill("failure");
      done(type);
      return;
    }
    if (!current) return kill("failure");
    InvokeResult r;
    r.outcome = InvokeOutcome::kInitError;
    r.error_type = type;
    r.payload = std::move(body);
    finish(std::move(r), "error", "");
  }

  void onExit(int64_t status, int signal) {
    shutdown_timer.stop();
    process_exited = true;
    exit_status = status;
    term_signal = signal;
    drainOutput();
    bool oom = cgroup && cgroup->oomKilled();
    bool was_init = phase == Phase::kInit;
    if (was_init) init_ms = monotonicMs() - spawned_ms;
    Phase before = phase;
    if (before == Phase::kAwaitingNext && current) {
      // The runtime exited after an error (an uncaught exception ends it) while an invocation
      // waited for its next poll: that invocation never ran, so it gets a fresh process, as
      // Lambda's next invoke after such an exit is a cold start.
      phase = Phase::kNew;
      release();
      loop.post([self = shared_from_this()] {
        if (self->current && self->phase == Phase::kNew) self->coldStart();
      });
      return;
    }
    phase = Phase::kDead;
    credentials.revoke();  // the sandbox is gone: so is what it may sign with
    std::string reason = runtimeExitText(status, signal);
    std::string jail = jail_error;
    while (!jail.empty() && (jail.back() == '\n' || jail.back() == '\r')) jail.pop_back();
    if (!jail.empty()) {
      reportSetupFailure("could not start", jail);
    }
    if (prestart_done) {
      auto done = std::move(prestart_done);
      prestart_done = nullptr;
      done(oom ? "Runtime.OutOfMemory" : "Runtime.ExitError");
    } else if (current && before != Phase::kDead) {
      InvokeResult r;
      r.outcome = oom ? InvokeOutcome::kOutOfMemory : InvokeOutcome::kRuntimeExited;
      r.error_type = oom ? "Runtime.OutOfMemory" : "Runtime.ExitError";
      std::string text = oom ? "Runtime exited with error: signal: killed" : reason;
      r.payload = errorPayload(r.error_type, "RequestId: " + current->request.request_id + " Error: " + text);
      if (was_init) r.outcome = InvokeOutcome::kInitError;
      std::string line = "RequestId: " + current->request.request_id + " Error: " + text + "\n" +
                         r.error_type + "\n";
      finish(std::move(r), was_init ? "error" : "", line);
    }
    release();
  }

  // ---- invocations -----------------------------------------------------------------------

  // ---- prewarm ---------------------------------------------------------------------------

  // Starts the runtime before any function is known; claimFor() assigns it one later.
  std::string startGeneric() {
    generic = true;
    phase = Phase::kPooled;
    std::string failed = start();
    if (!failed.empty()) {
      phase = Phase::kDead;
      release();
    }
    return failed;
  }

  bool claimable() const { return phase == Phase::kPooled && claim_waiting && !process_exited; }

  void claimFor(SandboxSpec function) {
    generic = false;  // a restart after this (coldStart) starts the function's own process
    spec = std::move(function);
    log_stream = logStreamName(epochMs(), spec.version);
  }

  // Mounts the claimed function's code and layers into the running jail (the tier's attach
  // helper), then answers the runtime's claim with the function's environment; init is timed
  // from here.
  void beginClaim() {
    phase = Phase::kInit;
    runtime_ready = false;
    spawned_ms = monotonicMs();
    std::vector<jail::AttachBind> binds = {{spec.task_root, "/var/task"}};
    if (!spec.opt_root.empty()) binds.push_back({spec.opt_root, "/opt"});
    std::weak_ptr<Core> weak = shared_from_this();
    tier.attachHelper(loop).attach(process->pid, std::move(binds), [weak](std::string error) {
      auto core = weak.lock();
      if (core) core->onAttached(error);
    });
    // While the helper mounts (the runtime is answered only once it has, so the limits hold
    // before the function's code runs). Most claims keep the size the process started with
    // (python and custom runtimes start at 128 MB): nothing to write then (~0.2 ms saved).
    CgroupLimits wanted = limitsFor(spec);
    if (cgroup && phase == Phase::kInit && !sameLimits(wanted, cgroup_limits)) {
      Status set = cgroup->setLimits(wanted);
      if (set.ok()) {
        cgroup_limits = wanted;
      } else {
        logWarn("sandbox limits for " + spec.function_name + ": " + set.error().message);
      }
    }
  }

  // The attach helper's answer: "" when the code is in place, else the step and path that
  // failed (or the helper's death).
  void onAttached(const std::string& error) {
    if (phase != Phase::kInit || !rapi || process_exited) return;
    guarded("sandbox attach", spec.function_name, [&] {
      if (!error.empty()) return failClaim("attach: " + error);
      const ProcessTierConfig& cfg = tier.config();
      rapi->claim(processEnvironment(spec, cfg.binaries, log_stream, rapi->address(), cfg.endpoints,
                                     &credentials.get()));
    });
  }

  // A sandbox that could not be set up: said in the server's log and in the function's.
  void reportSetupFailure(const std::string& what, const std::string& reason) {
    logWarn("sandbox for " + spec.function_name + " " + what + ": " + reason);
    std::string line = "stratus-jail: " + reason + "\n";
    logs.append(line.data(), line.size());
  }

  // The function's code could not be mounted into the prewarmed jail: its invocation (or
  // prestart) fails as a failed environment, and the process goes.
  void failClaim(const std::string& reason) {
    reportSetupFailure("could not be claimed", reason);
    init_ms = monotonicMs() - spawned_ms;
    if (prestart_done) {
      auto done = std::move(prestart_done);
      prestart_done = nullptr;
      done("Runtime.ExitError");
    } else if (current) {
      InvokeResult r;
      r.outcome = InvokeOutcome::kInitError;
      r.error_type = "Runtime.ExitError";
      r.payload = errorPayload(r.error_type, "RequestId: " + current->request.request_id +
                                                 " Error: Runtime exited without providing a reason");
      finish(std::move(r), "error", "");
    }
    kill();
  }

  // Starts a process for the current invocation (or claims the prewarmed one this is).
  void coldStart() {
    if (phase == Phase::kPooled) {
      current->cold = true;
      armInitDeadline();
      return beginClaim();
    }
    current->cold = true;
    phase = Phase::kInit;
    std::string failed = start();
    if (!failed.empty()) {
      logWarn("sandbox for " + spec.function_name + " could not start: " + failed);
      jail_error = failed;
      onExit(126, 0);
      return;
    }
    armInitDeadline();
  }

  // Init may take up to Lambda's 10 s, or the function's timeout when that is longer (Lambda
  // retries a slow init inside the invoke, under the function's timeout).
  void armInitDeadline() {
    std::weak_ptr<Core> weak = shared_from_this();
    double limit = std::max<double>(kInitLimitMs, spec.timeout_s * 1000.0);
    deadline.start(static_cast<uint64_t>(limit), [weak] {
      if (auto core = weak.lock()) core->onTimeout();
    });
  }

  // An invocation waiting for the runtime's next poll is bounded by the function's timeout.
  void armWait() {
    std::weak_ptr<Core> weak = shared_from_this();
    deadline.start(static_cast<uint64_t>(spec.timeout_s) * 1000, [weak] {
      if (auto core = weak.lock()) core->onTimeout();
    });
  }

  void deliver() {
    thaw();
    phase = Phase::kBusy;
    drainOutput();
    idle_log += logs.take(false);
    current->started_ms = monotonicMs();
    last_gap_ms = answered_ms < 0 ? -1 : current->started_ms - answered_ms;
    rapi::Invocation inv;
    inv.request_id = current->request.request_id;
    inv.payload = current->request.payload.empty() ? "{}" : current->request.payload;
    inv.deadline_epoch_ms = epochMs() + static_cast<int64_t>(spec.timeout_s) * 1000;
    inv.invoked_function_arn = current->request.invoked_function_arn;
    inv.trace_id = rapi::newTraceId();
    inv.client_context = current->request.client_context_json;
    std::weak_ptr<Core> weak = shared_from_this();
    deadline.start(static_cast<uint64_t>(spec.timeout_s) * 1000, [weak] {
      if (auto c = weak.lock()) c->onTimeout();
    });
    if (extensions) {
      extensions->deliverInvoke({inv.request_id, inv.deadline_epoch_ms, inv.invoked_function_arn, inv.trace_id});
    }
    rapi->deliver(std::move(inv));
  }

  void onTimeout() {
    if (!current) return;
    bool in_init = phase == Phase::kInit;
    InvokeResult r;
    r.outcome = InvokeOutcome::kTimeout;
    r.error_type = "Sandbox.Timedout";
    r.payload = errorPayload(r.error_type, "RequestId: " + current->request.request_id + " Error: " +
                                               taskTimedOutText(spec.timeout_s));
    double elapsed = monotonicMs() - (in_init ? spawned_ms : current->started_ms);
    std::string line = timeoutLogLine(epochMs(), current->request.request_id, elapsed) + "\n";
    if (in_init) init_ms = elapsed;
    finish(std::move(r), in_init ? "timeout" : "", line);
    kill("timeout");
  }

  // Ends the current invocation: writes its log, answers it, and decides what becomes of the
  // sandbox. `init_status` is "error" or "timeout" when init failed; `extra_lines` go before END.
  void finish(InvokeResult r, const std::string& init_status, const std::string& extra_lines) {
    deadline.stop();
    answered.reset();
    drainOutput();
    Current call = std::move(*current);
    current.reset();
    const std::string& id = call.request.request_id;
    measure();
    uint64_t max_used_mb = cgroup ? toMb(cgroup->peakMemoryBytes()) : footprint_mb;

    std::string& log = r.log_text;
    if (call.cold) {
      log += initStartLine(servedRuntime(spec.runtime, tier.config().binaries), spec.region) + "\n";
      if (init_status.empty()) r.init_duration_ms = init_ms;
    }
    log += init_log;
    init_log.clear();
    if (!init_status.empty()) {
      // The init failed: its lines, INIT_REPORT, then the invocation it failed.
      log += logs.take(true);
      log += extra_lines;
      log += initReportLine(init_ms, init_status, r.error_type) + "\n";
      log += startLine(id, spec.version) + "\n";
      log += endLine(id) + "\n";
      log += reportLine({id, 0.0, init_ms, spec.memory_mb, max_used_mb,
                         init_status == "timeout" ? "timeout" : "error", r.error_type}) +
             "\n";
      if (r.outcome == InvokeOutcome::kFunctionError) r.outcome = InvokeOutcome::kInitError;
    } else {
      r.duration_ms = monotonicMs() - call.started_ms;
      log += idle_log;
      log += startLine(id, spec.version) + "\n";
      log += logs.take(r.outcome != InvokeOutcome::kOk && r.outcome != InvokeOutcome::kFunctionError);
      log += extra_lines;
      log += endLine(id) + "\n";
      std::string status;
      if (r.outcome == InvokeOutcome::kTimeout) status = "timeout";
      if (r.outcome == InvokeOutcome::kOutOfMemory || r.outcome == InvokeOutcome::kRuntimeExited) {
        status = "error";
      }
      log += reportLine({id, r.duration_ms, call.cold ? init_ms : -1, spec.memory_mb, max_used_mb,
                         status, status == "error" ? r.error_type : std::string()}) +
             "\n";
    }
    idle_log.clear();

    bool reusable = phase == Phase::kBusy && init_status.empty() &&
                    (r.outcome == InvokeOutcome::kOk || r.outcome == InvokeOutcome::kFunctionError ||
                     r.outcome == InvokeOutcome::kResponseTooLarge);
    if (!reusable || condemn_when_done) {
      kill(r.outcome == InvokeOutcome::kTimeout ? "timeout" : reusable ? "spindown" : "failure");
    } else if (r.outcome == InvokeOutcome::kOk) {
      phase = Phase::kIdle;  // the runtime polls again at once; a delivery waits for that poll
      answered_ms = monotonicMs();
    } else {
      // Runtimes often exit after an error (uncaught exceptions): reuse only once it polls again.
      phase = Phase::kAwaitingNext;
      answered_ms = monotonicMs();
    }
    // May drop the sandbox: touch nothing after it. A throw from the caller's side stops here,
    // so the runtime's POST is still answered 202 (the invocation's answer dies with `call`).
    guarded(fault_site::kInvokeDone, call.request.request_id,
            [&] {
              r.log_stream = log_stream;
              call.done(std::move(r));
            });
  }

  void measure() {
    if (cgroup) footprint_mb = std::max<uint64_t>(1, toMb(cgroup->currentMemoryBytes()));
  }

  // Retires the sandbox. Extensions subscribed to SHUTDOWN get it first (`reason`: "spindown",
  // "timeout" or "failure") and up to kShutdownGraceMs to poll again or exit; then killNow().
  void kill(const char* reason = "spindown") {
    if (shutting_down) return;
    if (extensions && process && !process_exited) {
      thaw();
      if (extensions->beginShutdown(reason, epochMs() + static_cast<int64_t>(kShutdownGraceMs)) &&
          !extensions->shutdownDone()) {
        shutting_down = true;
        phase = Phase::kDead;
        deadline.stop();
        std::weak_ptr<Core> weak = shared_from_this();
        shutdown_timer.start(kShutdownGraceMs, [weak] {
          if (auto c = weak.lock()) c->killNow();
        });
        return;
      }
    }
    killNow();
  }

  // Ends the process tree: SIGKILL to the jail helper kills its namespace's init, and with it
  // every process in the namespace. The exit callback then releases the rest.
  void killNow() {
    shutdown_timer.stop();
    phase = Phase::kDead;
    credentials.revoke();
    freeze_timer.stop();
    frozen = false;  // killAll() thaws: frozen tasks would not die
    deadline.stop();
    if (process && !process_exited) uv_process_kill(process, SIGKILL);
    if (cgroup) cgroup->killAll();
    if (!process) release();
  }

  // Everything but the uv handles, which free themselves once closed.
  void release() {
    if (rapi) {
      rapi->close();
      // Destroyed on a later turn: an event of this server may be what brought us here.
      loop.post([r = std::shared_ptr<rapi::RuntimeApiServer>(std::move(rapi))] {});
    }
    if (process_exited || !process) {
      cgroup.reset();  // rmdir: its tasks are gone
      if (uid) tier.returnUid(uid);
      uid = 0;
      if (output) {
        drainOutput();
        closePipe(output);
      }
      if (jail_errors) closePipe(jail_errors);
      if (extension_exits) closePipe(extension_exits);
      if (extensions) extensions->close();
    }
  }
};

ProcessSandbox::ProcessSandbox(Loop& loop, ProcessTier& tier, SandboxSpec spec)
    : core_(std::make_shared<Core>(loop, tier, std::move(spec))) {}

ProcessSandbox::~ProcessSandbox() {
  if (core_->current) {
    core_->condemn_when_done = true;  // let the invocation finish; then the process goes
  } else {
    core_->kill();
  }
}

SandboxState ProcessSandbox::state() const { return core_->state(); }
uint64_t ProcessSandbox::footprintMb() const { return core_->footprint_mb; }
const SandboxSpec& ProcessSandbox::spec() const { return core_->spec; }

void ProcessSandbox::condemn() {
  if (core_->current) {
    core_->condemn_when_done = true;
  } else {
    core_->kill();
  }
}

void ProcessSandbox::invoke(InvokeRequest request, InvokeCallback done) {
  std::shared_ptr<Core> hold = core_;  // `done` may destroy this sandbox
  Core& c = *hold;
  if (c.phase == Phase::kDead || c.current) {
    InvokeResult r;
    r.outcome = InvokeOutcome::kRuntimeExited;
    r.error_type = "Runtime.ExitError";
    r.payload = errorPayload(r.error_type, "RequestId: " + request.request_id +
                                               " Error: Runtime exited without providing a reason");
    r.log_stream = c.log_stream;
    return done(std::move(r));
  }
  c.current = Core::Current{std::move(request), std::move(done), monotonicMs(), false};
  switch (c.phase) {
    case Phase::kIdle: return c.deliver();
    case Phase::kAwaitingNext: return c.armWait();  // delivered when the runtime polls again
    case Phase::kInit: return;                       // prestart in progress: delivered on ready
    default: return c.coldStart();                   // kNew or kPooled
  }
}

void ProcessSandbox::prestart(PrestartCallback done) {
  std::shared_ptr<Core> hold = core_;  // `done` may destroy this sandbox
  Core& c = *hold;
  if (c.phase != Phase::kNew && c.phase != Phase::kPooled) {
    return done(c.phase == Phase::kDead ? "Runtime.ExitError" : "");
  }
  c.prestart_done = std::move(done);
  std::string failed;
  if (c.phase == Phase::kPooled) {
    c.beginClaim();
  } else {
    c.phase = Phase::kInit;
    failed = c.start();
  }
  if (!failed.empty()) {
    logWarn("sandbox for " + c.spec.function_name + " could not start: " + failed);
    c.jail_error = failed;
    c.onExit(126, 0);
    return;
  }
  std::weak_ptr<Core> weak = core_;
  c.deadline.start(static_cast<uint64_t>(kInitLimitMs), [weak] {
    auto core = weak.lock();
    if (!core || !core->prestart_done) return;
    auto cb = std::move(core->prestart_done);
    core->prestart_done = nullptr;
    core->kill("timeout");
    cb("Sandbox.Timedout");
  });
}

std::string ProcessSandbox::startGeneric() { return core_->startGeneric(); }
bool ProcessSandbox::claimable() const { return core_->claimable(); }
void ProcessSandbox::claimFor(SandboxSpec spec) { core_->claimFor(std::move(spec)); }

std::unique_ptr<Sandbox> ProcessSandboxFactory::create(SandboxSpec spec) {
  if (pool_) {
    if (auto pooled = pool_->take(spec)) return pooled;
  }
  return std::make_unique<ProcessSandbox>(loop_, tier_, std::move(spec));
}

uint64_t ProcessSandboxFactory::heldMb() const { return pool_ ? pool_->heldMb() : 0; }

}  // namespace stratus::sandbox
