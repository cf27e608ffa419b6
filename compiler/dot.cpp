// dot.cpp — Graphviz DOT output of a workflow graph (see dot.hpp).
#include "dot.hpp"

#include "explain.hpp"

namespace df::compiler {
namespace {

using ir::NodeType;

class DotWriter {
 public:
  // Emits the chain rooted at `node`; returns the DOT id of its first step.
  std::string chain(const ir::Node& node) {
    auto elements = then_chain(node);
    std::string first, previous;
    for (const auto& el : elements) {
      std::string id = element(el);
      if (previous.empty()) first = id;
      else edge(previous, id, "then", true);
      previous = id;
    }
    return first;
  }

  std::string text() const { return "digraph workflow {\n  node [shape=box];\n" + body_ + "}\n"; }

 private:
  void edge(const std::string& from, const std::string& to, const std::string& label, bool bold) {
    body_ += "  " + from + " -> " + to + " [label=\"" + dot_escape(label) + "\"" +
             (bold ? ", style=bold" : "") + "];\n";
  }

  void child(const std::string& from, const ir::Node* node, const std::string& label) {
    if (node) edge(from, chain(*node), label, false);
  }

  std::string element(const ChainElement& el) {
    const ir::Node& node = *el.node;
    std::string id = "n" + std::to_string(next_id_++);
    body_ += "  " + id + " [label=\"" + dot_escape(node_label(node) + el.suffix) + "\"];\n";
    switch (node.type) {
      case NodeType::If:
        child(id, node.condition.get(), "cond");
        child(id, node.left.get(), "then");
        child(id, node.right.get(), "else");
        break;
      case NodeType::Loop:
        child(id, node.left.get(), "body");
        child(id, node.condition.get(), "while");
        break;
      case NodeType::Retry: child(id, node.left.get(), "step"); break;
      case NodeType::Catch:
        child(id, node.left.get(), "try");
        child(id, node.right.get(), "catch");
        break;
      case NodeType::Join: case NodeType::Race: {
        auto bs = ir::branches(node);
        for (std::size_t i = 0; i < bs.size(); ++i)
          child(id, bs[i], "branch " + std::to_string(i + 1));
        break;
      }
      default: break;
    }
    return id;
  }

  std::string body_;
  int next_id_ = 0;
};

}  // namespace

std::string dot_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out;
}

std::string to_dot(const ir::Node& root) {
  DotWriter w;
  w.chain(root);
  return w.text();
}

}  // namespace df::compiler
