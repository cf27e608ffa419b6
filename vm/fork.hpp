// fork.hpp — df.fork in the VM (docs/error-handling.md "Fork"): which completed steps of an
// instance a fork from one of its nodes reuses, and the point a new instance of the same
// program starts at so that those steps do not run again and later steps see their
// results exactly as the original's did. Pure: the host passes what df.nodes says about
// the original instance's nodes and feeds the ForkPoint with the Start event (step.hpp).
//
// "Before" a node: `from` must be a step of the top-level sequence (the root, or a node
// whose every ancestor is a THEN: joined to the root by `~>` only). The nodes before it are
// the left subtrees of the THEN ancestors whose right subtree holds `from`; they ran, in
// that order, on the main thread and completed before `from` started. A JOIN, RACE, LOOP,
// IF, CATCH or UNDO before `from` is reused as a whole; `from` inside one of them (or inside
// a RETRY/TIMEOUT) cannot be forked from: its thread's position is not in df.nodes.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "program.hpp"
#include "state.hpp"

namespace df::vm {

// One node of the original instance as df.nodes has it, by pre-order index.
struct NodeRecord {
  bool started = false;    // status is not 'pending': it ran (or runs)
  bool completed = false;  // status 'completed'
  std::string result;      // completed: its result (JSON text)
  std::int64_t completed_order = 0;  // orders completions (UNDO nodes: their undo order)
};

// Where the forked instance starts: its main thread at the first instruction of `node`,
// holding the named results, the last result (acc) and the undo entries (completed forward
// steps of df.with_undo, oldest first) that the original's main thread held there.
struct ForkPoint {
  std::uint32_t node = 0;
  std::string acc;
  std::map<std::string, std::string> results;
  std::vector<UndoEntry> undos;
};

// Why `from` cannot be forked from; `node` is the node the reason is about (`from` itself,
// the ancestor it is inside, or the step before it that stands in the way).
struct ForkError : std::runtime_error {
  ForkError(const std::string& m, std::uint32_t n) : std::runtime_error(m), node(n) {}
  std::uint32_t node;
};

// The nodes a fork from `from` reuses (pre-order indices, ascending): every node before it.
std::vector<std::uint32_t> fork_reused_nodes(const Program& program, std::uint32_t from);

// The start point of a fork from `from`; `original` has one record per program node.
// Throws ForkError when `from` is not a step of the top-level sequence, never ran, or a
// step before it cannot be reused: a CATCH whose handler ran (the error value it bound is
// not stored), a with_undo whose undo action ran (its effect was undone), a loop with a
// with_undo inside (one undo per iteration, df.nodes holds one) or with two steps storing
// the same result name (which one was visible last is not stored).
ForkPoint plan_fork(const Program& program, std::uint32_t from, const std::vector<NodeRecord>& original);

// The pc a fork from `node` starts at: the node's first instruction.
std::uint32_t entry_pc(const Program& program, std::uint32_t node);

}  // namespace df::vm
