// Zips a function's folder for `stratus deploy`: every file under it except what
// .stratusignore names (gitignore's rules: `#` comments, `*` and `?` within a path segment,
// `**` across them, a leading `/` anchors to the folder, a trailing `/` matches directories
// only, `!` re-includes; the last matching line wins) and .git. Unix modes are kept, so an
// executable `bootstrap` stays executable. Blocking; the CLI's thread.
#pragma once

#include <string>
#include <vector>

#include "runtime/base/error.h"

namespace stratus::triggers::cli {

class IgnoreRules {
 public:
  static IgnoreRules parse(const std::string& text);
  // `path` relative to the folder, '/' separated; `directory` when it names one.
  bool ignored(const std::string& path, bool directory) const;

 private:
  struct Rule {
    std::string pattern;
    bool negate = false, directory_only = false, anchored = false;
  };
  std::vector<Rule> rules_;
};

struct ZippedFolder {
  std::string bytes;  // the zip
  size_t files = 0;
  uint64_t unzipped_bytes = 0;
};

Result<ZippedFolder> zipFolder(const std::string& folder);

}  // namespace stratus::triggers::cli
