// retention.cpp — see retention.hpp. Running and pending instances are never removed;
// updated_at is ignored (users may write it).
#include "retention.hpp"

#include "gucs.hpp"
#include "pg_bridge.hpp"

extern "C" {
#include "commands/extension.h"
#include "pgstat.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

namespace df::ext {
namespace {

constexpr int kRetainedTerminalInstances = 10000;
TimestampTz next_pass = 0;

const char* kExpireSql =
    "WITH terminal AS ("
    "  SELECT id, row_number() OVER (ORDER BY COALESCE(completed_at, created_at) DESC, id DESC) AS rank,"
    "         COALESCE(completed_at, created_at) AS finished"
    "  FROM df.instances WHERE status IN ('completed', 'failed', 'cancelled')),"
    " expired AS ("
    "  SELECT id FROM terminal WHERE rank > $1 OR $2 = 0 OR finished < now() - make_interval(days => $2)),"
    " gone_state AS (DELETE FROM _duroxide.instance_state s USING expired e WHERE s.instance_id = e.id),"
    " gone_tasks AS (DELETE FROM _duroxide.tasks t USING expired e WHERE t.instance_id = e.id),"
    " gone_executions AS (DELETE FROM _duroxide.executions x USING expired e WHERE x.instance_id = e.id),"
    " gone_nodes AS (DELETE FROM df.nodes n USING expired e WHERE n.instance_id = e.id)"
    " DELETE FROM df.instances i USING expired e WHERE i.id = e.id";

void retention_pass_body() {
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  SPI_connect();
  PushActiveSnapshot(GetTransactionSnapshot());
  pgstat_report_activity(STATE_RUNNING, "pg_durable retention pass");
  if (OidIsValid(get_extension_oid("pg_durable", true))) {
    Oid types[2] = {INT4OID, INT4OID};
    Datum values[2] = {Int32GetDatum(kRetainedTerminalInstances), Int32GetDatum(settings.retention_days)};
    if (SPI_execute_with_args(kExpireSql, 2, types, values, NULL, false, 0) != SPI_OK_DELETE)
      elog(ERROR, "pg_durable: retention pass failed");
    if (SPI_processed > 0) elog(LOG, "pg_durable: retention removed %lu instances", (unsigned long)SPI_processed);
  }
  SPI_finish();
  PopActiveSnapshot();
  CommitTransactionCommand();
  pgstat_report_activity(STATE_IDLE, NULL);
}

}  // namespace

void retention_pass_if_due() {
  if (settings.reconcile_interval_s <= 0) return;
  TimestampTz now = GetCurrentTimestamp();
  if (next_pass == 0) next_pass = TimestampTzPlusMilliseconds(now, settings.reconcile_interval_s * 1000L);
  if (now < next_pass) return;
  next_pass = TimestampTzPlusMilliseconds(now, settings.reconcile_interval_s * 1000L);
  MemoryContext ctx = CurrentMemoryContext;
  PG_TRY();
  { retention_pass_body(); }
  PG_CATCH();
  {
    HOLD_INTERRUPTS();
    EmitErrorReport();
    AbortCurrentTransaction();
    MemoryContextSwitchTo(ctx);
    FlushErrorState();
    RESUME_INTERRUPTS();
  }
  PG_END_TRY();
}

}  // namespace df::ext
