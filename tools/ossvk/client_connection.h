// Whether the client behind an HTTP request is still there, for a handler that waits minutes for
// a whole reply: cpp-httplib 0.11 neither hands a handler its socket nor notices a hang-up until
// it writes, so the socket is found among the process's descriptors by the request's addresses.
#pragma once
#include <httplib.h>

namespace ossvk_cli {

class ClientConnection {
 public:
  explicit ClientConnection(const httplib::Request& request);
  // True once the client closed its end or reset the connection. A socket that could not be
  // found (an address family other than IPv4 or IPv6) never reads as closed.
  bool closed() const;

 private:
  int fd_ = -1;  // cpp-httplib's, open for as long as the handler runs
};

}  // namespace ossvk_cli
