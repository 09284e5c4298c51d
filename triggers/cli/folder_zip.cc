#include "triggers/cli/folder_zip.h"

#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace stratus::triggers::cli {

namespace fs = std::filesystem;

IgnoreRules IgnoreRules::parse(const std::string& text) {
  IgnoreRules out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    Rule r;
    if (line[0] == '!') r.negate = true, line.erase(0, 1);
    if (!line.empty() && line.back() == '/') r.directory_only = true, line.pop_back();
    if (!line.empty() && line[0] == '/') r.anchored = true, line.erase(0, 1);
    // A pattern with a slash inside is relative to the folder, as git reads it.
    if (line.find('/') != std::string::npos) r.anchored = true;
    if (line.empty()) continue;
    r.pattern = line;
    out.rules_.push_back(std::move(r));
  }
  return out;
}

namespace {

// `**` matches across segments; fnmatch with FNM_PATHNAME keeps `*` within one.
bool globMatch(const std::string& pattern, const std::string& path) {
  if (size_t star = pattern.find("**"); star != std::string::npos) {
    std::string head = pattern.substr(0, star), tail = pattern.substr(star + 2);
    if (!tail.empty() && tail[0] == '/') tail.erase(0, 1);
    if (path.compare(0, head.size(), head) != 0) return false;
    std::string rest = path.substr(head.size());
    if (tail.empty()) return true;
    for (size_t at = 0;; at = rest.find('/', at) + 1) {
      if (globMatch(tail, rest.substr(at))) return true;
      if (rest.find('/', at) == std::string::npos) return false;
    }
  }
  return fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0 ||
         fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0;
}

}  // namespace

bool IgnoreRules::ignored(const std::string& path, bool directory) const {
  bool out = false;
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  for (const Rule& r : rules_) {
    if (r.directory_only && !directory) continue;
    bool hit = r.anchored ? globMatch(r.pattern, path) : globMatch(r.pattern, base);
    if (hit) out = !r.negate;
  }
  return out;
}

Result<ZippedFolder> zipFolder(const std::string& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return Error::invalidParameter(folder + " is not a folder");
  IgnoreRules rules;
  if (std::ifstream f(fs::path(folder) / ".stratusignore"); f) {
    std::stringstream text;
    text << f.rdbuf();
    rules = IgnoreRules::parse(text.str());
  }
  // Written to a temporary file by libzip, then read back: zips of up to 50 MB (Lambda's
  // direct upload limit) fit in memory anyway.
  char tmpl[] = "/tmp/stratus-deploy-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return Error::service("cannot create a temporary file in /tmp");
  close(fd);
  std::string zip_path = tmpl;
  int zerr = 0;
  zip_t* zip = zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  if (zip == nullptr) return Error::service("cannot write " + zip_path);
  ZippedFolder out;
  fs::recursive_directory_iterator it(folder, fs::directory_options::none, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::string rel = fs::relative(it->path(), folder, ec).generic_string();
    bool dir = it->is_directory(ec);
    if (rel == ".git" || rel == ".stratusignore" || rules.ignored(rel, dir)) {
      if (dir) it.disable_recursion_pending();
      continue;
    }
    if (dir || !it->is_regular_file(ec)) continue;  // symlinks to files are followed by is_regular_file
    zip_source_t* src = zip_source_file(zip, it->path().c_str(), 0, -1);
    zip_int64_t index = src ? zip_file_add(zip, rel.c_str(), src, ZIP_FL_ENC_UTF_8) : -1;
    if (index < 0) {
      if (src) zip_source_free(src);
      zip_discard(zip);
      fs::remove(zip_path, ec);
      return Error::service("cannot add " + rel + " to the zip");
    }
    struct stat st {};
    if (::stat(it->path().c_str(), &st) == 0) {
      zip_file_set_external_attributes(zip, static_cast<zip_uint64_t>(index), 0, ZIP_OPSYS_UNIX,
                                       static_cast<zip_uint32_t>(st.st_mode) << 16);
      out.unzipped_bytes += static_cast<uint64_t>(st.st_size);
    }
    ++out.files;
  }
  if (ec) {
    zip_discard(zip);
    fs::remove(zip_path, ec);
    return Error::service("cannot read " + folder + ": " + ec.message());
  }
  if (out.files == 0) {
    zip_discard(zip);
    fs::remove(zip_path, ec);
    return Error::invalidParameter(folder + " has no files to deploy (after .stratusignore)");
  }
  if (zip_close(zip) != 0) {
    std::string why = zip_strerror(zip);
    zip_discard(zip);
    fs::remove(zip_path, ec);
    return Error::service("cannot write the zip: " + why);
  }
  std::ifstream z(zip_path, std::ios::binary);
  std::stringstream bytes;
  bytes << z.rdbuf();
  out.bytes = bytes.str();
  fs::remove(zip_path, ec);
  return out;
}

}  // namespace stratus::triggers::cli
