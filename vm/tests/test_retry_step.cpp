// test_retry_step.cpp — retries in the step function: a failed attempt of a SQL/HTTP step
// waits on a durable RetryTimer and runs again while the policy (df.retry, else the
// instance-wide one) allows and the failure may pass by itself; serialization failures
// are retried even without a policy; every attempt is visible in the node stamps.
#include <doctest/doctest.h>

#include "args.hpp"
#include "failure.hpp"
#include "sim_host.hpp"

using namespace df;
using namespace df::compiler;
using namespace df::vm;
using df::vm::test::Reply;
using df::vm::test::SimDb;
using df::vm::test::SimHost;
using df::vm::test::SimSql;
using K = df::vm::Action::Kind;

namespace {

using Fx = df::vm::test::Fixture;

ir::NodePtr retry(ir::NodePtr step, std::uint32_t attempts, std::int64_t backoff_ms = 1000,
                  std::int64_t max_backoff_ms = 60000) {
  return make_retry(std::move(step), RetryArgs{attempts, backoff_ms, max_backoff_ms});
}

SimSql failing(const std::string& sql, const std::string& record) {
  SimSql s;
  s.canned[sql] = {false, record};
  return s;
}

std::size_t count(const SimHost& h, K kind) { return h.of_kind(kind).size(); }

const char* const kDivZero = R"({"message":"division by zero","sqlstate":"22012"})";

}  // namespace

TEST_CASE("retry: a flaky step succeeds on a later attempt, waiting on durable timers") {
  Fx f(retry(make_sql("FLAKY a 2"), 5, 1000, 60000));
  f.host.start();
  const std::int64_t t0 = f.host.now;
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  CHECK(count(f.host, K::RunSql) == 3);
  auto timers = f.host.of_kind(K::ArmTimer);
  REQUIRE(timers.size() == 2);
  CHECK(timers[0]->deadline_ms - t0 >= 1000);
  CHECK(timers[1]->deadline_ms - timers[0]->deadline_ms >= 2000);  // doubled
  auto retrying = f.host.of_kind(K::NodeRetrying);
  REQUIRE(retrying.size() == 2);
  CHECK(retrying[0]->detail.find("\"attempt\":1") != std::string::npos);
  CHECK(retrying[0]->detail.find("\"sqlstate\":\"40001\"") != std::string::npos);
  CHECK(retrying[0]->deadline_ms == timers[0]->deadline_ms);
  auto completed = f.host.of_kind(K::NodeCompleted);
  CHECK(completed.front()->detail == "{\"attempts\":3}");
}

TEST_CASE("retry: attempts never exceed the policy; the last error fails the node") {
  Fx f(retry(make_sql("X"), 3, 10, 10), failing("X", kDivZero));
  f.host.start();
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(f.host.state.result == "division by zero");
  CHECK(count(f.host, K::RunSql) == 3);
  CHECK(count(f.host, K::NodeRetrying) == 2);
  auto failed = f.host.of_kind(K::NodeFailed);
  REQUIRE(failed.size() == 2);  // the SQL leaf (with the record) and the RETRY node
  CHECK(failed[0]->detail.find("\"attempts\":3") != std::string::npos);
  CHECK(failed[0]->detail.find("\"attempt\":3") != std::string::npos);
  CHECK(failed[1]->detail.empty());
}

TEST_CASE("retry: failures that cannot pass by themselves are not retried") {
  for (const char* record : {R"({"message":"relation \"t\" does not exist","sqlstate":"42P01"})",
                             R"({"message":"permission denied","sqlstate":"42501"})",
                             "plain text: the step's own validation"}) {
    CAPTURE(record);
    Fx f(retry(make_sql("X"), 5), failing("X", record));
    f.host.start();
    f.host.run();
    CHECK(f.host.state.status == InstanceStatus::Failed);
    CHECK(count(f.host, K::RunSql) == 1);
    CHECK(count(f.host, K::NodeRetrying) == 0);
  }
  StepConfig cfg;  // the configurable list: 22 now counts as permanent
  cfg.non_retryable_sqlstates = {"22"};
  Fx g(retry(make_sql("X"), 5), failing("X", kDivZero), cfg);
  g.host.start();
  g.host.run();
  CHECK(count(g.host, K::RunSql) == 1);
}

TEST_CASE("retry: without a policy a failure fails at once, except serialization failures") {
  Fx plain(make_sql("X"), failing("X", kDivZero));
  plain.host.start();
  plain.host.run();
  CHECK(count(plain.host, K::RunSql) == 1);
  CHECK(plain.host.state.result == "division by zero");

  Fx conflict(make_sql("FLAKY c 2"));  // 40001 twice, then success: 3 attempts by default
  conflict.host.start();
  conflict.host.run();
  CHECK(conflict.host.state.status == InstanceStatus::Completed);
  CHECK(count(conflict.host, K::RunSql) == 3);
  auto timers = conflict.host.of_kind(K::ArmTimer);
  REQUIRE(timers.size() == 2);

  Fx deadlock(make_sql("FLAKY d 5"));  // more conflicts than the default 3 attempts
  deadlock.host.start();
  deadlock.host.run();
  CHECK(deadlock.host.state.status == InstanceStatus::Failed);
  CHECK(count(deadlock.host, K::RunSql) == 3);
}

TEST_CASE("retry: the instance-wide policy applies to every step without its own") {
  Fx f(make_then(make_sql("FLAKY a 1"), retry(make_sql("X"), 1)), [] {
    SimSql s = failing("X", kDivZero);
    return s;
  }());
  f.host.retry = RetryPolicy{4, 1000, 16000};
  f.host.start();
  f.host.run();
  // FLAKY (40001) is retried under the instance policy; X's own policy (1) wins over it.
  CHECK(f.host.state.status == InstanceStatus::Failed);
  CHECK(count(f.host, K::RunSql) == 3);
}

TEST_CASE("retry: HTTP 500, 500, 200 completes with three requests of the same key") {
  Fx f(make_loop(make_then(retry(make_http("https://h/invoice", "POST", std::nullopt, std::nullopt, 5), 5, 1000, 1000),
                           make_break(std::string("done"))),
                 nullptr));
  const std::string e500 =
      R"({"message":"HTTP 500 Internal Server Error","sqlstate":null,"http_status":500,"transient":true})";
  f.host.http_script = {Reply{false, e500}, Reply{false, e500}, Reply{true, R"({"status":200,"body":"paid"})"}};
  f.host.start();
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  REQUIRE(f.host.http_requests.size() == 3);
  // The Idempotency-Key is derived from node, iteration and scope: all three equal.
  CHECK(f.host.http_requests[0] == f.host.http_requests[1]);
  CHECK(f.host.http_requests[1] == f.host.http_requests[2]);
}

TEST_CASE("retry: HTTP failures follow the host's verdict; 429 is retried only under a policy") {
  Fx refused(retry(make_http("https://h/x", "GET", std::nullopt, std::nullopt, 5), 5));
  refused.host.http_script = {Reply{false, R"({"message":"blocked by policy","sqlstate":null,"transient":false})"}};
  refused.host.start();
  refused.host.run();
  CHECK(refused.host.state.status == InstanceStatus::Failed);
  CHECK(refused.host.http_requests.size() == 1);

  Fx limited(retry(make_http("https://h/x", "GET", std::nullopt, std::nullopt, 5), 2, 10, 10));
  limited.host.http_script = {Reply{true, R"({"status":429})"}, Reply{true, R"({"status":429})"}};
  limited.host.start();
  limited.host.run();
  CHECK(limited.host.state.status == InstanceStatus::Failed);
  CHECK(limited.host.state.result == "HTTP request returned status 429");
  CHECK(limited.host.http_requests.size() == 2);

  Fx no_policy(make_http("https://h/x", "GET", std::nullopt, std::nullopt, 5));
  no_policy.host.http_script = {Reply{true, R"({"status":429})"}};
  no_policy.host.start();
  no_policy.host.run();
  CHECK(no_policy.host.state.status == InstanceStatus::Completed);  // a response, as today
}

TEST_CASE("retry: a crash during the backoff wait re-arms the timer; the retry fires after restart") {
  Fx f(retry(make_sql("FLAKY a 1"), 3, 5000, 5000));
  f.host.start();
  f.host.answer(f.host.outstanding.begin()->first);  // attempt 1 fails: a retry timer is armed
  REQUIRE(f.host.outstanding.size() == 1);
  const Action timer = f.host.outstanding.begin()->second;
  REQUIRE(timer.kind == K::ArmTimer);
  const std::string bytes = serialize(f.host.state);
  SimHost again(f.program, f.db);
  again.restart_from(deserialize(bytes));
  REQUIRE(again.outstanding.size() == 1);
  CHECK(again.outstanding.begin()->second.deadline_ms == timer.deadline_ms);
  again.now = f.host.now;
  again.run();
  CHECK(again.state.status == InstanceStatus::Completed);
  CHECK(again.of_kind(K::RunSql).size() == 1);  // only the second attempt ran after restart
}

TEST_CASE("retry: cancelling during the backoff wait cancels the timer") {
  Fx f(retry(make_sql("FLAKY a 1"), 3));
  f.host.start();
  f.host.answer(f.host.outstanding.begin()->first);
  REQUIRE(f.host.outstanding.size() == 1);
  CHECK(f.host.cancel());
  CHECK(f.host.outstanding.empty());
  CHECK(f.host.state.status == InstanceStatus::Cancelled);
}

TEST_CASE("retry: the next attempt's running stamp tells its number and the previous error") {
  Fx f(retry(make_sql("FLAKY a 1"), 3));
  f.host.start();
  f.host.run();
  std::vector<const Action*> running;
  for (const Action* a : f.host.of_kind(K::NodeRunning))
    if (a->node == 1) running.push_back(a);
  REQUIRE(running.size() == 2);
  CHECK(running[0]->detail.empty());
  CHECK(running[1]->detail.find("\"attempt\":2,\"max_attempts\":3,") == 1);
  CHECK(running[1]->detail.find("\"previous_error\":{") != std::string::npos);
}

TEST_CASE("retry: a conflict retried without a policy counts against the conflict policy's attempts") {
  Fx f(make_sql("FLAKY c 1"));
  f.host.start();
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  std::vector<const Action*> running;
  for (const Action* a : f.host.of_kind(K::NodeRunning)) running.push_back(a);
  REQUIRE(running.size() == 2);
  CHECK(running[1]->detail.find("\"attempt\":2,\"max_attempts\":3,") == 1);
}

// ---- error handlers (CATCH) ----

TEST_CASE("catch: the handler runs with the error after the step's attempts; the workflow goes on") {
  Fx f(make_then(make_catch(retry(make_sql("X"), 2, 10, 10), make_sql("H $err.sqlstate $err.attempts"),
                            CatchArgs{"err"}),
                 make_sql("AFTER")),
       failing("X", kDivZero));
  f.host.start();
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
  std::vector<std::string> texts;
  for (const Action* a : f.host.of_kind(K::RunSql)) texts.push_back(a->text);
  CHECK(texts == std::vector<std::string>{"X", "X", "H '22012' 2", "AFTER"});  // SQL-quoted values
}

TEST_CASE("catch: a successful step skips the handler; a failing handler fails the instance") {
  Fx ok(make_catch(make_sql("S"), make_sql("H")));
  ok.host.start();
  ok.host.run();
  CHECK(ok.host.state.status == InstanceStatus::Completed);
  CHECK(ok.host.of_kind(K::RunSql).size() == 1);

  SimSql both = failing("X", kDivZero);
  both.canned["H"] = {false, R"({"message":"handler broke","sqlstate":"P0001"})"};
  Fx bad(make_catch(make_sql("X"), make_sql("H")), both);
  bad.host.start();
  bad.host.run();
  CHECK(bad.host.state.status == InstanceStatus::Failed);
  CHECK(bad.host.state.result == "handler broke");
}

TEST_CASE("catch: nested handlers catch innermost first; failures cross JOIN branches and loops") {
  Fx nested(make_catch(make_catch(make_sql("X"), make_sql("FAIL inner handler")), make_sql("OUTER $error.message")),
            failing("X", kDivZero));
  nested.host.start();
  nested.host.run();
  CHECK(nested.host.state.status == InstanceStatus::Completed);
  CHECK(nested.host.of_kind(K::RunSql).back()->text == "OUTER 'inner handler'");

  std::vector<ir::NodePtr> branches;
  branches.push_back(make_sql("S"));
  branches.push_back(make_sql("X"));
  Fx join(make_catch(make_join(std::move(branches)), make_sql("H")), failing("X", kDivZero));
  join.host.start();
  join.host.run();
  CHECK(join.host.state.status == InstanceStatus::Completed);
  CHECK(join.host.of_kind(K::RunSql).back()->text == "H");

  // A failure inside a loop body caught outside the loop ends the loop; a break inside a
  // CATCH's step leaves the CATCH cleanly.
  Fx loop(make_then(make_catch(make_loop(make_then(make_sql("INC n"), make_sql("X")), nullptr), make_sql("H")),
                    make_loop(make_catch(make_break(std::string("b")), make_sql("NEVER")), nullptr)),
          failing("X", kDivZero));
  loop.host.start();
  loop.host.run();
  CHECK(loop.host.state.status == InstanceStatus::Completed);
  CHECK(loop.db.counters["n"] == 1);
  for (const Action* a : loop.host.of_kind(K::RunSql)) CHECK(a->text != "NEVER");
  for (const auto& [id, t] : loop.host.state.threads) CHECK(t.catches.empty());
}
