// step.cpp — the VM core (see step.hpp). A Machine applies one event to a copy of the
// state and then runs every runnable thread until all of them wait (on a task, a signal
// or their children) or the instance ends. Failures and breaks unwind along the static
// parent chain of the program's node table, stamping every node they leave.
#include "step.hpp"

#include "state_delta.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <set>

#include "errors.hpp"
#include "failure.hpp"
#include "retry.hpp"
#include "json_text.hpp"
#include "substitute.hpp"
#include "truth.hpp"

namespace df::vm {

const char* const kBreakOutsideLoopMessage =
    "df.break() was called outside of a loop. df.break() may only be used inside df.loop().";
const char* const kLoopLostRaceMessage = "Loop branch cancelled after losing RACE";

std::string loop_cap_message(std::uint32_t max_iterations) {
  return "Loop exceeded maximum iteration count of " + std::to_string(max_iterations) +
         ". Use df.break() to exit the loop or restructure the workflow.";
}

const char* action_kind_name(Action::Kind kind) {
  switch (kind) {
#define DF_VM_ACTION_NAME(name) \
  case Action::Kind::name: return #name;
    DF_VM_ACTION_KINDS(DF_VM_ACTION_NAME)
#undef DF_VM_ACTION_NAME
  }
  return "?";
}

namespace {

using NodeType = ir::NodeType;

std::string json_string(std::string_view s) {
  std::string out;
  compiler::append_json_string(out, s);
  return out;
}

// Valid JSON is kept (compacted); anything else becomes a JSON string.
std::string json_or_string(std::string_view text) {
  rapidjson::Document doc;
  try {
    if (compiler::parse_json(text, doc, nullptr)) return compiler::json_value_text(doc);
  } catch (const compiler::CompileError&) {
    // nested beyond the writer's limit: deliver it as a string rather than fail the step
  }
  return json_string(text);
}

// now + seconds, saturating: a huge duration must not overflow into the past.
std::int64_t deadline_after(std::int64_t now, std::int64_t seconds) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  if (seconds > (kMax - std::max<std::int64_t>(now, 0)) / 1000) return kMax;
  return now + seconds * 1000;
}

std::int64_t deadline_after_ms(std::int64_t now, std::int64_t ms) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  return ms > kMax - std::max<std::int64_t>(now, 0) ? kMax : now + ms;
}

std::string signal_result(std::string_view name, std::string_view payload) {
  return "{\"signal_name\":" + json_string(name) + ",\"timed_out\":false,\"data\":" +
         json_or_string(payload) + "}";
}

// The action that (re-)issues a pending task.
Action task_action(const PendingTask& task) {
  Action a;
  a.task_id = task.id;
  a.node = task.node;
  a.scope = task.scope;
  switch (task.kind) {
    case TaskKind::Sql: a.kind = Action::Kind::RunSql; a.text = task.text; break;
    case TaskKind::Http:
      a.kind = Action::Kind::RunHttp;
      a.text = task.text;
      a.iteration = task.iteration;
      break;
    default: a.kind = Action::Kind::ArmTimer; a.deadline_ms = task.deadline_ms; break;
  }
  return a;
}

class Machine {
 public:
  Machine(const Program& p, State& s, std::vector<Action>& out, std::int64_t now,
          const StepConfig& c, Touched& touched)
      : prog_(p), st_(s), out_(out), now_(now), cfg_(c), touched_(touched) {}

  void start(const Event& ev);
  void task_done(const PendingTask& task, bool ok, const std::string& payload);
  void deliver_signal(const std::string& name, const std::string& payload);
  void cancel_instance();
  void run();

 private:
  const Program& prog_;
  State& st_;
  std::vector<Action>& out_;
  const std::int64_t now_;
  const StepConfig& cfg_;
  Touched& touched_;  // what this event changed (state_delta.hpp)
  std::deque<std::uint32_t> queue_;

  // Every change of a thread or task goes through a thread or task the Machine took by id;
  // these record the id (test_state_delta.cpp checks no change is missed).
  Thread& thread(std::uint32_t id) {
    touched_.threads.insert(id);
    return st_.threads.at(id);
  }
  void touch_task(std::uint64_t id) { touched_.tasks.insert(id); }
  void touch_all() { touched_.all = true; }

  const Instruction& ins(const Thread& t) const { return prog_.code[t.pc]; }
  const NodeInfo& info(std::uint32_t node) const { return prog_.nodes[node]; }

  void wake(Thread& t) {
    t.status = ThreadStatus::Runnable;
    t.wait_task = 0;
    queue_.push_back(t.id);
  }
  void node_action(Action::Kind kind, std::uint32_t node, const Thread& t, std::string text = {},
                   std::string detail = {}) {
    Action a;
    a.kind = kind;
    a.node = node;
    a.text = std::move(text);
    a.scope = render_scope(t.scope);
    a.detail = std::move(detail);
    out_.push_back(std::move(a));
  }
  static void reset_attempts(Thread& t) {
    t.failed_attempts = 0;
    t.last_error.clear();
  }
  void complete(Thread& t, std::uint32_t node, std::string result, std::string detail = {}) {
    node_action(Action::Kind::NodeCompleted, node, t, result, std::move(detail));
    const NodeInfo& n = info(node);
    if (n.result_name && n.stores_result()) t.results[*n.result_name] = result;
    t.acc = std::move(result);
  }
  void complete_leaf(Thread& t, std::uint32_t node, std::string result) {
    std::string detail;  // succeeded after retries: the stamp tells how many attempts
    if (t.failed_attempts > 0) detail = "{\"attempts\":" + std::to_string(t.failed_attempts + 1) + "}";
    reset_attempts(t);
    complete(t, node, std::move(result), std::move(detail));
    ++t.pc;
    wake(t);
  }
  SubstContext subst_context(const Thread& t) const {
    return SubstContext{st_.instance_id, st_.label, &st_.variables, &t.results};
  }
  std::uint32_t innermost_iteration(const Thread& t) const;

  std::uint64_t arm(Thread& t, TaskKind kind, std::uint32_t node, std::string text, std::int64_t deadline);
  void issue(Thread& t, TaskKind kind, std::uint32_t node, std::string text, std::int64_t deadline);
  void enter_timeout(Thread& t, const Instruction& i);
  void leave_timeout(Thread& t, const Instruction& i);
  void pop_timeout(Thread& t);
  void timeout_fired(Thread& t, std::uint64_t task_id);
  void expire_timeout(Thread& t, std::size_t frame);
  void expire_deferred(Thread& t);
  std::string timeout_message(std::uint32_t node) const;
  void exec(std::uint32_t tid);
  void exec_instruction(Thread& t);
  void exec_leaf(Thread& t, const Instruction& i);
  void exec_signal_wait(Thread& t, std::uint32_t node);
  void exec_if_rows(Thread& t, const Instruction& i);
  void exec_fork(Thread& t, const Instruction& i);
  void exec_loop(Thread& t, const Instruction& i);
  void loop_next(Thread& t, const Instruction& i);
  void advance_loop(Thread& t);

  void fail_from(Thread& t, std::uint32_t node, const std::string& error,
                 const std::string& detail = {}, const std::string& error_value = {},
                 bool resumable = true);
  void discard_parked(std::uint32_t tid);
  bool caught_anywhere(const Thread& t) const;
 public:
  void resume();
 private:
  void next_undo(Thread& t);
  void undo_failed(Thread& t, std::uint32_t node, const std::string& error, const std::string& detail);
  void absorb_undos(Thread& into, Thread& from);
  std::string error_value(std::uint32_t node, const std::string& message, const Failure* f,
                          std::uint32_t attempts) const;
  const RetryPolicy& policy_for(std::uint32_t node) const {
    return info(node).retry ? *info(node).retry : st_.retry;
  }
  // The policy that applies after failure `f`: a conflict (40001/40P01) of a SQL step gets
  // at least kConflictPolicy's attempts.
  RetryPolicy effective_policy(std::uint32_t node, const Failure& f, bool http) const {
    RetryPolicy policy = policy_for(node);
    if (!http && is_conflict(f) && policy.max_attempts < kConflictPolicy.max_attempts) policy = kConflictPolicy;
    return policy;
  }
  void attempt_failed(Thread& t, const PendingTask& task, const Failure& f);
  void break_from(Thread& t, std::uint32_t node, const std::string& value);
  void finish_thread(Thread& t, Outcome outcome, const std::string& text);
  void finish_instance(Outcome outcome, const std::string& text);
  void on_child_done(std::uint32_t parent_id, std::uint32_t child_id);
  void collect_join(Thread& p);
  void decide_race(Thread& p, std::uint32_t winner_id);
  void merge_results(Thread& into, const Thread& from);
  void cancel_thread(std::uint32_t tid, bool lost_race, const std::string& failed_with = {});
  void cancel_task(const PendingTask& task);
  void keep_only_main_thread();
};

std::uint32_t Machine::innermost_iteration(const Thread& t) const {
  for (const Thread* cur = &t; cur; ) {
    if (!cur->loops.empty()) return cur->loops.back().iteration;
    auto it = st_.threads.find(cur->parent);
    cur = it == st_.threads.end() ? nullptr : &it->second;
  }
  return 0;
}

// A new task of thread `t` (the thread's wait is not changed: see issue()).
std::uint64_t Machine::arm(Thread& t, TaskKind kind, std::uint32_t node, std::string text,
                           std::int64_t deadline) {
  PendingTask task;
  task.id = st_.next_task_id++;
  task.kind = kind;
  task.thread = t.id;
  task.node = node;
  task.text = std::move(text);
  task.deadline_ms = deadline;
  task.iteration = kind == TaskKind::Http ? innermost_iteration(t) : 0;
  task.scope = render_scope(t.scope);
  touch_task(task.id);
  st_.tasks.emplace(task.id, task);
  out_.push_back(task_action(task));
  return task.id;
}

// A task the thread waits for.
void Machine::issue(Thread& t, TaskKind kind, std::uint32_t node, std::string text,
                    std::int64_t deadline) {
  const std::uint64_t id = arm(t, kind, node, std::move(text), deadline);
  if (t.status != ThreadStatus::WaitSignal) t.status = ThreadStatus::WaitTask;
  t.wait_task = id;
}

void Machine::run() {
  while (!queue_.empty()) {
    const std::uint32_t tid = queue_.front();
    queue_.pop_front();
    exec(tid);
  }
}

void Machine::exec(std::uint32_t tid) {
  // The thread may be erased while it runs (it finished and its fork collected it), so
  // look it up again before every instruction.
  while (true) {
    auto it = st_.threads.find(tid);
    if (it == st_.threads.end() || it->second.status != ThreadStatus::Runnable) return;
    if (st_.status != InstanceStatus::Running) return;
    touched_.threads.insert(tid);
    exec_instruction(it->second);
  }
}

void Machine::exec_instruction(Thread& t) {
  const Instruction& i = ins(t);
  switch (i.op) {
    case Op::SQL: case Op::HTTP: case Op::HTTP_MULTIPART: case Op::SLEEP:
    case Op::WAIT_SCHEDULE: case Op::WAIT_SIGNAL: case Op::BREAK:
      exec_leaf(t, i);
      return;
    case Op::ENTER:
      node_action(Action::Kind::NodeRunning, i.node, t);
      ++t.pc;
      return;
    case Op::LEAVE:
      complete(t, i.node, t.acc);
      ++t.pc;
      return;
    case Op::JUMP_IF_FALSE: t.pc = is_truthy(t.acc) ? t.pc + 1 : i.a; return;
    case Op::JUMP_IF_NO_ROWS: exec_if_rows(t, i); return;
    case Op::JUMP: t.pc = i.a; return;
    case Op::FORK_JOIN: case Op::FORK_RACE: exec_fork(t, i); return;
    case Op::RETURN: finish_thread(t, Outcome::Success, t.acc); return;
    case Op::LOOP_ENTER: case Op::LOOP_SAVE_BODY: case Op::LOOP_TEST: case Op::LOOP_NEXT:
    case Op::LOOP_EXIT:
      exec_loop(t, i);
      return;
    case Op::TRY_ENTER:
      node_action(Action::Kind::NodeRunning, i.node, t);
      t.catches.push_back(i.node);
      t.catch_undo_depth.push_back(static_cast<std::uint32_t>(t.undos.size()));
      ++t.pc;
      return;
    case Op::TRY_LEAVE:
      t.catches.pop_back();
      t.catch_undo_depth.pop_back();
      t.pc = i.a;
      return;
    case Op::UNDO_PUSH:
      complete(t, i.node, t.acc);
      // An undo action's own with_undo steps are not undone again.
      if (!t.compensating) t.undos.push_back(UndoEntry{st_.next_undo_seq++, i.node, t.acc, t.results});
      t.pc = i.a;
      return;
    case Op::UNDO_DONE:
      next_undo(t);
      return;
    case Op::TIMEOUT_ENTER: enter_timeout(t, i); return;
    case Op::TIMEOUT_LEAVE: leave_timeout(t, i); return;
  }
}

// The TIMEOUT's step starts (again, after a retry wait: the attempt count moves into the
// frame, so the steps inside start their own counts afresh) under a durable timer.
void Machine::enter_timeout(Thread& t, const Instruction& i) {
  TimeoutFrame f;
  f.node = i.node;
  f.attempts = t.failed_attempts;
  f.in_undo = t.compensating;
  if (t.failed_attempts == 0) {
    node_action(Action::Kind::NodeRunning, i.node, t);
  } else {
    node_action(Action::Kind::NodeRunning, i.node, t, {},
                "{\"attempt\":" + std::to_string(t.failed_attempts + 1) +
                    ",\"previous_error\":" + t.last_error + "}");
  }
  reset_attempts(t);
  f.task = arm(t, TaskKind::TimeoutTimer, i.node, {}, deadline_after_ms(now_, info(i.node).timeout_ms));
  t.timeouts.push_back(f);
  ++t.pc;
}

// The step finished in time.
void Machine::leave_timeout(Thread& t, const Instruction& i) {
  std::string detail;
  if (!t.timeouts.empty() && t.timeouts.back().node == i.node) {
    if (t.timeouts.back().attempts > 0)
      detail = "{\"attempts\":" + std::to_string(t.timeouts.back().attempts + 1) + "}";
    pop_timeout(t);
  }
  complete(t, i.node, t.acc, std::move(detail));
  ++t.pc;
}

// Drops the innermost timeout frame and its timer (a fired one is already gone).
void Machine::pop_timeout(Thread& t) {
  auto timer = st_.tasks.find(t.timeouts.back().task);
  if (timer != st_.tasks.end()) {
    cancel_task(timer->second);
    st_.tasks.erase(timer);
  }
  t.timeouts.pop_back();
}

std::string Machine::timeout_message(std::uint32_t node) const {
  return "df.timeout of " + compiler::format_duration_ms(info(node).timeout_ms) +
         " ran out: the step was cancelled";
}

void Machine::timeout_fired(Thread& t, std::uint64_t task_id) {
  for (std::size_t k = 0; k < t.timeouts.size(); ++k) {
    if (t.timeouts[k].task != task_id) continue;
    // Undo actions of an earlier failure are running: they finish first (expire_deferred).
    if (t.compensating && !t.timeouts[k].in_undo) {
      t.timeouts[k].expired = true;
      return;
    }
    return expire_timeout(t, k);
  }
}

// The TIMEOUT of frame `k` ran out before its step finished: what the step still runs is
// cancelled exactly as a RACE loser is (its branch threads by cancel_thread, this thread's
// own task or wait with cancel_task: a running statement is interrupted and rolled back,
// timers and signal waits dropped), the frames the step pushed are unwound with its nodes
// stamped failed, and the TIMEOUT fails with 57014 - retried under a policy, like a step.
void Machine::expire_timeout(Thread& t, std::size_t k) {
  const std::uint32_t node = t.timeouts[k].node;
  const std::uint32_t attempt = t.timeouts[k].attempts + 1;
  const std::string message = timeout_message(node);
  for (std::uint32_t c : t.children) cancel_thread(c, false, message);
  t.children.clear();
  std::set<std::uint64_t> outer;  // the timers of the TIMEOUTs around this one go on
  for (std::size_t j = 0; j < k; ++j) outer.insert(t.timeouts[j].task);
  for (auto it = st_.tasks.begin(); it != st_.tasks.end();) {
    if (it->second.thread == t.id && !outer.count(it->first)) {
      cancel_task(it->second);
      it = st_.tasks.erase(it);
    } else {
      ++it;
    }
  }
  for (std::uint32_t a = ins(t).node; a != node && a != kNoNode; a = info(a).parent) {
    node_action(Action::Kind::NodeFailed, a, t, message);
    if (info(a).type == NodeType::Loop && !t.loops.empty() && t.loops.back().node == a) {
      if (t.loops.back().owns_scope) t.scope.pop_back();
      t.loops.pop_back();
    }
    if (info(a).type == NodeType::Catch && !t.catches.empty() && t.catches.back() == a) {
      t.catches.pop_back();
      t.catch_undo_depth.pop_back();
    }
  }
  t.timeouts.resize(k);
  reset_attempts(t);
  t.status = ThreadStatus::WaitTask;
  t.wait_task = 0;
  t.pc = info(node).enter_pc;
  Failure f = decode_failure("{\"message\":" + json_string(message) + ",\"sqlstate\":\"57014\"}");
  const RetryPolicy& policy = policy_for(node);
  const std::string record = record_with_attempt(f, attempt);
  if (attempt >= policy.max_attempts || !may_succeed_later(f, false, cfg_.non_retryable_sqlstates)) {
    // Not resumable: the cancelled part of the step is gone (as with a decided RACE).
    return fail_from(t, node, message, "{\"attempts\":" + std::to_string(attempt) + ",\"error\":" + record + "}",
                     error_value(node, message, &f, attempt), false);
  }
  t.failed_attempts = attempt;
  t.last_error = record;
  const std::int64_t delay = backoff_delay_ms(policy, attempt);
  const std::int64_t due = delay > std::numeric_limits<std::int64_t>::max() - now_ ? now_ : now_ + delay;
  Action a;
  a.kind = Action::Kind::NodeRetrying;
  a.node = node;
  a.text = message;
  a.scope = render_scope(t.scope);
  a.deadline_ms = due;
  a.detail = "{\"waiting\":\"retry\",\"attempt\":" + std::to_string(attempt) + ",\"max_attempts\":" +
             std::to_string(policy.max_attempts) + ",\"error\":" + record + "}";
  out_.push_back(std::move(a));
  issue(t, TaskKind::RetryTimer, node, {}, due);
}

// A handler inside a TIMEOUT's step took a failure whose undo actions ran while that
// TIMEOUT's timer fired: the TIMEOUT (the outermost such) expires now.
void Machine::expire_deferred(Thread& t) {
  if (t.compensating) return;
  for (std::size_t k = 0; k < t.timeouts.size(); ++k)
    if (t.timeouts[k].expired) return expire_timeout(t, k);
}

void Machine::exec_leaf(Thread& t, const Instruction& i) {
  const NodeInfo& n = info(i.node);
  if (t.failed_attempts == 0) {
    node_action(Action::Kind::NodeRunning, i.node, t);
  } else {  // the next attempt after a retry wait: its number, of how many, and why
    const bool http = i.op == Op::HTTP || i.op == Op::HTTP_MULTIPART;
    const RetryPolicy policy = effective_policy(i.node, decode_failure(t.last_error), http);
    node_action(Action::Kind::NodeRunning, i.node, t, {},
                "{\"attempt\":" + std::to_string(t.failed_attempts + 1) + ",\"max_attempts\":" +
                    std::to_string(policy.max_attempts) + ",\"previous_error\":" + t.last_error + "}");
  }
  try {
    switch (i.op) {
      case Op::SQL:
        issue(t, TaskKind::Sql, i.node, substitute(n.text, subst_context(t), SubstMode::Sql), 0);
        return;
      case Op::HTTP:
        issue(t, TaskKind::Http, i.node, substitute_http_config(n.text, subst_context(t)), 0);
        return;
      case Op::HTTP_MULTIPART:
        issue(t, TaskKind::Http, i.node, substitute_multipart_config(n.text, subst_context(t)), 0);
        return;
      default: break;
    }
  } catch (const SubstError& e) {
    fail_from(t, i.node, e.what());
    return;
  } catch (const compiler::CompileError& e) {  // config JSON nested too deeply to re-emit
    fail_from(t, i.node, e.what());
    return;
  }
  if (i.op == Op::SLEEP) {
    issue(t, TaskKind::SleepTimer, i.node, {}, deadline_after(now_, n.seconds));
  } else if (i.op == Op::WAIT_SCHEDULE) {
    auto tick = compiler::next_tick(*n.cron, now_);
    if (!tick) return fail_from(t, i.node, "Cron expression '" + n.text + "' has no upcoming tick");
    issue(t, TaskKind::ScheduleTimer, i.node, {}, *tick);
  } else if (i.op == Op::WAIT_SIGNAL) {
    exec_signal_wait(t, i.node);
  } else if (!n.inside_loop) {  // BREAK
    fail_from(t, i.node, kBreakOutsideLoopMessage);
  } else {
    complete(t, i.node, n.text);
    break_from(t, i.node, n.text);
  }
}

void Machine::exec_signal_wait(Thread& t, std::uint32_t node) {
  const NodeInfo& n = info(node);
  for (auto it = st_.signals.begin(); it != st_.signals.end(); ++it) {
    if (it->name != n.text) continue;
    const std::string result = signal_result(it->name, it->payload);
    st_.signals.erase(it);
    complete_leaf(t, node, result);
    return;
  }
  t.status = ThreadStatus::WaitSignal;
  t.wait_task = 0;
  if (n.timeout) issue(t, TaskKind::SignalTimeout, node, {}, deadline_after(now_, *n.timeout));
}

void Machine::exec_if_rows(Thread& t, const Instruction& i) {
  const std::string& name = info(i.node).text;
  auto it = t.results.find(name);
  if (it == t.results.end())
    return fail_from(t, i.node, "df.if_rows: result '" + name + "' not found");
  rapidjson::Document doc;
  const rapidjson::Value* count = nullptr;
  if (compiler::parse_json(it->second, doc, nullptr) && doc.IsObject()) {
    auto m = doc.FindMember("row_count");
    if (m != doc.MemberEnd() && m->value.IsNumber()) count = &m->value;
  }
  if (!count)
    return fail_from(t, i.node,
                     "df.if_rows: result '" + name + "' is not a SQL result (missing row_count)");
  t.pc = count->GetDouble() > 0 ? t.pc + 1 : i.a;
}

void Machine::exec_fork(Thread& t, const Instruction& i) {
  node_action(Action::Kind::NodeRunning, i.node, t);
  t.children.clear();
  t.done_prefix = 0;
  for (std::uint32_t entry : i.targets) {
    Thread child;
    child.id = st_.next_thread_id++;
    child.parent = t.id;
    child.pc = entry;
    child.root_node = prog_.code[entry].node;
    child.results = t.results;  // branches get copies of the named results
    child.scope = t.scope;
    child.scope.push_back(ScopeEntry{child.root_node, 1});
    t.children.push_back(child.id);
    const std::uint32_t id = child.id;
    touched_.threads.insert(id);
    st_.threads.emplace(id, std::move(child));
    queue_.push_back(id);
  }
  t.status = ThreadStatus::WaitChildren;
}

void Machine::exec_loop(Thread& t, const Instruction& i) {
  switch (i.op) {
    case Op::LOOP_ENTER: {
      LoopFrame f;
      f.node = i.node;
      f.start_ms = now_;
      f.owns_scope = static_cast<LoopMode>(i.a) == LoopMode::Nested;
      if (f.owns_scope) t.scope.push_back(ScopeEntry{i.node, 1});
      t.loops.push_back(std::move(f));
      node_action(Action::Kind::NodeRunning, i.node, t);
      ++t.pc;
      return;
    }
    case Op::LOOP_SAVE_BODY:
      t.loops.back().body_result = t.acc;
      ++t.pc;
      return;
    case Op::LOOP_TEST:
      if (is_truthy(t.acc)) {
        ++t.pc;
      } else {
        t.acc = t.loops.back().body_result;  // a do-while loop yields its last body result
        t.pc = i.a;
      }
      return;
    case Op::LOOP_NEXT: loop_next(t, i); return;
    default: {  // LOOP_EXIT
      complete(t, i.node, t.acc);
      if (t.loops.back().owns_scope) t.scope.pop_back();
      t.loops.pop_back();
      ++t.pc;
      return;
    }
  }
}

void Machine::loop_next(Thread& t, const Instruction& i) {
  LoopFrame& f = t.loops.back();
  if (f.iteration + 1 >= cfg_.max_loop_iterations)
    return fail_from(t, i.node, loop_cap_message(cfg_.max_loop_iterations));
  if (now_ - f.start_ms < cfg_.loop_min_interval_ms) {
    // A short iteration waits out the minimum iteration time (a durable timer).
    issue(t, TaskKind::PacingTimer, i.node, {}, f.start_ms + cfg_.loop_min_interval_ms);
    return;
  }
  advance_loop(t);
}

// Next iteration: a new generation of the loop's scope pair; root loops reset results.
void Machine::advance_loop(Thread& t) {
  LoopFrame& f = t.loops.back();
  ++f.iteration;
  f.start_ms = now_;
  t.scope.back().generation = f.iteration + 1;
  if (info(f.node).parent == kNoNode) {  // a root loop's iteration starts afresh
    t.results.clear();
    t.undos.clear();
  }
  node_action(Action::Kind::NodeRunning, f.node, t);
  t.pc = prog_.code[t.pc].a;
  wake(t);
}

// Fails `node` and every enclosing node of this thread (popping their loop frames), then
// ends the thread with the error.
// The value a CATCH handler sees as $<error_name>.
std::string Machine::error_value(std::uint32_t node, const std::string& message, const Failure* f,
                                 std::uint32_t attempts) const {
  std::string out = "{\"message\":" + json_string(message) + ",\"sqlstate\":";
  out += f && f->sqlstate ? json_string(*f->sqlstate) : "null";
  if (f && f->http_status) out += ",\"http_status\":" + std::to_string(*f->http_status);
  return out + ",\"node\":" + std::to_string(node) + ",\"node_type\":" +
         json_string(ir::node_type_name(info(node).type)) + ",\"attempts\":" + std::to_string(attempts) + "}";
}

void Machine::fail_from(Thread& t, std::uint32_t node, const std::string& error,
                        const std::string& detail, const std::string& error_value_json, bool resumable) {
  reset_attempts(t);
  // A failed fork's branches are gone (collect_join lists them only for the resume point).
  std::vector<std::uint32_t> forked = std::move(t.children);
  t.children.clear();
  // An undo action failed (no CATCH inside the undo action took it).
  if (t.compensating && t.catches.size() <= t.compensation.catches) return undo_failed(t, node, error, detail);
  // Compensation: the failing scope (the innermost CATCH's step, else the whole thread)
  // holds completed forward steps; their undo actions run first, newest first. Under
  // on_failure 'pause' a failure no CATCH takes undoes nothing: the instance waits for
  // df.resume with its completed steps in place.
  const std::size_t depth = t.catches.empty() ? 0 : t.catch_undo_depth.back();
  const bool pausing = cfg_.pause_on_failure && resumable && !caught_anywhere(t);
  if (!pausing && !t.compensating && t.undos.size() > depth) {
    t.compensating = true;
    Compensation& c = t.compensation;
    c = Compensation{};
    c.node = node;
    c.error = error;
    c.detail = detail;
    c.error_value = error_value_json.empty() ? error_value(node, error, nullptr, 1) : error_value_json;
    c.acc = t.acc;
    c.results = t.results;
    c.loops = static_cast<std::uint32_t>(t.loops.size());
    c.scopes = static_cast<std::uint32_t>(t.scope.size());
    c.catches = static_cast<std::uint32_t>(t.catches.size());
    c.target_depth = static_cast<std::uint32_t>(depth);
    return next_undo(t);
  }
  // No CATCH of this thread takes the failure: remember the thread as it is, the point a
  // df.resume runs on from. A failure that ran undo actions is not resumable.
  if (t.catches.empty() && resumable) {
    Thread& parked = st_.parked[t.id] = t;
    parked.children = std::move(forked);
  }
  std::uint32_t a = node;
  while (true) {
    // The innermost CATCH whose step failed: its handler runs with the error, the
    // workflow goes on after it (a failure in the handler passes this CATCH by).
    if (info(a).type == NodeType::Catch && !t.catches.empty() && t.catches.back() == a) {
      t.catches.pop_back();
      t.catch_undo_depth.pop_back();
      t.results[info(a).text] =
          error_value_json.empty() ? error_value(node, error, nullptr, 1) : error_value_json;
      t.pc = info(a).handler_pc;
      wake(t);
      expire_deferred(t);
      return;
    }
    node_action(Action::Kind::NodeFailed, a, t, error, a == node ? detail : std::string());
    if (info(a).type == NodeType::Loop && !t.loops.empty() && t.loops.back().node == a) {
      if (t.loops.back().owns_scope) t.scope.pop_back();
      t.loops.pop_back();
    }
    if (info(a).type == NodeType::Timeout && !t.timeouts.empty() && t.timeouts.back().node == a) pop_timeout(t);
    if (a == t.root_node) break;
    a = info(a).parent;
  }
  finish_thread(t, Outcome::Failure, error);
}

// Runs the next undo action of the compensating failure (newest completed forward step
// first, with the results as that step left them); after the last one the failure goes
// on from the node that failed.
void Machine::next_undo(Thread& t) {
  Compensation& c = t.compensation;
  if (!t.compensating) {  // not reachable: the undo code runs only while compensating
    ++t.pc;
    return;
  }
  if (t.undos.size() <= c.target_depth) {
    Compensation done = std::move(c);
    t.compensating = false;
    t.compensation = Compensation{};
    t.results = std::move(done.results);
    t.acc = std::move(done.acc);
    return fail_from(t, done.node, done.error, done.detail, done.error_value, false);
  }
  UndoEntry e = std::move(t.undos.back());
  t.undos.pop_back();
  c.current = e.node;
  t.results = std::move(e.results);
  t.acc = std::move(e.acc);
  t.pc = info(e.node).handler_pc;
  wake(t);
}

// An undo action failed for good: the rest of the scope's undo actions are skipped (they
// might depend on it) and the original failure goes on, naming both errors; the handler's
// $error gains "undo_error".
void Machine::undo_failed(Thread& t, std::uint32_t node, const std::string& error, const std::string& detail) {
  for (std::uint32_t a = node; a != t.compensation.current && a != kNoNode; a = info(a).parent) {
    node_action(Action::Kind::NodeFailed, a, t, error, a == node ? detail : std::string());
    if (info(a).type == NodeType::Timeout && !t.timeouts.empty() && t.timeouts.back().node == a) pop_timeout(t);
  }
  Compensation c = std::move(t.compensation);
  t.compensating = false;
  t.compensation = Compensation{};
  t.loops.resize(c.loops);
  t.scope.resize(c.scopes);
  t.catches.resize(c.catches);
  t.catch_undo_depth.resize(c.catches);
  t.undos.resize(c.target_depth);
  t.results = std::move(c.results);
  t.acc = std::move(c.acc);
  std::string value = c.error_value;
  if (!value.empty() && value.back() == '}') value.insert(value.size() - 1, ",\"undo_error\":" + json_string(error));
  fail_from(t, c.node, c.error + " (undo failed: " + error + ")", c.detail, value, false);
}

// A branch's completed forward steps become the parent's, in completion order.
void Machine::absorb_undos(Thread& into, Thread& from) {
  if (from.undos.empty()) return;
  for (auto& e : from.undos) into.undos.push_back(std::move(e));
  from.undos.clear();
  std::stable_sort(into.undos.begin(), into.undos.end(),
                   [](const UndoEntry& x, const UndoEntry& y) { return x.seq < y.seq; });
}

// `node` has completed by a break: complete the enclosing nodes with the break value up
// to the nearest loop, which then exits with that value; past the thread's root, the
// break travels on to the parent's fork.
void Machine::break_from(Thread& t, std::uint32_t node, const std::string& value) {
  std::uint32_t a = node;
  while (a != t.root_node) {
    a = info(a).parent;
    if (t.compensating && a == t.compensation.current)  // it would leave the undo action
      return fail_from(t, node, "df.break() in an undo action must be inside a loop of that undo action");
    if (info(a).type == NodeType::Catch && !t.catches.empty() && t.catches.back() == a) {
      t.catches.pop_back();  // a break leaves the CATCH's step
      t.catch_undo_depth.pop_back();
    }
    if (info(a).type == NodeType::Loop) {
      t.acc = value;
      t.pc = info(a).exit_pc;
      wake(t);
      return;
    }
    if (info(a).type == NodeType::Timeout && !t.timeouts.empty() && t.timeouts.back().node == a) pop_timeout(t);
    node_action(Action::Kind::NodeCompleted, a, t, value);
  }
  finish_thread(t, Outcome::Break, value);
}

// Careful: `t` may be erased by the time this returns.
void Machine::finish_thread(Thread& t, Outcome outcome, const std::string& text) {
  t.status = ThreadStatus::Done;
  t.wait_task = 0;
  t.outcome = outcome;
  t.outcome_text = text;
  if (t.parent == 0) return finish_instance(outcome, text);
  on_child_done(t.parent, t.id);
}

void Machine::finish_instance(Outcome outcome, const std::string& text) {
  Action a;
  if (outcome == Outcome::Success) {
    st_.parked.clear();
    st_.status = InstanceStatus::Completed;
    a.kind = Action::Kind::InstanceCompleted;
    st_.result = text;
  } else {
    st_.status = InstanceStatus::Failed;
    a.kind = Action::Kind::InstanceFailed;
    st_.result = outcome == Outcome::Break ? kBreakOutsideLoopMessage : text;
  }
  if (a.kind == Action::Kind::InstanceFailed && cfg_.pause_on_failure && resume_problem(st_).empty())
    a.kind = Action::Kind::InstancePaused;
  a.text = st_.result;
  for (const auto& entry : st_.tasks) cancel_task(entry.second);  // none expected
  st_.tasks.clear();
  keep_only_main_thread();
  st_.signals.clear();
  out_.push_back(std::move(a));
}

// A finished instance keeps its main thread (Done) so that its scope still tells the
// root generation; everything else is dropped.
void Machine::keep_only_main_thread() {
  touch_all();
  for (auto it = st_.threads.begin(); it != st_.threads.end();)
    it = it->second.parent == 0 ? std::next(it) : st_.threads.erase(it);
  for (auto& entry : st_.threads) {
    entry.second.status = ThreadStatus::Done;
    entry.second.wait_task = 0;
    entry.second.children.clear();
    entry.second.timeouts.clear();
  }
}

// A JOIN's branches are checked from the first one not yet seen Done (done_prefix), so
// each answer costs O(1) amortized; once all look done, all are checked once more (the hint
// is not stored: after a restart or df.resume it starts again from the front).
// The JOIN's thread is touched only when it collects: until then an answer changes
// nothing of it that is stored (done_prefix is not), so a delta does not carry its list
// of children (O(branches) bytes) per answer.
void Machine::on_child_done(std::uint32_t parent_id, std::uint32_t child_id) {
  Thread& p = st_.threads.at(parent_id);
  if (ins(p).op == Op::FORK_RACE) {
    touched_.threads.insert(parent_id);
    return decide_race(p, child_id);
  }
  auto done = [&](std::uint32_t c) { return st_.threads.at(c).status == ThreadStatus::Done; };
  if (p.done_prefix > p.children.size()) p.done_prefix = 0;
  while (p.done_prefix < p.children.size() && done(p.children[p.done_prefix])) ++p.done_prefix;
  if (p.done_prefix < p.children.size()) return;
  for (std::uint32_t c : p.children)
    if (!done(c)) {
      p.done_prefix = 0;
      return;
    }
  touched_.threads.insert(parent_id);
  collect_join(p);
}

// Named results created or changed in a branch overwrite the parent's.
void Machine::merge_results(Thread& into, const Thread& from) {
  for (const auto& [name, value] : from.results) {
    auto it = into.results.find(name);
    if (it == into.results.end() || it->second != value) into.results[name] = value;
  }
}

// All branches are done: the first failure or break in branch order decides, otherwise
// the JOIN yields the array of branch results and merges their named results in order.
void Machine::collect_join(Thread& p) {
  const std::uint32_t node = ins(p).node;
  std::vector<Thread> kids;
  for (std::uint32_t c : p.children) {
    kids.push_back(std::move(thread(c)));
    st_.threads.erase(c);
  }
  const std::vector<std::uint32_t> kid_ids = std::move(p.children);
  p.children.clear();
  p.done_prefix = 0;
  for (Thread& k : kids) absorb_undos(p, k);
  std::string array = "[";
  for (std::size_t i = 0; i < kids.size(); ++i) {
    const Thread& k = kids[i];
    const std::string branch = "JOIN branch " + std::to_string(i + 1);
    if (k.outcome == Outcome::Failure) {
      // Resume point: the fork waits for its branches again; the finished ones keep their
      // outcome, the failed ones parked themselves. Caught here: none of it is needed.
      if (p.catches.empty()) {
        for (const Thread& done : kids)
          if (done.outcome != Outcome::Failure) st_.parked[done.id] = done;
        p.children = kid_ids;  // for fail_from's resume point only
      } else {
        for (std::uint32_t id : kid_ids) discard_parked(id);
      }
      return fail_from(p, node, branch + " failed: " + k.outcome_text);
    }
    if (k.outcome == Outcome::Break) {
      node_action(Action::Kind::NodeCompleted, node, p, k.outcome_text);
      return break_from(p, node, k.outcome_text);
    }
    rapidjson::Document doc;
    std::string element;
    try {
      if (compiler::parse_json(k.outcome_text, doc, nullptr)) element = compiler::json_value_text(doc);
    } catch (const compiler::CompileError& e) {
      return fail_from(p, node, branch + " failed: " + e.what());
    }
    if (element.empty())
      return fail_from(p, node, branch + " failed: result is not JSON: " + k.outcome_text);
    array += (i ? "," : "") + element;
  }
  for (const Thread& k : kids) merge_results(p, k);
  p.acc = array + "]";
  p.pc = ins(p).a;
  wake(p);
}

// The first branch to finish decides the RACE; the other one is cancelled.
void Machine::decide_race(Thread& p, std::uint32_t winner_id) {
  const std::uint32_t node = ins(p).node;
  const char* side = p.children.front() == winner_id ? "left" : "right";
  Thread winner = std::move(thread(winner_id));
  st_.threads.erase(winner_id);
  absorb_undos(p, winner);
  for (std::uint32_t c : p.children)
    if (c != winner_id) cancel_thread(c, true);
  p.children.clear();
  if (winner.outcome == Outcome::Failure) {  // the other branch is cancelled: not resumable
    discard_parked(winner_id);
    return fail_from(p, node, std::string("RACE ") + side + " branch failed: " + winner.outcome_text, {}, {}, false);
  }
  if (winner.outcome == Outcome::Break) {
    node_action(Action::Kind::NodeCompleted, node, p, winner.outcome_text);
    return break_from(p, node, winner.outcome_text);
  }
  merge_results(p, winner);
  p.acc = winner.outcome_text;
  p.pc = ins(p).a;
  wake(p);
}

// Every task removed from the state is cancelled here first (or answered: step()).
void Machine::cancel_task(const PendingTask& task) {
  touch_task(task.id);
  Action a;
  a.kind = Action::Kind::CancelTask;
  a.task_id = task.id;
  a.node = task.node;
  a.scope = task.scope;
  out_.push_back(std::move(a));
}

// Cancels a thread and its descendants: their tasks are cancelled, their unstarted
// nodes never run. A losing branch that is a running LOOP is stamped failed (§7). With
// `failed_with` (a TIMEOUT ran out) the nodes each unfinished thread was in are stamped
// failed with that error.
void Machine::cancel_thread(std::uint32_t tid, bool lost_race, const std::string& failed_with) {
  Thread& t = thread(tid);
  for (std::uint32_t c : t.children) cancel_thread(c, false, failed_with);
  if (!failed_with.empty() && t.status != ThreadStatus::Done)
    for (std::uint32_t a = ins(t).node; a != kNoNode; a = info(a).parent) {
      node_action(Action::Kind::NodeFailed, a, t, failed_with);
      if (a == t.root_node) break;
    }
  // A RACE loser's completed forward steps happened: a later failure undoes them too.
  if (t.parent != 0 && st_.threads.count(t.parent) && st_.status == InstanceStatus::Running)
    absorb_undos(thread(t.parent), t);
  for (auto it = st_.tasks.begin(); it != st_.tasks.end();) {
    if (it->second.thread == tid) {
      cancel_task(it->second);
      it = st_.tasks.erase(it);
    } else {
      ++it;
    }
  }
  discard_parked(tid);
  if (lost_race && info(t.root_node).type == NodeType::Loop && !t.loops.empty() &&
      t.loops.front().node == t.root_node)
    node_action(Action::Kind::NodeFailed, t.root_node, t, kLoopLostRaceMessage);
  st_.threads.erase(tid);
}

// One attempt of a SQL/HTTP leaf failed: wait (a durable RetryTimer) and try again while
// the policy allows and the failure may pass by itself; otherwise the node fails.
void Machine::attempt_failed(Thread& t, const PendingTask& task, const Failure& f) {
  const bool http = task.kind == TaskKind::Http;
  const std::uint32_t attempt = t.failed_attempts + 1;
  const RetryPolicy policy = effective_policy(task.node, f, http);
  const std::string record = record_with_attempt(f, attempt);
  if (attempt >= policy.max_attempts || !may_succeed_later(f, http, cfg_.non_retryable_sqlstates)) {
    return fail_from(t, task.node, f.message,
                     "{\"attempts\":" + std::to_string(attempt) + ",\"error\":" + record + "}",
                     error_value(task.node, f.message, &f, attempt));
  }
  t.failed_attempts = attempt;
  t.last_error = record;
  const std::int64_t delay = backoff_delay_ms(policy, attempt);
  const std::int64_t due = delay > std::numeric_limits<std::int64_t>::max() - now_ ? now_ : now_ + delay;
  Action a;
  a.kind = Action::Kind::NodeRetrying;
  a.node = task.node;
  a.text = f.message;
  a.scope = render_scope(t.scope);
  a.deadline_ms = due;
  a.detail = "{\"waiting\":\"retry\",\"attempt\":" + std::to_string(attempt) + ",\"max_attempts\":" +
             std::to_string(policy.max_attempts) + ",\"error\":" + record + "}";
  out_.push_back(std::move(a));
  issue(t, TaskKind::RetryTimer, task.node, {}, due);
}

void Machine::task_done(const PendingTask& task, bool ok, const std::string& payload) {
  Thread& t = thread(task.thread);
  const NodeInfo& n = info(task.node);
  switch (task.kind) {
    case TaskKind::Sql:
    case TaskKind::Http:
      if (ok) {
        // Under a policy a 408/429 response is a failed attempt (5xx arrive as failures).
        if (task.kind == TaskKind::Http && policy_for(task.node).max_attempts > 1)
          if (auto f = retryable_response(payload)) return attempt_failed(t, task, *f);
        return complete_leaf(t, task.node, payload);
      }
      return attempt_failed(t, task, decode_failure(payload));
    case TaskKind::RetryTimer:
      return wake(t);  // the thread is still at the leaf: exec_leaf runs the next attempt
    case TaskKind::SleepTimer:
      return complete_leaf(t, task.node, "{\"slept\": true, \"seconds\": " +
                                             std::to_string(n.seconds) + "}");
    case TaskKind::ScheduleTimer:
      return complete_leaf(t, task.node, "{\"scheduled\": true}");
    case TaskKind::SignalTimeout:
      return complete_leaf(t, task.node, "{\"signal_name\":" + json_string(n.text) +
                                             ",\"timed_out\":true,\"data\":null}");
    case TaskKind::PacingTimer:
      return advance_loop(t);
    case TaskKind::TimeoutTimer:
      return timeout_fired(t, task.id);
  }
}

// A signal goes to every wait for that name (as the original raises it on every running
// sub-orchestration); with no such wait it is buffered.
void Machine::deliver_signal(const std::string& name, const std::string& payload) {
  bool delivered = false;
  for (auto& entry : st_.threads) {
    Thread& t = entry.second;
    if (t.status != ThreadStatus::WaitSignal || info(ins(t).node).text != name) continue;
    touched_.threads.insert(t.id);
    if (t.wait_task) {
      auto timer = st_.tasks.find(t.wait_task);
      if (timer != st_.tasks.end()) {
        cancel_task(timer->second);
        st_.tasks.erase(timer);
      }
    }
    complete_leaf(t, ins(t).node, signal_result(name, payload));
    delivered = true;
  }
  if (!delivered) st_.signals.push_back(BufferedSignal{name, payload});
}

// Drops the resume point of a thread and of the branches it waited for.
// Whether a CATCH of this thread or of a thread it branched from takes a failure here.
bool Machine::caught_anywhere(const Thread& t) const {
  for (const Thread* cur = &t; cur;) {
    if (!cur->catches.empty()) return true;
    auto it = st_.threads.find(cur->parent);
    cur = it == st_.threads.end() ? nullptr : &it->second;
  }
  return false;
}

void Machine::discard_parked(std::uint32_t tid) {
  auto it = st_.parked.find(tid);
  if (it == st_.parked.end()) return;
  const std::vector<std::uint32_t> kids = it->second.children;
  st_.parked.erase(it);
  for (std::uint32_t k : kids) discard_parked(k);
}

// The parked threads become the threads again: finished branches wait for their fork,
// forks for their branches, and every thread that failed runs its failed instruction
// again with a fresh retry budget. Nodes on the way back up are stamped running.
void Machine::resume() {
  touch_all();
  st_.status = InstanceStatus::Running;
  st_.result.clear();
  st_.threads = std::move(st_.parked);
  st_.parked.clear();
  for (auto& [id, t] : st_.threads) {
    if (t.status == ThreadStatus::Done) continue;
    const std::uint32_t here = ins(t).node;
    std::vector<std::uint32_t> chain;
    for (std::uint32_t a = here;; a = info(a).parent) {
      chain.push_back(a);
      if (a == t.root_node || info(a).parent == kNoNode) break;
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it)
      if (*it != here || t.status == ThreadStatus::WaitChildren) node_action(Action::Kind::NodeRunning, *it, t);
    // The TIMEOUTs around the failed step start their time again (their timers ended
    // with the failed instance).
    for (TimeoutFrame& f : t.timeouts) {
      f.expired = false;
      f.task = arm(t, TaskKind::TimeoutTimer, f.node, {}, deadline_after_ms(now_, info(f.node).timeout_ms));
    }
    if (t.status == ThreadStatus::WaitChildren) continue;
    reset_attempts(t);
    wake(t);
  }
}

void Machine::cancel_instance() {
  touch_all();
  st_.parked.clear();
  for (const auto& entry : st_.tasks) cancel_task(entry.second);
  st_.tasks.clear();
  keep_only_main_thread();
  st_.signals.clear();
  st_.status = InstanceStatus::Cancelled;
}

void Machine::start(const Event& ev) {
  touch_all();
  st_.status = InstanceStatus::Running;
  st_.instance_id = ev.instance_id;
  st_.label = ev.label;
  st_.variables = ev.variables;
  st_.retry = ev.retry;
  Thread main;
  main.id = st_.next_thread_id++;
  main.root_node = 0;
  main.scope.push_back(ScopeEntry{0, 1});
  const std::uint32_t id = main.id;
  Thread& t = st_.threads.emplace(id, std::move(main)).first->second;
  if (ev.fork) {  // df.fork: on from the fork's node with what the original had there
    const ForkPoint& f = *ev.fork;
    t.pc = entry_pc(prog_, f.node);
    t.acc = f.acc;
    t.results = f.results;
    t.undos = f.undos;
    st_.next_undo_seq = f.undos.size() + 1;
    std::vector<std::uint32_t> ancestors;  // the THENs around it, whose ENTER is skipped
    for (std::uint32_t a = info(f.node).parent; a != kNoNode; a = info(a).parent) ancestors.push_back(a);
    for (auto it = ancestors.rbegin(); it != ancestors.rend(); ++it) node_action(Action::Kind::NodeRunning, *it, t);
  }
  wake(t);
}

}  // namespace

std::vector<std::string> awaited_signal_names(const Program& program, const State& state, const Touched* only) {
  std::vector<std::string> names;
  if (state.status != InstanceStatus::Running) return names;
  std::vector<const Thread*> threads;
  if (only && !only->all) {
    for (std::uint32_t id : only->threads) {
      auto it = state.threads.find(id);
      if (it != state.threads.end()) threads.push_back(&it->second);
    }
  } else {
    for (const auto& entry : state.threads) threads.push_back(&entry.second);
  }
  for (const Thread* tp : threads) {
    const Thread& t = *tp;
    if (t.status != ThreadStatus::WaitSignal || t.pc >= program.code.size()) continue;
    const std::string& name = program.nodes[program.code[t.pc].node].text;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

void check_state(const Program& program, const State& state) {
  for (const auto& entry : state.threads)
    if (entry.second.pc >= program.code.size())
      throw StateError("VM state does not match the program (pc out of range)");
  for (const auto& entry : state.tasks)
    if (entry.second.node >= program.nodes.size() || !state.threads.count(entry.second.thread))
      throw StateError("VM state does not match the program (bad task)");
}


StepResult step(const Program& program, const State& state, const Event& event,
                const StepConfig& config) {
  check_state(program, state);
  StepResult r;
  r.state = state;
  Touched touched;
  r.accepted = step_in_place(program, r.state, event, config, r.actions, touched);
  if (!r.accepted) r.state = state;  // refused: step_in_place changed nothing; keep it exact
  return r;
}

// Every refusal is decided before the Machine changes anything.
bool step_in_place(const Program& program, State& st, const Event& event, const StepConfig& config,
                   std::vector<Action>& actions, Touched& touched) {
  Machine m(program, st, actions, event.now_ms, config, touched);
  const bool running = st.status == InstanceStatus::Running;
  switch (event.kind) {
    case Event::Kind::Start:
      if (st.status != InstanceStatus::NotStarted) return false;
      m.start(event);
      break;
    case Event::Kind::TaskSucceeded:
    case Event::Kind::TaskFailed:
    case Event::Kind::TimerFired: {
      auto it = st.tasks.find(event.task_id);
      const bool wants_timer = event.kind == Event::Kind::TimerFired;
      if (!running || it == st.tasks.end() || is_timer(it->second.kind) != wants_timer) return false;
      const PendingTask task = it->second;
      touched.tasks.insert(task.id);
      st.tasks.erase(it);
      m.task_done(task, event.kind != Event::Kind::TaskFailed, event.payload);
      break;
    }
    case Event::Kind::Signal:
      if (!running) return false;
      m.deliver_signal(event.signal_name, event.payload);
      break;
    case Event::Kind::Cancel:
      if (!running && st.status != InstanceStatus::NotStarted) return false;
      m.cancel_instance();
      break;
    case Event::Kind::Resume:
      if (!resume_problem(st).empty()) return false;
      m.resume();
      break;
  }
  m.run();
  return true;
}

namespace {
// Every thread reachable from the parked main thread through the forks it waits at.
bool parked_tree_complete(const State& st, std::uint32_t tid, std::size_t* seen) {
  auto it = st.parked.find(tid);
  if (it == st.parked.end()) return false;
  ++*seen;
  if (it->second.status != ThreadStatus::WaitChildren) return true;
  for (std::uint32_t c : it->second.children)
    if (!parked_tree_complete(st, c, seen)) return false;
  return true;
}
}  // namespace

std::string resume_problem(const State& st) {
  if (st.status != InstanceStatus::Failed) return "only a failed instance can be resumed";
  std::uint32_t main = 0;
  for (const auto& [id, t] : st.parked)
    if (t.parent == 0) main = id;
  std::size_t seen = 0;
  if (main == 0 || !parked_tree_complete(st, main, &seen) || seen != st.parked.size())
    return "the failure left no resume point: it ran undo actions (its completed steps were undone), "
           "cancelled a RACE branch or a timed-out step, or happened under a release without df.resume";
  return "";
}

std::vector<Action> pending_actions(const State& state) {
  std::vector<Action> out;
  for (const auto& entry : state.tasks) out.push_back(task_action(entry.second));
  return out;
}

}  // namespace df::vm
