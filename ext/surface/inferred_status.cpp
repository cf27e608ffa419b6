// inferred_status.cpp — see inferred_status.hpp. A node's execution stamp is
// "<scope>::<generation>"; a scope's newest generation wins, and a child scope
// "<parent scope>::<generation>::<node>" is superseded when the generation that spawned it
// is (recursively) superseded.
#include "surface/inferred_status.hpp"

#include <functional>
#include <set>

#include <rapidjson/document.h>

#include "engine/instance_status.hpp"
#include "json_text.hpp"

namespace df::ext::inferred {
namespace {

struct Stamp {
  std::string scope;
  long generation = 0;
};

std::optional<Stamp> parse_stamp(const std::string& text) {
  auto cut = text.rfind("::");
  if (cut == std::string::npos) return std::nullopt;
  try {
    return Stamp{text.substr(0, cut), std::stol(text.substr(cut + 2))};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool is_terminal(const std::string& status) { return status == "completed" || status == "failed"; }

class Inference {
 public:
  Inference(const std::vector<NodeRecord>& nodes) {
    for (const auto& n : nodes) {
      by_id_[n.id] = &n;
      if (auto s = stamp_of(n)) max_generation_[s->scope] = std::max(max_generation_[s->scope], s->generation);
    }
  }

  std::map<std::string, Inferred> run(const std::string& root_id) {
    for (const auto& [id, node] : by_id_) result_[id] = Inferred{node->status, std::nullopt};
    walk(root_id, nullptr, nullptr);
    return result_;
  }

 private:
  static std::optional<Stamp> stamp_of(const NodeRecord& n) {
    return n.execution_id ? parse_stamp(*n.execution_id) : std::nullopt;
  }

  // A stamp is superseded when its generation is not its scope's newest, or when the
  // generation that spawned its scope ("<parent>::<gen>" prefix of the scope) is.
  bool superseded(const std::string& stamp_text) const {
    auto stamp = parse_stamp(stamp_text);
    if (!stamp) return false;
    auto it = max_generation_.find(stamp->scope);
    if (it != max_generation_.end() && stamp->generation < it->second) return true;
    auto cut = stamp->scope.rfind("::");
    if (cut == std::string::npos) return false;
    return superseded(stamp->scope.substr(0, cut));
  }

  void walk(const std::string& id, const NodeRecord* terminal_ancestor, const NodeRecord* newest_ancestor) {
    auto it = by_id_.find(id);
    if (it == by_id_.end() || !visited_.insert(id).second) return;
    const NodeRecord& node = *it->second;
    bool node_superseded = node.execution_id && superseded(*node.execution_id);
    Inferred& out = result_[id];
    if (is_terminal(node.status) && !node_superseded) {
      out = {node.status, std::nullopt};
    } else if (is_terminal(node.status)) {
      out = terminal_ancestor ? Inferred{"skipped", terminal_ancestor->id}
                              : Inferred{"pending", newest_ancestor ? std::optional(newest_ancestor->id) : std::nullopt};
    } else if (terminal_ancestor) {
      out = {"skipped", terminal_ancestor->id};
    } else {
      out = {node.status == "running" ? "running" : "pending", std::nullopt};
    }
    const NodeRecord* next_terminal = is_terminal(node.status) && !node_superseded ? &node : terminal_ancestor;
    const NodeRecord* next_newest = newer(&node, newest_ancestor);
    for (const auto& child : children(node)) walk(child, next_terminal, next_newest);
  }

  static const NodeRecord* newer(const NodeRecord* a, const NodeRecord* b) {
    auto sa = a ? stamp_of(*a) : std::nullopt;
    auto sb = b ? stamp_of(*b) : std::nullopt;
    if (!sa) return b;
    if (!sb) return a;
    return sa->generation >= sb->generation ? a : b;
  }

  std::map<std::string, const NodeRecord*> by_id_;
  std::map<std::string, long> max_generation_;
  std::map<std::string, Inferred> result_;
  std::set<std::string> visited_;
};

// Ids from an IF/LOOP/JOIN query config: {"condition_node":"<id>"} / {"extra_nodes":[...]}.
std::vector<std::string> config_ids(const std::optional<std::string>& query, const char* key) {
  std::vector<std::string> ids;
  rapidjson::Document doc;
  if (!query || !compiler::parse_json(*query, doc, nullptr) || !doc.IsObject()) return ids;
  auto it = doc.FindMember(key);
  if (it == doc.MemberEnd()) return ids;
  if (it->value.IsString()) ids.emplace_back(compiler::json_string_view(it->value));
  if (it->value.IsArray())
    for (const auto& v : it->value.GetArray())
      if (v.IsString()) ids.emplace_back(compiler::json_string_view(v));
  return ids;
}

}  // namespace

std::vector<std::string> children(const NodeRecord& node) {
  std::vector<std::string> out;
  auto add = [&](const std::optional<std::string>& id) { if (id) out.push_back(*id); };
  auto add_all = [&](const std::vector<std::string>& ids) { out.insert(out.end(), ids.begin(), ids.end()); };
  if (node.node_type == "IF") {
    add_all(config_ids(node.query, "condition_node"));
    add(node.left_node);
    add(node.right_node);
  } else if (node.node_type == "LOOP") {
    add(node.left_node);
    add_all(config_ids(node.query, "condition_node"));
  } else {
    add(node.left_node);
    add(node.right_node);
    if (node.node_type == "JOIN") add_all(config_ids(node.query, "extra_nodes"));
  }
  return out;
}

std::map<std::string, Inferred> infer(const std::vector<NodeRecord>& nodes, const std::string& root_id) {
  return Inference(nodes).run(root_id);
}

void settle_for_instance(std::map<std::string, Inferred>& inferred, const std::string& instance_status) {
  if (!is_terminal_status(instance_status)) return;
  for (auto& [id, inf] : inferred) {
    if (inf.status == "running") inf = {"cancelled", std::nullopt};
    else if (inf.status == "pending") inf = {"skipped", std::nullopt};
  }
}

}  // namespace df::ext::inferred
