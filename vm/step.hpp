// step.hpp — the VM core: a PURE, deterministic function from (program, state, event) to
// (new state, actions). No clock, no randomness, no I/O: time arrives in the event.
//
// What the host does with each Action (in the same transaction as the new checkpoint):
//   RunSql        run `text` as the submitter; answer TaskSucceeded(task_id, result JSON
//                 §8.1) or TaskFailed(task_id, error). Its effects commit with the step
//                 that consumes the answer — and roll back if that step is not accepted.
//   RunHttp       perform the request described by `text` (config JSON, substituted) with
//                 Idempotency-Key from (instance, node, iteration, scope); answer with the
//                 §8.3 envelope or TaskFailed.
//   ArmTimer      store a durable timer; when now >= deadline_ms send TimerFired(task_id).
//   CancelTask    forget the task / timer; a late answer will be refused (accepted=false).
//   NodeRunning / NodeCompleted / NodeFailed
//                 stamp df.nodes[node] (map the pre-order index to the node id) with the
//                 status, `text` as result, and execution id <instance>::<scope with
//                 #idx replaced by node ids>.
//   NodeRetrying  an attempt of SQL/HTTP step `node` failed and another one follows at
//                 deadline_ms (a RetryTimer is armed): the node stays running, showing the
//                 attempt, the error and the next retry time. Node* actions may carry
//                 `detail`, a JSON object to merge into status_details (attempts, errors).
//   InstanceCompleted / InstanceFailed
//                 set the instance's terminal status; `text` = result JSON / error.
//   InstancePaused
//                 under StepConfig::pause_on_failure (df.start on_failure => 'pause'): an
//                 unhandled failure left the instance failed with a complete resume point
//                 and no undo action run; the host records it as paused (not terminal) until
//                 a Resume event or a cancel. `text` = the error.
// A Resume event answers with NodeRunning stamps for the nodes that run again and the
// tasks of the steps that failed; the host itself marks the instance running.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fork.hpp"
#include "program.hpp"
#include "state.hpp"

namespace df::vm {

struct Event {
  // Resume (df.resume): a failed instance runs on from the steps that failed.
  enum class Kind { Start, TaskSucceeded, TaskFailed, TimerFired, Signal, Cancel, Resume };
  Kind kind = Kind::Start;
  std::int64_t now_ms = 0;
  std::uint64_t task_id = 0;
  std::string payload;      // TaskSucceeded: result JSON; TaskFailed: error; Signal: data
  std::string signal_name;  // Signal
  // Start only:
  std::string instance_id;
  std::string label;        // empty when none
  std::map<std::string, std::string> variables;
  RetryPolicy retry;        // the instance-wide retry policy (df.start)
  // df.fork: the new instance starts at this point instead of the root (fork.hpp); the
  // nodes before it are not run and not stamped (the host copies their rows).
  std::optional<ForkPoint> fork;
};

// The actions the VM asks its host for. X(name): Action::Kind and action_kind_name() are
// both generated from this one list, as the opcodes are (opcodes.hpp).
#define DF_VM_ACTION_KINDS(X) \
  X(RunSql)                   \
  X(RunHttp)                  \
  X(ArmTimer)                 \
  X(CancelTask)               \
  X(NodeRunning)              \
  X(NodeCompleted)            \
  X(NodeFailed)               \
  X(InstanceCompleted)        \
  X(InstanceFailed)           \
  X(NodeRetrying)             \
  X(InstancePaused)

struct Action {
#define DF_VM_ACTION_ENUM(name) name,
  enum class Kind { DF_VM_ACTION_KINDS(DF_VM_ACTION_ENUM) };
#undef DF_VM_ACTION_ENUM
  Kind kind = Kind::RunSql;
  std::uint64_t task_id = 0;
  std::uint32_t node = 0;         // pre-order index
  std::string text;
  std::int64_t deadline_ms = 0;   // ArmTimer
  std::uint32_t iteration = 0;    // RunHttp: innermost loop iteration (0-based), 0 outside loops
  std::string scope;              // Node*: render_scope() of the stamping scope
  std::string detail;             // Node*: JSON object for status_details, "" = none
};
const char* action_kind_name(Action::Kind kind);

struct StepConfig {
  std::int64_t loop_min_interval_ms = 1000;
  std::uint32_t max_loop_iterations = 100000;
  // SQLSTATE classes/codes that never succeed on their own: not retried (retry.hpp).
  std::vector<std::string> non_retryable_sqlstates = {"0A", "28", "42"};
  // df.start(on_failure => 'pause'), per instance: a failure no df.catch takes runs no undo
  // action and ends in InstancePaused, so df.resume can go on from it. A failure that cannot
  // be resumed (it decided a RACE, a df.timeout ran out) compensates and fails as under 'fail'.
  bool pause_on_failure = false;
};

struct StepResult {
  State state;
  std::vector<Action> actions;
  bool accepted = false;  // false: stale event; state unchanged, no actions
};

StepResult step(const Program& program, const State& state, const Event& event,
                const StepConfig& config = StepConfig{});

// step() without the copy, for a large state (a wide join's): `state` is changed where it
// is. Accepted: true, `actions` appended, `touched` names what the event may have changed
// (state_delta.hpp). Refused: false, `state` and `actions` unchanged. Does not check_state()
// (the host checks a state once, when it reads it, not per event); a C++ exception thrown
// while stepping leaves `state` half-changed: the host must then drop it. No work
// proportional to the number of threads per event, except events that change them all
// (start, cancel, the end, resume; then touched.all).
struct Touched;
bool step_in_place(const Program& program, State& state, const Event& event, const StepConfig& config,
                   std::vector<Action>& actions, Touched& touched);

// Throws StateError when the state does not fit the program (a pc or a task out of range).
void check_state(const Program& program, const State& state);

// The tasks a restarted host must re-issue (RunSql / RunHttp / ArmTimer), by task id.
std::vector<Action> pending_actions(const State& state);

// The signal names that threads of a running instance wait for right now (WAIT_SIGNAL
// reached, nothing delivered yet). The host keeps signals sent while nobody waits in its
// own table and feeds the oldest one for these names as a Signal event (issue 11 item 7:
// a buffered signal is a row, not part of the serialised state).
// With `only` (what the last event touched, unless touched.all): the names waited for by
// those threads alone — the ones that can take a signal buffered before they waited. A
// thread that already waited when a signal came took it then, so for a wide JOIN the host
// looks at the few threads an event touched, not at every branch.
struct Touched;
std::vector<std::string> awaited_signal_names(const Program& program, const State& state,
                                              const Touched* only = nullptr);

// Why a Resume event would be refused ("" = it would be accepted): the instance is not
// failed, or its failure left no complete resume point (it ran undo actions, a RACE branch
// was cancelled, or it failed under a release without resume points).
std::string resume_problem(const State& state);

// docs/reference.md texts, exposed for tests and the host.
std::string loop_cap_message(std::uint32_t max_iterations);
extern const char* const kBreakOutsideLoopMessage;
extern const char* const kLoopLostRaceMessage;

}  // namespace df::vm
