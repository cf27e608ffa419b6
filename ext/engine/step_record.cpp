// step_record.cpp — see step_record.hpp.
#include "engine/run_record.hpp"

#include "engine/failure_log.hpp"
#include "pg/gucs.hpp"
#include "engine/metrics.hpp"
#include "engine/step_record.hpp"

extern "C" {
#include "storage/proc.h"
#include "catalog/pg_type.h"
#include "utils/timestamp.h"
}

namespace df::ext::step_record {
namespace {

struct Current {
  bool active = false;
  std::uint32_t node = 0;
  TimestampTz started = 0, finished = 0;
};
Current current;

// The last step failure recorded in this transaction (MyProc->lxid): its record is the
// error of the nodes it fails on its way up, and names the node in the instance's line.
struct LastFailure {
  LocalTransactionId lxid = InvalidLocalTransactionId;
  std::string instance_id, node_id, record;
};
LastFailure last_failure;

const LastFailure* failure_of(const std::string& instance_id) {
  if (last_failure.lxid != MyProc->lxid || last_failure.instance_id != instance_id) return nullptr;
  return &last_failure;
}

std::int64_t unix_us(TimestampTz t) {
  return t + static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC;
}

bool is_step(ir::NodeType type) {
  return type == ir::NodeType::Sql || type == ir::NodeType::Http || type == ir::NodeType::HttpMultipart;
}

}  // namespace

spi::Arg optional_time(const std::optional<TimestampTz>& t) {
  return t ? spi::timestamptz(*t) : spi::Arg{TIMESTAMPTZOID, (Datum)0, true};
}

AttemptScope::AttemptScope(std::uint32_t node, TimestampTz started) {
  current = Current{true, node, started, GetCurrentTimestamp()};
}

AttemptScope::~AttemptScope() { current.active = false; }

NodeStamp stamp_for(const std::string& instance_id, const std::string& node_id, ir::NodeType type,
                    const vm::Action& a, const std::string& execution_id, const std::vector<NodeStamp>& earlier) {
  using K = vm::Action::Kind;
  NodeStamp s;
  s.instance_id = instance_id;
  s.node_id = node_id;
  s.runs_kept = settings.step_runs_per_node;
  const TimestampTz now = GetCurrentTimestamp();
  const bool step = is_step(type);
  const bool timed = step && current.active && current.node == a.node;
  if (a.kind == K::NodeRunning) {
    // A step starts when its executor runs it (the stamp that says so commits with the
    // step); the next attempt of a retried one keeps the first attempt's start.
    if (!step) s.started_at = now;
    s.keep_started = step && a.detail.find("\"previous_error\"") != std::string::npos;
    return s;
  }
  s.keep_started = true;
  s.started_at = timed ? current.started : now;
  if (a.kind != K::NodeRetrying) s.finished_at = timed ? current.finished : now;
  std::optional<std::string> record = run_record::error_of(a.detail);
  if (a.kind == K::NodeFailed) {
    const NodeStamp* failed_before = nullptr;  // the event's own step failure, newest first
    for (auto it = earlier.rbegin(); it != earlier.rend() && !failed_before; ++it)
      if (it->instance_id == instance_id && it->attempt && it->attempt->error) failed_before = &*it;
    if (record) s.error = record;
    else if (failed_before) s.error = failed_before->attempt->error;
    else if (const LastFailure* f = failure_of(instance_id)) s.error = f->record;
    else s.error = run_record::message_record(a.text);
  }
  if (!step || (a.kind == K::NodeFailed && !record)) return s;
  // One attempt of a step ended: its run record, log line and metrics.
  run_record::Attempt attempt;
  attempt.attempt = run_record::attempt_of(a.detail);
  attempt.iteration = run_record::iteration_of_scope(a.scope);
  attempt.execution_id = execution_id;
  attempt.ok = a.kind == K::NodeCompleted;
  attempt.retried = a.kind == K::NodeRetrying;
  attempt.started_us = unix_us(*s.started_at);
  attempt.finished_us = unix_us(timed ? current.finished : now);
  if (!attempt.ok) attempt.error = record.value_or(run_record::message_record(a.text));
  // A first-try success is the common attempt: the node's columns hold its record
  // (step_record.hpp), so the stamp writes none.
  s.run_held = attempt.ok && attempt.attempt == 1;
  if (s.runs_kept > 0 && !s.run_held) s.run = run_record::build(attempt);
  s.attempt = StampAttempt{attempt.ok, attempt.retried, (attempt.finished_us - attempt.started_us) / 1000,
                           attempt.attempt, attempt.error};
  return s;
}

void stamped(const NodeStamp& s) {
  if (!s.attempt) return;
  const StampAttempt& a = *s.attempt;
  metrics::attempt_finished(a.ok, a.retried, a.duration_ms);
  if (!a.ok && a.error) {
    failure_log::step_attempt_failed(s.instance_id, s.node_id, a.attempt, a.retried, *a.error);
    last_failure = LastFailure{MyProc->lxid, s.instance_id, s.node_id, *a.error};
  }
}

void instance_failed(const std::string& instance_id, const std::string& message) {
  const LastFailure* f = failure_of(instance_id);
  failure_log::instance_failed(instance_id, f ? std::optional<std::string>(f->node_id) : std::nullopt,
                               f ? run_record::sqlstate_of(f->record) : std::nullopt, message);
}

}  // namespace df::ext::step_record
