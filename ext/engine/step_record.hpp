// step_record.hpp — what a node's status stamp records besides its status (issue 15): the
// clock times the node really started and finished, its error record in df.nodes.error,
// and one run record per step attempt appended to df.nodes.runs (read by df.step_runs) -
// except a step's first-try success, the common attempt, whose record the node's own
// columns hold (_duroxide.held_run, sql/parts/60_monitoring.sql): no run record is written
// for it, and the next stamp of the node appends it before overwriting those columns.
// All of it travels as extra columns of the stamp the engine writes anyway
// (engine_core.cpp stamp_node): no statement of its own. The executor tells which step
// attempt it is recording, and when it ran, with an AttemptScope around the outcome.
//
// Failures and finished attempts are also handed on to failure_log.hpp (server log) and
// metrics.hpp (counters and latency histogram), both applied at commit - and only for a
// stamp that was written (stamped()): the engine computes an event's stamps before the
// one statement that writes them with its checkpoint, which writes nothing when the
// checkpoint's compare-and-set fails.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir.hpp"
#include "step.hpp"

#include "pg/pg_bridge.hpp"
#include "pg/spi.hpp"

namespace df::ext::step_record {

// While alive: the outcome being recorded is an attempt of the step at pre-order index
// `node`, whose statement (or request) ran from `started` until now.
class AttemptScope {
 public:
  AttemptScope(std::uint32_t node, TimestampTz started);
  ~AttemptScope();
  AttemptScope(const AttemptScope&) = delete;
  AttemptScope& operator=(const AttemptScope&) = delete;
};

// What a stamp queues for commit once it is known to be written (stamped()): an
// attempt's metrics and, for a failed one, its log line and the record later stamps of
// the transaction name as the error of the nodes it fails on its way up.
struct StampAttempt {
  bool ok = false, retried = false;
  std::int64_t duration_ms = 0;
  std::uint32_t attempt = 0;
  std::optional<std::string> error;  // a failed attempt's error record
};

// The extra column values of one node stamp.
struct NodeStamp {
  bool keep_started = false;             // keep the stored started_at (when not NULL)
  std::optional<TimestampTz> started_at;  // else (or when it is NULL) this
  std::optional<TimestampTz> finished_at;
  std::optional<std::string> error;      // df.nodes.error: the error record (JSON text)
  std::optional<std::string> run;        // a run record to append to df.nodes.runs
  bool run_held = false;                 // a first-try success: the columns hold its record
  int runs_kept = 0;                     // pg_durable.step_runs_per_node
  std::string instance_id, node_id;      // whose stamp (for stamped())
  std::optional<StampAttempt> attempt;   // a step attempt ended with this stamp
};

// The runs a stamp leaves (SQL of columns/values given as text): the stored ones, the
// record the old columns held, the stamp's own record, at most runs_kept in all.
#define DF_STAMPED_RUNS_SQL(runs, type, status, details, started, finished, run, held, kept)                \
  "_duroxide.stamped_runs(" runs ", _duroxide.held_run(" type ", " status ", " details ", " started ", " \
  finished ", " runs "), " run ", " held ", " kept ")"
// The SET list of a node stamp's extra columns, parameters $8..$14 in DF_NODE_STAMP_ARGS
// order, and the stamp's own clock time.
#define DF_NODE_STAMP_SQL                                                                              \
  "updated_at = clock_timestamp(), "                                                                   \
  "started_at = CASE WHEN $8::boolean THEN coalesce(started_at, $9::timestamptz) ELSE $9::timestamptz END, " \
  "finished_at = $10::timestamptz, error = $11::text, "                                                \
  "runs = " DF_STAMPED_RUNS_SQL("runs", "node_type", "status", "status_details", "started_at", "finished_at", \
                                "$12::jsonb", "$14::boolean", "$13::integer")
#define DF_NODE_STAMP_ARGS(s)                                                                      \
  df::ext::spi::boolean((s).keep_started), df::ext::step_record::optional_time((s).started_at),    \
      df::ext::step_record::optional_time((s).finished_at), df::ext::spi::optional_text((s).error), \
      df::ext::spi::optional_text((s).run), df::ext::spi::int4((s).runs_kept), df::ext::spi::boolean((s).run_held)

// A timestamptz argument, NULL for nullopt.
df::ext::spi::Arg optional_time(const std::optional<TimestampTz>& t);

// Computes the stamp of action `a` for node `node_id` of instance `instance_id`, of type
// `type`; `execution_id` is the node's execution stamp. Computes only: nothing is queued
// until stamped(). `earlier` are the stamps computed before it for the same event (not
// yet stamped): a node failing on its way up names the error of a step failed among them.
NodeStamp stamp_for(const std::string& instance_id, const std::string& node_id, ir::NodeType type,
                    const vm::Action& a, const std::string& execution_id,
                    const std::vector<NodeStamp>& earlier = {});

// The stamp was written (its statement ran and will commit with the transaction, or
// abort with it): queues the attempt's metrics and the failure's log line for commit,
// and remembers the failure for the transaction's later stamps. Never called for a
// stamp whose statement did not apply (an event's failed compare-and-set).
void stamped(const NodeStamp& s);

// The instance failed with `message` (the VM's, or the engine's own: a refused checkpoint,
// an internal error): queues its log line for commit.
void instance_failed(const std::string& instance_id, const std::string& message);

}  // namespace df::ext::step_record
