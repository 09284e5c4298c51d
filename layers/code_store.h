// Function and layer code, stored content-addressed under a root folder:
//   <root>/zips/<sha256-hex>.zip      the uploaded bytes, written durably (fsync, rename)
//   <root>/bundles/<sha256-hex>/      the extracted tree, read-only, built once per content
// Blocking: call from the loop's thread pool (Loop::runInPool), never on the loop thread.
// Safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "layers/archive.h"
#include "runtime/base/error.h"

namespace stratus::layers {

struct StoredCode {
  std::string sha256_hex;
  std::string sha256_base64;  // Lambda's CodeSha256
  uint64_t size = 0;          // zip bytes: Lambda's CodeSize
  uint64_t unzipped_bytes = 0;
  std::string zip_path;
  std::string bundle_dir;
};

class CodeStore {
 public:
  explicit CodeStore(std::string root, ArchiveLimits limits = {});

  // Validates and extracts the zip (once per content), then stores the zip durably. Equal
  // content is stored once; putting it again is cheap. Errors are Lambda's
  // InvalidParameterValueException messages (see archive.h).
  Result<StoredCode> put(std::string_view zip_bytes);

  // The stored code for a hash, re-extracting the bundle if it is missing (e.g. after a crash
  // between writing the zip and finishing the extraction). NotFound if no such zip.
  Result<StoredCode> get(const std::string& sha256_hex);

  // The zip's bytes (GetFunction's Code.Location serves them).
  Result<std::string> readZip(const std::string& sha256_hex) const;

  const std::string& root() const { return root_; }

 private:
  std::string root_;
  ArchiveLimits limits_;
};

}  // namespace stratus::layers
