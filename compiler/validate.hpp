// validate.hpp — graph validation shared by df.start, df.explain, df.compile and dfc
// lint (docs/reference.md §2 rules plus the typed leaf arguments of §3.1), on IR from either
// front end. Errors use REFERENCE texts; warnings flag workflows the Rust version accepts
// but that cannot behave as written (break outside a loop, unbound result references,
// conflicting branch bindings, unreachable steps).
#pragma once
#include "no_postgres.hpp"

#include <cstddef>

#include "diagnostic.hpp"
#include "errors.hpp"
#include "ir.hpp"
#include "limits.hpp"

namespace df::compiler {

// Every finding in pre-order, each with its path ("root", "root.left",
// "root.extra_nodes[0]", ...) and the node's source position.
Diagnostics validate(const ir::Node& root);

// Throws CompileError "Invalid durable function graph: <path>: <message>" for the first
// error (warnings are ignored).
void validate_or_throw(const ir::Node& root);

// The error text for a Diagnostic from validate(): "Invalid durable function graph: ...".
std::string graph_error_text(const Diagnostic& d);

}  // namespace df::compiler
