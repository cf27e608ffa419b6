// shmem.hpp — pg_durable's small shared-memory area: where the scheduler and the
// executors publish their latches so that committing transactions can wake them (no
// polling delay), and which task each executor is running, so that a cancelled task's
// statement can be interrupted.
#pragma once

#include <cstdint>
#include <string>

namespace df::ext {

inline constexpr int kMaxExecutors = 64;

// _PG_init: chain shmem_request_hook / shmem_startup_hook.
void install_shared_memory_hooks();

// Scheduler side: publish / withdraw this process as the one to wake.
void publish_scheduler();
void withdraw_scheduler();

// Executor side: occupy slot `slot` (0..kMaxExecutors-1) for this process; record the
// task being run (empty id = idle).
void publish_executor(int slot);
void withdraw_executor(int slot);
void set_executor_task(int slot, const std::string& instance_id, std::uint64_t task_id);
// True when a live process occupies executor slot `slot`.
bool executor_slot_alive(int slot);

// Set latches now (no-op when nobody is registered).
void wake_scheduler();
void wake_executors();

// Same, when the current top-level transaction commits (nothing happens on abort).
void wake_scheduler_at_commit();
void wake_executors_at_commit();

// At commit, interrupt (SIGINT: query cancel) the executor running this task, if any.
void request_cancel_of_running_task(const std::string& instance_id, std::uint64_t task_id);

}  // namespace df::ext
