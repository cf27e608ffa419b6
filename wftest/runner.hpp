// runner.hpp — runs one workflow on the pure VM (vm/step.hpp) with a virtual host:
// stubbed steps answer instantly, time is virtual (the clock jumps to the next timer, so
// sleeps, signal timeouts, cron ticks, loop pacing and retry backoffs pass at once),
// signals arrive at chosen virtual moments, and every action the VM asks for is recorded
// so tests can assert on the path taken. Used by `dfc test` and `dfc run`.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "program.hpp"
#include "spec.hpp"

namespace df::wftest {

// Virtual start time of every run: 2026-01-01T00:00:00Z.
inline constexpr std::int64_t kVirtualEpochMs = 1767225600000;
// A run that needs more events than this is reported as not finishing (a loop without a
// way out, or a signal that keeps a loop busy).
inline constexpr std::size_t kMaxEvents = 200000;

// One leaf step of the workflow started (NodeRunning) and how it ended.
struct LeafRun {
  std::uint32_t node = 0;
  std::int64_t started_ms = 0;  // virtual ms since the start
  std::string statement;        // SQL / HTTP config as executed (substituted), "" for waits
  int attempts = 0;             // SQL/HTTP tasks issued for this run (retries count)
  enum class End { Running, Completed, Failed } end = End::Running;
  std::string result;           // NodeCompleted / NodeFailed text
};

struct RunResult {
  std::string status;          // completed, failed, cancelled, running
  std::string result;          // instance result (completed) or error (failed)
  std::string waiting;         // running: what it waits for, e.g. "signal 'approval'"
  std::int64_t elapsed_ms = 0;  // virtual time at the end
  std::vector<LeafRun> runs;   // in start order
  std::vector<std::string> log;  // one readable line per event (for dfc run / --verbose)
  std::vector<compiler::Diagnostic> problems;  // the run itself went wrong (VM refused...)
};

struct RunInput {
  std::map<std::string, std::string> variables;
  std::vector<Stub> stubs;
  std::vector<SignalSend> signals;
  std::optional<std::int64_t> run_for_seconds;  // stop at this virtual second (TestCase::run_for_seconds)
};

// True when `sel` means program node `node` (a leaf): its result name; or, when `sel` is
// no step's result name, a fragment of its SQL / HTTP config / signal name / cron
// expression, or (`statement`) of the text as executed.
bool selector_matches(const vm::Program& program, std::uint32_t node, const std::string& sel,
                      const std::string& statement = {});

// A readable one-line label of a leaf node: 'name' for named steps, else the kind and
// a shortened operand, e.g. "SQL 'SELECT 1'", "wait_for_signal('approval')".
std::string leaf_label(const vm::Program& program, std::uint32_t node);

// The error record (team shape) the executor stores for a failed attempt.
std::string error_record(const std::string& message, const std::string& sqlstate,
                         const std::string& detail, const std::string& hint,
                         const std::string& statement, int attempt, long http_status);

RunResult run(const vm::Program& program, const RunInput& input);

}  // namespace df::wftest
