#include "ossvk/client_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace ossvk_cli {
namespace {

// An IPv4 or IPv6 socket address as cpp-httplib writes it (numeric host) and its port.
bool host_and_port(const sockaddr_storage& a, std::string& host, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(a);
    port = ntohs(in.sin_port);
    return inet_ntop(AF_INET, &in.sin_addr, text, sizeof text) && (host = text, true);
  }
  if (a.ss_family == AF_INET6) {
    const auto& in = reinterpret_cast<const sockaddr_in6&>(a);
    port = ntohs(in.sin6_port);
    return inet_ntop(AF_INET6, &in.sin6_addr, text, sizeof text) && (host = text, true);
  }
  return false;
}

// The socket `fd` connects the request's local port to its client's address and port.
bool is_the_requests(int fd, const httplib::Request& r) {
  sockaddr_storage local{}, peer{};
  socklen_t local_size = sizeof local, peer_size = sizeof peer;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0 ||
      getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0)
    return false;
  std::string local_host, peer_host;
  int local_port = 0, peer_port = 0;
  return host_and_port(local, local_host, local_port) &&
         host_and_port(peer, peer_host, peer_port) && local_port == r.local_port &&
         peer_port == r.remote_port && peer_host == r.remote_addr;
}

}  // namespace

ClientConnection::ClientConnection(const httplib::Request& request) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const std::string name = entry.path().filename().string();
    char* end = nullptr;
    const long fd = std::strtol(name.c_str(), &end, 10);
    if (*end == '\0' && is_the_requests(static_cast<int>(fd), request)) {
      fd_ = static_cast<int>(fd);
      return;
    }
  }
}

bool ClientConnection::closed() const {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN | POLLRDHUP, 0};
  if (poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
  // Readable: more bytes from the client (not closed), or end of stream.
  char c;
  return (p.revents & POLLIN) && recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

}  // namespace ossvk_cli
