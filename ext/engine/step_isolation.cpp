// step_isolation.cpp — see step_isolation.hpp. DISCARD ALL cannot run inside the
// checkpoint transaction, so its parts run here one by one; the ones that cost a catalog
// scan (temp namespace, portals) only when the step ran a utility statement —
// the only way to create what they clear.
#include "engine/step_isolation.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "commands/defrem.h"
#include "commands/prepare.h"
#include "commands/sequence.h"
#include "nodes/parsenodes.h"
#include "storage/lock.h"
#include "tcop/utility.h"
#include "utils/portal.h"
}

namespace df::ext::isolation {
namespace {

ProcessUtility_hook_type prev_utility_hook = nullptr;
bool in_step = false;
bool step_ran_utility = false;

void utility_hook(PlannedStmt* pstmt, const char* query, bool read_only_tree, ProcessUtilityContext context,
                  ParamListInfo params, QueryEnvironment* env, DestReceiver* dest, QueryCompletion* qc) {
  if (in_step) step_ran_utility = true;
  if (prev_utility_hook)
    prev_utility_hook(pstmt, query, read_only_tree, context, params, env, dest, qc);
  else
    standard_ProcessUtility(pstmt, query, read_only_tree, context, params, env, dest, qc);
}

bool has_true_option(List* options, const char* name) {
  ListCell* lc;
  foreach (lc, options) {
    DefElem* opt = static_cast<DefElem*>(lfirst(lc));
    if (strcmp(opt->defname, name) == 0) return opt->arg == nullptr || defGetBoolean(opt);
  }
  return false;
}

// Statements PostgreSQL refuses inside a transaction block (PreventInTransactionBlock).
bool needs_own_transaction(Node* stmt) {
  switch (nodeTag(stmt)) {
    case T_VacuumStmt:
    case T_CreatedbStmt:
    case T_DropdbStmt:
    case T_AlterSystemStmt:
    case T_CreateTableSpaceStmt:
    case T_DropTableSpaceStmt:
    case T_CreateSubscriptionStmt:
      return true;
    case T_IndexStmt:
      return reinterpret_cast<IndexStmt*>(stmt)->concurrent;
    case T_DropStmt:
      return reinterpret_cast<DropStmt*>(stmt)->concurrent;
    case T_ReindexStmt:
      return has_true_option(reinterpret_cast<ReindexStmt*>(stmt)->params, "concurrently");
    default:
      return false;
  }
}

}  // namespace

void install_hooks() {
  prev_utility_hook = ProcessUtility_hook;
  ProcessUtility_hook = utility_hook;
}

void refuse_transaction_control(List* raw) {
  if (list_length(raw) != 1) return;
  Node* stmt = linitial_node(RawStmt, raw)->stmt;
  if (IsA(stmt, TransactionStmt))
    ereport(ERROR, (errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
                    errmsg("%s cannot run as a pg_durable step", CreateCommandName(stmt)),
                    errdetail("A step runs in one transaction that also commits its checkpoint; a step cannot "
                              "begin, end, split or prepare it."),
                    errhint("Make each statement its own step: every step commits on its own.")));
  if (needs_own_transaction(stmt))
    ereport(ERROR, (errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
                    errmsg("%s cannot run as a pg_durable step", CreateCommandName(stmt)),
                    errdetail("It cannot run inside a transaction block, and a step runs in the transaction "
                              "that commits its checkpoint."),
                    errhint("Run it outside pg_durable, e.g. from cron or a client session.")));
}

void begin_step() {
  in_step = true;
  step_ran_utility = false;
}

void end_step() { in_step = false; }

void reset_session_after_step() {
  pg_call([] {
    LockReleaseSession(USER_LOCKMETHOD);  // session advisory locks (transaction ones stay)
    DropAllPreparedStatements();          // PREPARE is not transactional: also after a failure
    ResetSequenceCaches();                // currval / lastval
    if (!step_ran_utility) return;
    PortalHashTableDeleteAll();  // WITH HOLD cursors
    ResetTempTableNamespace();   // temp tables, views, functions, triggers on them
    // LISTEN needs nothing: PostgreSQL refuses it in background workers.
  });
  step_ran_utility = false;
}

}  // namespace df::ext::isolation
