// ir.cpp — node type names and small tree utilities for the IR (see ir.hpp).
#include "ir.hpp"

#include <array>

namespace df::ir {
namespace {
constexpr std::array<const char*, kNodeTypeCount> kNames = {
    "SQL", "THEN", "IF", "JOIN", "LOOP", "BREAK", "RACE", "SLEEP", "WAIT_SCHEDULE",
    "HTTP", "HTTP_MULTIPART", "SIGNAL", "RETRY", "CATCH", "UNDO"};
}  // namespace

const char* node_type_name(NodeType type) { return kNames[static_cast<std::size_t>(type)]; }

std::optional<NodeType> node_type_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (name == kNames[i]) return static_cast<NodeType>(i);
  return std::nullopt;
}

const char* valid_node_types_list() {
  return "SQL, THEN, IF, JOIN, LOOP, BREAK, RACE, SLEEP, WAIT_SCHEDULE, HTTP, HTTP_MULTIPART, SIGNAL, RETRY, CATCH, UNDO";
}

bool is_leaf(NodeType type) {
  switch (type) {
    case NodeType::Then: case NodeType::If: case NodeType::Join: case NodeType::Loop:
    case NodeType::Race: case NodeType::Retry: case NodeType::Catch: case NodeType::Undo:
      return false;
    default:
      return true;
  }
}

NodePtr clone(const Node& node) {
  auto copy = std::make_unique<Node>(node.type);
  copy->query = node.query;
  copy->result_name = node.result_name;
  copy->pos = node.pos;
  if (node.left) copy->left = clone(*node.left);
  if (node.right) copy->right = clone(*node.right);
  if (node.condition) copy->condition = clone(*node.condition);
  for (const auto& extra : node.extras) copy->extras.push_back(clone(*extra));
  return copy;
}

std::size_t count_nodes(const Node& node) {
  // Iterative: trees from JSON can be deep before validation rejects them.
  std::size_t total = 0;
  std::vector<const Node*> stack{&node};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    ++total;
    for (const auto& ref : children(*n)) stack.push_back(ref.child);
  }
  return total;
}

std::vector<ChildRef> children(const Node& node) {
  std::vector<ChildRef> out;
  if (node.left) out.push_back({".left", node.left.get()});
  if (node.right) out.push_back({".right", node.right.get()});
  if (node.condition) out.push_back({".condition_node", node.condition.get()});
  for (std::size_t i = 0; i < node.extras.size(); ++i)
    out.push_back({".extra_nodes[" + std::to_string(i) + "]", node.extras[i].get()});
  return out;
}

std::vector<const Node*> branches(const Node& node) {
  std::vector<const Node*> out;
  if (node.left) out.push_back(node.left.get());
  if (node.right) out.push_back(node.right.get());
  for (const auto& extra : node.extras) out.push_back(extra.get());
  return out;
}

}  // namespace df::ir
