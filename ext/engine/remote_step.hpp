// remote_step.hpp — SQL steps of instances started with df.start(..., database => 'x'),
// where x is not the extension's database. Such a step cannot share a transaction with
// its checkpoint (which lives in the extension's database), so it runs over a libpq
// session to x authenticated as the submitter (passwordless local auth, as the reference
// requires) and:
//  - with max_prepared_transactions > 0: is PREPAREd (two-phase commit), the checkpoint
//    records the prepared transaction and commits, then the step is COMMIT PREPARED;
//    a refused or failed checkpoint rolls it back; leftovers after a crash are resolved
//    by the scheduler from the checkpoint's record — exactly once;
//  - otherwise: commits before the checkpoint — at-least-once (documented).
// A cancelled task (df.cancel, a decided race, a df.timeout) cancels the statement in x
// too, before anything of it is prepared or committed.
#pragma once

#include <optional>
#include <string>

namespace df::ext::remote {

struct StepResult {
  bool ok = false;
  std::string text;                  // §8.1 result JSON, or the node's error text
  std::optional<std::string> gid;    // prepared transaction to finish after the checkpoint
};

// Runs `sql` in `database` as `role`. gid: the name to PREPARE under (two-phase), or
// nullopt to commit at once. A connection failure is a failed step with the reference's
// "Failed to connect to database ..." text. A query cancel of this process while the
// statement runs cancels it in `database` and throws (PgError or RetryTask).
StepResult run(const std::string& database, const std::string& role, const std::string& sql,
               const std::optional<std::string>& gid);

// COMMIT PREPARED / ROLLBACK PREPARED gid in database, as pg_durable.worker_role.
// Returns false (and logs) when it could not be done; the scheduler retries.
bool finish_prepared(const std::string& database, const std::string& gid, bool commit);

// Scheduler: resolves every prepared step transaction (gid 'pgdf_%') in the cluster —
// committed when its checkpoint recorded it, rolled back otherwise. Call outside a
// transaction.
void resolve_prepared_steps();

}  // namespace df::ext::remote
