// sql_slots.cpp — where a value may go in a SQL text and how it is written there (see
// sql_slots.hpp for the property). The scanner follows PostgreSQL's scan.l for the tokens
// that can hide a reference: '...', E'...', B'...', X'...', "...", $tag$...$tag$, -- and
// nested /* */.
#include "sql_slots.hpp"

#include <cctype>

namespace df::vm::sql {
namespace {

bool ident_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool ident_char(unsigned char c) { return ident_start(c) || std::isdigit(c) || c == '$'; }
bool tag_char(unsigned char c) { return ident_start(c) || std::isdigit(c); }

// One past the closing quote of a '...' / E'...' / "..." token whose content starts at
// `begin`; *content_end is where the content stops.
std::size_t quoted_end(std::string_view t, std::size_t begin, char quote, bool backslash,
                       std::size_t* content_end, bool doubled_quote = true) {
  std::size_t j = begin;
  while (j < t.size()) {
    if (backslash && t[j] == '\\') {
      j += 2;
      continue;
    }
    if (t[j] == quote) {
      if (doubled_quote && j + 1 < t.size() && t[j + 1] == quote) {
        j += 2;
        continue;
      }
      *content_end = j;
      return j + 1;
    }
    ++j;
  }
  *content_end = t.size();
  return t.size();
}

Span comment_span(std::string_view t, std::size_t i) {
  Span s;
  s.region = Region::Comment;
  s.outer_begin = i;
  s.begin = i + 2;
  if (t[i] == '-') {
    std::size_t e = t.find_first_of("\r\n", s.begin);
    s.end = s.outer_end = e == std::string_view::npos ? t.size() : e;
    return s;
  }
  int depth = 1;  // PostgreSQL block comments nest
  std::size_t j = s.begin;
  while (j < t.size() && depth > 0) {
    if (t.compare(j, 2, "/*") == 0) {
      ++depth;
      j += 2;
    } else if (t.compare(j, 2, "*/") == 0) {
      --depth;
      j += 2;
    } else {
      ++j;
    }
  }
  s.end = depth == 0 ? j - 2 : t.size();
  s.outer_end = j;
  return s;
}

// A dollar quote opening at `i`, or a span with outer_end == 0 when `$` opens none.
Span dollar_span(std::string_view t, std::size_t i) {
  Span s;
  std::size_t j = i + 1;
  if (j < t.size() && ident_start(static_cast<unsigned char>(t[j])))
    while (j < t.size() && tag_char(static_cast<unsigned char>(t[j]))) ++j;
  if (j >= t.size() || t[j] != '$') return s;
  s.region = Region::DollarBody;
  s.delimiter = std::string(t.substr(i, j + 1 - i));
  s.outer_begin = i;
  s.begin = j + 1;
  std::size_t close = t.find(s.delimiter, s.begin);
  s.end = close == std::string_view::npos ? t.size() : close;
  s.outer_end = close == std::string_view::npos ? t.size() : close + s.delimiter.size();
  return s;
}

bool has_line_break(std::string_view ws) { return ws.find_first_of("\r\n") != std::string_view::npos; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// PostgreSQL joins two string constants separated by whitespace holding a line break
// ('a'\n'b' is 'ab'): a string literal written next to one would merge with it.
bool would_continue(std::string_view before, std::string_view after) {
  std::size_t b = before.size();
  while (b > 0 && is_space(before[b - 1])) --b;
  if (b > 0 && before[b - 1] == '\'' && has_line_break(before.substr(b))) return true;
  std::size_t a = 0;
  while (a < after.size() && is_space(after[a])) ++a;
  return a < after.size() && after[a] == '\'' && has_line_break(after.substr(0, a));
}

// Characters that would fuse with a literal written right next to them into another
// token: identifier characters (x5, E'..', NULLx), quotes ('a''b'), '.' (1.5), '&' (U&'..').
bool glues_before(char c) {
  auto u = static_cast<unsigned char>(c);
  return ident_char(u) || c == '\'' || c == '"' || c == '.' || c == '&';
}
bool glues_after(char c) {
  auto u = static_cast<unsigned char>(c);
  return ident_char(u) || c == '\'' || c == '"' || c == '.';
}

std::string quote(std::string_view s) {
  const bool backslash = s.find('\\') != std::string_view::npos;
  std::string out = backslash ? "E'" : "'";
  for (char c : s) {
    if (c == '\'' || (backslash && c == '\\')) out += c;
    out += c;
  }
  return out + "'";
}

std::string code_place(const Value& v, std::string_view before, std::string_view after) {
  std::string lit = code_literal(v);
  const bool string_literal = !lit.empty() && (lit[0] == '\'' || lit[0] == 'E');
  if (string_literal && would_continue(before, after)) lit = "(" + lit + ")";
  if (!before.empty() && glues_before(before.back())) lit.insert(0, " ");
  if (!after.empty() && glues_after(after.front())) lit += " ";
  return lit;
}

// A value as the content of a string literal of the template.
std::string string_content(const Value& v, bool escape_string, std::string_view ref) {
  if (v.kind == Value::Kind::RowSet)
    throw PlacementError{std::string(ref) +
                         " expands to a row set and cannot be written inside a string literal"};
  const std::string text = v.kind == Value::Kind::Null ? "NULL" : v.text;
  std::string out;
  for (char c : text) {
    if (c == '\'' || (escape_string && c == '\\')) out += c;
    out += c;
  }
  return out;
}

}  // namespace

std::vector<Span> scan(std::string_view t) {
  std::vector<Span> spans;
  // The identifier token that ended last (E'...' or B'...' need their prefix to be one whole
  // token: after $v$ closing a dollar quote, or after 1 or $, a b' is a bit string, as in
  // scan.l; looking back over characters would read "v$b" there).
  std::size_t ident_begin = 0, ident_end = std::string_view::npos;
  std::size_t i = 0;
  while (i < t.size()) {
    const char c = t[i];
    const char next = i + 1 < t.size() ? t[i + 1] : '\0';
    if ((c == '-' && next == '-') || (c == '/' && next == '*')) {
      spans.push_back(comment_span(t, i));
      i = spans.back().outer_end;
    } else if (c == '\'' || c == '"') {
      Span s;
      const std::string_view prefix =
          ident_end == i ? t.substr(ident_begin, i - ident_begin) : std::string_view();
      const bool escape = c == '\'' && (prefix == "E" || prefix == "e");
      const bool bits = c == '\'' && (prefix == "B" || prefix == "b" || prefix == "X" || prefix == "x");
      s.region = c == '"'  ? Region::QuotedIdent
                 : escape ? Region::EscapeString
                 : bits   ? Region::BitString
                          : Region::String;
      s.outer_begin = escape || bits ? i - 1 : i;
      s.begin = i + 1;
      s.outer_end = quoted_end(t, s.begin, c, escape, &s.end, !bits);
      i = s.outer_end;
      spans.push_back(std::move(s));
    } else if (c == '$') {
      Span s = dollar_span(t, i);
      if (s.outer_end == 0) {  // $1 (one token: a '$' after it may open a quote), or code
        ++i;
        while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
        continue;
      }
      i = s.outer_end;
      spans.push_back(std::move(s));
    } else if (ident_start(static_cast<unsigned char>(c))) {
      // A whole identifier, '$' included (abc$$x is one name, not a quote); a quote right
      // after it takes it as its prefix (E'...').
      ident_begin = i;
      while (i < t.size() && ident_char(static_cast<unsigned char>(t[i]))) ++i;
      ident_end = i;
    } else {
      ++i;
    }
  }
  return spans;
}

const Span* region_at(const std::vector<Span>& spans, std::size_t pos, std::size_t* cursor) {
  while (*cursor < spans.size() && spans[*cursor].outer_end <= pos) ++*cursor;
  if (*cursor < spans.size() && spans[*cursor].outer_begin <= pos) return &spans[*cursor];
  return nullptr;
}

bool is_json_number(std::string_view t) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t b = i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    return i > b;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') ++i;
  else if (!digits()) return false;
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

std::string code_literal(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Null: return "NULL";
    case Value::Kind::Bool: return v.text == "true" ? "true" : "false";
    case Value::Kind::Number:
      if (!is_json_number(v.text)) return quote(v.text);
      // -5 after '-' would start a comment (1000--5): a negative number is one group.
      return v.text[0] == '-' ? "(" + v.text + ")" : v.text;
    case Value::Kind::Text: return quote(v.text);
    case Value::Kind::RowSet: return v.text;
  }
  return "NULL";
}

std::string place(const Value& v, const Span* span, std::string_view before,
                  std::string_view after, std::string_view ref) {
  if (!span) return code_place(v, before, after);
  switch (span->region) {
    case Region::Code: return code_place(v, before, after);
    case Region::Comment: return std::string(ref);
    case Region::QuotedIdent:
      throw PlacementError{std::string(ref) +
                           " is inside a quoted identifier: a value can only be a literal, never a name"};
    case Region::String: return string_content(v, false, ref);
    case Region::EscapeString: return string_content(v, true, ref);
    case Region::BitString: {
      // No quote can be escaped here: a value holding one would end the literal.
      std::string text = string_content(v, false, ref);
      if (v.kind != Value::Kind::Null && v.text.find('\'') != std::string::npos)
        throw PlacementError{std::string(ref) +
                             " holds a quote and is inside a bit-string literal (B'...' or X'...'), "
                             "where a quote cannot be written"};
      return text;
    }
    case Region::DollarBody: {
      std::string text = code_place(v, before, after);
      if (text.find(span->delimiter) != std::string::npos)
        throw PlacementError{std::string(ref) + " holds " + span->delimiter +
                             ", the delimiter of the dollar-quoted text it is written in"};
      return text;
    }
  }
  return code_place(v, before, after);
}

}  // namespace df::vm::sql
