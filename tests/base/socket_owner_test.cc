// loopbackPeerUid against real loopback connections (the kernel's answer and the table's must
// agree) and against a table file of our own.
#include "runtime/base/socket_owner.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace stratus {
namespace {

int portOf(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// A listening socket on 127.0.0.1:0 and a client connected to it.
struct Connection {
  Connection() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bind(server, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(server, 4);
    a.sin_port = htons(static_cast<uint16_t>(portOf(server)));
    client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    connected = connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Connection() {
    close(client);
    close(server);
  }
  int server = -1, client = -1;
  bool connected = false;
};

TEST(SocketOwner, NamesTheUidOfALoopbackPeer) {
  Connection c;
  ASSERT_TRUE(c.connected);
  auto uid = loopbackPeerUid(portOf(c.client), portOf(c.server));
  ASSERT_TRUE(uid);
  EXPECT_EQ(*uid, getuid());
}

TEST(SocketOwner, KnowsNoSocketThatIsNotThere) {
  Connection c;
  ASSERT_TRUE(c.connected);
  // The right ports the wrong way round: the server's port is not a client of the client's.
  EXPECT_FALSE(loopbackPeerUid(portOf(c.server), portOf(c.client) == 1 ? 2 : 1));
}

TEST(SocketOwner, ReadsATableWhenGivenOne) {
  char path[] = "/tmp/stratus-socket-owner-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string table =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  4242        0 1\n";
  ASSERT_EQ(write(fd, table.data(), table.size()), static_cast<ssize_t>(table.size()));
  close(fd);
  auto uid = loopbackPeerUid(0x1F90, 0xD431, path);
  unlink(path);
  ASSERT_TRUE(uid);
  EXPECT_EQ(*uid, 4242u);
}

}  // namespace
}  // namespace stratus
