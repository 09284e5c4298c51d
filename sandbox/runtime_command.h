// What a process sandbox runs for a runtime, and the environment it runs with: pure functions
// of the function's spec and the server's process-tier settings, so both are tested alone.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"

namespace stratus::sandbox {

enum class RuntimeFamily { kNode, kPython, kProvided, kUnknown };

RuntimeFamily runtimeFamily(const std::string& runtime);  // "nodejs20.x" -> kNode

// Host interpreters for the process tier, and the Node major each one really is (it goes into
// NODE_PATH, as Lambda's /opt/nodejs/node<major>/node_modules).
struct RuntimeBinaries {
  std::string node = "/usr/bin/node";
  int node_major = 20;
  std::string python = "/usr/bin/python3";
  std::string python_version = "3.11";  // "major.minor", for /opt/python/lib/python3.X
};

// The runtime that really serves `runtime` on this host, for INIT_START: nodejs22.x served by a
// node 20 binary is "nodejs20.x", python3.12 served by python 3.11 is "python3.11".
std::string servedRuntime(const std::string& runtime, const RuntimeBinaries& bins);

// argv inside the jail (paths are the jail's: /var/runtime, /var/task, /opt). A provided
// runtime runs /var/task/bootstrap, or /opt/bootstrap when the zip has none (`has_task_bootstrap`).
std::vector<std::string> runtimeArgv(const SandboxSpec& spec, const RuntimeBinaries& bins,
                                     bool has_task_bootstrap);

// Lambda's variables for a process sandbox (LAMBDA.md §7): lambdaEnvironment() with the jail's
// paths, the Runtime API address, per-sandbox test credentials, and AWS_ENDPOINT_URL_* for the
// services this server answers (`endpoints`: "LAMBDA" -> "http://127.0.0.1:9000"), which the
// function's own variables override.
std::map<std::string, std::string> processEnvironment(
    const SandboxSpec& spec, const RuntimeBinaries& bins, const std::string& log_stream,
    const std::string& runtime_api, const std::map<std::string, std::string>& endpoints);

// NAME=VALUE strings for execve.
std::vector<std::string> envStrings(const std::map<std::string, std::string>& env);

}  // namespace stratus::sandbox
