// The jail's identity: its hostname (in the new UTS namespace) and the unprivileged ids every
// process in it runs as, with no way back (no supplementary groups, no capabilities, no new
// privileges through set-uid files). Called by the jail's init after pivot_root.
#pragma once

#include <sys/types.h>

#include <string>

#include "sandbox/jail/jail_error.h"

namespace stratus::sandbox::jail {

StepResult setJailHostname(const std::string& hostname);

// setgroups(0), setresgid, setresuid, PR_SET_NO_NEW_PRIVS; verifies the ids took.
StepResult dropPrivileges(uid_t uid, gid_t gid);

}  // namespace stratus::sandbox::jail
