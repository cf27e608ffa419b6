// parse.cpp — the ANTLR pipeline (source -> tokens -> parse tree -> typed AST).
//
// With prescan.cpp, the only translation units that include generated ANTLR headers. One transform function
// per grammar rule reads the typed context accessors. Operator chains are grouped left to
// right exactly as PostgreSQL groups the DSL operators, and every place where that grouping
// differs from the natural precedence (|=> > & | > ~> > ?> !>) is reported as an error that
// shows where the parentheses go (docs/reference.md §3.2). Parsers are created per call and
// destroyed on return: the runtime's shared DFA cache is the only state that outlives a call.
#include "parse.hpp"
#include "syntax_notes.hpp"
#include "text.hpp"

#include "prescan.hpp"

#include <cctype>
#include <sstream>

#include "WorkflowLexer.h"
#include "WorkflowParser.h"

namespace df::compiler {
namespace {

using dfgrammar::WorkflowLexer;
using dfgrammar::WorkflowParser;
using ast::Expr;
using ast::ExprKind;
using ast::ExprPtr;

ir::SourcePos pos_of(const antlr4::Token* t) {
  if (t == nullptr) return {};
  return {static_cast<std::uint32_t>(t->getLine()),
          static_cast<std::uint32_t>(t->getCharPositionInLine() + 1)};
}

std::string lower(const std::string& s) { return to_lower(s); }

// Collapses whitespace runs so messages quote multi-line source on one line.
std::string collapse(const std::string& s) { return collapse_whitespace(s); }

std::string shorten(const std::string& s) {
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

// ANTLR names tokens by their grammar rule; users should read what they would type.
std::string readable(std::string msg) {
  static const std::pair<const char*, const char*> names[] = {
      {"NULL_KW", "NULL"}, {"TRUE_KW", "TRUE"}, {"FALSE_KW", "FALSE"}, {"WORKFLOW", "workflow"},
      {"DOLLAR_STRING", "$$string$$"}, {"ESTRING", "E'string'"}, {"UNTERMINATED_STRING", "'string"},
      {"STRING", "'string'"}, {"NUMBER", "number"}, {"IDENT", "name"}, {"INVALID", "character"},
  };
  for (const auto& [from, to] : names) {
    const std::string f = from;
    for (size_t at = msg.find(f); at != std::string::npos; at = msg.find(f, at + 1)) {
      bool word_start = at == 0 || !(std::isalnum(static_cast<unsigned char>(msg[at - 1])) || msg[at - 1] == '_');
      bool word_end = at + f.size() >= msg.size() ||
                      !(std::isalnum(static_cast<unsigned char>(msg[at + f.size()])) || msg[at + f.size()] == '_');
      if (word_start && word_end) msg.replace(at, f.size(), to);
    }
  }
  return msg;
}

// Thrown by the listener after kMaxSyntaxErrors: ANTLR's error recovery over a megabyte of
// garbage tokens would otherwise take seconds (a fuzz_compile timeout finding).
struct TooManySyntaxErrors {};
constexpr size_t kMaxSyntaxErrors = 50;

// Thrown once error recovery has skipped kMaxSkippedTokens: while it recovers, ANTLR reports
// nothing, so after the first error it could skip (lex and keep) the whole rest of a
// megabyte of tokens that fit no rule - 860,000 tokens, 330 MB and seconds under ASan (a
// fuzz_compile slow unit) - to find no further error. The first error is reported already.
struct RecoverySkippedTooMuch {};
constexpr size_t kMaxSkippedTokens = 10000;

class BoundedRecovery : public antlr4::DefaultErrorStrategy {
 protected:
  void consumeUntil(antlr4::Parser* recognizer, const antlr4::misc::IntervalSet& set) override {
    for (size_t t = recognizer->getInputStream()->LA(1); t != antlr4::Token::EOF && !set.contains(t);
         t = recognizer->getInputStream()->LA(1)) {
      if (++skipped_ > kMaxSkippedTokens) throw RecoverySkippedTooMuch{};
      recognizer->consume();
    }
  }

 private:
  size_t skipped_ = 0;
};

// Replaces ANTLR's default console listeners: every syntax error becomes a Diagnostic.
class CollectingListener : public antlr4::BaseErrorListener {
 public:
  explicit CollectingListener(Diagnostics* diags) : diags_(diags) {}
  void syntaxError(antlr4::Recognizer*, antlr4::Token* offending, size_t line, size_t col,
                   const std::string& msg, std::exception_ptr) override {
    if (++count_ > kMaxSyntaxErrors) throw TooManySyntaxErrors{};
    std::string text = "syntax error: " + readable(msg);
    if (offending != nullptr && offending->getType() == WorkflowLexer::UNTERMINATED_STRING) {
      text = "unterminated quoted string";
    } else if (offending != nullptr && offending->getType() == WorkflowLexer::UNTERMINATED_COMMENT) {
      text = "unterminated /* comment";
    } else if (offending != nullptr && offending->getType() == WorkflowLexer::INVALID) {
      text = "syntax error: unexpected character '" + offending->getText() + "'";
    }
    diags_->push_back({Severity::Error,
                       {static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(col + 1)},
                       text});
  }

 private:
  Diagnostics* diags_;
  size_t count_ = 0;
};

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads up to `max` digits of `base` starting at body[i]; advances i.
std::uint32_t read_digits(const std::string& body, size_t& i, int base, int max) {
  std::uint32_t v = 0;
  for (int n = 0; n < max && i < body.size(); ++n) {
    int d = hex_value(body[i]);
    if (d < 0 || d >= base) break;
    v = v * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(d);
    ++i;
  }
  return v;
}

std::string decode_escapes(const std::string& body, std::string* error);

// PostgreSQL's E'..' escapes: \b \f \n \r \t, octal \ooo, \xHH, \uXXXX, \UXXXXXXXX,
// '' and \' for a quote, any other escaped character stands for itself. Like
// PostgreSQL, byte escapes that do not form valid UTF-8 (or a NUL) are an error.
std::string decode_escape_body(const std::string& body, std::string* error) {
  std::string out = decode_escapes(body, error);
  for (size_t k = 0; error->empty() && k < out.size();) {
    size_t n = utf8_sequence_length(out, k);
    if (n == 0 || out[k] == '\0') {
      *error = "invalid byte sequence for encoding \"UTF8\" in E'' string";
      break;
    }
    k += n;
  }
  return out;
}

std::string decode_escapes(const std::string& body, std::string* error) {
  std::string out;
  for (size_t i = 0; i < body.size();) {
    char c = body[i++];
    if (c == '\'' ) { out += '\''; ++i; continue; }  // '' (the lexer guarantees the pair)
    if (c != '\\' || i >= body.size()) { out += c; continue; }
    char e = body[i++];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'x': {
        size_t start = i;
        std::uint32_t v = read_digits(body, i, 16, 2);
        if (i == start) { out += 'x'; break; }
        out += static_cast<char>(v);
        break;
      }
      case 'u': case 'U': {
        int want = e == 'u' ? 4 : 8;
        size_t start = i;
        std::uint32_t v = read_digits(body, i, 16, want);
        if (static_cast<int>(i - start) != want || v > 0x10FFFF || v == 0) {
          *error = "invalid Unicode escape in E'' string (use \\uXXXX or \\UXXXXXXXX)";
          return out;
        }
        append_utf8(out, v);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          --i;
          out += static_cast<char>(read_digits(body, i, 8, 3) & 0xFF);
        } else {
          out += e;
        }
    }
  }
  return out;
}

// One transform function per grammar rule. Errors go to `diags_`; a construct with an
// error becomes ExprKind::Error so the caller can go on with the rest of the file.
class Transformer {
 public:
  Transformer(Diagnostics* diags) : diags_(diags) {}

  ast::File file(WorkflowParser::FileContext* ctx);

 private:
  ast::Workflow workflow_decl(WorkflowParser::WorkflowDeclContext* ctx);
  std::vector<ast::ParamDecl> param_list(WorkflowParser::ParamListContext* ctx);
  ast::ParamDecl param(WorkflowParser::ParamContext* ctx);
  ExprPtr expr(WorkflowParser::ExprContext* ctx);
  int binary_op(WorkflowParser::BinaryOpContext* ctx);
  ExprPtr operand(WorkflowParser::OperandContext* ctx);
  ExprPtr atom(WorkflowParser::AtomContext* ctx);
  std::string cast_suffix(WorkflowParser::CastSuffixContext* ctx);
  ExprPtr primary(WorkflowParser::PrimaryContext* ctx);
  ExprPtr call(WorkflowParser::CallContext* ctx);
  ExprPtr try_catch(WorkflowParser::TryCatchContext* ctx);
  std::vector<ast::Arg> arg_list(WorkflowParser::ArgListContext* ctx);
  ast::Arg arg(WorkflowParser::ArgContext* ctx);
  ast::Literal literal(WorkflowParser::LiteralContext* ctx);
  std::string string_lit(WorkflowParser::StringLitContext* ctx);

  // Grouping of one operator chain (see the file comment).
  struct Chain {
    std::vector<ExprPtr> operands;
    std::vector<int> ops;  // WorkflowLexer token types, ops[i] joins operands[i] and [i+1]
    std::vector<ir::SourcePos> op_pos;
    std::vector<std::string> texts;  // operand source texts
  };
  bool check_grouping(const Chain& chain);
  void warn_bare_loops(WorkflowParser::ExprContext* ctx, const Chain& chain);
  ExprPtr fold(Chain& chain, antlr4::ParserRuleContext* ctx);
  ExprPtr no_partial(ExprPtr e);

  ExprPtr make(ExprKind kind, antlr4::ParserRuleContext* ctx);
  ExprPtr error_expr(antlr4::ParserRuleContext* ctx) { return make(ExprKind::Error, ctx); }
  void error(ir::SourcePos pos, std::string message) {
    diags_->push_back({Severity::Error, pos, std::move(message)});
  }
  static std::string text_of(antlr4::ParserRuleContext* ctx);

  Diagnostics* diags_;
  // A `c ?> t` whose `!>` has not been seen yet travels as a Ternary without `third`.
};

const char* op_text(int type) {
  switch (type) {
    case WorkflowLexer::SEQ: return "~>";
    case WorkflowLexer::BIND: return "|=>";
    case WorkflowLexer::AMP: return "&";
    case WorkflowLexer::PIPE: return "|";
    case WorkflowLexer::THEN_OP: return "?>";
    case WorkflowLexer::ELSE_OP: return "!>";
    default: return "?";
  }
}

int precedence(int type) {
  switch (type) {
    case WorkflowLexer::BIND: return 4;
    case WorkflowLexer::AMP:
    case WorkflowLexer::PIPE: return 3;
    case WorkflowLexer::SEQ: return 2;
    default: return 1;  // ?> !>
  }
}

bool is_partial(const Expr& e) { return e.kind == ExprKind::Ternary && !e.third; }

// Source text for messages, at most kMaxQuotedChars of it: copying every expression's
// whole text would make nested or chained expressions quadratic in the source size.
constexpr size_t kMaxQuotedChars = 400;

std::string Transformer::text_of(antlr4::ParserRuleContext* ctx) {
  if (ctx == nullptr || ctx->getStart() == nullptr || ctx->getStop() == nullptr) return "";
  size_t a = ctx->getStart()->getStartIndex();
  size_t b = ctx->getStop()->getStopIndex();
  if (b == INVALID_INDEX || b < a) return "";
  const bool cut = b - a >= kMaxQuotedChars;
  if (cut) b = a + kMaxQuotedChars - 1;
  std::string text = collapse(ctx->getStart()->getInputStream()->getText(antlr4::misc::Interval(a, b)));
  return cut ? text + "..." : text;
}

ExprPtr Transformer::make(ExprKind kind, antlr4::ParserRuleContext* ctx) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  if (ctx != nullptr) {
    e->pos = pos_of(ctx->getStart());
    e->source = text_of(ctx);
  }
  return e;
}

ast::File Transformer::file(WorkflowParser::FileContext* ctx) {
  ast::File out;
  for (auto* decl : ctx->workflowDecl()) out.workflows.push_back(workflow_decl(decl));
  if (ctx->expr() != nullptr) {
    ast::Workflow w;
    w.pos = pos_of(ctx->expr()->getStart());
    w.body = no_partial(expr(ctx->expr()));
    out.workflows.push_back(std::move(w));
  }
  if (out.workflows.empty()) {
    error({1, 1}, "empty workflow file: expected an expression or `workflow name(...) { ... }`");
  }
  return out;
}

ast::Workflow Transformer::workflow_decl(WorkflowParser::WorkflowDeclContext* ctx) {
  ast::Workflow w;
  w.name = ctx->IDENT()->getText();
  w.pos = pos_of(ctx->IDENT()->getSymbol());
  if (ctx->paramList() != nullptr) w.params = param_list(ctx->paramList());
  w.body = no_partial(expr(ctx->expr()));
  return w;
}

std::vector<ast::ParamDecl> Transformer::param_list(WorkflowParser::ParamListContext* ctx) {
  std::vector<ast::ParamDecl> out;
  for (auto* p : ctx->param()) out.push_back(param(p));
  return out;
}

ast::ParamDecl Transformer::param(WorkflowParser::ParamContext* ctx) {
  ast::ParamDecl p;
  p.name = ctx->IDENT(0)->getText();
  p.type = lower(ctx->IDENT(1)->getText());
  p.pos = pos_of(ctx->IDENT(0)->getSymbol());
  if (ctx->literal() != nullptr) {
    p.default_value = literal(ctx->literal());
    p.default_source = text_of(ctx->literal());
  }
  return p;
}

ExprPtr Transformer::expr(WorkflowParser::ExprContext* ctx) {
  Chain chain;
  for (auto* o : ctx->operand()) {
    chain.operands.push_back(operand(o));
    chain.texts.push_back(text_of(o));
  }
  for (auto* op : ctx->binaryOp()) {
    chain.ops.push_back(binary_op(op));
    chain.op_pos.push_back(pos_of(op->getStart()));
  }
  if (chain.operands.size() == 1) return std::move(chain.operands[0]);
  warn_bare_loops(ctx, chain);
  if (!check_grouping(chain)) {
    // Keep the operands so lowering still reports the errors inside them.
    ExprPtr e = error_expr(ctx);
    for (auto& o : chain.operands) e->args.push_back({std::nullopt, std::move(o), {}});
    return e;
  }
  return fold(chain, ctx);
}

int Transformer::binary_op(WorkflowParser::BinaryOpContext* ctx) {
  return static_cast<int>(ctx->getStart()->getType());
}

// Left-to-right grouping equals the natural one exactly when precedences never rise
// along the chain; the first rise is reported with the parentheses SQL would imply.
bool Transformer::check_grouping(const Chain& chain) {
  for (size_t i = 0; i + 1 < chain.ops.size(); ++i) {
    if (precedence(chain.ops[i]) >= precedence(chain.ops[i + 1])) continue;
    // Quote only the two operators that clash; earlier operands are "...".
    std::string left = i == 0 ? shorten(chain.texts[0]) : std::string("...");
    left += std::string(" ") + op_text(chain.ops[i]) + " " + shorten(chain.texts[i + 1]);
    std::string rest = std::string(op_text(chain.ops[i + 1])) + " " + shorten(chain.texts[i + 2]);
    error(chain.op_pos[i + 1], "`" + left + " " + rest + "` groups as `(" + left + ") " + rest +
                                   "` in SQL; write the parentheses explicitly");
    return false;
  }
  return true;
}

// `@> a ~> b` loops only `a` (prefix @> binds its immediate operand, as in SQL); readers
// often expect the whole sequence, so an unparenthesised loop followed by an operator is a
// warning that shows both explicit spellings.
void Transformer::warn_bare_loops(WorkflowParser::ExprContext* ctx, const Chain& chain) {
  auto operands = ctx->operand();
  for (size_t i = 0; i + 1 < operands.size(); ++i) {
    if (operands[i]->LOOP_OP() == nullptr) continue;
    std::string body = shorten(text_of(operands[i]->operand()));
    std::string rest = std::string(op_text(chain.ops[i])) + " " + shorten(chain.texts[i + 1]);
    diags_->push_back({Severity::Warning, pos_of(operands[i]->getStart()),
                       "`@> " + body + " " + rest + "` loops only " + body +
                           " (as in SQL); write `(@> " + body + ") " + rest + "` or `@> (" + body +
                           " " + rest + ")`"});
  }
}

ExprPtr Transformer::no_partial(ExprPtr e) {
  if (!e || !is_partial(*e)) return e;
  error(e->op_pos,
        "`?>` without `!>`: in SQL `c ?> t` only builds a partial-if marker; write "
        "`c ?> t !> e` or df.if(c, t, e)");
  e->kind = ExprKind::Error;
  return e;
}

ExprPtr Transformer::fold(Chain& chain, antlr4::ParserRuleContext* ctx) {
  ExprPtr acc = std::move(chain.operands[0]);
  for (size_t i = 0; i < chain.ops.size(); ++i) {
    int op = chain.ops[i];
    ExprPtr rhs = no_partial(std::move(chain.operands[i + 1]));
    if (op == WorkflowLexer::ELSE_OP) {
      if (!is_partial(*acc)) {
        error(chain.op_pos[i], "Invalid if-then-else: left side of !> must be a ?> expression");
        return error_expr(ctx);
      }
      acc->third = std::move(rhs);
      continue;
    }
    acc = no_partial(std::move(acc));
    // The chain's text goes on the outermost node only (below), keeping the fold linear.
    auto node = make(op == WorkflowLexer::THEN_OP ? ExprKind::Ternary : ExprKind::Binary, nullptr);
    node->op_pos = chain.op_pos[i];
    node->pos = acc->pos;
    if (op == WorkflowLexer::SEQ) node->op = ast::BinaryOp::Seq;
    if (op == WorkflowLexer::BIND) node->op = ast::BinaryOp::Bind;
    if (op == WorkflowLexer::AMP) node->op = ast::BinaryOp::Join;
    if (op == WorkflowLexer::PIPE) node->op = ast::BinaryOp::Race;
    node->lhs = std::move(acc);
    node->rhs = std::move(rhs);
    acc = std::move(node);
  }
  if (acc->source.empty()) acc->source = text_of(ctx);
  return acc;
}

ExprPtr Transformer::operand(WorkflowParser::OperandContext* ctx) {
  if (ctx->LOOP_OP() != nullptr) {
    auto e = make(ExprKind::Loop, ctx);
    e->lhs = no_partial(operand(ctx->operand()));
    return e;
  }
  // a <-> b <-> c == df.with_undo(df.with_undo(a, b), c)
  auto atoms = ctx->atom();
  ExprPtr acc = atom(atoms[0]);
  for (std::size_t i = 1; i < atoms.size(); ++i) {
    auto e = make(ExprKind::Call, nullptr);
    e->callee = "with_undo";
    e->pos = acc->pos;
    e->op_pos = pos_of(ctx->UNDO_OP(i - 1)->getSymbol());
    ExprPtr sides[2] = {std::move(acc), atom(atoms[i])};
    for (ExprPtr& side : sides) {
      ast::Arg a;
      a.pos = side->pos;
      a.value = no_partial(std::move(side));
      e->args.push_back(std::move(a));
    }
    acc = std::move(e);
  }
  if (atoms.size() > 1) acc->source = text_of(ctx);
  return acc;
}

ExprPtr Transformer::atom(WorkflowParser::AtomContext* ctx) {
  ExprPtr e = primary(ctx->primary());
  for (auto* c : ctx->castSuffix()) e->casts.push_back(cast_suffix(c));
  if (!e->casts.empty() && is_partial(*e)) e = no_partial(std::move(e));
  return e;
}

std::string Transformer::cast_suffix(WorkflowParser::CastSuffixContext* ctx) {
  return lower(ctx->IDENT()->getText());
}

ExprPtr Transformer::primary(WorkflowParser::PrimaryContext* ctx) {
  if (ctx->call() != nullptr) return call(ctx->call());
  if (ctx->tryCatch() != nullptr) return try_catch(ctx->tryCatch());
  if (ctx->expr() != nullptr) return expr(ctx->expr());  // a partial `(c ?> t)` may pass
  auto e = make(ExprKind::Literal, ctx);
  e->literal = literal(ctx->literal());
  return e;
}

ExprPtr Transformer::call(WorkflowParser::CallContext* ctx) {
  auto e = make(ExprKind::Call, ctx);
  auto idents = ctx->IDENT();
  e->callee = lower(idents.back()->getText());
  if (idents.size() == 2 && lower(idents[0]->getText()) != "df") {
    error(pos_of(idents[0]->getSymbol()),
          "unknown schema '" + idents[0]->getText() + "': workflow functions live in schema df");
    e->kind = ExprKind::Error;
  }
  if (ctx->argList() != nullptr) e->args = arg_list(ctx->argList());
  return e;
}

// try { step } catch (name) { handler } == df.catch(step, handler, error_name => 'name').
ExprPtr Transformer::try_catch(WorkflowParser::TryCatchContext* ctx) {
  auto e = make(ExprKind::Call, ctx);
  e->callee = "catch";
  auto idents = ctx->IDENT();
  if (idents[0]->getText() != "try" || idents[1]->getText() != "catch") {
    error(pos_of(idents[0]->getSymbol()), "expected `try { ... } catch (name) { ... }`");
    e->kind = ExprKind::Error;
  }
  for (auto* body : ctx->expr()) {
    ast::Arg a;
    a.pos = pos_of(body->getStart());
    a.value = no_partial(expr(body));
    e->args.push_back(std::move(a));
  }
  if (idents.size() == 3) {
    ast::Arg name;
    name.pos = pos_of(idents[2]->getSymbol());
    name.name = "error_name";
    name.value = std::make_unique<ast::Expr>();
    name.value->kind = ExprKind::Literal;
    name.value->pos = name.pos;
    name.value->source = idents[2]->getText();
    name.value->literal = ast::Literal{ast::LiteralKind::String, idents[2]->getText()};
    e->args.push_back(std::move(name));
  }
  return e;
}

std::vector<ast::Arg> Transformer::arg_list(WorkflowParser::ArgListContext* ctx) {
  std::vector<ast::Arg> out;
  for (auto* a : ctx->arg()) out.push_back(arg(a));
  return out;
}

ast::Arg Transformer::arg(WorkflowParser::ArgContext* ctx) {
  ast::Arg a;
  a.pos = pos_of(ctx->getStart());
  if (ctx->IDENT() != nullptr) a.name = lower(ctx->IDENT()->getText());
  a.value = no_partial(expr(ctx->expr()));
  return a;
}

ast::Literal Transformer::literal(WorkflowParser::LiteralContext* ctx) {
  ast::Literal lit;
  if (ctx->stringLit() != nullptr) {
    lit.kind = ast::LiteralKind::String;
    lit.value = string_lit(ctx->stringLit());
  } else if (ctx->NUMBER() != nullptr) {
    lit.kind = ast::LiteralKind::Number;
    lit.value = (ctx->MINUS() != nullptr ? "-" : "") + ctx->NUMBER()->getText();
  } else if (ctx->TRUE_KW() != nullptr || ctx->FALSE_KW() != nullptr) {
    lit.kind = ast::LiteralKind::Bool;
    lit.value = ctx->TRUE_KW() != nullptr ? "true" : "false";
  }
  return lit;
}

std::string Transformer::string_lit(WorkflowParser::StringLitContext* ctx) {
  std::string text = ctx->getStart()->getText();
  ir::SourcePos pos = pos_of(ctx->getStart());
  if (ctx->DOLLAR_STRING() != nullptr) {
    size_t tag_len = text.find('$', 1) + 1;
    std::string tag = text.substr(0, tag_len);
    if (text.size() < 2 * tag_len || text.compare(text.size() - tag_len, tag_len, tag) != 0) {
      error(pos, "unterminated dollar-quoted string (expected closing " + tag + ")");
      return "";
    }
    return text.substr(tag_len, text.size() - 2 * tag_len);
  }
  if (ctx->ESTRING() != nullptr) {
    std::string err;
    std::string out = decode_escape_body(text.substr(2, text.size() - 3), &err);
    if (!err.empty()) error(pos, err);
    return out;
  }
  std::string out;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    out += text[i];
    if (text[i] == '\'') ++i;  // '' -> '
  }
  return out;
}

// ANTLR's UTF-8 decoder throws on malformed input, and PostgreSQL text can hold neither
// malformed UTF-8 nor NUL; both are reported (once, at the first offending byte) before
// the lexer runs. Returns false when the source cannot be lexed.
bool check_encoding(std::string_view s, Diagnostics* diags) {
  std::uint32_t line = 1, column = 1;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = utf8_sequence_length(s, i);
    if (n == 0 || c == 0) {
      diags->push_back({Severity::Error, {line, column},
                        c == 0 ? "NUL character in source (PostgreSQL text cannot contain it)"
                               : "invalid UTF-8 byte sequence in source"});
      return false;
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
  return true;
}

}  // namespace

ParseResult parse(std::string_view source, const std::function<void()>& check_interrupts) {
  ParseResult result;
  if (!check_encoding(source, &result.diagnostics)) return result;
  // Limits first: ANTLR's parser recurses per nesting level and builds the whole tree.
  if (!prescan_limits(source, &result.diagnostics, check_interrupts)) return result;
  antlr4::ANTLRInputStream input(source.data(), source.size());
  WorkflowLexer lexer(&input);
  CollectingListener listener(&result.diagnostics);
  lexer.removeErrorListeners();
  lexer.addErrorListener(&listener);
  antlr4::CommonTokenStream tokens(&lexer);
  WorkflowParser parser(&tokens);
  parser.removeErrorListeners();
  parser.addErrorListener(&listener);
  parser.setErrorHandler(std::make_shared<BoundedRecovery>());
  WorkflowParser::FileContext* tree = nullptr;
  try {
    tree = parser.file();
  } catch (const TooManySyntaxErrors&) {
    result.diagnostics.push_back({Severity::Error, result.diagnostics.back().pos,
                                  "too many syntax errors; stopped after " +
                                      std::to_string(kMaxSyntaxErrors)});
  } catch (const RecoverySkippedTooMuch&) {
    // Only after a reported error (recovery starts with one): the diagnostics say why.
  }
  if (!result.diagnostics.empty()) {
    explain_syntax_errors(source, &result.diagnostics);  // unclosed delimiters, early string ends
    return result;
  }
  Transformer transformer(&result.diagnostics);
  result.file = transformer.file(tree);
  return result;
}

namespace {

TokenKind token_kind(size_t type) {
  switch (type) {
    case WorkflowLexer::WORKFLOW: return TokenKind::Workflow;
    case WorkflowLexer::NULL_KW: return TokenKind::Null;
    case WorkflowLexer::TRUE_KW: return TokenKind::True;
    case WorkflowLexer::FALSE_KW: return TokenKind::False;
    case WorkflowLexer::SEQ: return TokenKind::Seq;
    case WorkflowLexer::UNDO_OP: return TokenKind::Undo;
    case WorkflowLexer::BIND: return TokenKind::Bind;
    case WorkflowLexer::THEN_OP: return TokenKind::Then;
    case WorkflowLexer::ELSE_OP: return TokenKind::Else;
    case WorkflowLexer::LOOP_OP: return TokenKind::Loop;
    case WorkflowLexer::AMP: return TokenKind::Amp;
    case WorkflowLexer::PIPE: return TokenKind::Pipe;
    case WorkflowLexer::ARROW: return TokenKind::Arrow;
    case WorkflowLexer::CAST: return TokenKind::Cast;
    case WorkflowLexer::EQ: return TokenKind::Eq;
    case WorkflowLexer::MINUS: return TokenKind::Minus;
    case WorkflowLexer::DOT: return TokenKind::Dot;
    case WorkflowLexer::COMMA: return TokenKind::Comma;
    case WorkflowLexer::LPAREN: return TokenKind::LParen;
    case WorkflowLexer::RPAREN: return TokenKind::RParen;
    case WorkflowLexer::LBRACE: return TokenKind::LBrace;
    case WorkflowLexer::RBRACE: return TokenKind::RBrace;
    case WorkflowLexer::STRING:
    case WorkflowLexer::ESTRING:
    case WorkflowLexer::DOLLAR_STRING: return TokenKind::String;
    case WorkflowLexer::NUMBER: return TokenKind::Number;
    case WorkflowLexer::IDENT: return TokenKind::Ident;
    case WorkflowLexer::LINE_COMMENT: return TokenKind::LineComment;
    case WorkflowLexer::BLOCK_COMMENT: return TokenKind::BlockComment;
    default: return TokenKind::Invalid;
  }
}

std::uint32_t count_newlines(const std::string& s) {
  std::uint32_t n = 0;
  for (char c : s) n += c == '\n' ? 1 : 0;
  return n;
}

}  // namespace

void lex_each(std::string_view source, const std::function<void(const Token&)>& each) {
  Diagnostics ignored;
  if (!check_encoding(source, &ignored)) return;
  antlr4::ANTLRInputStream input(source.data(), source.size());
  WorkflowLexer lexer(&input);
  lexer.removeErrorListeners();
  Token tok;
  for (auto t = lexer.nextToken(); t->getType() != antlr4::Token::EOF; t = lexer.nextToken()) {
    tok.kind = token_kind(t->getType());
    tok.text = t->getText();
    tok.pos = pos_of(t.get());
    tok.end_line = tok.pos.line + count_newlines(tok.text);
    each(tok);
  }
}

std::vector<Token> lex(std::string_view source) {
  std::vector<Token> out;
  lex_each(source, [&out](const Token& t) { out.push_back(t); });
  return out;
}

int natural_precedence(TokenKind op) {
  switch (op) {
    case TokenKind::Bind: return 4;
    case TokenKind::Amp:
    case TokenKind::Pipe: return 3;
    case TokenKind::Seq: return 2;
    case TokenKind::Then:
    case TokenKind::Else: return 1;
    default: return 0;
  }
}

const char* ast::binary_op_text(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Seq: return "~>";
    case ast::BinaryOp::Bind: return "|=>";
    case ast::BinaryOp::Join: return "&";
    case ast::BinaryOp::Race: return "|";
  }
  return "?";
}

}  // namespace df::compiler
