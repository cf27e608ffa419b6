// prescan.hpp — enforces the graph limits (limits.hpp) on the token stream, BEFORE the
// ANTLR parser runs. ANTLR's parser recurses once per nesting level and builds the
// whole parse tree, so hostile input (100,000 open parentheses, a 100,000-step chain)
// must be refused before it: the pre-scan reads tokens one at a time, keeps a small
// stack per bracket level, and stops at the first token where a limit is passed, with
// that token's line:column.
//
// What it counts, as lower bounds of what lowering would build (so it never refuses a
// graph the IR accepts, except where noted):
//  - nesting: open parentheses and braces plus pending `@>` prefixes — both are parser
//    recursion — at most kMaxGraphDepth;
//  - depth: a chain `a ~> b ~> c` groups left to right, so its first operand sits one
//    level below each operator of the chain; ~> & | ?> each make one graph level, the
//    operand of @> one more; the depth of a graph at most kMaxGraphDepth;
//  - `|=>` makes no graph level but one syntax-tree level: at most kMaxGraphDepth of them
//    in one chain;
//  - nodes: each ~> & | ?> joins at least two steps into one more node, so a workflow
//    with n of them has at least 2n + 1 nodes: at most kMaxGraphNodes (per workflow).
#pragma once
#include "no_postgres.hpp"

#include <functional>
#include <string_view>

#include "diagnostic.hpp"

namespace df::compiler {

// Appends the first limit error (if any) to *diags; true when the source is within the
// limits. `check_interrupts` (may be empty) is called every few thousand tokens and may
// throw to abandon the compile.
bool prescan_limits(std::string_view source, Diagnostics* diags,
                    const std::function<void()>& check_interrupts);

}  // namespace df::compiler
