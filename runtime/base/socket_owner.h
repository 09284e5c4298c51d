// Who is on the other end of a loopback TCP connection: the uid that owns the peer's socket, as
// /proc/net/tcp lists it. Lets a server that hands out secrets on 127.0.0.1 (the Runtime API of
// one sandbox) admit only the process it serves, since every sandbox runs as a uid of its own.
// Any thread. Asks the kernel for that one socket (sock_diag, ~20 us) and reads /proc/net/tcp
// only when that fails (a peer on another loopback address, no tcp_diag): the table holds one
// line per socket of the network namespace, and on a busy host (hundreds of sockets, many in
// TIME_WAIT) reading it took 1-2 ms, on the loop, for every runtime's first connection: a
// cold start's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace stratus {

// The uid owning the IPv4 socket whose local port is `peer_port` and whose remote port is
// `server_port` (a client connected to our server), or nullopt if no such socket is listed.
inline constexpr const char* kTcpTable = "/proc/net/tcp";
std::optional<uint32_t> loopbackPeerUid(int peer_port, int server_port,
                                        const std::string& table = kTcpTable);

}  // namespace stratus
