// parse.hpp — source text -> typed AST (and a token list for the formatter).
//
// The only files that include ANTLR-generated headers are parse.cpp and prescan.cpp; this interface shows
// no parse-tree type. Syntax errors are collected (never thrown) with line:column; when a
// file has syntax errors the AST is left empty, because a tree repaired by ANTLR's error
// recovery would produce follow-on errors that only confuse.
#pragma once
#include "no_postgres.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ast.hpp"
#include "diagnostic.hpp"

namespace df::compiler {

struct ParseResult {
  ast::File file;
  Diagnostics diagnostics;  // syntax and grouping errors, in source order
};

// Runs the limits pre-scan (prescan.hpp), then lexer + parser + transform. Never throws
// for any input, except what `check_interrupts` (may be empty) throws to abandon it.
ParseResult parse(std::string_view source, const std::function<void()>& check_interrupts = {});

// Token kinds of the language, independent of ANTLR's numbering.
enum class TokenKind {
  Workflow, Null, True, False,
  Seq, Bind, Then, Else, Loop, Amp, Pipe, Undo, Arrow, Cast, Eq, Minus, Dot, Comma,
  LParen, RParen, LBrace, RBrace,
  String, Number, Ident, LineComment, BlockComment, Invalid,
};

struct Token {
  TokenKind kind = TokenKind::Invalid;
  std::string text;  // exactly as in the source (UTF-8)
  ir::SourcePos pos;
  std::uint32_t end_line = 0;  // line of the token's last character
};

// All tokens including comments, in order (whitespace dropped; EOF not included).
std::vector<Token> lex(std::string_view source);
// The same tokens one at a time, none kept: for passes over a whole (up to max_source_bytes)
// source that need only a few of them (syntax_notes.cpp).
void lex_each(std::string_view source, const std::function<void(const Token&)>& each);

// Precedence of a binary operator in the "natural" reading (|=> 4, & | 3, ~> 2, ?> !> 1);
// exposed for tests and the formatter.
int natural_precedence(TokenKind op);

}  // namespace df::compiler
