// metrics_file.hpp — the step counters of metrics.hpp kept across a clean restart, the way
// pg_stat_statements keeps its statistics: the postmaster writes them to
// pg_stat/pg_durable_metrics.stat when it exits after a clean shutdown, and reads them back
// (then removes the file) when it creates shared memory. Every value in the file is a
// cumulative counter (steps started, attempts by outcome, retries, the latency histogram
// and its sum) plus the time they started counting; the engine's gauges (instances,
// queue depth, timers, buffered signals) are read from the tables at scrape time and are
// not kept here. After a crash, an immediate shutdown, or a file that is unreadable, of
// another version or fails its checksum, the counters start from zero, said at LOG level.
#pragma once

#include <optional>

#include "engine/metrics.hpp"

namespace df::ext::metrics::file {

// Relative to the data directory (the postmaster's working directory).
inline constexpr const char* kPath = "pg_stat/pg_durable_metrics.stat";

// The counters saved at the last clean shutdown, nullopt (with a LOG line saying why) when
// there are none to trust. Removes the file it read, so a later crash cannot bring stale
// counters back. Postmaster only, at shared memory creation.
std::optional<Snapshot> load();

// Writes `s` atomically (temporary file, fsync, rename). Failures are logged, never raised:
// the server is stopping. Postmaster only, from its on_shmem_exit callback.
void save(const Snapshot& s);

}  // namespace df::ext::metrics::file
