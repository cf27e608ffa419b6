// format.cpp — token-level pretty printer for `dfc fmt` (layout rules in format.hpp).
// Works on lex()'s token list (comments included) rather than the AST, so comments and
// the exact spelling of literals survive; parse() is run first only to refuse broken input.
#include "format.hpp"

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "parse.hpp"

namespace df::compiler {
namespace {

bool is_comment(const Token& t) {
  return t.kind == TokenKind::LineComment || t.kind == TokenKind::BlockComment;
}

std::string rtrim(const std::string& s) {
  size_t end = s.find_last_not_of(" \t\r");
  return end == std::string::npos ? "" : s.substr(0, end + 1);
}

bool is_binary_op(TokenKind k) {
  return k == TokenKind::Seq || k == TokenKind::Bind || k == TokenKind::Amp || k == TokenKind::Pipe ||
         k == TokenKind::Undo || k == TokenKind::Then || k == TokenKind::Else;
}

// Code points in s (the width of a line of UTF-8 text).
size_t width_of(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

class Formatter {
 public:
  // `broken`: token indices of the `(` whose group is laid out one item per line.
  Formatter(const std::vector<Token>& tokens, const std::set<size_t>& broken)
      : toks_(tokens), broken_(broken) {}
  std::string run();
  // For each `(` token emitted: its output line (0-based).
  const std::vector<std::pair<size_t, size_t>>& open_lines() const { return open_lines_; }
  // Per output line, the column after its last code token (trailing comments are not
  // counted: breaking code cannot shorten a comment).
  const std::map<size_t, size_t>& code_widths() const { return code_widths_; }

 private:
  void comment(size_t i);
  void code(size_t i);
  bool space_between(const Token& prev, const Token& next) const;
  void newline();
  void blank_line();
  void begin_line() {
    if (at_line_start_) {
      line_indent_ = pending_indent_ >= 0 ? pending_indent_ : indent();
      out_.append(static_cast<size_t>(line_indent_), ' ');
    }
    pending_indent_ = -1;
    at_line_start_ = false;
  }
  // Lines inside a group start at its contents' indentation: two more than the enclosing
  // one, or for a broken group two more than the line its `(` is on.
  int indent() const { return groups_.empty() ? base_ : groups_.back().contents_indent; }
  bool in_broken_group() const { return !groups_.empty() && groups_.back().broken; }
  const Token* prev_code() const { return last_code_ == npos ? nullptr : &toks_[last_code_]; }

  struct Group {
    bool broken = false;
    int contents_indent = 0;
  };
  static constexpr size_t npos = static_cast<size_t>(-1);
  const std::vector<Token>& toks_;
  const std::set<size_t>& broken_;
  std::vector<Group> groups_;
  std::vector<std::pair<size_t, size_t>> open_lines_;
  std::map<size_t, size_t> code_widths_;
  // Appends token text, keeping line_ right for tokens that span lines.
  void emit(const std::string& text) {
    out_ += text;
    for (char c : text) line_ += c == '\n' ? 1 : 0;
  }
  size_t column() const {
    size_t nl = out_.rfind('\n');
    return width_of(std::string_view(out_).substr(nl == std::string::npos ? 0 : nl + 1));
  }
  size_t line_ = 0;
  int line_indent_ = 0;
  int pending_indent_ = -1;  // indentation of the next line when it is not indent()
  std::string out_;
  bool at_line_start_ = true;
  bool force_newline_ = false;   // after a line comment or a block that must end its line
  bool in_body_ = false;         // inside a workflow's { }
  bool in_header_ = false;       // between `workflow` and `{`
  int base_ = 0;                 // 0 at top level, 2 inside a workflow body
  int paren_depth_ = 0;
  size_t last_code_ = npos;
};

void Formatter::newline() {
  if (!at_line_start_) {
    out_ += '\n';
    ++line_;
  }
  at_line_start_ = true;
  force_newline_ = false;
}

void Formatter::blank_line() {
  newline();
  bool has_blank = out_.size() >= 2 && out_.compare(out_.size() - 2, 2, "\n\n") == 0;
  if (!out_.empty() && !has_blank) {
    out_ += '\n';
    ++line_;
  }
}

std::string Formatter::run() {
  for (size_t i = 0; i < toks_.size(); ++i) {
    if (is_comment(toks_[i])) {
      comment(i);
    } else {
      code(i);
    }
  }
  newline();
  return out_;
}

void Formatter::comment(size_t i) {
  const Token& t = toks_[i];
  const Token* prev = i > 0 ? &toks_[i - 1] : nullptr;
  std::string text = t.kind == TokenKind::LineComment ? rtrim(t.text) : t.text;
  if (prev != nullptr && prev->end_line == t.pos.line && !at_line_start_) {
    emit(" " + text);  // trailing comment stays on its line
  } else {
    if (prev != nullptr && prev->end_line + 1 < t.pos.line) {
      blank_line();
    } else {
      newline();
    }
    begin_line();
    emit(text);
  }
  force_newline_ = t.kind == TokenKind::LineComment ||
                   (i + 1 < toks_.size() && toks_[i + 1].pos.line > t.end_line);
}

bool Formatter::space_between(const Token& prev, const Token& next) const {
  switch (next.kind) {
    case TokenKind::RParen:
    case TokenKind::Comma:
    case TokenKind::Dot:
    case TokenKind::Cast: return false;
    case TokenKind::LParen:
      return prev.kind != TokenKind::Ident && prev.kind != TokenKind::LParen;
    default: break;
  }
  switch (prev.kind) {
    case TokenKind::LParen:
    case TokenKind::Dot:
    case TokenKind::Cast:
    case TokenKind::Minus: return false;
    default: return true;
  }
}

void Formatter::code(size_t i) {
  const Token& t = toks_[i];
  const Token* prev = prev_code();
  if (t.kind == TokenKind::Workflow) {
    bool after_workflow = prev != nullptr && prev->kind == TokenKind::RBrace;
    if (after_workflow || (i > 0 && toks_[i - 1].end_line + 1 < t.pos.line)) {
      blank_line();
    } else {
      newline();
    }
    in_header_ = true;
  } else if (t.kind == TokenKind::RBrace && in_body_) {
    newline();
    in_body_ = false;
    base_ = 0;
  } else if (t.kind == TokenKind::Seq && paren_depth_ == 0) {
    newline();  // one step of a top-level sequence per line
  } else if (force_newline_ || (in_broken_group() && is_binary_op(t.kind))) {
    newline();  // a broken group puts each operator's operand on its own line
  }
  if (t.kind == TokenKind::RParen) {
    --paren_depth_;
    Group g = groups_.empty() ? Group{} : groups_.back();
    if (!groups_.empty()) groups_.pop_back();
    if (g.broken) {
      newline();  // `)` of a broken group alone, under the line that opened it
      pending_indent_ = g.contents_indent - 2;
    }
  }
  if (!at_line_start_ && prev != nullptr && space_between(*prev, t)) out_ += ' ';
  begin_line();
  emit(t.text);
  code_widths_[line_] = column();
  if (t.kind == TokenKind::LParen) {
    ++paren_depth_;
    const bool broken = broken_.count(i) > 0;
    groups_.push_back(Group{broken, broken ? line_indent_ + 2 : indent() + 2});
    open_lines_.emplace_back(i, line_);
    if (broken) force_newline_ = true;
  } else if (t.kind == TokenKind::Comma && in_broken_group()) {
    force_newline_ = true;  // one argument per line
  }
  last_code_ = i;
  if (t.kind == TokenKind::LBrace && in_header_) {
    in_header_ = false;
    in_body_ = true;
    base_ = 2;
    force_newline_ = true;  // deferred, so a comment after `{` stays on that line
  } else if (t.kind == TokenKind::RBrace) {
    force_newline_ = true;
  }
}

// Tokens between a `(` and its `)` (0 for `()`).
bool group_has_contents(const std::vector<Token>& toks, size_t open) {
  return open + 1 < toks.size() && toks[open + 1].kind != TokenKind::RParen;
}

}  // namespace

std::string format_source(std::string_view source, Diagnostics* diags, size_t width) {
  ParseResult parsed = parse(source);
  if (has_errors(parsed.diagnostics)) {
    if (diags != nullptr) {
      diags->insert(diags->end(), parsed.diagnostics.begin(), parsed.diagnostics.end());
    }
    return std::string(source);
  }
  // Lay out, then break the outermost unbroken group on the first line that is too wide,
  // until every line fits or no group on an overlong line is left to break. Breaking
  // only ever grows, so this ends; the choice depends on the tokens alone, so formatting
  // the output again makes the same choices (idempotent).
  const std::vector<Token> tokens = lex(source);
  std::set<size_t> broken;
  while (true) {
    Formatter f(tokens, broken);
    std::string out = f.run();
    std::vector<size_t> too_wide;
    for (const auto& [line, code_width] : f.code_widths())
      if (code_width > width) too_wide.push_back(line);
    std::optional<size_t> pick;
    for (size_t wide : too_wide) {
      for (const auto& [tok, at] : f.open_lines())
        if (at == wide && !broken.count(tok) && group_has_contents(tokens, tok)) {
          pick = tok;
          break;
        }
      if (pick) break;
    }
    if (!pick) return out;
    broken.insert(*pick);
  }
}

}  // namespace df::compiler
