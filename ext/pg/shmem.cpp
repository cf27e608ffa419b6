// shmem.cpp — shared memory for waking workers, binding executors to roles, handing new
// tasks to the executors their commit wakes, counting SQL-step slots, interrupting
// cancelled tasks and waking df.await_instance's sessions (see shmem.hpp). Process numbers (not pointers) are published: a stale one only costs a
// spurious SetLatch on a recycled PGPROC.
#include <csignal>
#include <ctime>
#include <cstring>
#include <map>
#include <vector>

#include "pg/shmem.hpp"

#include "pg/pg_bridge.hpp"

extern "C" {
#include "port/atomics.h"
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
  Oid role;             // the role the executor is connected as
  bool idle;            // waiting on its latch for work of its role
  bool reassign;        // the scheduler wants the slot for another role
  std::uint32_t publications;  // times an executor occupied the slot (start-up succeeded)
  char instance_id[9];  // running task, "" when none
  std::uint64_t task_id;
  char handoff_instance[9];  // the task handed over with the last wake-up, "" when none
  std::uint64_t handoff_task;
};

// df.await_instance's sessions, by PGPROC number: the instance each waits for ("" = none).
// A session that exits waiting clears its entry (before_shmem_exit); after a crash the
// whole area is new.
constexpr int kWaiterProcs = 1024;
struct Waiter {
  char instance_id[9];
};

struct RoleCap {
  Oid role;
  int cap;
};

struct SharedArea {
  slock_t mutex;  // guards everything below
  volatile int scheduler_procno;
  int sql_slots_in_use;
  bool orphan_scan_requested;  // an executor left holding a continuation (engine_core.hpp)
  std::uint64_t work_generation;  // bumped by every commit that made tasks runnable
  ExecutorSlot executors[kMaxExecutors];
  RoleCap caps[kMaxExecutors];  // published by the scheduler; role InvalidOid = unused
  pg_atomic_uint64 dispatch[kDispatchCounters];  // DispatchCounter, lock-free
  std::int64_t dispatch_since_unix_s;             // when they started (this shared memory's creation)
  slock_t waiters_mutex;  // guards the two below
  int waiters_registered;  // entries set; 0 = no commit needs to look
  Waiter waiters[kWaiterProcs];
};

struct PendingCancel {
  std::string instance_id;
  std::uint64_t task_id;
};

SharedArea* area = nullptr;
shmem_request_hook_type prev_request_hook = nullptr;
shmem_startup_hook_type prev_startup_hook = nullptr;
bool wake_scheduler_pending = false;
// role -> the tasks this transaction made runnable, in the order they were made.
std::map<Oid, std::vector<Handoff>>* pending_role_wakes = nullptr;
std::vector<std::string>* pending_finished = nullptr;  // instances this transaction finishes
int my_waiter_index = -1;  // this session's entry in waiters, while registered
Oid my_executor_role = InvalidOid;
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
    area->sql_slots_in_use = 0;
    area->orphan_scan_requested = false;
    area->work_generation = 0;
    for (auto& slot : area->executors) {
      slot.procno = -1;
      slot.pid = 0;
      slot.role = InvalidOid;
      slot.idle = slot.reassign = false;
      slot.publications = 0;
      slot.instance_id[0] = '\0';
      slot.task_id = 0;
      slot.handoff_instance[0] = '\0';
      slot.handoff_task = 0;
    }
    for (auto& c : area->caps) c = RoleCap{InvalidOid, 0};
    for (auto& c : area->dispatch) pg_atomic_init_u64(&c, 0);
    area->dispatch_since_unix_s = static_cast<std::int64_t>(time(nullptr));
    SpinLockInit(&area->waiters_mutex);
    area->waiters_registered = 0;
    for (auto& w : area->waiters) w.instance_id[0] = '\0';
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

// The wake rule of wake_role_executors_at_commit: one idle executor of the role per new
// task, this process counting as one when it is one of the role's executors (it looks
// for work right after its commit: the first task is left to that claim). A woken
// executor's idle flag is cleared here, under the mutex, so that concurrent commits pick
// other ones, and the task it is woken for is handed to it (its slot's hand-off: it
// claims that row by key, no scan of the queue); idle executors not needed are left
// asleep (they used to be all woken, each running an empty claim). An executor drains
// until its claim is empty, so each task has a claimer that looks after its commit. The
// scheduler is needed only for tasks left over, and only while the role runs below its
// cap (a published cap; unknown roles always need it).
bool deliver_role_wake(Oid role, const std::vector<Handoff>& tasks) {
  const int count = static_cast<int>(tasks.size());
  int capacity = my_executor_role == role ? 1 : 0, live = 0, cap = -1;
  int budget = count - capacity;
  std::size_t next = static_cast<std::size_t>(capacity);  // the next task to hand over
  std::vector<int> woken;
  SpinLockAcquire(&area->mutex);
  ++area->work_generation;
  for (auto& slot : area->executors) {
    if (slot.procno < 0 || slot.role != role) continue;
    ++live;
    if (budget > 0 && slot.idle && !slot.reassign) {
      slot.idle = false;
      const Handoff& h = tasks[next++];
      strlcpy(slot.handoff_instance, h.instance_id.c_str(), sizeof slot.handoff_instance);
      slot.handoff_task = h.task_id;
      woken.push_back(slot.procno);
      --budget;
    }
  }
  for (auto& c : area->caps)
    if (c.role == role) cap = c.cap;
  SpinLockRelease(&area->mutex);
  for (int procno : woken) SetLatch(&ProcGlobal->allProcs[procno].procLatch);
  if (!woken.empty())
    pg_atomic_fetch_add_u64(&area->dispatch[static_cast<int>(DispatchCounter::Woken)], woken.size());
  capacity += static_cast<int>(woken.size());
  return count > capacity && (cap < 0 || live < cap);
}

void deliver_role_wakes() {
  if (!area || !pending_role_wakes) return;
  bool need_scheduler = false;
  for (const auto& [role, tasks] : *pending_role_wakes) need_scheduler |= deliver_role_wake(role, tasks);
  pending_role_wakes->clear();
  if (need_scheduler) wake_scheduler();
}

// Sets the latch of every session in df.await_instance for an instance this transaction
// finished.
void deliver_finished() {
  if (!area || !pending_finished || pending_finished->empty()) return;
  std::vector<int> procnos;
  SpinLockAcquire(&area->waiters_mutex);
  if (area->waiters_registered > 0)
    for (int i = 0; i < kWaiterProcs; ++i) {
      const char* waited = area->waiters[i].instance_id;
      if (waited[0] == '\0') continue;
      for (const std::string& id : *pending_finished)
        if (id == waited) procnos.push_back(i);
    }
  SpinLockRelease(&area->waiters_mutex);
  pending_finished->clear();
  for (int procno : procnos)
    if (procno < static_cast<int>(ProcGlobal->allProcCount)) SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

void on_xact_event(XactEvent event, void*) {
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT) {
    if (wake_scheduler_pending) wake_scheduler();
    deliver_role_wakes();
    deliver_cancels();
    deliver_finished();
  }
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
      event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) {
    wake_scheduler_pending = false;
    if (pending_cancels) pending_cancels->clear();
    if (pending_role_wakes) pending_role_wakes->clear();
    if (pending_finished) pending_finished->clear();
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

void publish_executor(int slot, Oid role) {
  if (!area || slot < 0 || slot >= kMaxExecutors) return;
  SpinLockAcquire(&area->mutex);
  area->executors[slot].procno = MyProc->pgprocno;
  area->executors[slot].pid = MyProcPid;
  area->executors[slot].role = role;
  area->executors[slot].idle = area->executors[slot].reassign = false;
  area->executors[slot].instance_id[0] = '\0';
  area->executors[slot].task_id = 0;
  area->executors[slot].handoff_instance[0] = '\0';
  ++area->executors[slot].publications;
  SpinLockRelease(&area->mutex);
}

void note_executor_identity(Oid role) { my_executor_role = role; }

void set_executor_idle(int slot, bool idle) {
  if (!area || slot < 0 || slot >= kMaxExecutors) return;
  SpinLockAcquire(&area->mutex);
  area->executors[slot].idle = idle;
  SpinLockRelease(&area->mutex);
}

std::uint64_t work_generation() {
  if (!area) return 0;
  SpinLockAcquire(&area->mutex);
  std::uint64_t g = area->work_generation;
  SpinLockRelease(&area->mutex);
  return g;
}

bool mark_executor_idle(int slot, std::uint64_t seen_generation) {
  if (!area || slot < 0 || slot >= kMaxExecutors) return true;
  SpinLockAcquire(&area->mutex);
  area->executors[slot].idle = true;
  bool changed = area->work_generation != seen_generation;
  SpinLockRelease(&area->mutex);
  return changed;
}

void wake_one_idle_executor(Oid role) {
  if (!area) return;
  int procno = -1;
  SpinLockAcquire(&area->mutex);
  for (auto& slot : area->executors)
    if (procno < 0 && slot.procno >= 0 && slot.role == role && slot.idle && !slot.reassign && slot.pid != MyProcPid) {
      slot.idle = false;
      procno = slot.procno;
    }
  SpinLockRelease(&area->mutex);
  if (procno >= 0) SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

bool executor_reassign_requested(int slot) {
  if (!area || slot < 0 || slot >= kMaxExecutors) return false;
  SpinLockAcquire(&area->mutex);
  bool r = area->executors[slot].reassign;
  SpinLockRelease(&area->mutex);
  return r;
}

std::vector<ExecutorView> executor_views() {
  std::vector<ExecutorView> views(kMaxExecutors);
  if (!area) return views;
  std::vector<int> pids(kMaxExecutors);
  SpinLockAcquire(&area->mutex);
  for (int i = 0; i < kMaxExecutors; ++i) {
    const ExecutorSlot& s = area->executors[i];
    pids[i] = s.procno >= 0 ? s.pid : 0;
    views[i].role = s.role;
    views[i].idle = s.idle;
    views[i].reassign = s.reassign;
    views[i].publications = s.publications;
  }
  SpinLockRelease(&area->mutex);
  for (int i = 0; i < kMaxExecutors; ++i) views[i].alive = pids[i] > 0 && kill(pids[i], 0) == 0;
  return views;
}

void request_executor_reassign(int slot) {
  if (!area || slot < 0 || slot >= kMaxExecutors) return;
  SpinLockAcquire(&area->mutex);
  area->executors[slot].reassign = true;
  int procno = area->executors[slot].procno;
  SpinLockRelease(&area->mutex);
  if (procno >= 0) SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

void publish_role_caps(const std::vector<std::pair<Oid, int>>& caps) {
  if (!area) return;
  SpinLockAcquire(&area->mutex);
  for (int i = 0; i < kMaxExecutors; ++i)
    area->caps[i] = i < static_cast<int>(caps.size()) ? RoleCap{caps[i].first, caps[i].second} : RoleCap{InvalidOid, 0};
  SpinLockRelease(&area->mutex);
}

bool try_acquire_sql_slot(int cap) {
  if (!area) return true;
  SpinLockAcquire(&area->mutex);
  bool ok = area->sql_slots_in_use < cap;
  if (ok) ++area->sql_slots_in_use;
  SpinLockRelease(&area->mutex);
  return ok;
}

void release_sql_slot() {
  if (!area) return;
  SpinLockAcquire(&area->mutex);
  if (area->sql_slots_in_use > 0) --area->sql_slots_in_use;
  SpinLockRelease(&area->mutex);
}

void withdraw_executor(int slot) {
  if (!area || slot < 0 || slot >= kMaxExecutors) return;
  SpinLockAcquire(&area->mutex);
  if (area->executors[slot].pid == MyProcPid) {
    area->executors[slot].procno = -1;
    area->executors[slot].pid = 0;
    area->executors[slot].role = InvalidOid;
    area->executors[slot].idle = area->executors[slot].reassign = false;
    area->executors[slot].instance_id[0] = '\0';
    area->executors[slot].handoff_instance[0] = '\0';  // its row stays: a scan finds it
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

void request_orphan_scan() {
  if (!area) return;
  SpinLockAcquire(&area->mutex);
  area->orphan_scan_requested = true;
  SpinLockRelease(&area->mutex);
  wake_scheduler();
}

bool take_orphan_scan_request() {
  if (!area) return false;
  SpinLockAcquire(&area->mutex);
  bool requested = area->orphan_scan_requested;
  area->orphan_scan_requested = false;
  SpinLockRelease(&area->mutex);
  return requested;
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

void wake_role_executors_at_commit(Oid role, const std::string& instance_id, std::uint64_t task_id) {
  ensure_xact_callback();
  if (!pending_role_wakes) pending_role_wakes = new std::map<Oid, std::vector<Handoff>>();
  (*pending_role_wakes)[role].push_back(Handoff{instance_id, task_id});
}

std::optional<Handoff> take_handoff(int slot) {
  if (!area || slot < 0 || slot >= kMaxExecutors) return std::nullopt;
  std::optional<Handoff> h;
  SpinLockAcquire(&area->mutex);
  ExecutorSlot& s = area->executors[slot];
  if (s.handoff_instance[0] != '\0') {
    h = Handoff{s.handoff_instance, s.handoff_task};
    s.handoff_instance[0] = '\0';
    s.handoff_task = 0;
  }
  SpinLockRelease(&area->mutex);
  return h;
}

void count_dispatch(DispatchCounter counter) {
  if (area) pg_atomic_fetch_add_u64(&area->dispatch[static_cast<int>(counter)], 1);
}

std::int64_t dispatch_counters_since_unix_s() { return area ? area->dispatch_since_unix_s : 0; }

std::vector<std::uint64_t> dispatch_counters() {
  std::vector<std::uint64_t> out(kDispatchCounters, 0);
  if (area)
    for (int i = 0; i < kDispatchCounters; ++i) out[i] = pg_atomic_read_u64(&area->dispatch[i]);
  return out;
}

bool register_instance_waiter(const std::string& instance_id) {
  if (!area || MyProc == nullptr || MyProc->pgprocno >= kWaiterProcs || instance_id.size() >= sizeof(Waiter::instance_id))
    return false;
  static bool exit_hook = false;  // a session that exits waiting (FATAL) leaves no entry
  if (!exit_hook) {
    before_shmem_exit([](int, Datum) { unregister_instance_waiter(); }, 0);
    exit_hook = true;
  }
  unregister_instance_waiter();
  int index = MyProc->pgprocno;
  SpinLockAcquire(&area->waiters_mutex);
  if (area->waiters[index].instance_id[0] == '\0') ++area->waiters_registered;
  strlcpy(area->waiters[index].instance_id, instance_id.c_str(), sizeof area->waiters[index].instance_id);
  SpinLockRelease(&area->waiters_mutex);
  my_waiter_index = index;
  return true;
}

void unregister_instance_waiter() {
  if (!area || my_waiter_index < 0) return;
  SpinLockAcquire(&area->waiters_mutex);
  if (area->waiters[my_waiter_index].instance_id[0] != '\0') {
    area->waiters[my_waiter_index].instance_id[0] = '\0';
    --area->waiters_registered;
  }
  SpinLockRelease(&area->waiters_mutex);
  my_waiter_index = -1;
}

void wake_instance_waiters_at_commit(const std::string& instance_id) {
  ensure_xact_callback();
  if (!pending_finished) pending_finished = new std::vector<std::string>();
  pending_finished->push_back(instance_id);
}

void request_cancel_of_running_task(const std::string& instance_id, std::uint64_t task_id) {
  ensure_xact_callback();
  if (!pending_cancels) pending_cancels = new std::vector<PendingCancel>();
  pending_cancels->push_back({instance_id, task_id});
}

}  // namespace df::ext
