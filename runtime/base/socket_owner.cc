#include "runtime/base/socket_owner.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace stratus {

namespace {

// Asks the kernel for the one socket 127.0.0.1:peer_port -> 127.0.0.1:server_port (sock_diag,
// an exact lookup rather than a dump: what `ss` uses, through the kernel's own UAPI structs; a
// library would add a dependency for two structs and two calls). nullopt when the kernel does
// not know it (or has no tcp_diag): the caller then reads the table.
std::optional<uint32_t> sockDiagUid(int peer_port, int server_port) {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return std::nullopt;
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;
  message.request.sdiag_family = AF_INET;
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = ~0u;
  // The peer's socket, as it sees itself: its local end is the peer port.
  message.request.id.idiag_sport = htons(static_cast<uint16_t>(peer_port));
  message.request.id.idiag_dport = htons(static_cast<uint16_t>(server_port));
  message.request.id.idiag_src[0] = htonl(INADDR_LOOPBACK);
  message.request.id.idiag_dst[0] = htonl(INADDR_LOOPBACK);
  message.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  message.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  std::optional<uint32_t> uid;
  alignas(nlmsghdr) char answer[4096];
  if (::sendto(fd, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) ==
      static_cast<ssize_t>(sizeof message)) {
    // The kernel answers within sendto: nothing to wait for (and the loop must not wait).
    ssize_t n = ::recv(fd, answer, sizeof answer, MSG_DONTWAIT);
    auto* h = reinterpret_cast<nlmsghdr*>(answer);
    if (n > 0 && NLMSG_OK(h, static_cast<unsigned>(n)) && h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
        h->nlmsg_len >= NLMSG_LENGTH(sizeof(inet_diag_msg))) {
      auto* found = static_cast<inet_diag_msg*>(NLMSG_DATA(h));
      if (ntohs(found->id.idiag_sport) == peer_port && ntohs(found->id.idiag_dport) == server_port) {
        uid = found->idiag_uid;
      }
    }
  }
  ::close(fd);
  return uid;
}

// "0100007F:1F90" -> 8080.
int portOf(const char* address) {
  const char* colon = std::strchr(address, ':');
  return colon ? static_cast<int>(std::strtol(colon + 1, nullptr, 16)) : -1;
}

}  // namespace

std::optional<uint32_t> loopbackPeerUid(int peer_port, int server_port, const std::string& table) {
  if (table == kTcpTable) {
    if (auto uid = sockDiagUid(peer_port, server_port)) return uid;
  }
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
