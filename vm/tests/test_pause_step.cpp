// test_pause_step.cpp — on_failure 'pause' in the step function (StepConfig::pause_on_failure):
// a failure no df.catch takes runs no undo action and ends in InstancePaused with a resume
// point, so a Resume event goes on from it; a caught failure still compensates its scope; a
// failure that decided a RACE or a df.timeout that ran out cannot be resumed and compensates
// and fails as under 'fail'.
#include <doctest/doctest.h>

#include "args.hpp"
#include "failure.hpp"
#include "sim_host.hpp"

using namespace df;
using namespace df::compiler;
using namespace df::vm;
using df::vm::test::SimHost;
using df::vm::test::SimSql;
using K = df::vm::Action::Kind;

namespace {

StepConfig pausing() {
  StepConfig c;
  c.pause_on_failure = true;
  return c;
}

SimSql failing(const std::string& sql) {
  SimSql s;
  s.canned[sql] = {false, R"({"message":"relation \"fee\" does not exist","sqlstate":"42P01"})"};
  return s;
}

struct Fx {
  Fx(ir::NodePtr r, SimSql sql) : root(std::move(r)), program(lower(*root)), host(program, db, std::move(sql), pausing()) {}
  ir::NodePtr root;
  Program program;
  df::vm::test::SimDb db;
  SimHost host;
};

std::vector<std::string> sql_texts(const SimHost& h) {
  std::vector<std::string> out;
  for (const Action* a : h.of_kind(K::RunSql)) out.push_back(a->text);
  return out;
}

ir::NodePtr undo(const std::string& fwd, const std::string& und) { return make_with_undo(make_sql(fwd), make_sql(und)); }

}  // namespace

TEST_CASE("pause: a saga's failing last step undoes nothing; the instance pauses and resumes") {
  Fx f(make_then(make_then(undo("DEBIT a", "CREDIT a"), undo("CREDIT b", "DEBIT b")), make_sql("FEE")), failing("FEE"));
  f.host.start();
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Failed);  // the VM's view; the host records 'paused'
  REQUIRE(f.host.of_kind(K::InstancePaused).size() == 1);
  CHECK(f.host.of_kind(K::InstanceFailed).empty());
  CHECK(f.host.of_kind(K::InstancePaused)[0]->text == "relation \"fee\" does not exist");
  CHECK(sql_texts(f.host) == std::vector<std::string>{"DEBIT a", "CREDIT b", "FEE"});
  CHECK(resume_problem(f.host.state).empty());
  f.host.sql.canned.erase("FEE");  // the cause is fixed
  REQUIRE(f.host.resume());
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(sql_texts(f.host) == std::vector<std::string>{"DEBIT a", "CREDIT b", "FEE", "FEE"});
}

TEST_CASE("pause: under the default 'fail' the same saga compensates and fails") {
  auto root = make_then(make_then(undo("DEBIT a", "CREDIT a"), undo("CREDIT b", "DEBIT b")), make_sql("FEE"));
  const Program program = lower(*root);
  df::vm::test::SimDb db;
  SimHost h(program, db, failing("FEE"));
  h.start();
  h.run();
  CHECK(h.of_kind(K::InstancePaused).empty());
  CHECK(h.of_kind(K::InstanceFailed).size() == 1);
  CHECK(sql_texts(h) == std::vector<std::string>{"DEBIT a", "CREDIT b", "FEE", "DEBIT b", "CREDIT a"});
}

TEST_CASE("pause: a failure a df.catch takes still undoes its scope and runs the handler") {
  Fx f(make_then(undo("A", "UA"), make_catch(make_then(undo("B", "UB"), make_sql("FEE")), make_sql("H"))),
       failing("FEE"));
  f.host.start();
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(sql_texts(f.host) == std::vector<std::string>{"A", "B", "FEE", "UB", "H"});
}

TEST_CASE("pause: a failing JOIN branch lets the others finish, undoes nothing, and pauses") {
  std::vector<ir::NodePtr> branches;
  branches.push_back(undo("A", "UA"));
  branches.push_back(make_sql("FEE"));
  Fx f(make_then(make_join(std::move(branches)), make_sql("END")), failing("FEE"));
  f.host.start();
  f.host.run();
  CHECK(f.host.of_kind(K::InstancePaused).size() == 1);
  CHECK(sql_texts(f.host) == std::vector<std::string>{"A", "FEE"});
  f.host.sql.canned.erase("FEE");
  REQUIRE(f.host.resume());
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(sql_texts(f.host) == std::vector<std::string>{"A", "FEE", "FEE", "END"});
}

TEST_CASE("pause: a failure that decided a RACE cannot be resumed: it compensates and fails") {
  Fx f(make_then(undo("A", "UA"), make_race(make_sql("FEE"), make_sleep(60))), failing("FEE"));
  f.host.start();
  f.host.run();
  CHECK(f.host.of_kind(K::InstancePaused).empty());
  CHECK(f.host.of_kind(K::InstanceFailed).size() == 1);
  CHECK(sql_texts(f.host) == std::vector<std::string>{"A", "FEE", "UA"});
  CHECK_FALSE(resume_problem(f.host.state).empty());
}

TEST_CASE("pause: a df.timeout that ran out cannot be resumed either: it compensates and fails") {
  Fx f(make_then(undo("A", "UA"), make_timeout(make_sleep(60), TimeoutArgs{1000})), SimSql{});
  f.host.start();
  REQUIRE(f.host.answer(f.host.outstanding.begin()->first));  // A
  // the timeout's timer is due long before the sleep's: it fires first
  std::uint64_t first_due = 0;
  for (const auto& [id, a] : f.host.outstanding)
    if (first_due == 0 || a.deadline_ms < f.host.outstanding.at(first_due).deadline_ms) first_due = id;
  REQUIRE(f.host.answer(first_due));
  f.host.run();
  CHECK(f.host.of_kind(K::InstancePaused).empty());
  CHECK(f.host.of_kind(K::InstanceFailed).size() == 1);
  CHECK(sql_texts(f.host) == std::vector<std::string>{"A", "UA"});
}
