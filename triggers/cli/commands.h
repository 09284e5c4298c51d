// The stratus command's client subcommands (deploy, invoke, list, delete, layer import),
// parsed with CLI11; `stratus serve` stays in main.cc. Blocking; the process's main thread.
#pragma once

namespace stratus::triggers::cli {

// True when argv[1] names one of these subcommands (or asks for help).
bool isClientCommand(int argc, char** argv);
// Runs it; the process's exit status (0 ok, 1 the server refused or the function failed,
// 2 a usage error).
int runClientCommand(int argc, char** argv);

}  // namespace stratus::triggers::cli
