// ast.hpp — the typed syntax tree of the textual workflow language (grammar/Workflow.g4).
//
// parse.cpp builds it from the ANTLR parse tree (which never leaves that file); lower.cpp
// turns it into IR through the same node builders the SQL functions use. Operator chains
// are already grouped here (left to right, as PostgreSQL groups them) and checked for
// groupings that would differ from the "natural" precedence, so lowering never sees an
// ambiguous chain. String literals are already decoded ('' / E'..' escapes / $tag$).
#pragma once
#include "no_postgres.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir.hpp"

namespace df::compiler::ast {

enum class LiteralKind { String, Number, Null, Bool };

struct Literal {
  LiteralKind kind = LiteralKind::Null;
  std::string value;  // decoded string; number text ("-5", "1.5"); "true"/"false"; "" for NULL
};

// The DSL's binary operators: ~> |=> & | (?> !> become a Ternary).
enum class BinaryOp { Seq, Bind, Join, Race };

enum class ExprKind {
  Literal,  // a string/number/NULL argument or SQL step
  Call,     // df.xxx(...) — callee without the df. prefix, lower-cased
  Binary,   // lhs op rhs
  Ternary,  // lhs ?> rhs !> third
  Loop,     // @> lhs
  Error,    // already reported; `args` may hold operands lowering still checks
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Arg {
  std::optional<std::string> name;  // `name => value`, lower-cased; nullopt if positional
  ExprPtr value;
  ir::SourcePos pos;
};

struct Expr {
  ExprKind kind = ExprKind::Error;
  ir::SourcePos pos;
  std::string source;               // the source text (whitespace collapsed), for messages
  std::vector<std::string> casts;   // `::type` suffixes, lower-cased, in order
  Literal literal;                  // Literal
  std::string callee;               // Call
  std::vector<Arg> args;            // Call
  BinaryOp op = BinaryOp::Seq;      // Binary
  ir::SourcePos op_pos;             // Binary/Ternary: position of the operator
  ExprPtr lhs, rhs, third;          // Binary (lhs, rhs), Ternary (cond, then, else), Loop (lhs)
};

struct ParamDecl {
  std::string name;
  std::string type;                         // lower-cased as written (checked by lower)
  std::optional<Literal> default_value;
  std::string default_source;               // the default as written, e.g. "7", "'eu'"
  ir::SourcePos pos;
};

struct Workflow {
  std::string name;  // "" for a bare expression file
  std::vector<ParamDecl> params;
  ExprPtr body;
  ir::SourcePos pos;
};

struct File {
  std::vector<Workflow> workflows;  // one unnamed entry for a bare expression file
};

const char* binary_op_text(BinaryOp op);  // "~>", "|=>", "&", "|"

}  // namespace df::compiler::ast
