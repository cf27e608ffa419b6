// format.cpp — token-level pretty printer for `dfc fmt` (layout rules in format.hpp).
// Works on lex()'s token list (comments included) rather than the AST, so comments and
// the exact spelling of literals survive; parse() is run first only to refuse broken input.
#include "format.hpp"

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

class Formatter {
 public:
  explicit Formatter(const std::vector<Token>& tokens) : toks_(tokens) {}
  std::string run();

 private:
  void comment(size_t i);
  void code(size_t i);
  bool space_between(const Token& prev, const Token& next) const;
  void newline();
  void blank_line();
  void begin_line() {
    if (at_line_start_) out_.append(static_cast<size_t>(indent()), ' ');
    at_line_start_ = false;
  }
  int indent() const { return base_ + 2 * paren_depth_; }
  const Token* prev_code() const { return last_code_ == npos ? nullptr : &toks_[last_code_]; }

  static constexpr size_t npos = static_cast<size_t>(-1);
  const std::vector<Token>& toks_;
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
  if (!at_line_start_) out_ += '\n';
  at_line_start_ = true;
  force_newline_ = false;
}

void Formatter::blank_line() {
  newline();
  bool has_blank = out_.size() >= 2 && out_.compare(out_.size() - 2, 2, "\n\n") == 0;
  if (!out_.empty() && !has_blank) out_ += '\n';
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
    out_ += " " + text;  // trailing comment stays on its line
  } else {
    if (prev != nullptr && prev->end_line + 1 < t.pos.line) {
      blank_line();
    } else {
      newline();
    }
    begin_line();
    out_ += text;
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
  } else if (force_newline_) {
    newline();
  }
  if (t.kind == TokenKind::RParen) --paren_depth_;
  if (!at_line_start_ && prev != nullptr && space_between(*prev, t)) out_ += ' ';
  begin_line();
  out_ += t.text;
  if (t.kind == TokenKind::LParen) ++paren_depth_;
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

}  // namespace

std::string format_source(std::string_view source, Diagnostics* diags) {
  ParseResult parsed = parse(source);
  if (has_errors(parsed.diagnostics)) {
    if (diags != nullptr) {
      diags->insert(diags->end(), parsed.diagnostics.begin(), parsed.diagnostics.end());
    }
    return std::string(source);
  }
  return Formatter(lex(source)).run();
}

}  // namespace df::compiler
