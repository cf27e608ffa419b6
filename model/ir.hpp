// ir.hpp — the typed workflow IR shared by both front ends (SQL DSL and the textual
// language), the JSON wire format (docs/reference.md §2), validation, explain and the VM.
//
// A workflow is a tree of Nodes. Each node keeps its wire `query` field *verbatim*: that
// text is the single source of truth for serialisation, so JSON -> IR -> JSON is
// byte-identical even for hand-written JSON. The typed view of a leaf's arguments
// (durations, cron, signal names, URLs, methods, JSON literals) is decoded from and
// encoded to `query` by model/args.hpp, in one place.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace df::ir {

// One kind per docs/reference.md node type; the wire spelling is node_type_name().
enum class NodeType : std::uint8_t {
  Sql, Then, If, Join, Loop, Break, Race, Sleep, WaitSchedule, Http, HttpMultipart, Signal,
  Retry,  // failure handling (failure.hpp): left_node = the step, query = the policy
  Catch,  // failure handling: left_node = the step, right_node = the handler
  Undo,   // compensation: left_node = the forward step, right_node = its undo action
};
inline constexpr int kNodeTypeCount = 15;

// "SQL", "THEN", ... exactly as on the wire.
const char* node_type_name(NodeType type);
// Exact-case lookup of a wire name; nullopt for anything else.
std::optional<NodeType> node_type_from_name(std::string_view name);
// "SQL, THEN, IF, JOIN, LOOP, BREAK, RACE, SLEEP, WAIT_SCHEDULE, HTTP, HTTP_MULTIPART, SIGNAL, RETRY, CATCH, UNDO"
const char* valid_node_types_list();
// Leaf types carry no children and need a query (SQL SLEEP WAIT_SCHEDULE BREAK HTTP
// HTTP_MULTIPART SIGNAL).
bool is_leaf(NodeType type);

// 1-based line and column in the workflow source; 0/0 when the node came from JSON.
struct SourcePos {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  bool known() const { return line != 0; }
};

struct Node {
  NodeType type = NodeType::Sql;
  std::optional<std::string> query;        // wire `query`, verbatim
  std::optional<std::string> result_name;  // wire `result_name`
  std::unique_ptr<Node> left;              // wire `left_node`
  std::unique_ptr<Node> right;             // wire `right_node`
  std::unique_ptr<Node> condition;         // wire `condition_node` (IF, LOOP)
  std::vector<std::unique_ptr<Node>> extras;  // wire `extra_nodes` (JOIN branches 3..n)
  SourcePos pos;

  Node() = default;
  explicit Node(NodeType t) : type(t) {}
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  Node(Node&&) = default;
  Node& operator=(Node&&) = default;
};
using NodePtr = std::unique_ptr<Node>;

NodePtr clone(const Node& node);
// Pre-order count of nodes in the tree (root included).
std::size_t count_nodes(const Node& node);
// The children in the documented walk order used by validation paths and explain:
// left, right, condition, extras... (pairs of path-suffix and child).
struct ChildRef {
  std::string path_suffix;  // ".left", ".right", ".condition_node", ".extra_nodes[0]"
  const Node* child;
};
std::vector<ChildRef> children(const Node& node);

// JOIN branches in branch order (left, right, extras...); RACE: left, right.
std::vector<const Node*> branches(const Node& node);

}  // namespace df::ir
