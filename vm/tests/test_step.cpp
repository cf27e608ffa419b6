// test_step.cpp — node semantics of the step function (docs/reference.md §7-§12), each rule
// with a good and a bad case, driven through the simulated host of sim_host.hpp.
#include <doctest/doctest.h>

#include <limits>

#include "args.hpp"
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

using Fx = df::vm::test::Fixture;

ir::NodePtr named(ir::NodePtr n, const char* name) {
  n->result_name = name;
  return n;
}

SimSql canned(std::map<std::string, std::string> ok, std::map<std::string, std::string> fail = {}) {
  SimSql s;
  for (auto& [k, v] : ok) s.canned[k] = {true, v};
  for (auto& [k, v] : fail) s.canned[k] = {false, v};
  return s;
}

std::vector<std::string> sql_texts(const SimHost& h) {
  std::vector<std::string> out;
  for (const Action* a : h.of_kind(K::RunSql)) out.push_back(a->text);
  return out;
}

std::uint64_t task_for(const SimHost& h, const std::string& sql) {
  for (const auto& [id, a] : h.outstanding)
    if (a.kind == K::RunSql && a.text == sql) return id;
  FAIL("no outstanding task for " << sql);
  return 0;
}

ir::NodePtr join2(ir::NodePtr a, ir::NodePtr b) {
  std::vector<ir::NodePtr> v;
  v.push_back(std::move(a));
  v.push_back(std::move(b));
  return make_join(std::move(v));
}

}  // namespace

TEST_CASE("step: a SQL node runs, completes, and completes the instance") {
  Fx f(make_sql("SELECT 1"), canned({{"SELECT 1", rows1("x", "1")}}));
  f.host.start();
  REQUIRE(f.host.outstanding.size() == 1);
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(f.host.state.result == rows1("x", "1"));
  CHECK(f.host.stamps() == std::vector<std::string>{"Running #0 1", "Completed #0 1 " + rows1("x", "1")});
  REQUIRE(f.host.of_kind(K::InstanceCompleted).size() == 1);
  CHECK(f.host.of_kind(K::InstanceCompleted)[0]->text == rows1("x", "1"));
}

TEST_CASE("step: a failing SQL node fails the instance with its error") {
  Fx f(make_sql("SELECT boom"), canned({}, {{"SELECT boom", "SQL execution failed: boom"}}));
  f.host.start();
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(f.host.state.result == "SQL execution failed: boom");
  CHECK(f.host.stamps().back() == "Failed #0 1 SQL execution failed: boom");
  CHECK(f.host.of_kind(K::InstanceFailed).at(0)->text == "SQL execution failed: boom");
}

TEST_CASE("step: THEN yields the right result; a failing left stops the right") {
  Fx ok(make_then(make_sql("SELECT 1"), make_sql("SELECT 2")));
  ok.host.start();
  ok.host.run();
  CHECK(ok.host.state.result == rows1("sql", "\"SELECT 2\""));
  CHECK(sql_texts(ok.host) == std::vector<std::string>{"SELECT 1", "SELECT 2"});

  Fx bad(make_then(make_sql("FAIL left broke"), make_sql("SELECT 2")));
  bad.host.start();
  bad.host.run();
  CHECK(bad.host.state.status == InstanceStatus::Failed);
  CHECK(sql_texts(bad.host) == std::vector<std::string>{"FAIL left broke"});
  CHECK(bad.host.stamps() == std::vector<std::string>{"Running #0 1", "Running #1 1",
                                                      "Failed #1 1 left broke",
                                                      "Failed #0 1 left broke"});
}

TEST_CASE("step: named results and variables are substituted at execution time") {
  Fx f(make_then(named(make_sql("SELECT 41"), "a"), make_sql("SELECT $a + 1 FROM {tbl} -- {sys_instance_id}")),
       canned({{"SELECT 41", rows1("v", "41")}}));
  f.host.start({{"tbl", "t"}});
  f.host.run();
  CHECK(sql_texts(f.host).at(1) == "SELECT 41 + 1 FROM t -- abcd1234");

  Fx strict(make_then(named(make_sql("SELECT none"), "a"), make_sql("SELECT $a")),
            canned({{"SELECT none", R"({"rows":[],"row_count":0})"}}));
  strict.host.start();
  strict.host.run();
  CHECK(strict.host.state.status == InstanceStatus::Failed);
  CHECK(strict.host.state.result == "$a has no rows — query returned zero results");
  CHECK(sql_texts(strict.host).size() == 1);  // the failing node never ran
}

TEST_CASE("step: SLEEP, WAIT_SCHEDULE and BREAK do not store named results") {
  Fx f(make_then(named(make_sleep(2), "s"), make_sql("SELECT $s")));
  f.host.start();
  const std::int64_t t0 = f.host.now;
  REQUIRE(f.host.outstanding.size() == 1);
  CHECK(f.host.outstanding.begin()->second.deadline_ms == t0 + 2000);
  f.host.run();
  CHECK(sql_texts(f.host) == std::vector<std::string>{"SELECT $s"});
  CHECK(f.host.stamps().at(2) == "Completed #1 1 {\"slept\": true, \"seconds\": 2}");

  Fx sched(make_then(named(make_wait_for_schedule("* * * * *"), "w"), make_sql("SELECT $w")));
  sched.host.now = 1700000000000;  // 22:13:20 -> next tick 22:14:00
  sched.host.start();
  CHECK(sched.host.outstanding.begin()->second.deadline_ms == 1700000040000);
  sched.host.run();
  CHECK(sched.host.stamps().at(2) == "Completed #1 1 {\"scheduled\": true}");
  CHECK(sql_texts(sched.host) == std::vector<std::string>{"SELECT $w"});
}

TEST_CASE("step: IF runs one arm by the condition's truthiness") {
  auto build = [] {
    return make_if(make_sql("COND"), make_sql("SELECT 'then'"), make_sql("SELECT 'else'"));
  };
  Fx yes(build(), canned({{"COND", rows1("b", "true")}}));
  yes.host.start();
  yes.host.run();
  CHECK(sql_texts(yes.host) == std::vector<std::string>{"COND", "SELECT 'then'"});
  CHECK(yes.host.state.result == rows1("sql", "\"SELECT 'then'\""));
  Fx no(build(), canned({{"COND", R"({"rows":[],"row_count":0})"}}));
  no.host.start();
  no.host.run();
  CHECK(sql_texts(no.host) == std::vector<std::string>{"COND", "SELECT 'else'"});
  Fx broken(build(), canned({}, {{"COND", "cond failed"}}));
  broken.host.start();
  broken.host.run();
  CHECK(broken.host.state.result == "cond failed");
  CHECK(broken.host.stamps().at(2) == "Failed #3 1 cond failed");  // condition is node 3
  CHECK(broken.host.stamps().at(3) == "Failed #0 1 cond failed");
}

TEST_CASE("step: if_rows checks row_count of a named result") {
  auto build = [](const char* sql) {
    return make_then(named(make_sql(sql), "r"),
                     make_if_rows("r", make_sql("SELECT 'some'"), make_sql("SELECT 'none'")));
  };
  Fx some(build("A"), canned({{"A", rows1("x", "1")}}));
  some.host.start();
  some.host.run();
  CHECK(sql_texts(some.host).back() == "SELECT 'some'");
  Fx none(build("B"), canned({{"B", R"({"rows":[],"row_count":0})"}}));
  none.host.start();
  none.host.run();
  CHECK(sql_texts(none.host).back() == "SELECT 'none'");
  Fx not_sql(build("C"), canned({{"C", R"({"status":200})"}}));
  not_sql.host.start();
  not_sql.host.run();
  CHECK(not_sql.host.state.result == "df.if_rows: result 'r' is not a SQL result (missing row_count)");
  Fx missing(make_if_rows("nope", make_sql("X"), make_sql("Y")));
  missing.host.start();
  CHECK(missing.host.state.result == "df.if_rows: result 'nope' not found");
}

TEST_CASE("step: JOIN waits for all, keeps branch order, merges named results in order") {
  Fx f(make_then(join2(named(make_sql("SELECT 1"), "x"), named(make_sql("SELECT 2"), "x")),
                 make_sql("SELECT $x")),
       canned({{"SELECT 1", rows1("v", "1")}, {"SELECT 2", rows1("v", "2")}}));
  f.host.start();
  REQUIRE(f.host.outstanding.size() == 2);  // both branches run concurrently
  f.host.answer(task_for(f.host, "SELECT 2"));  // right finishes first
  CHECK(f.host.of_kind(K::NodeCompleted).size() == 1);
  f.host.run();
  CHECK(f.host.stamps().at(6) == "Completed #1 1 [" + rows1("v", "1") + "," + rows1("v", "2") + "]");
  CHECK(sql_texts(f.host).back() == "SELECT 2");  // the later branch's x wins
  // Branch scopes are child scopes rooted at the branch node.
  CHECK(f.host.stamps().at(2) == "Running #2 1::#2::1");
}

TEST_CASE("step: a failed JOIN branch fails the JOIN after all branches finish") {
  Fx f(join2(make_sql("SELECT 1"), make_sql("FAIL nope")));
  f.host.start();
  f.host.answer(task_for(f.host, "FAIL nope"));
  CHECK(f.host.state.status == InstanceStatus::Running);  // still waiting for branch 1
  f.host.run();
  CHECK(f.host.state.result == "JOIN branch 2 failed: nope");
  CHECK(f.db.effect_log == std::vector<std::string>{"SELECT 1"});
}

TEST_CASE("step: RACE — the first to finish wins, the loser is cancelled and refused") {
  Fx f(make_race(make_sql("SLOW"), named(make_sql("FAST"), "w")));
  f.host.start();
  const auto slow = task_for(f.host, "SLOW");
  const Event late = f.host.answer_event(slow);
  f.host.answer(task_for(f.host, "FAST"));
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(f.host.state.result == rows1("sql", "\"FAST\""));
  REQUIRE(f.host.of_kind(K::CancelTask).size() == 1);
  CHECK(f.host.of_kind(K::CancelTask)[0]->task_id == slow);
  CHECK_FALSE(f.host.feed(late));                      // stale: rolled back by the host
  CHECK(f.db.effect_log == std::vector<std::string>{"FAST"});
}

TEST_CASE("step: RACE — a failing first finisher fails the race") {
  Fx f(make_race(make_sql("SLOW"), make_sql("FAIL oops")));
  f.host.start();
  f.host.answer(task_for(f.host, "FAIL oops"));
  CHECK(f.host.state.result == "RACE right branch failed: oops");
  CHECK(f.host.of_kind(K::CancelTask).size() == 1);
}

TEST_CASE("step: a losing LOOP branch is stamped failed; its scope is <gen>::#loop::<iter>") {
  Fx f(make_race(make_loop(make_sql("TICK"), nullptr), make_wait_for_signal("stop", std::nullopt)),
       {}, StepConfig{0, 100});
  f.host.start();
  f.host.answer(task_for(f.host, "TICK"));
  auto stamps = f.host.stamps();
  CHECK(stamps.at(stamps.size() - 2) == "Running #1 1::#1::2");  // the loop's 2nd iteration
  CHECK(stamps.back() == "Running #2 1::#1::2");
  f.host.signal("stop");
  CHECK(f.host.state.status == InstanceStatus::Completed);
  stamps = f.host.stamps();
  CHECK(std::find(stamps.begin(), stamps.end(),
                  "Failed #1 1::#1::2 Loop branch cancelled after losing RACE") != stamps.end());
}

TEST_CASE("step: signals — wait then deliver; buffered before the wait; timeout") {
  Fx f(make_then(make_sql("A"), named(make_wait_for_signal("go", std::nullopt), "sig")));
  f.host.start();
  f.host.signal("go", "{\"k\": 1}");   // arrives before the wait is reached: buffered
  f.host.signal("go", "second");
  CHECK(f.host.state.signals.size() == 2);
  f.host.run();
  CHECK(f.host.state.result == R"({"signal_name":"go","timed_out":false,"data":{"k":1}})");

  Fx w(named(make_wait_for_signal("go", std::nullopt), "sig"));
  w.host.start();
  CHECK(w.host.outstanding.empty());
  w.host.signal("other");                 // no matching wait: buffered, no progress
  CHECK(w.host.state.status == InstanceStatus::Running);
  w.host.signal("go", "not json");
  CHECK(w.host.state.result == R"({"signal_name":"go","timed_out":false,"data":"not json"})");

  Fx t(make_wait_for_signal("go", 5));
  t.host.start();
  const std::int64_t t0 = t.host.now;
  REQUIRE(t.host.outstanding.size() == 1);
  CHECK(t.host.outstanding.begin()->second.deadline_ms == t0 + 5000);
  t.host.run();
  CHECK(t.host.state.result == R"({"signal_name":"go","timed_out":true,"data":null})");
  CHECK_FALSE(t.host.signal("go"));       // instance over: refused
}

TEST_CASE("step: awaited_signal_names tells the host which buffered signals to feed") {
  Fx f(make_then(make_sql("A"), join2(make_wait_for_signal("go", std::nullopt),
                                          make_wait_for_signal("stop", 5))));
  f.host.start();
  CHECK(awaited_signal_names(f.program, f.host.state).empty());  // still at A
  f.host.answer(f.host.outstanding.begin()->first);  // A
  CHECK(awaited_signal_names(f.program, f.host.state) == std::vector<std::string>{"go", "stop"});
  f.host.signal("go");
  CHECK(awaited_signal_names(f.program, f.host.state) == std::vector<std::string>{"stop"});
  f.host.signal("stop");
  CHECK(awaited_signal_names(f.program, f.host.state).empty());  // finished
}

TEST_CASE("step: a signal cancels the wait's timeout timer; the late timer is refused") {
  Fx f(make_wait_for_signal("go", 5));
  f.host.start();
  const auto timer = f.host.outstanding.begin()->first;
  Event fired;
  fired.kind = Event::Kind::TimerFired;
  fired.task_id = timer;
  fired.now_ms = f.host.now + 6000;
  f.host.signal("go");
  CHECK(f.host.of_kind(K::CancelTask).at(0)->task_id == timer);
  CHECK_FALSE(f.host.feed(fired));
}

TEST_CASE("step: BREAK exits the nearest loop with its value; outside a loop it fails") {
  Fx f(make_then(make_sql("PRE"),
                 make_loop(make_if(make_sql("LT c 2"), make_sql("INC c"), make_break(std::string("done"))),
                           nullptr)),
       {}, StepConfig{0, 100});
  f.host.start();
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(f.host.state.result == "\"done\"");
  CHECK(f.db.counters["c"] == 2);
  CHECK(f.host.stamps().back() == "Completed #0 1 \"done\"");

  Fx obj(make_loop(make_break(std::string("{\"status\":\"ok\"}")), nullptr));
  obj.host.start();
  CHECK(obj.host.state.result == "{\"status\":\"ok\"}");
  Fx none(make_loop(make_break(std::nullopt), nullptr));
  none.host.start();
  CHECK(none.host.state.result == "null");

  Fx outside(make_then(make_sql("A"), make_break(std::string("x"))));
  outside.host.start();
  outside.host.run();
  CHECK(outside.host.state.status == InstanceStatus::Failed);
  CHECK(outside.host.state.result == kBreakOutsideLoopMessage);
}

TEST_CASE("step: a break inside a JOIN branch propagates to the enclosing loop") {
  Fx f(make_loop(join2(make_sql("A"), make_break(std::string("7"))), nullptr));
  f.host.start();
  f.host.run();
  CHECK(f.host.state.result == "7");
  CHECK(f.host.state.status == InstanceStatus::Completed);
}

TEST_CASE("step: do-while loop yields the last body result when the condition is falsy") {
  Fx f(make_loop(make_sql("INC n"), make_sql("LT n 3")), {}, StepConfig{0, 100});
  f.host.start();
  f.host.run();
  CHECK(f.db.counters["n"] == 3);
  CHECK(f.host.state.result == rows1("v", "3"));
  // Root loop: every iteration is a new root generation.
  CHECK(f.host.of_kind(K::NodeRunning).back()->scope == "3");
  // The finished state keeps only the main thread, with the last root generation.
  REQUIRE(f.host.state.threads.size() == 1);
  CHECK(f.host.state.threads.begin()->second.scope.at(0).generation == 3);
  CHECK(f.host.state.threads.begin()->second.status == ThreadStatus::Done);
}

TEST_CASE("step: loop pacing arms a timer for short iterations; long ones go straight on") {
  Fx f(make_loop(make_sql("INC n"), make_sql("LT n 2")));  // default 1000 ms minimum
  f.host.start();
  const std::int64_t t0 = f.host.now;
  f.host.answer(f.host.outstanding.begin()->first);
  f.host.answer(f.host.outstanding.begin()->first);
  REQUIRE(f.host.outstanding.size() == 1);
  CHECK(f.host.outstanding.begin()->second.kind == K::ArmTimer);
  CHECK(f.host.outstanding.begin()->second.deadline_ms == t0 + 1000);
  f.host.run();
  CHECK(f.db.counters["n"] == 2);

  Fx slow(make_loop(make_sql("INC n"), make_sql("LT n 2")), {}, StepConfig{5, 100});
  slow.host.start();
  slow.host.run();
  CHECK(slow.host.of_kind(K::ArmTimer).empty());  // each SQL answer takes 7 ms here
}

TEST_CASE("step: the iteration cap fails the loop with REFERENCE's message") {
  Fx f(make_loop(make_sql("INC n"), nullptr), {}, StepConfig{0, 3});
  f.host.start();
  f.host.run();
  CHECK(f.db.counters["n"] == 3);
  CHECK(f.host.state.result ==
        "Loop exceeded maximum iteration count of 3. Use df.break() to exit the loop or restructure the workflow.");
  CHECK(loop_cap_message(100000) ==
        "Loop exceeded maximum iteration count of 100000. Use df.break() to exit the loop or restructure the workflow.");
}

TEST_CASE("step: root loops reset named results per iteration; nested loops thread them") {
  auto body = [] { return make_then(make_sql("SELECT $x"), named(make_sql("INC c"), "x")); };
  Fx root(make_loop(body(), make_sql("LT c 2")), {}, StepConfig{0, 100});
  root.host.start();
  root.host.run();
  CHECK(sql_texts(root.host) ==
        std::vector<std::string>{"SELECT $x", "INC c", "LT c 2", "SELECT $x", "INC c", "LT c 2"});
  Fx nested(make_then(make_sql("PRE"), make_loop(body(), make_sql("LT c 2"))), {}, StepConfig{0, 100});
  nested.host.start();
  nested.host.run();
  CHECK(sql_texts(nested.host).at(4) == "SELECT 1");
  // Nested loop scope: <root gen>::#<loop>::<iteration+1>.
  CHECK(nested.host.of_kind(K::RunSql).back()->scope == "1::#2::2");
}

TEST_CASE("step: Cancel cancels every running task; later events are refused") {
  Fx f(join2(make_sql("A"), make_sleep(60)));
  f.host.start();
  REQUIRE(f.host.outstanding.size() == 2);
  const auto a = task_for(f.host, "A");
  const Event late = f.host.answer_event(a);
  CHECK(f.host.cancel());
  CHECK(f.host.state.status == InstanceStatus::Cancelled);
  CHECK(f.host.of_kind(K::CancelTask).size() == 2);
  CHECK(f.host.outstanding.empty());
  const std::size_t actions = f.host.actions.size();
  CHECK_FALSE(f.host.feed(late));
  CHECK_FALSE(f.host.cancel());
  CHECK_FALSE(f.host.signal("x"));
  CHECK(f.host.actions.size() == actions);
  CHECK(f.db.effect_log.empty());
}

TEST_CASE("step: stale and mismatched events are refused without changing the state") {
  Fx f(make_then(make_sql("A"), make_sleep(1)));
  f.host.start();
  const auto a = task_for(f.host, "A");
  const Event ok = f.host.answer_event(a);
  Event as_timer = ok;
  as_timer.kind = Event::Kind::TimerFired;
  const State before = f.host.state;
  StepResult r = step(f.program, f.host.state, as_timer);
  CHECK_FALSE(r.accepted);
  CHECK(r.state == before);
  CHECK(f.host.feed(ok));
  CHECK_FALSE(f.host.feed(ok));  // already completed
  Event again;
  again.kind = Event::Kind::Start;
  CHECK_FALSE(step(f.program, f.host.state, again).accepted);
  Event unknown;
  unknown.kind = Event::Kind::TaskSucceeded;
  unknown.task_id = 999;
  CHECK_FALSE(step(f.program, f.host.state, unknown).accepted);
  CHECK(f.db.effect_log == std::vector<std::string>{"A"});
}

TEST_CASE("step: HTTP runs the substituted config with the loop iteration; failures propagate") {
  Fx f(make_then(named(make_sql("ID"), "r"),
                 make_loop(make_then(named(make_http("https://h/{sys_label}/$r", "POST", std::string("$r.v"),
                                                     std::string(R"({"X-A":"$r"})"), 10),
                                           "resp"),
                                 make_sql("INC i")),
                           make_sql("LT i 2"))),
       canned({{"ID", rows1("v", "5")}}), StepConfig{0, 100});
  f.host.start();
  f.host.run();
  auto http = f.host.of_kind(K::RunHttp);
  REQUIRE(http.size() == 2);
  CHECK(http[0]->text ==
        R"({"url":"https://h/lbl/5","method":"POST","body":"5","headers":{"X-A":"5"},"timeout_seconds":10})");
  CHECK(http[0]->iteration == 0);
  CHECK(http[1]->iteration == 1);
  CHECK(f.host.state.status == InstanceStatus::Completed);

  Fx bad(make_http("https://h/x", "GET", std::nullopt, std::nullopt, 5));
  bad.host.start();
  Event failed;
  failed.kind = Event::Kind::TaskFailed;
  failed.task_id = bad.host.outstanding.begin()->first;
  failed.payload = "HTTP timeout after 5s: https://h/x";
  CHECK(bad.host.feed(failed));
  CHECK(bad.host.state.result == "HTTP timeout after 5s: https://h/x");
}

TEST_CASE("step: pending_actions re-issues exactly the outstanding tasks") {
  Fx f(join2(make_sql("A"), make_then(make_sql("B"), make_sleep(3))));
  f.host.start();
  f.host.answer(task_for(f.host, "B"));
  const auto pending = pending_actions(f.host.state);
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].kind == K::RunSql);
  CHECK(pending[0].text == "A");
  CHECK(pending[0].scope == "1::#1::1");
  CHECK(pending[1].kind == K::ArmTimer);
  CHECK(pending[1].deadline_ms == f.host.outstanding.at(pending[1].task_id).deadline_ms);
}

TEST_CASE("step: a state that does not fit the program is refused") {
  Fx f(make_sql("A"));
  f.host.start();
  State broken = f.host.state;
  broken.threads.begin()->second.pc = 999;
  Event ev;
  ev.kind = Event::Kind::Signal;
  CHECK_THROWS_AS(step(f.program, broken, ev), StateError);
}

TEST_CASE("step: hostile values fail a node instead of escaping the step") {
  const std::string deep = std::string(600, '[') + std::string(600, ']');
  Fx join(join2(make_sql("DEEP"), make_sql("A")), canned({{"DEEP", deep}}));
  join.host.start();
  join.host.run();
  CHECK(join.host.state.status == InstanceStatus::Failed);
  CHECK(join.host.state.result.rfind("JOIN branch 1 failed: ", 0) == 0);
  Fx ok(join2(make_sql("A"), make_sql("B")), canned({{"A", "[[1]]"}, {"B", "  {\"x\" : 2} "}}));
  ok.host.start();
  ok.host.run();
  CHECK(ok.host.state.result == R"([[[1]],{"x":2}])");  // branch results parsed, re-emitted compactly

  // make_sleep refuses this (kMaxDurationSeconds); a graph built by hand still must not
  // overflow the deadline: it saturates.
  auto huge = std::make_unique<df::ir::Node>(df::ir::NodeType::Sleep);
  huge->query = std::to_string(std::numeric_limits<std::int64_t>::max() / 10);
  CHECK_THROWS(make_sleep(std::numeric_limits<std::int64_t>::max() / 10));
  Fx sleep(std::move(huge));
  sleep.host.start();
  CHECK(sleep.host.outstanding.begin()->second.deadline_ms == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("step: signal waits inside JOIN branches; one signal reaches every waiting branch") {
  Fx f(join2(make_wait_for_signal("go", std::nullopt), make_wait_for_signal("go", std::nullopt)));
  f.host.start();
  CHECK(f.host.state.status == InstanceStatus::Running);
  f.host.signal("go", "1");
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(f.host.state.result ==
        R"([{"signal_name":"go","timed_out":false,"data":1},{"signal_name":"go","timed_out":false,"data":1}])");
  CHECK(f.host.state.signals.empty());

  // Buffered signals go oldest first, one per wait reached.
  Fx seq(make_then(make_sql("A"), make_then(named(make_wait_for_signal("go", std::nullopt), "first"),
                                            make_wait_for_signal("go", std::nullopt))));
  seq.host.start();
  seq.host.signal("go", "1");
  seq.host.signal("go", "2");
  seq.host.run();
  CHECK(seq.host.state.result == R"({"signal_name":"go","timed_out":false,"data":2})");
  CHECK(seq.host.stamps().at(5) == R"(Completed #3 1 {"signal_name":"go","timed_out":false,"data":1})");
}

TEST_CASE("step: nested forks render nested scopes") {
  Fx f(join2(make_sql("A"), join2(make_sql("B"), make_loop(make_break(std::nullopt), nullptr))));
  f.host.start();
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  std::vector<std::string> scopes;
  for (const Action* a : f.host.of_kind(K::NodeRunning))
    scopes.push_back("#" + std::to_string(a->node) + "@" + a->scope);
  // Nodes: 0 JOIN, 1 A, 2 inner JOIN, 3 B, 4 LOOP (branch root), 5 BREAK.
  CHECK(scopes == std::vector<std::string>{"#0@1", "#1@1::#1::1", "#2@1::#2::1", "#3@1::#2::1::#3::1",
                                           "#4@1::#2::1::#4::1", "#5@1::#2::1::#4::1"});
  CHECK(f.host.state.result == R"([{"rows":[{"sql":"A"}],"row_count":1},[{"rows":[{"sql":"B"}],"row_count":1},null]])");
}

TEST_CASE("step: HTTP_MULTIPART substitutes parts; a mixed data_b64 fails the node") {
  auto parts = [](const char* data) {
    return std::string(R"([{"name":"f-{sys_label}","data_b64":")") + data +
           R"(","filename":"$r.n.txt","content_type":"text/plain"}])";
  };
  Fx f(make_then(named(make_sql("R"), "r"),
                 make_http_multipart("https://h/up", "POST", parts("$r.b"), std::nullopt, 30)),
       canned({{"R", R"({"rows":[{"b":"aGk=","n":"x"}],"row_count":1})"}}));
  f.host.start();
  f.host.run();
  REQUIRE(f.host.of_kind(K::RunHttp).size() == 1);
  const std::string text = f.host.of_kind(K::RunHttp)[0]->text;
  INFO(text);
  CHECK(text == R"({"url":"https://h/up","method":"POST","parts":[{"content_type":"text/plain",)"
                 R"("data_b64":"aGk=","filename":"x.txt","name":"f-lbl"}],"headers":null,"timeout_seconds":30})");
  CHECK(f.host.state.status == InstanceStatus::Completed);

  Fx bad(make_then(named(make_sql("R"), "r"),
                   make_http_multipart("https://h/up", "POST", parts("AA$r.b"), std::nullopt, 30)),
         canned({{"R", R"({"rows":[{"b":"aGk=","n":"x"}],"row_count":1})"}}));
  bad.host.start();
  bad.host.run();
  CHECK(bad.host.state.status == InstanceStatus::Failed);
  CHECK(bad.host.state.result.find("whole-value reference") != std::string::npos);
  CHECK(bad.host.of_kind(K::RunHttp).empty());
}

TEST_CASE("step: a schedule that never fires again fails the node") {
  Fx f(make_wait_for_schedule("0 0 1 1 * 2020"));
  f.host.start();
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(f.host.state.result == "Cron expression '0 0 1 1 * 2020' has no upcoming tick");
  CHECK(f.host.of_kind(K::ArmTimer).empty());
}

TEST_CASE("step: action kind names are generated from the one action list") {
  CHECK(std::string(action_kind_name(K::RunSql)) == "RunSql");
  CHECK(std::string(action_kind_name(K::InstanceFailed)) == "InstanceFailed");
  CHECK(std::string(action_kind_name(K::NodeRetrying)) == "NodeRetrying");
#define DF_TEST_ACTION_NAME(name) CHECK(std::string(action_kind_name(K::name)) == #name);
  DF_VM_ACTION_KINDS(DF_TEST_ACTION_NAME)
#undef DF_TEST_ACTION_NAME
}
