// substitute.hpp — execution-time substitution of `{variables}` and `$result`
// references into node texts (docs/reference.md §9). SQL mode quotes every result value as a
// SQL literal (a result can never inject SQL); raw mode (HTTP url/body/headers, multipart
// parts) inserts plain text. Variables are always inserted raw, by design.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace df::vm {

using NamedResults = std::map<std::string, std::string>;  // result_name -> result text
using Variables = std::map<std::string, std::string>;

enum class SubstMode { Sql, Raw };

inline constexpr std::size_t kMaxRowSetRows = 10000;

// A strict reference failed (no rows, NULL, bad format, ...): the node fails with what().
struct SubstError : std::runtime_error {
  explicit SubstError(const std::string& m) : std::runtime_error(m) {}
};

struct SubstContext {
  std::string_view instance_id;
  std::string_view label;  // empty when the instance has none
  const Variables* variables = nullptr;
  const NamedResults* results = nullptr;
};

// Pass 1: `{sys_instance_id}`, `{sys_label}`, `{ident}` -> raw value; one left-to-right
// pass, inserted values are not re-scanned, unknown names and non-identifiers untouched,
// an unclosed `{` ends processing.
std::string substitute_variables(std::string_view text, const SubstContext& ctx);

// Pass 2: `$name.*`, `$name.col[?]`, `$name?`, `$name` over the whole text for the names
// present in `results`, longest names first. Throws SubstError.
std::string substitute_results(std::string_view text, const NamedResults& results,
                               SubstMode mode);

// Both passes in order. Throws SubstError.
std::string substitute(std::string_view text, const SubstContext& ctx, SubstMode mode);

// HTTP node config (the node's `query` JSON): url, body and string-valued headers in raw
// mode; everything else verbatim. Returns compact JSON. Throws SubstError.
std::string substitute_http_config(std::string_view config_json, const SubstContext& ctx);

// HTTP_MULTIPART config: url, string-valued headers, each part's name and filename (raw),
// and data_b64 under the whole-value rule. Throws SubstError.
std::string substitute_multipart_config(std::string_view config_json, const SubstContext& ctx);

}  // namespace df::vm
