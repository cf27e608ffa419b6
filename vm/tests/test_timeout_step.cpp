// test_timeout_step.cpp — df.timeout in the step function: a TIMEOUT arms a durable timer
// when its step starts; finishing in time cancels the timer, running out cancels whatever
// of the step still runs (statements, branch threads, sleeps, signal waits, inner timers:
// the RACE loser's cancellation) and fails the TIMEOUT with SQLSTATE 57014, which df.retry
// retries (each attempt with the full time) and df.catch handles.
#include <doctest/doctest.h>

#include <algorithm>

#include "args.hpp"
#include "failure.hpp"
#include "sim_host.hpp"

using namespace df;
using namespace df::compiler;
using namespace df::vm;
using df::vm::test::SimHost;
using K = df::vm::Action::Kind;

namespace {

using Fx = df::vm::test::Fixture;

ir::NodePtr timeout(ir::NodePtr step, std::int64_t ms) { return make_timeout(std::move(step), TimeoutArgs{ms}); }

// The outstanding task of `kind` whose node is `node`, or 0.
std::uint64_t owed(const SimHost& h, K kind, std::uint32_t node) {
  for (const auto& [id, a] : h.outstanding)
    if (a.kind == kind && a.node == node) return id;
  return 0;
}

// The TIMEOUT's timer: the outstanding ArmTimer of the TIMEOUT node.
std::uint64_t timer_of(const SimHost& h, std::uint32_t timeout_node) { return owed(h, K::ArmTimer, timeout_node); }

std::uint64_t sql_task(const SimHost& h, const std::string& text) {
  for (const auto& [id, a] : h.outstanding)
    if (a.kind == K::RunSql && a.text == text) return id;
  return 0;
}

bool cancelled(const SimHost& h, std::uint64_t task) {
  for (const Action& a : h.actions)
    if (a.kind == K::CancelTask && a.task_id == task) return true;
  return false;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("timeout: lowering and disassembly") {
  Fx f(timeout(make_then(make_sql("A"), make_sql("B")), 1500));
  const std::string dis = disassemble(f.program);
  CHECK(dis.find("TIMEOUT_ENTER    #0") != std::string::npos);
  CHECK(dis.find("1500ms") != std::string::npos);
  CHECK(dis.find("TIMEOUT_LEAVE    #0") != std::string::npos);
  CHECK(f.program.nodes[0].timeout_ms == 1500);
  CHECK(f.program.code[f.program.nodes[0].enter_pc].op == Op::TIMEOUT_ENTER);
}

TEST_CASE("timeout: a step that finishes in time cancels the timer and completes the TIMEOUT") {
  Fx f(timeout(make_then(make_sql("A"), make_sql("B")), 5000));
  f.host.start();
  const std::uint64_t timer = timer_of(f.host, 0);
  REQUIRE(timer != 0);
  CHECK(f.host.outstanding.at(timer).deadline_ms == f.host.now + 5000);
  f.host.answer(sql_task(f.host, "A"));
  f.host.answer(sql_task(f.host, "B"));
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(cancelled(f.host, timer));
  CHECK(f.host.outstanding.empty());
  CHECK(has(f.host.stamps(), "Completed #0 1 {\"rows\":[{\"sql\":\"B\"}],\"row_count\":1}"));
}

TEST_CASE("timeout: around a sequence, the running statement is cancelled and the TIMEOUT fails with 57014") {
  Fx f(timeout(make_then(make_sql("A"), make_sql("B")), 2000));  // #0 TIMEOUT, #1 THEN, #2 A, #3 B
  f.host.start();
  f.host.answer(sql_task(f.host, "A"));
  const std::uint64_t b = sql_task(f.host, "B");
  REQUIRE(b != 0);
  f.host.answer(timer_of(f.host, 0));
  CHECK(cancelled(f.host, b));
  CHECK(f.host.outstanding.empty());
  CHECK(f.host.state.status == InstanceStatus::Failed);
  const std::string msg = "df.timeout of 2s ran out: the step was cancelled";
  CHECK(f.host.state.result == msg);
  const auto stamps = f.host.stamps();
  CHECK(has(stamps, "Failed #3 1 " + msg));  // the running step, then the nodes up to the TIMEOUT
  CHECK(has(stamps, "Failed #1 1 " + msg));
  CHECK(has(stamps, "Failed #0 1 " + msg));
  auto failed = f.host.of_kind(K::NodeFailed);
  const Action* t = nullptr;
  for (const Action* a : failed)
    if (a->node == 0) t = a;
  REQUIRE(t);
  CHECK(t->detail.find("\"sqlstate\":\"57014\"") != std::string::npos);
  CHECK(t->detail.find("\"attempts\":1") != std::string::npos);
  // B's effect never happens, even if its late answer arrives.
  Event late;
  late.kind = Event::Kind::TaskSucceeded;
  late.task_id = b;
  late.now_ms = ++f.host.now;
  late.payload = "{\"rows\":[],\"row_count\":0}";
  CHECK_FALSE(f.host.feed(late));
  CHECK(f.db.effect_log == std::vector<std::string>{"A"});
  CHECK_FALSE(resume_problem(f.host.state).empty());  // the cancelled rest is gone: no resume point
}

TEST_CASE("timeout: around a join, every branch is cancelled as a RACE loser is") {
  Fx f(timeout(make_join([] {
                 std::vector<ir::NodePtr> b;
                 b.push_back(make_sql("A"));
                 b.push_back(make_then(make_sleep(60), make_sql("C")));
                 b.push_back(make_wait_for_signal("go", 600));
                 return b;
               }()),
               1000));
  f.host.start();
  REQUIRE(f.host.state.threads.size() == 4);
  const std::uint64_t a = sql_task(f.host, "A");
  f.host.answer(timer_of(f.host, 0));
  CHECK(cancelled(f.host, a));
  CHECK(f.host.outstanding.empty());  // the sleep and the signal's timeout are gone too
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(f.host.state.threads.size() == 1);
  CHECK(awaited_signal_names(f.program, f.host.state).empty());
  // #0 TIMEOUT, #1 JOIN, #2 A, #3 THEN, #4 sleep, #5 C, #6 signal: each branch's nodes failed
  const std::string msg = "df.timeout of 1s ran out: the step was cancelled";
  const auto stamps = f.host.stamps();
  CHECK(has(stamps, "Failed #2 1::#2::1 " + msg));
  CHECK(has(stamps, "Failed #4 1::#3::1 " + msg));
  CHECK(has(stamps, "Failed #3 1::#3::1 " + msg));
  CHECK(has(stamps, "Failed #6 1::#6::1 " + msg));
  CHECK(has(stamps, "Failed #1 1 " + msg));
}

TEST_CASE("timeout: a sleep and a signal wait are dropped; a later signal is not delivered to them") {
  Fx f(make_then(make_catch(timeout(make_then(make_sleep(30), make_wait_for_signal("go", std::nullopt)), 1000),
                            make_sql("H $error.sqlstate $error.node_type")),
                 make_wait_for_signal("go", std::nullopt)));
  f.host.start();
  f.host.answer(owed(f.host, K::ArmTimer, 4));  // the sleep (#4) ends: now the signal wait
  CHECK(awaited_signal_names(f.program, f.host.state) == std::vector<std::string>{"go"});
  f.host.answer(timer_of(f.host, 2));           // the TIMEOUT (#2) runs out
  const std::uint64_t h = sql_task(f.host, "H '57014' 'TIMEOUT'");
  REQUIRE(h != 0);                              // the handler sees the timeout's error
  CHECK(awaited_signal_names(f.program, f.host.state).empty());
  f.host.answer(h);
  CHECK(f.host.signal("go"));                   // goes to the wait after the CATCH
  CHECK(f.host.state.status == InstanceStatus::Completed);
}

TEST_CASE("timeout: inside df.retry, each attempt gets the full time and attempts never exceed the policy") {
  // #0 RETRY, #1 TIMEOUT, #2 THEN, #3 INC a, #4 sleep
  Fx f(make_retry(timeout(make_then(make_sql("INC a"), make_sleep(60)), 1000), RetryArgs{3, 500, 500}));
  f.host.start();
  for (int attempt = 1; attempt <= 3; ++attempt) {
    CAPTURE(attempt);
    const std::uint64_t timer = timer_of(f.host, 1);
    REQUIRE(timer != 0);
    CHECK(f.host.outstanding.at(timer).deadline_ms == f.host.now + 1000);  // the full time again
    f.host.answer(sql_task(f.host, "INC a"));
    f.host.answer(timer);
    if (attempt < 3) {
      auto retrying = f.host.of_kind(K::NodeRetrying);
      REQUIRE(retrying.size() == static_cast<std::size_t>(attempt));
      CHECK(retrying.back()->node == 1);
      CHECK(retrying.back()->detail.find("\"attempt\":" + std::to_string(attempt)) != std::string::npos);
      CHECK(retrying.back()->detail.find("57014") != std::string::npos);
      f.host.answer(owed(f.host, K::ArmTimer, 1));  // the wait between attempts
    }
  }
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(f.db.counters["a"] == 3);  // the whole step ran once per attempt
  CHECK(f.host.of_kind(K::NodeRetrying).size() == 2);
}

TEST_CASE("timeout: a retried TIMEOUT that then finishes in time reports its attempts") {
  Fx f(make_retry(timeout(make_wait_for_signal("go", std::nullopt), 1000), RetryArgs{3, 100, 100}));
  f.host.start();
  f.host.answer(timer_of(f.host, 1));
  f.host.answer(owed(f.host, K::ArmTimer, 1));  // retry wait over: the second attempt
  auto running = f.host.of_kind(K::NodeRunning);
  CHECK(running.back()->node == 2);
  bool second = false;
  for (const Action* a : running) second |= a->node == 1 && a->detail.find("\"attempt\":2") != std::string::npos;
  CHECK(second);
  CHECK(f.host.signal("go"));
  CHECK(f.host.state.status == InstanceStatus::Completed);
  bool attempts = false;
  for (const Action* a : f.host.of_kind(K::NodeCompleted)) attempts |= a->node == 1 && a->detail == "{\"attempts\":2}";
  CHECK(attempts);
}

TEST_CASE("timeout: nested timeouts; the inner one is handled inside the outer, whose timer goes on") {
  // #0 TIMEOUT 5s, #1 CATCH, #2 TIMEOUT 1s, #3 sleep, #4 handler
  Fx f(timeout(make_catch(timeout(make_sleep(60), 1000), make_sql("H")), 5000));
  f.host.start();
  const std::uint64_t outer = timer_of(f.host, 0), inner = timer_of(f.host, 2);
  REQUIRE(outer != 0);
  REQUIRE(inner != 0);
  f.host.answer(inner);
  CHECK(f.host.outstanding.count(outer));  // still armed
  CHECK_FALSE(cancelled(f.host, outer));
  f.host.answer(sql_task(f.host, "H"));
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(cancelled(f.host, outer));
}

TEST_CASE("timeout: the outer timeout cancels an inner one with its step; inner handlers do not run") {
  // #0 TIMEOUT 1s, #1 CATCH, #2 TIMEOUT 5s, #3 sleep, #4 handler
  Fx f(timeout(make_catch(timeout(make_sleep(60), 5000), make_sql("H")), 1000));
  f.host.start();
  const std::uint64_t inner = timer_of(f.host, 2), sleep = owed(f.host, K::ArmTimer, 3);
  f.host.answer(timer_of(f.host, 0));
  CHECK(cancelled(f.host, inner));
  CHECK(cancelled(f.host, sleep));
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(sql_task(f.host, "H") == 0);
  CHECK(f.host.state.result.find("df.timeout of 1s") == 0);
}

TEST_CASE("timeout: a loop in the step is left with its frame; a break out of the TIMEOUT drops its timer") {
  // loop { TIMEOUT(INC c ~> break) } : the TIMEOUT is left by the break
  Fx f(make_loop(timeout(make_then(make_sql("INC c"), make_break(std::string("done"))), 1000), nullptr));
  f.host.start();
  const std::uint64_t timer = timer_of(f.host, 1);
  f.host.answer(sql_task(f.host, "INC c"));
  CHECK(cancelled(f.host, timer));
  CHECK(f.host.state.status == InstanceStatus::Completed);
  // TIMEOUT(loop { INC d ~> sleep }) runs out inside the loop
  Fx g(timeout(make_loop(make_then(make_sql("INC d"), make_sleep(1)), nullptr), 3000));
  g.host.start();
  g.host.answer(sql_task(g.host, "INC d"));
  g.host.answer(timer_of(g.host, 0));
  CHECK(g.host.state.status == InstanceStatus::Failed);
  CHECK(g.host.state.threads.begin()->second.loops.empty());
  CHECK(g.host.outstanding.empty());
}

TEST_CASE("timeout: a timer firing while undo actions run waits for them; the handler inside then expires") {
  // TIMEOUT 1s ( CATCH ( with_undo(INC f, UNDO_SLOW) ~> FAIL x , H ) )
  // #0 TIMEOUT, #1 CATCH, #2 THEN, #3 UNDO, #4 INC f, #5 undo, #6 FAIL x, #7 H
  Fx f(timeout(make_catch(make_then(make_with_undo(make_sql("INC f"), make_sql("INC undo")), make_sql("FAIL x")),
                          make_sql("H")),
               1000));
  f.host.start();
  f.host.answer(sql_task(f.host, "INC f"));
  f.host.answer(sql_task(f.host, "FAIL x"));
  const std::uint64_t undo = sql_task(f.host, "INC undo");
  REQUIRE(undo != 0);                          // compensating
  f.host.answer(timer_of(f.host, 0));          // fires now: deferred
  CHECK(f.host.outstanding.count(undo));       // the undo action is not cancelled
  CHECK(f.host.state.threads.begin()->second.timeouts.at(0).expired);
  f.host.answer(undo);                         // undone; the CATCH takes the failure; the TIMEOUT expires
  CHECK(f.db.counters["undo"] == 1);
  CHECK(sql_task(f.host, "H") == 0);           // the handler was cancelled before it ran
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(f.host.state.result.find("df.timeout of 1s") == 0);
}

TEST_CASE("timeout: inside an undo action, running out fails the undo action") {
  Fx f(make_then(make_with_undo(make_sql("INC f"), timeout(make_sleep(60), 1000)), make_sql("FAIL y")));
  f.host.start();
  f.host.answer(sql_task(f.host, "INC f"));
  f.host.answer(sql_task(f.host, "FAIL y"));
  // #0 THEN, #1 UNDO, #2 INC f, #3 TIMEOUT (the undo action), #4 its sleep, #5 FAIL y
  const std::uint64_t sleep = owed(f.host, K::ArmTimer, 4);
  f.host.answer(timer_of(f.host, 3));
  CHECK(cancelled(f.host, sleep));
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(f.host.state.result == "y (undo failed: df.timeout of 1s ran out: the step was cancelled)");
}

TEST_CASE("timeout: a resumed instance arms the TIMEOUTs around the failed step again") {
  // TIMEOUT 10s (A ~> FAIL z): FAIL z fails, the instance fails with a resume point
  Fx f(timeout(make_then(make_sql("A"), make_sql("FAIL z")), 10000));
  f.host.start();
  const std::uint64_t first = timer_of(f.host, 0);
  f.host.answer(sql_task(f.host, "A"));
  f.host.answer(sql_task(f.host, "FAIL z"));
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(cancelled(f.host, first));
  REQUIRE(resume_problem(f.host.state).empty());
  CHECK(f.host.resume());
  const std::uint64_t again = timer_of(f.host, 0);
  REQUIRE(again != 0);
  CHECK(again != first);
  CHECK(f.host.outstanding.at(again).deadline_ms == f.host.now + 10000);
  f.host.answer(again);  // and it runs out: the step is cancelled as before
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(f.host.state.result.find("df.timeout of 10s") == 0);
}

TEST_CASE("timeout: under on_failure 'pause' a timeout that ran out still compensates and fails") {
  StepConfig cfg;
  cfg.pause_on_failure = true;
  Fx f(make_then(make_with_undo(make_sql("INC f"), make_sql("INC u")), timeout(make_sleep(60), 1000)), {}, cfg);
  f.host.start();
  f.host.answer(sql_task(f.host, "INC f"));
  f.host.answer(timer_of(f.host, 4));  // #0 THEN, #1 UNDO, #2 INC f, #3 INC u, #4 TIMEOUT, #5 sleep
  f.host.run();                        // the undo action runs: nothing to resume
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(f.host.of_kind(K::InstancePaused).empty());
  CHECK(f.db.counters["u"] == 1);
  // an ordinary failure inside a TIMEOUT pauses, its timer gone until the resume re-arms it
  Fx g(timeout(make_sql("FAIL z"), 5000), {}, cfg);
  g.host.start();
  g.host.answer(sql_task(g.host, "FAIL z"));
  CHECK(g.host.of_kind(K::InstancePaused).size() == 1);
  CHECK(g.host.outstanding.empty());
  CHECK(g.host.resume());
  CHECK(timer_of(g.host, 0) != 0);
}
