// truth.hpp — condition truthiness (docs/reference.md §10), applied to the result text of an
// IF condition node and of a loop's while-condition.
#pragma once
#include "no_postgres.hpp"

#include <string_view>

namespace df::vm {

// True when a condition result counts as "true". Never fails: every text has a truth value.
bool is_truthy(std::string_view result_text);

// The string rule alone (trimmed; empty false; true/t/yes, false/f/no case-insensitively;
// a float is true when non-zero; any other non-empty text true). Exposed for tests.
bool is_truthy_string(std::string_view text);

}  // namespace df::vm
