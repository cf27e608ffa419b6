// loopback_host.cpp — the loopback host rule (see loopback_host.hpp).
#include "pg/loopback_host.hpp"

namespace df::ext::loopback {

std::string choose_host(const char* pghost, const char* socket_directories) {
  if (pghost && *pghost) return pghost;
  std::string dirs = socket_directories ? socket_directories : "";
  std::string first = dirs.substr(0, dirs.find(','));
  while (!first.empty() && first.front() == ' ') first.erase(0, 1);
  while (!first.empty() && first.back() == ' ') first.pop_back();
  return first.empty() ? "127.0.0.1" : first;
}

}  // namespace df::ext::loopback
