// dot.hpp — a workflow graph as Graphviz DOT, for docs, reviews and `dfc --dot`.
// Nodes carry the explain labels (explain.hpp); THEN chains become bold "then" edges
// between consecutive steps; other edges are labelled then/else/cond (IF), body/while
// (LOOP) and "branch <i>" (JOIN/RACE, 1-based).
#pragma once
#include "no_postgres.hpp"

#include <string>

#include "ir.hpp"

namespace df::compiler {

std::string to_dot(const ir::Node& root);

// A DOT double-quoted string body: `"` and `\` escaped, newlines as \n.
std::string dot_escape(std::string_view s);

}  // namespace df::compiler
