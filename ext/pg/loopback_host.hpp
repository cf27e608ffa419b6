// loopback_host.hpp — which host a loopback libpq session of this server connects to
// (df.start(..., transaction_mode => 'new') and steps in another database): $PGHOST
// when set (a path means a socket directory), else the first entry of
// unix_socket_directories, else 127.0.0.1; the port is always the postmaster's.
// PostgreSQL-free, so the rule is unit-tested on its own.
#pragma once
#include <string>

namespace df::ext::loopback {

// pghost: getenv("PGHOST") (may be null); socket_directories: unix_socket_directories
// (comma-separated, may be null or empty).
std::string choose_host(const char* pghost, const char* socket_directories);

}  // namespace df::ext::loopback
