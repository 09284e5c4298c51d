// What `stratus deploy DIR` assumes when a flag is not given, read from the folder as its
// author laid it out: the runtime (a bootstrap: provided.al2023; package.json or .js/.mjs:
// nodejs, its major version from package.json's engines.node when that names one Lambda has;
// .py: python3.12) and the handler (package.json's main, else the usual entry files, with the
// function name the file really exports or defines). Pure apart from reading the folder.
#pragma once

#include <string>

namespace stratus::triggers::cli {

struct DeployDefaults {
  std::string runtime;  // "" when nothing in the folder says
  std::string handler;
  std::string why;      // how they were found, for the command's output
};

DeployDefaults inferDefaults(const std::string& folder);

// A function name from a folder name: Lambda's characters only, at most 64.
std::string nameFromFolder(const std::string& folder);

}  // namespace stratus::triggers::cli
