// diff.cpp — workflow version differences (see diff.hpp).
#include "diff.hpp"

#include <algorithm>

#include "text.hpp"

namespace df::compiler {

namespace {

constexpr std::size_t kContext = 2;

// Whitespace runs (newlines included) become one space, so a step is one line.
std::string one_line(const std::string& s) { return collapse_whitespace(s); }

void render(const ir::Node& n, const std::string& indent, std::vector<std::string>* out) {
  const std::string name = n.result_name ? " |=> '" + *n.result_name + "'" : "";
  if (n.type == ir::NodeType::Then && !n.result_name) {
    render(*n.left, indent, out);
    render(*n.right, indent, out);
    return;
  }
  if (ir::is_leaf(n.type)) {
    out->push_back(indent + ir::node_type_name(n.type) + " " + one_line(n.query.value_or("")) + name);
    return;
  }
  const std::string inner = indent + "    ";
  switch (n.type) {
    case ir::NodeType::If:
      out->push_back(indent + "IF" + name);
      out->push_back(indent + "  condition:");
      render(*n.condition, inner, out);
      out->push_back(indent + "  then:");
      render(*n.left, inner, out);
      if (n.right) {
        out->push_back(indent + "  else:");
        render(*n.right, inner, out);
      }
      return;
    case ir::NodeType::Loop:
      out->push_back(indent + "LOOP" + name);
      out->push_back(indent + "  body:");
      render(*n.left, inner, out);
      if (n.condition) {
        out->push_back(indent + "  while:");
        render(*n.condition, inner, out);
      }
      return;
    case ir::NodeType::Join:
    case ir::NodeType::Race: {
      std::vector<const ir::Node*> bs = ir::branches(n);
      out->push_back(indent + ir::node_type_name(n.type) + " (" + std::to_string(bs.size()) + ")" + name);
      for (std::size_t i = 0; i < bs.size(); ++i) {
        out->push_back(indent + "  branch " + std::to_string(i + 1) + ":");
        render(*bs[i], inner, out);
      }
      return;
    }
    default:  // a named THEN: its steps, then the name it gives the last result
      out->push_back(indent + "THEN" + name);
      render(*n.left, inner, out);
      render(*n.right, inner, out);
      return;
  }
}

std::string param_line(const ParamSpec& p) {
  return p.name + " " + p.type + (p.default_literal ? " = " + *p.default_literal : "");
}

// Only the changed lines with kContext lines around them; "  ..." between hunks.
std::vector<std::string> hunks(const std::vector<std::string>& diff) {
  std::vector<bool> keep(diff.size(), false);
  for (std::size_t i = 0; i < diff.size(); ++i) {
    if (diff[i][0] == ' ') continue;
    for (std::size_t j = i >= kContext ? i - kContext : 0; j <= std::min(diff.size() - 1, i + kContext); ++j)
      keep[j] = true;
  }
  std::vector<std::string> out;
  bool gap = false;
  for (std::size_t i = 0; i < diff.size(); ++i) {
    if (!keep[i]) {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out.push_back("  ...");
    gap = false;
    out.push_back(diff[i]);
  }
  return out;
}

bool has_change(const std::vector<std::string>& diff) {
  return std::any_of(diff.begin(), diff.end(), [](const std::string& l) { return l[0] != ' '; });
}

}  // namespace

std::vector<std::string> outline(const ir::Node& root) {
  std::vector<std::string> out;
  render(root, "", &out);
  return out;
}

std::vector<std::string> line_diff(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  std::vector<std::vector<std::size_t>> lcs(a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
  for (std::size_t i = a.size(); i-- > 0;)
    for (std::size_t j = b.size(); j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<std::string> out;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out.push_back("  " + a[i++]);
      ++j;
    } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.push_back("+ " + b[j++]);
    } else {
      out.push_back("- " + a[i++]);
    }
  }
  // Within a run of changes show removals before additions, as diff(1) does.
  for (std::size_t k = 0; k < out.size();) {
    std::size_t end = k;
    while (end < out.size() && out[end][0] != ' ') ++end;
    std::stable_partition(out.begin() + k, out.begin() + end, [](const std::string& l) { return l[0] == '-'; });
    k = end == k ? k + 1 : end;
  }
  return out;
}

std::string describe_changes(const ir::Node& old_root, const std::vector<ParamSpec>& old_params,
                             const ir::Node& new_root, const std::vector<ParamSpec>& new_params) {
  std::vector<std::string> a, b;
  for (const auto& p : old_params) a.push_back(param_line(p));
  for (const auto& p : new_params) b.push_back(param_line(p));
  std::vector<std::string> params = line_diff(a, b);
  std::vector<std::string> steps = line_diff(outline(old_root), outline(new_root));
  std::string out;
  if (has_change(params)) {
    out += "parameters:\n";
    for (const auto& l : params)
      if (l[0] != ' ') out += l + "\n";
  }
  if (has_change(steps)) {
    out += "steps:\n";
    for (const auto& l : hunks(steps)) out += l + "\n";
  }
  return out;
}

}  // namespace df::compiler
