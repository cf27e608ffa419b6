// metrics.cpp — see metrics.hpp. Atomic counters: no lock on the step path. The postmaster
// restores them at shared memory creation and saves them when it exits after a clean
// shutdown (metrics_file.hpp).
#include "engine/metrics.hpp"

#include "engine/metrics_file.hpp"

#include "pg/pg_bridge.hpp"

extern "C" {
#include "access/xact.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"
}

namespace df::ext::metrics {
namespace {

constexpr std::size_t kBuckets = kLatencyBucketsMs.size() + 1;

struct Shared {
  pg_atomic_uint64 started, succeeded, failed, retried, latency_sum_ms;
  pg_atomic_uint64 buckets[kBuckets];
  std::int64_t since_unix_s;
};

Shared* shared = nullptr;
shmem_request_hook_type prev_request_hook = nullptr;
shmem_startup_hook_type prev_startup_hook = nullptr;
// Postmaster: shared memory was created before in this process, so this creation is the
// reset after a crash (restart_after_crash), whose counters are not trusted.
bool created_before = false;

// This transaction's outcomes, added at commit.
struct Pending {
  std::uint64_t succeeded = 0, failed = 0, retried = 0, latency_sum_ms = 0;
  std::uint64_t buckets[kBuckets] = {};
  bool any = false;
};
Pending pending;
bool callback_registered = false;

void restore();
void save_at_exit(int code, Datum);

void request_hook() {
  if (prev_request_hook) prev_request_hook();
  RequestAddinShmemSpace(MAXALIGN(sizeof(Shared)));
}

void startup_hook() {
  if (prev_startup_hook) prev_startup_hook();
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  bool found = false;
  shared = static_cast<Shared*>(ShmemInitStruct("pg_durable metrics", sizeof(Shared), &found));
  if (!found) {
    for (pg_atomic_uint64* c : {&shared->started, &shared->succeeded, &shared->failed, &shared->retried,
                                &shared->latency_sum_ms})
      pg_atomic_init_u64(c, 0);
    for (auto& b : shared->buckets) pg_atomic_init_u64(&b, 0);
    shared->since_unix_s = static_cast<std::int64_t>(time(nullptr));
  }
  LWLockRelease(AddinShmemInitLock);
  if (!found && !IsUnderPostmaster) restore();  // no other process exists yet: no lock needed
}

// In the postmaster (or a single-user backend), right after the counters were zeroed.
void restore() {
  if (created_before) {
    ereport(LOG, (errmsg("pg_durable: step counters start from zero after a crash restart")));
  } else if (auto s = file::load()) {
    pg_atomic_write_u64(&shared->started, s->started);
    pg_atomic_write_u64(&shared->succeeded, s->succeeded);
    pg_atomic_write_u64(&shared->failed, s->failed);
    pg_atomic_write_u64(&shared->retried, s->retried);
    pg_atomic_write_u64(&shared->latency_sum_ms, s->latency_sum_ms);
    for (std::size_t i = 0; i < kBuckets; ++i) pg_atomic_write_u64(&shared->buckets[i], s->buckets[i]);
    shared->since_unix_s = s->since_unix_s;
  }
  created_before = true;
  on_shmem_exit(save_at_exit, 0);  // a crash reset runs the callbacks and clears them: registered again then
}

// The postmaster's last act: code 0 is a clean exit, every child gone, the counters final.
// On any other exit nothing is written and the next start begins from zero.
void save_at_exit(int code, Datum) {
  if (code == 0 && shared) file::save(read());
}

void on_xact_event(XactEvent event, void*) {
  if (!pending.any) return;
  if (shared && (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)) {
    pg_atomic_fetch_add_u64(&shared->succeeded, pending.succeeded);
    pg_atomic_fetch_add_u64(&shared->failed, pending.failed);
    pg_atomic_fetch_add_u64(&shared->retried, pending.retried);
    pg_atomic_fetch_add_u64(&shared->latency_sum_ms, pending.latency_sum_ms);
    for (std::size_t i = 0; i < kBuckets; ++i)
      if (pending.buckets[i]) pg_atomic_fetch_add_u64(&shared->buckets[i], pending.buckets[i]);
  }
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_ABORT ||
      event == XACT_EVENT_PARALLEL_ABORT)
    pending = Pending{};
}

}  // namespace

void install_shared_memory_hooks() {
  prev_request_hook = shmem_request_hook;
  shmem_request_hook = request_hook;
  prev_startup_hook = shmem_startup_hook;
  shmem_startup_hook = startup_hook;
}

void step_started() {
  if (shared) pg_atomic_fetch_add_u64(&shared->started, 1);
}

void attempt_finished(bool ok, bool retried, std::int64_t duration_ms) {
  if (!callback_registered) {
    RegisterXactCallback(on_xact_event, nullptr);
    callback_registered = true;
  }
  if (duration_ms < 0) duration_ms = 0;
  pending.any = true;
  (ok ? pending.succeeded : pending.failed) += 1;
  if (retried) pending.retried += 1;
  pending.latency_sum_ms += static_cast<std::uint64_t>(duration_ms);
  std::size_t b = 0;
  while (b < kLatencyBucketsMs.size() && duration_ms > kLatencyBucketsMs[b]) ++b;
  pending.buckets[b] += 1;
}

Snapshot read() {
  Snapshot s;
  if (!shared) return s;
  s.started = pg_atomic_read_u64(&shared->started);
  s.succeeded = pg_atomic_read_u64(&shared->succeeded);
  s.failed = pg_atomic_read_u64(&shared->failed);
  s.retried = pg_atomic_read_u64(&shared->retried);
  s.latency_sum_ms = pg_atomic_read_u64(&shared->latency_sum_ms);
  for (std::size_t i = 0; i < kBuckets; ++i) s.buckets[i] = pg_atomic_read_u64(&shared->buckets[i]);
  s.since_unix_s = shared->since_unix_s;
  return s;
}

}  // namespace df::ext::metrics
