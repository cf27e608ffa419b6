// shmem.cpp — shared memory for waking the scheduler (see shmem.hpp).
#include "shmem.hpp"

#include "pg_bridge.hpp"

extern "C" {
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
}

namespace df::ext {
namespace {

struct SharedArea {
  // Index into ProcGlobal->allProcs of the scheduler, or -1. Read and written atomically
  // as a plain int: a stale value only costs a spurious SetLatch on a recycled PGPROC.
  volatile int scheduler_procno;
};

SharedArea* area = nullptr;
shmem_request_hook_type prev_request_hook = nullptr;
shmem_startup_hook_type prev_startup_hook = nullptr;
bool wake_pending_at_commit = false;
bool xact_callback_registered = false;

void request_hook() {
  if (prev_request_hook) prev_request_hook();
  RequestAddinShmemSpace(MAXALIGN(sizeof(SharedArea)));
}

void startup_hook() {
  if (prev_startup_hook) prev_startup_hook();
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  bool found = false;
  area = static_cast<SharedArea*>(ShmemInitStruct("pg_durable", sizeof(SharedArea), &found));
  if (!found) area->scheduler_procno = -1;
  LWLockRelease(AddinShmemInitLock);
}

void on_xact_event(XactEvent event, void*) {
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT) {
    if (wake_pending_at_commit) wake_scheduler();
    wake_pending_at_commit = false;
  } else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) {
    wake_pending_at_commit = false;
  }
}

}  // namespace

void install_shared_memory_hooks() {
  prev_request_hook = shmem_request_hook;
  shmem_request_hook = request_hook;
  prev_startup_hook = shmem_startup_hook;
  shmem_startup_hook = startup_hook;
}

void publish_scheduler() {
  if (area) area->scheduler_procno = MyProc->pgprocno;
}

void withdraw_scheduler() {
  if (area && area->scheduler_procno == MyProc->pgprocno) area->scheduler_procno = -1;
}

void wake_scheduler() {
  if (!area) return;
  int procno = area->scheduler_procno;
  if (procno >= 0) SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

void wake_scheduler_at_commit() {
  if (!xact_callback_registered) {
    RegisterXactCallback(on_xact_event, nullptr);
    xact_callback_registered = true;
  }
  wake_pending_at_commit = true;
}

}  // namespace df::ext
