// dot.cpp — Graphviz DOT output of a workflow's control flow (see dot.hpp).
//
// Every construct is drawn with one entry and one exit node, so sequences are plain edges
// from one construct's exit to the next one's entry: a leaf is a box; IF is a diamond
// (after its condition steps) whose yes/no edges meet again at a merge point; JOIN and
// RACE are a fork bar and a merge bar with every branch between them side by side
// (nested unnamed `a & b & c` joins are drawn as the one fork they read as); a LOOP is
// its body with a back-edge ("repeat") and an exit point that its while-condition and its
// breaks lead to.
#include "dot.hpp"

#include <vector>

#include "args.hpp"
#include "explain.hpp"

namespace df::compiler {
namespace {

using ir::NodeType;

// A construct's entry and exit node ids; exit is "" when control never leaves it
// normally (it ends in a BREAK), so nothing is drawn from it.
struct Ends {
  std::string entry;
  std::string exit;
};

class FlowWriter {
 public:
  std::string text(const ir::Node& root) {
    body_ += "  start [shape=circle, label=\"\", width=0.2, style=filled, fillcolor=black];\n";
    Ends flow = chain(root, "");
    if (flow.exit.empty()) flow.exit = flow.entry;
    body_ += "  end [shape=doublecircle, label=\"\", width=0.15, style=filled, fillcolor=black];\n";
    edge("start", flow.entry);
    edge(flow.exit, "end");
    return "digraph workflow {\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
           "  edge [fontname=\"Helvetica\", fontsize=10];\n" +
           body_ + "}\n";
  }

 private:
  std::string body_;
  int next_id_ = 0;
  std::vector<std::string> loop_exits_;  // innermost last: where a BREAK goes

  std::string fresh() { return "n" + std::to_string(next_id_++); }

  void edge(const std::string& from, const std::string& to, const std::string& attrs = "") {
    if (from.empty()) return;
    body_ += "  " + from + " -> " + to + (attrs.empty() ? "" : " [" + attrs + "]") + ";\n";
  }
  static std::string label_attr(const std::string& label) { return "label=\"" + dot_escape(label) + "\""; }

  std::string node(const std::string& attrs) {
    std::string id = fresh();
    body_ += "  " + id + " [" + attrs + "];\n";
    return id;
  }
  std::string point(const std::string& xlabel = "") {
    return node("shape=circle, label=\"\", width=0.12, style=filled, fillcolor=gray40" +
                (xlabel.empty() ? std::string() : ", xlabel=\"" + dot_escape(xlabel) + "\""));
  }
  std::string bar(const std::string& xlabel, bool dashed) {
    return node(std::string("shape=box, label=\"\", height=0.06, width=1.6, style=filled, fillcolor=") +
                (dashed ? "gray50" : "black") + ", xlabel=\"" + dot_escape(xlabel) + "\"");
  }

  // A THEN chain: each element's exit to the next one's entry.
  Ends chain(const ir::Node& n, const std::string& suffix) {
    std::vector<ChainElement> elements = then_chain(n);
    Ends out;
    for (std::size_t i = 0; i < elements.size(); ++i) {
      const bool last = i + 1 == elements.size();
      Ends e = element(*elements[i].node, elements[i].suffix + (last ? suffix : ""));
      if (i == 0) out.entry = e.entry;
      else edge(out.exit, e.entry);
      out.exit = e.exit;
    }
    return out;
  }

  // Branches of a JOIN/RACE, with unnamed nested forks of the same kind inlined.
  static void flat_branches(const ir::Node& n, std::vector<const ir::Node*>* out) {
    for (const ir::Node* b : ir::branches(n)) {
      if (b->type == n.type && !b->result_name) flat_branches(*b, out);
      else out->push_back(b);
    }
  }

  Ends element(const ir::Node& n, const std::string& suffix) {
    switch (n.type) {
      case NodeType::If: return if_node(n, suffix);
      case NodeType::Join:
      case NodeType::Race: return fork(n, suffix);
      case NodeType::Loop: return loop(n, suffix);
      case NodeType::Retry: return retry(n, suffix);
      case NodeType::Catch: return catch_node(n, suffix);
      case NodeType::Undo: return undo_node(n, suffix);
      case NodeType::Then: return chain(n, suffix);  // a named THEN inside a chain
      case NodeType::Break: {
        std::string id = node("shape=box, style=\"rounded,bold\", " + label_attr(node_label(n) + suffix));
        if (!loop_exits_.empty()) edge(id, loop_exits_.back(), "label=\"break\", style=dashed");
        return {id, loop_exits_.empty() ? id : ""};
      }
      default: {
        std::string id = node(label_attr(node_label(n) + suffix));
        return {id, id};
      }
    }
  }

  // RETRY: a label box naming the policy, then the retried steps.
  Ends retry(const ir::Node& n, const std::string& suffix) {
    std::string id = node("shape=box, style=dashed, " + label_attr(node_label(n) + suffix));
    if (!n.left) return {id, id};
    Ends body = chain(*n.left, "");
    edge(id, body.entry);
    return {id, body.exit};
  }

  // CATCH: the protected steps, a dashed "on failure" edge to the handler, both meeting again.
  Ends catch_node(const ir::Node& n, const std::string& suffix) {
    std::string id = node("shape=box, style=dashed, " + label_attr(node_label(n) + suffix));
    const std::string merge = point();
    if (n.left) {
      Ends body = chain(*n.left, "");
      edge(id, body.entry);
      if (!body.exit.empty()) edge(body.exit, merge);
    }
    if (n.right) {
      Ends handler = chain(*n.right, "");
      edge(id, handler.entry, "label=\"on failure\", style=dashed");
      if (!handler.exit.empty()) edge(handler.exit, merge);
    }
    return {id, merge};
  }

  // UNDO: the forward steps in line; their undo hangs off to the side on a dotted
  // "compensate" edge (it runs only when a later step fails).
  Ends undo_node(const ir::Node& n, const std::string& suffix) {
    std::string id = node("shape=box, style=dashed, " + label_attr(node_label(n) + suffix));
    Ends out{id, id};
    if (n.left) {
      Ends body = chain(*n.left, "");
      edge(id, body.entry);
      out.exit = body.exit;
    }
    if (n.right) {
      Ends undo = chain(*n.right, "");
      edge(id, undo.entry, "label=\"compensate\", style=dotted");
    }
    return out;
  }

  Ends if_node(const ir::Node& n, const std::string& suffix) {
    Ends out;
    std::string question;
    if (n.condition) {
      Ends cond = chain(*n.condition, "");
      out.entry = cond.entry;
      question = "result truthy?";
      std::string diamond = node("shape=diamond, style=\"\", " + label_attr(question + suffix));
      edge(cond.exit, diamond);
      out.exit = diamond;
    } else {
      std::string why;
      auto rows = decode_if_rows(n, &why);
      question = "rows in $" + (rows ? rows->result_name : std::string("?")) + "?";
      out.entry = out.exit = node("shape=diamond, style=\"\", " + label_attr(question + suffix));
    }
    const std::string diamond = out.exit;
    const std::string merge = point();
    Ends yes = chain(*n.left, "");
    edge(diamond, yes.entry, "label=\"yes\"");
    edge(yes.exit, merge);
    if (n.right) {
      Ends no = chain(*n.right, "");
      edge(diamond, no.entry, "label=\"no\"");
      edge(no.exit, merge);
    } else {
      edge(diamond, merge, "label=\"no\"");
    }
    return {out.entry, merge};
  }

  Ends fork(const ir::Node& n, const std::string& suffix) {
    std::vector<const ir::Node*> bs;
    flat_branches(n, &bs);
    const bool race = n.type == NodeType::Race;
    const std::string name = (n.result_name ? " |=> '" + *n.result_name + "'" : std::string()) + suffix;
    std::string open = bar((race ? "RACE (" : "JOIN (") + std::to_string(bs.size()) + ")", race);
    std::string close = bar((race ? "first to finish" : "all done") + name, race);
    for (std::size_t i = 0; i < bs.size(); ++i) {
      Ends b = chain(*bs[i], "");
      edge(open, b.entry);
      edge(b.exit, close);
    }
    return {open, close};
  }

  Ends loop(const ir::Node& n, const std::string& suffix) {
    const std::string name = (n.result_name ? " |=> '" + *n.result_name + "'" : std::string()) + suffix;
    std::string enter = point(n.condition ? "loop (while)" : "loop");
    std::string exit = point("loop exit" + name);
    loop_exits_.push_back(exit);
    Ends body = chain(*n.left, "");
    loop_exits_.pop_back();
    edge(enter, body.entry);
    if (n.condition) {
      Ends cond = chain(*n.condition, "");
      edge(body.exit, cond.entry);
      std::string diamond = node("shape=diamond, style=\"\", label=\"continue?\"");
      edge(cond.exit, diamond);
      edge(diamond, body.entry, "label=\"repeat\", constraint=false");
      edge(diamond, exit, "label=\"done\"");
    } else {
      edge(body.exit, body.entry, "label=\"repeat\", constraint=false");
    }
    return {enter, exit};
  }
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

std::string to_dot(const ir::Node& root) { return FlowWriter().text(root); }

}  // namespace df::compiler
