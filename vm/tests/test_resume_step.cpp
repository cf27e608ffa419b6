// test_resume_step.cpp — df.resume in the step function: a failed instance keeps a resume
// point (its threads as they were when they failed); a Resume event runs the failed steps
// again and keeps every completed step's result; failures that ran undo actions or
// cancelled a RACE branch leave no resume point.
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

const char* const kMissing = R"({"message":"relation \"t\" does not exist","sqlstate":"42P01"})";

SimSql failing(const std::string& sql) {
  SimSql s;
  s.canned[sql] = {false, kMissing};
  return s;
}

std::vector<std::string> sql_texts(const SimHost& h) {
  std::vector<std::string> out;
  for (const Action* a : h.of_kind(K::RunSql)) out.push_back(a->text);
  return out;
}

std::vector<ir::NodePtr> three(ir::NodePtr a, ir::NodePtr b, ir::NodePtr c) {
  std::vector<ir::NodePtr> v;
  v.push_back(std::move(a));
  v.push_back(std::move(b));
  v.push_back(std::move(c));
  return v;
}

}  // namespace

TEST_CASE("resume: the failed step runs again, completed steps keep their results and run once") {
  auto a = make_sql("INC a");
  a->result_name = "a";
  Fx f(make_then(make_then(std::move(a), make_sql("X")), make_sql("B $a")), failing("X"));
  f.host.start();
  f.host.run();
  REQUIRE(f.host.state.status == InstanceStatus::Failed);
  CHECK(resume_problem(f.host.state).empty());
  f.host.sql.canned.erase("X");  // the missing table was created
  REQUIRE(f.host.resume());
  CHECK(f.host.state.status == InstanceStatus::Running);
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(sql_texts(f.host) == std::vector<std::string>{"INC a", "X", "X", "B 1"});
  CHECK(f.db.counters["a"] == 1);
  CHECK(f.host.state.parked.empty());
  CHECK_FALSE(f.host.resume());  // only a failed instance
  CHECK(resume_problem(f.host.state) == "only a failed instance can be resumed");
}

TEST_CASE("resume: a failed JOIN branch runs again; finished branches and loops keep their place") {
  Fx f(make_join(three(make_sql("INC a"), make_then(make_sql("INC b"), make_sql("X")),
                       make_loop(make_then(make_sql("INC l"), make_sql("Y")), make_sql("LT l 3")))),
       failing("X"));
  f.host.sql.canned["Y"] = {true, df::vm::test::rows1("y", "1")};
  f.host.start();
  f.host.run();
  REQUIRE(f.host.state.status == InstanceStatus::Failed);
  f.host.sql.canned.erase("X");
  REQUIRE(f.host.resume());
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(f.db.counters["a"] == 1);
  CHECK(f.db.counters["b"] == 1);
  CHECK(f.db.counters["l"] == 3);
  const std::string& result = f.host.state.result;
  CHECK(result.rfind("[{\"rows\":[{\"v\":1}]", 0) == 0);  // branch 1's result, kept from before
}

TEST_CASE("resume: a failure inside a loop continues that iteration") {
  SimSql sql;
  Fx f(make_loop(make_then(make_sql("INC n"), make_sql("CHECK")), make_sql("LT n 3")), sql);
  // CHECK fails in the second iteration only (the resume continues it, not the first)
  f.host.start();
  f.host.answer(f.host.outstanding.begin()->first);  // INC n -> 1
  f.host.answer(f.host.outstanding.begin()->first);  // CHECK
  f.host.answer(f.host.outstanding.begin()->first);  // LT n 3
  f.host.answer(f.host.outstanding.begin()->first);  // INC n -> 2
  f.host.sql.canned["CHECK"] = {false, kMissing};
  f.host.run();
  REQUIRE(f.host.state.status == InstanceStatus::Failed);
  f.host.sql.canned.erase("CHECK");
  REQUIRE(f.host.resume());
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(f.db.counters["n"] == 3);
}

TEST_CASE("resume: refused after undo actions ran or a RACE branch was cancelled; a caught failure does not count") {
  Fx undone(make_then(make_with_undo(make_sql("A"), make_sql("UA")), make_sql("X")), failing("X"));
  undone.host.start();
  undone.host.run();
  REQUIRE(undone.host.state.status == InstanceStatus::Failed);
  CHECK(resume_problem(undone.host.state).find("undo actions") != std::string::npos);
  CHECK_FALSE(undone.host.resume());

  Fx race(make_race(make_sql("X"), make_sleep(100)), failing("X"));
  race.host.start();
  race.host.answer(1);
  REQUIRE(race.host.state.status == InstanceStatus::Failed);
  CHECK_FALSE(race.host.resume());

  Fx caught(make_then(make_catch(make_sql("X"), make_sql("H")), make_sql("Y")), failing("X"));
  caught.host.sql.canned["Y"] = {false, kMissing};
  caught.host.start();
  caught.host.run();
  REQUIRE(caught.host.state.status == InstanceStatus::Failed);
  REQUIRE(caught.host.state.parked.size() == 1);  // only Y's point: X's failure was handled
  caught.host.sql.canned.erase("Y");
  REQUIRE(caught.host.resume());
  caught.host.run();
  CHECK(caught.host.state.status == InstanceStatus::Completed);
  CHECK(sql_texts(caught.host) == std::vector<std::string>{"X", "H", "Y", "Y"});
}

TEST_CASE("resume: the resumed nodes are stamped running again, and retries start over") {
  Fx f(make_then(make_sql("A"), make_retry(make_sql("FLAKY k 4"), RetryArgs{2, 0, 0})));
  f.host.start();
  f.host.run();
  REQUIRE(f.host.state.status == InstanceStatus::Failed);  // 2 attempts of 4 needed
  const std::size_t before = f.host.actions.size();
  REQUIRE(f.host.resume());
  std::vector<std::uint32_t> running;
  for (std::size_t i = before; i < f.host.actions.size(); ++i)
    if (f.host.actions[i].kind == K::NodeRunning) running.push_back(f.host.actions[i].node);
  CHECK(running == std::vector<std::uint32_t>{0, 2, 3});  // THEN, RETRY, then the leaf itself
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);  // attempts 3 and 4 (a fresh budget of 2)
}
