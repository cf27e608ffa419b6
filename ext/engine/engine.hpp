// engine.hpp — the durable engine's entry points for the SQL surface (df.start,
// df.signal, df.cancel) and for the workers. Implemented in engine*.cpp.
//
// The engine keeps one row per instance in _duroxide.instance_state (the frozen graph,
// the node ids in pre-order, the serialised VM state) and one row per pending unit of
// work in _duroxide.tasks (a SQL step, an HTTP call, a timer). Every VM transition is
// applied under the instance row's lock and commits together with its effects; the
// SQL-surface calls below apply their event in the CALLER's transaction, so a rolled-back
// df.start leaves nothing, and a committed one wakes the executors at commit.
#pragma once
// Include before pg_bridge.hpp (compiler headers refuse to follow postgres.h).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fork.hpp"
#include "ir.hpp"
#include "retry.hpp"
#include "state.hpp"

namespace df::ext::engine {

struct StartRequest {
  std::string instance_id;                 // 8 lowercase hex
  std::string label;                       // "" when NULL
  const ir::Node* root = nullptr;          // validated graph
  std::vector<std::string> node_ids;       // df.nodes ids in pre-order (root first; children
                                           // left, right, condition_node, extra_nodes)
  unsigned int submitted_by = 0;           // role Oid the steps run as
  std::vector<std::pair<std::string, std::string>> variables;  // df.vars snapshot
  std::string database;                    // df.start's database argument; "" = extension's
  vm::RetryPolicy retry;                   // instance-wide retry policy
  bool pause_on_failure = false;           // on_failure => 'pause' (vm::StepConfig)
  std::optional<vm::ForkPoint> fork;       // df.fork: start at this point, not the root
};

// df.start: create the instance's engine state and its first tasks. Caller's transaction;
// SPI must NOT be connected by the caller (the engine connects itself). Throws on error.
void start_instance(const StartRequest& request);

// df.signal: deliver (or buffer) a signal. Caller's transaction. A finished instance
// ignores it. Returns false only when the instance has no engine state at all.
bool signal_instance(const std::string& instance_id, const std::string& name,
                     const std::string& data_json);

// df.cancel: cancel the instance and every running branch. Caller's transaction. Call it
// BEFORE updating df.instances (lock order: engine state row first, as the executors do).
bool cancel_instance(const std::string& instance_id, const std::string& reason);

// df.resume: a failed instance runs on from the steps that failed (vm Resume event);
// df.instances goes back to running and _duroxide.resumes records who resumed it after
// which error. Returns "" or why it cannot be resumed (nothing is changed then). The
// caller checked visibility and status, and passes its own role. Caller's transaction;
// SPI must NOT be connected.
std::string resume_instance(const std::string& instance_id, const std::string& caller_role);

// df.fork: the original instance as a fork needs it, read as the engine owner (the caller
// checked that it sees the instance). nullopt when it has no engine state. Throws when its
// checkpoint cannot be read. Caller's transaction; SPI must NOT be connected.
struct ForkSource {
  std::string graph_json;               // the frozen graph
  std::vector<std::string> node_ids;    // df.nodes ids in pre-order
  std::string database;                 // "" = the extension's
  vm::State state;                      // its checkpoint: label, variables, retry policy
  bool pause_on_failure = false;        // its on_failure
  std::vector<vm::NodeRecord> nodes;    // df.nodes, by pre-order index
};
std::optional<ForkSource> read_fork_source(const std::string& instance_id);

// After the fork's Start: the reused nodes of the new instance get the original's df.nodes
// rows (status, result, details, times, runs; their execution ids renamed to the new
// instance's ids), and df.instances records where the new one
// came from. Caller's transaction; SPI must NOT be connected.
void record_fork(const std::string& new_id, const std::vector<std::string>& new_node_ids,
                 const std::string& original_id, const std::vector<std::string>& original_node_ids,
                 const std::vector<std::uint32_t>& reused, std::uint32_t from_node);

}  // namespace df::ext::engine
