// truth.cpp — condition truthiness (docs/reference.md §10). The rules mirror the Rust
// original: a SQL result is judged by the first column of its first row, other JSON by
// its value, and non-JSON text as if it were a JSON string.
#include "truth.hpp"

#include <cctype>
#include <cstdlib>
#include <string>

#include "json_text.hpp"

namespace df::vm {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, const char* b) {
  std::size_t i = 0;
  for (; i < a.size() && b[i]; ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return i == a.size() && b[i] == '\0';
}

// Rust's f64::from_str grammar: [+-] then inf/infinity/nan, or digits[.digits][e[+-]digits]
// with at least one digit in the mantissa. strtod alone would also take hex and "0x".
bool parse_rust_float(std::string_view s, double* out) {
  std::string_view body = s;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
  if (iequals(body, "inf") || iequals(body, "infinity") || iequals(body, "nan")) {
    *out = std::strtod(std::string(s).c_str(), nullptr);
    return true;
  }
  std::size_t i = 0, digits = 0;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  if (i != body.size()) return false;
  *out = std::strtod(std::string(s).c_str(), nullptr);
  return true;
}

bool value_truthy(const rapidjson::Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return false;
    case rapidjson::kFalseType: return false;
    case rapidjson::kTrueType: return true;
    case rapidjson::kNumberType: return v.GetDouble() != 0.0;
    case rapidjson::kArrayType: return !v.Empty();
    case rapidjson::kObjectType: return v.MemberCount() != 0;
    case rapidjson::kStringType: return is_truthy_string(compiler::json_string_view(v));
  }
  return false;
}

}  // namespace

bool is_truthy_string(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) return false;
  if (iequals(s, "true") || iequals(s, "t") || iequals(s, "yes")) return true;
  if (iequals(s, "false") || iequals(s, "f") || iequals(s, "no")) return false;
  double d = 0;
  if (parse_rust_float(s, &d)) return d != 0.0;  // NaN != 0 is true, as in Rust
  return true;
}

bool is_truthy(std::string_view result_text) {
  rapidjson::Document doc;
  if (!compiler::parse_json(result_text, doc, nullptr)) return is_truthy_string(result_text);
  if (doc.IsObject()) {
    auto rows = doc.FindMember("rows");
    if (rows != doc.MemberEnd() && rows->value.IsArray()) {
      if (rows->value.Empty()) return false;
      const rapidjson::Value& first = rows->value[0];
      if (first.IsObject() && first.MemberCount() > 0) return value_truthy(first.MemberBegin()->value);
      if (!first.IsObject()) return value_truthy(first);
      return true;  // a row without columns: the whole (non-empty) object decides
    }
  }
  return value_truthy(doc);
}

}  // namespace df::vm
