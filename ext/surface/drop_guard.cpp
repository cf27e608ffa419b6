// drop_guard.cpp — DROP EXTENSION pg_durable without CASCADE refuses while the extension
// holds deployed workflows or instances, saying what would be lost (docs/operations.md,
// "Uninstalling"); CASCADE, or an empty extension, drops as PostgreSQL always does. A
// ProcessUtility hook, because the tables' rows are the extension's own: no dependency
// PostgreSQL tracks would stop the drop.
//
// The hook runs in a PostgreSQL frame and holds no C++ objects: plain SPI and ereport.
#include "pg/pg_bridge.hpp"
#include "surface/drop_guard.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "commands/extension.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
}

namespace df::ext {
namespace {

ProcessUtility_hook_type previous_hook = nullptr;

bool drops_pg_durable(const DropStmt* stmt) {
  if (stmt->removeType != OBJECT_EXTENSION || stmt->behavior != DROP_RESTRICT) return false;
  ListCell* cell;
  foreach (cell, stmt->objects) {
    if (strcmp(strVal(lfirst(cell)), "pg_durable") == 0) return OidIsValid(get_extension_oid("pg_durable", true));
  }
  return false;
}

int64 count_of(const char* sql) {
  if (SPI_execute(sql, true, 1) != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "pg_durable: %s failed", sql);
  bool isnull = false;
  Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
  return isnull ? 0 : DatumGetInt64(d);
}

void refuse_if_it_holds_data() {
  SPI_connect();
  int64 workflows = count_of("SELECT count(DISTINCT name) FROM df.workflows");
  int64 live = count_of("SELECT count(*) FROM _duroxide.instance_state WHERE NOT finished");
  int64 finished = count_of("SELECT count(*) FROM df.instances") - live;
  SPI_finish();
  if (workflows == 0 && live == 0 && finished <= 0) return;
  ereport(ERROR,
          (errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
           errmsg("cannot drop extension pg_durable while it holds workflows or instances"),
           errdetail("Dropping it deletes %lld deployed workflows, ends %lld unfinished instances "
                     "without running their remaining steps and deletes %lld finished instances.",
                     static_cast<long long>(workflows), static_cast<long long>(live),
                     static_cast<long long>(finished > 0 ? finished : 0)),
           errhint("Keep a copy with pg_dump first; DROP EXTENSION pg_durable CASCADE drops them with the extension.")));
}

void guard_utility(PlannedStmt* pstmt, const char* query_string, bool read_only_tree,
                   ProcessUtilityContext context, ParamListInfo params, QueryEnvironment* query_env,
                   DestReceiver* dest, QueryCompletion* qc) {
  if (IsA(pstmt->utilityStmt, DropStmt) && drops_pg_durable(reinterpret_cast<DropStmt*>(pstmt->utilityStmt)))
    refuse_if_it_holds_data();
  if (previous_hook)
    previous_hook(pstmt, query_string, read_only_tree, context, params, query_env, dest, qc);
  else
    standard_ProcessUtility(pstmt, query_string, read_only_tree, context, params, query_env, dest, qc);
}

}  // namespace

void install_drop_guard() {
  previous_hook = ProcessUtility_hook;
  ProcessUtility_hook = guard_utility;
}

}  // namespace df::ext
