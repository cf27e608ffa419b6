// syntax_notes.cpp — see syntax_notes.hpp.
#include "syntax_notes.hpp"

#include <optional>
#include <vector>

#include "parse.hpp"

namespace df::compiler {

namespace {

std::string where(ir::SourcePos p) { return std::to_string(p.line) + ":" + std::to_string(p.column); }

// The first delimiter that is not closed where it should be: a `(` still open when a `}`
// or the end of the file comes, or a `{` still open at the end. Fed one token at a time
// (a source may be a megabyte of tokens); keeps only the open delimiters.
class UnclosedNote {
 public:
  void token(const Token& t) {
    if (note_) return;
    if (t.kind == TokenKind::LParen || t.kind == TokenKind::LBrace) {
      open_.push_back(t);
    } else if (t.kind == TokenKind::RParen || t.kind == TokenKind::RBrace) {
      const TokenKind want = t.kind == TokenKind::RParen ? TokenKind::LParen : TokenKind::LBrace;
      if (open_.empty()) {
        note_ = "the '" + t.text + "' at " + where(t.pos) + " closes nothing";
      } else if (open_.back().kind != want) {
        note_ = "the '" + open_.back().text + "' opened at " + where(open_.back().pos) +
                " is not closed before the '" + t.text + "' at " + where(t.pos);
      } else {
        open_.pop_back();
      }
    }
  }
  std::optional<std::string> result() const {
    if (note_ || open_.empty()) return note_;
    return "the '" + open_.back().text + "' opened at " + where(open_.back().pos) + " is never closed";
  }

 private:
  std::vector<Token> open_;
  std::optional<std::string> note_;
};

// A name right after a string, with no space between: the string most likely ended at a
// quote meant to be part of it. Fed one token at a time; looks at the name at `at`.
class EarlyStringEnd {
 public:
  explicit EarlyStringEnd(ir::SourcePos at) : at_(at) {}
  void token(const Token& t) {
    if (!note_ && has_prev_ && t.pos.line == at_.line && t.pos.column == at_.column &&
        t.kind == TokenKind::Ident) {
      std::uint32_t width = 0;
      for (unsigned char c : prev_.text) width += (c & 0xC0) != 0x80 ? 1 : 0;
      if (prev_.kind == TokenKind::String && prev_.end_line == t.pos.line &&
          prev_.pos.line == prev_.end_line && prev_.pos.column + width == t.pos.column)
        note_ = "the string " + prev_.text.substr(0, 30) + (prev_.text.size() > 30 ? "..." : "") +
                " ends right before `" + t.text + "`: inside a '...' string, a quote is written ''";
    }
    prev_ = t;
    has_prev_ = true;
  }
  const std::optional<std::string>& result() const { return note_; }

 private:
  ir::SourcePos at_;
  Token prev_;
  bool has_prev_ = false;
  std::optional<std::string> note_;
};

}  // namespace

void explain_syntax_errors(std::string_view source, Diagnostics* diags) {
  if (diags->empty() || diags->front().message.rfind("syntax error", 0) != 0) return;
  Diagnostic& first = diags->front();
  UnclosedNote unclosed;
  EarlyStringEnd early(first.pos);
  lex_each(source, [&](const Token& t) {
    unclosed.token(t);
    early.token(t);
  });
  for (auto at = first.message.find("'<EOF>'"); at != std::string::npos; at = first.message.find("'<EOF>'"))
    first.message.replace(at, 7, "the end of the file");
  if (early.result()) {
    first.message = "syntax error: " + *early.result();
    return;
  }
  if (auto note = unclosed.result()) first.message += " (" + *note + ")";
}

}  // namespace df::compiler
