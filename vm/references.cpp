// references.cpp — the syntax of `{variable}` / `$result` references (see references.hpp).
#include "references.hpp"

#include <algorithm>
#include <cctype>

namespace df::vm {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool is_identifier(std::string_view s) {
  if (s.empty() || !ident_start(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(), word_char);
}

std::optional<Braces> next_braces(std::string_view text, std::size_t from) {
  const std::size_t open = text.find('{', from);
  if (open == std::string_view::npos) return std::nullopt;
  const std::size_t close = text.find('}', open + 1);
  if (close == std::string_view::npos) return std::nullopt;
  return Braces{open, close};
}

std::optional<ResultForm> read_result_form(std::string_view text, std::size_t pos) {
  auto at = [&](std::size_t i) { return i < text.size() ? text[i] : '\0'; };
  ResultForm f;
  if (at(pos) == '.' && at(pos + 1) == '*') {
    f.kind = ResultForm::Kind::RowSet;
    f.end = pos + 2;
    return f;
  }
  if (at(pos) == '.' && ident_start(at(pos + 1))) {
    std::size_t q = pos + 1;
    while (q < text.size() && word_char(text[q])) ++q;
    f.kind = ResultForm::Kind::Field;
    f.field = text.substr(pos + 1, q - pos - 1);
    f.optional = at(q) == '?';
    f.end = q + (f.optional ? 1 : 0);
    return f;
  }
  if (at(pos) == '?') {
    f.kind = ResultForm::Kind::Optional;
    f.optional = true;
    f.end = pos + 1;
    return f;
  }
  if (word_char(at(pos))) return std::nullopt;
  f.end = pos;
  return f;
}

namespace {

void scan_variables(std::string_view text, std::vector<Reference>* out) {
  std::size_t i = 0;
  while (auto b = next_braces(text, i)) {
    std::string_view name = text.substr(b->open + 1, b->close - b->open - 1);
    if (!is_identifier(name)) {
      i = b->open + 1;
      continue;
    }
    Reference r;
    r.kind = Reference::Kind::Variable;
    r.name = std::string(name);
    r.begin = b->open;
    r.end = b->close + 1;
    out->push_back(std::move(r));
    i = b->close + 1;
  }
}

void scan_results(std::string_view text, bool sql, std::vector<Reference>* out) {
  const std::vector<sql::Span> spans = sql ? sql::scan(text) : std::vector<sql::Span>{};
  std::size_t cursor = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '$' || !ident_start(text[i + 1])) continue;
    std::size_t q = i + 1;
    while (q < text.size() && word_char(text[q])) ++q;
    if (q < text.size() && text[q] == '$') {  // $tag$ opens or closes a dollar-quoted string
      i = q;
      continue;
    }
    if (sql) {
      const sql::Span* span = sql::region_at(spans, i, &cursor);
      if (span && (!span->in_content(i) || span->region == sql::Region::Comment)) continue;
    }
    const ResultForm form = *read_result_form(text, q);  // q is past every word character
    Reference r;
    r.kind = Reference::Kind::Result;
    r.name = std::string(text.substr(i + 1, q - i - 1));
    r.field = std::string(form.field);
    r.row_set = form.kind == ResultForm::Kind::RowSet;
    r.optional = form.optional;
    r.begin = i;
    r.end = form.end;
    out->push_back(std::move(r));
    i = form.end - 1;
  }
}

}  // namespace

std::vector<Reference> scan_references(std::string_view text, bool sql) {
  std::vector<Reference> out;
  scan_variables(text, &out);
  scan_results(text, sql, &out);
  std::sort(out.begin(), out.end(), [](const Reference& a, const Reference& b) { return a.begin < b.begin; });
  return out;
}

}  // namespace df::vm
