// shmem.hpp — pg_durable's small shared-memory area: where the scheduler publishes its
// latch so that backends can wake it (df.start, df.signal, df.cancel and CREATE EXTENSION
// wake it when their transaction commits: no polling delay).
#pragma once

namespace df::ext {

// _PG_init: chain shmem_request_hook / shmem_startup_hook.
void install_shared_memory_hooks();

// Scheduler side: publish / withdraw this process as the one to wake.
void publish_scheduler();
void withdraw_scheduler();

// Set the scheduler's latch now (no-op when none is running).
void wake_scheduler();

// Set the scheduler's latch when the current top-level transaction commits (nothing
// happens if it aborts). Cheap to call many times per transaction.
void wake_scheduler_at_commit();

}  // namespace df::ext
