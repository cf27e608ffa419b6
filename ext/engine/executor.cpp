// executor.cpp — an executor background worker: a session of ONE role (connected as it,
// so session_user, current_user, is_superuser and the role's and database's settings are
// those of a fresh session of that role), started by the scheduler for a role that has
// runnable work (executor_pool.cpp). It claims that role's tasks and runs them; it exits
// when idle for kExecutorLingerMs or when the scheduler wants its slot for another role.
//
// One SQL step = one transaction:
//   1. as the engine owner (engine::AsEngineOwner: superuser, forced search_path), claim the
//      task by deleting its row (FOR UPDATE SKIP LOCKED: a crashed executor's claim vanishes
//      with its transaction, and so do its step's effects), reading the instance with it;
//   2. in a subtransaction, as the session's role with its own settings, with
//      df.in_workflow = 'true', the role's statement_timeout armed and every GUC change of
//      the step undone afterwards, run the statement (one statement, no transaction
//      control: step_isolation.hpp);
//   3. as the engine owner, step the VM with the outcome and write the new state if it is
//      still the one read at the claim (that UPDATE takes the instance's row lock; if the
//      state changed meanwhile, lock the row, reload and step again); if the
//      VM refuses it (race already decided, instance cancelled), roll the subtransaction
//      back: the step's effects never happen. Then reset what the step left in the session
//      (step_isolation.hpp). The effects, the reset, the node's result and the new VM state
//      commit together — exactly once.
// When that event made the instance's next SQL step runnable, the executor keeps it (a
// continuation, engine_core.hpp HeldTask) and runs it in its next transaction in place of
// step 1: no task row, no claim, no read of the instance (the compare-and-set of 3. still
// sees any change since its checkpoint).
#include <algorithm>
#include <functional>
#include <string>
#include <unordered_map>

#include "json_text.hpp"

#include "engine/activity.hpp"
#include "engine/engine_core.hpp"
#include "engine/executor.hpp"
#include "engine/executor_pool.hpp"
#include "pg/check_cache.hpp"
#include "pg/gucs.hpp"
#include "http/http.hpp"
#include "engine/remote_step.hpp"
#include "pg/shmem.hpp"
#include "pg/spi.hpp"
#include "engine/sql_result.hpp"
#include "engine/step_isolation.hpp"
#include "pg/subtransaction.hpp"
#include "engine/step_record.hpp"
#include "engine/transaction.hpp"

extern "C" {
#include "commands/extension.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "access/twophase.h"
#include "access/xact.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_db_role_setting.h"
#include "utils/fmgroids.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
}

namespace df::ext {
namespace {

// Idle executors sleep on their latch; commits that create work of their role set it.
// One idle this long exits, giving its slot (and its connection) back; the scheduler
// starts another when the role has work again. Measured reconnect cost: README.
constexpr long kExecutorLingerMs = 10000;

int my_slot = -1;
Oid my_role = InvalidOid;

struct ClaimedTask {
  std::string instance_id;
  std::uint64_t task_id = 0;
  std::string kind;
  std::string payload;
  std::uint32_t node = 0;
  std::uint32_t iteration = 0;
  // The instance as read by the claim, without its lock; nullopt when it has finished
  // (or has no engine state): the task is then dropped.
  std::optional<engine::Instance> instance;
};

struct StepOutcome {
  bool ok = false;
  std::string text;  // result JSON or error message
  // A failure's error record (retry.hpp), the VM's TaskFailed payload; "" = text only.
  std::string error_record;
};

// The error record of a failed SQL statement: message (the node's error text), SQLSTATE
// and the server's detail/hint/context, and the statement as executed.
std::string sql_error_record(const std::string& message, const ErrorData* e, const std::string& sql) {
  auto field = [](std::string& out, const char* key, const char* value) {
    out += ",\"";
    out += key;
    out += "\":";
    if (value) compiler::append_json_string(out, value);
    else out += "null";
  };
  std::string out = "{\"message\":";
  compiler::append_json_string(out, message);
  field(out, "sqlstate", e ? unpack_sql_state(e->sqlerrcode) : nullptr);
  field(out, "detail", e ? e->detail : nullptr);
  field(out, "hint", e ? e->hint : nullptr);
  field(out, "context", e ? e->context : nullptr);
  field(out, "statement", sql.c_str());
  return out + "}";
}

// An HTTP failure's record: no SQLSTATE, the status when there was a response, and
// whether it may pass by itself.
std::string http_error_record(const http::Outcome& o) {
  std::string out = "{\"message\":";
  compiler::append_json_string(out, o.text);
  out += ",\"sqlstate\":null,\"http_status\":";
  out += o.http_status ? std::to_string(o.http_status) : "null";
  return out + ",\"transient\":" + (o.transient ? "true" : "false") + "}";
}

// The oldest runnable task of this executor's role; HTTP tasks only when it holds no SQL
// slot (pg_durable.max_user_connections). One statement claims the task (its row is
// deleted: the delete's row lock is the claim, and a crashed executor's delete vanishes
// with its transaction, so the task is claimed again), and reads the instance, unlocked:
// its row lock is taken only when the step's outcome is written (record_outcome), so
// df.cancel and df.signal are not held up while the step runs.
#define DF_CLAIM_SQL(kind_filter)                                                                     \
  "WITH claimed AS (DELETE FROM _duroxide.tasks WHERE (instance_id, task_id) = ("                    \
  "SELECT instance_id, task_id FROM _duroxide.tasks WHERE " kind_filter " AND submitted_by = $1 "     \
  "ORDER BY created_at, task_id LIMIT 1 FOR UPDATE SKIP LOCKED) "                                      \
  "RETURNING instance_id, task_id, kind, payload, node, iteration) "                                   \
  "SELECT c.instance_id, c.task_id, c.kind, c.payload, c.node, c.iteration, " DF_INSTANCE_COLUMNS      \
  " FROM claimed c LEFT JOIN _duroxide.instance_state s ON s.instance_id = c.instance_id AND NOT s.finished"
// The task a commit handed to this executor when it woke it (shmem.hpp take_handoff),
// claimed the same way by its key: no scan of the role's queue, and the instance's frozen
// graph read with it when this process has not lowered it yet ($4: a new instance's). Finds
// nothing when another executor claimed it first (or it was cancelled).
#define DF_HANDOFF_CLAIM_SQL(kind_filter)                                                             \
  "WITH claimed AS (DELETE FROM _duroxide.tasks WHERE (instance_id, task_id) = ("                    \
  "SELECT instance_id, task_id FROM _duroxide.tasks WHERE instance_id = $2 AND task_id = $3 AND "     \
  kind_filter " AND submitted_by = $1 FOR UPDATE SKIP LOCKED) "                                       \
  "RETURNING instance_id, task_id, kind, payload, node, iteration) "                                   \
  "SELECT c.instance_id, c.task_id, c.kind, c.payload, c.node, c.iteration, " DF_INSTANCE_COLUMNS      \
  ", CASE WHEN $4 THEN g.graph END, CASE WHEN $4 THEN g.node_ids::text END"                             \
  " FROM claimed c LEFT JOIN _duroxide.instance_state s ON s.instance_id = c.instance_id AND NOT s.finished" \
  " LEFT JOIN _duroxide.instance_graphs g ON $4 AND g.instance_id = c.instance_id"
ClaimedTask claimed_row(int graph_first) {
  ClaimedTask t;
  t.instance_id = spi::value_or(0, 1, "");
  t.task_id = std::stoull(spi::value_or(0, 2, "0"));
  t.kind = spi::value_or(0, 3, "");
  t.payload = spi::value_or(0, 4, "");
  t.node = static_cast<std::uint32_t>(std::stoul(spi::value_or(0, 5, "0")));
  t.iteration = static_cast<std::uint32_t>(std::stoul(spi::value_or(0, 6, "0")));
  t.instance = engine::instance_from_row(t.instance_id, 7, graph_first);
  return t;
}
std::optional<ClaimedTask> claim_task(bool sql_allowed) {
  if (std::optional<Handoff> handed = take_handoff(my_slot)) {
    std::uint64_t n = spi::exec(sql_allowed ? DF_HANDOFF_CLAIM_SQL("kind <> 'timer'") : DF_HANDOFF_CLAIM_SQL("kind = 'http'"),
                                {spi::oid(my_role), spi::text(handed->instance_id),
                                 spi::int8(static_cast<std::int64_t>(handed->task_id)),
                                 spi::boolean(!engine::graph_cached(handed->instance_id))});
    count_dispatch(n == 1 ? DispatchCounter::HandoffTaken : DispatchCounter::HandoffMissed);
    if (n == 1) return claimed_row(7 + engine::kInstanceColumnCount);
  }
  std::uint64_t n = spi::exec(sql_allowed ? DF_CLAIM_SQL("kind <> 'timer'") : DF_CLAIM_SQL("kind = 'http'"),
                              {spi::oid(my_role)});
  if (n == 0) {
    count_dispatch(DispatchCounter::ClaimEmpty);
    return std::nullopt;
  }
  return claimed_row(0);
}

// Deletes a task row read without the claim statement (a timed-out SQL task).
void delete_task(const ClaimedTask& t) {
  spi::exec("DELETE FROM _duroxide.tasks WHERE instance_id = $1 AND task_id = $2",
            {spi::text(t.instance_id), spi::int8(static_cast<std::int64_t>(t.task_id))});
}

// The role may have been dropped, lost LOGIN or become superuser since this session
// started. Answers the task and returns true if so.
bool role_refused(const ClaimedTask& t, const engine::Instance& inst, const RoleCheck& role);

// Arms the session's statement_timeout (the role's or database's setting, as a fresh
// session would have it) around the step; bgworkers get no statement timer of their own
// (a SET LOCAL statement_timeout would arm nothing under SPI). df.timeout is not this
// timer: it is the VM's durable timer, which cancels the task (a query cancel).
struct StatementTimer {
  TimestampTz started = GetCurrentTimestamp();
  int timeout_ms = StatementTimeout;
  StatementTimer() {
    if (timeout_ms > 0) enable_timeout_after(STATEMENT_TIMEOUT, timeout_ms);
  }
  ~StatementTimer() {
    if (timeout_ms <= 0) return;
    disable_timeout(STATEMENT_TIMEOUT, false);
    if (get_timeout_indicator(STATEMENT_TIMEOUT, true)) QueryCancelPending = false;  // fired after the step
  }
  bool expired() const {
    return timeout_ms > 0 && TimestampDifferenceExceeds(started, GetCurrentTimestamp(), timeout_ms);
  }
};

// Saved plans of step statements, by text: a template's steps run the same text again
// and again, so each is parsed and planned once per executor (an executor is one role, so
// one role's plans). The plan cache revalidates a saved plan after DDL, and replans when
// the search_path or the role differ from the ones it was planned under. Only statements
// that passed the one-statement and transaction-control checks get here. Bounded: a
// workload whose texts never repeat (values substituted into them) gets a fresh start
// every kStepPlanLimit texts.
constexpr std::size_t kStepPlanLimit = 256;
std::unordered_map<std::string, SPIPlanPtr> step_plans;

// The saved plan of `sql`, prepared (and checked) when it is new. PostgreSQL errors
// propagate (ereport): called inside pg_call.
SPIPlanPtr step_plan(const std::string& sql) {
  auto found = step_plans.find(sql);
  if (found != step_plans.end()) return found->second;
  List* raw = pg_parse_query(sql.c_str());
  // One statement per step, as the extended query protocol enforces.
  if (list_length(raw) > 1)
    ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR), errmsg("cannot insert multiple commands into a prepared statement")));
  isolation::refuse_transaction_control(raw);
  SPIPlanPtr plan = SPI_prepare(sql.c_str(), 0, nullptr);
  if (plan == nullptr) ereport(ERROR, (errmsg("%s", SPI_result_code_string(SPI_result))));
  if (step_plans.size() >= kStepPlanLimit) {
    for (auto& [text, saved] : step_plans) SPI_freeplan(saved);
    step_plans.clear();
  }
  SPI_keepplan(plan);
  step_plans.emplace(sql, plan);
  return plan;
}

// Runs `sql` as this session's role inside the already-open subtransaction, bounded by the
// role's statement_timeout. Returns the outcome; a PostgreSQL error is caught here (the
// caller then rolls the subtransaction back).
StepOutcome run_statement(const std::string& sql) {
  int gucs = NewGUCNestLevel();
  (void)set_config_option("df.in_workflow", "true", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
                          true, 0, false);
  XactReadOnly = DefaultXactReadOnly;  // the role's default_transaction_read_only; the
                                       // subtransaction's end restores the checkpoint's
  StepOutcome outcome;
  bool interrupted = false;
  int spi_rc = 0;
  isolation::begin_step();
  try {
    StatementTimer timer;
    try {
      ResultStream rows;  // the rows become JSON as they come, bounded (sql_result.hpp)
      SPIExecuteOptions options{};
      options.dest = rows.receiver();
      try {
        pg_call([&] { spi_rc = SPI_execute_plan_extended(step_plan(sql), &options); });
      } catch (const PgError&) {
        if (std::exception_ptr refused = rows.take_error()) std::rethrow_exception(refused);
        throw;
      }
      outcome.text = rows.finish(spi_rc);
      outcome.ok = true;
    } catch (const PgError& e) {
      // A query cancel is ours (the task was cancelled, or a stray signal): never a step
      // failure; the transaction is retried and a cancelled task then dropped (so a
      // df.timeout that ran out fails its TIMEOUT node in the VM, not here). Unless the
      // role's statement_timeout ran out: that is the step's failure (57014), as in a session.
      if (e.edata->sqlerrcode == ERRCODE_QUERY_CANCELED && !timer.expired()) interrupted = true;
      outcome.text = std::string("SQL execution failed: error returned from database: ") + e.what();
      outcome.error_record = sql_error_record(outcome.text, e.edata, sql);
    }
  } catch (const StepFailure& e) {
    outcome.text = e.what();
    outcome.error_record = sql_error_record(outcome.text, nullptr, sql);
  }
  isolation::end_step();
  AtEOXact_GUC(false, gucs);  // the step's SET / SET ROLE / set_config never leak out
  if (interrupted) throw RetryTask();
  return outcome;
}

// Feeds the outcome to the VM. Returns false when refused. `read` = the instance as
// read by the claim: its state is written if it is still current (one statement, which
// takes the row lock); otherwise, and without it, under the lock taken first. `after`,
// when given, receives the instance as the accepted event left it.
bool record_outcome(const ClaimedTask& t, const StepOutcome& outcome, engine::Instance* read = nullptr,
                    std::optional<engine::Instance>* after = nullptr) {
  vm::Event event;
  event.kind = outcome.ok ? vm::Event::Kind::TaskSucceeded : vm::Event::Kind::TaskFailed;
  event.now_ms = engine::now_ms();
  event.task_id = t.task_id;
  event.payload = outcome.ok || outcome.error_record.empty() ? outcome.text : outcome.error_record;
  if (read) {
    // Moved, not copied: a large state is then stepped in place (engine_core.cpp). A
    // failed compare-and-set changes nothing; `read` is not used again either way.
    engine::Instance current = std::move(*read);
    if (engine::apply_event_if_current(current, event) == engine::Applied::Accepted) {
      if (after) *after = std::move(current);
      return true;
    }
  }
  std::optional<engine::Instance> inst = engine::load_instance(t.instance_id, true);
  if (!inst) return false;
  if (!engine::apply_event(*inst, event)) return false;
  if (after) *after = std::move(inst);
  return true;
}

// The continuation (engine::HeldTask): the next SQL step of the instance this executor
// just stepped, run in its next transaction without a task row. `instance` is the
// instance as that step's checkpoint left it: the claim's unlocked read, without the
// read (its compare-and-set still sees whether anything changed the state since). At most
// kContinuationChain steps in a row, then the task is queued like any other (the role's
// other instances get their turn).
struct Continuation {
  engine::HeldTask task;
  engine::Instance instance;
  int chain = 1;
};
constexpr int kContinuationChain = 16;
std::optional<Continuation> continuation;
// Continuations whose transaction aborted: their rows are inserted by the next one (as a
// claimed task's deleted row comes back with the abort).
std::vector<Continuation> continuations_to_queue;
// Continuations taken by the running transaction (run or queued): until it ends, their
// tasks have no row anywhere.
int continuations_in_transaction = 0;

// Takes `c` into the current transaction; if it aborts, c's row is queued by the next.
void settle_at_transaction_end(Continuation c) {
  ++continuations_in_transaction;
  after_transaction_end([c = std::move(c)](bool committed) mutable {
    --continuations_in_transaction;
    if (!committed) continuations_to_queue.push_back(std::move(c));
  });
}

// Whether this executor holds a task no row stands for.
bool holds_continuation() {
  return continuation || !continuations_to_queue.empty() || continuations_in_transaction > 0;
}

// Called after a step's outcome was recorded under a ContinuationOffer: keeps the task it
// held once this transaction commits (its checkpoint, which holds it, commits with it).
void keep_held_task(std::optional<engine::Instance> after, int chain) {
  std::optional<engine::HeldTask> held = engine::take_held_task();
  if (!held) return;
  if (!after) {  // cannot happen: only an accepted event holds a task; queue it then
    after_transaction_end([t = std::move(*held), chain](bool committed) {
      if (committed) continuations_to_queue.push_back(Continuation{t, engine::Instance{}, chain});
    });
    return;
  }
  after->locked = false;
  after_transaction_end([c = Continuation{std::move(*held), std::move(*after), chain}](bool committed) mutable {
    if (committed) continuation = std::move(c);
  });
}

// Inserts the row of a continuation this executor will not run (engine::insert_task_row).
// In the current transaction, which then owns it (settle_at_transaction_end).
void queue_continuation(Continuation c) {
  Oid role = c.instance.submitted_by != InvalidOid ? c.instance.submitted_by : my_role;
  engine::insert_task_row(c.task, role);
  settle_at_transaction_end(std::move(c));
}

// A step in another database (remote_step.hpp): two-phase when the server allows prepared
// transactions (exactly once), else committed before its checkpoint (at-least-once).
void run_remote_sql_task(const ClaimedTask& t, const engine::Instance& inst, const std::string& role) {
  std::optional<std::string> gid;
  if (max_prepared_xacts > 0)
    gid = "pgdf_" + t.instance_id + "_" + std::to_string(t.task_id) + "_" + std::to_string(GetCurrentTimestamp());
  set_executor_task(my_slot, t.instance_id, t.task_id);
  TimestampTz started = activity::report_step(t.instance_id, inst.graph->node_ids.at(t.node), t.payload);
  remote::StepResult r;
  try {
    r = remote::run(inst.database, role, t.payload, gid);
  } catch (const PgError& e) {  // cancelled (the remote statement too): as an HTTP step is
    set_executor_task(my_slot, "", 0);
    if (e.edata->sqlerrcode == ERRCODE_QUERY_CANCELED) throw RetryTask();
    throw;
  } catch (...) {
    set_executor_task(my_slot, "", 0);
    throw;
  }
  set_executor_task(my_slot, "", 0);
  step_record::AttemptScope attempt(t.node, started);
  bool accepted = record_outcome(t, StepOutcome{r.ok, r.text, {}});
  if (r.gid) {
    if (accepted)
      spi::exec("INSERT INTO _duroxide.prepared_steps (gid, database) VALUES ($1, $2)",
                {spi::text(*r.gid), spi::text(inst.database)});
    // Finished once the checkpoint transaction ended: committed if it committed and
    // accepted the step, else rolled back. A failure here is left to the scheduler's
    // remote::resolve_prepared_steps().
    after_transaction_end([database = inst.database, gid = *r.gid, accepted](bool committed) {
      bool commit = committed && accepted;
      if (remote::finish_prepared(database, gid, commit) && commit)
        run_in_transaction([&] {
          engine::AsEngineOwner owner;  // the session's role may not touch the engine's tables
          spi::exec("DELETE FROM _duroxide.prepared_steps WHERE gid = $1", {spi::text(gid)});
          return false;
        });
    });
  }
}

// The engine owner's rights for the engine's own statements (engine::AsEngineOwner),
// let go only around the step. Never held across a subtransaction boundary: the
// subtransaction's end would unwind its GUC nest level.
// Writable even inside a step's read-only subtransaction (the role's
// default_transaction_read_only): the checkpoint is the engine's, not the role's.
class EngineScope {
 public:
  EngineScope() { enter(); }
  void enter() {
    if (owner_) return;
    owner_.emplace();
    saved_read_only_ = XactReadOnly;
    XactReadOnly = false;
  }
  void leave() {
    if (!owner_) return;
    XactReadOnly = saved_read_only_;
    owner_.reset();
  }

 private:
  std::optional<engine::AsEngineOwner> owner_;
  bool saved_read_only_ = false;
};

bool role_refused(const ClaimedTask& t, const engine::Instance& inst, const RoleCheck& role) {
  if (auto refusal = superuser_refusal(inst.id, role)) {
    engine::fail_instance(inst.id, *refusal);
    return true;
  }
  if (auto problem = role_problem(inst.id, role)) {
    record_outcome(t, StepOutcome{false, *problem, {}});
    return true;
  }
  return false;
}

// Runs a claimed SQL task (the `chain`th step in a row of its instance on this executor);
// returns with the transaction ready to commit and `engine` held.
void run_sql_task(ClaimedTask& t, EngineScope& engine, int chain = 0) {
  std::optional<engine::Instance>& inst = t.instance;
  if (!inst || inst->state->tasks.count(t.task_id) == 0) return;  // cancelled or already answered
  RoleCheck role = check_role(inst->submitted_by);
  if (role_refused(t, *inst, role)) return;
  if (!inst->database.empty() && inst->database != settings.database) {
    run_remote_sql_task(t, *inst, role.name);
    return;
  }
  set_executor_task(my_slot, t.instance_id, t.task_id);
  // the step, in the role's own session
  TimestampTz started = activity::report_step(t.instance_id, inst->graph->node_ids.at(t.node), t.payload);
  engine.leave();
  SubTransaction step;
  StepOutcome outcome = run_statement(t.payload);
  set_executor_task(my_slot, "", 0);
  step_record::AttemptScope attempt(t.node, started);
  bool step_effects_kept = false;
  std::optional<engine::Instance> after;
  if (outcome.ok) {
    // Keep the subtransaction open: its effects commit only if the VM accepts them.
    engine.enter();
    engine::ContinuationOffer offer(t.instance_id);
    bool accepted = record_outcome(t, outcome, &*inst, &after);
    engine.leave();
    if (accepted) {
      step.release();
      step_effects_kept = true;
    } else {
      (void)engine::take_held_task();  // written inside the rolled-back subtransaction
    }
  }
  if (!step_effects_kept) step.rollback();
  engine.enter();
  if (!outcome.ok) {
    engine::ContinuationOffer offer(t.instance_id);
    record_outcome(t, outcome, &*inst, &after);
  }
  keep_held_task(std::move(after), chain + 1);
  isolation::reset_session_after_step();  // also after a failure: PREPARE and locks outlive it
}

// Runs a claimed HTTP task. HTTP is at-least-once (a request cannot share a transaction):
// the Idempotency-Key, stable across retries after a crash, lets the receiver
// de-duplicate. A query cancel during the request (the task was cancelled) propagates and
// the task is claimed again, then dropped.
void run_http_task(ClaimedTask& t) {
  std::optional<engine::Instance>& inst = t.instance;
  if (!inst || inst->state->tasks.count(t.task_id) == 0) return;
  if (role_refused(t, *inst, check_role(inst->submitted_by))) return;
  const auto& nodes = inst->graph->program.nodes;
  bool multipart = t.node < nodes.size() && nodes[t.node].type == ir::NodeType::HttpMultipart;
  std::string key = t.instance_id + "-" + inst->graph->node_ids.at(t.node) + "-" + std::to_string(t.iteration);
  set_executor_task(my_slot, t.instance_id, t.task_id);
  TimestampTz started = activity::report_step(t.instance_id, inst->graph->node_ids.at(t.node), "pg_durable HTTP step");
  http::Outcome outcome;
  try {
    outcome = http::perform(t.payload, multipart, inst->submitted_by, key);
  } catch (const PgError& e) {
    set_executor_task(my_slot, "", 0);
    if (e.edata->sqlerrcode == ERRCODE_QUERY_CANCELED) throw RetryTask();
    throw;
  }
  set_executor_task(my_slot, "", 0);
  step_record::AttemptScope attempt(t.node, started);
  record_outcome(t, StepOutcome{outcome.ok, outcome.text, outcome.ok ? "" : http_error_record(outcome)}, &*inst);
}

// Which versions of the role's and database's settings (ALTER ROLE / ALTER DATABASE ...
// SET) this session started with: InitPostgres applied them once, a fresh session would
// apply the current ones. Three index probes of pg_db_role_setting, no SPI.
std::string role_settings_version() {
  std::string version;
  pg_call([&] {
    Relation rel = table_open(DbRoleSettingRelationId, AccessShareLock);
    const Oid keys[3][2] = {{MyDatabaseId, my_role}, {InvalidOid, my_role}, {MyDatabaseId, InvalidOid}};
    for (const auto& key : keys) {
      ScanKeyData scan[2];
      ScanKeyInit(&scan[0], Anum_pg_db_role_setting_setdatabase, BTEqualStrategyNumber, F_OIDEQ,
                  ObjectIdGetDatum(key[0]));
      ScanKeyInit(&scan[1], Anum_pg_db_role_setting_setrole, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(key[1]));
      SysScanDesc sd = systable_beginscan(rel, DbRoleSettingDatidRolidIndexId, true, nullptr, 2, scan);
      HeapTuple tuple = systable_getnext(sd);
      version += HeapTupleIsValid(tuple) ? std::to_string(HeapTupleHeaderGetXmin(tuple->t_data)) + "/" +
                                               std::to_string(ItemPointerGetBlockNumber(&tuple->t_self)) + "." +
                                               std::to_string(ItemPointerGetOffsetNumber(&tuple->t_self))
                                         : std::string("-");
      version += ";";
      systable_endscan(sd);
    }
    table_close(rel, AccessShareLock);
  });
  return version;
}
std::string settings_at_start;  // role_settings_version() when the session began
bool settings_changed = false;  // then the executor leaves before its next step

// pg_durable.max_user_connections, as enforced: at most max_workers SQL steps run anyway
// (one per executor), so a larger value needs no counting at all.
int sql_slot_cap() { return std::min(settings.max_user_connections, settings.max_workers); }
bool sql_slots_bind() { return settings.max_user_connections < settings.max_workers; }

// Whether the last attempt found every SQL slot taken while a SQL task of this role
// waited: the executor then polls (the step must fail once execution_acquire_timeout has
// passed) instead of lingering.
bool slot_starved = false;
constexpr long kSlotPollMs = 500;

// With no SQL slot free: fails this role's oldest waiting SQL task if it has been runnable
// longer than pg_durable.execution_acquire_timeout. Returns whether it failed one.
bool fail_one_timed_out_sql_task() {
  int timeout_s = settings.execution_acquire_timeout_s;
  slot_starved = spi::exec("SELECT instance_id, task_id, created_at < clock_timestamp() - make_interval(secs => $2) "
                           "FROM _duroxide.tasks WHERE kind = 'sql' AND submitted_by = $1 "
                           "ORDER BY created_at, task_id LIMIT 1 FOR UPDATE SKIP LOCKED",
                           {spi::oid(my_role), spi::int4(timeout_s)}) > 0;
  if (!slot_starved || spi::value_or(0, 3, "f") != "t") return false;
  ClaimedTask t;
  t.instance_id = spi::value_or(0, 1, "");
  t.task_id = std::stoull(spi::value_or(0, 2, "0"));
  record_outcome(t, StepOutcome{false, "pg_durable: connection limit reached (max_user_connections=" +
                                           std::to_string(settings.max_user_connections) + "). Timed out after " +
                                           std::to_string(timeout_s) +
                                           "s waiting for an available execution slot.", {}});
  delete_task(t);
  return true;
}

// Claims and runs one runnable task of this executor's role. A C++ (non-PostgreSQL)
// error while handling it is an engine bug for that instance.
bool run_one_task(bool sql_allowed) {
  pgstat_report_activity(STATE_RUNNING, "pg_durable executor");
  if (role_settings_version() != settings_at_start) {
    settings_changed = true;  // a fresh session of the role would see other settings
    return false;
  }
  EngineScope engine;
  std::vector<Continuation> to_queue;
  to_queue.swap(continuations_to_queue);
  for (Continuation& c : to_queue) queue_continuation(std::move(c));
  std::optional<ClaimedTask> t;
  int chain = 0;
  if (continuation) {
    Continuation c = std::move(*continuation);
    continuation.reset();
    if (!sql_allowed || c.chain >= kContinuationChain || executor_reassign_requested(my_slot)) {
      queue_continuation(std::move(c));
    } else {
      t.emplace();
      t->instance_id = c.task.instance_id;
      t->task_id = c.task.task_id;
      t->kind = "sql";
      t->payload = c.task.payload;
      t->node = c.task.node;
      t->iteration = c.task.iteration;
      t->instance = c.instance;
      chain = c.chain;
      // Aborted (an error, an interrupted step): its row is queued next, as a claimed
      // task's deleted row would come back.
      settle_at_transaction_end(std::move(c));
    }
  }
  if (!t) t = claim_task(sql_allowed);
  if (!t) return sql_allowed ? false : fail_one_timed_out_sql_task();
  try {
    if (t->kind == "sql") run_sql_task(*t, engine, chain);
    else run_http_task(*t);
  } catch (const PgError&) {
    throw;
  } catch (const RetryTask&) {
    throw;
  } catch (const std::exception& e) {
    throw EngineBug(t->instance_id, e.what());
  }
  return true;
}

// One task in its own transaction, holding a SQL slot meanwhile when they are counted.
bool run_one_task_in_transaction() {
  bool counted = sql_slots_bind();
  bool slot = !counted || try_acquire_sql_slot(sql_slot_cap());
  slot_starved = false;
  bool worked = run_in_transaction([&] { return run_one_task(slot); });
  if (counted && slot) {
    release_sql_slot();
    wake_executors();  // one waiting for a slot may take it now
  }
  return worked;
}

// Queues the continuations this executor holds, if any, in their own transaction.
void queue_pending_continuation() {
  if (!continuation && continuations_to_queue.empty()) return;
  run_in_transaction([] {
    EngineScope engine;
    std::vector<Continuation> to_queue;
    to_queue.swap(continuations_to_queue);
    if (continuation) to_queue.push_back(std::move(*continuation));
    continuation.reset();
    for (Continuation& c : to_queue) queue_continuation(std::move(c));
    return false;
  });
}

// work_generation() read before the last claim (see the idle mark in df_executor_main).
std::uint64_t generation_before_claim = 0;
// Set when the executor's latch woke it: what the first claim after it finds is counted
// (DispatchCounter::WakeupWithWork / WakeupEmpty), the measure of needless wake-ups.
bool latch_woken = false;

// Executes this role's tasks until none is left or the scheduler wants the slot back,
// one transaction each. Returns whether any task ran.
bool drain_tasks() {
  bool any = false;
  while (!executor_reassign_requested(my_slot) && !settings_changed) {
    QueryCancelPending = false;  // a cancel meant for an earlier task must not hit the next
    generation_before_claim = work_generation();
    bool worked = run_one_task_in_transaction();
    if (latch_woken) count_dispatch(worked ? DispatchCounter::WakeupWithWork : DispatchCounter::WakeupEmpty);
    latch_woken = false;
    if (!worked) break;
    any = true;
    CHECK_FOR_INTERRUPTS();
  }
  queue_pending_continuation();  // leaving the loop: nobody runs it next
  pgstat_report_activity(STATE_IDLE, nullptr);
  return any;
}

void leave_pool(int, Datum) {
  // Exiting with a continuation not queued (an error on the way out, a terminate): its
  // task has no row; the scheduler's scan requeues it from the checkpoint.
  if (holds_continuation()) request_orphan_scan();
  withdraw_executor(my_slot);
  // This executor's last commit may have made tasks runnable counting on it to claim
  // them (shmem.cpp's wake rule): hand them to an idle executor of the role.
  wake_one_idle_executor(my_role);
  wake_scheduler();  // the slot is free: another role may be waiting for it
}

// Exits between steps, the continuation (if any) queued first.
[[noreturn]] void exit_executor() {
  queue_pending_continuation();
  proc_exit(0);
}

}  // namespace

}  // namespace df::ext

extern "C" void df_executor_main(unsigned long main_arg) {
  using namespace df::ext;
  my_slot = DatumGetInt32(static_cast<Datum>(main_arg));
  ExecutorBinding binding;
  memcpy(&binding, MyBgworkerEntry->bgw_extra, sizeof binding);
  my_role = binding.role;
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  pqsignal(SIGINT, StatementCancelHandler);  // a cancelled task's statement is interrupted
  BackgroundWorkerUnblockSignals();
  // A session of the role, as a client connecting as it would get: InitPostgres applies
  // ALTER ROLE / ALTER DATABASE settings and checks LOGIN, CONNECT and the role's
  // connection limit (the scheduler checks them first, executor_pool.cpp).
  BackgroundWorkerInitializeConnectionByOid(binding.database, binding.role, 0);
  note_executor_identity(my_role);
  activity::name_executor(my_slot);
  publish_executor(my_slot, my_role);
  before_shmem_exit(leave_pool, 0);
  isolation::install_hooks();
  check_cache::install();  // the engine tables' CHECK constraints parsed once
  run_in_transaction([] {
    settings_at_start = role_settings_version();
    return false;
  });
  for (;;) {
    drain_tasks();
    if (executor_reassign_requested(my_slot) || settings_changed) exit_executor();
    // Work committed after the last claim's snapshot and before the idle mark did not
    // wake us: look once more, but only when such a commit happened (an empty claim
    // costs ~45 buffers; most idle marks follow a claim nothing could have escaped).
    bool found = false;
    if (mark_executor_idle(my_slot, generation_before_claim)) {
      QueryCancelPending = false;
      found = run_one_task_in_transaction();
    }
    if (settings_changed) exit_executor();
    bool polling = slot_starved;
    if (!found) activity::report_idle();
    int rc = found ? 0
                   : WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                               polling ? kSlotPollMs : kExecutorLingerMs, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    set_executor_idle(my_slot, false);
    latch_woken = (rc & WL_LATCH_SET) != 0;
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
    if (executor_reassign_requested(my_slot) || settings_changed) exit_executor();
    if ((rc & WL_TIMEOUT) && !drain_tasks() && !polling) exit_executor();  // idle for kExecutorLingerMs: leave
  }
}
