// Who is on the other end of a loopback TCP connection: the uid that owns the peer's socket, as
// /proc/net/tcp lists it. Lets a server that hands out secrets on 127.0.0.1 (the Runtime API of
// one sandbox) admit only the process it serves, since every sandbox runs as a uid of its own.
// Any thread; reads /proc/net/tcp (one line per socket of this network namespace).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace stratus {

// The uid owning the IPv4 socket whose local port is `peer_port` and whose remote port is
// `server_port` (a client connected to our server), or nullopt if no such socket is listed.
std::optional<uint32_t> loopbackPeerUid(int peer_port, int server_port,
                                        const std::string& table = "/proc/net/tcp");

}  // namespace stratus
