// scheduler.cpp — the scheduler's timer duties (scheduler.hpp): a due timer is a
// _duroxide.tasks row of kind 'timer'; firing it feeds TimerFired to its instance's VM
// under the instance's row lock and deletes the row, in one transaction (transaction.hpp).
// Also the requeue of tasks only a checkpoint holds (an executor's lost continuation).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/engine_core.hpp"  // first: vm/ headers precede postgres.h
#include "engine/scheduler.hpp"
#include "pg/spi.hpp"
#include "engine/transaction.hpp"

namespace df::ext {
namespace {

// Fires one due timer: TimerFired under the instance lock, the timer row deleted. A C++
// (non-PostgreSQL) error while handling it is an engine bug for that instance.
bool fire_one_due_timer() {
  std::uint64_t n = spi::exec(
      "SELECT instance_id, task_id FROM _duroxide.tasks WHERE kind = 'timer' AND due_at <= now() "
      "ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED");
  if (n == 0) return false;
  std::string instance_id = spi::value_or(0, 1, "");
  std::uint64_t task_id = std::stoull(spi::value_or(0, 2, "0"));
  try {
    if (std::optional<engine::Instance> inst = engine::load_instance(instance_id, true)) {
      vm::Event fired;
      fired.kind = vm::Event::Kind::TimerFired;
      fired.now_ms = engine::now_ms();
      fired.task_id = task_id;
      engine::apply_event(*inst, fired);
    }
  } catch (const PgError&) {
    throw;
  } catch (const std::exception& e) {
    throw EngineBug(instance_id, e.what());
  }
  spi::exec("DELETE FROM _duroxide.tasks WHERE instance_id = $1 AND task_id = $2",
            {spi::text(instance_id), spi::int8(static_cast<std::int64_t>(task_id))});
  return true;
}

}  // namespace

void fire_due_timers() {
  while (run_in_transaction(fire_one_due_timer)) CHECK_FOR_INTERRUPTS();
}

bool requeue_orphaned_tasks() {
  return run_in_transaction([] {
    if (std::uint64_t n = engine::requeue_orphaned_tasks())
      elog(LOG, "pg_durable worker: requeued %llu task(s) that only a checkpoint held",
           static_cast<unsigned long long>(n));
    return true;
  });
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

}  // namespace df::ext
