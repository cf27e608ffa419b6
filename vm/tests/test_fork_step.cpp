// test_fork_step.cpp — df.fork in the VM (fork.hpp): the start point built from an original
// instance's node records (named results, last result, undo entries), the refusals, and a
// forked instance that runs only the fork's node and what follows it, seeing the reused
// results exactly as the original's later steps did.
#include <doctest/doctest.h>

#include "args.hpp"
#include "failure.hpp"
#include "fork.hpp"
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

// What df.nodes would say about each node after the host applied the actions so far.
std::vector<NodeRecord> records(const SimHost& h) {
  std::vector<NodeRecord> r(h.program.nodes.size());
  std::int64_t order = 0;
  for (const Action& a : h.actions) {
    ++order;
    if (a.kind == K::NodeRunning || a.kind == K::NodeRetrying || a.kind == K::NodeFailed) {
      r[a.node].started = true;
      r[a.node].completed = false;
    } else if (a.kind == K::NodeCompleted) {
      r[a.node] = NodeRecord{true, true, a.text, order};
    }
  }
  return r;
}

std::vector<std::string> sql_texts(const SimHost& h) {
  std::vector<std::string> out;
  for (const Action* a : h.of_kind(K::RunSql)) out.push_back(a->text);
  return out;
}

ir::NodePtr named(ir::NodePtr n, const std::string& name) {
  n->result_name = name;
  return n;
}

std::vector<ir::NodePtr> two(ir::NodePtr a, ir::NodePtr b) {
  std::vector<ir::NodePtr> v;
  v.push_back(std::move(a));
  v.push_back(std::move(b));
  return v;
}

// The reason a fork from `from` is refused and the node it names ("" = accepted).
std::pair<std::string, std::uint32_t> refusal(const Program& p, std::uint32_t from, const std::vector<NodeRecord>& r) {
  try {
    plan_fork(p, from, r);
  } catch (const ForkError& e) {
    return {e.what(), e.node};
  }
  return {"", 0};
}

}  // namespace

TEST_CASE("fork: the steps before the node are reused, the node and what follows run again") {
  // #0 THEN(#1 THEN(#2 INC a |=> a, #3 INC b |=> b), #4 C $a $b)
  Fx orig(make_then(make_then(named(make_sql("INC a"), "a"), named(make_sql("INC b"), "b")), make_sql("C $a $b")));
  orig.host.sql.canned["C 1 1"] = {false, R"({"message":"relation \"t\" does not exist","sqlstate":"42P01"})"};
  orig.host.start();
  orig.host.run();
  REQUIRE(orig.host.state.status == InstanceStatus::Failed);

  ForkPoint p = plan_fork(orig.program, 4, records(orig.host));
  CHECK(p.node == 4);
  CHECK(p.results == std::map<std::string, std::string>{{"a", test::rows1("v", "1")}, {"b", test::rows1("v", "1")}});
  CHECK(p.acc == test::rows1("v", "1"));  // the THEN before it: INC b's result
  CHECK(p.undos.empty());
  CHECK(fork_reused_nodes(orig.program, 4) == std::vector<std::uint32_t>{1, 2, 3});
  CHECK(entry_pc(orig.program, 4) == 5);  // ENTER #0, ENTER #1, SQL #2, SQL #3, LEAVE #1, SQL #4

  // The fork: a new instance of the same program on the same database, C only.
  Fx fork(make_then(make_then(named(make_sql("INC a"), "a"), named(make_sql("INC b"), "b")), make_sql("C $a $b")));
  fork.host.fork = p;
  fork.host.start();
  CHECK(fork.host.stamps() == std::vector<std::string>{"Running #0 1", "Running #4 1"});
  fork.host.run();
  CHECK(fork.host.state.status == InstanceStatus::Completed);
  CHECK(sql_texts(fork.host) == std::vector<std::string>{"C 1 1"});
  CHECK(fork.db.counters.empty());  // neither INC ran again

  // Forking from an inner THEN's left step: only what is before it in the sequence is reused.
  ForkPoint from_b = plan_fork(orig.program, 3, records(orig.host));
  CHECK(from_b.results == std::map<std::string, std::string>{{"a", test::rows1("v", "1")}});
  CHECK(fork_reused_nodes(orig.program, 3) == std::vector<std::uint32_t>{2});
  // From the root: nothing is reused.
  CHECK(plan_fork(orig.program, 0, records(orig.host)).results.empty());
}

TEST_CASE("fork: a JOIN before the node merges its branches in order; a RACE only its winner") {
  // #0 THEN(#1 THEN(#2 JOIN(#3 X|=>v, #4 Y|=>v), #5 RACE(#6 THEN(#7 L|=>lost, #8 SLEEP), #9 W|=>r)), #10 END)
  auto race = make_race(make_then(named(make_sql("L"), "lost"), make_sleep(60)), named(make_sql("W"), "r"));
  Fx orig(make_then(make_then(make_join(two(named(make_sql("X"), "v"), named(make_sql("Y"), "v"))), std::move(race)),
                    make_sql("END $v")));
  orig.host.start();
  orig.host.run();
  REQUIRE(orig.host.state.status == InstanceStatus::Completed);
  ForkPoint p = plan_fork(orig.program, 10, records(orig.host));
  CHECK(records(orig.host)[7].completed);  // the loser's first step completed, yet:
  CHECK(p.results.count("lost") == 0);
  CHECK(p.results.at("v") == test::rows1("sql", "\"Y\""));  // the second branch wins the merge
  CHECK(p.results.at("r") == test::rows1("sql", "\"W\""));
  CHECK(p.acc == test::rows1("sql", "\"W\""));
}

TEST_CASE("fork: the reused with_undo steps are undone when the forked instance fails") {
  // #0 THEN(#1 UNDO(#2 INC a, #3 INC ua), #4 X)
  Fx orig(make_then(make_with_undo(make_sql("INC a"), make_sql("INC ua")), make_sql("X")));
  orig.host.start();
  REQUIRE(orig.host.answer(orig.host.outstanding.begin()->first));  // INC a; X is running
  ForkPoint p = plan_fork(orig.program, 4, records(orig.host));
  REQUIRE(p.undos.size() == 1);
  CHECK(p.undos[0].node == 1);
  CHECK(p.undos[0].seq == 1);

  SimSql failing;
  failing.canned["X"] = {false, "boom"};
  Fx fork(make_then(make_with_undo(make_sql("INC a"), make_sql("INC ua")), make_sql("X")), failing);
  fork.db.counters["a"] = 1;  // the original's effect
  fork.host.fork = p;
  fork.host.start();
  fork.host.run();
  CHECK(fork.host.state.status == InstanceStatus::Failed);
  CHECK(sql_texts(fork.host) == std::vector<std::string>{"X", "INC ua"});
  CHECK(fork.db.counters["a"] == 1);
  CHECK(fork.db.counters["ua"] == 1);
  CHECK(fork.host.state.next_undo_seq == 2);
}

TEST_CASE("fork: what cannot be forked from is refused, naming the node in the way") {
  // #0 THEN(#1 LOOP(#2 INC l, #3 LT l 2), #4 THEN(#5 JOIN(#6 A, #7 B), #8 CATCH(#9 C, #10 H)))
  Fx f(make_then(make_loop(make_sql("INC l"), make_sql("LT l 2")),
                 make_then(make_join(two(make_sql("A"), make_sql("B"))), make_catch(make_sql("C"), make_sql("H")))));
  f.host.start();
  f.host.run();
  REQUIRE(f.host.state.status == InstanceStatus::Completed);
  const auto r = records(f.host);
  CHECK(refusal(f.program, 2, r).second == 1);  // inside the LOOP
  CHECK(refusal(f.program, 2, r).first.find("inside the LOOP node") != std::string::npos);
  CHECK(refusal(f.program, 6, r).second == 5);  // inside the JOIN
  CHECK(refusal(f.program, 9, r).second == 8);  // inside the CATCH
  CHECK(refusal(f.program, 99, r).first == "no such node");
  CHECK(refusal(f.program, 8, r).first.empty());
  CHECK(refusal(f.program, 5, r).first.empty());
  CHECK(refusal(f.program, 1, r).first.empty());

  // a node that never ran
  Fx early(make_then(make_sql("X"), make_sql("Y")));
  early.host.start();  // X runs, Y never started
  CHECK(refusal(early.program, 2, records(early.host)) == std::make_pair(std::string("it never ran in the original instance"), 2u));

  // a CATCH before it whose handler ran: the error value is not stored
  SimSql failing;
  failing.canned["C"] = {false, "boom"};
  Fx caught(make_then(make_catch(make_sql("C"), make_sql("H")), make_sql("D")), failing);
  caught.host.start();
  caught.host.run();
  CHECK(refusal(caught.program, 4, records(caught.host)).second == 1);

  // a with_undo before it whose undo ran (the original failed and compensated)
  SimSql x_fails;
  x_fails.canned["X"] = {false, "boom"};
  Fx undone(make_then(make_with_undo(make_sql("A"), make_sql("UA")), make_sql("X")), x_fails);
  undone.host.start();
  undone.host.run();
  REQUIRE(undone.host.state.status == InstanceStatus::Failed);
  CHECK(refusal(undone.program, 4, records(undone.host)).first.find("undo action") != std::string::npos);

  // loops that df.nodes cannot reproduce: two steps storing one name, a with_undo inside
  Fx dup(make_then(make_loop(make_then(named(make_sql("INC l"), "x"), named(make_sql("P"), "x")), make_sql("LT l 2")),
                   make_sql("END")));
  dup.host.start();
  dup.host.run();
  CHECK(refusal(dup.program, 6, records(dup.host)).first.find("result name 'x'") != std::string::npos);
  Fx undo_loop(make_then(make_loop(make_with_undo(make_sql("INC l"), make_sql("U")), make_sql("LT l 2")), make_sql("END")));
  undo_loop.host.start();
  undo_loop.host.run();
  CHECK(refusal(undo_loop.program, 6, records(undo_loop.host)).second == 1);
}
