// executor.hpp — the executor pool: dynamic background workers, started and kept alive
// by the scheduler, that run SQL steps (and HTTP calls) concurrently, each step in one
// transaction with its checkpoint.
#pragma once

namespace df::ext {

// Scheduler side: make sure pg_durable.max_workers executors are running (starts the
// missing ones). Cheap when all are alive.
void maintain_executor_pool();

// Scheduler side: fire every timer that is due, one transaction each.
void fire_due_timers();

// Scheduler side: milliseconds until the earliest timer, at most cap_ms.
long milliseconds_to_next_timer(long cap_ms);

}  // namespace df::ext

extern "C" {
__attribute__((visibility("default"))) void df_executor_main(unsigned long main_arg);
}
