#include "runtime/base/socket_owner.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace stratus {

namespace {

// "0100007F:1F90" -> 8080.
int portOf(const char* address) {
  const char* colon = std::strchr(address, ':');
  return colon ? static_cast<int>(std::strtol(colon + 1, nullptr, 16)) : -1;
}

}  // namespace

std::optional<uint32_t> loopbackPeerUid(int peer_port, int server_port, const std::string& table) {
  FILE* f = std::fopen(table.c_str(), "r");
  if (!f) return std::nullopt;
  char line[512];
  std::optional<uint32_t> uid;
  bool header = true;
  while (std::fgets(line, sizeof line, f)) {
    if (header) {  // "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when ..."
      header = false;
      continue;
    }
    char local[64], remote[64];
    unsigned st = 0, owner = 0;
    // sl: local rem st tx:rx tr:when retrnsmt uid
    if (std::sscanf(line, " %*s %63s %63s %x %*s %*s %*s %u", local, remote, &st, &owner) != 4) continue;
    if (portOf(local) == peer_port && portOf(remote) == server_port) {
      uid = owner;
      break;
    }
  }
  std::fclose(f);
  return uid;
}

}  // namespace stratus
