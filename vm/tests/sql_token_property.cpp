// sql_token_property.cpp — see sql_token_property.hpp. Decodes libpg_query's protobuf
// scan result by hand (ScanResult.tokens = 2; ScanToken.token = 4) so that no protobuf
// library is needed.
#include "sql_token_property.hpp"

#include <cstdint>
#include <utility>

#include <rapidjson/document.h>

#include "json_text.hpp"
#include "substitute.hpp"

extern "C" {
#include <pg_query.h>
}

namespace df::vm::test {
namespace {

constexpr int kLparen = 40, kRparen = 41, kMinus = 45;
constexpr int kFconst = 260, kIconst = 266;
constexpr int kTrue = 680, kFalse = 416;
constexpr int kNumber = -1;  // ICONST, FCONST or ( - number ) after normalisation
constexpr int kBool = -2;    // TRUE_P or FALSE_P

bool varint(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t* v) {
  *v = 0;
  for (int shift = 0; p < end && shift < 64; shift += 7) {
    const std::uint8_t b = *p++;
    *v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Skips or reads one field; returns false on malformed input.
bool field(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t* number,
           std::uint64_t* value, const std::uint8_t** sub, std::size_t* sub_len) {
  std::uint64_t key = 0;
  if (!varint(p, end, &key)) return false;
  *number = key >> 3;
  switch (key & 7) {
    case 0: return varint(p, end, value);
    case 2: {
      std::uint64_t len = 0;
      if (!varint(p, end, &len) || len > static_cast<std::uint64_t>(end - p)) return false;
      *sub = p;
      *sub_len = static_cast<std::size_t>(len);
      p += len;
      return true;
    }
    default: return false;
  }
}

std::optional<int> token_of(const std::uint8_t* p, const std::uint8_t* end) {
  std::optional<int> token;
  while (p < end) {
    std::uint64_t number = 0, value = 0;
    const std::uint8_t* sub = nullptr;
    std::size_t len = 0;
    if (!field(p, end, &number, &value, &sub, &len)) return std::nullopt;
    if (number == 4) token = static_cast<int>(value);
  }
  return token.value_or(0);
}

// One pass: numbers and booleans to one kind each, "( - number )" to a number.
std::vector<int> normalise_once(const std::vector<int>& kinds) {
  std::vector<int> out;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    const auto is_number = [&](std::size_t k) {
      return kinds[k] == kIconst || kinds[k] == kFconst || kinds[k] == kNumber;
    };
    if (is_number(i)) {
      out.push_back(kNumber);
    } else if (kinds[i] == kTrue || kinds[i] == kFalse) {
      out.push_back(kBool);
    } else if (kinds[i] == kLparen && i + 3 < kinds.size() && kinds[i + 1] == kMinus &&
               is_number(i + 2) && kinds[i + 3] == kRparen) {
      out.push_back(kNumber);
      i += 3;
    } else {
      out.push_back(kinds[i]);
    }
  }
  return out;
}

// Until nothing changes: a template's own "(-" around the value meets the value's
// parentheses (template "(-$v)" with -5 gives "(-(-5))", with 0 gives "(-0)"), and both
// are one number (fuzz_substitute, corpus negative_in_template_parens).
std::vector<int> normalise(std::vector<int> kinds) {
  for (;;) {
    auto next = normalise_once(kinds);
    if (next == kinds) return next;
    kinds = std::move(next);
  }
}

// The harmless value of the same JSON kind (what sql_slots renders the same way).
std::string harmless(const std::string& value_json) {
  rapidjson::Document d;
  if (!compiler::parse_json(value_json, d, nullptr)) return "\"x\"";
  if (d.IsNull()) return "null";
  if (d.IsBool()) return "true";
  if (d.IsNumber()) return "0";
  return "\"x\"";  // strings, objects and arrays are all quoted text
}

std::optional<std::string> substituted(const std::string& tmpl, const std::string& value_json) {
  try {
    return substitute_results(tmpl, {{"v", "{\"data\":" + value_json + "}"}}, SubstMode::Sql);
  } catch (const SubstError&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<std::vector<int>> pg_token_kinds(const std::string& sql) {
  PgQueryScanResult r = pg_query_scan(sql.c_str());
  std::optional<std::vector<int>> kinds;
  if (!r.error) {
    kinds.emplace();
    const auto* p = reinterpret_cast<const std::uint8_t*>(r.pbuf.data);
    const std::uint8_t* end = p + r.pbuf.len;
    while (p < end && kinds) {
      std::uint64_t number = 0, value = 0;
      const std::uint8_t* sub = nullptr;
      std::size_t len = 0;
      if (!field(p, end, &number, &value, &sub, &len)) {
        kinds.reset();
      } else if (number == 2) {
        auto t = token_of(sub, sub + len);
        if (t) kinds->push_back(*t);
        else kinds.reset();
      }
    }
  }
  pg_query_free_scan_result(r);
  return kinds;
}

PropertyOutcome check_substitution(const std::string& prefix, const std::string& suffix,
                                   const std::string& value_json) {
  const std::string tmpl = prefix + "$v.data" + suffix;
  const auto model = substituted(tmpl, harmless(value_json));
  const auto actual = substituted(tmpl, value_json);
  if (!model || !actual) return {};  // refused: nothing runs
  const auto model_kinds = pg_token_kinds(*model);
  if (!model_kinds) return {};  // the template itself does not scan
  // A statement PostgreSQL cannot even scan (e.g. a bad escape in U&'...') fails as a
  // whole: nothing of it runs, so that keeps the property too.
  const auto actual_kinds = pg_token_kinds(*actual);
  if (!actual_kinds || normalise(*actual_kinds) == normalise(*model_kinds)) return {};
  PropertyOutcome o;
  o.holds = false;
  o.explanation = "template: " + tmpl + "\nvalue: " + value_json + "\nmodel:  " + *model +
                  "\nactual: " + *actual;
  return o;
}

}  // namespace df::vm::test
