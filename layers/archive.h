// Safe zip extraction with libzip. Blocking; any thread.
// Rejects, with InvalidParameterValueException and Lambda's wording where it has one:
//  - bytes that are not a zip: "Could not unzip uploaded file. Please check your file, then
//    try to upload again."
//  - absolute entry names, names with ".." that leave the tree, symlinks whose target leaves the
//    tree (or is absolute), device/fifo entries
//  - more than max_entries entries, or more than max_unzipped_bytes in total, declared or actual
//    ("Unzipped size must be smaller than 262144000 bytes")
//  - zip bombs: an entry whose actual output exceeds its declared size, or a compression ratio
//    over max_ratio
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/base/error.h"

namespace stratus::layers {

struct ArchiveLimits {
  uint64_t max_unzipped_bytes = 262144000;  // Lambda: code + layers, unzipped
  uint64_t max_entries = 20000;
  uint64_t max_ratio = 1000;  // uncompressed / compressed per entry (entries > 1 MiB)
};

struct ExtractStats {
  uint64_t entries = 0;
  uint64_t unzipped_bytes = 0;
};

// Extracts into dest_dir, which must not exist yet (it is created). On any error nothing is
// left at dest_dir. Files keep the executable bit from the zip's unix mode when present.
// dest_dir existing already is a kResourceConflict error (CodeStore relies on that to notice a
// concurrent extraction of the same content).
Result<ExtractStats> extractZip(std::string_view zip_bytes, const std::string& dest_dir,
                                const ArchiveLimits& limits);

// What extractZip would report for this zip, from its central directory alone (nothing is
// decompressed): the entry count and the declared sizes of its files and symlinks. For a zip that
// extracts, the two agree, because extraction refuses any entry whose output differs from its
// declared size. Fails like extractZip on bytes that are not a zip or have unsafe entry names.
Result<ExtractStats> statZip(std::string_view zip_bytes);
// The same for a zip on disk; reads only its central directory.
Result<ExtractStats> statZipFile(const std::string& zip_path);

}  // namespace stratus::layers
