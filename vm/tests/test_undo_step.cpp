// test_undo_step.cpp — compensation in the step function: once the forward step of an UNDO
// (df.with_undo, `forward <-> undo`) has completed, a later failure of the same scope runs
// its undo action; undo actions run newest first with the results their forward step left,
// then the failure goes on to the innermost CATCH or fails the instance.
#include <doctest/doctest.h>

#include "args.hpp"
#include "failure.hpp"
#include "sim_host.hpp"

using namespace df;
using namespace df::compiler;
using namespace df::vm;
using df::vm::test::SimDb;
using df::vm::test::SimHost;
using df::vm::test::SimSql;
using K = df::vm::Action::Kind;

namespace {

using Fx = df::vm::test::Fixture;

ir::NodePtr undo(const std::string& fwd, const std::string& und) { return make_with_undo(make_sql(fwd), make_sql(und)); }

std::vector<std::string> sql_texts(const SimHost& h) {
  std::vector<std::string> out;
  for (const Action* a : h.of_kind(K::RunSql)) out.push_back(a->text);
  return out;
}

std::vector<ir::NodePtr> two(ir::NodePtr a, ir::NodePtr b) {
  std::vector<ir::NodePtr> v;
  v.push_back(std::move(a));
  v.push_back(std::move(b));
  return v;
}

}  // namespace

TEST_CASE("undo: a saga's failing last step undoes the completed steps newest first, then fails") {
  Fx f(make_then(make_then(undo("DEBIT a", "CREDIT a"), undo("CREDIT b", "DEBIT b")), make_sql("FAIL last step")));
  f.host.start();
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(f.host.state.result == "last step");
  CHECK(sql_texts(f.host) ==
        std::vector<std::string>{"DEBIT a", "CREDIT b", "FAIL last step", "DEBIT b", "CREDIT a"});
  for (const auto& [id, t] : f.host.state.threads) {
    CHECK(t.undos.empty());
    CHECK_FALSE(t.compensating);
  }
}

TEST_CASE("undo: nothing is undone when nothing fails, nor for a forward step that failed itself") {
  Fx ok(make_then(undo("A", "UA"), make_sql("B")));
  ok.host.start();
  ok.host.run();
  CHECK(ok.host.state.status == InstanceStatus::Completed);
  CHECK(sql_texts(ok.host) == std::vector<std::string>{"A", "B"});

  Fx own(make_then(undo("A", "UA"), undo("FAIL b", "UB")));
  own.host.start();
  own.host.run();
  CHECK(own.host.state.status == InstanceStatus::Failed);
  CHECK(sql_texts(own.host) == std::vector<std::string>{"A", "FAIL b", "UA"});
}

TEST_CASE("undo: the failing scope is the innermost CATCH's step; its handler runs after the undo") {
  Fx f(make_then(make_then(undo("Z", "UZ"),
                           make_catch(make_then(undo("A", "UA"), make_sql("FAIL x")), make_sql("H $error.message"))),
                 make_sql("AFTER")));
  f.host.start();
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(sql_texts(f.host) == std::vector<std::string>{"Z", "A", "FAIL x", "UA", "H 'x'", "AFTER"});

  // A step that succeeded inside a CATCH stays undoable by a later failure outside it.
  Fx later(make_then(make_catch(undo("A", "UA"), make_sql("H")), make_sql("FAIL y")));
  later.host.start();
  later.host.run();
  CHECK(later.host.state.status == InstanceStatus::Failed);
  CHECK(sql_texts(later.host) == std::vector<std::string>{"A", "FAIL y", "UA"});
}

TEST_CASE("undo: in a loop every completed iteration is undone with its own results") {
  auto fwd2 = make_sql("INC m");
  fwd2->result_name = "r";
  Fx g(make_then(make_loop(make_with_undo(std::move(fwd2), make_sql("U $r")), make_sql("LT m 3")),
                 make_sql("FAIL after")));
  g.host.start();
  g.host.run();
  CHECK(g.host.state.status == InstanceStatus::Failed);
  std::vector<std::string> undos;
  for (const std::string& s : sql_texts(g.host))
    if (s.rfind("U ", 0) == 0) undos.push_back(s);
  CHECK(undos == std::vector<std::string>{"U 3", "U 2", "U 1"});  // $r: a one-value result
}

TEST_CASE("undo: a failing undo action skips the older ones and the failure names both errors") {
  SimSql sql;
  sql.canned["UB"] = {false, R"({"message":"undo broke","sqlstate":"P0001"})"};
  Fx f(make_then(make_then(undo("A", "UA"), undo("B", "UB")), make_sql("FAIL x")), sql);
  f.host.start();
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(f.host.state.result == "x (undo failed: undo broke)");
  CHECK(sql_texts(f.host) == std::vector<std::string>{"A", "B", "FAIL x", "UB"});

  // Caught: the handler sees the original error plus undo_error.
  Fx c(make_catch(make_then(undo("B", "UB"), make_sql("FAIL x")), make_sql("H $error.message $error.undo_error")), sql);
  c.host.start();
  c.host.run();
  CHECK(c.host.state.status == InstanceStatus::Completed);
  CHECK(sql_texts(c.host).back() == "H 'x' 'undo broke'");
}

TEST_CASE("undo: parallel branches hand their completed steps to the JOIN; a RACE loser's count too") {
  Fx join(make_then(make_join(two(undo("A", "UA"), make_then(make_sql("B"), make_sql("FAIL x")))), make_sql("C")));
  join.host.start();
  join.host.run();
  CHECK(join.host.state.status == InstanceStatus::Failed);
  auto texts = sql_texts(join.host);
  CHECK(texts.back() == "UA");
  CHECK(std::count(texts.begin(), texts.end(), "UA") == 1);

  Fx after(make_then(make_join(two(undo("A", "UA"), undo("B", "UB"))), make_sql("FAIL x")));
  after.host.start();
  after.host.run();
  auto t2 = sql_texts(after.host);
  REQUIRE(t2.size() == 5);  // A B (any order), FAIL x, then the two undos newest first
  CHECK(t2[2] == "FAIL x");
  CHECK(((t2[0] == "A" && t2[3] == "UB" && t2[4] == "UA") || (t2[0] == "B" && t2[3] == "UA" && t2[4] == "UB")));
}

TEST_CASE("undo: a root loop's next iteration starts with nothing to undo") {
  // An endless root loop: each iteration completes one forward step; the stack stays at one.
  Fx f(make_loop(make_then(undo("INC k", "UK"), make_sql("S")), nullptr));
  f.host.start();
  for (int i = 0; i < 40 && !f.host.outstanding.empty(); ++i) f.host.feed(f.host.answer_event(f.host.outstanding.begin()->first));
  for (const auto& [id, t] : f.host.state.threads) CHECK(t.undos.size() <= 1);
}

TEST_CASE("undo: a state in the middle of compensating round-trips and finishes the same") {
  SimDb db1, db2;
  ir::NodePtr root = make_then(make_then(undo("A", "UA"), undo("B", "UB")), make_sql("FAIL x"));
  const Program p = lower(*root);
  SimHost a(p, db1), b(p, db2);
  a.start();
  for (int i = 0; i < 3; ++i) a.feed(a.answer_event(a.outstanding.begin()->first));  // A, B, FAIL x
  REQUIRE(a.state.threads.at(1).compensating);
  const State copy = deserialize(serialize(a.state));
  CHECK(copy == a.state);
  CHECK(copy.threads.at(1).compensation.error == "x");
  a.run();
  CHECK(a.state.status == InstanceStatus::Failed);
}
