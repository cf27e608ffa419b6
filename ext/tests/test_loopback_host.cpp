// test_loopback_host.cpp — unit tests for the loopback session's host rule
// (ext/pg/loopback_host.hpp): $PGHOST wins, else the first socket directory, else TCP.
#include <doctest/doctest.h>

#include "pg/loopback_host.hpp"

using df::ext::loopback::choose_host;

TEST_CASE("PGHOST, when set and not empty, is used as it is") {
  CHECK(choose_host("/tmp/pg", "/var/run/postgresql") == "/tmp/pg");
  CHECK(choose_host("db.local", nullptr) == "db.local");
}

TEST_CASE("PGHOST unset: the first unix_socket_directories entry") {
  CHECK(choose_host(nullptr, "/var/run/postgresql") == "/var/run/postgresql");
  CHECK(choose_host(nullptr, "/tmp/a, /tmp/b") == "/tmp/a");
  CHECK(choose_host("", " /tmp/a ,/tmp/b") == "/tmp/a");  // empty PGHOST counts as unset
}

TEST_CASE("PGHOST unset and no socket directory: TCP to 127.0.0.1") {
  CHECK(choose_host(nullptr, nullptr) == "127.0.0.1");
  CHECK(choose_host(nullptr, "") == "127.0.0.1");
  CHECK(choose_host("", ",/tmp/b") == "127.0.0.1");  // the first entry is empty
}
