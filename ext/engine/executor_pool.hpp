// executor_pool.hpp — the scheduler's side of the executors: which role each executor
// slot serves. Runnable work is queued per role (_duroxide.tasks.submitted_by); free
// slots go round-robin to roles with runnable work below their cap
// (pg_durable.max_steps_per_role, per role from ALTER ROLE ... SET); a role with work and
// no executor gets one from the role holding the most (that executor exits after its
// current step), so roles take turns even when one alone could fill every executor.
// Also the role checks a session of the role would fail (dropped, no LOGIN, no CONNECT,
// superuser refused), shared with the executors.
#pragma once

#include <optional>
#include <string>

#include "pg/pg_bridge.hpp"

namespace df::ext {

// Scheduler side: one pass (own transaction): starts executors for roles that need them,
// asks surplus ones to leave, settles the tasks of roles that cannot run.
void maintain_executor_pool();

// The submitting role as it is now (syscache).
struct RoleCheck {
  bool exists = false;
  std::string name;
  bool superuser = false;
  bool can_login = false;
  bool can_connect = false;  // CONNECT on the extension's database
};
RoleCheck check_role(Oid role);

// Why a session of the role cannot run instance_id's steps (nullopt: it can). Superuser
// roles refused by pg_durable.enable_superuser_instances are not covered: see below.
std::optional<std::string> role_problem(const std::string& instance_id, const RoleCheck& role);

// The instance's failure when its role is a superuser and enable_superuser_instances is
// off; nullopt when it may run.
std::optional<std::string> superuser_refusal(const std::string& instance_id, const RoleCheck& role);

}  // namespace df::ext
