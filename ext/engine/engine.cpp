// engine.cpp — the engine's entry points for df.start, df.signal and df.cancel (see
// engine.hpp). Each applies its VM event in the caller's transaction, as the engine owner,
// so the instance's first tasks, a delivered signal or a cancellation commit (or roll
// back) with the caller's work, and executors are woken only by a commit.
#include <algorithm>

#include "wire_json.hpp"

#include "engine/engine.hpp"
#include "engine/engine_core.hpp"
#include "pg/gucs.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "utils/builtins.h"
}

namespace df::ext::engine {
namespace {

std::string id_array_literal(const std::vector<std::string>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + ids[i];
  return out + "}";
}

// Keeps a signal nobody waits for yet, refusing it past pg_durable.max_buffered_signals.
void buffer_signal(const std::string& instance_id, const std::string& name, const std::string& data_json) {
  spi::exec("UPDATE _duroxide.instance_state SET buffered_signals = buffered_signals + 1 "
            "WHERE instance_id = $1 RETURNING buffered_signals", {spi::text(instance_id)});
  const long count = std::stol(spi::value_or(0, 1, "0"));
  if (count > settings.max_buffered_signals)
    throw SqlError(ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                   "the instance already holds " + std::to_string(count - 1) +
                       " undelivered signals, the most pg_durable.max_buffered_signals (" +
                       std::to_string(settings.max_buffered_signals) + ") allows",
                   "Signals are kept until the instance reaches a df.wait_for_signal() of their name.",
                   "Let the instance consume its signals first. Nothing was sent.");
  spi::exec("INSERT INTO _duroxide.buffered_signals (instance_id, name, payload) VALUES ($1, $2, $3)",
            {spi::text(instance_id), spi::text(name), spi::text(data_json)});
}

// on_failure 'pause' left the instance stopped at its failure (df.instances says so; its
// engine state is finished until df.resume).
bool is_paused(const std::string& instance_id) {
  return spi::exec("SELECT 1 FROM df.instances WHERE id = $1 AND status = 'paused'", {spi::text(instance_id)}) == 1;
}

}  // namespace

void start_instance(const StartRequest& request) {
  if (request.root == nullptr) throw std::logic_error("engine::start_instance: no graph");
  std::string graph_json = compiler::to_json(*request.root);
  AsEngineOwner owner;
  spi::Connection spi_connection;
  Instance inst;
  inst.id = request.instance_id;
  inst.submitted_by = static_cast<Oid>(request.submitted_by);
  inst.pause_on_failure = request.pause_on_failure;
  inst.graph = build_graph(*request.root, request.node_ids);  // IR -> JSON and IR -> program, once each
  // The row is written by the Start event's one write, with the state after it.
  inst.unstored = Instance::Unstored{
      graph_json, id_array_literal(request.node_ids),
      request.database.empty() ? std::nullopt : std::optional<std::string>(request.database)};
  vm::Event start;
  start.kind = vm::Event::Kind::Start;
  start.now_ms = now_ms();
  start.instance_id = request.instance_id;
  start.label = request.label;
  start.retry = request.retry;
  start.fork = request.fork;
  for (const auto& [name, value] : request.variables) start.variables[name] = value;
  if (!apply_event(inst, start))  // never: a new instance takes its Start; else it would have no row
    throw std::runtime_error("pg_durable: the engine refused the Start event of instance " + inst.id);
  spi_connection.finish();
}

bool signal_instance(const std::string& instance_id, const std::string& name,
                     const std::string& data_json) {
  AsEngineOwner owner;
  spi::Connection spi_connection;
  std::optional<Instance> inst = load_instance(instance_id, true);
  if (inst) {
    const auto waiting = vm::awaited_signal_names(inst->graph->program, *inst->state);
    if (std::find(waiting.begin(), waiting.end(), name) == waiting.end()) {
      buffer_signal(inst->id, name, data_json);  // one row; the VM state is not rewritten
    } else {
      vm::Event signal;
      signal.kind = vm::Event::Kind::Signal;
      signal.now_ms = now_ms();
      signal.signal_name = name;
      signal.payload = data_json;
      apply_event(*inst, signal);
    }
  } else if (is_paused(instance_id)) {  // kept for the waits it reaches after df.resume
    buffer_signal(instance_id, name, data_json);
  }
  // A finished instance ignores the signal, like any event after its end; only an
  // instance without engine state at all is reported.
  bool known = inst.has_value() ||
               spi::exec("SELECT 1 FROM _duroxide.instance_state WHERE instance_id = $1", {spi::text(instance_id)}) > 0;
  spi_connection.finish();
  return known;
}

bool cancel_instance(const std::string& instance_id, const std::string& reason) {
  AsEngineOwner owner;
  spi::Connection spi_connection;
  std::optional<Instance> inst = load_instance(instance_id, true);
  if (inst) {
    vm::Event cancel;
    cancel.kind = vm::Event::Kind::Cancel;
    cancel.now_ms = now_ms();
    cancel.payload = reason;
    apply_event(*inst, cancel);
    finish_cancelled(instance_id, reason);
  } else if (is_paused(instance_id)) {  // stopped at its failure: nothing runs, it just ends
    finish_cancelled(instance_id, reason);
    spi::exec("UPDATE _duroxide.executions SET status = 'Canceled', output = 'cancelled: ' || $2 "
              "WHERE instance_id = $1 AND execution_id = (SELECT generation FROM _duroxide.instance_state "
              "WHERE instance_id = $1)", {spi::text(instance_id), spi::text(reason)});
  }
  spi_connection.finish();
  return inst.has_value();
}

std::string resume_instance(const std::string& instance_id, const std::string& caller_role) {
  AsEngineOwner owner;
  spi::Connection spi_connection;
  // Lock order: the engine state row first, then df.instances (as the executors).
  if (spi::exec("SELECT output FROM _duroxide.instance_state WHERE instance_id = $1 AND finished FOR UPDATE",
                {spi::text(instance_id)}) != 1) {
    spi_connection.finish();
    return "the instance has no finished engine state";
  }
  const std::string previous_error = spi::value_or(0, 1, "");
  spi::exec("UPDATE _duroxide.instance_state SET finished = false, output = NULL, finished_at = NULL "
            "WHERE instance_id = $1", {spi::text(instance_id)});
  std::optional<Instance> inst = load_instance(instance_id, true);
  std::string problem = inst ? vm::resume_problem(*inst->state) : "its checkpoint cannot be read";
  if (problem.empty()) {
    spi::exec("UPDATE df.instances SET status = 'running', updated_at = now() "
              "WHERE id = $1 AND status IN ('failed', 'paused')", {spi::text(instance_id)});
    spi::exec("UPDATE _duroxide.executions SET status = 'Running', finished_at = NULL, output = NULL "
              "WHERE instance_id = $1 AND execution_id = (SELECT generation FROM _duroxide.instance_state "
              "WHERE instance_id = $1)", {spi::text(instance_id)});
    spi::exec("INSERT INTO _duroxide.resumes (instance_id, resumed_by, previous_error) "
              "VALUES ($1, pg_catalog.quote_ident($2)::pg_catalog.regrole, $3)",
              {spi::text(instance_id), spi::text(caller_role), spi::text(previous_error)});
    vm::Event resume;
    resume.kind = vm::Event::Kind::Resume;
    resume.now_ms = now_ms();
    if (!apply_event(*inst, resume)) problem = "the engine refused the resume";
  }
  spi_connection.finish();
  return problem;
}

}  // namespace df::ext::engine
