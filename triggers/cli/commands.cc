#include "triggers/cli/commands.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "layers/file_util.h"
#include "runtime/base/crypto.h"
#include "triggers/cli/deploy_defaults.h"
#include "triggers/cli/folder_zip.h"
#include "triggers/cli/lambda_client.h"
#include "triggers/cli/sample_events.h"

namespace stratus::triggers::cli {

namespace {

using nlohmann::json;

constexpr const char* kDefaultRole = "arn:aws:iam::000000000000:role/stratus-function";

struct Common {
  std::string endpoint = defaultEndpoint();
  std::string region = defaultRegion();
};

int fail(const std::string& message) {
  std::cerr << "stratus: " << message << "\n";
  return 1;
}

// ---- deploy ----------------------------------------------------------------------------

struct DeployArgs {
  std::string source, name, runtime, handler, role = kDefaultRole;
  int memory = 0, timeout = 0;
  std::vector<std::string> env, layers;
};

Result<std::string> readCode(const std::string& source, std::ostream& progress) {
  std::error_code ec;
  if (std::filesystem::is_directory(source, ec)) {
    auto zipped = zipFolder(source);
    if (!zipped.ok()) return zipped.error();
    progress << "zipped " << zipped->files << " files (" << zipped->unzipped_bytes / 1024 << " KiB) into "
             << zipped->bytes.size() / 1024 << " KiB\n";
    return std::move(zipped->bytes);
  }
  auto bytes = layers::readWholeFile(source);
  if (!bytes.ok()) return Error::invalidParameter("cannot read " + source + ": " + bytes.error().message);
  return std::move(bytes).value();
}

// Waits (at most 60 s) until the function is Active and its last update Successful.
Result<json> waitUntilReady(LambdaClient& client, const std::string& name) {
  for (int attempt = 0; attempt < 600; ++attempt) {
    ClientResponse r = client.call("GET", functionPath(name) + "/configuration");
    if (r.status != 200) return Error::service(describeFailure(r, client.endpoint()));
    json c = json::parse(r.body, nullptr, false);
    std::string state = c.value("State", ""), update = c.value("LastUpdateStatus", "Successful");
    if (state == "Failed" || update == "Failed") {
      return Error::service("the function's " + std::string(state == "Failed" ? "state" : "last update") +
                            " is Failed: " + c.value("StateReason", c.value("LastUpdateStatusReason", "")));
    }
    if (state == "Active" && update == "Successful") return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Error::service("the function did not become Active within 60 s");
}

int deploy(const Common& common, DeployArgs a) {
  LambdaClient client(common.endpoint, common.region);
  std::error_code ec;
  bool folder = std::filesystem::is_directory(a.source, ec);
  DeployDefaults inferred = folder ? inferDefaults(a.source) : DeployDefaults{};
  if (a.name.empty()) a.name = nameFromFolder(folder ? a.source : std::filesystem::path(a.source).stem().string());
  auto code = readCode(a.source, std::cerr);
  if (!code.ok()) return fail(code.error().message);
  if (code->size() > 1024 * 1024) std::cerr << "uploading " << code->size() / (1024 * 1024) << " MiB...\n";

  json variables = json::object();
  for (const std::string& kv : a.env) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return fail("--env wants KEY=VALUE, got " + kv);
    variables[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  ClientResponse existing = client.call("GET", functionPath(a.name) + "/configuration");
  if (existing.status == 0) return fail(describeFailure(existing, client.endpoint()));
  if (existing.status == 404) {
    std::string runtime = a.runtime.empty() ? inferred.runtime : a.runtime;
    std::string handler = a.handler.empty() ? inferred.handler : a.handler;
    if (runtime.empty() || handler.empty()) {
      return fail("cannot tell the runtime and handler of " + a.source +
                  " (no bootstrap, package.json, index.js/.mjs or lambda_function.py): pass --runtime and --handler");
    }
    if (!inferred.why.empty() && (a.runtime.empty() || a.handler.empty())) {
      std::cerr << "runtime " << runtime << ", handler " << handler << " (from " << inferred.why << ")\n";
    }
    json create = {{"FunctionName", a.name}, {"Runtime", runtime}, {"Handler", handler}, {"Role", a.role},
                   {"Code", {{"ZipFile", base64Encode(*code)}}}};
    if (a.memory) create["MemorySize"] = a.memory;
    if (a.timeout) create["Timeout"] = a.timeout;
    if (!variables.empty()) create["Environment"] = {{"Variables", variables}};
    if (!a.layers.empty()) create["Layers"] = a.layers;
    ClientResponse r = client.call("POST", "/2015-03-31/functions", create.dump());
    if (r.status != 201) return fail("create " + a.name + ": " + describeFailure(r, client.endpoint()));
  } else if (existing.status == 200) {
    ClientResponse r = client.call("PUT", functionPath(a.name) + "/code",
                                   json{{"ZipFile", base64Encode(*code)}}.dump());
    if (r.status != 200) return fail("update code of " + a.name + ": " + describeFailure(r, client.endpoint()));
    auto ready = waitUntilReady(client, a.name);
    if (!ready.ok()) return fail(ready.error().message);
    // Only what was asked for changes on an existing function.
    json update = json::object();
    if (!a.runtime.empty()) update["Runtime"] = a.runtime;
    if (!a.handler.empty()) update["Handler"] = a.handler;
    if (a.memory) update["MemorySize"] = a.memory;
    if (a.timeout) update["Timeout"] = a.timeout;
    if (!variables.empty()) update["Environment"] = {{"Variables", variables}};
    if (!a.layers.empty()) update["Layers"] = a.layers;
    if (!update.empty()) {
      r = client.call("PUT", functionPath(a.name) + "/configuration", update.dump());
      if (r.status != 200) return fail("update " + a.name + ": " + describeFailure(r, client.endpoint()));
    }
  } else {
    return fail(describeFailure(existing, client.endpoint()));
  }
  auto ready = waitUntilReady(client, a.name);
  if (!ready.ok()) return fail(ready.error().message);
  std::cout << ready->value("FunctionArn", "") << "\n";
  return 0;
}

// ---- invoke ----------------------------------------------------------------------------

struct InvokeArgs {
  std::string name, payload, event_type, qualifier;
  bool event = false;
};

int invoke(const Common& common, const InvokeArgs& a) {
  std::string payload = a.payload;
  if (payload == "-") payload.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  if (!a.event_type.empty()) {
    auto sample = sampleEvent(a.event_type, payload, common.region, "000000000000");
    if (!sample) return fail("unknown --event-type " + a.event_type);
    payload = *sample;
  }
  if (payload.empty()) payload = "{}";
  LambdaClient client(common.endpoint, common.region);
  std::string path = functionPath(a.name) + "/invocations";
  if (!a.qualifier.empty()) path += "?Qualifier=" + percentEncode(a.qualifier);
  std::map<std::string, std::string> headers = {{"X-Amz-Invocation-Type", a.event ? "Event" : "RequestResponse"}};
  if (!a.event) headers["X-Amz-Log-Type"] = "Tail";
  ClientResponse r = client.call("POST", path, payload, headers);
  if (r.status != 200 && r.status != 202) return fail(describeFailure(r, client.endpoint()));
  if (a.event) {
    std::cerr << "queued (202)\n";
    return 0;
  }
  if (auto log = r.headers.find("x-amz-log-result"); log != r.headers.end()) {
    if (auto text = base64Decode(log->second)) std::cerr << *text;
  }
  json result = json::parse(r.body, nullptr, false);
  std::cout << (result.is_discarded() ? r.body : result.dump(2)) << "\n";
  if (r.headers.count("x-amz-function-error")) {
    std::cerr << "stratus: the function failed (" << r.headers["x-amz-function-error"] << ")\n";
    return 1;
  }
  return 0;
}

// ---- list, delete, layer import --------------------------------------------------------

int list(const Common& common) {
  LambdaClient client(common.endpoint, common.region);
  std::string marker;
  for (int page = 0; page < 1000; ++page) {
    ClientResponse r = client.call("GET", "/2015-03-31/functions?MaxItems=50" +
                                              (marker.empty() ? "" : "&Marker=" + percentEncode(marker)));
    if (r.status != 200) return fail(describeFailure(r, client.endpoint()));
    if (page == 0) std::printf("%-40s %-16s %7s %8s  %s\n", "NAME", "RUNTIME", "MEMORY", "TIMEOUT", "LAST MODIFIED");
    json j = json::parse(r.body, nullptr, false);
    for (const auto& f : j.value("Functions", json::array())) {
      std::printf("%-40s %-16s %5d MB %6d s  %s\n", f.value("FunctionName", "").c_str(), f.value("Runtime", "").c_str(),
                  f.value("MemorySize", 0), f.value("Timeout", 0), f.value("LastModified", "").c_str());
    }
    marker = j.value("NextMarker", "");
    if (marker.empty()) break;
  }
  return 0;
}

int remove(const Common& common, const std::string& name) {
  LambdaClient client(common.endpoint, common.region);
  ClientResponse r = client.call("DELETE", functionPath(name));
  if (r.status != 204) return fail(describeFailure(r, client.endpoint()));
  std::cerr << "deleted " << name << "\n";
  return 0;
}

int layerImport(const Common& common, const std::string& arn, const std::string& zip_path) {
  auto zip = layers::readWholeFile(zip_path);
  if (!zip.ok()) return fail("cannot read " + zip_path + ": " + zip.error().message);
  LambdaClient client(common.endpoint, common.region);
  ClientResponse r = client.call("POST", "/_stratus/layers/import?Arn=" + percentEncode(arn),
                                 *zip, {{"Content-Type", "application/zip"}});
  if (r.status != 201) return fail(describeFailure(r, client.endpoint()));
  std::cout << r.body << "\n";
  return 0;
}

void addCommon(CLI::App* sub, Common& common) {
  sub->add_option("--endpoint", common.endpoint,
                  "the server (default $AWS_ENDPOINT_URL_LAMBDA, $AWS_ENDPOINT_URL, else http://127.0.0.1:9000)");
  sub->add_option("--region", common.region, "the region (default $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1)");
}

}  // namespace

bool isClientCommand(int argc, char** argv) {
  if (argc < 2) return false;
  std::string c = argv[1];
  return c == "deploy" || c == "invoke" || c == "list" || c == "delete" || c == "layer";
}

int runClientCommand(int argc, char** argv) {
  CLI::App app{"stratus: AWS Lambda on one machine. `stratus serve --help` for the server."};
  app.require_subcommand(1);
  Common common;
  std::function<int()> run;

  DeployArgs d;
  CLI::App* deploy_cmd = app.add_subcommand(
      "deploy", "zip a folder (minus what .stratusignore names) or take a zip, create or update the function, "
                "wait until it is Active, print its ARN");
  deploy_cmd->add_option("source", d.source, "a folder or a .zip")->required();
  deploy_cmd->add_option("--name", d.name, "the function's name (default: the folder's)");
  deploy_cmd->add_option("--runtime", d.runtime, "nodejs20.x, python3.12, provided.al2023... (default: guessed from the folder)");
  deploy_cmd->add_option("--handler", d.handler, "file.function (default: package.json's main, index.js, lambda_function.py...)");
  deploy_cmd->add_option("--memory", d.memory, "MemorySize in MB")->check(CLI::Range(128, 10240));
  deploy_cmd->add_option("--timeout", d.timeout, "Timeout in seconds")->check(CLI::Range(1, 900));
  deploy_cmd->add_option("--env", d.env, "an environment variable KEY=VALUE (repeatable)");
  deploy_cmd->add_option("--layer", d.layers, "a layer version ARN (repeatable, in order)");
  deploy_cmd->add_option("--role", d.role, "the execution role ARN (kept, not enforced)");
  addCommon(deploy_cmd, common);
  deploy_cmd->callback([&] { run = [&] { return deploy(common, d); }; });

  InvokeArgs i;
  CLI::App* invoke_cmd = app.add_subcommand(
      "invoke", "invoke a function; prints its result on stdout and its log tail on stderr");
  invoke_cmd->add_option("name", i.name, "the function (name, ARN, or name:qualifier)")->required();
  invoke_cmd->add_option("payload", i.payload, "the event as JSON, or - to read it from stdin (default {})");
  std::string types;
  for (const std::string& t : sampleEventTypes()) types += (types.empty() ? "" : ", ") + t;
  invoke_cmd->add_option("--event-type", i.event_type, "send a sample event of this kind (" + types +
                                                           "); a payload given too becomes its body")
      ->check(CLI::IsMember(sampleEventTypes()));
  invoke_cmd->add_option("--qualifier", i.qualifier, "a version or alias");
  invoke_cmd->add_flag("--event", i.event, "invoke asynchronously (InvocationType Event)");
  addCommon(invoke_cmd, common);
  invoke_cmd->callback([&] { run = [&] { return invoke(common, i); }; });

  CLI::App* list_cmd = app.add_subcommand("list", "list the functions");
  addCommon(list_cmd, common);
  list_cmd->callback([&] { run = [&] { return list(common); }; });

  std::string delete_name;
  CLI::App* delete_cmd = app.add_subcommand("delete", "delete a function (all its versions and aliases)");
  delete_cmd->add_option("name", delete_name, "the function")->required();
  addCommon(delete_cmd, common);
  delete_cmd->callback([&] { run = [&] { return remove(common, delete_name); }; });

  std::string layer_arn, layer_zip;
  CLI::App* layer_cmd = app.add_subcommand("layer", "layer versions");
  layer_cmd->require_subcommand(1);
  CLI::App* import_cmd = layer_cmd->add_subcommand(
      "import", "store ZIP in a running server as that layer version (another account's layer too), so functions "
                "can name it offline");
  import_cmd->add_option("arn", layer_arn, "the layer version ARN")->required();
  import_cmd->add_option("zip", layer_zip, "the layer's zip")->required()->check(CLI::ExistingFile);
  addCommon(import_cmd, common);
  import_cmd->callback([&] { run = [&] { return layerImport(common, layer_arn, layer_zip); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return run ? run() : 2;
}

}  // namespace stratus::triggers::cli
