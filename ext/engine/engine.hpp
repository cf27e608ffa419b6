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

#include <string>
#include <utility>
#include <vector>

#include "ir.hpp"
#include "retry.hpp"

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

}  // namespace df::ext::engine
