// instance_status.hpp — the one definition of which df.instances statuses are terminal
// (an instance in one of them never runs again). C++ callers use is_terminal_status();
// SQL text in ext/ splices DF_TERMINAL_STATUSES_SQL into `status [NOT] IN ...`, and a
// compile-time check keeps that spelling equal to the list. SQL and scripts wait with
// df.await_instance (it returns when is_terminal_status() says so); the few lines that
// must spell the list carry "terminal statuses: ext/engine/instance_status.hpp", and
// ext/tests/check_terminal_statuses.py (unit suite) fails on any other copy or on a tied
// one that differs. PostgreSQL-free.
// One transition leaves a terminal status: df.resume turns 'failed' (or 'paused') back into 'running'
// (ext/surface/resume.cpp) under the instance's row lock; status writes (WHERE status NOT IN the
// list), cancel and retention (which locks and re-checks the list, and counts age from the
// last finish) all read this one list, so a resumed instance is never removed.
#pragma once
#include <cstddef>
#include <string_view>

namespace df::ext {

inline constexpr std::string_view kTerminalStatuses[] = {"completed", "failed", "cancelled"};
inline constexpr std::size_t kTerminalStatusCount = sizeof(kTerminalStatuses) / sizeof(kTerminalStatuses[0]);

// The same list as an SQL row constructor, for `status NOT IN ` DF_TERMINAL_STATUSES_SQL.
#define DF_TERMINAL_STATUSES_SQL "('completed', 'failed', 'cancelled')"

// The one status that is neither live nor terminal: df.start(on_failure => 'pause') left the
// instance stopped at an unhandled failure, with no undo action run, until df.resume runs it
// on (or df.cancel ends it). Retention keeps it; df.await_instance returns on it.
inline constexpr std::string_view kPausedStatus = "paused";

constexpr bool is_terminal_status(std::string_view status) {
  for (std::string_view s : kTerminalStatuses)
    if (s == status) return true;
  return false;
}

namespace detail {
// True when sql is exactly "('a', 'b', ...)" for the items of kTerminalStatuses, in order.
constexpr bool spells_terminal_statuses(std::string_view sql) {
  auto eat = [&sql](std::string_view prefix) {
    if (sql.substr(0, prefix.size()) != prefix) return false;
    sql.remove_prefix(prefix.size());
    return true;
  };
  if (!eat("(")) return false;
  for (std::size_t i = 0; i < kTerminalStatusCount; ++i) {
    if (i > 0 && !eat(", ")) return false;
    if (!eat("'") || !eat(kTerminalStatuses[i]) || !eat("'")) return false;
  }
  return sql == ")";
}
}  // namespace detail

static_assert(detail::spells_terminal_statuses(DF_TERMINAL_STATUSES_SQL),
              "DF_TERMINAL_STATUSES_SQL must list kTerminalStatuses");

}  // namespace df::ext
