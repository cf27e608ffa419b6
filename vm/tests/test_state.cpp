// test_state.cpp — scope rendering and the versioned state encoding: round trips, and
// refusal of corrupt input.
#include <doctest/doctest.h>

#include "state.hpp"

using namespace df::vm;

namespace {

State sample_state() {
  State s;
  s.status = InstanceStatus::Running;
  s.instance_id = "abcd1234";
  s.label = "nightly";
  s.variables = {{"tbl", "orders"}};
  Thread t;
  t.id = 1;
  t.pc = 7;
  t.status = ThreadStatus::WaitChildren;
  t.acc = "{\"x\":1}";
  t.results = {{"a", "{\"rows\":[],\"row_count\":0}"}};
  t.loops.push_back(LoopFrame{3, 41, -5, "body", true});
  t.scope = {{0, 2}, {3, 42}};
  t.children = {2, 3};
  s.threads.emplace(1, t);
  Thread c;
  c.id = 2;
  c.parent = 1;
  c.root_node = 4;
  c.status = ThreadStatus::Done;
  c.outcome = Outcome::Break;
  c.outcome_text = "null";
  s.threads.emplace(2, c);
  PendingTask task;
  task.id = 9;
  task.kind = TaskKind::PacingTimer;
  task.thread = 1;
  task.node = 3;
  task.deadline_ms = 1700000000000;
  task.scope = "2::#3::42";
  s.tasks.emplace(9, task);
  s.signals.push_back(BufferedSignal{"go", "{\"k\":\"\xC3\xA9\"}"});
  s.next_thread_id = 4;
  s.next_task_id = 10;
  return s;
}

}  // namespace

TEST_CASE("state: scopes render as <gen> then ::#<idx>::<gen> per pair") {
  CHECK(render_scope({{0, 1}}) == "1");
  CHECK(render_scope({{0, 3}, {7, 1}}) == "3::#7::1");
  CHECK(render_scope({{0, 1}, {2, 1}, {5, 4}}) == "1::#2::1::#5::4");
}

TEST_CASE("state: serialize/deserialize round-trips every field") {
  const State s = sample_state();
  const std::string bytes = serialize(s);
  const State back = deserialize(bytes);
  CHECK(back == s);
  CHECK(serialize(back) == bytes);
  CHECK(back.threads.at(1).loops.at(0).start_ms == -5);
  CHECK(back.threads.at(1).scope.at(1).generation == 42);
  CHECK(back.tasks.at(9).kind == TaskKind::PacingTimer);
  CHECK(back.signals.at(0).payload == "{\"k\":\"\xC3\xA9\"}");
  CHECK(deserialize(serialize(State{})) == State{});
  State changed = s;
  changed.threads.at(1).acc = "other";
  CHECK_FALSE(changed == s);
}

TEST_CASE("state: corrupt or foreign input is refused") {
  const std::string bytes = serialize(sample_state());
  CHECK_THROWS_AS(deserialize(""), StateError);
  CHECK_THROWS_AS(deserialize("XXXXX" + bytes.substr(5)), StateError);
  std::string wrong_version = bytes;
  wrong_version[5] = 6;
  CHECK_THROWS_WITH_AS(deserialize(wrong_version), "unsupported VM state version 6", StateError);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut)
    CHECK_THROWS_AS(deserialize(bytes.substr(0, cut)), StateError);
  CHECK_THROWS_WITH_AS(deserialize(bytes + "x"), "corrupt VM state: trailing bytes", StateError);
  std::string bad_status = bytes;
  bad_status[7] = 9;  // instance status out of range (after the lowering version)
  CHECK_THROWS_AS(deserialize(bad_status), StateError);
}

TEST_CASE("state: a version 2 state (before retries) still reads, with no retry policy") {
  State s;  // no threads: version 2 differs only by the trailing instance-wide policy
  s.status = InstanceStatus::Running;
  s.instance_id = "abcd0123";
  std::string v2 = serialize(s);
  v2[5] = 2;
  // max_attempts 1 (1 byte), 1000 ms (2), 16000 ms (3), no threads (1); then version 4's
  // undo section: next_undo_seq 1 (1), no threads (1); version 5's parked threads: none (1);
  // version 7's timeout frames: no threads (1), no parked threads (1)
  v2.resize(v2.size() - 12);
  CHECK(deserialize(v2) == s);
  State r = deserialize(serialize(s));
  CHECK(r.retry == RetryPolicy{});
  State t = sample_state();  // the failure fields of a thread round-trip
  t.threads.begin()->second.failed_attempts = 2;
  t.threads.begin()->second.last_error = "{}";
  t.threads.begin()->second.catches = {3, 5};
  t.threads.begin()->second.catch_undo_depth = {0, 1};
  t.retry = RetryPolicy{4, 250, 8000};
  CHECK(deserialize(serialize(t)) == t);
  // version 4/5 fields: undo entries, a live compensation, a parked thread
  Thread& th = t.threads.begin()->second;
  th.undos.push_back(UndoEntry{7, 2, "acc", {{"r", "1"}}});
  th.compensating = true;
  th.compensation.node = 3;
  th.compensation.error = "boom";
  th.compensation.results = {{"x", "y"}};
  th.compensation.target_depth = 0;
  t.next_undo_seq = 8;
  t.parked[th.id] = th;
  const State back = deserialize(serialize(t));
  CHECK(back == t);
  CHECK(back.parked.at(th.id).undos.at(0).results.at("r") == "1");
  // a version 3 state with catches reads them at undo depth 0
  State v3 = sample_state();
  v3.threads.begin()->second.catches = {4};
  std::string b3 = serialize(v3);
  b3[5] = 3;
  b3.resize(b3.size() - 5);  // next_undo_seq, no undo threads, no parked threads, no frames (2)
  CHECK(deserialize(b3).threads.begin()->second.catch_undo_depth == std::vector<std::uint32_t>{0});
}

TEST_CASE("state: every checkpoint carries the lowering version; 0.2.6 states read as lowering 1") {
  State s = sample_state();
  CHECK(s.lowering_version == kLoweringVersion);
  s.lowering_version = 7;  // a state from another build keeps its own stamp
  CHECK(deserialize(serialize(s)).lowering_version == 7);
  // The layout 0.2.6 wrote: version byte 1 and no lowering field.
  std::string bytes = serialize(sample_state());
  REQUIRE(static_cast<unsigned char>(bytes[6]) == kLoweringVersion);  // one-byte varint
  // (Version 3 appended the failure section: 7 bytes for a state without retries; version 4
  // the undo section: 2 bytes without undo state; version 5 the parked threads: 1 byte;
  // version 7 the timeout frames: 2 bytes without any.)
  std::string v1 = bytes.substr(0, 5) + std::string(1, '\x01') + bytes.substr(7, bytes.size() - 7 - 12);
  const State old = deserialize(v1);
  CHECK(old.lowering_version == 1);
  State expected = sample_state();
  expected.lowering_version = 1;
  CHECK(old == expected);
}

TEST_CASE("state: version 7 keeps the timeout frames of live and parked threads; version 5 still reads") {
  State s = sample_state();
  Thread& th = s.threads.begin()->second;
  th.timeouts.push_back(TimeoutFrame{2, 9, 0, false, false});
  th.timeouts.push_back(TimeoutFrame{4, 12, 2, true, true});
  s.parked[th.id] = th;
  const std::string bytes = serialize(s);
  CHECK(static_cast<unsigned char>(bytes[5]) == 7);
  const State back = deserialize(bytes);
  CHECK(back == s);
  const TimeoutFrame& f = back.threads.begin()->second.timeouts.at(1);
  CHECK(f.node == 4);
  CHECK(f.task == 12);
  CHECK(f.attempts == 2);
  CHECK(f.in_undo);
  CHECK(f.expired);
  CHECK(back.parked.at(th.id).timeouts.size() == 2);
  // A version 5 checkpoint (written before df.timeout took sub-graphs) is the same bytes
  // without the trailing frames section: it reads with no frames.
  std::string v5 = serialize(sample_state());
  v5[5] = 5;
  v5.resize(v5.size() - 2);
  CHECK(deserialize(v5) == sample_state());
  // 6 was never written by any build: refused, never misread.
  std::string v6 = serialize(sample_state());
  v6[5] = 6;
  CHECK_THROWS_WITH_AS(deserialize(v6), "unsupported VM state version 6", StateError);
  // A frame naming a thread that does not exist is corrupt.
  std::string bad = serialize(sample_state());
  bad.resize(bad.size() - 2);
  bad += std::string("\x01\x63\x00", 3);  // one thread, id 99, no frames ... then parked: none
  bad += std::string(1, '\x00');
  CHECK_THROWS_AS(deserialize(bad), StateError);
}
