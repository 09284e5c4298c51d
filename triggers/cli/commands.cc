#include "triggers/cli/commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "layers/file_util.h"
#include "runtime/base/crypto.h"
#include "triggers/cli/deploy.h"
#include "triggers/cli/coldstart_command.h"
#include "triggers/cli/dev_command.h"
#include "triggers/cli/logs_command.h"
#include "triggers/cli/lambda_client.h"
#include "triggers/cli/sample_events.h"

namespace stratus::triggers::cli {

namespace {

using nlohmann::json;

int fail(const std::string& message) {
  std::cerr << "stratus: " << message << "\n";
  return 1;
}

int deploy(const Common& common, DeployArgs a) {
  LambdaClient client(common.endpoint, common.region);
  auto deployed = deployFunction(client, a, std::cerr);
  if (!deployed.ok()) return fail(deployed.error().message);
  std::cout << deployed->value("FunctionArn", "") << "\n";
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

void addDeployOptions(CLI::App* sub, DeployArgs& d) {
  sub->add_option("--name", d.name, "the function's name (default: the folder's)");
  sub->add_option("--runtime", d.runtime, "nodejs20.x, python3.12, provided.al2023... (default: guessed from the folder)");
  sub->add_option("--handler", d.handler, "file.function (default: package.json's main, index.js, lambda_function.py...)");
  sub->add_option("--memory", d.memory, "MemorySize in MB")->check(CLI::Range(128, 10240));
  sub->add_option("--timeout", d.timeout, "Timeout in seconds")->check(CLI::Range(1, 900));
  sub->add_option("--env", d.env, "an environment variable KEY=VALUE (repeatable)");
  sub->add_option("--layer", d.layers, "a layer version ARN (repeatable, in order)");
  sub->add_option("--role", d.role, "the execution role ARN (kept, not enforced)");
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
  return c == "deploy" || c == "dev" || c == "invoke" || c == "logs" || c == "coldstart" || c == "list" || c == "delete" || c == "layer";
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
  addDeployOptions(deploy_cmd, d);
  addCommon(deploy_cmd, common);
  deploy_cmd->callback([&] { run = [&] { return deploy(common, d); }; });

  DevArgs dev;
  CLI::App* dev_cmd = app.add_subcommand(
      "dev", "deploy a folder, then redeploy it on every change (inotify, debounced) and print the function's "
             "log lines as they arrive, until Ctrl-C");
  dev_cmd->add_option("source", dev.deploy.source, "the function's folder")->required()->check(CLI::ExistingDirectory);
  addDeployOptions(dev_cmd, dev.deploy);
  dev_cmd->add_option("--debounce-ms", dev.debounce_ms, "wait this long after the last change (default 100)")
      ->check(CLI::Range(0, 10000));
  dev_cmd->add_flag("!--no-logs", dev.logs, "do not print the function's log lines");
  addCommon(dev_cmd, common);
  dev_cmd->callback([&] { run = [&] { return runDev(common, dev); }; });

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

  LogsArgs logs;
  CLI::App* logs_cmd = app.add_subcommand("logs", "print a function's log lines (CloudWatch Logs on the server)");
  logs_cmd->add_option("name", logs.name, "the function")->required();
  logs_cmd->add_option("--since", logs.since, "from this long ago: 30s, 10m (default), 2h, 1d, or epoch ms");
  logs_cmd->add_option("--filter", logs.filter, "a CloudWatch Logs filter pattern (terms, \"phrases\", ?any, -not, { $.json = ... })");
  logs_cmd->add_flag("--follow,-f", logs.follow, "keep printing new lines until Ctrl-C");
  addCommon(logs_cmd, common);
  logs_cmd->callback([&] { run = [&] { return runLogs(common, logs); }; });

  ColdstartArgs cold;
  std::vector<std::string> compare;
  CLI::App* cold_cmd = app.add_subcommand(
      "coldstart", "force N cold starts and report their percentiles (end to end, Init Duration, Duration, the "
                   "rest), a histogram, and an SVG with --out");
  cold_cmd->add_option("name", cold.names, "the function");
  cold_cmd->add_option("--compare", compare, "two functions side by side")->expected(2);
  cold_cmd->add_option("-n", cold.n, "cold starts per function and memory size (default 20)")->check(CLI::Range(1, 10000));
  cold_cmd->add_option("--memory", cold.memory, "memory sizes to try, e.g. 128,512,1024 (restored afterwards)")
      ->delimiter(',')
      ->check(CLI::Range(128, 10240));
  cold_cmd->add_option("--payload", cold.payload, "the event (default {})");
  cold_cmd->add_option("--out", cold.out, "write an SVG of the distributions here");
  addCommon(cold_cmd, common);
  cold_cmd->callback([&] {
    run = [&] {
      for (const std::string& c : compare) cold.names.push_back(c);
      if (cold.names.empty()) {
        std::cerr << "stratus coldstart: name a function, or --compare NAME1 NAME2\n";
        return 2;
      }
      return runColdstart(common, cold);
    };
  });

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
