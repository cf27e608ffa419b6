// executor.cpp — an executor background worker: claims runnable tasks and runs them.
//
// One SQL step = one transaction:
//   1. claim the task row (FOR UPDATE SKIP LOCKED: a crashed executor's claim vanishes
//      with its transaction, and so do its step's effects);
//   2. in a subtransaction, as the submitting role (SECURITY_LOCAL_USERID_CHANGE: SET ROLE
//      and RESET ROLE cannot escape it), with df.in_workflow = 'true' and every GUC change
//      of the step undone afterwards, run the statement (one statement only);
//   3. lock the instance row and step the VM with the outcome; if the VM refuses it (race
//      already decided, instance cancelled), roll the subtransaction back: the step's
//      effects never happen. Otherwise the effects, the node's result and the new VM state
//      commit together — exactly once.
#include <algorithm>
#include <functional>
#include <string>

#include "engine_core.hpp"
#include "executor.hpp"
#include "gucs.hpp"
#include "http.hpp"
#include "remote_step.hpp"
#include "shmem.hpp"
#include "spi.hpp"
#include "sql_result.hpp"

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
#include "utils/guc.h"
#include "utils/snapmgr.h"
}

namespace df::ext {
namespace {

// Prepared step transactions (remote_step.hpp) to finish once the checkpoint transaction
// that consumed them ended: committed if it committed and accepted them, else rolled back.
struct PendingFinish {
  std::string database, gid;
  bool commit_with_checkpoint;
};
std::vector<PendingFinish> pending_finishes;

// Idle executors sleep on their latch; commits that create work set it. The timeout is
// only a safety net (and the retry delay after an infrastructure error).
constexpr long kExecutorIdleMs = 5000;

int my_slot = -1;
BackgroundWorkerHandle* pool[kMaxExecutors];

struct ClaimedTask {
  std::string instance_id;
  std::uint64_t task_id = 0;
  std::string kind;
  std::string payload;
  std::uint32_t node = 0;
  std::uint32_t iteration = 0;
};

// Abort the whole transaction and let the task be claimed again.
struct RetryTask : std::runtime_error {
  RetryTask() : std::runtime_error("step interrupted; retrying its task") {}
};

// An engine bug or corrupt state while handling this instance: fail the instance rather
// than retry forever.
struct EngineBug : std::runtime_error {
  std::string instance_id;
  EngineBug(std::string id, const std::string& what) : std::runtime_error(what), instance_id(std::move(id)) {}
};

struct StepOutcome {
  bool ok = false;
  std::string text;  // result JSON or error message
};

std::optional<ClaimedTask> claim_task() {
  std::uint64_t n = spi::exec(
      "SELECT instance_id, task_id, kind, payload, node, iteration FROM _duroxide.tasks "
      "WHERE kind <> 'timer' ORDER BY created_at, task_id LIMIT 1 FOR UPDATE SKIP LOCKED");
  if (n == 0) return std::nullopt;
  ClaimedTask t;
  t.instance_id = spi::value_or(0, 1, "");
  t.task_id = std::stoull(spi::value_or(0, 2, "0"));
  t.kind = spi::value_or(0, 3, "");
  t.payload = spi::value_or(0, 4, "");
  t.node = static_cast<std::uint32_t>(std::stoul(spi::value_or(0, 5, "0")));
  t.iteration = static_cast<std::uint32_t>(std::stoul(spi::value_or(0, 6, "0")));
  return t;
}

void delete_task(const ClaimedTask& t) {
  spi::exec("DELETE FROM _duroxide.tasks WHERE instance_id = $1 AND task_id = $2",
            {spi::text(t.instance_id), spi::int8(static_cast<std::int64_t>(t.task_id))});
}

// The submitter may have been dropped or made superuser since df.start.
// The submitting role as it is now: it may have been dropped or changed since df.start.
// Read once per step.
struct Submitter {
  bool exists = false;
  std::string name;
  bool superuser = false;
  bool can_login = false;
};

Submitter load_submitter(const engine::Instance& inst) {
  Submitter r;
  r.exists = spi::exec("SELECT rolname, rolsuper, rolcanlogin FROM pg_catalog.pg_roles WHERE oid = $1",
                       {spi::oid(inst.submitted_by)}) == 1;
  if (!r.exists) return r;
  r.name = spi::value_or(0, 1, "");
  r.superuser = spi::value_or(0, 2, "f") == "t";
  r.can_login = spi::value_or(0, 3, "f") == "t";
  return r;
}

std::optional<std::string> role_problem(const engine::Instance& inst, const Submitter& role) {
  if (!role.exists) return "Instance " + inst.id + ": submitted_by role no longer exists in pg_roles";
  if (!role.can_login)  // the reference connects as the role: LOGIN is checked per step
    return "Failed to connect to database '" + std::string(settings.database) + "' as '" + role.name +
           "'. Error: error returned from database: role \"" + role.name + "\" is not permitted to log in";
  return std::nullopt;
}

bool superuser_blocked(const engine::Instance& inst, const Submitter& role) {
  if (!role.superuser || settings.enable_superuser_instances) return false;
  engine::fail_instance(inst.id, "pg_durable blocked instance " + inst.id + ": submitted_by role \"" + role.name +
                                     "\" is a superuser, but pg_durable.enable_superuser_instances is off");
  return true;
}

// Runs `sql` as `role` inside the already-open subtransaction. Returns the outcome; a
// PostgreSQL error is caught here (the caller then rolls the subtransaction back).
StepOutcome run_statement_as(const std::string& sql, Oid role) {
  Oid saved_user;
  int saved_context;
  GetUserIdAndSecContext(&saved_user, &saved_context);
  int gucs = NewGUCNestLevel();
  (void)set_config_option("df.in_workflow", "true", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
                          true, 0, false);
  SetUserIdAndSecContext(role, saved_context | SECURITY_LOCAL_USERID_CHANGE);
  StepOutcome outcome;
  bool interrupted = false;
  int spi_rc = 0;
  try {
    pg_call([&] {
      // One statement per step, as the extended query protocol enforces.
      if (list_length(pg_parse_query(sql.c_str())) > 1)
        ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
                        errmsg("cannot insert multiple commands into a prepared statement")));
      SPIPlanPtr plan = SPI_prepare(sql.c_str(), 0, nullptr);
      if (plan == nullptr)
        ereport(ERROR, (errmsg("%s", SPI_result_code_string(SPI_result))));
      spi_rc = SPI_execute_plan(plan, nullptr, nullptr, false, 0);
    });
    outcome.text = spi_result_json(spi_rc);
    outcome.ok = true;
  } catch (const PgError& e) {
    // A query cancel is ours (the task was cancelled, or a stray signal): never a step
    // failure. The transaction is retried; a cancelled task is then dropped.
    if (e.edata->sqlerrcode == ERRCODE_QUERY_CANCELED) interrupted = true;
    outcome.text = std::string("SQL execution failed: error returned from database: ") + e.what();
  } catch (const StepFailure& e) {
    outcome.text = e.what();
  }
  SetUserIdAndSecContext(saved_user, saved_context);
  AtEOXact_GUC(false, gucs);  // the step's SET / SET LOCAL / set_config never leak out
  if (interrupted) throw RetryTask();
  return outcome;
}

// Feeds the outcome to the VM under the instance lock. Returns false when refused.
bool record_outcome(const ClaimedTask& t, const StepOutcome& outcome) {
  std::optional<engine::Instance> inst = engine::load_instance(t.instance_id, true);
  if (!inst) return false;
  vm::Event event;
  event.kind = outcome.ok ? vm::Event::Kind::TaskSucceeded : vm::Event::Kind::TaskFailed;
  event.now_ms = engine::now_ms();
  event.task_id = t.task_id;
  event.payload = outcome.text;
  return engine::apply_event(*inst, event);
}

// A step in another database (remote_step.hpp): two-phase when the server allows prepared
// transactions (exactly once), else committed before its checkpoint (at-least-once).
void run_remote_sql_task(const ClaimedTask& t, const engine::Instance& inst, const std::string& role) {
  std::optional<std::string> gid;
  if (max_prepared_xacts > 0)
    gid = "pgdf_" + t.instance_id + "_" + std::to_string(t.task_id) + "_" + std::to_string(GetCurrentTimestamp());
  set_executor_task(my_slot, t.instance_id, t.task_id);
  pgstat_report_activity(STATE_RUNNING, t.payload.c_str());
  remote::StepResult r = remote::run(inst.database, role, t.payload, gid);
  set_executor_task(my_slot, "", 0);
  bool accepted = record_outcome(t, StepOutcome{r.ok, r.text});
  if (r.gid) {
    if (accepted)
      spi::exec("INSERT INTO _duroxide.prepared_steps (gid, database) VALUES ($1, $2)",
                {spi::text(*r.gid), spi::text(inst.database)});
    pending_finishes.push_back({inst.database, *r.gid, accepted});
  }
  delete_task(t);
}

// Runs a claimed SQL task; returns with the transaction ready to commit.
void run_sql_task(const ClaimedTask& t) {
  std::optional<engine::Instance> inst = engine::load_instance(t.instance_id, false);
  if (!inst || inst->state.tasks.count(t.task_id) == 0) {  // cancelled or already answered
    delete_task(t);
    return;
  }
  Submitter role = load_submitter(*inst);
  if (auto problem = role_problem(*inst, role)) {
    record_outcome(t, StepOutcome{false, *problem});
    delete_task(t);
    return;
  }
  if (superuser_blocked(*inst, role)) return;
  if (!inst->database.empty() && inst->database != settings.database) {
    run_remote_sql_task(t, *inst, role.name);
    return;
  }
  set_executor_task(my_slot, t.instance_id, t.task_id);
  pgstat_report_activity(STATE_RUNNING, t.payload.c_str());  // the step, for superusers' eyes
  MemoryContext ctx = CurrentMemoryContext;
  ResourceOwner owner = CurrentResourceOwner;
  pg_call([] { BeginInternalSubTransaction(nullptr); });
  MemoryContextSwitchTo(ctx);
  StepOutcome outcome = run_statement_as(t.payload, inst->submitted_by);
  set_executor_task(my_slot, "", 0);
  bool step_effects_kept = false;
  if (outcome.ok) {
    // Keep the subtransaction open: its effects commit only if the VM accepts them.
    if (record_outcome(t, outcome)) {
      pg_call([] { ReleaseCurrentSubTransaction(); });
      step_effects_kept = true;
    }
  }
  if (!step_effects_kept) {
    pg_call([] { RollbackAndReleaseCurrentSubTransaction(); });
    MemoryContextSwitchTo(ctx);
    CurrentResourceOwner = owner;
    if (!outcome.ok) record_outcome(t, outcome);
  }
  MemoryContextSwitchTo(ctx);
  CurrentResourceOwner = owner;
  delete_task(t);
}

// Runs a claimed HTTP task. HTTP is at-least-once (a request cannot share a transaction):
// the Idempotency-Key, stable across retries after a crash, lets the receiver
// de-duplicate. A query cancel during the request (the task was cancelled) propagates and
// the task is claimed again, then dropped.
void run_http_task(const ClaimedTask& t) {
  std::optional<engine::Instance> inst = engine::load_instance(t.instance_id, false);
  if (!inst || inst->state.tasks.count(t.task_id) == 0) {
    delete_task(t);
    return;
  }
  if (superuser_blocked(*inst, load_submitter(*inst))) return;
  const auto& nodes = inst->graph->program.nodes;
  bool multipart = t.node < nodes.size() && nodes[t.node].type == ir::NodeType::HttpMultipart;
  std::string key = t.instance_id + "-" + inst->graph->node_ids.at(t.node) + "-" + std::to_string(t.iteration);
  set_executor_task(my_slot, t.instance_id, t.task_id);
  pgstat_report_activity(STATE_RUNNING, "pg_durable HTTP step");
  http::Outcome outcome;
  try {
    outcome = http::perform(t.payload, multipart, inst->submitted_by, key);
  } catch (const PgError& e) {
    set_executor_task(my_slot, "", 0);
    if (e.edata->sqlerrcode == ERRCODE_QUERY_CANCELED) throw RetryTask();
    throw;
  }
  set_executor_task(my_slot, "", 0);
  record_outcome(t, StepOutcome{outcome.ok, outcome.text});
  delete_task(t);
}

// Whether the last run_in_transaction_body() ended in a commit.
bool last_transaction_committed = false;

// Runs body in its own transaction; see run_in_transaction.
bool run_in_transaction_body(const std::function<bool()>& body) {
  MemoryContext ctx = CurrentMemoryContext;
  std::string error, bug_instance;
  bool did_work = false;
  last_transaction_committed = false;
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  try {
    pg_call([] { PushActiveSnapshot(GetTransactionSnapshot()); });
    spi::Connection spi_connection;
    if (OidIsValid(get_extension_oid("pg_durable", true))) did_work = body();
    spi_connection.finish();
    pg_call([] { PopActiveSnapshot(); });
  } catch (const RetryTask& e) {
    AbortOutOfAnyTransaction();  // also unwinds internal subtransactions
    MemoryContextSwitchTo(ctx);
    elog(DEBUG1, "pg_durable: %s", e.what());
    return true;  // go on draining: the interrupted task is claimed again (or dropped)
  } catch (const EngineBug& e) {
    error = e.what();
    bug_instance = e.instance_id;
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (error.empty()) {
    CommitTransactionCommand();
    last_transaction_committed = true;
    pgstat_report_stat(false);  // executors' commits and WAL show in pg_stat_* views
    return did_work;
  }
  AbortOutOfAnyTransaction();  // also unwinds internal subtransactions
  MemoryContextSwitchTo(ctx);
  elog(LOG, "pg_durable: %s", error.c_str());
  if (!bug_instance.empty())
    run_in_transaction([&] {
      engine::fail_instance(bug_instance, "pg_durable internal error: " + error);
      return false;
    });
  return false;
}

// Finishes the prepared steps of the transaction that just ended (see PendingFinish).
// A failure here is left to the scheduler's remote::resolve_prepared_steps().
void finish_pending_steps(const std::vector<PendingFinish>& finishes, bool committed) {
  for (const auto& f : finishes) {
    bool commit = committed && f.commit_with_checkpoint;
    if (remote::finish_prepared(f.database, f.gid, commit) && commit)
      run_in_transaction([&] {
        spi::exec("DELETE FROM _duroxide.prepared_steps WHERE gid = $1", {spi::text(f.gid)});
        return false;
      });
  }
}

}  // namespace

// Runs body in its own transaction (SPI connected, snapshot pushed). body returns
// whether it found work. Errors: logged, transaction aborted; an EngineBug fails the
// instance in a fresh transaction. Returns whether work was done and no error occurred.
// Prepared steps of the transaction are finished after it ends (remote_step.hpp).
bool run_in_transaction(const std::function<bool()>& body) {
  std::vector<PendingFinish> outer;
  outer.swap(pending_finishes);
  bool result = run_in_transaction_body(body);
  bool committed = last_transaction_committed;
  std::vector<PendingFinish> mine;
  mine.swap(pending_finishes);
  pending_finishes.swap(outer);
  finish_pending_steps(mine, committed);
  return result;
}

namespace {

// Claims and runs one runnable task. A C++ (non-PostgreSQL) error while handling it is
// an engine bug for that instance.
bool run_one_task() {
  pgstat_report_activity(STATE_RUNNING, "pg_durable executor");
  std::optional<ClaimedTask> t = claim_task();
  if (!t) return false;
  try {
    if (t->kind == "sql") run_sql_task(*t);
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

// Fires one due timer: TimerFired under the instance lock, the timer row deleted.
bool fire_one_due_timer() {
  std::uint64_t n = spi::exec(
      "SELECT instance_id, task_id FROM _duroxide.tasks WHERE kind = 'timer' AND due_at <= now() "
      "ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED");
  if (n == 0) return false;
  ClaimedTask t;
  t.instance_id = spi::value_or(0, 1, "");
  t.task_id = std::stoull(spi::value_or(0, 2, "0"));
  try {
    if (std::optional<engine::Instance> inst = engine::load_instance(t.instance_id, true)) {
      vm::Event fired;
      fired.kind = vm::Event::Kind::TimerFired;
      fired.now_ms = engine::now_ms();
      fired.task_id = t.task_id;
      engine::apply_event(*inst, fired);
    }
  } catch (const PgError&) {
    throw;
  } catch (const std::exception& e) {
    throw EngineBug(t.instance_id, e.what());
  }
  delete_task(t);
  return true;
}

// Executes tasks until none is left, one transaction each.
void drain_tasks() {
  for (;;) {
    QueryCancelPending = false;  // a cancel meant for an earlier task must not hit the next
    if (!run_in_transaction(run_one_task)) break;
    CHECK_FOR_INTERRUPTS();
  }
  pgstat_report_activity(STATE_IDLE, nullptr);
}

}  // namespace

void fire_due_timers() {
  while (run_in_transaction(fire_one_due_timer)) CHECK_FOR_INTERRUPTS();
}

long milliseconds_to_next_timer(long cap_ms) {
  long wait = cap_ms;
  run_in_transaction([&] {
    spi::exec("SELECT ceil(extract(epoch FROM min(due_at) - clock_timestamp()) * 1000)::bigint "
              "FROM _duroxide.tasks WHERE kind = 'timer'");
    if (auto v = spi::value(0, 1)) wait = std::max(0L, std::min(cap_ms, std::stol(*v)));
    return false;
  });
  return wait;
}

void maintain_executor_pool() {
  int wanted = settings.max_workers < kMaxExecutors ? settings.max_workers : kMaxExecutors;
  for (int slot = 0; slot < wanted; ++slot) {
    pid_t pid;
    if (pool[slot] != nullptr) {
      BgwHandleStatus status = GetBackgroundWorkerPid(pool[slot], &pid);
      if (status == BGWH_STARTED || status == BGWH_NOT_YET_STARTED) continue;
      pfree(pool[slot]);
      pool[slot] = nullptr;
    }
    // An executor started by an earlier scheduler (this one restarted after SIGTERM)
    // still holds the slot: adopt it rather than start a second one.
    if (executor_slot_alive(slot)) continue;
    BackgroundWorker w;
    memset(&w, 0, sizeof w);
    w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    w.bgw_start_time = BgWorkerStart_RecoveryFinished;
    w.bgw_restart_time = BGW_NEVER_RESTART;  // the scheduler restarts it
    strlcpy(w.bgw_library_name, "pg_durable", BGW_MAXLEN);
    strlcpy(w.bgw_function_name, "df_executor_main", BGW_MAXLEN);
    snprintf(w.bgw_name, BGW_MAXLEN, "pg_durable executor %d", slot);
    strlcpy(w.bgw_type, "pg_durable executor", BGW_MAXLEN);
    w.bgw_main_arg = Int32GetDatum(slot);
    w.bgw_notify_pid = MyProcPid;
    MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
    BackgroundWorkerHandle* handle = nullptr;
    if (RegisterDynamicBackgroundWorker(&w, &handle)) pool[slot] = handle;
    MemoryContextSwitchTo(old);
    if (pool[slot] == nullptr) {
      elog(WARNING, "pg_durable: could not start executor %d (max_worker_processes too low?)", slot);
      break;
    }
  }
}

}  // namespace df::ext

extern "C" void df_executor_main(unsigned long main_arg) {
  using namespace df::ext;
  my_slot = DatumGetInt32(static_cast<Datum>(main_arg));
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  pqsignal(SIGINT, StatementCancelHandler);  // a cancelled task's statement is interrupted
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnection(settings.database, settings.worker_role, 0);
  publish_executor(my_slot);
  before_shmem_exit([](int, Datum) { withdraw_executor(my_slot); }, 0);
  for (;;) {
    drain_tasks();
    QueryCancelPending = false;
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                    kExecutorIdleMs, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
  }
}
