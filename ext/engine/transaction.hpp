// transaction.hpp — the one transaction runner of the background workers (executor,
// scheduler tick, timers, retention, prepared-step resolution): runs a C++ body in its own
// top-level transaction with SPI connected and a snapshot pushed, commits it, or on any
// error logs it and aborts, so the worker goes on running. The C++/PostgreSQL error
// boundary is kept here: the body reaches PostgreSQL through pg_call (pg_bridge.hpp), its
// errors arrive as C++ exceptions and are handled after every C++ frame has unwound.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include "pg/pg_bridge.hpp"

namespace df::ext {

// Thrown by a body: abort the whole transaction quietly (DEBUG1) and report work done, so
// the caller goes on draining and the interrupted task is claimed again (or dropped).
struct RetryTask : std::runtime_error {
  RetryTask() : std::runtime_error("step interrupted; retrying its task") {}
};

// Thrown by a body: an engine bug or corrupt state while handling this instance. The
// transaction is aborted and the instance failed in a fresh one, rather than retried
// forever.
struct EngineBug : std::runtime_error {
  std::string instance_id;
  EngineBug(std::string id, const std::string& what) : std::runtime_error(what), instance_id(std::move(id)) {}
};

struct TransactionOptions {
  // Run the body only when the extension exists (else commit an empty transaction).
  // The scheduler's tick runs without it: it is what notices CREATE / DROP EXTENSION.
  bool require_extension = true;
};

struct TransactionResult {
  bool committed = false;  // the body returned and its transaction committed
  bool did_work = false;   // what the body returned (true also after a RetryTask)
};

// Runs body in its own transaction; see the file comment. Errors are logged at LOG.
TransactionResult run_transaction(const std::function<bool()>& body, TransactionOptions options = {});

// Runs body in its own transaction when the extension exists. Returns whether work was
// done and no error occurred (or a RetryTask asked to go on).
bool run_in_transaction(const std::function<bool()>& body);

// Called by a body: run `finish(committed)` once the current runner transaction has
// ended (committed = it committed). Used for work that must follow the commit or the
// abort, outside any transaction (a prepared step's COMMIT / ROLLBACK PREPARED).
void after_transaction_end(std::function<void(bool committed)> finish);

}  // namespace df::ext
