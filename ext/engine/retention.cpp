// retention.cpp — see retention.hpp. Running and pending instances are never removed;
// updated_at is ignored (users may write it).
#include "engine/retention.hpp"

#include "pg/gucs.hpp"
#include "engine/instance_status.hpp"
#include "pg/pg_bridge.hpp"
#include "pg/spi.hpp"
#include "engine/transaction.hpp"

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

// Only instances that stayed terminal go: the age counts from the last time the instance
// finished (instance_state.finished_at, reset by df.resume), and each candidate is locked
// and re-checked (FOR UPDATE re-reads its status), so an instance df.resume made running
// again in the meantime stays; one it holds locked is skipped until the next pass.
const char* kExpireSql =
    "WITH terminal AS ("
    "  SELECT i.id, row_number() OVER (ORDER BY COALESCE(s.finished_at, i.completed_at, i.created_at) DESC, i.id DESC) AS rank,"
    "         COALESCE(s.finished_at, i.completed_at, i.created_at) AS finished"
    "  FROM df.instances i LEFT JOIN _duroxide.instance_state s ON s.instance_id = i.id"
    "  WHERE i.status IN " DF_TERMINAL_STATUSES_SQL "),"
    " expired AS ("
    "  SELECT i.id FROM df.instances i JOIN terminal t ON t.id = i.id"
    "  WHERE (t.rank > $1 OR $2 = 0 OR t.finished < now() - make_interval(days => $2))"
    "    AND i.status IN " DF_TERMINAL_STATUSES_SQL " FOR UPDATE OF i SKIP LOCKED),"
    " gone_state AS (DELETE FROM _duroxide.instance_state s USING expired e WHERE s.instance_id = e.id),"
    " gone_graphs AS (DELETE FROM _duroxide.instance_graphs g USING expired e WHERE g.instance_id = e.id),"
    " gone_resumes AS (DELETE FROM _duroxide.resumes r USING expired e WHERE r.instance_id = e.id),"
    " gone_tasks AS (DELETE FROM _duroxide.tasks t USING expired e WHERE t.instance_id = e.id),"
    " gone_executions AS (DELETE FROM _duroxide.executions x USING expired e WHERE x.instance_id = e.id),"
    " gone_nodes AS (DELETE FROM df.nodes n USING expired e WHERE n.instance_id = e.id)"
    " DELETE FROM df.instances i USING expired e WHERE i.id = e.id";

bool retention_pass_body() {
  pgstat_report_activity(STATE_RUNNING, "pg_durable retention pass");
  std::uint64_t removed = spi::exec(kExpireSql, {spi::int4(kRetainedTerminalInstances), spi::int4(settings.retention_days)});
  if (removed > 0) elog(LOG, "pg_durable: retention removed %lu instances", static_cast<unsigned long>(removed));
  pgstat_report_activity(STATE_IDLE, NULL);
  return false;
}

}  // namespace

void retention_pass_if_due() {
  if (settings.reconcile_interval_s <= 0) return;
  TimestampTz now = GetCurrentTimestamp();
  if (next_pass == 0) next_pass = TimestampTzPlusMilliseconds(now, settings.reconcile_interval_s * 1000L);
  if (now < next_pass) return;
  next_pass = TimestampTzPlusMilliseconds(now, settings.reconcile_interval_s * 1000L);
  run_in_transaction(retention_pass_body);
}

}  // namespace df::ext
