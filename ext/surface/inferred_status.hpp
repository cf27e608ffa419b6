// inferred_status.hpp — the inferred node status of docs/reference.md §12, shown by
// df.instance_nodes and df.explain's live mode. Pure C++ over the df.nodes rows of one
// instance (no PostgreSQL calls), so the rules read as written in the reference.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace df::ext::inferred {

struct NodeRecord {
  std::string id;
  std::string node_type;
  std::optional<std::string> query, left_node, right_node;
  std::string status;                       // physical: pending running completed failed
  std::optional<std::string> execution_id;  // status_details.execution_id
};

struct Inferred {
  std::string status;                      // physical status or skipped / pending / running
  std::optional<std::string> from_ancestor;  // the deciding ancestor, when derived
};

// The children of a persisted node in walk order: THEN/RACE left, right; JOIN left, right,
// extras; IF condition, then, else; LOOP body, condition (ids from the query config).
std::vector<std::string> children(const NodeRecord& node);

// One entry per node id; nodes unreachable from root keep their physical status.
std::map<std::string, Inferred> infer(const std::vector<NodeRecord>& nodes, const std::string& root_id);

// A terminal instance (completed / failed / cancelled) runs nothing any more: a node still
// inferred running was stopped with it ("cancelled"), a pending one never ran ("skipped").
// Applied after infer() by df.instance_nodes and df.explain; a no-op for a live instance.
void settle_for_instance(std::map<std::string, Inferred>& inferred, const std::string& instance_status);

}  // namespace df::ext::inferred
