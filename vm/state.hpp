// state.hpp — the whole state of one workflow instance, as the pure step function sees
// it: compact, deterministic and serialisable (the host stores serialize(state) in the
// checkpoint that commits with each step's effects).
//
// Glossary. A *thread* runs one path of the program: the main thread runs the graph; a
// JOIN/RACE starts one child thread per branch. A *task* is something the host does for
// the VM and answers with an event (a SQL statement, an HTTP call, a timer); tasks have
// ids unique within the instance, never reused.
//
// Scopes (docs/reference.md §12 execution ids). A scope is a list of (node index, generation)
// pairs. The first pair is the root orchestration (node 0; generation 1, or the root
// loop's iteration + 1). A JOIN/RACE branch appends (branch root node, 1); a loop that is
// not the graph root and not a branch root appends (loop node, iteration + 1); a loop that
// is a branch root sets its branch pair's generation to iteration + 1 instead. Rendered
// (render_scope) as `<gen>` followed by `::#<idx>::<gen>` per further pair, e.g. "1",
// "3::#7::1". The host replaces each `#<idx>` by that node's df.nodes id and prefixes
// `<instance id>::` to get status_details.execution_id.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "retry.hpp"

namespace df::vm {

// The two version stamps of every checkpoint (docs/operations.md "Checkpoint versions").
// kStateVersion (below) is the byte layout of serialize(). kLoweringVersion is what
// lower() (program.cpp) makes of a graph: a stored thread's pc indexes into that program,
// so bump it whenever lower() gives a graph an earlier release could run a different
// instruction array. The host refuses to resume a state of another lowering version.
inline constexpr std::uint32_t kLoweringVersion = 1;

struct ScopeEntry {
  std::uint32_t node = 0;
  std::uint32_t generation = 1;
  bool operator==(const ScopeEntry& o) const { return node == o.node && generation == o.generation; }
};
using Scope = std::vector<ScopeEntry>;
std::string render_scope(const Scope& scope);

enum class InstanceStatus : std::uint8_t { NotStarted, Running, Completed, Failed, Cancelled };

struct LoopFrame {
  std::uint32_t node = 0;        // the LOOP node
  std::uint32_t iteration = 0;   // 0-based
  std::int64_t start_ms = 0;     // when the current iteration started (pacing)
  std::string body_result;       // saved by LOOP_SAVE_BODY for a falsy while-condition
  bool owns_scope = false;       // a Nested loop pushed a scope pair
};

enum class ThreadStatus : std::uint8_t {
  Runnable,      // only inside step(); never in a stored state
  WaitTask,      // waits for `wait_task` (SQL/HTTP/timer)
  WaitSignal,    // at WAIT_SIGNAL; `wait_task` = its timeout timer or 0
  WaitChildren,  // at a FORK_*, for `children`
  Done,          // finished; its outcome waits for the parent's fork to collect it.
                 // A finished/cancelled instance keeps only its main thread, Done, whose
                 // scope[0].generation is the last root generation.
};

enum class Outcome : std::uint8_t { None, Success, Failure, Break };

// A completed forward step of an UNDO node (df.with_undo): its undo runs if a later step of
// the failing scope fails. `results`/`acc` are as the forward step left them, so an undo
// in a loop sees its own iteration's values.
struct UndoEntry {
  std::uint64_t seq = 0;  // completion order across all threads (State::next_undo_seq)
  std::uint32_t node = 0;
  std::string acc;
  std::map<std::string, std::string> results;
};

// A failure waiting while the undo actions of its scope run (newest first); when the last
// one is done, the failure goes on from `node` exactly as it would have without them.
struct Compensation {
  std::uint32_t node = 0;    // the failed node
  std::string error, detail, error_value;
  std::string acc;
  std::map<std::string, std::string> results;
  std::uint32_t loops = 0, scopes = 0, catches = 0;  // frame depths at the failure
  std::uint32_t target_depth = 0;  // undo entries below this belong to an outer scope
  std::uint32_t current = 0;       // the UNDO node whose undo is running
};

// A TIMEOUT (df.timeout) whose step this thread is running: `task` is its durable timer.
struct TimeoutFrame {
  std::uint32_t node = 0;
  std::uint64_t task = 0;
  std::uint32_t attempts = 0;  // failed attempts of this TIMEOUT before this one (df.retry)
  bool in_undo = false;        // entered inside an undo action (the thread was compensating)
  // The timer fired while the thread ran the undo actions of an earlier failure: the
  // TIMEOUT expires once they are done, if that failure was handled inside its step.
  bool expired = false;
};

struct Thread {
  std::uint32_t id = 0;
  std::uint32_t parent = 0;       // 0 for the main thread
  std::uint32_t root_node = 0;    // node index this thread's path starts at
  std::uint32_t pc = 0;
  ThreadStatus status = ThreadStatus::Runnable;
  std::uint64_t wait_task = 0;
  std::string acc;                                 // the last completed node's result
  std::map<std::string, std::string> results;      // named results visible to this thread
  std::vector<LoopFrame> loops;
  Scope scope;
  std::vector<std::uint32_t> children;             // FORK_*: child thread ids, branch order
  Outcome outcome = Outcome::None;
  std::string outcome_text;                        // result, error or break value
  // Retries of the leaf at `pc`: failed attempts so far and the last one's error record
  // (both reset when the leaf completes or finally fails).
  std::uint32_t failed_attempts = 0;
  std::string last_error;
  std::vector<std::uint32_t> catches;  // CATCH nodes whose step this thread is inside
  std::vector<std::uint32_t> catch_undo_depth;  // per catches[i]: undos.size() at its entry
  std::vector<UndoEntry> undos;                 // completed forward steps, oldest first
  bool compensating = false;                    // `compensation` is live
  Compensation compensation;
  std::vector<TimeoutFrame> timeouts;           // innermost last
  // Not stored (serialize skips it, so == ignores it): how many of `children`, from the
  // front, were seen Done — where a JOIN's check of its branches starts at the next
  // completion, so that a branch's answer costs O(1), not O(branches). A hint only: the
  // JOIN checks every branch once more before it collects them.
  std::uint32_t done_prefix = 0;
};

// RetryTimer: the durable wait between two attempts of a failed step. TimeoutTimer: a
// TIMEOUT's time (df.timeout), owned by a TimeoutFrame of the thread.
enum class TaskKind : std::uint8_t {
  Sql, Http, SleepTimer, ScheduleTimer, SignalTimeout, PacingTimer, RetryTimer, TimeoutTimer
};
bool is_timer(TaskKind kind);

// Everything needed to re-issue the task after a host restart (see pending_actions()).
struct PendingTask {
  std::uint64_t id = 0;
  TaskKind kind = TaskKind::Sql;
  std::uint32_t thread = 0;
  std::uint32_t node = 0;
  std::string text;            // RunSql: SQL; RunHttp: config JSON
  std::int64_t deadline_ms = 0;
  std::uint32_t iteration = 0;
  std::string scope;
};

struct BufferedSignal {
  std::string name;
  std::string payload;
};

struct State {
  InstanceStatus status = InstanceStatus::NotStarted;
  std::string instance_id;
  std::string label;
  std::map<std::string, std::string> variables;
  std::map<std::uint32_t, Thread> threads;
  std::map<std::uint64_t, PendingTask> tasks;
  std::vector<BufferedSignal> signals;  // oldest first
  std::uint32_t next_thread_id = 1;
  std::uint64_t next_task_id = 1;
  std::string result;  // instance result (completed) or error (failed)
  RetryPolicy retry;   // instance-wide policy (df.start max_attempts / max_backoff)
  // The lowering this state's pcs index into (kLoweringVersion of the build that started
  // the instance); read back from the checkpoint, never re-stamped by a later build.
  std::uint32_t lowering_version = kLoweringVersion;
  std::uint64_t next_undo_seq = 1;
  // Resume points (df.resume): each thread as it was when it failed for good (before the
  // failure unwound it), plus the finished branches of a fork that failed. A Resume event
  // makes them the threads again. Empty unless the instance failed resumably.
  std::map<std::uint32_t, Thread> parked;
};

bool operator==(const State& a, const State& b);

// Versioned binary encoding ("DFVMS" + version byte + lowering version + fields).
// deserialize() reads every layout an earlier release wrote (version 1, of 0.2.6, has no
// lowering field: its lowering is version 1) and throws StateError on anything else: bad
// magic, unknown version, truncation, out-of-range enums, trailing bytes.
struct StateError : std::runtime_error {
  explicit StateError(const std::string& m) : std::runtime_error(m) {}
};
// Version 3 added the retry and catch fields (retry.hpp, CATCH); version 4 the
// compensation fields (UNDO); version 5 the resume points (parked threads); version 7 the
// timeout frames (TIMEOUT). 6 was set aside for a rework of how states are written that
// ended up keeping the layout: no build writes it, so it is refused. 5, 4, 3 and 1 (0.2.6)
// are still read.
inline constexpr std::uint8_t kStateVersion = 7;
std::string serialize(const State& state);
State deserialize(std::string_view bytes);

}  // namespace df::vm
