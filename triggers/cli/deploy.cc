#include "triggers/cli/deploy.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "layers/file_util.h"
#include "runtime/base/crypto.h"
#include "triggers/cli/deploy_defaults.h"
#include "triggers/cli/folder_zip.h"

namespace stratus::triggers::cli {

namespace {

using nlohmann::json;

Result<std::string> readCode(const std::string& source, std::ostream& progress) {
  std::error_code ec;
  if (std::filesystem::is_directory(source, ec)) {
    auto zipped = zipFolder(source);
    if (!zipped.ok()) return zipped.error();
    progress << "zipped " << zipped->files << " files (" << zipped->unzipped_bytes / 1024 << " KiB) into "
             << zipped->bytes.size() / 1024 << " KiB\n";
    if (zipped->bytes.size() > 1024 * 1024) progress << "uploading " << zipped->bytes.size() / (1024 * 1024) << " MiB...\n";
    return std::move(zipped->bytes);
  }
  auto bytes = layers::readWholeFile(source);
  if (!bytes.ok()) return Error::invalidParameter("cannot read " + source + ": " + bytes.error().message);
  return std::move(bytes).value();
}

Error failure(const std::string& what, const ClientResponse& r, const LambdaClient& client) {
  return Error::service(what + ": " + describeFailure(r, client.endpoint()));
}

// Waits (at most 60 s) until the function is Active and its last update Successful.
Result<json> waitUntilReady(LambdaClient& client, const std::string& name) {
  for (int attempt = 0; attempt < 1200; ++attempt) {
    ClientResponse r = client.call("GET", functionPath(name) + "/configuration");
    if (r.status != 200) return failure(name, r, client);
    json c = json::parse(r.body, nullptr, false);
    std::string state = c.value("State", ""), update = c.value("LastUpdateStatus", "Successful");
    if (state == "Failed" || update == "Failed") {
      return Error::service("the function's " + std::string(state == "Failed" ? "state" : "last update") +
                            " is Failed: " + c.value("StateReason", c.value("LastUpdateStatusReason", "")));
    }
    if (state == "Active" && update == "Successful") return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Error::service("the function did not become Active within 60 s");
}

Result<json> putCode(LambdaClient& client, const std::string& name, const std::string& zip) {
  ClientResponse r = client.call("PUT", functionPath(name) + "/code", json{{"ZipFile", base64Encode(zip)}}.dump());
  if (r.status != 200) return failure("update code of " + name, r, client);
  return waitUntilReady(client, name);
}

}  // namespace

Result<json> updateCode(LambdaClient& client, const std::string& name, const std::string& source,
                        std::ostream& progress) {
  auto code = readCode(source, progress);
  if (!code.ok()) return code.error();
  return putCode(client, name, *code);
}

Result<json> deployFunction(LambdaClient& client, DeployArgs& a, std::ostream& progress) {
  std::error_code ec;
  bool folder = std::filesystem::is_directory(a.source, ec);
  DeployDefaults inferred = folder ? inferDefaults(a.source) : DeployDefaults{};
  if (a.name.empty()) a.name = nameFromFolder(folder ? a.source : std::filesystem::path(a.source).stem().string());
  json variables = json::object();
  for (const std::string& kv : a.env) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return Error::invalidParameter("--env wants KEY=VALUE, got " + kv);
    variables[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto code = readCode(a.source, progress);
  if (!code.ok()) return code.error();

  ClientResponse existing = client.call("GET", functionPath(a.name) + "/configuration");
  if (existing.status == 404) {
    std::string runtime = a.runtime.empty() ? inferred.runtime : a.runtime;
    std::string handler = a.handler.empty() ? inferred.handler : a.handler;
    if (runtime.empty() || handler.empty()) {
      return Error::invalidParameter("cannot tell the runtime and handler of " + a.source +
                                     " (no bootstrap, package.json, index.js/.mjs or lambda_function.py): pass "
                                     "--runtime and --handler");
    }
    if (!inferred.why.empty() && (a.runtime.empty() || a.handler.empty())) {
      progress << "runtime " << runtime << ", handler " << handler << " (from " << inferred.why << ")\n";
    }
    json create = {{"FunctionName", a.name}, {"Runtime", runtime}, {"Handler", handler}, {"Role", a.role},
                   {"Code", {{"ZipFile", base64Encode(*code)}}}};
    if (a.memory) create["MemorySize"] = a.memory;
    if (a.timeout) create["Timeout"] = a.timeout;
    if (!variables.empty()) create["Environment"] = {{"Variables", variables}};
    if (!a.layers.empty()) create["Layers"] = a.layers;
    ClientResponse r = client.call("POST", "/2015-03-31/functions", create.dump());
    if (r.status != 201) return failure("create " + a.name, r, client);
    return waitUntilReady(client, a.name);
  }
  if (existing.status != 200) return failure(a.name, existing, client);
  auto updated = putCode(client, a.name, *code);
  if (!updated.ok()) return updated;
  // Only what was asked for changes on an existing function.
  json update = json::object();
  if (!a.runtime.empty()) update["Runtime"] = a.runtime;
  if (!a.handler.empty()) update["Handler"] = a.handler;
  if (a.memory) update["MemorySize"] = a.memory;
  if (a.timeout) update["Timeout"] = a.timeout;
  if (!variables.empty()) update["Environment"] = {{"Variables", variables}};
  if (!a.layers.empty()) update["Layers"] = a.layers;
  if (update.empty()) return updated;
  ClientResponse r = client.call("PUT", functionPath(a.name) + "/configuration", update.dump());
  if (r.status != 200) return failure("update " + a.name, r, client);
  return waitUntilReady(client, a.name);
}

}  // namespace stratus::triggers::cli
