// dot.hpp — a workflow's control flow as Graphviz DOT, for docs, reviews and `dfc graph`.
// Steps carry the explain labels (explain.hpp); a sequence is plain edges from start to
// end; IF is a diamond with yes/no edges to a merge point; JOIN/RACE a fork bar and a
// merge bar with all branches side by side (`a & b & c & d` is one 4-way fork); LOOP an
// entry and an exit point, its body with a "repeat" back-edge, its while-condition's
// "continue?" diamond and dashed "break" edges to the exit.
#pragma once
#include "no_postgres.hpp"

#include <string>

#include "ir.hpp"

namespace df::compiler {

std::string to_dot(const ir::Node& root);

// A DOT double-quoted string body: `"` and `\` escaped, newlines as \n.
std::string dot_escape(std::string_view s);

}  // namespace df::compiler
