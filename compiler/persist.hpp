// persist.hpp — the df.nodes persisted form of a workflow (docs/reference.md §2 "Persisted
// form"): one row per node in pre-order, children referenced by 8-hex ids in
// left_node/right_node, condition_node/extra_nodes moved into the IF/LOOP/JOIN query
// config as ids. flatten() writes it, rebuild() reads it back.
#pragma once
#include "no_postgres.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "errors.hpp"
#include "ir.hpp"

namespace df::compiler {

struct NodeRow {
  std::string id;
  ir::NodeType type = ir::NodeType::Sql;
  std::optional<std::string> query, result_name, left_node, right_node;
  const ir::Node* node = nullptr;  // the IR node this row came from (flatten only)
};

// Pre-order rows (root first; children left, right, condition, extras). Ids come from
// new_id() and are re-drawn when they collide within the graph (up to 10 tries per node,
// then CompileError). IF/LOOP/JOIN queries are rewritten to the id config.
std::vector<NodeRow> flatten(const ir::Node& root, const std::function<std::string()>& new_id);

// Inverse of flatten. Throws CompileError on a missing root, dangling ids, a node
// referenced twice, a cycle, or an unreadable IF/LOOP/JOIN id config.
ir::NodePtr rebuild(const std::vector<NodeRow>& rows, const std::string& root_id);

}  // namespace df::compiler
