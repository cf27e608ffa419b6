// sql_token_property.hpp — the substitution property of sql_slots.hpp checked with
// PostgreSQL's own scanner (libpg_query, tests and fuzz only — never linked into the
// extension): a template with one reference, substituted with a value, has the same token
// kinds as the same template substituted with a harmless value of the same JSON kind.
// Numbers compare as one kind (ICONST/FCONST) and the group "( - number )" as one number;
// true and false as one kind.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace df::vm::test {

// PostgreSQL token codes of `sql` (pg_query_scan), or nullopt when it does not scan.
std::optional<std::vector<int>> pg_token_kinds(const std::string& sql);

struct PropertyOutcome {
  bool holds = true;
  std::string explanation;  // when !holds: template, value, both statements
};

// `prefix + "$v.data" + suffix` substituted (SQL mode) with {"data": value_json} versus
// with a harmless value of the same kind. A refusal (SubstError) of either keeps the
// property; so does a template the scanner rejects with the harmless value, and a result
// the scanner rejects (PostgreSQL would refuse the whole statement).
PropertyOutcome check_substitution(const std::string& prefix, const std::string& suffix,
                                   const std::string& value_json);

}  // namespace df::vm::test
