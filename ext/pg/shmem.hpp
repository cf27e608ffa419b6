// shmem.hpp — pg_durable's small shared-memory area: where the scheduler and the
// executors publish their latches so that committing transactions can wake them (no
// polling delay); which role each executor is bound to, whether it is idle and which task
// it runs (so that a cancelled task's statement can be interrupted and the scheduler can
// share executors fairly between roles); and the count of SQL steps running at once
// (pg_durable.max_user_connections). Also the hand-off of a new task to the idle executor
// its commit wakes (the executor then claims that task row by its key instead of scanning
// the role's queue), the counters of that dispatch, and the sessions waiting in
// df.await_instance (woken by the commit that finishes their instance).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pg/pg_bridge.hpp"

namespace df::ext {

inline constexpr int kMaxExecutors = 64;

// _PG_init: chain shmem_request_hook / shmem_startup_hook.
void install_shared_memory_hooks();

// Scheduler side: publish / withdraw this process as the one to wake.
void publish_scheduler();
void withdraw_scheduler();

// Executor side: occupy slot `slot` (0..kMaxExecutors-1) for this process, bound to
// `role`; record the task being run (empty id = none) and whether it waits for work.
void publish_executor(int slot, Oid role);
void withdraw_executor(int slot);
void set_executor_task(int slot, const std::string& instance_id, std::uint64_t task_id);
void set_executor_idle(int slot, bool idle);
// Executor side: the count of commits that made tasks runnable so far (read before a
// claim); mark_executor_idle sets the idle flag and says whether such a commit came
// since `seen_generation` (then the claim may have missed its task: claim once more).
std::uint64_t work_generation();
bool mark_executor_idle(int slot, std::uint64_t seen_generation);
// Wakes one idle executor of `role` (not this process): an executor that leaves hands
// the wakes it counted itself for (its last commit's tasks) to another.
void wake_one_idle_executor(Oid role);
// Executor side: the scheduler wants this slot for another role (exit between steps).
bool executor_reassign_requested(int slot);

// Scheduler side: what every executor slot holds right now.
struct ExecutorView {
  bool alive = false;  // a live process occupies the slot
  Oid role = InvalidOid;
  bool idle = false;
  bool reassign = false;
  std::uint32_t publications = 0;  // bumped by every executor start-up that succeeded
};
std::vector<ExecutorView> executor_views();
// True when a live process occupies executor slot `slot`.
bool executor_slot_alive(int slot);
// Asks the executor in `slot` to exit after its current step (it is woken if idle).
void request_executor_reassign(int slot);
// Publishes the per-role cap the scheduler applies, so committing transactions know when
// a role's new work needs the scheduler (see wake_role_executors_at_commit).
void publish_role_caps(const std::vector<std::pair<Oid, int>>& caps);

// SQL-step slots (pg_durable.max_user_connections): take one if fewer than `cap` are in
// use; give it back. An executor holds at most one.
bool try_acquire_sql_slot(int cap);
void release_sql_slot();

// An executor that exits holding a continuation (a task with no row, engine_core.hpp)
// asks the scheduler to requeue orphaned tasks; the scheduler takes the request.
void request_orphan_scan();
bool take_orphan_scan_request();
// Set latches now (no-op when nobody is registered).
void wake_scheduler();
void wake_executors();

// Same, when the current top-level transaction commits (nothing happens on abort).
void wake_scheduler_at_commit();
// At commit: task `task_id` of `instance_id`, a task of `role`, became runnable (its row
// commits with this transaction). Wakes one idle executor bound to the role per such task
// (this process, when one of the role's executors, counts as one and keeps the first
// task for its own next claim) and hands each woken executor one of the tasks
// (take_handoff); wakes the scheduler only when tasks are left over and the role runs
// below its cap. The row stays the durable record: a hand-off lost with the shared memory
// (a crash) or with its executor leaves a row that a claim's scan finds.
void wake_role_executors_at_commit(Oid role, const std::string& instance_id, std::uint64_t task_id);

// Executor side: the task a commit handed to this slot's executor when it woke it, taken
// (cleared). The executor claims that row by its key (and must still find it: another
// executor's scan may have claimed it first).
struct Handoff {
  std::string instance_id;
  std::uint64_t task_id = 0;
};
std::optional<Handoff> take_handoff(int slot);

// Dispatch counters since the server started (df.openmetrics): executors woken by the
// wake rule above (each with a hand-off), hand-offs claimed by key or found gone, and
// what the first claim after a latch wake-up found (a task, or nothing: an empty wake-up).
enum class DispatchCounter { Woken, HandoffTaken, HandoffMissed, WakeupWithWork, WakeupEmpty, ClaimEmpty };
inline constexpr int kDispatchCounters = 6;
void count_dispatch(DispatchCounter counter);
std::vector<std::uint64_t> dispatch_counters();  // indexed by DispatchCounter
// When they started counting (Unix seconds): every server start, they are not saved.
std::int64_t dispatch_counters_since_unix_s();

// df.await_instance: this session waits for `instance_id` to finish. Returns false when
// it cannot be registered (then the caller polls). A commit that finishes the instance
// (wake_instance_waiters_at_commit) sets the latch of every session registered for it.
bool register_instance_waiter(const std::string& instance_id);
void unregister_instance_waiter();
void wake_instance_waiters_at_commit(const std::string& instance_id);

// At commit, interrupt (SIGINT: query cancel) the executor running this task, if any.
void request_cancel_of_running_task(const std::string& instance_id, std::uint64_t task_id);

// Executor side: this process is an executor bound to `role` (for the wake rule above).
void note_executor_identity(Oid role);

}  // namespace df::ext
