// diff.hpp — what changed between two versions of a workflow, for `dfc diff OLD NEW` and
// df.workflow_diff(name, v1, v2): parameters added, removed or changed, and the steps as
// an outline (one line per node, full step text, sequences flattened) compared line by
// line, shown as hunks with context.
#pragma once
#include "no_postgres.hpp"

#include <optional>
#include <string>
#include <vector>

#include "ir.hpp"

namespace df::compiler {

struct ParamSpec {
  std::string name;
  std::string type;
  std::optional<std::string> default_literal;  // as written, e.g. 7 or 'eu'
};
using ParamSpecs = std::vector<ParamSpec>;

// One line per node: indentation shows nesting, "TYPE text |=> 'name'" for leaves, IF /
// JOIN / RACE / LOOP with their sections; a sequence's steps share one indentation.
std::vector<std::string> outline(const ir::Node& root);

// A line diff (longest common subsequence): "  same", "- old", "+ new", in order.
std::vector<std::string> line_diff(const std::vector<std::string>& a, const std::vector<std::string>& b);

// The description of the change, "" when both versions are the same workflow.
//   parameters:
//   - days int = 7
//   + days bigint = 7
//   steps:
//     SQL SELECT 1 |=> 'a'
//   - SLEEP 5
//   + SLEEP 10
std::string describe_changes(const ir::Node& old_root, const std::vector<ParamSpec>& old_params,
                             const ir::Node& new_root, const std::vector<ParamSpec>& new_params);

}  // namespace df::compiler
