// metrics.hpp — the engine's step counters, in shared memory, kept across clean restarts
// (metrics_file.hpp; reset to zero by a crash):
// steps started, attempts succeeded / failed / retried, and a histogram of attempt
// latency (the statement's or request's execution time). The executor counts a start
// when it runs a step; an attempt's outcome counts when the transaction recording it
// commits (an aborted checkpoint counts nothing). df.openmetrics() (openmetrics.cpp) reads
// them next to what the tables say.
#pragma once

#include <array>
#include <cstdint>

namespace df::ext::metrics {

// Upper bounds (milliseconds) of the latency histogram's buckets; +Inf follows.
inline constexpr std::array<std::int64_t, 14> kLatencyBucketsMs = {1,   5,    10,   25,   50,    100,   250,
                                                                   500, 1000, 2500, 5000, 10000, 30000, 60000};

struct Snapshot {
  std::uint64_t started = 0, succeeded = 0, failed = 0, retried = 0;
  std::array<std::uint64_t, kLatencyBucketsMs.size() + 1> buckets{};  // not cumulative; last = +Inf
  std::uint64_t latency_sum_ms = 0;
  std::int64_t since_unix_s = 0;  // when the counters started (the start that found no saved ones)
};

void install_shared_memory_hooks();  // from _PG_init

void step_started();
// An attempt ended (ok, or failed; retried: another attempt follows), queued for commit.
void attempt_finished(bool ok, bool retried, std::int64_t duration_ms);

Snapshot read();

}  // namespace df::ext::metrics
