// engine.cpp — the engine's entry points for df.start, df.signal and df.cancel (see
// engine.hpp). Each applies its VM event in the caller's transaction, as the engine owner,
// so the instance's first tasks, a delivered signal or a cancellation commit (or roll
// back) with the caller's work, and executors are woken only by a commit.
#include "wire_json.hpp"

#include "engine.hpp"
#include "engine_core.hpp"
#include "gucs.hpp"
#include "spi.hpp"

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

}  // namespace

void start_instance(const StartRequest& request) {
  if (request.root == nullptr) throw std::logic_error("engine::start_instance: no graph");
  std::string graph_json = compiler::to_json(*request.root);
  AsEngineOwner owner;
  spi::Connection spi_connection;
  Instance inst;
  inst.id = request.instance_id;
  inst.submitted_by = static_cast<Oid>(request.submitted_by);
  inst.graph = build_graph(graph_json, request.node_ids);
  spi::exec(
      "INSERT INTO _duroxide.instance_state (instance_id, graph, node_ids, submitted_by, state, database) "
      "VALUES ($1, $2, $3::text[], $4, $5, $6)",
      {spi::text(inst.id), spi::text(graph_json), spi::text(id_array_literal(request.node_ids)),
       spi::oid(inst.submitted_by), spi::binary(vm::serialize(inst.state)),
       spi::optional_text(request.database.empty() ? std::nullopt : std::optional<std::string>(request.database))});
  vm::Event start;
  start.kind = vm::Event::Kind::Start;
  start.now_ms = now_ms();
  start.instance_id = request.instance_id;
  start.label = request.label;
  start.retry = request.retry;
  for (const auto& [name, value] : request.variables) start.variables[name] = value;
  apply_event(inst, start);
  spi_connection.finish();
}

bool signal_instance(const std::string& instance_id, const std::string& name,
                     const std::string& data_json) {
  AsEngineOwner owner;
  spi::Connection spi_connection;
  std::optional<Instance> inst = load_instance(instance_id, true);
  if (inst) {
    vm::Event signal;
    signal.kind = vm::Event::Kind::Signal;
    signal.now_ms = now_ms();
    signal.signal_name = name;
    signal.payload = data_json;
    apply_event(*inst, signal);
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
  }
  spi_connection.finish();
  return inst.has_value();
}

}  // namespace df::ext::engine
