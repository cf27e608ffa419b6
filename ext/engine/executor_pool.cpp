// executor_pool.cpp — see executor_pool.hpp. Runs in the scheduler, connected as
// pg_durable.worker_role; every statement here is the scheduler's, none is on a step's
// path (a step's commit wakes the scheduler only when its role needs another executor:
// shmem.hpp).
#include <algorithm>
#include <map>
#include <unordered_map>
#include <vector>

#include "engine/engine_core.hpp"  // first: vm/ headers precede postgres.h
#include "engine/executor_pool.hpp"
#include "engine/executor.hpp"
#include "pg/gucs.hpp"
#include "pg/shmem.hpp"
#include "pg/spi.hpp"
#include "engine/transaction.hpp"

extern "C" {
#include "catalog/pg_authid.h"
#include "postmaster/bgworker.h"
#include "utils/acl.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace df::ext {
namespace {

// An executor that dies before it could publish itself (its connection refused: the
// role's connection limit, say) is not restarted for its role for this long.
constexpr long kStartRetryMs = 1000;
// Tasks of a role that cannot run settled per pass (the rest at the next pass).
constexpr int kSettleBatch = 100;

struct PoolSlot {
  BackgroundWorkerHandle* handle = nullptr;
  Oid role = InvalidOid;
  std::uint32_t publications_at_start = 0;
};
PoolSlot pool[kMaxExecutors];
std::unordered_map<Oid, TimestampTz> retry_after;  // role -> no new executor before
Oid last_served = InvalidOid;                      // round-robin position

struct RoleNeed {
  int runnable = 0;  // tasks (running ones included)
  int cap = 1;
  int have = 0;      // executors bound to it, leaving ones excluded
  int want() const { return std::min(runnable, cap); }
};

// pg_durable.max_steps_per_role for each role: ALTER ROLE r IN DATABASE d SET, then ALTER
// ROLE r SET, then ALTER DATABASE d SET, then the server's value. Read from the catalog
// (the role cannot set it: superuser-only).
void read_caps(std::map<Oid, RoleNeed>& needs) {
  int database_cap = -1;
  std::map<Oid, std::pair<int, int>> by_role;  // role -> (cap, priority)
  std::uint64_t n = spi::exec(
      "SELECT s.setrole, s.setdatabase <> 0, split_part(c, '=', 2) FROM pg_catalog.pg_db_role_setting s, "
      "pg_catalog.unnest(s.setconfig) c WHERE s.setdatabase IN (0, $1) "
      "AND c LIKE 'pg\\_durable.max\\_steps\\_per\\_role=%'",
      {spi::oid(MyDatabaseId)});
  for (std::uint64_t i = 0; i < n; ++i) {
    Oid role = static_cast<Oid>(std::stoul(spi::value_or(i, 1, "0")));
    bool in_database = spi::value_or(i, 2, "f") == "t";
    int cap = std::clamp(std::atoi(spi::value_or(i, 3, "1").c_str()), 1, kMaxExecutors);
    if (role == InvalidOid) {
      database_cap = cap;
      continue;
    }
    int priority = in_database ? 2 : 1;
    auto found = by_role.find(role);
    if (found == by_role.end() || found->second.second < priority) by_role[role] = {cap, priority};
  }
  for (auto& [role, need] : needs) {
    auto found = by_role.find(role);
    need.cap = found != by_role.end() ? found->second.first
               : database_cap > 0    ? database_cap
                                     : settings.max_steps_per_role;
  }
}

std::map<Oid, RoleNeed> read_demand() {
  std::map<Oid, RoleNeed> needs;
  std::uint64_t n = spi::exec(
      "SELECT submitted_by::oid, count(*) FROM _duroxide.tasks WHERE kind <> 'timer' GROUP BY submitted_by");
  for (std::uint64_t i = 0; i < n; ++i)
    needs[static_cast<Oid>(std::stoul(spi::value_or(i, 1, "0")))].runnable = std::stoi(spi::value_or(i, 2, "0"));
  return needs;
}

// Answers up to kSettleBatch tasks of a role no session can be opened for.
void settle_tasks_of(Oid role_oid, const RoleCheck& role) {
  std::uint64_t n = spi::exec(
      "SELECT instance_id, task_id FROM _duroxide.tasks WHERE kind <> 'timer' AND submitted_by = $1 "
      "ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED",
      {spi::oid(role_oid), spi::int4(kSettleBatch)});
  std::vector<std::pair<std::string, std::uint64_t>> tasks;
  for (std::uint64_t i = 0; i < n; ++i)
    tasks.emplace_back(spi::value_or(i, 1, ""), std::stoull(spi::value_or(i, 2, "0")));
  for (const auto& [instance_id, task_id] : tasks) {
    if (auto refusal = superuser_refusal(instance_id, role)) {
      engine::fail_instance(instance_id, *refusal);
      continue;
    }
    std::optional<engine::Instance> inst = engine::load_instance(instance_id, true);
    if (inst && inst->state->tasks.count(task_id) != 0) {
      vm::Event failed;
      failed.kind = vm::Event::Kind::TaskFailed;
      failed.now_ms = engine::now_ms();
      failed.task_id = task_id;
      failed.payload = role_problem(instance_id, role).value_or("role cannot run steps");
      engine::apply_event(*inst, failed);
    }
    spi::exec("DELETE FROM _duroxide.tasks WHERE instance_id = $1 AND task_id = $2",
              {spi::text(instance_id), spi::int8(static_cast<std::int64_t>(task_id))});
  }
}

// Whether the worker started in `slot` still runs; frees the handle of one that ended
// and notes a start-up failure (it never published itself) for its role.
bool handle_alive(int slot, const ExecutorView& view) {
  PoolSlot& p = pool[slot];
  if (p.handle == nullptr) return false;
  pid_t pid;
  BgwHandleStatus status = GetBackgroundWorkerPid(p.handle, &pid);
  if (status == BGWH_STARTED || status == BGWH_NOT_YET_STARTED) return true;
  if (view.publications == p.publications_at_start)
    retry_after[p.role] = GetCurrentTimestamp() + kStartRetryMs * 1000;
  pfree(p.handle);
  p.handle = nullptr;
  return false;
}

bool start_executor(int slot, Oid role, const ExecutorView& view) {
  BackgroundWorker w;
  memset(&w, 0, sizeof w);
  w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  w.bgw_start_time = BgWorkerStart_RecoveryFinished;
  w.bgw_restart_time = BGW_NEVER_RESTART;  // the scheduler starts another when needed
  strlcpy(w.bgw_library_name, "pg_durable", BGW_MAXLEN);
  strlcpy(w.bgw_function_name, "df_executor_main", BGW_MAXLEN);
  snprintf(w.bgw_name, BGW_MAXLEN, "pg_durable executor %d", slot);
  strlcpy(w.bgw_type, "pg_durable executor", BGW_MAXLEN);
  w.bgw_main_arg = Int32GetDatum(slot);
  ExecutorBinding binding{MyDatabaseId, role};
  memcpy(w.bgw_extra, &binding, sizeof binding);
  w.bgw_notify_pid = MyProcPid;
  MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
  BackgroundWorkerHandle* handle = nullptr;
  bool ok = RegisterDynamicBackgroundWorker(&w, &handle);
  MemoryContextSwitchTo(old);
  if (!ok) {
    elog(WARNING, "pg_durable: could not start executor %d (max_worker_processes too low?)", slot);
    return false;
  }
  pool[slot] = PoolSlot{handle, role, view.publications};
  return true;
}

// Roles with work in round-robin order: the first after the last one served.
std::vector<Oid> rotation(const std::map<Oid, RoleNeed>& needs) {
  std::vector<Oid> order;
  for (auto it = needs.upper_bound(last_served); it != needs.end(); ++it) order.push_back(it->first);
  for (auto it = needs.begin(); it != needs.end() && it->first <= last_served; ++it) order.push_back(it->first);
  return order;
}

// Asks one executor to leave for `needy`: an idle one serving a role without unmet need
// first, else one of the role holding the most executors when it holds more than
// `needy` would after the move. Returns whether one was asked.
bool reassign_for(Oid needy, std::map<Oid, RoleNeed>& needs, std::vector<ExecutorView>& views, int slots) {
  int chosen = -1;
  for (int s = 0; s < slots && chosen < 0; ++s) {
    const ExecutorView& v = views[s];
    if (!v.alive || v.reassign || !v.idle || v.role == needy) continue;
    auto found = needs.find(v.role);
    if (found == needs.end() || found->second.have > found->second.want()) chosen = s;
  }
  if (chosen < 0) {
    Oid richest = InvalidOid;
    int most = 0;
    for (const auto& [role, need] : needs)
      if (role != needy && need.have > most) { richest = role; most = need.have; }
    int mine = needs[needy].have;
    if (richest == InvalidOid || !(most > mine + 1 || (mine == 0 && most >= 1))) return false;
    for (int s = 0; s < slots && chosen < 0; ++s)
      if (views[s].alive && !views[s].reassign && views[s].role == richest) chosen = s;
  }
  if (chosen < 0) return false;
  request_executor_reassign(chosen);
  views[chosen].reassign = true;
  auto found = needs.find(views[chosen].role);
  if (found != needs.end()) --found->second.have;
  return true;
}

void pool_pass() {
  int slots = std::min(settings.max_workers, kMaxExecutors);
  std::map<Oid, RoleNeed> needs = read_demand();
  std::vector<ExecutorView> views = executor_views();
  std::vector<int> free_slots;
  for (int s = 0; s < slots; ++s) {
    bool started = handle_alive(s, views[s]);
    if (!views[s].alive && started) {  // starting: not published yet
      views[s].alive = true;
      views[s].role = pool[s].role;
    }
    if (!views[s].alive) {
      free_slots.push_back(s);
      continue;
    }
    if (!views[s].reassign) ++needs[views[s].role].have;
  }
  read_caps(needs);  // of every role with work or an executor
  std::vector<std::pair<Oid, int>> caps;
  for (const auto& [role, need] : needs) caps.emplace_back(role, need.cap);
  if (caps.size() > static_cast<std::size_t>(kMaxExecutors)) caps.resize(kMaxExecutors);
  publish_role_caps(caps);

  TimestampTz now = GetCurrentTimestamp();
  std::vector<Oid> order;
  for (Oid role : rotation(needs)) {
    RoleNeed& need = needs[role];
    if (need.runnable == 0 || need.have >= need.want()) continue;
    RoleCheck check = check_role(role);
    if (role_problem("", check) || superuser_refusal("", check)) {
      settle_tasks_of(role, check);
      continue;
    }
    auto backoff = retry_after.find(role);
    if (backoff != retry_after.end() && backoff->second > now) continue;
    order.push_back(role);
  }
  for (bool progress = true; progress && !free_slots.empty();) {
    progress = false;
    for (Oid role : order) {
      RoleNeed& need = needs[role];
      if (free_slots.empty() || need.have >= need.want()) continue;
      int slot = free_slots.front();
      if (!start_executor(slot, role, views[slot])) return;
      free_slots.erase(free_slots.begin());
      views[slot].alive = true;
      views[slot].role = role;
      ++need.have;
      last_served = role;
      progress = true;
    }
  }
  for (Oid role : order)
    if (needs[role].have < needs[role].want()) reassign_for(role, needs, views, slots);
}

}  // namespace

RoleCheck check_role(Oid role) {
  RoleCheck r;
  pg_call([&] {
    HeapTuple tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
    if (!HeapTupleIsValid(tuple)) return;
    auto* form = reinterpret_cast<Form_pg_authid>(GETSTRUCT(tuple));
    r.exists = true;
    r.name = NameStr(form->rolname);
    r.superuser = form->rolsuper;
    r.can_login = form->rolcanlogin;
    ReleaseSysCache(tuple);
    r.can_connect = pg_database_aclcheck(MyDatabaseId, role, ACL_CONNECT) == ACLCHECK_OK;
  });
  return r;
}

std::optional<std::string> role_problem(const std::string& instance_id, const RoleCheck& role) {
  if (!role.exists) return "Instance " + instance_id + ": submitted_by role no longer exists in pg_roles";
  std::string connect = "Failed to connect to database '" + std::string(settings.database) + "' as '" + role.name +
                        "'. Error: error returned from database: ";
  if (!role.can_login)  // the executor connects as the role: LOGIN is needed
    return connect + "role \"" + role.name + "\" is not permitted to log in";
  if (!role.can_connect) return connect + "permission denied for database \"" + settings.database + "\"";
  return std::nullopt;
}

std::optional<std::string> superuser_refusal(const std::string& instance_id, const RoleCheck& role) {
  if (!role.superuser || settings.enable_superuser_instances) return std::nullopt;
  return "pg_durable blocked instance " + instance_id + ": submitted_by role \"" + role.name +
         "\" is a superuser, but pg_durable.enable_superuser_instances is off";
}

void maintain_executor_pool() {
  run_in_transaction([] {
    pool_pass();
    return false;
  });
}

}  // namespace df::ext
