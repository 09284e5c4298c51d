// Small POSIX file helpers shared by extraction and the code store: the durable-write and
// no-replace-rename steps that make the store crash safe. Blocking; any thread.
#pragma once

#include <string>
#include <string_view>

#include "runtime/base/error.h"

namespace stratus::layers {

// rename(2) that fails with EEXIST instead of replacing `to` (plain rename silently replaces an
// empty directory). Returns 0 or -1 with errno set, like rename.
int renameNoReplace(const std::string& from, const std::string& to);

// fsync of a directory, which makes the renames and creations inside it durable.
Status fsyncDirectory(const std::string& dir);

// Writes `bytes` to a unique temp file in `dir`, fsyncs it, renames it to dir/name and fsyncs
// dir: once this returns, the file survives a crash whole or (before the rename) not at all.
// Concurrent writers of the same name are safe; the last rename wins.
Status writeFileDurably(const std::string& dir, const std::string& name, std::string_view bytes,
                        int mode);

// The whole file. kResourceNotFound if it does not exist.
Result<std::string> readWholeFile(const std::string& path);

// A name no other thread or process will pick: pid, a counter and random bits.
std::string uniqueSuffix();

}  // namespace stratus::layers
