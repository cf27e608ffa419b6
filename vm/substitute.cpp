// substitute.cpp — `{variable}` and `$result` substitution (docs/reference.md §9). Finds
// references with the syntax of references.hpp (the linter lists them with the same
// functions); in SQL mode, where a value may go and how it is written there
// (one literal in code, escaped content inside a template string, untouched in comments)
// is the rule of sql_slots.hpp, so a result can never change the statement's structure.
#include "substitute.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "errors.hpp"
#include "json_text.hpp"
#include "references.hpp"
#include "sql_slots.hpp"

namespace df::vm {
namespace {

using compiler::json_string_view;
using compiler::json_value_text;

using sql::Value;

Value text_value(std::string_view s) { return Value{Value::Kind::Text, std::string(s)}; }
Value null_value() { return Value{Value::Kind::Null, ""}; }

// A value from a result; written out by sql::place (SQL mode) or raw_text (raw mode).
Value render(const rapidjson::Value& v) {
  if (v.IsNull()) return null_value();
  if (v.IsString()) return text_value(json_string_view(v));
  if (v.IsBool()) return Value{Value::Kind::Bool, v.GetBool() ? "true" : "false"};
  if (v.IsNumber()) return Value{Value::Kind::Number, json_value_text(v)};
  return text_value(json_value_text(v));  // object or array: its JSON text
}

std::string raw_text(const Value& v) { return v.kind == Value::Kind::Null ? "null" : v.text; }

// The parsed stored result of one name.
struct Stored {
  std::string_view name;
  std::string_view text;
  rapidjson::Document doc;
  bool is_json = false;
  const rapidjson::Value* rows = nullptr;  // the `rows` array when it is a SQL result
};

void load(Stored& s) {
  s.is_json = compiler::parse_json(s.text, s.doc, nullptr);
  if (!s.is_json || !s.doc.IsObject()) return;
  auto it = s.doc.FindMember("rows");
  if (it != s.doc.MemberEnd() && it->value.IsArray()) s.rows = &it->value;
}

std::string no_rows_message(std::string_view name) {
  return "$" + std::string(name) + " has no rows \xE2\x80\x94 query returned zero results";
}

// `$name` / `$name?`: the first column of the first row, or the whole text.
Value first_value(const Stored& s, bool optional) {
  if (!s.rows) return text_value(s.text);
  if (s.rows->Empty()) {
    if (optional) return null_value();
    throw SubstError(no_rows_message(s.name));
  }
  const rapidjson::Value& row = (*s.rows)[0];
  const rapidjson::Value* v = nullptr;
  if (row.IsObject() && row.MemberCount() > 0) v = &row.MemberBegin()->value;
  if (!v || v->IsNull()) {
    if (optional) return null_value();
    throw SubstError("$" + std::string(s.name) +
                     " is NULL \xE2\x80\x94 first column of first row is NULL");
  }
  return render(*v);
}

std::string available_fields(const rapidjson::Value* obj) {
  std::string out;
  if (!obj || !obj->IsObject()) return out;
  for (auto it = obj->MemberBegin(); it != obj->MemberEnd(); ++it) {
    if (!out.empty()) out += ", ";
    out += json_string_view(it->name);
  }
  return out;
}

// `$name.col` / `$name.col?`. Returns nullopt when the literal text must stay in place.
std::optional<Value> field_value(const Stored& s, std::string_view col, bool optional,
                                 SubstMode mode) {
  const rapidjson::Value* obj = nullptr;
  if (s.rows) {
    if (s.rows->Empty()) {
      if (optional) return null_value();
      throw SubstError(no_rows_message(s.name));
    }
    obj = &(*s.rows)[0];
  } else if (s.is_json && s.doc.IsObject()) {
    obj = &s.doc;
  }
  const rapidjson::Value* v = nullptr;
  if (obj && obj->IsObject()) {
    auto it = obj->FindMember(rapidjson::Value(col.data(), static_cast<rapidjson::SizeType>(col.size())));
    if (it != obj->MemberEnd()) v = &it->value;
  }
  std::string ref = "$" + std::string(s.name) + "." + std::string(col);
  if (!v) {
    if (optional || mode == SubstMode::Sql) return std::nullopt;
    throw SubstError(ref + ": result has no field '" + std::string(col) + "' (available: " +
                     available_fields(obj) + ")");
  }
  if (v->IsNull()) {
    if (optional) return null_value();
    throw SubstError(ref + " is NULL");
  }
  return render(*v);
}

std::string quote_ident(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string rowset_cell(const rapidjson::Value* v) {
  if (!v || v->IsNull()) return "NULL";
  const Value value = render(*v);
  const std::string lit = sql::code_literal(value);
  return value.kind == Value::Kind::Text ? lit + "::text" : lit;
}

// `$name.*`: a VALUES list (SQL mode) or the JSON array of rows (raw mode).
Value row_set(const Stored& s, SubstMode mode) {
  std::string ref = "$" + std::string(s.name) + ".*";
  if (!s.rows) throw SubstError(ref + " \xE2\x80\x94 invalid result format");
  const std::size_t n = s.rows->Size();
  if (n > kMaxRowSetRows)
    throw SubstError(ref + " has " + std::to_string(n) + " rows, exceeding the maximum of " +
                     std::to_string(kMaxRowSetRows) +
                     " for row-set expansion. Aggregate or LIMIT the result first.");
  if (mode == SubstMode::Raw) return text_value(json_value_text(*s.rows));
  if (n == 0) return Value{Value::Kind::RowSet, "(SELECT NULL WHERE false) AS " + quote_ident(s.name)};
  std::vector<std::string> cols;
  const rapidjson::Value& first = (*s.rows)[0];
  if (first.IsObject())
    for (auto it = first.MemberBegin(); it != first.MemberEnd(); ++it)
      cols.emplace_back(json_string_view(it->name));
  std::string out = "(VALUES ";
  for (std::size_t r = 0; r < n; ++r) {
    const rapidjson::Value& row = (*s.rows)[static_cast<rapidjson::SizeType>(r)];
    out += r ? ",(" : "(";
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const rapidjson::Value* v = nullptr;
      if (row.IsObject()) {
        auto it = row.FindMember(rapidjson::Value(cols[c].data(), static_cast<rapidjson::SizeType>(cols[c].size())));
        if (it != row.MemberEnd()) v = &it->value;
      }
      out += (c ? "," : "") + rowset_cell(v);
    }
    out += ")";
  }
  out += ") AS " + quote_ident(s.name) + "(";
  for (std::size_t c = 0; c < cols.size(); ++c) out += (c ? "," : "") + quote_ident(cols[c]);
  return Value{Value::Kind::RowSet, out + ")"};
}

// What one reference resolves to: a value, or (nullopt) its own text left in place.
struct Resolved {
  std::optional<Value> value;
  std::size_t end = 0;  // one past the reference
};

// Tries one name at text[pos] (just after `$name`). Returns false when no form applies.
bool try_reference(std::string_view text, std::size_t pos, Stored& s, SubstMode mode,
                   Resolved* r) {
  const std::optional<ResultForm> form = read_result_form(text, pos);
  if (!form) return false;  // needs a word boundary
  r->end = form->end;
  switch (form->kind) {
    case ResultForm::Kind::RowSet: r->value = row_set(s, mode); break;
    case ResultForm::Kind::Field: r->value = field_value(s, form->field, form->optional, mode); break;
    case ResultForm::Kind::Optional: r->value = first_value(s, true); break;
    case ResultForm::Kind::Plain: r->value = first_value(s, false); break;
  }
  return true;
}

// Writes a resolved reference text[start, r.end) into out.
void write_reference(std::string_view text, std::size_t start, const Resolved& r,
                     SubstMode mode, const sql::Span* span, std::string& out) {
  const std::string_view ref = text.substr(start, r.end - start);
  if (!r.value) {
    out += ref;
  } else if (mode == SubstMode::Raw) {
    out += raw_text(*r.value);
  } else {
    try {
      out += sql::place(*r.value, span, out, text.substr(r.end), ref);
    } catch (const sql::PlacementError& e) {
      throw SubstError(e.message);
    }
  }
}

}  // namespace

std::string substitute_variables(std::string_view text, const SubstContext& ctx) {
  std::string out;
  std::size_t i = 0;
  while (const std::optional<Braces> b = next_braces(text, i)) {  // none, or unclosed: stop
    const std::size_t open = b->open, close = b->close;
    out += text.substr(i, open - i);
    const std::string name(text.substr(open + 1, close - open - 1));
    const std::string* value = nullptr;
    std::string sys;
    if (name == "sys_instance_id") {
      sys = std::string(ctx.instance_id);
      value = &sys;
    } else if (name == "sys_label") {
      sys = std::string(ctx.label);
      value = &sys;
    } else if (is_identifier(name) && ctx.variables) {
      auto it = ctx.variables->find(name);
      if (it != ctx.variables->end()) value = &it->second;
    }
    if (value) {
      out += *value;
      i = close + 1;
    } else {
      out += '{';  // untouched; keep scanning right after it (nested braces still work)
      i = open + 1;
    }
  }
  out += text.substr(i);
  return out;
}

namespace {
std::string substitute_results_unchecked(std::string_view text, const NamedResults& results,
                                         SubstMode mode);
}  // namespace

std::string substitute_results(std::string_view text, const NamedResults& results,
                               SubstMode mode) {
  try {
    return substitute_results_unchecked(text, results, mode);
  } catch (const compiler::CompileError& e) {
    throw SubstError(e.what());  // a value nested too deeply to render
  }
}

namespace {
using NameList = std::vector<const std::pair<const std::string, std::string>*>;

// Whether some result name starts at text[pos] (a possible reference).
bool names_at(std::string_view text, std::size_t pos, const NameList& names) {
  for (auto* entry : names)
    if (text.compare(pos, entry->first.size(), entry->first) == 0) return true;
  return false;
}

std::string substitute_results_unchecked(std::string_view text, const NamedResults& results,
                                         SubstMode mode) {
  if (results.empty() || text.find('$') == std::string_view::npos) return std::string(text);
  NameList names;
  for (const auto& entry : results) names.push_back(&entry);
  std::stable_sort(names.begin(), names.end(), [](auto* a, auto* b) {
    return a->first.size() > b->first.size();
  });
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$' || !names_at(text, i + 1, names)) {
      out += text[i++];
      continue;
    }
    // SQL mode: the lexical region of this point of the statement being built (strings,
    // quoted names, dollar quotes, comments: sql_slots). Read on the output, not on the
    // template: a value written before may have changed what a later '$' means.
    sql::Span region;
    const sql::Span* span = nullptr;
    if (mode == SubstMode::Sql) {
      std::string probe = out;
      probe.append(text.substr(i));
      const std::vector<sql::Span> spans = sql::scan(probe);
      std::size_t cursor = 0;
      if (const sql::Span* s = sql::region_at(spans, out.size(), &cursor)) {
        region = *s;
        span = &region;
      }
    }
    // A `$tag$` delimiter, or a comment (left as written, never evaluated): no reference.
    if (span && (!span->in_content(out.size()) || span->region == sql::Region::Comment)) {
      out += text[i++];
      continue;
    }
    bool matched = false;
    for (auto* entry : names) {
      const std::string& name = entry->first;
      if (text.compare(i + 1, name.size(), name) != 0) continue;
      Stored s;
      s.name = name;
      s.text = entry->second;
      load(s);
      Resolved r;
      if (try_reference(text, i + 1 + name.size(), s, mode, &r)) {
        write_reference(text, i, r, mode, span, out);
        i = r.end;
        matched = true;
        break;
      }
    }
    if (!matched) out += text[i++];
  }
  return out;
}
}  // namespace

std::string substitute(std::string_view text, const SubstContext& ctx, SubstMode mode) {
  const std::string vars_done = substitute_variables(text, ctx);
  static const NamedResults kNone;
  return substitute_results(vars_done, ctx.results ? *ctx.results : kNone, mode);
}

namespace {

void set_string(rapidjson::Value& v, const std::string& text, rapidjson::Document& doc) {
  v.SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()), doc.GetAllocator());
}

// Substitutes a string member (raw mode) when present and a string.
void substitute_member(rapidjson::Value& obj, const char* key, const SubstContext& ctx,
                       rapidjson::Document& doc) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString()) return;
  set_string(it->value, substitute(json_string_view(it->value), ctx, SubstMode::Raw), doc);
}

void substitute_headers(rapidjson::Value& config, const SubstContext& ctx,
                        rapidjson::Document& doc) {
  auto it = config.FindMember("headers");
  if (it == config.MemberEnd() || !it->value.IsObject()) return;
  for (auto h = it->value.MemberBegin(); h != it->value.MemberEnd(); ++h)
    if (h->value.IsString())
      set_string(h->value, substitute(json_string_view(h->value), ctx, SubstMode::Raw), doc);
}

void parse_config(std::string_view json, rapidjson::Document& doc, const char* what) {
  std::string err;
  if (!compiler::parse_json(json, doc, &err) || !doc.IsObject())
    throw SubstError(std::string("Invalid ") + what + " config: not a JSON object");
}

// `$n`, `$n?`, `$n.c`, `$n.c?` or `{v}`, and nothing else.
bool is_single_reference(std::string_view s) {
  if (s.size() >= 3 && s.front() == '{' && s.back() == '}')
    return is_identifier(s.substr(1, s.size() - 2));
  if (s.empty() || s[0] != '$') return false;
  std::size_t i = 1;
  auto ident = [&] {
    if (i >= s.size() || !ident_start(s[i])) return false;
    while (i < s.size() && word_char(s[i])) ++i;
    return true;
  };
  if (!ident()) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!ident()) return false;
  }
  if (i < s.size() && s[i] == '?') ++i;
  return i == s.size();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

void substitute_part(rapidjson::Value& part, const SubstContext& ctx, rapidjson::Document& doc) {
  if (!part.IsObject()) return;
  substitute_member(part, "name", ctx, doc);
  substitute_member(part, "filename", ctx, doc);
  auto data = part.FindMember("data_b64");
  if (data == part.MemberEnd() || !data->value.IsString()) return;
  const std::string_view value = trim(json_string_view(data->value));
  if (is_single_reference(value)) {
    set_string(data->value, substitute(value, ctx, SubstMode::Raw), doc);
    return;
  }
  if (value.find('$') == std::string_view::npos && value.find('{') == std::string_view::npos) return;
  auto name = part.FindMember("name");
  const std::string part_name =
      name != part.MemberEnd() && name->value.IsString() ? std::string(json_string_view(name->value)) : "";
  throw SubstError("Invalid multipart HTTP config: data_b64 of part '" + part_name +
                   "' must be a whole-value reference ($name, $name?, $name.col, $name.col? "
                   "or {var}) or contain no '$' and no '{'");
}

}  // namespace

std::string substitute_http_config(std::string_view config_json, const SubstContext& ctx) {
  rapidjson::Document doc;  // (url/body/headers are strings: nothing deep is re-rendered)
  parse_config(config_json, doc, "HTTP");
  substitute_member(doc, "url", ctx, doc);
  substitute_member(doc, "body", ctx, doc);
  substitute_headers(doc, ctx, doc);
  return json_value_text(doc);
}

std::string substitute_multipart_config(std::string_view config_json, const SubstContext& ctx) {
  rapidjson::Document doc;
  parse_config(config_json, doc, "multipart HTTP");
  substitute_member(doc, "url", ctx, doc);
  substitute_headers(doc, ctx, doc);
  auto parts = doc.FindMember("parts");
  if (parts != doc.MemberEnd() && parts->value.IsArray())
    for (auto& part : parts->value.GetArray()) substitute_part(part, ctx, doc);
  return json_value_text(doc);
}

}  // namespace df::vm
