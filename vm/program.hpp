// program.hpp — a workflow lowered to a flat array of VM instructions (see opcodes.hpp),
// plus a per-node table that the step function and the host both index by the node's
// PRE-ORDER INDEX (root = 0; children in the order left, right, condition_node,
// extra_nodes — the order persist::flatten assigns df.nodes ids in).
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cron.hpp"
#include "ir.hpp"
#include "opcodes.hpp"
#include "retry.hpp"

namespace df::vm {

inline constexpr std::uint32_t kNoNode = 0xFFFFFFFFu;

struct Instruction {
  Op op = Op::RETURN;
  std::uint32_t node = 0;              // pre-order index of the IR node
  std::uint32_t a = 0;                 // jump target, loop mode or fork continuation
  std::vector<std::uint32_t> targets;  // FORK_*: branch entry pcs in branch order
  ir::SourcePos pos;                   // the node's position (0:0 from JSON)
};

// What the VM needs to know about one IR node, decoded once at lowering time.
struct NodeInfo {
  ir::NodeType type = ir::NodeType::Sql;
  std::uint32_t parent = kNoNode;
  std::optional<std::string> result_name;
  ir::SourcePos pos;
  std::uint32_t exit_pc = 0;  // LOOP: pc of its LOOP_EXIT
  std::uint32_t handler_pc = 0;  // CATCH: pc of its handler (text = the error's result name);
                                 // UNDO: pc of its undo action
  // Leaf operands: SQL template, HTTP/multipart config JSON, cron expression, signal
  // name, break value (as JSON text) or the if_rows result name.
  std::string text;
  std::int64_t seconds = 0;               // SLEEP duration
  std::optional<std::int64_t> timeout;    // SIGNAL timeout seconds
  std::optional<compiler::CronSchedule> cron;
  bool inside_loop = false;  // BREAK: some ancestor (across forks) is a LOOP
  // SQL/HTTP leaves: the policy of the nearest enclosing RETRY node (df.retry); without
  // one the instance-wide policy of df.start applies (State::retry).
  std::optional<RetryPolicy> retry;
  // TIMEOUT (df.timeout): its time, and the pc of its TIMEOUT_ENTER (where a retry of the
  // whole TIMEOUT starts again).
  std::int64_t timeout_ms = 0;
  std::uint32_t enter_pc = 0;

  // SLEEP, WAIT_SCHEDULE and BREAK never store their named result (REFERENCE §9).
  bool stores_result() const;
};

struct Program {
  std::vector<Instruction> code;
  std::vector<NodeInfo> nodes;  // indexed by pre-order node index
};

// The graph cannot be lowered (a malformed leaf query, a missing child). Validation
// rejects such graphs first; this is the backstop.
struct LowerError : std::runtime_error {
  explicit LowerError(const std::string& m) : std::runtime_error(m) {}
};

Program lower(const ir::Node& root);

// One line per instruction: pc, opcode, #node, operands, `|=> name`, `@line:col`.
std::string disassemble(const Program& program);

}  // namespace df::vm
