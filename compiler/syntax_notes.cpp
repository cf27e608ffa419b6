// syntax_notes.cpp — see syntax_notes.hpp.
#include "syntax_notes.hpp"

#include <optional>
#include <vector>

#include "parse.hpp"

namespace df::compiler {

namespace {

std::string where(ir::SourcePos p) { return std::to_string(p.line) + ":" + std::to_string(p.column); }

// The first delimiter that is not closed where it should be: a `(` still open when a `}`
// or the end of the file comes, or a `{` still open at the end.
std::optional<std::string> unclosed_note(const std::vector<Token>& tokens) {
  std::vector<const Token*> open;
  for (const Token& t : tokens) {
    if (t.kind == TokenKind::LParen || t.kind == TokenKind::LBrace) {
      open.push_back(&t);
    } else if (t.kind == TokenKind::RParen || t.kind == TokenKind::RBrace) {
      const TokenKind want = t.kind == TokenKind::RParen ? TokenKind::LParen : TokenKind::LBrace;
      if (open.empty()) return "the '" + t.text + "' at " + where(t.pos) + " closes nothing";
      if (open.back()->kind != want)
        return "the '" + open.back()->text + "' opened at " + where(open.back()->pos) + " is not closed before the '" +
               t.text + "' at " + where(t.pos);
      open.pop_back();
    }
  }
  if (open.empty()) return std::nullopt;
  return "the '" + open.back()->text + "' opened at " + where(open.back()->pos) + " is never closed";
}

// A name right after a string, with no space between: the string most likely ended at a
// quote meant to be part of it.
std::optional<std::string> early_string_end(const std::vector<Token>& tokens, ir::SourcePos at) {
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.pos.line != at.line || t.pos.column != at.column || t.kind != TokenKind::Ident) continue;
    const Token& prev = tokens[i - 1];
    std::uint32_t width = 0;
    for (unsigned char c : prev.text) width += (c & 0xC0) != 0x80 ? 1 : 0;
    if (prev.kind == TokenKind::String && prev.end_line == t.pos.line && prev.pos.line == prev.end_line &&
        prev.pos.column + width == t.pos.column)
      return "the string " + prev.text.substr(0, 30) + (prev.text.size() > 30 ? "..." : "") +
             " ends right before `" + t.text + "`: inside a '...' string, a quote is written ''";
  }
  return std::nullopt;
}

}  // namespace

void explain_syntax_errors(std::string_view source, Diagnostics* diags) {
  if (diags->empty() || diags->front().message.rfind("syntax error", 0) != 0) return;
  const std::vector<Token> tokens = lex(source);
  Diagnostic& first = diags->front();
  for (auto at = first.message.find("'<EOF>'"); at != std::string::npos; at = first.message.find("'<EOF>'"))
    first.message.replace(at, 7, "the end of the file");
  if (auto early = early_string_end(tokens, first.pos)) {
    first.message = "syntax error: " + *early;
    return;
  }
  if (auto note = unclosed_note(tokens)) first.message += " (" + *note + ")";
}

}  // namespace df::compiler
