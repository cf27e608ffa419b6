// step_isolation.hpp — what a SQL step may run and what it leaves behind, in an executor
// session bound to the step's role (executor.cpp):
//   * statements that would begin, end or split the step's transaction (COMMIT, BEGIN,
//     SAVEPOINT, PREPARE TRANSACTION, VACUUM, ...) are refused before planning;
//   * after every step the session is put back as a fresh session of the role would be
//     (temp objects, prepared statements, cursors, session advisory locks, sequence
//     currval state; LISTEN is refused in background workers by PostgreSQL itself), in the step's own transaction so the reset commits with
//     the checkpoint. The plan cache is kept: it holds plans only, revalidated on every
//     use, and the session never serves another role.
#pragma once

#include "pg/pg_bridge.hpp"

extern "C" {
#include "nodes/pg_list.h"
}

namespace df::ext::isolation {

// Executor start-up: observe the utility statements a step runs (the reset then also
// clears what only utility statements create).
void install_hooks();

// ereport(ERROR) unless the one statement of `raw` (pg_parse_query's list) may be a step.
void refuse_transaction_control(List* raw);

// Brackets a step's statement: marks the utility statements run meanwhile.
void begin_step();
void end_step();

// Resets the session after a step (see above). Transaction must be open.
void reset_session_after_step();

}  // namespace df::ext::isolation
