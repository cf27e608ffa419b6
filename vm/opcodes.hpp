// opcodes.hpp — THE list of VM instructions. One X-macro generates the enum, the names
// and the disassembler's operand layout, so they cannot drift apart (Lua's lopcodes.h).
//
// Every instruction carries the pre-order index of the IR node it came from (`node`) and
// that node's SourcePos. Operands: `a` (a jump target or a mode), `targets` (branch entry
// points of a fork). "Completing" a node means: emit NodeCompleted(node, acc) and, unless
// the node is SLEEP/WAIT_SCHEDULE/BREAK, store acc under the node's result_name.
//
// Notes on the subtle ones:
// - Leaves (SQL..BREAK) emit NodeRunning themselves and complete their node when their
//   task/timer/signal arrives; until then the thread waits at the leaf's pc.
// - FORK_JOIN / FORK_RACE start one child thread per entry in `targets`, each ending with
//   RETURN; the parent waits at the fork and continues at `a` (the node's LEAVE).
// - TIMEOUT_ENTER's timer firing before TIMEOUT_LEAVE cancels what the step still runs
//   (its tasks, timers, waits and branch threads, as a RACE loser is cancelled) and fails
//   the TIMEOUT node with SQLSTATE 57014 (step.cpp expire_timeout).
// - Failures and breaks do not jump: the VM unwinds along the static parent chain of the
//   failing node (Program::nodes[].parent), so no handler instructions are needed.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>

// X(name, operand-kind, doc). operand-kind: NONE, TARGET (a is a pc), MODE (a is a mode),
// FORK (targets + continuation a).
#define DF_VM_OPCODES(X)                                                                      \
  X(SQL, NONE, "substitute the SQL template (SQL mode), RunSql; result = the task's JSON")   \
  X(HTTP, NONE, "substitute the HTTP config (raw mode), RunHttp; result = the envelope")     \
  X(HTTP_MULTIPART, NONE, "as HTTP for a multipart config (data_b64 whole-value rule)")      \
  X(SLEEP, NONE, "ArmTimer(now + seconds); result {\"slept\": true, \"seconds\": N}")        \
  X(WAIT_SCHEDULE, NONE, "ArmTimer(next cron tick strictly after now, UTC)")                \
  X(WAIT_SIGNAL, NONE, "take the oldest buffered signal of that name, or wait (+ timeout)")  \
  X(BREAK, NONE, "complete with the break value and unwind to the nearest enclosing loop")  \
  X(ENTER, NONE, "NodeRunning for a THEN or IF node")                                        \
  X(LEAVE, NONE, "complete a THEN/IF/JOIN/RACE node with acc")                               \
  X(JUMP_IF_FALSE, TARGET, "IF: jump to a (else arm) when acc is falsy (§10)")               \
  X(JUMP_IF_NO_ROWS, TARGET, "if_rows: jump to a when the named result has no rows")         \
  X(JUMP, TARGET, "jump to a")                                                                \
  X(FORK_JOIN, FORK, "run all branches as child threads; wait for all; acc = JSON array")   \
  X(FORK_RACE, FORK, "run both branches; the first to finish decides, the other is cancelled") \
  X(RETURN, NONE, "end of a thread: a branch reports to its fork, the main thread completes the instance") \
  X(LOOP_ENTER, MODE, "push a loop frame (a: 0 root loop, 1 branch-root loop, 2 nested); NodeRunning") \
  X(LOOP_SAVE_BODY, NONE, "remember acc as the body result before the while-condition runs") \
  X(LOOP_TEST, TARGET, "while-condition: exit to a with the saved body result when acc is falsy") \
  X(LOOP_NEXT, TARGET, "iteration cap, pacing timer, new generation; jump to the body at a")  \
  X(LOOP_EXIT, NONE, "complete the loop with acc; pop its frame")                           \
  X(TRY_ENTER, TARGET, "CATCH: NodeRunning; push a handler frame (a failure below jumps to a)") \
  X(TRY_LEAVE, TARGET, "CATCH: the step succeeded; pop the handler frame and jump to a")    \
  X(UNDO_PUSH, TARGET, "UNDO: forward done; complete the node, remember its undo, jump to a") \
  X(UNDO_DONE, NONE, "UNDO: one undo action done; run the next one or let the failure go on") \
  X(TIMEOUT_ENTER, NONE, "TIMEOUT: NodeRunning; arm its durable timer; push a timeout frame") \
  X(TIMEOUT_LEAVE, NONE, "TIMEOUT: the step finished in time; cancel the timer, pop the frame, complete")

namespace df::vm {

enum class Op : std::uint8_t {
#define DF_VM_ENUM(name, kind, doc) name,
  DF_VM_OPCODES(DF_VM_ENUM)
#undef DF_VM_ENUM
};

enum class OperandKind : std::uint8_t { NONE, TARGET, MODE, FORK };

const char* op_name(Op op);
OperandKind op_operand_kind(Op op);
const char* op_doc(Op op);
inline constexpr int kOpCount = 0
#define DF_VM_COUNT(name, kind, doc) +1
    DF_VM_OPCODES(DF_VM_COUNT)
#undef DF_VM_COUNT
    ;

// LOOP_ENTER modes.
enum class LoopMode : std::uint8_t {
  Root = 0,        // the graph root: each iteration is a new root generation, results reset
  BranchRoot = 1,  // root of a JOIN/RACE branch: iterations are that branch scope's generations
  Nested = 2,      // anywhere else: a child scope (loop node, iteration) per iteration
};

}  // namespace df::vm
