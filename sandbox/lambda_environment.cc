#include "sandbox/lambda_environment.h"

#include "runtime/base/ids.h"

namespace stratus::sandbox {

std::map<std::string, std::string> lambdaEnvironment(const SandboxSpec& spec,
                                                     const std::string& log_stream_name,
                                                     const TemporaryCredentials* credentials) {
  // The function's own variables first: reserved names are refused at configuration time,
  // so Lambda's values below can never be overridden.
  std::map<std::string, std::string> env = spec.environment;
  env["AWS_LAMBDA_FUNCTION_NAME"] = spec.function_name;
  env["AWS_LAMBDA_FUNCTION_VERSION"] = spec.version;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(spec.memory_mb);
  // The scheduler puts a LoggingConfig.LogGroup here (users cannot: AWS_LAMBDA_* is reserved).
  env.emplace("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + spec.function_name);
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = log_stream_name;
  env["AWS_REGION"] = spec.region;
  env["AWS_DEFAULT_REGION"] = spec.region;
  env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + spec.runtime;
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = spec.provisioned ? "provisioned-concurrency" : "on-demand";
  env["_HANDLER"] = spec.handler;
  // Isolates see the host's file system, so the task root is where the code really is.
  env["LAMBDA_TASK_ROOT"] = spec.task_root;
  env["LAMBDA_RUNTIME_DIR"] = "/var/runtime";
  env["TZ"] = ":UTC";
  env["LANG"] = "en_US.UTF-8";
  env["PATH"] = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin";
  env["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR";
  // Lambda hands each environment its role's temporary credentials: here the sandbox's own
  // (runtime/base/minted_credentials.h), and never the server's (which would let any function
  // act as the server's operator).
  TemporaryCredentials made_up;
  if (credentials == nullptr) {
    made_up = madeUpCredentials();
    credentials = &made_up;
  }
  env["AWS_ACCESS_KEY_ID"] = credentials->access_key_id;
  env["AWS_SECRET_ACCESS_KEY"] = credentials->secret_access_key;
  env["AWS_SESSION_TOKEN"] = credentials->session_token;
  return env;
}

}  // namespace stratus::sandbox
