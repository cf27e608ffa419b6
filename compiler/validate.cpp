// validate.cpp — structural and argument errors (first pass) and flow warnings (second
// pass) over a workflow graph; see validate.hpp. Recursion is bounded: the error pass
// stops at kMaxGraphDepth and the warning pass only runs on graphs within the limits.
#include "validate.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "args.hpp"
#include "failure.hpp"
#include "json_text.hpp"

namespace df::compiler {
namespace {

using ir::NodeType;

const char* type_name(const ir::Node& n) { return ir::node_type_name(n.type); }

// Does this type store its result under result_name (REFERENCE §9)?
bool stores_result(NodeType t) {
  return t != NodeType::Sleep && t != NodeType::WaitSchedule && t != NodeType::Break;
}

bool needs_two_children(NodeType t) {
  return t == NodeType::Then || t == NodeType::If || t == NodeType::Join || t == NodeType::Race ||
         t == NodeType::Catch || t == NodeType::Undo;
}

// ---------------------------------------------------------------- error pass ----

class ErrorPass {
 public:
  explicit ErrorPass(Diagnostics& out) : out_(out) {}

  void walk(const ir::Node& node, const std::string& path, int depth) {
    if (depth > kMaxGraphDepth) {
      error(node, path,
            "Graph exceeds maximum nesting depth of 256. Simplify the workflow or break it "
            "into multiple instances.");
      return;  // one finding per too-deep branch
    }
    check_node(node, path);
    for (const auto& ref : ir::children(node)) walk(*ref.child, path + ref.path_suffix, depth + 1);
  }

 private:
  void error(const ir::Node& node, const std::string& path, std::string message) {
    out_.push_back({Severity::Error, node.pos, std::move(message), path});
  }
  void check_problem(const ir::Node& node, const std::string& path,
                     const std::optional<std::string>& problem) {
    if (problem) error(node, path, *problem);
  }

  void check_node(const ir::Node& node, const std::string& path) {
    check_placement(node, path);
    check_structure(node, path);
    check_config(node, path);
    if (node.result_name && !is_valid_result_name(*node.result_name))
      error(node, path, result_name_problem(*node.result_name));
    check_leaf_args(node, path);
  }

  void check_placement(const ir::Node& node, const std::string& path) {
    const std::string t = type_name(node);
    if (node.condition && node.type != NodeType::If && node.type != NodeType::Loop)
      error(node, path, "condition_node is not valid for " + t + " nodes");
    if (!node.extras.empty() && node.type != NodeType::Join)
      error(node, path, "extra_nodes is not valid for " + t + " nodes");
  }

  void check_structure(const ir::Node& node, const std::string& path) {
    const std::string t = type_name(node);
    if (ir::is_leaf(node.type)) {
      if (node.left) error(node, path, "left_node is not valid for " + t + " nodes");
      if (node.right) error(node, path, "right_node is not valid for " + t + " nodes");
      if (!node.query) error(node, path, t + " node requires a query");
      return;
    }
    if (!node.left) error(node, path, t + " node requires left_node");
    if (needs_two_children(node.type) && !node.right)
      error(node, path, t + " node requires right_node");
    if (node.type == NodeType::Loop && node.right)
      error(node, path, "right_node is not valid for LOOP nodes");
    if ((node.type == NodeType::Then || node.type == NodeType::Race || node.type == NodeType::Undo) && node.query)
      error(node, path, "query is not valid for " + t + " nodes");
    if (node.type == NodeType::Retry) check_retry_node(node, path);
    if (node.type == NodeType::Timeout) check_timeout_node(node, path);
    if (node.type == NodeType::Catch) {
      std::string why;
      if (!decode_catch(node, &why)) error(node, path, why);
    }
  }

  // RETRY wraps one step (left_node) in the policy its query holds (failure.hpp).
  void check_retry_node(const ir::Node& node, const std::string& path) {
    if (node.right) error(node, path, "right_node is not valid for RETRY nodes");
    std::string why;
    if (!decode_retry(node, &why)) error(node, path, why);
  }

  // TIMEOUT wraps one step (left_node), any sub-graph; its query holds the time (failure.hpp).
  void check_timeout_node(const ir::Node& node, const std::string& path) {
    if (node.right) error(node, path, "right_node is not valid for TIMEOUT nodes");
    std::string why;
    if (!decode_timeout(node, &why)) error(node, path, why);
  }

  // IF/LOOP/JOIN carry an optional JSON config in `query` (if_rows uses it).
  void check_config(const ir::Node& node, const std::string& path) {
    if (node.type != NodeType::If && node.type != NodeType::Loop && node.type != NodeType::Join)
      return;
    const std::string t = type_name(node);
    if (!node.query) {
      if (node.type == NodeType::If && !node.condition)
        error(node, path, "IF node requires a condition_node or a result_has_rows query config");
      return;
    }
    rapidjson::Document doc;
    std::string detail;
    if (!parse_json(*node.query, doc, &detail))
      return error(node, path, "query in " + t + " must be valid JSON config: " + detail);
    if (!doc.IsObject()) return error(node, path, "query in " + t + " must be a JSON config object");
    for (const char* field : {"condition_node", "extra_nodes"})
      if (doc.HasMember(field))
        return error(node, path, std::string(field) + " in " + t +
                                     " must be a first-class Durofut field, not embedded in query");
    if (node.type == NodeType::If && !node.condition) {
      std::string why;
      if (!decode_if_rows(node, &why)) error(node, path, "query in IF: " + why);
    }
  }

  void check_leaf_args(const ir::Node& node, const std::string& path) {
    if (!node.query) return;
    std::string why;
    switch (node.type) {
      case NodeType::Sleep:
        if (auto a = decode_sleep(node, &why)) {
          check_problem(node, path, check_sleep_seconds(a->seconds));
        } else {
          error(node, path, why);
        }
        break;
      case NodeType::WaitSchedule:
        if (auto a = decode_schedule(node, &why)) check_problem(node, path, check_cron(a->cron_expr));
        else error(node, path, why);
        break;
      case NodeType::Signal: check_signal(node, path); break;
      case NodeType::Break:
        if (!decode_break(node, &why)) error(node, path, why);
        break;
      case NodeType::Http: check_http(node, path); break;
      case NodeType::HttpMultipart: check_multipart(node, path); break;
      default: break;
    }
  }

  void check_signal(const ir::Node& node, const std::string& path) {
    std::string why;
    auto a = decode_signal(node, &why);
    if (!a) return error(node, path, why);
    if (a->name.empty()) error(node, path, "Signal name cannot be empty");
    if (a->timeout_seconds) check_problem(node, path, check_timeout(*a->timeout_seconds));
  }

  void check_http(const ir::Node& node, const std::string& path) {
    std::string why;
    auto a = decode_http(node, &why);
    if (!a) return error(node, path, why);
    check_problem(node, path, check_http_url(a->url));
    check_problem(node, path, check_http_method(a->method));
    check_problem(node, path, check_timeout(a->timeout_seconds));
  }

  void check_multipart(const ir::Node& node, const std::string& path) {
    std::string why;
    auto a = decode_multipart(node, &why);
    if (!a) return error(node, path, why);
    check_problem(node, path, check_http_url(a->url));
    check_problem(node, path, check_multipart_method(a->method));
    check_problem(node, path, check_parts(a->parts_json));
    check_problem(node, path, check_timeout(a->timeout_seconds));
  }

  Diagnostics& out_;
};

// -------------------------------------------------------------- warning pass ----

// Result names definitely bound at a point; `all` = unreachable point (the universal
// set, neutral for intersection).
struct Bound {
  bool all = false;
  std::set<std::string> names;
  bool has(const std::string& n) const { return all || names.count(n) > 0; }
  void add(const std::string& n) { if (!all) names.insert(n); }
};

Bound intersect(const Bound& a, const Bound& b) {
  if (a.all) return b;
  if (b.all) return a;
  Bound r;
  std::set_intersection(a.names.begin(), a.names.end(), b.names.begin(), b.names.end(),
                        std::inserter(r.names, r.names.end()));
  return r;
}

Bound unite(const Bound& a, const Bound& b) {
  if (a.all || b.all) return Bound{true, {}};
  Bound r = a;
  r.names.insert(b.names.begin(), b.names.end());
  return r;
}

// Identifiers after `$` (the maximal identifier; substitution needs a word boundary).
std::set<std::string> result_refs(std::string_view text) {
  std::set<std::string> refs;
  auto ident_char = [](char c, bool first) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (!first && c >= '0' && c <= '9');
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size() || !ident_char(text[i + 1], true)) continue;
    std::size_t j = i + 1;
    while (j < text.size() && ident_char(text[j], false)) ++j;
    refs.insert(std::string(text.substr(i + 1, j - i - 1)));
    i = j - 1;
  }
  return refs;
}

// Names bound anywhere in a subtree (merged into the parent eventually).
void collect_bindings(const ir::Node& node, std::set<std::string>& out) {
  if (node.result_name && stores_result(node.type)) out.insert(*node.result_name);
  for (const auto& ref : ir::children(node)) collect_bindings(*ref.child, out);
}

// Does a BREAK that targets this loop level occur in the subtree (not in nested loops)?
bool has_own_break(const ir::Node& node) {
  if (node.type == NodeType::Break) return true;
  if (node.type == NodeType::Loop) return false;
  for (const auto& ref : ir::children(node))
    if (has_own_break(*ref.child)) return true;
  return false;
}

bool loop_has_break(const ir::Node& loop) {
  return (loop.left && has_own_break(*loop.left)) ||
         (loop.condition && has_own_break(*loop.condition));
}

// Can this node never finish normally (it runs an infinite loop without a break)?
bool diverges(const ir::Node& node) {
  auto div = [](const std::unique_ptr<ir::Node>& n) { return n && diverges(*n); };
  switch (node.type) {
    case NodeType::Loop:
      if (loop_has_break(node)) return false;
      return !node.condition || div(node.left);
    case NodeType::Then: return div(node.left) || div(node.right);
    case NodeType::Retry: case NodeType::Timeout: return div(node.left);
    case NodeType::Catch: return div(node.left) && div(node.right);
    case NodeType::Undo: return div(node.left);
    case NodeType::If: return div(node.condition) || (div(node.left) && div(node.right));
    case NodeType::Join: {
      for (const auto* b : ir::branches(node))
        if (diverges(*b)) return true;
      return false;
    }
    case NodeType::Race: {
      auto bs = ir::branches(node);
      return !bs.empty() && std::all_of(bs.begin(), bs.end(), [](const ir::Node* b) { return diverges(*b); });
    }
    default: return false;
  }
}

class WarningPass {
 public:
  WarningPass(const ir::Node& root, Diagnostics& out) : out_(out) {
    collect_bindings(root, bindable_);
  }

  Bound flow(const ir::Node& node, const std::string& path, const Bound& in, int loops) {
    Bound out = flow_children(node, path, in, loops);
    if (node.result_name && stores_result(node.type)) out.add(*node.result_name);
    return out;
  }

 private:
  void warn(const ir::Node& node, const std::string& path, std::string message) {
    out_.push_back({Severity::Warning, node.pos, std::move(message), path});
  }

  Bound child(const std::unique_ptr<ir::Node>& n, const std::string& path, const char* suffix,
              const Bound& in, int loops) {
    return n ? flow(*n, path + suffix, in, loops) : in;
  }

  void check_refs(const ir::Node& node, const std::string& path, const Bound& in) {
    if (in.all || !node.query) return;
    for (const auto& name : result_refs(*node.query))
      if (bindable_.count(name) && !in.has(name))
        warn(node, path, "$" + name + " refers to result '" + name +
                             "', which is not bound on every path before this step");
  }

  Bound flow_children(const ir::Node& node, const std::string& path, const Bound& in, int loops) {
    switch (node.type) {
      case NodeType::Break:
        if (loops == 0)
          warn(node, path, "df.break() is not inside any loop; it fails the instance when reached");
        return Bound{true, {}};
      case NodeType::Sql: case NodeType::Http: case NodeType::HttpMultipart:
        check_refs(node, path, in);
        return in;
      case NodeType::Then: return flow_then(node, path, in, loops);
      case NodeType::Retry: case NodeType::Timeout: return child(node.left, path, ".left", in, loops);
      case NodeType::Catch: return flow_catch(node, path, in, loops);
      case NodeType::Undo: {  // the undo runs after its forward step: it sees that step's results
        Bound fwd = child(node.left, path, ".left", in, loops);
        child(node.right, path, ".right", fwd, loops);
        return fwd;
      }
      case NodeType::If: return flow_if(node, path, in, loops);
      case NodeType::Loop: return flow_loop(node, path, in, loops);
      case NodeType::Join: case NodeType::Race: return flow_parallel(node, path, in, loops);
      default: return in;
    }
  }

  // The handler sees what was bound before the step, plus the error; after the CATCH only
  // what both paths bind is bound.
  Bound flow_catch(const ir::Node& node, const std::string& path, const Bound& in, int loops) {
    Bound step = child(node.left, path, ".left", in, loops);
    Bound handler_in = in;
    if (auto a = decode_catch(node, nullptr)) handler_in.add(a->error_name);
    return intersect(step, child(node.right, path, ".right", handler_in, loops));
  }

  Bound flow_then(const ir::Node& node, const std::string& path, const Bound& in, int loops) {
    Bound mid = child(node.left, path, ".left", in, loops);
    if (node.left && node.right && diverges(*node.left) && !in.all)
      warn(*node.right, path + ".right",
           "this step is unreachable: the infinite loop before it has no df.break()");
    return child(node.right, path, ".right", mid, loops);
  }

  Bound flow_if(const ir::Node& node, const std::string& path, const Bound& in, int loops) {
    if (!node.condition && !in.all)
      if (auto rows = decode_if_rows(node, nullptr); rows && !in.has(rows->result_name))
        warn(node, path, "df.if_rows checks result '" + rows->result_name +
                             "', which is not bound on every path before this step");
    Bound c = child(node.condition, path, ".condition_node", in, loops);
    return intersect(child(node.left, path, ".left", c, loops),
                     child(node.right, path, ".right", c, loops));
  }

  Bound flow_loop(const ir::Node& node, const std::string& path, const Bound& in, int loops) {
    Bound body = child(node.left, path, ".left", in, loops + 1);
    Bound cond = child(node.condition, path, ".condition_node", body, loops + 1);
    if (loop_has_break(node)) return in;  // a break may leave before later bindings
    if (!node.condition) return Bound{true, {}};  // never finishes
    return cond;
  }

  Bound flow_parallel(const ir::Node& node, const std::string& path, const Bound& in, int loops) {
    const bool join = node.type == NodeType::Join;
    Bound merged = join ? in : Bound{true, {}};
    std::map<std::string, int> binders;
    auto refs = ir::children(node);
    for (const auto& ref : refs) {
      if (ref.path_suffix == ".condition_node") continue;
      Bound b = flow(*ref.child, path + ref.path_suffix, in, loops);
      merged = join ? unite(merged, b) : intersect(merged, b);
      std::set<std::string> names;
      collect_bindings(*ref.child, names);
      for (const auto& n : names) ++binders[n];
    }
    for (const auto& [name, count] : binders)
      if (count > 1)
        warn(node, path, "result name '" + name + "' is bound in more than one branch of this " +
                             type_name(node) +
                             (join ? "; the later branch's value overwrites the earlier"
                                   : "; only the winning branch's value is kept"));
    return merged;
  }

  Diagnostics& out_;
  std::set<std::string> bindable_;
};

// Pre-order index of every node, to order findings of both passes together.
void number_nodes(const ir::Node& node, const std::string& path,
                  std::map<std::string, std::size_t>& index) {
  index.emplace(path, index.size());
  for (const auto& ref : ir::children(node)) number_nodes(*ref.child, path + ref.path_suffix, index);
}

}  // namespace

Diagnostics validate(const ir::Node& root) {
  Diagnostics out;
  if (ir::count_nodes(root) > kMaxGraphNodes) {
    out.push_back({Severity::Error, root.pos,
                   "Workflow exceeds maximum node count of 10000. Simplify the workflow or "
                   "break it into multiple instances.",
                   "root"});
    return out;
  }
  ErrorPass(out).walk(root, "root", 0);
  for (const auto& d : out)
    if (d.message.rfind("Graph exceeds maximum nesting depth", 0) == 0) return out;
  WarningPass(root, out).flow(root, "root", Bound{}, 0);
  std::map<std::string, std::size_t> index;
  number_nodes(root, "root", index);
  std::stable_sort(out.begin(), out.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    return index[a.path] < index[b.path];
  });
  return out;
}

std::string graph_error_text(const Diagnostic& d) {
  return "Invalid durable function graph: " + d.path + ": " + d.message;
}

void validate_or_throw(const ir::Node& root) {
  for (const auto& d : validate(root))
    if (d.severity == Severity::Error) throw CompileError(graph_error_text(d));
}

}  // namespace df::compiler
