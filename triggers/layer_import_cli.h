// `stratus layer import ARN ZIP [--endpoint URL]`: sends a layer version's zip to a running
// server (POST /_stratus/layers/import), so a layer of another account that a template names
// works offline under its own ARN. Blocking; the CLI's main thread only.
#pragma once

namespace stratus::triggers {

// argv[0] is "stratus", argv[1] "layer". Returns the process's exit status.
int layerCommand(int argc, char** argv);

}  // namespace stratus::triggers
