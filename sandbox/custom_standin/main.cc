// The pooled stand-in for a custom runtime. A compiled bootstrap starts in microseconds, so a
// pooled custom runtime saves only the jail (namespaces, cgroup join, mounts): this process sits
// in a prewarmed jail until a function claims it, then becomes that function's bootstrap.
//
// It asks GET /2018-06-01/stratus/claim on $AWS_LAMBDA_RUNTIME_API (the server has mounted the
// function's code on /var/task and its layers on /opt before it answers), then execs
// /var/task/bootstrap, or /opt/bootstrap when the code has none, with exactly the environment the
// answer holds: the one an unpooled start gives the bootstrap. The server pools only functions
// whose bootstrap exists and is executable, so exec failing here is a fault, said on stderr.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "stratus-custom-standin: %s\n", what.c_str());
  return 126;
}

// host:port -> a connected socket, or -1.
int connectTo(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::atoi(address.c_str() + colon + 1)));
  if (inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr) != 1) return -1;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// The claim's answer body; empty when the request failed or was refused.
std::string claim(const std::string& address) {
  int fd = connectTo(address);
  if (fd < 0) return "";
  std::string request = "GET /2018-06-01/stratus/claim HTTP/1.1\r\nHost: " + address +
                        "\r\nUser-Agent: stratus-custom-standin\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return "";
  }
  std::string got;
  char buf[16384];
  size_t body_at = std::string::npos, length = 0;
  // Reads the head, then exactly Content-Length bytes (the server keeps the connection open).
  while (body_at == std::string::npos || got.size() < body_at + length) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
    if (body_at == std::string::npos) {
      size_t end = got.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      body_at = end + 4;
      if (got.compare(0, 12, "HTTP/1.1 200") != 0) break;
      std::string head = got.substr(0, end);
      for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t cl = head.find("\r\ncontent-length:");
      if (cl == std::string::npos) break;
      length = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
    }
  }
  close(fd);
  if (body_at == std::string::npos || got.size() < body_at + length || length == 0) return "";
  return got.substr(body_at, length);
}

}  // namespace

int main() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (!api) return fail("no AWS_LAMBDA_RUNTIME_API");
  std::string body = claim(api);
  if (body.empty()) return fail("the claim failed");
  nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
  if (!answer.is_object() || !answer.contains("env") || !answer["env"].is_object()) {
    return fail("the claim's answer has no env");
  }
  std::vector<std::string> env;
  for (const auto& [key, value] : answer["env"].items()) {
    if (value.is_string()) env.push_back(key + "=" + value.get<std::string>());
  }
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  // The jail set the cwd before /var/task was mounted over: enter the function's tree.
  if (chdir("/var/task") != 0) return fail(std::string("chdir /var/task: ") + std::strerror(errno));
  const char* bootstrap = access("/var/task/bootstrap", F_OK) == 0 ? "/var/task/bootstrap" : "/opt/bootstrap";
  char* argv[] = {const_cast<char*>(bootstrap), nullptr};
  execve(bootstrap, argv, envp.data());
  return fail(std::string("exec ") + bootstrap + ": " + std::strerror(errno));
}
