// test_simulation.cpp — deterministic simulation of the VM. Random workflows (seeded)
// run to the end through the simulated host with stale and duplicate answers injected;
// then (1) for every checkpoint boundary k the run is cut at k, the state serialized,
// everything else thrown away, the state deserialized and the run continued as a
// restarted host would (re-issuing pending tasks): same actions, same final state, same
// effects; and (2) race-free workflows give the same result and effects whatever order
// concurrently pending results arrive in. Every SQL effect is applied exactly once. With
// retries on, random subtrees get retry policies and flaky steps fail before succeeding:
// no step is attempted more often than its policy allows; some subtrees get handlers. With
// undos on, some subtrees get undo actions: none runs more often than its forward step completed.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "args.hpp"
#include "failure.hpp"
#include "sim_host.hpp"

using namespace df;
using namespace df::compiler;
using namespace df::vm;
using df::vm::test::rows1;
using df::vm::test::SimDb;
using df::vm::test::SimHost;
using df::vm::test::SimSql;
using K = df::vm::Action::Kind;

namespace {

// xorshift64*: portable, unlike the standard distributions.
struct Rng {
  std::uint64_t s;
  explicit Rng(std::uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  std::uint32_t operator()(std::uint32_t n) {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return static_cast<std::uint32_t>((s * 0x2545F4914F6CDD1Dull) >> 33) % n;
  }
};

struct Options {
  bool races = true;
  bool timeouts = true;
  bool retries = false;  // RETRY wrappers and FLAKY steps (off: the original generator)
  bool undos = false;    // UNDO wrappers (compensation), some of whose undo actions fail
  bool step_timeouts = false;  // TIMEOUT wrappers (df.timeout) around random subtrees
};

// Random workflows over every node type. Loops always count (INC then LT on their own
// counter) so they terminate; BREAK only appears inside loops.
class Generator {
 public:
  Generator(std::uint64_t seed, Options o) : rng_(seed), opt_(o) {}
  std::set<std::string> signal_names;

  ir::NodePtr node(int depth, bool in_loop) {
    if (depth == 0 || rng_(4) == 0) return named(leaf(in_loop));
    switch (rng_(opt_.races ? 5 : 4)) {
      case 0: return named(make_then(node(depth - 1, in_loop), node(depth - 1, in_loop)));
      case 1:
        return named(make_if(make_sql(rng_(2) ? "T" : "F"), node(depth - 1, in_loop),
                             node(depth - 1, in_loop)));
      case 2: {
        std::vector<ir::NodePtr> branches;
        for (std::uint32_t i = 0, n = 2 + rng_(2); i < n; ++i)
          branches.push_back(node(depth - 1, in_loop));
        return named(make_join(std::move(branches)));
      }
      case 3: {
        const std::string c = "L" + std::to_string(id_++);
        auto body = make_then(make_sql("INC " + c), node(depth - 1, true));
        return named(make_loop(std::move(body),
                               make_sql("LT " + c + " " + std::to_string(1 + rng_(3)))));
      }
      default:
        return named(make_race(node(depth - 1, in_loop), node(depth - 1, in_loop)));
    }
  }

 private:
  Rng rng_;
  Options opt_;
  int id_ = 0;

  ir::NodePtr named(ir::NodePtr n) {
    if (rng_(4) == 0) n->result_name = rng_(2) ? "ra" : "rb";
    if (opt_.retries && rng_(4) == 0)
      n = make_retry(std::move(n), RetryArgs{1 + rng_(4), rng_(3) * 500, 2000});
    if (opt_.undos && rng_(3) == 0) {  // undo actions count per UNDO (an effect), a few fail
      const std::string u = "u" + std::to_string(id_++);
      n = make_with_undo(std::move(n), rng_(8) ? make_sql("INC " + u) : make_sql("FAIL undo " + u));
    }
    if (opt_.step_timeouts && rng_(4) == 0)
      n = make_timeout(std::move(n), TimeoutArgs{500 + 500 * static_cast<std::int64_t>(rng_(4))});
    if (opt_.retries && rng_(6) == 0)  // handlers: some fail themselves
      n = make_catch(std::move(n), make_sql(rng_(4) ? "H $error.attempts" : "FAIL handler"));
    if (opt_.step_timeouts && rng_(6) == 0)  // handlers that show the SQLSTATE
      n = make_catch(std::move(n), make_sql("H $error.sqlstate"));
    return n;
  }

  ir::NodePtr leaf(bool in_loop) {
    const std::string id = std::to_string(id_++);
    if (opt_.retries && rng_(4) == 0) return make_sql("FLAKY k" + id + " " + std::to_string(rng_(5)));
    const std::uint32_t p = rng_(100);
    if (p < 35) return make_sql("S" + id + " $ra? $rb.sql?");
    if (p < 45) return make_sql("INC g" + id);
    if (p < 50) return make_sql("FAIL f" + id);
    if (p < 60) return make_sleep(rng_(3));
    if (p < 72) {
      std::string name = rng_(2) ? "sigA" : "sigB";
      signal_names.insert(name);
      std::optional<std::int64_t> timeout;
      if (opt_.timeouts && rng_(2)) timeout = 1 + rng_(5);
      return make_wait_for_signal(name, timeout);
    }
    if (p < 77) return make_wait_for_schedule("* * * * *");
    if (p < 87 && in_loop) return make_break(std::string("b" + id));
    return make_sql("S" + id);
  }
};

SimSql sim_sql() {
  SimSql s;
  s.canned["T"] = {true, rows1("b", "true")};
  s.canned["F"] = {true, rows1("b", "false")};
  return s;
}

struct RunOutcome {
  InstanceStatus status = InstanceStatus::Running;
  std::string result;
  std::vector<std::string> effects;  // commit order
  std::vector<Event> events;         // accepted events
  std::vector<Action> actions;
  std::string final_state;
};

// The number after `"key":` in a detail object, or -1.
long detail_number(const std::string& detail, const char* key) {
  const std::string k = std::string("\"") + key + "\":";
  auto at = detail.find(k);
  return at == std::string::npos ? -1 : std::stol(detail.substr(at + k.size()));
}

// No leaf is attempted more often than its policy allows (FLAKY fails with 40001, which
// gets at least the default three attempts).
void check_attempt_bounds(const Program& program, const std::vector<Action>& actions) {
  for (const Action& a : actions) {
    const NodeInfo& n = program.nodes.at(a.node);
    const long policy = n.retry ? n.retry->max_attempts : 1;
    const long allowed = std::max<long>(policy, kConflictPolicy.max_attempts);
    if (a.kind == K::NodeRetrying) {
      CHECK(detail_number(a.detail, "attempt") < detail_number(a.detail, "max_attempts"));
      CHECK(detail_number(a.detail, "max_attempts") <= allowed);
    } else if (a.kind == K::NodeFailed && !a.detail.empty()) {
      CHECK(detail_number(a.detail, "attempts") <= allowed);
    } else if (a.kind == K::NodeCompleted && !a.detail.empty()) {
      CHECK(detail_number(a.detail, "attempts") <= allowed);
    }
  }
}

void check_exactly_once(const SimDb& db) {
  for (const auto& [task, times] : db.applied) {
    INFO("task " << task);
    CHECK(times == 1);
  }
}

// Runs a workflow to its end, answering pending tasks in a seeded random order, sending
// signals, and injecting stale answers (cancelled tasks, duplicates) that must be refused.
RunOutcome drive(const Program& program, const std::set<std::string>& signals, std::uint64_t seed,
              bool may_cancel, int resumes = 0, const StepConfig& cfg = {}) {
  SimDb db;
  SimHost h(program, db, sim_sql(), cfg);
  Rng rng(seed);
  h.start();
  std::vector<Event> stale;
  std::vector<std::string> names(signals.begin(), signals.end());
  for (int budget = 20000; budget > 0; --budget) {
    if (h.done()) {  // a failed instance with a resume point is resumed (df.resume)
      if (resumes == 0 || h.state.status != InstanceStatus::Failed || !resume_problem(h.state).empty()) break;
      --resumes;
      CHECK(h.resume());
      continue;
    }
    const std::uint32_t roll = rng(100);
    if (may_cancel && roll < 2) {
      CHECK(h.cancel());
      break;
    }
    if (!stale.empty() && roll < 10) {
      CHECK_FALSE(h.feed(stale.back()));
      stale.pop_back();
      continue;
    }
    if (!names.empty() && (h.outstanding.empty() || roll < 16)) {
      h.signal(names[rng(static_cast<std::uint32_t>(names.size()))], "{\"n\":1}");
      continue;
    }
    REQUIRE_MESSAGE(!h.outstanding.empty(), "instance stuck with nothing to wait for");
    auto pick = std::next(h.outstanding.begin(), rng(static_cast<std::uint32_t>(h.outstanding.size())));
    const auto before = h.outstanding;
    const Event ev = h.answer_event(pick->first);
    const std::size_t first_new = h.actions.size();
    CHECK(h.feed(ev));
    if (rng(4) == 0) stale.push_back(ev);  // a duplicate answer
    for (std::size_t i = first_new; i < h.actions.size(); ++i) {
      const Action& a = h.actions[i];
      if (a.kind != K::CancelTask || !before.count(a.task_id)) continue;
      Event late;  // the answer of a cancelled task, arriving anyway
      late.task_id = a.task_id;
      late.now_ms = h.now;
      late.kind = before.at(a.task_id).kind == K::ArmTimer ? Event::Kind::TimerFired
                                                          : Event::Kind::TaskSucceeded;
      late.payload = rows1("late", "1");
      stale.push_back(late);
    }
  }
  CHECK(h.done());
  check_exactly_once(db);
  std::map<std::uint64_t, int> issued;  // nothing is issued twice
  for (const Action& a : h.actions)
    if (a.kind == K::RunSql || a.kind == K::RunHttp || a.kind == K::ArmTimer) ++issued[a.task_id];
  for (const auto& [task, times] : issued) CHECK(times == 1);
  check_attempt_bounds(program, h.actions);
  return RunOutcome{h.state.status, h.state.result, db.effect_log, h.events, h.actions,
                 serialize(h.state)};
}

bool same_action(const Action& a, const Action& b) {
  return a.kind == b.kind && a.task_id == b.task_id && a.node == b.node && a.text == b.text &&
         a.deadline_ms == b.deadline_ms && a.iteration == b.iteration && a.scope == b.scope &&
         a.detail == b.detail;
}

// Replays the accepted events with a crash after event k: state serialized, host and
// VM memory thrown away, restarted from the bytes with the database kept.
void check_crash_at(const Program& program, const RunOutcome& ref, std::size_t k, const StepConfig& cfg = {}) {
  SimDb db;
  SimHost first(program, db, sim_sql(), cfg);
  for (std::size_t i = 0; i < k; ++i) REQUIRE(first.feed(ref.events[i]));
  const std::string bytes = serialize(first.state);
  SimHost second(program, db, sim_sql(), cfg);
  second.restart_from(deserialize(bytes));
  REQUIRE(second.outstanding.size() == first.outstanding.size());
  for (const auto& [id, action] : first.outstanding) {
    REQUIRE(second.outstanding.count(id));
    CHECK(same_action(second.outstanding.at(id), action));
  }
  const std::size_t reissued = second.actions.size();
  for (std::size_t i = k; i < ref.events.size(); ++i) REQUIRE(second.feed(ref.events[i]));
  CHECK(serialize(second.state) == ref.final_state);
  CHECK(db.effect_log == ref.effects);
  check_exactly_once(db);
  // The actions before the crash plus those after it are the crash-free run's actions.
  std::vector<Action> joined = first.actions;
  joined.insert(joined.end(), second.actions.begin() + static_cast<std::ptrdiff_t>(reissued),
                second.actions.end());
  REQUIRE(joined.size() == ref.actions.size());
  for (std::size_t i = 0; i < joined.size(); ++i) CHECK(same_action(joined[i], ref.actions[i]));
}

// The SQL text of an UNDO node's undo action when it is a single SQL step.
std::string prog_undo_text(const Program& program, std::uint32_t undo_node) {
  const std::uint32_t pc = program.nodes[undo_node].handler_pc;
  const Instruction& i = program.code.at(pc);
  return i.op == Op::SQL ? program.nodes[i.node].text : std::string();
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("simulation: random workflows run to the end and survive a crash at every boundary") {
  int completed = 0, failed = 0, cancelled = 0;  // the terminal statuses: ext/engine/instance_status.hpp
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    CAPTURE(seed);
    Generator gen(seed, Options{});
    auto root = gen.node(seed % 2 ? 5 : 4, false);
    const Program program = lower(*root);
    const RunOutcome ref = drive(program, gen.signal_names, seed, seed % 5 == 0);
    completed += ref.status == InstanceStatus::Completed;
    failed += ref.status == InstanceStatus::Failed;
    cancelled += ref.status == InstanceStatus::Cancelled;
    for (const Action& a : ref.actions) CHECK(a.node < program.nodes.size());
    for (std::size_t k = 1; k <= ref.events.size(); ++k) {
      CAPTURE(k);
      check_crash_at(program, ref, k);
    }
  }
  // The generator must exercise every ending.
  CHECK(completed > 0);
  CHECK(failed > 0);
  CHECK(cancelled > 0);
}

TEST_CASE("simulation: retry policies, handlers and flaky steps survive a crash at every boundary") {
  int retried = 0, exhausted = 0, handled = 0;
  for (std::uint64_t seed = 3000; seed < 3120; ++seed) {
    CAPTURE(seed);
    Generator gen(seed, Options{true, true, true});
    auto root = gen.node(seed % 2 ? 5 : 4, false);
    const Program program = lower(*root);
    const RunOutcome ref = drive(program, gen.signal_names, seed, seed % 7 == 0);
    for (const Action& a : ref.actions) {
      retried += a.kind == K::NodeRetrying;
      exhausted += a.kind == K::NodeFailed && a.detail.find("40001") != std::string::npos;
      handled += a.kind == K::RunSql && a.text.rfind("H ", 0) == 0;
    }
    for (std::size_t k = 1; k <= ref.events.size(); ++k) {
      CAPTURE(k);
      check_crash_at(program, ref, k);
    }
  }
  CHECK(retried > 0);    // the generator must exercise retries ...
  CHECK(exhausted > 0);  // ... and policies running out ...
  CHECK(handled > 0);    // ... and handlers
}

// df.timeout around random sub-graphs: its durable timer is one more pending task, so the
// seeded order makes it fire before, during or after its step. Whatever it cancels (SQL
// statements, branch threads, timers, signal waits) never applies an effect; retries,
// handlers and undo actions around and inside it keep their bounds; a crash at every
// boundary changes nothing.
TEST_CASE("simulation: timeouts around sub-graphs survive a crash at every boundary") {
  int expired = 0, retried = 0, handled = 0, in_time = 0;
  for (std::uint64_t seed = 4000; seed < 4150; ++seed) {
    CAPTURE(seed);
    Options o;
    o.retries = seed % 2 == 0;
    o.undos = seed % 3 == 0;
    o.step_timeouts = true;
    Generator gen(seed, o);
    auto root = gen.node(seed % 2 ? 5 : 4, false);
    const Program program = lower(*root);
    const RunOutcome ref = drive(program, gen.signal_names, seed, seed % 7 == 0, seed % 5 == 0 ? 1 : 0);
    for (const Action& a : ref.actions) {
      const bool timeout_node = program.nodes.at(a.node).type == ir::NodeType::Timeout;
      expired += timeout_node && a.kind == K::NodeFailed;
      retried += timeout_node && a.kind == K::NodeRetrying;
      in_time += timeout_node && a.kind == K::NodeCompleted;
      handled += a.kind == K::RunSql && a.text.find("57014") != std::string::npos;
    }
    for (std::size_t k = 1; k <= ref.events.size(); ++k) {
      CAPTURE(k);
      check_crash_at(program, ref, k);
    }
  }
  CHECK(expired > 0);   // the generator must exercise timeouts running out ...
  CHECK(retried > 0);   // ... and retried ...
  CHECK(handled > 0);   // ... and handled ($error.sqlstate = 57014 in a handler) ...
  CHECK(in_time > 0);   // ... and steps finishing in time
}

// The shapes of docs/error-handling.md "Timeouts", each driven in several seeded orders
// (the timer before, during or after its step) with a crash at every boundary.
TEST_CASE("simulation: timeouts around a sequence, a join, waits, retries, handlers and undo actions") {
  auto t = [](ir::NodePtr step, std::int64_t ms) { return make_timeout(std::move(step), TimeoutArgs{ms}); };
  auto join = [](ir::NodePtr a, ir::NodePtr b) {
    std::vector<ir::NodePtr> v;
    v.push_back(std::move(a));
    v.push_back(std::move(b));
    return make_join(std::move(v));
  };
  std::vector<ir::NodePtr> roots;
  roots.push_back(t(make_then(make_sql("INC a"), make_then(make_sql("INC b"), make_sql("INC c"))), 1000));
  roots.push_back(make_catch(t(join(make_then(make_sql("INC a"), make_sleep(2)), make_wait_for_signal("sigA", std::nullopt)), 1500),
                             make_sql("H $error.sqlstate")));
  roots.push_back(make_retry(t(make_then(make_sql("INC r"), make_sleep(1)), 800), RetryArgs{3, 0, 0}));
  roots.push_back(t(make_retry(make_sql("FLAKY k 2"), RetryArgs{5, 500, 500}), 1200));
  roots.push_back(t(make_catch(t(make_sleep(3), 500), make_sql("INC h")), 2000));
  roots.push_back(t(make_catch(make_then(make_with_undo(make_sql("INC f"), make_sql("INC u")), make_sql("FAIL x")),
                               make_sql("INC h")),
                    1000));
  roots.push_back(make_then(make_with_undo(make_sql("INC f"), t(make_then(make_sql("INC u"), make_sleep(2)), 700)),
                            make_sql("FAIL y")));
  int expired = 0;
  for (std::size_t i = 0; i < roots.size(); ++i) {
    const Program program = lower(*roots[i]);
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
      CAPTURE(i);
      CAPTURE(seed);
      const RunOutcome ref = drive(program, {"sigA"}, 6100 + 10 * i + seed, false);
      CHECK(ref.status != InstanceStatus::Running);
      for (const Action& a : ref.actions)
        expired += a.kind == K::NodeFailed && program.nodes.at(a.node).type == ir::NodeType::Timeout;
      for (std::size_t k = 1; k <= ref.events.size(); ++k) {
        CAPTURE(k);
        check_crash_at(program, ref, k);
      }
    }
  }
  CHECK(expired > 0);
}

// Compensation: an undo action runs only for a completed forward step, at most once per
// completion, and only while a failure unwinds (its counter is a database effect).
TEST_CASE("simulation: compensation survives a crash at every boundary; undo never outruns its forward") {
  int compensated = 0, undo_failed = 0, caught_after_undo = 0;
  for (std::uint64_t seed = 5000; seed < 5120; ++seed) {
    CAPTURE(seed);
    Generator gen(seed, Options{true, true, true, true});
    auto root = gen.node(seed % 2 ? 5 : 4, false);
    const Program program = lower(*root);
    const RunOutcome ref = drive(program, gen.signal_names, seed, seed % 7 == 0);
    std::map<std::uint32_t, int> forward_done, undo_runs;
    bool saw_undo = false;
    for (const Action& a : ref.actions) {
      if (a.kind == K::NodeCompleted && program.nodes[a.node].type == ir::NodeType::Undo) ++forward_done[a.node];
      if (a.kind == K::RunSql && a.text.rfind("INC u", 0) == 0) saw_undo = true;
      if (a.kind == K::RunSql && a.text.rfind("H ", 0) == 0 && saw_undo) ++caught_after_undo;
      undo_failed += a.kind == K::InstanceFailed && a.text.find("(undo failed: ") != std::string::npos;
    }
    // Each undo action's counter never exceeds its UNDO node's completions.
    for (const std::string& e : ref.effects) compensated += e.rfind("INC u", 0) == 0;
    std::map<std::string, int> undo_effects;
    for (const std::string& e : ref.effects)
      if (e.rfind("INC u", 0) == 0) ++undo_effects[e.substr(4)];
    for (const auto& [name, times] : undo_effects) {
      int completions = 0;  // completions of the UNDO whose undo action is `INC <name>`
      for (const auto& [node, n] : forward_done)
        if (prog_undo_text(program, node) == "INC " + name) completions += n;
      INFO(name);
      CHECK(times <= completions);
    }
    for (std::size_t k = 1; k <= ref.events.size(); ++k) {
      CAPTURE(k);
      check_crash_at(program, ref, k);
    }
  }
  CHECK(compensated > 0);        // the generator must exercise undo actions ...
  CHECK(undo_failed > 0);        // ... failing ones ...
  CHECK(caught_after_undo > 0);  // ... and handlers running after compensation
}

// df.resume: a failed instance with a resume point runs on from the steps that failed
// (FLAKY steps outlast the 3 default attempts, so a resume makes progress). No step that
// completed runs again: every leaf completes at most once per execution scope.
TEST_CASE("simulation: resumed instances never rerun a completed step; crash at every boundary") {
  int resumed = 0, completed_after_resume = 0, refused = 0;
  for (std::uint64_t seed = 7000; seed < 7120; ++seed) {
    CAPTURE(seed);
    Generator gen(seed, Options{true, true, true, seed % 3 == 0});
    auto root = gen.node(seed % 2 ? 5 : 4, false);
    const Program program = lower(*root);
    const RunOutcome ref = drive(program, gen.signal_names, seed, false, 3);
    int resumes_here = 0;
    for (const Event& e : ref.events) resumes_here += e.kind == Event::Kind::Resume;
    resumed += resumes_here;
    completed_after_resume += resumes_here > 0 && ref.status == InstanceStatus::Completed;
    refused += ref.status == InstanceStatus::Failed && resumes_here == 0;
    std::set<std::pair<std::uint32_t, std::string>> done;
    std::set<std::uint32_t> undo_action_nodes;  // an undo action runs once per completed forward
    for (std::uint32_t u = 0; u < program.nodes.size(); ++u) {
      if (program.nodes[u].type != ir::NodeType::Undo) continue;
      for (std::uint32_t pc = program.nodes[u].handler_pc;
           !(program.code[pc].op == Op::UNDO_DONE && program.code[pc].node == u); ++pc)
        undo_action_nodes.insert(program.code[pc].node);
    }
    for (const Action& a : ref.actions) {
      if (a.kind != K::NodeCompleted || !ir::is_leaf(program.nodes[a.node].type)) continue;
      if (undo_action_nodes.count(a.node)) continue;
      INFO("node " << a.node << " scope " << a.scope);
      CHECK(done.insert({a.node, a.scope}).second);
    }
    for (std::size_t k = 1; k <= ref.events.size(); ++k) {
      CAPTURE(k);
      check_crash_at(program, ref, k);
    }
  }
  CHECK(resumed > 0);
  CHECK(completed_after_resume > 0);
  CHECK(refused > 0);  // failures with no resume point (undo actions ran, lost RACE, ...)
}

// on_failure 'pause': a failure no df.catch takes undoes nothing and pauses the instance
// (InstancePaused) with its resume point; df.resume goes on from it. Only a failure that
// cannot be resumed (it decided a RACE, a df.timeout ran out: a third of the seeds add
// TIMEOUTs) compensates and fails. Without handlers (even seeds) no undo action ever runs
// unless the instance failed for good.
TEST_CASE("simulation: on_failure 'pause' undoes nothing, pauses and resumes; crash at every boundary") {
  StepConfig cfg;
  cfg.pause_on_failure = true;
  int paused = 0, failed_for_good = 0, completed_after_pause = 0;
  for (std::uint64_t seed = 9000; seed < 9120; ++seed) {
    CAPTURE(seed);
    const bool handlers = seed % 2 == 1;
    Generator gen(seed, Options{true, true, handlers, true, seed % 3 == 0});
    auto root = gen.node(seed % 3 ? 5 : 4, false);
    const Program program = lower(*root);
    const RunOutcome ref = drive(program, gen.signal_names, seed, false, 3, cfg);
    int pauses = 0, fails = 0;
    bool undo_ran = false;
    std::set<std::pair<std::uint32_t, std::string>> done;
    for (const Action& a : ref.actions) {
      pauses += a.kind == K::InstancePaused;
      fails += a.kind == K::InstanceFailed;
      undo_ran = undo_ran || (a.kind == K::RunSql && (a.text.rfind("INC u", 0) == 0 || a.text.rfind("FAIL undo", 0) == 0));
    }
    const State final_state = deserialize(ref.final_state);
    if (fails > 0) {  // failed for good: only when there was no resume point
      CHECK(ref.status == InstanceStatus::Failed);
      CHECK_FALSE(resume_problem(final_state).empty());
    }
    if (ref.status == InstanceStatus::Failed && resume_problem(final_state).empty()) CHECK(fails == 0);
    if (!handlers && fails == 0) CHECK_FALSE(undo_ran);
    paused += pauses;
    failed_for_good += fails;
    completed_after_pause += pauses > 0 && ref.status == InstanceStatus::Completed;
    for (std::size_t k = 1; k <= ref.events.size(); ++k) {
      CAPTURE(k);
      check_crash_at(program, ref, k, cfg);
    }
  }
  CHECK(paused > 0);
  CHECK(failed_for_good > 0);
  CHECK(completed_after_pause > 0);
}

TEST_CASE("simulation: the arrival order of concurrent results does not change the outcome") {
  int compared = 0;
  for (std::uint64_t seed = 1000; seed < 1100; ++seed) {
    CAPTURE(seed);
    Generator gen(seed, Options{false, false});
    auto root = gen.node(seed % 2 ? 5 : 4, false);
    const Program program = lower(*root);
    const RunOutcome first = drive(program, gen.signal_names, 1, false);
    for (std::uint64_t order = 2; order <= 6; ++order) {
      CAPTURE(order);
      const RunOutcome other = drive(program, gen.signal_names, order, false);
      CHECK(other.status == first.status);
      CHECK(other.result == first.result);
      CHECK(sorted(other.effects) == sorted(first.effects));
      ++compared;
    }
  }
  CHECK(compared == 500);
}
