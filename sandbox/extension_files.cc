#include "sandbox/extension_files.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

namespace stratus::sandbox {

std::vector<std::string> externalExtensions(const std::string& opt_root) {
  std::vector<std::string> names;
  if (opt_root.empty()) return names;
  std::string dir = opt_root + "/extensions";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return names;
  while (dirent* entry = ::readdir(d)) {
    std::string name = entry->d_name;
    if (name.empty() || name[0] == '.') continue;
    struct stat st;
    // stat, not lstat: a layer's symlink to an executable is one too.
    if (::stat((dir + "/" + name).c_str(), &st) != 0) continue;
    if (S_ISREG(st.st_mode) && (st.st_mode & 0111)) names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string accountOfArn(const std::string& arn) {
  size_t at = 0;
  for (int field = 0; field < 4; ++field) {
    at = arn.find(':', at);
    if (at == std::string::npos) return "";
    ++at;
  }
  size_t end = arn.find(':', at);
  return end == std::string::npos ? "" : arn.substr(at, end - at);
}

}  // namespace stratus::sandbox
