// Function and layer code, stored content-addressed under a root folder:
//   <root>/zips/<sha256-hex>.zip      the uploaded bytes, written durably (fsync, rename, fsync
//                                     of zips/): what a function record names; put() returns
//                                     only after it is on disk, before the record is written
//   <root>/bundles/<sha256-hex>/      the extracted tree, read-only, built once per content: a
//                                     cache of the zip, never fsynced (see recover())
//   <root>/bundles/.boot-id           the boot (kernel boot id) that built those bundles
// Blocking: call from the loop's thread pool (Loop::runInPool), never on the loop thread.
// Safe to call from several threads at once, except recover().
#pragma once

#include <cstdint>
#include <set>
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

  // Startup, before any put or get: creates the folders, and discards the bundles if an
  // earlier boot built them (and staging trees a killed server left). Why that is enough for
  // bundles, with no fsync: a bundle is published by one rename after its extraction finished,
  // so within one boot a bundle that exists is whole (a SIGKILL of the server loses no page
  // cache). Only a crash of the machine can lose unflushed bundle files, and after it the boot
  // id differs: every bundle is then rebuilt from its durable zip on first use (get()).
  Status recover();
  // recover() as if the machine's current boot id were `boot_id` ("" = unknown: discard).
  Status recoverAsBootForTest(const std::string& boot_id) { return recoverAs(boot_id); }

  // Validates and extracts the zip (once per content), then stores the zip durably. Equal
  // content is stored once; putting it again is cheap. Errors are Lambda's
  // InvalidParameterValueException messages (see archive.h).
  Result<StoredCode> put(std::string_view zip_bytes);

  // The stored code for a hash, re-extracting the bundle if it is missing (e.g. after a crash
  // between writing the zip and finishing the extraction). NotFound if no such zip.
  Result<StoredCode> get(const std::string& sha256_hex);

  // The zip's bytes (GetFunction's Code.Location serves them).
  Result<std::string> readZip(const std::string& sha256_hex) const;

  // Startup, after recover() and before any put or get (nothing can be in use or in flight
  // then): removes every zip and bundle whose hash is not in `referenced` (the code of every
  // function version and layer version the registries hold), every merged /opt tree
  // (opt_builder.h) not named in `opt_trees`, and the staging files of zips a killed server
  // was writing. A kill midway leaves only more of the same for the next start. Returns the
  // bytes removed, roughly (file sizes).
  uint64_t sweepUnreferenced(const std::set<std::string>& referenced,
                             const std::set<std::string>& opt_trees);

  const std::string& root() const { return root_; }

 private:
  Status recoverAs(const std::string& boot_id);

  std::string root_;
  ArchiveLimits limits_;
};

}  // namespace stratus::layers
