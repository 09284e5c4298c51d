// The jail's generated /etc/passwd and /etc/group: root and Lambda's sbx_user1051 with the
// program's ids, home /tmp, so getpwuid() and `id` answer as they do in Lambda.
// Called by the jail's init while the new root's tmpfs is still writable.
#pragma once

#include <sys/types.h>

#include <string>

#include "sandbox/jail/jail_error.h"

namespace stratus::sandbox::jail {

std::string passwdText(uid_t uid, gid_t gid);
std::string groupText(gid_t gid);

// Writes both files under `root`/etc (which must exist), mode 0644.
StepResult writeEtcFiles(const std::string& root, uid_t uid, gid_t gid);

}  // namespace stratus::sandbox::jail
