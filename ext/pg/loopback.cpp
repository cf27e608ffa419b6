// loopback.cpp — libpq sessions to this server (see loopback.hpp).
#include <cstdlib>
#include <string>

#include "pg/loopback.hpp"
#include "pg/loopback_host.hpp"

#include "pg/pg_bridge.hpp"

extern "C" {
#include "postmaster/postmaster.h"
}

namespace df::ext::loopback {

std::string trimmed_error(const char* message) {
  std::string e = message ? message : "";
  while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  if (e.rfind("ERROR:  ", 0) == 0) e = e.substr(8);
  return e;
}

std::optional<std::string> connect(Session& s, const std::string& database, const std::string& role,
                                   const char* application_name, int connect_timeout_s) {
  std::string host = choose_host(std::getenv("PGHOST"), Unix_socket_directories);
  std::string port = std::to_string(PostPortNumber), timeout = std::to_string(connect_timeout_s);
  const char* keys[] = {"host", "port", "dbname", "user", "application_name", "connect_timeout", nullptr};
  const char* values[] = {host.c_str(), port.c_str(), database.c_str(), role.c_str(),
                          application_name, timeout.c_str(), nullptr};
  s.conn = PQconnectdbParams(keys, values, 0);
  if (PQstatus(s.conn) == CONNECTION_OK) return std::nullopt;
  return trimmed_error(PQerrorMessage(s.conn));
}

std::optional<std::string> command(Session& s, const char* sql) {
  PGresult* r = PQexec(s.conn, sql);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string error = ok ? "" : trimmed_error(PQresultErrorMessage(r));
  PQclear(r);
  if (ok) return std::nullopt;
  return error;
}

}  // namespace df::ext::loopback
