// The few mount primitives the jail's tree is built from. Every jail path is absolute and is
// placed under the new root; directories and mount points are created on the root's tmpfs and
// never through a symlink, so nothing the tree is built from can redirect a mount onto the host.
// Called by the jail's init (pid 1, single-threaded) inside its private mount namespace.
#pragma once

#include <sys/mount.h>

#include <string>

#include "sandbox/jail/jail_error.h"

namespace stratus::sandbox::jail {

// Per-mount flags of the read-only binds: programs run from system and code binds, never from
// data ones (/etc); nothing in the jail is set-uid or a device except the /dev nodes.
constexpr unsigned long kSystemFlags = MS_NOSUID | MS_NODEV;
constexpr unsigned long kDataFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

// Creates the missing directories of `jail_path` under `root`, refusing symlinks and
// non-directories on the way.
StepResult makeJailDirs(const std::string& root, const std::string& jail_path, JailStep step);

// Binds host `source` read-only at `jail_path` (a directory or a file, as `source` is), with
// `flags` (MS_NOSUID/MS_NODEV/MS_NOEXEC) on the bind. A missing source is an error naming it.
StepResult bindReadOnly(const std::string& source, const std::string& root,
                        const std::string& jail_path, unsigned long flags, JailStep step);

// Mounts a tmpfs at `jail_path` with mount `flags` and tmpfs `options` ("size=...,mode=...").
StepResult mountTmpfs(const std::string& root, const std::string& jail_path, unsigned long flags,
                      const std::string& options);

StepResult makeSymlink(const std::string& root, const std::string& jail_path,
                       const std::string& target, JailStep step);

// Remounts the mount at host path `where` read-only, keeping `flags`.
StepResult remountReadOnly(const std::string& where, unsigned long flags, JailStep step,
                           const std::string& subject);

}  // namespace stratus::sandbox::jail
