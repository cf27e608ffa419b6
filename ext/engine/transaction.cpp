// transaction.cpp — the one transaction runner of the background workers
// (transaction.hpp): start, SPI, snapshot, body, commit; on error abort, log, go on.
#include <string>
#include <utility>
#include <vector>

#include "engine/engine_core.hpp"  // first: vm/ headers precede postgres.h
#include "pg/spi.hpp"
#include "engine/transaction.hpp"

extern "C" {
#include "commands/extension.h"
#include "pgstat.h"
#include "utils/snapmgr.h"
}

namespace df::ext {
namespace {

// after_transaction_end() callbacks of the runner transaction now open (a nested runner
// call, e.g. failing an instance after an EngineBug, gets its own list).
std::vector<std::function<void(bool)>> pending_ends;

TransactionResult run_transaction_body(const std::function<bool()>& body, TransactionOptions options) {
  MemoryContext ctx = CurrentMemoryContext;
  std::string error, bug_instance;
  TransactionResult result;
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  // The engine's bookkeeping must write even when the role's sessions default to
  // read-only (default_transaction_read_only); the step itself gets the role's default
  // back (executor.cpp, run_statement).
  XactReadOnly = false;
  try {
    pg_call([] { PushActiveSnapshot(GetTransactionSnapshot()); });
    spi::Connection spi_connection;
    if (!options.require_extension || OidIsValid(get_extension_oid("pg_durable", true))) result.did_work = body();
    spi_connection.finish();
    pg_call([] { PopActiveSnapshot(); });
  } catch (const RetryTask& e) {
    AbortOutOfAnyTransaction();  // also unwinds internal subtransactions
    MemoryContextSwitchTo(ctx);
    elog(DEBUG1, "pg_durable: %s", e.what());
    result.did_work = true;  // go on draining: the interrupted task is claimed again (or dropped)
    return result;
  } catch (const EngineBug& e) {
    error = e.what();
    bug_instance = e.instance_id;
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (error.empty()) {
    CommitTransactionCommand();
    result.committed = true;
    pgstat_report_stat(false);  // workers' commits and WAL show in pg_stat_* views
    return result;
  }
  AbortOutOfAnyTransaction();  // also unwinds internal subtransactions
  MemoryContextSwitchTo(ctx);
  elog(LOG, "pg_durable: %s", error.c_str());
  if (!bug_instance.empty())
    run_in_transaction([&] {
      engine::fail_instance(bug_instance, "pg_durable internal error: " + error);
      return false;
    });
  result.did_work = false;
  return result;
}

}  // namespace

TransactionResult run_transaction(const std::function<bool()>& body, TransactionOptions options) {
  std::vector<std::function<void(bool)>> outer;
  outer.swap(pending_ends);
  TransactionResult result = run_transaction_body(body, options);
  std::vector<std::function<void(bool)>> mine;
  mine.swap(pending_ends);
  pending_ends.swap(outer);
  for (const auto& finish : mine) finish(result.committed);
  return result;
}

bool run_in_transaction(const std::function<bool()>& body) { return run_transaction(body).did_work; }

void after_transaction_end(std::function<void(bool committed)> finish) { pending_ends.push_back(std::move(finish)); }

}  // namespace df::ext
