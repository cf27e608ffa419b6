// sql_slots.hpp — the one rule for where a value may go in a SQL text, and how it is
// written there (issue 11 item 4). Used by SQL-mode substitution (substitute.cpp) and
// meant for the linter's SQL check, so both agree on what a template position means.
//
// The property: substituting values from signals, HTTP responses or earlier steps never
// changes the token structure of the template. A reference in SQL code becomes exactly
// one literal (a quoted string, a number, NULL, true/false; a negative number is the
// group "(-n)"), padded with a space where it would otherwise glue to its neighbour. A
// reference inside a template string literal becomes part of that literal's content,
// escaped for its kind ('...' or E'...'); inside a dollar-quoted body it is written as in
// code and refused if it would contain the closing delimiter; inside a comment it is left
// as written; inside a quoted identifier it is refused (a value is never a name).
//
// Assumes standard_conforming_strings = on (PostgreSQL's default) for '...' literals;
// string values holding a backslash are written as E'...' literals, which mean the same
// under either setting.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace df::vm::sql {

// The lexical region a position of a SQL text is in (PostgreSQL's scanner rules).
// BitString: B'...' and X'...', where '' is no escaped quote but the end of the literal and
// the start of another one (scan.l's xb and xh states have no xqdouble).
enum class Region { Code, String, EscapeString, BitString, DollarBody, QuotedIdent, Comment };

struct Span {
  Region region = Region::Code;
  std::size_t outer_begin = 0;  // first byte of the token (opening quote, E', $tag$, --, /*)
  std::size_t begin = 0;        // first byte of the content
  std::size_t end = 0;          // one past the last content byte
  std::size_t outer_end = 0;    // one past the closing quote / delimiter
  std::string delimiter;        // DollarBody: "$tag$"
  bool in_content(std::size_t pos) const { return pos >= begin && pos < end; }
};

// The non-code tokens of `text` (strings, quoted identifiers, dollar quotes, comments), in
// order; every byte outside them is Code. An unterminated token runs to the end.
std::vector<Span> scan(std::string_view text);

// The span whose token holds byte `pos` (nullptr = Code), with `spans` from scan() and a
// cursor that only moves forward (callers walk the text left to right). A position on a
// quote or delimiter is in the span but not in_content(): never a reference.
const Span* region_at(const std::vector<Span>& spans, std::size_t pos, std::size_t* cursor);

// A value to be written into a SQL text.
struct Value {
  enum class Kind { Null, Bool, Number, Text, RowSet };
  Kind kind = Kind::Null;
  std::string text;  // Bool: true/false; Number: JSON number text; Text: the string; RowSet: SQL
};

// Thrown when a value may not go where the reference is.
struct PlacementError {
  std::string message;
};

// The text that replaces a reference. `before` is the output written so far (for the
// gluing and string-continuation checks), `after` the template text following the
// reference, `span` the region (nullptr = Code), `ref` the reference as written.
std::string place(const Value& v, const Span* span, std::string_view before,
                  std::string_view after, std::string_view ref);

// A literal for SQL code: 'text' (E'...' with a backslash), a number (or "(-n)"), NULL,
// true/false. Numbers that are not JSON-number shaped are written as quoted text.
std::string code_literal(const Value& v);

// True when `text` is a JSON number (-?int frac? exp?): one PostgreSQL numeric token.
bool is_json_number(std::string_view text);

}  // namespace df::vm::sql
