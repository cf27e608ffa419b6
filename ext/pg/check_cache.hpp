// check_cache.hpp — the CHECK constraints of the engine's own tables (schemas df and
// _duroxide), parsed once per engine process instead of once per statement.
//
// PostgreSQL's executor reads a table's CHECK constraints from their stored text
// (stringToNode) and plans them (expression_planner) in every statement that inserts or
// updates the table: df.nodes has twelve, and this was 16% of the executors' CPU
// (tools/bench profile, issue 12), more than any statement's own work. An
// ExecutorStart_hook hands each statement's result relations the same expressions,
// built from trees kept per process. Nothing about enforcement changes: every
// constraint is still evaluated on every row the executor checks. A tree is reused only
// while the relation's constraints are textually the same (compared at each statement;
// a changed set is parsed again), and its planned form only when it calls nothing but
// built-in functions (a user function could be redefined; such a tree is planned per
// statement, as PostgreSQL does).
#pragma once

namespace df::ext::check_cache {

// Installs the hook in this process (an engine background worker, after connecting).
void install();

}  // namespace df::ext::check_cache
