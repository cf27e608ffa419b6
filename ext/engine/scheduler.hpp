// scheduler.hpp — the scheduler's timer duties (called from its main loop, worker.cpp):
// fire the timers that are due, and tell how long it may sleep until the next one.
#pragma once

namespace df::ext {

// Fires every timer that is due, one transaction each.
void fire_due_timers();

// Milliseconds until the earliest timer, at most cap_ms.
long milliseconds_to_next_timer(long cap_ms);

}  // namespace df::ext
