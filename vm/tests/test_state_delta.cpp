// test_state_delta.cpp — the storage rules of a large state (state_delta.hpp, step.hpp
// step_in_place): a delta of what an event touched turns the state before into the state
// after; an event of a wide JOIN touches O(1) threads and tasks, whatever the width; a
// JOIN collects its branches only when every one is done, in any answer order, even with
// a wrong done_prefix hint. (Every other VM test also checks its events' deltas: the
// simulated host stores each accepted event as a delta too, sim_host.hpp.)
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "args.hpp"
#include "sim_host.hpp"
#include "state_delta.hpp"

using namespace df;
using namespace df::vm;
using namespace df::compiler;
using df::vm::test::Fixture;

namespace {

ir::NodePtr wide_join(int branches) {
  std::vector<ir::NodePtr> v;
  for (int i = 0; i < branches; ++i) v.push_back(make_sql("SELECT " + std::to_string(i)));
  return make_then(make_join(std::move(v)), make_sql("AFTER"));
}

// Answers every outstanding SQL task in `order` (a permutation of their positions), checking
// each event touched at most `max_threads` threads and `max_tasks` tasks.
void answer_all(Fixture& f, std::vector<std::uint64_t> ids, std::size_t max_threads, std::size_t max_tasks) {
  for (std::uint64_t id : ids) {
    State in_place = f.host.state;
    std::vector<Action> actions;
    Touched touched;
    Event ev = f.host.answer_event(id);
    REQUIRE(step_in_place(f.program, in_place, ev, f.host.config, actions, touched));
    CHECK_FALSE(touched.all);
    CHECK(touched.threads.size() <= max_threads);
    CHECK(touched.tasks.size() <= max_tasks);
    if (max_threads == 1) CHECK(encode_delta(in_place, touched).size() < 300);  // whatever the width
    REQUIRE(f.host.feed(ev));
  }
}

std::vector<std::uint64_t> outstanding_ids(const Fixture& f) {
  std::vector<std::uint64_t> ids;
  for (const auto& [id, a] : f.host.outstanding) ids.push_back(id);
  return ids;
}

}  // namespace

TEST_CASE("state delta: a branch's answer touches its thread and its task only, not the JOIN or the other branches") {
  for (int width : {10, 200}) {
    CAPTURE(width);
    Fixture f(wide_join(width));
    f.host.start();
    std::vector<std::uint64_t> ids = outstanding_ids(f);
    REQUIRE(ids.size() == static_cast<std::size_t>(width));
    std::vector<std::uint64_t> last = {ids.back()};
    ids.pop_back();
    // Each answer but the last: the branch thread (the JOIN's is unchanged); the answered task.
    answer_all(f, ids, 1, 1);
    CHECK(f.host.state.threads.size() == static_cast<std::size_t>(width) + 1);
    // The last one collects the JOIN (all branch threads go) and starts AFTER: O(width) once.
    answer_all(f, last, static_cast<std::size_t>(width) + 1, 2);
    CHECK(f.host.state.threads.size() == 1);
    f.host.run();
    CHECK(f.host.state.status == InstanceStatus::Completed);
    CHECK(f.host.deltas_checked >= width);
  }
}

TEST_CASE("state delta: a JOIN completes once, with its results in branch order, in any answer order") {
  for (int order = 0; order < 3; ++order) {
    CAPTURE(order);
    Fixture f(make_join([] {
      std::vector<ir::NodePtr> v;
      for (int i = 0; i < 50; ++i) v.push_back(make_sql("SELECT " + std::to_string(i)));
      return v;
    }()));
    f.host.start();
    std::vector<std::uint64_t> ids = outstanding_ids(f);
    if (order == 1) std::reverse(ids.begin(), ids.end());
    if (order == 2) std::shuffle(ids.begin(), ids.end(), std::mt19937(7));
    for (std::size_t i = 0; i < ids.size(); ++i) {
      CHECK(f.host.state.status == InstanceStatus::Running);  // not collected early
      REQUIRE(f.host.answer(ids[i]));
    }
    CHECK(f.host.state.status == InstanceStatus::Completed);
    const std::string& result = f.host.state.result;  // every branch's result, in branch order
    std::size_t at = 0;
    for (int i = 0; i < 50; ++i) {
      std::size_t found = result.find("\"SELECT " + std::to_string(i) + "\"", at);
      REQUIRE(found != std::string::npos);
      at = found + 1;
    }
  }
}

TEST_CASE("state delta: a wrong done_prefix hint never collects a JOIN early") {
  Fixture f(wide_join(20));
  f.host.start();
  std::vector<std::uint64_t> ids = outstanding_ids(f);
  REQUIRE(f.host.answer(ids[5]));
  for (auto& [id, t] : f.host.state.threads)
    if (t.status == ThreadStatus::WaitChildren) t.done_prefix = 1000;  // claims all are done
  REQUIRE(f.host.answer(ids[6]));
  CHECK(f.host.state.threads.size() == 21);  // still waiting for 18 branches
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (i != 5 && i != 6) REQUIRE(f.host.answer(ids[i]));
  CHECK(f.host.state.threads.size() == 1);  // collected, AFTER runs
  f.host.run();
  CHECK(f.host.state.status == InstanceStatus::Completed);
}

TEST_CASE("state delta: deltas applied in turn to a base rebuild every state; a base read back resets the hint") {
  Fixture f(wide_join(40));
  f.host.start();
  State base = f.host.state;
  std::vector<std::string> deltas;
  std::vector<std::uint64_t> ids = outstanding_ids(f);
  for (std::uint64_t id : ids) {
    Touched touched;
    std::vector<Action> actions;
    Event ev = f.host.answer_event(id);
    State next = f.host.state;
    REQUIRE(step_in_place(f.program, next, ev, f.host.config, actions, touched));
    REQUIRE(f.host.feed(ev));
    deltas.push_back(encode_delta(next, touched));
    // The host's read: the base (deserialized) plus every delta since.
    State read = deserialize(serialize(base));
    for (const std::string& d : deltas) apply_delta(read, d);
    REQUIRE(read == f.host.state);
  }
  CHECK(deltas.size() == 40);
}

TEST_CASE("state delta: corrupt or foreign bytes are refused and leave the state as it was") {
  Fixture f(wide_join(3));
  f.host.start();
  const State before = f.host.state;
  State s = before;
  CHECK_THROWS_AS(apply_delta(s, "nonsense"), StateError);
  CHECK_THROWS_AS(apply_delta(s, serialize(before)), StateError);  // a whole state is no delta
  Touched touched;
  touched.threads.insert(1);
  std::string d = encode_delta(before, touched);
  CHECK_THROWS_AS(apply_delta(s, d.substr(0, d.size() - 1)), StateError);
  CHECK_THROWS_AS(apply_delta(s, d + "x"), StateError);
  std::string wrong_version = d;
  wrong_version[5] = 9;
  CHECK_THROWS_AS(apply_delta(s, wrong_version), StateError);
  CHECK(s == before);
  apply_delta(s, d);
  CHECK(s == before);
  touched.all = true;
  CHECK_THROWS_AS(encode_delta(before, touched), std::logic_error);
}

TEST_CASE("state delta: start, cancel and the end rewrite the state as a whole") {
  Fixture f(wide_join(3));
  State s = f.host.state;
  std::vector<Action> actions;
  Touched touched;
  Event start;
  start.kind = Event::Kind::Start;
  start.instance_id = "i";
  REQUIRE(step_in_place(f.program, s, start, f.host.config, actions, touched));
  CHECK(touched.all);
  Touched cancel_touched;
  Event cancel;
  cancel.kind = Event::Kind::Cancel;
  REQUIRE(step_in_place(f.program, s, cancel, f.host.config, actions, cancel_touched));
  CHECK(cancel_touched.all);
  // Refused: nothing changed, nothing touched.
  Touched refused;
  const State after_cancel = s;
  CHECK_FALSE(step_in_place(f.program, s, cancel, f.host.config, actions, refused));
  CHECK(s == after_cancel);
  CHECK(refused.threads.empty());
  CHECK(refused.tasks.empty());
}

TEST_CASE("state delta: the signal names an event's touched threads wait for") {
  std::vector<ir::NodePtr> v;
  for (int i = 0; i < 3; ++i) v.push_back(make_then(make_sql("SELECT " + std::to_string(i)),
                                                    make_wait_for_signal("s" + std::to_string(i), std::nullopt)));
  Fixture f(make_join(std::move(v)));
  f.host.start();
  std::vector<std::uint64_t> ids = outstanding_ids(f);
  REQUIRE(ids.size() == 3);
  CHECK(awaited_signal_names(f.program, f.host.state).empty());
  // Branch 1's step completes: its thread now waits for s1; only it was touched.
  State s = f.host.state;
  std::vector<Action> actions;
  Touched touched;
  REQUIRE(step_in_place(f.program, s, f.host.answer_event(ids[1]), f.host.config, actions, touched));
  CHECK(awaited_signal_names(f.program, s, &touched) == std::vector<std::string>{"s1"});
  REQUIRE(f.host.answer(ids[1]));
  // Branch 0's: the touched view names s0 only, the whole view both.
  s = f.host.state;
  Touched next;
  REQUIRE(step_in_place(f.program, s, f.host.answer_event(ids[0]), f.host.config, actions, next));
  CHECK(awaited_signal_names(f.program, s, &next) == std::vector<std::string>{"s0"});
  CHECK(awaited_signal_names(f.program, s).size() == 2);
  Touched all;
  all.all = true;
  CHECK(awaited_signal_names(f.program, s, &all).size() == 2);
}
