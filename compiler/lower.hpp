// lower.hpp — typed AST -> IR. Every node is built by the builders of model/args.hpp
// (and string operands by wire_json.hpp's ensure_node, the auto-wrap rule), i.e. by the
// same code the SQL functions run, so a workflow file and the same text inside
// df.start(...) produce byte-identical wire JSON and the same REFERENCE error texts.
// Lowering reports every error it finds (with line:column) instead of stopping at the
// first one.
#pragma once
#include "no_postgres.hpp"

#include <string>
#include <vector>

#include "ast.hpp"
#include "diagnostic.hpp"
#include "ir.hpp"

namespace df::compiler {

// The IR of one expression, or nullptr when an error was reported to *diags.
ir::NodePtr lower_expr(const ast::Expr& expr, Diagnostics* diags);

// The body of a workflow: like lower_expr, except that a body that is one string literal
// is read the way df.start reads its argument (the strict reader: an unknown node_type
// is an error there, not an SQL step).
ir::NodePtr lower_body(const ast::Expr& body, Diagnostics* diags);

// Parameter declarations of a named workflow: known type, default literal of that type,
// no duplicates, no reserved names (errors).
void check_params(const ast::Workflow& workflow, Diagnostics* diags);

// Warnings for `{x}` variable references that name no parameter of the named workflow
// (and are not the engine's sys_instance_id / sys_label), and for parameters that are
// never referenced. Positions are those of the nearest node that came from the source.
void check_variables(const ast::Workflow& workflow, const ir::Node& root, Diagnostics* diags);

// The `{ident}` references of a step text, in order (docs/reference.md §9 syntax).
std::vector<std::string> variable_references(const std::string& text);

// Names accepted as parameter types.
bool is_param_type(const std::string& type);

}  // namespace df::compiler
