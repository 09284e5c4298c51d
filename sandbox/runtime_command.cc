#include "sandbox/runtime_command.h"

#include <cstdlib>

#include "sandbox/lambda_environment.h"

namespace stratus::sandbox {

namespace {
bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }
}  // namespace

RuntimeFamily runtimeFamily(const std::string& runtime) {
  if (startsWith(runtime, "nodejs")) return RuntimeFamily::kNode;
  if (startsWith(runtime, "python3")) return RuntimeFamily::kPython;
  if (startsWith(runtime, "provided")) return RuntimeFamily::kProvided;
  return RuntimeFamily::kUnknown;
}

int Interpreter::major() const { return std::atoi(version.c_str()); }

std::string Interpreter::minor() const {
  size_t first = version.find('.');
  size_t second = first == std::string::npos ? first : version.find('.', first + 1);
  return version.substr(0, second);
}

const Interpreter* RuntimeBinaries::forRuntime(const std::string& runtime) const {
  auto own = by_runtime.find(runtime);
  if (own != by_runtime.end()) return &own->second;
  switch (runtimeFamily(runtime)) {
    case RuntimeFamily::kNode: return &node;
    case RuntimeFamily::kPython: return &python;
    default: return nullptr;
  }
}

std::string servedRuntime(const std::string& runtime, const RuntimeBinaries& bins) {
  const Interpreter* interpreter = bins.forRuntime(runtime);
  switch (runtimeFamily(runtime)) {
    case RuntimeFamily::kNode: return "nodejs" + std::to_string(interpreter->major()) + ".x";
    case RuntimeFamily::kPython: return "python" + interpreter->minor();
    default: return runtime;
  }
}

std::vector<std::string> runtimeArgv(const SandboxSpec& spec, const RuntimeBinaries& bins,
                                     bool has_task_bootstrap) {
  switch (runtimeFamily(spec.runtime)) {
    case RuntimeFamily::kNode: {
      // As Lambda's own Node bootstrap sizes V8: a tenth of the memory is new space, the rest
      // old space, so the heap limit falls inside the sandbox's memory limit.
      int new_space = spec.memory_mb / 10;
      std::vector<std::string> argv = {bins.forRuntime(spec.runtime)->path, "--expose-gc", "--max-http-header-size=81920",
                                       "--max-semi-space-size=" + std::to_string(new_space / 2),
                                       "--max-old-space-size=" + std::to_string(spec.memory_mb - new_space)};
      // Lambda's Node 20 and 22 load a .js file with `export` but no "type":"module" as
      // CommonJS (a syntax error), not through require(esm) or module detection.
      if (spec.runtime == "nodejs20.x" || spec.runtime == "nodejs18.x" || spec.runtime == "nodejs22.x") {
        argv.push_back("--no-experimental-require-module");
      }
      if (spec.runtime == "nodejs22.x") argv.push_back("--no-experimental-detect-module");
      argv.push_back("/var/runtime/node/index.mjs");
      return argv;
    }
    case RuntimeFamily::kPython:
      return {bins.forRuntime(spec.runtime)->path, "-u", "/var/runtime/python/bootstrap.py"};
    case RuntimeFamily::kProvided:
      return {has_task_bootstrap ? "/var/task/bootstrap" : "/opt/bootstrap"};
    case RuntimeFamily::kUnknown:
      break;
  }
  return {};
}

std::map<std::string, std::string> processEnvironment(
    const SandboxSpec& spec, const RuntimeBinaries& bins, const std::string& log_stream,
    const std::string& runtime_api, const std::map<std::string, std::string>& endpoints,
    const TemporaryCredentials* credentials) {
  std::map<std::string, std::string> env = lambdaEnvironment(spec, log_stream, credentials);
  for (const auto& [service, url] : endpoints) {
    std::string key = "AWS_ENDPOINT_URL_" + service;
    if (!spec.environment.count(key)) env[key] = url;
  }
  env["LAMBDA_TASK_ROOT"] = "/var/task";
  env["LAMBDA_RUNTIME_DIR"] = "/var/runtime";
  env["AWS_LAMBDA_RUNTIME_API"] = runtime_api;
  env["PWD"] = "/var/task";
  env["SHLVL"] = "0";
  env["LD_LIBRARY_PATH"] =
      "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib";
  // Lambda's daemon sits on a link-local address; here loopback, so that a traced function
  // never sends a datagram off this machine.
  env["_AWS_XRAY_DAEMON_ADDRESS"] = "127.0.0.1";
  env["_AWS_XRAY_DAEMON_PORT"] = "2000";
  env["AWS_XRAY_DAEMON_ADDRESS"] = "127.0.0.1:2000";
  switch (runtimeFamily(spec.runtime)) {
    case RuntimeFamily::kNode:
      // NODE_PATH is not reserved: a function's own value wins, as in Lambda's bootstrap.
      // The runtime-provided SDK warns about Node versions below its own minimum; Lambda's
      // bundled SDK matches its runtime and does not.
      if (!spec.environment.count("AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED")) {
        env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";
      }
      if (!spec.environment.count("NODE_PATH")) {
        env["NODE_PATH"] = "/opt/nodejs/node" + std::to_string(bins.forRuntime(spec.runtime)->major()) +
                           "/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:"
                           "/var/runtime:/var/task";
      }
      break;
    case RuntimeFamily::kPython:
      if (!spec.environment.count("PYTHONPATH")) env["PYTHONPATH"] = "/var/runtime";
      break;
    default:
      break;
  }
  return env;
}

std::vector<std::string> envStrings(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

}  // namespace stratus::sandbox
