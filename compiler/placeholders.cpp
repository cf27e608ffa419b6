// placeholders.cpp — reading `{variable}` / `$result` references (see placeholders.hpp).
#include "placeholders.hpp"

#include <algorithm>
#include <cctype>

namespace df::compiler {

namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

void scan_variables(std::string_view text, std::vector<Placeholder>* out) {
  std::size_t i = 0;
  while (true) {
    const std::size_t open = text.find('{', i);
    const std::size_t close = open == std::string_view::npos ? open : text.find('}', open + 1);
    if (close == std::string_view::npos) return;
    std::string_view name = text.substr(open + 1, close - open - 1);
    if (!name.empty() && ident_start(name[0]) && std::all_of(name.begin(), name.end(), word_char)) {
      Placeholder p;
      p.kind = Placeholder::Kind::Variable;
      p.name = std::string(name);
      p.begin = open;
      p.end = close + 1;
      out->push_back(std::move(p));
      i = close + 1;
    } else {
      i = open + 1;
    }
  }
}

void scan_results(std::string_view text, std::vector<Placeholder>* out) {
  auto at = [&](std::size_t i) { return i < text.size() ? text[i] : '\0'; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || !ident_start(at(i + 1))) continue;
    std::size_t q = i + 1;
    while (q < text.size() && word_char(text[q])) ++q;
    if (at(q) == '$') {  // $tag$ opens or closes a dollar-quoted string
      i = q;
      continue;
    }
    Placeholder p;
    p.kind = Placeholder::Kind::Result;
    p.name = std::string(text.substr(i + 1, q - i - 1));
    p.begin = i;
    if (at(q) == '.' && at(q + 1) == '*') {
      p.row_set = true;
      q += 2;
    } else if (at(q) == '.' && ident_start(at(q + 1))) {
      std::size_t f = q + 1;
      while (f < text.size() && word_char(text[f])) ++f;
      p.field = std::string(text.substr(q + 1, f - q - 1));
      q = f;
      if (at(q) == '?') {
        p.optional = true;
        ++q;
      }
    } else if (at(q) == '?') {
      p.optional = true;
      ++q;
    }
    p.end = q;
    out->push_back(std::move(p));
    i = q - 1;
  }
}

}  // namespace

std::vector<Placeholder> scan_placeholders(std::string_view text) {
  std::vector<Placeholder> out;
  scan_variables(text, &out);
  scan_results(text, &out);
  std::sort(out.begin(), out.end(), [](const Placeholder& a, const Placeholder& b) { return a.begin < b.begin; });
  return out;
}

}  // namespace df::compiler
