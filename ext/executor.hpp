// executor.hpp — the executor pool: dynamic background workers, started and kept alive
// by the scheduler, that run SQL steps (and HTTP calls) concurrently, each step in one
// transaction with its checkpoint.
#pragma once

#include <functional>

namespace df::ext {

// Runs body in its own transaction (SPI connected, snapshot pushed) when the extension
// exists; logs and aborts on error. body returns whether it found work; so does this.
bool run_in_transaction(const std::function<bool()>& body);

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
