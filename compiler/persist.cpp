// persist.cpp — flattening the IR into df.nodes rows and rebuilding it (persist.hpp).
#include "persist.hpp"

#include <set>
#include <unordered_map>

#include "json_text.hpp"
#include "validate.hpp"

namespace df::compiler {
namespace {

using ir::NodeType;

constexpr int kIdAttempts = 10;

class Flattener {
 public:
  explicit Flattener(const std::function<std::string()>& new_id) : new_id_(new_id) {}

  // Ids first (pre-order), then rows, so a parent row can name its children.
  std::vector<NodeRow> run(const ir::Node& root) {
    assign_ids(root);
    std::vector<NodeRow> rows;
    rows.reserve(order_.size());
    for (const ir::Node* node : order_) rows.push_back(row_for(*node));
    return rows;
  }

 private:
  void assign_ids(const ir::Node& root) {
    std::vector<const ir::Node*> stack{&root};
    while (!stack.empty()) {
      const ir::Node* node = stack.back();
      stack.pop_back();
      order_.push_back(node);
      ids_[node] = fresh_id();
      auto refs = ir::children(*node);
      for (auto it = refs.rbegin(); it != refs.rend(); ++it) stack.push_back(it->child);
    }
  }

  std::string fresh_id() {
    for (int attempt = 0; attempt < kIdAttempts; ++attempt) {
      std::string id = new_id_();
      if (used_.insert(id).second) return id;
    }
    throw CompileError("Failed to assign unique node ids: exhausted " +
                       std::to_string(kIdAttempts) + " attempts");
  }

  std::string id_config(const char* field, const std::vector<const ir::Node*>& nodes, bool array) {
    std::string q = "{";
    append_json_string(q, field);
    q += array ? ":[" : ":";
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (i) q += ',';
      append_json_string(q, ids_.at(nodes[i]));
    }
    return q + (array ? "]}" : "}");
  }

  std::optional<std::string> persisted_query(const ir::Node& node) {
    switch (node.type) {
      case NodeType::If:
        if (node.condition) return id_config("condition_node", {node.condition.get()}, false);
        return node.query;  // if_rows keeps its config
      case NodeType::Loop:
        if (node.condition) return id_config("condition_node", {node.condition.get()}, false);
        return std::nullopt;
      case NodeType::Join: {
        if (node.extras.empty()) return std::nullopt;
        std::vector<const ir::Node*> extras;
        for (const auto& e : node.extras) extras.push_back(e.get());
        return id_config("extra_nodes", extras, true);
      }
      default: return node.query;
    }
  }

  NodeRow row_for(const ir::Node& node) {
    NodeRow row;
    row.id = ids_.at(&node);
    row.type = node.type;
    row.query = persisted_query(node);
    row.result_name = node.result_name;
    if (node.left) row.left_node = ids_.at(node.left.get());
    if (node.right) row.right_node = ids_.at(node.right.get());
    row.node = &node;
    return row;
  }

  const std::function<std::string()>& new_id_;
  std::vector<const ir::Node*> order_;
  std::unordered_map<const ir::Node*, std::string> ids_;
  std::set<std::string> used_;
};

// Ids named by an IF/LOOP/JOIN config: condition id and extra ids.
struct IdConfig {
  std::optional<std::string> condition;
  std::vector<std::string> extras;
  bool is_id_config = false;  // false: keep the query as is (if_rows)
};

IdConfig read_id_config(const NodeRow& row) {
  IdConfig cfg;
  if (!row.query) return cfg;
  rapidjson::Document doc;
  if (!parse_json(*row.query, doc, nullptr) || !doc.IsObject()) {
    if (row.type == NodeType::If) return cfg;
    throw CompileError("node " + row.id + ": unreadable " + ir::node_type_name(row.type) + " config");
  }
  auto bad = [&] { return CompileError("node " + row.id + ": malformed id config"); };
  if (auto it = doc.FindMember("condition_node"); it != doc.MemberEnd()) {
    if (!it->value.IsString()) throw bad();
    cfg.condition = std::string(json_string_view(it->value));
    cfg.is_id_config = true;
  }
  if (auto it = doc.FindMember("extra_nodes"); it != doc.MemberEnd()) {
    if (!it->value.IsArray()) throw bad();
    for (const auto& e : it->value.GetArray()) {
      if (!e.IsString()) throw bad();
      cfg.extras.emplace_back(json_string_view(e));
    }
    cfg.is_id_config = true;
  }
  return cfg;
}

class Rebuilder {
 public:
  explicit Rebuilder(const std::vector<NodeRow>& rows) {
    for (const auto& row : rows)
      if (!by_id_.emplace(row.id, &row).second)
        throw CompileError("duplicate node id '" + row.id + "'");
  }

  ir::NodePtr build(const std::string& id, int depth) {
    // Rows were validated when written; anything deeper is corrupt and could
    // exhaust the stack.
    if (depth > kMaxGraphDepth) throw CompileError("node graph is nested too deeply at '" + id + "'");
    auto it = by_id_.find(id);
    if (it == by_id_.end()) throw CompileError("node '" + id + "' not found");
    if (!seen_.insert(id).second)
      throw CompileError("node '" + id + "' is referenced more than once (cycle or shared node)");
    const NodeRow& row = *it->second;
    auto node = std::make_unique<ir::Node>(row.type);
    node->result_name = row.result_name;
    if (row.left_node) node->left = build(*row.left_node, depth + 1);
    if (row.right_node) node->right = build(*row.right_node, depth + 1);
    attach_config(row, *node, depth);
    return node;
  }

 private:
  void attach_config(const NodeRow& row, ir::Node& node, int depth) {
    const bool configured =
        row.type == NodeType::If || row.type == NodeType::Loop || row.type == NodeType::Join;
    if (!configured) {
      node.query = row.query;
      return;
    }
    IdConfig cfg = read_id_config(row);
    if (!cfg.is_id_config) {
      node.query = row.query;
      return;
    }
    if (cfg.condition) node.condition = build(*cfg.condition, depth + 1);
    for (const auto& extra : cfg.extras) node.extras.push_back(build(extra, depth + 1));
  }

  std::unordered_map<std::string, const NodeRow*> by_id_;
  std::set<std::string> seen_;
};

}  // namespace

std::vector<NodeRow> flatten(const ir::Node& root, const std::function<std::string()>& new_id) {
  return Flattener(new_id).run(root);
}

ir::NodePtr rebuild(const std::vector<NodeRow>& rows, const std::string& root_id) {
  return Rebuilder(rows).build(root_id, 0);
}

}  // namespace df::compiler
