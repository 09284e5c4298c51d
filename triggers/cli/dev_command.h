// `stratus dev DIR`: deploys, then watches the folder (inotify, every directory not ignored by
// .stratusignore) and redeploys the code once changes have settled for a debounce interval,
// printing how long the change took to be live; meanwhile prints the function's new log lines
// as they arrive (CloudWatch Logs' FilterLogEvents on /aws/lambda/NAME, polled). Runs until
// SIGINT or SIGTERM. Blocking; the process's main thread.
#pragma once

#include "triggers/cli/deploy.h"

namespace stratus::triggers::cli {

struct DevArgs {
  DeployArgs deploy;
  int debounce_ms = 100;
  bool logs = true;
};

int runDev(const Common& common, DevArgs args);

}  // namespace stratus::triggers::cli
