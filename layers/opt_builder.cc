#include "layers/opt_builder.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "layers/file_util.h"
#include "runtime/base/crypto.h"

namespace stratus::layers {
namespace {

namespace fs = std::filesystem;

Error failed(const std::string& what, const std::string& path, int err) {
  return Error::service("building /opt: cannot " + what + " " + path + ": " + std::strerror(err));
}

// Whatever an earlier layer left at `path` goes, so this layer's entry takes its place.
void clear(const std::string& path) {
  std::error_code ignored;
  fs::remove_all(path, ignored);
}

bool isDirectory(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// Lays `bundle` over `dest`: directories merged, files hard-linked, symlinks recreated.
Status overlay(const std::string& bundle, const std::string& dest) {
  std::error_code error;
  fs::recursive_directory_iterator it(bundle, fs::directory_options::none, error);
  if (error) return Error::service("building /opt: cannot read " + bundle + ": " + error.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) return Error::service("building /opt: cannot read " + bundle + ": " + error.message());
    const fs::path& src = it->path();
    // Lexically: fs::relative() would resolve a symlink and name its target instead.
    const std::string target = dest + "/" + src.lexically_relative(bundle).string();
    const fs::file_status st = it->symlink_status();
    if (fs::is_directory(st)) {
      if (isDirectory(target)) continue;
      if (exists(target)) clear(target);
      if (::mkdir(target.c_str(), 0755) != 0) return failed("create", target, errno);
    } else if (fs::is_symlink(st)) {
      // Its target was checked to stay inside its layer when the layer was extracted.
      if (exists(target)) clear(target);
      std::error_code read_error;
      fs::path link = fs::read_symlink(src, read_error);
      if (read_error) return failed("read link", src.string(), read_error.value());
      if (::symlink(link.c_str(), target.c_str()) != 0) return failed("link", target, errno);
    } else if (fs::is_regular_file(st)) {
      if (exists(target)) clear(target);
      if (::link(src.c_str(), target.c_str()) != 0) {
        if (errno != EXDEV) return failed("link", target, errno);
        std::error_code copy_error;  // a bundle on another file system: copy instead
        fs::copy_file(src, target, copy_error);
        if (copy_error) return failed("copy", target, copy_error.value());
      }
    }
  }
  return okStatus();
}

}  // namespace

Result<std::string> buildOptTree(CodeStore& store, const std::vector<std::string>& layer_hexes) {
  if (layer_hexes.empty()) return std::string();
  std::vector<std::string> bundles;
  for (const std::string& hex : layer_hexes) {
    auto code = store.get(hex);
    if (!code.ok()) return code.error();
    bundles.push_back(code->bundle_dir);
  }
  // One layer is its own /opt: nothing to merge.
  if (bundles.size() == 1) return bundles.front();
  const std::string key = optTreeName(layer_hexes);
  const std::string bundles_dir = store.root() + "/bundles";
  const std::string tree = bundles_dir + "/" + key;
  if (isDirectory(tree)) return tree;

  const std::string staging = bundles_dir + "/." + key + ".staging-" + uniqueSuffix();
  if (::mkdir(staging.c_str(), 0755) != 0) return failed("create", staging, errno);
  for (const std::string& bundle : bundles) {
    if (Status s = overlay(bundle, staging); !s.ok()) {
      clear(staging);
      return s.error();
    }
  }
  if (renameNoReplace(staging, tree) != 0) {
    const int err = errno;
    clear(staging);
    // A concurrent build of the same list won: its tree is the same.
    if (err == EEXIST || err == ENOTEMPTY) return tree;
    return failed("rename", staging, err);
  }
  return tree;
}

std::string optTreeName(const std::vector<std::string>& layer_hexes) {
  if (layer_hexes.size() < 2) return "";
  std::string joined;
  for (const std::string& hex : layer_hexes) joined += hex + "\n";
  return "opt-" + hexEncode(sha256Raw(joined));
}

}  // namespace stratus::layers
