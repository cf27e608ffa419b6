// fork.cpp — the start point of a df.fork (see fork.hpp): checks that the node can be forked
// from and rebuilds, from the original's df.nodes records, the named results, last result
// and undo entries its main thread held when that node started. The walk follows how the
// VM itself builds them: a sequence in order, an IF's condition before its arm, JOIN
// branches on copies merged in branch order, only a RACE's winning branch merged.
#include "fork.hpp"

#include <algorithm>
#include <set>

namespace df::vm {
namespace {

using NodeType = ir::NodeType;

class ForkPlanner {
 public:
  ForkPlanner(const Program& p, const std::vector<NodeRecord>& r) : prog_(p), rec_(r), kids_(p.nodes.size()) {
    for (std::uint32_t i = 1; i < p.nodes.size(); ++i)
      if (p.nodes[i].parent != kNoNode) kids_[p.nodes[i].parent].push_back(i);
  }

  // Left subtrees of the THEN ancestors whose right subtree holds `from`, outermost first;
  // `acc_node` is the innermost one (its result is the last result when `from` starts).
  std::vector<std::uint32_t> before_roots(std::uint32_t from) const {
    std::vector<std::uint32_t> chain;  // from's ancestors, innermost first
    for (std::uint32_t a = prog_.nodes[from].parent; a != kNoNode; a = prog_.nodes[a].parent) chain.push_back(a);
    std::vector<std::uint32_t> roots;
    std::uint32_t child = from;
    std::vector<std::uint32_t> inner_first;
    for (std::uint32_t a : chain) {
      if (prog_.nodes[a].type != NodeType::Then)
        throw ForkError(std::string("it is inside the ") + ir::node_type_name(prog_.nodes[a].type) + " node", a);
      if (kids_[a].size() == 2 && kids_[a][1] == child) inner_first.push_back(kids_[a][0]);
      child = a;
    }
    roots.assign(inner_first.rbegin(), inner_first.rend());
    return roots;
  }

  void subtree(std::uint32_t n, std::vector<std::uint32_t>& out) const {
    out.push_back(n);
    for (std::uint32_t c : kids_[n]) subtree(c, out);
  }

  void walk(std::uint32_t n, std::map<std::string, std::string>& results, std::vector<UndoEntry>& undos) {
    const std::vector<std::uint32_t>& k = kids_[n];
    switch (prog_.nodes[n].type) {
      case NodeType::If:
        if (k.size() == 3) walk(k[2], results, undos);  // the condition ran before the arm
        walk(k[0], results, undos);
        walk(k[1], results, undos);
        break;
      case NodeType::Join:
      case NodeType::Race: {
        const std::map<std::string, std::string> base = results;
        for (std::uint32_t branch : k) {
          std::map<std::string, std::string> mine = base;
          walk(branch, mine, undos);  // a RACE loser's completed forward steps are undone too
          if (prog_.nodes[n].type == NodeType::Join || rec_[branch].completed)
            for (auto& [name, value] : mine) results[name] = value;
        }
        break;
      }
      case NodeType::Catch:
        walk(k[0], results, undos);
        if (any_started(k[1]))
          throw ForkError("a df.catch before it handled a failure, and the error value its handler saw is not stored",
                          n);
        break;
      case NodeType::Undo:
        walk(k[0], results, undos);
        if (any_started(k[1]))
          throw ForkError("the undo action of a df.with_undo before it ran: that step's effect was undone", n);
        if (rec_[n].completed) {
          store(n, results);
          undos.push_back(UndoEntry{static_cast<std::uint64_t>(rec_[n].completed_order), n, rec_[n].result, results});
        }
        return;
      case NodeType::Loop:
        check_loop(n);
        for (std::uint32_t c : k) walk(c, results, undos);
        break;
      default:
        for (std::uint32_t c : k) walk(c, results, undos);
        break;
    }
    store(n, results);
  }

 private:
  const Program& prog_;
  const std::vector<NodeRecord>& rec_;
  std::vector<std::vector<std::uint32_t>> kids_;

  void store(std::uint32_t n, std::map<std::string, std::string>& results) const {
    const NodeInfo& info = prog_.nodes[n];
    if (rec_[n].completed && info.result_name && info.stores_result()) results[*info.result_name] = rec_[n].result;
  }

  bool any_started(std::uint32_t n) const {
    if (rec_[n].started) return true;
    for (std::uint32_t c : kids_[n])
      if (any_started(c)) return true;
    return false;
  }

  // df.nodes holds a loop body node's last result only: enough unless the iterations left
  // more than one value behind that the fork would need.
  void check_loop(std::uint32_t loop) const {
    std::vector<std::uint32_t> nodes;
    subtree(loop, nodes);
    std::set<std::string> names;
    for (std::uint32_t n : nodes) {
      const NodeInfo& info = prog_.nodes[n];
      if (n != loop && info.type == NodeType::Undo)
        throw ForkError("a loop before it has a df.with_undo inside: its undo actions, one per iteration, are not stored",
                        loop);
      if (!info.result_name || !info.stores_result()) continue;
      if (!names.insert(*info.result_name).second)
        throw ForkError("two steps of a loop before it store the result name '" + *info.result_name +
                            "': which value was visible last is not stored",
                        loop);
    }
  }
};

}  // namespace

std::uint32_t entry_pc(const Program& program, std::uint32_t node) {
  for (std::uint32_t pc = 0; pc < program.code.size(); ++pc)
    if (program.code[pc].node == node) return pc;
  throw ForkError("the node has no instruction", node);  // not reachable: every node emits one
}

std::vector<std::uint32_t> fork_reused_nodes(const Program& program, std::uint32_t from) {
  std::vector<NodeRecord> none(program.nodes.size());
  ForkPlanner planner(program, none);
  std::vector<std::uint32_t> out;
  for (std::uint32_t root : planner.before_roots(from)) planner.subtree(root, out);
  std::sort(out.begin(), out.end());
  return out;
}

ForkPoint plan_fork(const Program& program, std::uint32_t from, const std::vector<NodeRecord>& original) {
  if (original.size() != program.nodes.size())
    throw std::logic_error("plan_fork: one record per node expected");
  if (from >= program.nodes.size()) throw ForkError("no such node", from);
  ForkPlanner planner(program, original);
  const std::vector<std::uint32_t> roots = planner.before_roots(from);
  if (!original[from].started) throw ForkError("it never ran in the original instance", from);
  ForkPoint point;
  point.node = from;
  for (std::uint32_t root : roots) {
    if (!original[root].completed) throw ForkError("a step before it did not complete", root);
    planner.walk(root, point.results, point.undos);
  }
  if (!roots.empty()) point.acc = original[roots.back()].result;
  std::stable_sort(point.undos.begin(), point.undos.end(),
                   [](const UndoEntry& x, const UndoEntry& y) { return x.seq < y.seq; });
  std::uint64_t seq = 1;
  for (UndoEntry& e : point.undos) e.seq = seq++;
  return point;
}

}  // namespace df::vm
