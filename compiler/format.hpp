// format.hpp — `dfc fmt`: the canonical layout of a workflow source file.
//
// Layout: one blank line between workflows; `workflow name(p type = default) {` header,
// the body indented by two spaces, `}` alone; a top-level sequence puts each `~> step` on
// its own line; everything else on one line with single spaces (none inside parentheses,
// before commas, around `.` and `::`, between a function name and its `(`). A line wider
// than `width` code points is broken at its outermost parenthesised group: `(` ends the
// line, each operand of the group's operators and each argument gets its own line two
// spaces deeper, and `)` stands alone under the line that opened it; repeated inward
// until lines fit (a single literal wider than the limit stays as it is). Comments are
// kept where they were: a comment that ended a code line stays at the end of that line,
// one on its own line stays on its own line (with at most one blank line kept before it).
// The result is idempotent and compiles to the same IR as the input.
#pragma once
#include "no_postgres.hpp"

#include <string>
#include <string_view>

#include "diagnostic.hpp"

namespace df::compiler {

// The formatted text. When the source does not parse, returns it unchanged and appends the
// syntax errors to *diags (if given): formatting never guesses around broken input.
inline constexpr std::size_t kDefaultFormatWidth = 100;
std::string format_source(std::string_view source, Diagnostics* diags,
                          std::size_t width = kDefaultFormatWidth);

}  // namespace df::compiler
