// scheduler.hpp — the scheduler's timer duties (called from its main loop, worker.cpp):
// fire the timers that are due, and tell how long it may sleep until the next one; and
// requeue the tasks that only a checkpoint holds.
#pragma once

namespace df::ext {

// Fires every timer that is due, one transaction each.
void fire_due_timers();

// Milliseconds until the earliest timer, at most cap_ms.
long milliseconds_to_next_timer(long cap_ms);

// Inserts the rows of the SQL/HTTP tasks unfinished checkpoints hold and _duroxide.tasks
// lacks (engine::requeue_orphaned_tasks), in one transaction. Returns whether it ran.
bool requeue_orphaned_tasks();

}  // namespace df::ext
