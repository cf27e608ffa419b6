// suggest.hpp — "did you mean ...?" for a misspelt name: the closest candidate by edit
// distance, used by dfc (unknown test statements, lint) and the compiler's diagnostics.
#pragma once
#include "no_postgres.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace df::compiler {

// Levenshtein distance (insert, delete, substitute, each 1), case-sensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name`, when it is close enough to be a plausible typo
// (distance at most max(1, |name| / 3)); ties go to the earlier candidate.
std::optional<std::string> closest_name(std::string_view name, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace df::compiler
