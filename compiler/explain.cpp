// explain.cpp — df.explain's tree text (see explain.hpp and docs/reference.md §13).
#include "explain.hpp"

#include <algorithm>

#include "args.hpp"
#include "failure.hpp"

namespace df::compiler {
namespace {

using ir::NodeType;

const char* const kLast = "\xE2\x94\x94\xE2\x94\x80 ";    // "└─ "
const char* const kMiddle = "\xE2\x94\x9C\xE2\x94\x80 ";  // "├─ "
const char* const kArrow = "\xE2\x86\x92 ";               // "→ "

// Control characters would break the one-node-per-line layout.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return out;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string leaf_label(const ir::Node& node) {
  const std::string raw = node.query.value_or("");
  switch (node.type) {
    case NodeType::Sql: return "SQL: " + truncate_bytes(one_line(raw), 50);
    case NodeType::Sleep: {
      auto a = decode_sleep(node, nullptr);
      return "SLEEP " + (a ? std::to_string(a->seconds) : raw) + "s";
    }
    case NodeType::WaitSchedule: {
      auto a = decode_schedule(node, nullptr);
      return "WAIT " + quoted(a ? a->cron_expr : raw);
    }
    case NodeType::Signal: {
      auto a = decode_signal(node, nullptr);
      if (!a) return "SIGNAL " + quoted(raw);
      std::string label = "SIGNAL " + quoted(a->name);
      if (a->timeout_seconds) label += " (" + std::to_string(*a->timeout_seconds) + "s)";
      return label;
    }
    case NodeType::Break: {
      auto a = decode_break(node, nullptr);
      if (!a || !a->value) return "BREAK";
      return "BREAK " + quoted(truncate_bytes(one_line(*a->value), 20));
    }
    default: return std::string(ir::node_type_name(node.type));
  }
}

std::string http_label(const ir::Node& node) {
  std::string method, url;
  if (node.type == NodeType::Http) {
    if (auto a = decode_http(node, nullptr)) method = a->method, url = a->url;
  } else if (auto a = decode_multipart(node, nullptr)) {
    method = a->method, url = a->url;
  }
  return std::string(ir::node_type_name(node.type)) + " " + method + " " +
         truncate_bytes(one_line(url), 40);
}

// "RETRY (5 attempts, backoff 1s..1m)"
std::string retry_label(const ir::Node& node) {
  auto a = decode_retry(node, nullptr);
  if (!a) return "RETRY";
  return "RETRY (" + std::to_string(a->max_attempts) + " attempts, backoff " +
         format_duration_ms(a->backoff_ms) + ".." + format_duration_ms(a->max_backoff_ms) + ")";
}

std::string bare_label(const ir::Node& node) {
  switch (node.type) {
    case NodeType::Http: case NodeType::HttpMultipart: return http_label(node);
    case NodeType::Loop: return node.condition ? "LOOP (while)" : "LOOP (infinite)";
    case NodeType::Join: return "JOIN (" + std::to_string(ir::branches(node).size()) + ")";
    case NodeType::If: case NodeType::Race: case NodeType::Then: case NodeType::Undo:
      return ir::node_type_name(node.type);
    case NodeType::Retry: return retry_label(node);
    case NodeType::Catch: {
      auto a = decode_catch(node, nullptr);
      return "CATCH" + (a ? " (error as $" + a->error_name + ")" : std::string());
    }
    default: return leaf_label(node);
  }
}

void collect_chain(const ir::Node& node, std::vector<ChainElement>& out) {
  if (node.type != NodeType::Then) {
    out.push_back({&node, ""});
    return;
  }
  const std::size_t first = out.size();
  if (node.left) collect_chain(*node.left, out);
  if (node.right) collect_chain(*node.right, out);
  if (out.size() == first) {  // a THEN without children (invalid graph): show it as is
    out.push_back({&node, ""});
    return;
  }
  if (node.result_name) out.back().suffix += " |=> " + quoted(*node.result_name);
}

std::size_t display_length(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

class TreeRenderer {
 public:
  explicit TreeRenderer(const std::function<std::string(const ir::Node&)>* marker)
      : marker_(marker) {}

  void render(const ir::Node& node, std::size_t indent, const std::string& connector) {
    auto chain = then_chain(node);
    for (std::size_t i = 0; i < chain.size(); ++i)
      render_element(chain[i], indent, i == 0 ? connector : kArrow);
  }

  std::string text() const {
    std::size_t width = 0;
    for (const auto& l : lines_) width = std::max(width, display_length(l));
    width += 4;
    std::string out;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (i) out += '\n';
      out += lines_[i];
      out.append(width - display_length(lines_[i]), ' ');
    }
    return out;
  }

 private:
  void line(std::size_t indent, const std::string& text) {
    lines_.push_back(std::string(indent, ' ') + text);
  }

  void section(std::size_t indent, const char* title, const ir::Node* child) {
    if (!child) return;
    line(indent, title);
    render(*child, indent + 2, kLast);
  }

  void render_element(const ChainElement& el, std::size_t indent, const std::string& connector) {
    const ir::Node& node = *el.node;
    std::string mark = marker_ ? (*marker_)(node) : "";
    line(indent, connector + node_label(node) + el.suffix + mark);
    switch (node.type) {
      case NodeType::If:
        section(indent + 4, "? condition:", node.condition.get());
        section(indent + 4, "\xE2\x9C\x93 then:", node.left.get());   // ✓
        section(indent + 4, "\xE2\x9C\x97 else:", node.right.get());  // ✗
        break;
      case NodeType::Loop:
        section(indent + 4, "\xE2\x86\xBB body:", node.left.get());  // ↻
        section(indent + 4, "? while:", node.condition.get());
        break;
      case NodeType::Join: case NodeType::Race: render_branches(node, indent); break;
      case NodeType::Retry: section(indent + 4, "\xE2\x86\xBA step:", node.left.get()); break;  // ↺
      case NodeType::Catch:
        section(indent + 4, "\xE2\x96\xB7 try:", node.left.get());    // ▷
        section(indent + 4, "\xE2\x9A\xA0 catch:", node.right.get());  // ⚠
        break;
      case NodeType::Undo:
        section(indent + 4, "\xE2\x96\xB6 do:", node.left.get());    // ▶
        section(indent + 4, "\xE2\x86\xA9 undo:", node.right.get());  // ↩
        break;
      default: break;
    }
  }

  void render_branches(const ir::Node& node, std::size_t indent) {
    auto bs = ir::branches(node);
    for (std::size_t i = 0; i < bs.size(); ++i) {
      line(indent + 4, "\xE2\x95\x91 branch " + std::to_string(i + 1) + ":");  // ║
      render(*bs[i], indent + 6, i + 1 == bs.size() ? kLast : kMiddle);
    }
  }

  const std::function<std::string(const ir::Node&)>* marker_;
  std::vector<std::string> lines_;
};

}  // namespace

std::string truncate_bytes(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t cut = max_bytes - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

namespace {

// Appends one paragraph (no newline inside) to out, wrapped greedily at spaces.
void wrap_paragraph(std::string_view s, std::size_t width, std::vector<std::string>& out) {
  std::string line;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t end = s.find(' ', i);
    if (end == std::string_view::npos) end = s.size();
    std::string_view word = s.substr(i, end - i);
    i = end + 1;
    if (!line.empty() && line.size() + 1 + word.size() <= width) {
      line += ' ';
      line += word;
      continue;
    }
    if (!line.empty()) out.push_back(std::move(line));
    line.clear();
    while (word.size() > width) {  // cut an overlong word at a character boundary
      std::size_t cut = width;
      while (cut > 1 && (static_cast<unsigned char>(word[cut]) & 0xC0) == 0x80) --cut;
      out.emplace_back(word.substr(0, cut));
      word.remove_prefix(cut);
    }
    line = std::string(word);
  }
  out.push_back(std::move(line));
}

}  // namespace

std::vector<std::string> wrap_text(std::string_view s, std::size_t width) {
  std::vector<std::string> out;
  if (width == 0) width = 1;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = s.find('\n', start);
    std::string_view paragraph = s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!paragraph.empty() && paragraph.back() == '\r') paragraph.remove_suffix(1);
    wrap_paragraph(paragraph, width, out);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string node_label(const ir::Node& node) {
  std::string label = bare_label(node);
  if (node.result_name) label += " |=> " + quoted(*node.result_name);
  return label;
}

std::vector<ChainElement> then_chain(const ir::Node& node) {
  std::vector<ChainElement> out;
  collect_chain(node, out);
  return out;
}

std::string explain_tree(const ir::Node& root) {
  TreeRenderer r(nullptr);
  r.render(root, 0, "");
  return r.text();
}

std::string explain_tree(const ir::Node& root,
                         const std::function<std::string(const ir::Node&)>& marker) {
  TreeRenderer r(&marker);
  r.render(root, 0, "");
  return r.text();
}

}  // namespace df::compiler
