// shmem.cpp — shared memory for waking workers and interrupting cancelled tasks (see
// shmem.hpp). Process numbers (not pointers) are published: a stale one only costs a
// spurious SetLatch on a recycled PGPROC.
#include <csignal>
#include <cstring>
#include <vector>

#include "shmem.hpp"

#include "pg_bridge.hpp"

extern "C" {
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
}

namespace df::ext {
namespace {

struct ExecutorSlot {
  int procno;           // -1 when free
  int pid;
  char instance_id[9];  // running task, "" when idle
  std::uint64_t task_id;
};

struct SharedArea {
  slock_t mutex;  // guards the executor slots' task fields
  volatile int scheduler_procno;
  ExecutorSlot executors[kMaxExecutors];
};

struct PendingCancel {
  std::string instance_id;
  std::uint64_t task_id;
};

SharedArea* area = nullptr;
shmem_request_hook_type prev_request_hook = nullptr;
shmem_startup_hook_type prev_startup_hook = nullptr;
bool wake_scheduler_pending = false;
bool wake_executors_pending = false;
std::vector<PendingCancel>* pending_cancels = nullptr;  // allocated once, never freed
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
  if (!found) {
    SpinLockInit(&area->mutex);
    area->scheduler_procno = -1;
    for (auto& slot : area->executors) {
      slot.procno = -1;
      slot.pid = 0;
      slot.instance_id[0] = '\0';
      slot.task_id = 0;
    }
  }
  LWLockRelease(AddinShmemInitLock);
}

void deliver_cancels() {
  if (!area || !pending_cancels) return;
  for (const auto& c : *pending_cancels) {
    int pid = 0;
    SpinLockAcquire(&area->mutex);
    for (auto& slot : area->executors)
      if (slot.procno >= 0 && slot.task_id == c.task_id && c.instance_id == slot.instance_id) pid = slot.pid;
    SpinLockRelease(&area->mutex);
    if (pid > 0) kill(pid, SIGINT);
  }
  pending_cancels->clear();
}

void on_xact_event(XactEvent event, void*) {
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT) {
    if (wake_scheduler_pending) wake_scheduler();
    if (wake_executors_pending) wake_executors();
    deliver_cancels();
  }
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
      event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) {
    wake_scheduler_pending = wake_executors_pending = false;
    if (pending_cancels) pending_cancels->clear();
  }
}

void ensure_xact_callback() {
  if (xact_callback_registered) return;
  RegisterXactCallback(on_xact_event, nullptr);
  xact_callback_registered = true;
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

void publish_executor(int slot) {
  if (!area || slot < 0 || slot >= kMaxExecutors) return;
  SpinLockAcquire(&area->mutex);
  area->executors[slot].procno = MyProc->pgprocno;
  area->executors[slot].pid = MyProcPid;
  area->executors[slot].instance_id[0] = '\0';
  area->executors[slot].task_id = 0;
  SpinLockRelease(&area->mutex);
}

void withdraw_executor(int slot) {
  if (!area || slot < 0 || slot >= kMaxExecutors) return;
  SpinLockAcquire(&area->mutex);
  if (area->executors[slot].pid == MyProcPid) {
    area->executors[slot].procno = -1;
    area->executors[slot].pid = 0;
    area->executors[slot].instance_id[0] = '\0';
  }
  SpinLockRelease(&area->mutex);
}

void set_executor_task(int slot, const std::string& instance_id, std::uint64_t task_id) {
  if (!area || slot < 0 || slot >= kMaxExecutors) return;
  SpinLockAcquire(&area->mutex);
  strlcpy(area->executors[slot].instance_id, instance_id.c_str(), sizeof area->executors[slot].instance_id);
  area->executors[slot].task_id = task_id;
  SpinLockRelease(&area->mutex);
}

bool executor_slot_alive(int slot) {
  if (!area || slot < 0 || slot >= kMaxExecutors) return false;
  SpinLockAcquire(&area->mutex);
  int pid = area->executors[slot].pid;
  SpinLockRelease(&area->mutex);
  return pid > 0 && kill(pid, 0) == 0;
}

void wake_scheduler() {
  if (!area) return;
  int procno = area->scheduler_procno;
  if (procno >= 0) SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

void wake_executors() {
  if (!area) return;
  for (auto& slot : area->executors) {
    int procno = slot.procno;
    if (procno >= 0) SetLatch(&ProcGlobal->allProcs[procno].procLatch);
  }
}

void wake_scheduler_at_commit() {
  ensure_xact_callback();
  wake_scheduler_pending = true;
}

void wake_executors_at_commit() {
  ensure_xact_callback();
  wake_executors_pending = true;
}

void request_cancel_of_running_task(const std::string& instance_id, std::uint64_t task_id) {
  ensure_xact_callback();
  if (!pending_cancels) pending_cancels = new std::vector<PendingCancel>();
  pending_cancels->push_back({instance_id, task_id});
}

}  // namespace df::ext
