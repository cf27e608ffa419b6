// wire_json.hpp — the IR <-> "Durofut" wire JSON of docs/reference.md §2: serialisation in
// the documented field order, the strict reader df.start uses, the auto-wrap ("ensure")
// reader of composer arguments, and the lenient reader df.explain uses. All readers parse
// iteratively and stop building below kMaxBuildDepth, so hostile nesting cannot exhaust
// the stack; validation then reports the depth rule.
#pragma once
#include "no_postgres.hpp"

#include <string>
#include <string_view>

#include "errors.hpp"
#include "ir.hpp"

namespace df::compiler {

// Nodes deeper than this (root = 0) are not built; validation's depth limit (256) is
// below it, so a truncated graph is always rejected before use.
inline constexpr int kMaxBuildDepth = 300;

// Compact JSON: node_type, left_node, right_node, condition_node, extra_nodes, query,
// result_name; absent fields (and empty extra_nodes) omitted.
std::string to_json(const ir::Node& root);
void append_node_json(std::string& out, const ir::Node& node);

// df.start's reader. Plain text, or JSON that is not an object with a string node_type,
// becomes an SQL node holding the text verbatim. Throws CompileError:
//  root with unknown type:  "Invalid durable function: Unknown node_type '<x>'. Valid types: ..."
//  root with bad fields:    "Invalid durable function: Malformed Durofut JSON with node_type '<T>': <detail>"
//  a bad child at <path>:   "Invalid durable function graph: <path>: failed to deserialize Durofut child: <detail>"
//                        or "Invalid durable function graph: <path>: Unknown node_type '<x>'. Valid types: ..."
ir::NodePtr parse_strict(std::string_view text);

// Auto-wrap rules 2-4 for composer arguments: a JSON object with a valid node_type is
// used, one with an unknown node_type (or none) and non-JSON text become SQL nodes.
// A valid node_type with bad structure throws
// "Invalid Durofut JSON: failed to deserialize workflow step: <detail>".
ir::NodePtr ensure_node(std::string_view text);

// df.explain's reader: nullptr when the text is not an object with a string node_type;
// every structural problem (including an unknown root type) throws
// "Invalid durable function graph: <path>: <message>".
ir::NodePtr parse_graph(std::string_view text);

// True when `text` is a JSON object whose node_type is a string (any value).
bool looks_like_durofut(std::string_view text);

}  // namespace df::compiler
