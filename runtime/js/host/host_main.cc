// stratus-isolate-host: runs the isolate tier's V8 isolates for the server, outside it, so that
// a V8 fatal error or a kernel OOM kill ends this process and not the server. The server spawns
// it (sandbox/isolate_host.h) with the socket on fd 3 and speaks host_protocol.h over it.
//
//   stratus-isolate-host --memory-mb N [--prewarm K] [--max-workers W]
//
// One host serves one memory size (see docs/isolate-hosts.md): V8's process-wide limits follow
// it. --wasm-max-mem-pages makes one WebAssembly memory at most N MB (the heap limit and the
// ArrayBuffer allocator bound the rest per isolate), and the prewarm pool keeps K isolates of N MB
// bootstrapped. The host dies with the server (parent-death signal, and EOF on the socket).
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <v8-initialization.h>

#include "runtime/js/host/host_session.h"
#include "runtime/js/js_function.h"

namespace {

constexpr int kChannelFd = 3;
constexpr uint64_t kWasmPageBytes = 64 * 1024;

int usage() {
  std::fprintf(stderr, "usage: stratus-isolate-host --memory-mb N [--prewarm K] [--max-workers W]\n");
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  long memory_mb = 0, prewarm = 0, max_workers = 256;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    long v = std::atol(argv[++i]);
    if (a == "--memory-mb") {
      memory_mb = v;
    } else if (a == "--prewarm") {
      prewarm = v;
    } else if (a == "--max-workers") {
      max_workers = v;
    } else {
      return usage();
    }
  }
  if (memory_mb <= 0 || prewarm < 0 || max_workers <= 0) return usage();
  // Dies with the server, even if the server is killed before it could close the socket.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() == 1) return 0;
  std::signal(SIGPIPE, SIG_IGN);

  uint64_t pages = (static_cast<uint64_t>(memory_mb) << 20) / kWasmPageBytes;
  std::string flags = "--wasm-max-mem-pages=" + std::to_string(pages);
  v8::V8::SetFlagsFromString(flags.c_str());
  stratus::js::initializeV8(argv[0]);
  stratus::js::setFatalOutOfMemoryHook(&stratus::js::host::HostSession::sendFatalFromThisThread);

  stratus::js::host::HostSession session(kChannelFd, static_cast<size_t>(max_workers));
  if (prewarm > 0) {
    stratus::js::prewarmIsolates(static_cast<size_t>(prewarm), static_cast<uint64_t>(memory_mb) << 20);
  }
  session.sendReady();
  session.run();
}
