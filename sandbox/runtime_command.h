// What a process sandbox runs for a runtime, and the environment it runs with: pure functions
// of the function's spec and the server's process-tier settings, so both are tested alone.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runtime/base/minted_credentials.h"
#include "sandbox/sandbox.h"

namespace stratus::sandbox {

enum class RuntimeFamily { kNode, kPython, kProvided, kUnknown };

RuntimeFamily runtimeFamily(const std::string& runtime);  // "nodejs20.x" -> kNode

// One host interpreter for the process tier and the version it really is (the Node major goes
// into NODE_PATH, as Lambda's /opt/nodejs/node<major>/node_modules; the Python minor names
// /opt/python/lib/python3.X).
struct Interpreter {
  std::string path;
  std::string version;  // "20.20.2" (node, without the v) or "3.11.2" (python)
  int major() const;           // 20, 3
  std::string minor() const;   // "20.20", "3.11"
};

struct RuntimeBinaries {
  Interpreter node{"/usr/bin/node", "20.0.0"};
  Interpreter python{"/usr/bin/python3", "3.11.0"};
  // Interpreters for one runtime only (--runtime-binary nodejs22.x=PATH).
  std::map<std::string, Interpreter> by_runtime;
  // The interpreter serving `runtime` (its own, else its family's); null for custom runtimes.
  const Interpreter* forRuntime(const std::string& runtime) const;
};

// The runtime that really serves `runtime` on this host, for INIT_START: nodejs22.x served by a
// node 20 binary is "nodejs20.x", python3.12 served by python 3.11 is "python3.11".
std::string servedRuntime(const std::string& runtime, const RuntimeBinaries& bins);

// The pooled custom runtime's stand-in (sandbox/custom_standin): its file name, and where its
// directory is bound in the jails that run it.
inline constexpr const char* kCustomStandinName = "stratus-custom-standin";
inline constexpr const char* kCustomStandinDir = "/var/runtime/custom";

// argv inside the jail (paths are the jail's: /var/runtime, /var/task, /opt). A provided
// runtime runs /var/task/bootstrap, or /opt/bootstrap when the zip has none (`has_task_bootstrap`).
std::vector<std::string> runtimeArgv(const SandboxSpec& spec, const RuntimeBinaries& bins,
                                     bool has_task_bootstrap);

// Lambda's variables for a process sandbox (LAMBDA.md §7): lambdaEnvironment() with the jail's
// paths, the Runtime API address, the sandbox's credentials (minted ones, which this server's
// verifier accepts while the sandbox lives; null: made up), and AWS_ENDPOINT_URL_* for the
// services this server answers (`endpoints`: "LAMBDA" -> "http://127.0.0.1:9000"), which the
// function's own variables override.
std::map<std::string, std::string> processEnvironment(
    const SandboxSpec& spec, const RuntimeBinaries& bins, const std::string& log_stream,
    const std::string& runtime_api, const std::map<std::string, std::string>& endpoints,
    const TemporaryCredentials* credentials = nullptr);

// NAME=VALUE strings for execve.
std::vector<std::string> envStrings(const std::map<std::string, std::string>& env);

}  // namespace stratus::sandbox
