// explain.hpp — the df.explain tree rendering of REFERENCE.md §13: one line per node
// with its label, THEN chains flattened with `→ `, section lines for IF/LOOP/JOIN/RACE,
// connectors, and every line padded to the longest line + 4. Dry runs have no markers;
// live mode passes a marker per node (" ✓", " ⏳", ...).
#pragma once
#include "no_postgres.hpp"

#include <functional>
#include <string>
#include <vector>

#include "ir.hpp"

namespace df::compiler {

std::string explain_tree(const ir::Node& root);
std::string explain_tree(const ir::Node& root,
                         const std::function<std::string(const ir::Node&)>& marker);

// Shared with dot.hpp ------------------------------------------------------------

// A node's label: "SQL: <query ≤50 bytes>", "SLEEP 30s", "WAIT '<cron>'", "HTTP GET <url>",
// "SIGNAL 'go' (10s)", "LOOP (while)", "BREAK 'v'", "IF", "JOIN (3)", "RACE", plus
// " |=> '<name>'" when the node names its result.
std::string node_label(const ir::Node& node);

// A THEN chain in execution order (non-THEN nodes are a chain of one). A named THEN's
// " |=> '<name>'" goes to the last element of its chain, since a THEN's result is its
// right side's.
struct ChainElement {
  const ir::Node* node;
  std::string suffix;  // result names of enclosing THENs, e.g. " |=> 'n'"
};
std::vector<ChainElement> then_chain(const ir::Node& node);

// s cut to at most max_bytes: the first (max_bytes - 3) bytes (never splitting a UTF-8
// character) + "..." when longer.
std::string truncate_bytes(std::string_view s, std::size_t max_bytes);

// s whole, in lines of at most width bytes: broken at spaces where possible (a word longer
// than width is cut, never inside a UTF-8 character), and at every newline of s. For the
// error text df.explain shows (an error must never be cut short).
std::vector<std::string> wrap_text(std::string_view s, std::size_t width);

}  // namespace df::compiler
