// loopback.hpp — a libpq session from a backend or worker to this same server, as a
// given role and database (host rule in loopback_host.hpp). Used by start_new.cpp
// (transaction_mode => 'new') and remote_step.cpp (steps in another database).
#pragma once
#include <optional>
#include <string>

#include <postgresql/libpq-fe.h>

namespace df::ext::loopback {

// Owns one connection; closed when it goes out of scope.
struct Session {
  PGconn* conn = nullptr;
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    if (conn) PQfinish(conn);
  }
};

// Connects `s` to `database` as `role` (trust or peer auth: no password is sent);
// connect_timeout_s = 0 waits as long as libpq does. The trimmed libpq error on failure.
std::optional<std::string> connect(Session& s, const std::string& database, const std::string& role,
                                   const char* application_name, int connect_timeout_s);

// A libpq message without its trailing newline/blanks and its "ERROR:  " prefix.
std::string trimmed_error(const char* message);

// Runs a command that returns no rows; the trimmed error text on failure.
std::optional<std::string> command(Session& s, const char* sql);

}  // namespace df::ext::loopback
