// start_new.cpp — df.start(..., transaction_mode => 'new') (docs/reference.md §3.3, §19): the
// graph is created by a loopback session of the caller's own role, autocommitted, so the
// instance survives a rollback of the caller's transaction. Admission is limited
// cluster-wide by session-level advisory locks (pg_durable.max_new_transaction_starts
// slots under the "PGDF" class id), always released, also on error.
#include <string>

#include "pg/loopback.hpp"
#include "surface/surface.hpp"

#include "pg/gucs.hpp"
#include "pg/spi.hpp"
#include "surface/start.hpp"

extern "C" {
#include "storage/latch.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

namespace df::ext::start {
namespace {

constexpr long kSlotClass = 1346982470;  // 0x50474446, "PGDF"
constexpr long kSlotPollMs = 100;

bool try_slot(int slot) {
  spi::exec("SELECT pg_catalog.pg_try_advisory_lock($1, $2)", {spi::int4(kSlotClass), spi::int4(slot)});
  return spi::value_or(0, 1, "f") == "t";
}

void release_slot(int slot) {
  spi::exec("SELECT pg_catalog.pg_advisory_unlock($1, $2)", {spi::int4(kSlotClass), spi::int4(slot)});
}

// Polls every 100 ms for a free slot until new_transaction_start_timeout.
int acquire_slot() {
  int slots = settings.max_new_transaction_starts, timeout_s = settings.new_transaction_start_timeout_s;
  TimestampTz deadline = GetCurrentTimestamp() + static_cast<TimestampTz>(timeout_s) * USECS_PER_SEC;
  for (;;) {
    for (int slot = 0; slot < slots; ++slot)
      if (try_slot(slot)) return slot;
    if (GetCurrentTimestamp() >= deadline)
      surface::raise("pg_durable: transaction_mode => 'new' launch limit reached (max_new_transaction_starts=" +
                     std::to_string(slots) + "). Timed out after " + std::to_string(timeout_s) +
                     "s waiting for a launch slot before opening the loopback session.");
    pg_call([] {
      (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, kSlotPollMs, PG_WAIT_EXTENSION);
      ResetLatch(MyLatch);
    });
    check_for_interrupts();
  }
}

// The loopback session (loopback.hpp: host and port) as the caller's role.
std::string loopback_launch(const std::string& role, const std::string& fut, const Options& options) {
  loopback::Session c;
  if (auto e = loopback::connect(c, settings.database, role, "pg_durable:backend:new-transaction", 0))
    throw std::runtime_error(*e);
  for (const char* setup : {"SET df.in_workflow = 'false'", "SET lock_timeout = 30000", "SET statement_timeout = 30000"})
    if (auto e = loopback::command(c, setup)) throw std::runtime_error(*e);
  const std::string attempts = std::to_string(options.max_attempts);
  const std::string backoff = std::to_string(options.max_backoff_ms) + " ms";
  const char* params[] = {fut.c_str(), options.label ? options.label->c_str() : nullptr,
                          options.database ? options.database->c_str() : nullptr, attempts.c_str(),
                          backoff.c_str(), options.pause_on_failure ? "pause" : "fail"};
  PGresult* r = PQexecParams(c.conn,
                             "SELECT df.start($1, $2, $3, max_attempts => $4::integer, max_backoff => $5::text, "
                             "on_failure => $6)",
                             6, nullptr, params, nullptr, nullptr, 0);
  bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  std::string id = ok ? PQgetvalue(r, 0, 0) : "";
  std::string error = ok ? "" : (PQresultErrorMessage(r) ? PQresultErrorMessage(r) : "");
  PQclear(r);
  while (!error.empty() && error.back() == '\n') error.pop_back();
  if (!ok) throw std::runtime_error(error.rfind("ERROR:  ", 0) == 0 ? error.substr(8) : error);
  return id;
}

}  // namespace

std::string start_new_mode(const std::string& fut, const Options& options) {
  spi::Connection connection;
  std::string role = check_login(GetUserId());
  int slot = acquire_slot();
  connection.finish();
  std::string id, failure;
  try {
    id = loopback_launch(role, fut, options);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  spi::Connection unlock;
  release_slot(slot);
  unlock.finish();
  if (!failure.empty()) surface::raise("df.start() on new transaction failed: " + failure);
  return id;
}

}  // namespace df::ext::start
