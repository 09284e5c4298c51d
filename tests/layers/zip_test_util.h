// Test helpers for the layers tests: a self-removing temp dir, and zips crafted with Python's
// zipfile (it writes any entry name, mode and content we ask for, which is what malicious
// fixtures need; byte patches cover what it refuses to write, such as NUL in a name).
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace stratus::layers::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                       "/stratus-layers-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

inline mode_t modeOf(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode;
}

// Names in a directory, sorted.
inline std::vector<std::string> listDir(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Runs `body` (Python, indented for you) with `zf`, a zipfile.ZipFile open for writing, and the
// helpers add(zf, name, data, mode=0o100644, method=DEFLATED) and symlink(zf, name, target).
// Then `post` runs with `data`, a bytearray of the finished zip, to patch bytes. Returns the zip.
inline std::string pythonZip(const std::string& body, const std::string& post = "") {
  TempDir dir;
  std::string script =
      "import sys, os, struct, zipfile, warnings\n"
      "warnings.simplefilter('ignore')\n"
      "out = sys.argv[1]\n"
      "def add(zf, name, data, mode=0o100644, method=zipfile.ZIP_DEFLATED):\n"
      "    info = zipfile.ZipInfo(name)\n"
      "    info.create_system = 3\n"
      "    info.external_attr = (mode & 0xFFFF) << 16\n"
      "    info.compress_type = method\n"
      "    zf.writestr(info, data)\n"
      "def symlink(zf, name, target):\n"
      "    add(zf, name, target, 0o120777, zipfile.ZIP_STORED)\n"
      "with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as zf:\n"
      "    pass\n";
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) script += "    " + line + "\n";
  script += "data = bytearray(open(out, 'rb').read())\n" + post +
            "\nopen(out, 'wb').write(data)\n";
  writeFile(dir / "make.py", script);
  const std::string command = "python3 " + (dir / "make.py") + " " + (dir / "out.zip");
  const int status = std::system(command.c_str());
  EXPECT_EQ(status, 0) << "python3 failed for:\n" << script;
  return readFile(dir / "out.zip");
}

}  // namespace stratus::layers::testing
