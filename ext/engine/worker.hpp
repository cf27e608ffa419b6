// worker.hpp — the pg_durable scheduler background worker: registered by _PG_init,
// started by the postmaster, restarted after a crash.
#pragma once

namespace df::ext {

void register_scheduler_worker();

}  // namespace df::ext

extern "C" {
// Entry point named in BackgroundWorker.bgw_function_name.
__attribute__((visibility("default"))) void df_scheduler_main(unsigned long main_arg);
}
