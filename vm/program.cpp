// program.cpp — lowering of the IR tree to VM instructions, and the disassembler. The
// lowering is a single recursive walk: nodes are numbered in pre-order first, then each
// node emits its instruction pattern (documented per case below).
#include "program.hpp"

#include <cstdio>
#include <unordered_map>

#include "args.hpp"
#include "errors.hpp"
#include "failure.hpp"
#include "json_text.hpp"

namespace df::vm {

const char* op_name(Op op) {
  static const char* const kNames[] = {
#define DF_VM_NAME(name, kind, doc) #name,
      DF_VM_OPCODES(DF_VM_NAME)
#undef DF_VM_NAME
  };
  return kNames[static_cast<int>(op)];
}

OperandKind op_operand_kind(Op op) {
  static const OperandKind kKinds[] = {
#define DF_VM_KIND(name, kind, doc) OperandKind::kind,
      DF_VM_OPCODES(DF_VM_KIND)
#undef DF_VM_KIND
  };
  return kKinds[static_cast<int>(op)];
}

const char* op_doc(Op op) {
  static const char* const kDocs[] = {
#define DF_VM_DOC(name, kind, doc) doc,
      DF_VM_OPCODES(DF_VM_DOC)
#undef DF_VM_DOC
  };
  return kDocs[static_cast<int>(op)];
}

bool NodeInfo::stores_result() const {
  return type != ir::NodeType::Sleep && type != ir::NodeType::WaitSchedule &&
         type != ir::NodeType::Break;
}

namespace {

class Lowerer {
 public:
  Program program;

  void number(const ir::Node& n, std::uint32_t parent, bool inside_loop,
              const std::optional<RetryPolicy>& retry = std::nullopt) {
    const auto index = static_cast<std::uint32_t>(program.nodes.size());
    index_[&n] = index;
    NodeInfo info;
    info.type = n.type;
    info.parent = parent;
    info.result_name = n.result_name;
    info.pos = n.pos;
    info.inside_loop = inside_loop;
    info.retry = retry;
    program.nodes.push_back(std::move(info));
    decode(n, program.nodes.back());
    const bool child_in_loop = inside_loop || n.type == ir::NodeType::Loop;
    const std::optional<RetryPolicy> inner = n.type == ir::NodeType::Retry ? retry_policy(n) : retry;
    for (const auto& ref : ir::children(n)) number(*ref.child, index, child_in_loop, inner);
  }

  void emit_node(const ir::Node& n);

 private:
  std::unordered_map<const ir::Node*, std::uint32_t> index_;

  std::uint32_t here() const { return static_cast<std::uint32_t>(program.code.size()); }

  std::uint32_t emit(Op op, const ir::Node& n, std::uint32_t a = 0) {
    Instruction ins;
    ins.op = op;
    ins.node = index_.at(&n);
    ins.a = a;
    ins.pos = n.pos;
    program.code.push_back(std::move(ins));
    return here() - 1;
  }

  [[noreturn]] void fail(const ir::Node& n, const std::string& what) const {
    throw LowerError(std::string("cannot lower ") + ir::node_type_name(n.type) + " node #" +
                     std::to_string(index_.at(&n)) + ": " + what);
  }

  const ir::Node& need(const ir::Node& n, const ir::NodePtr& child, const char* field) const {
    if (!child) fail(n, std::string("missing ") + field);
    return *child;
  }

  void decode(const ir::Node& n, NodeInfo& info) const;
  RetryPolicy retry_policy(const ir::Node& n) const {
    std::string err;
    auto args = compiler::decode_retry(n, &err);
    if (!args) fail(n, err);
    return RetryPolicy{args->max_attempts, args->backoff_ms, args->max_backoff_ms};
  }
  void decode_break(const ir::Node& n, NodeInfo& info) const;
  void emit_if(const ir::Node& n);
  void emit_fork(const ir::Node& n, Op op, const std::vector<const ir::Node*>& branches);
  void emit_loop(const ir::Node& n);
};

void Lowerer::decode_break(const ir::Node& n, NodeInfo& info) const {
  std::string err;
  auto args = compiler::decode_break(n, &err);
  if (!args) fail(n, err);
  rapidjson::Document doc;
  if (!args->value) {
    info.text = "null";
  } else if (compiler::parse_json(*args->value, doc, nullptr)) {
    try {
      info.text = compiler::json_value_text(doc);  // a JSON literal is kept as JSON
    } catch (const compiler::CompileError& e) {
      fail(n, e.what());
    }
  } else {
    info.text.clear();
    compiler::append_json_string(info.text, *args->value);  // anything else: a JSON string
  }
}

void Lowerer::decode(const ir::Node& n, NodeInfo& info) const {
  std::string err;
  switch (n.type) {
    case ir::NodeType::Sql:
    case ir::NodeType::Http:
    case ir::NodeType::HttpMultipart:
      if (!n.query) fail(n, "missing query");
      if (n.type == ir::NodeType::Http && !compiler::decode_http(n, &err)) fail(n, err);
      if (n.type == ir::NodeType::HttpMultipart && !compiler::decode_multipart(n, &err)) fail(n, err);
      info.text = *n.query;
      return;
    case ir::NodeType::Sleep: {
      auto args = compiler::decode_sleep(n, &err);
      if (!args) fail(n, err);
      info.seconds = args->seconds;
      return;
    }
    case ir::NodeType::WaitSchedule: {
      auto args = compiler::decode_schedule(n, &err);
      if (!args) fail(n, err);
      info.text = args->cron_expr;
      info.cron = compiler::parse_cron(args->cron_expr, &err);
      if (!info.cron) fail(n, "Invalid cron expression '" + args->cron_expr + "': " + err);
      return;
    }
    case ir::NodeType::Signal: {
      auto args = compiler::decode_signal(n, &err);
      if (!args) fail(n, err);
      info.text = args->name;
      info.timeout = args->timeout_seconds;
      return;
    }
    case ir::NodeType::Break:
      decode_break(n, info);
      return;
    case ir::NodeType::Catch: {
      auto args = compiler::decode_catch(n, &err);
      if (!args) fail(n, err);
      info.text = args->error_name;
      return;
    }
    case ir::NodeType::Timeout: {
      auto args = compiler::decode_timeout(n, &err);
      if (!args) fail(n, err);
      info.timeout_ms = args->timeout_ms;
      return;
    }
    case ir::NodeType::If: {
      if (n.condition) return;
      if (!n.query) fail(n, "missing condition_node");
      auto args = compiler::decode_if_rows(n, &err);
      if (!args) fail(n, err);
      info.text = args->result_name;
      return;
    }
    default:
      return;
  }
}

// IF:  ENTER; <cond>; JUMP_IF_FALSE else | JUMP_IF_NO_ROWS else; <then>; JUMP end;
//      else: <else>; end: LEAVE
void Lowerer::emit_if(const ir::Node& n) {
  emit(Op::ENTER, n);
  std::uint32_t test;
  if (n.condition) {
    emit_node(*n.condition);
    test = emit(Op::JUMP_IF_FALSE, n);
  } else {
    test = emit(Op::JUMP_IF_NO_ROWS, n);
  }
  emit_node(need(n, n.left, "left_node (then branch)"));
  const std::uint32_t skip = emit(Op::JUMP, n);
  program.code[test].a = here();
  emit_node(need(n, n.right, "right_node (else branch)"));
  program.code[skip].a = here();
  emit(Op::LEAVE, n);
}

// JOIN/RACE:  FORK targets=[b1..bn] a=cont; b1: <branch 1>; RETURN; ...; cont: LEAVE
void Lowerer::emit_fork(const ir::Node& n, Op op, const std::vector<const ir::Node*>& branches) {
  if (branches.size() < 2) fail(n, "needs at least two branches");
  const std::uint32_t fork = emit(op, n);
  for (const ir::Node* b : branches) {
    program.code[fork].targets.push_back(here());
    emit_node(*b);
    emit(Op::RETURN, *b);
  }
  program.code[fork].a = here();
  emit(Op::LEAVE, n);
}

// LOOP:  LOOP_ENTER mode; body: <body>; [LOOP_SAVE_BODY; <cond>; LOOP_TEST exit;]
//        LOOP_NEXT body; exit: LOOP_EXIT
void Lowerer::emit_loop(const ir::Node& n) {
  const std::uint32_t index = index_.at(&n);
  const std::uint32_t parent = program.nodes[index].parent;
  LoopMode mode = LoopMode::Nested;
  if (parent == kNoNode) {
    mode = LoopMode::Root;
  } else if (program.nodes[parent].type == ir::NodeType::Join ||
             program.nodes[parent].type == ir::NodeType::Race) {
    mode = LoopMode::BranchRoot;
  }
  emit(Op::LOOP_ENTER, n, static_cast<std::uint32_t>(mode));
  const std::uint32_t body = here();
  emit_node(need(n, n.left, "left_node (loop body)"));
  std::uint32_t test = kNoNode;
  if (n.condition) {
    emit(Op::LOOP_SAVE_BODY, n);
    emit_node(*n.condition);
    test = emit(Op::LOOP_TEST, n);
  }
  emit(Op::LOOP_NEXT, n, body);
  if (test != kNoNode) program.code[test].a = here();
  program.nodes[index].exit_pc = here();
  emit(Op::LOOP_EXIT, n);
}

void Lowerer::emit_node(const ir::Node& n) {
  switch (n.type) {
    case ir::NodeType::Sql: emit(Op::SQL, n); return;
    case ir::NodeType::Http: emit(Op::HTTP, n); return;
    case ir::NodeType::HttpMultipart: emit(Op::HTTP_MULTIPART, n); return;
    case ir::NodeType::Sleep: emit(Op::SLEEP, n); return;
    case ir::NodeType::WaitSchedule: emit(Op::WAIT_SCHEDULE, n); return;
    case ir::NodeType::Signal: emit(Op::WAIT_SIGNAL, n); return;
    case ir::NodeType::Break: emit(Op::BREAK, n); return;
    case ir::NodeType::Catch: {
      // CATCH:  TRY_ENTER handler; <step>; TRY_LEAVE end; handler: <handler>; end: LEAVE
      const std::uint32_t enter = emit(Op::TRY_ENTER, n);
      emit_node(need(n, n.left, "left_node (the step)"));
      const std::uint32_t leave = emit(Op::TRY_LEAVE, n);
      program.code[enter].a = here();
      program.nodes[index_.at(&n)].handler_pc = here();
      emit_node(need(n, n.right, "right_node (the handler)"));
      program.code[leave].a = here();
      emit(Op::LEAVE, n);
      return;
    }
    case ir::NodeType::Undo: {
      // UNDO:  ENTER; <forward>; UNDO_PUSH end; undo: <undo>; UNDO_DONE; end:
      // (the undo code runs only while a failure compensates: step.cpp next_undo)
      emit(Op::ENTER, n);
      emit_node(need(n, n.left, "left_node (the forward step)"));
      const std::uint32_t push = emit(Op::UNDO_PUSH, n);
      program.nodes[index_.at(&n)].handler_pc = here();
      emit_node(need(n, n.right, "right_node (the undo action)"));
      emit(Op::UNDO_DONE, n);
      program.code[push].a = here();
      return;
    }
    case ir::NodeType::Retry:
      // RETRY:  ENTER; <step>; LEAVE  (its policy lives in NodeInfo::retry of the nodes below)
      emit(Op::ENTER, n);
      emit_node(need(n, n.left, "left_node (the step)"));
      emit(Op::LEAVE, n);
      return;
    case ir::NodeType::Timeout:
      // TIMEOUT:  TIMEOUT_ENTER; <step>; TIMEOUT_LEAVE  (the timer: step.cpp)
      program.nodes[index_.at(&n)].enter_pc = emit(Op::TIMEOUT_ENTER, n);
      emit_node(need(n, n.left, "left_node (the step)"));
      emit(Op::TIMEOUT_LEAVE, n);
      return;
    case ir::NodeType::Then:
      // THEN:  ENTER; <left>; <right>; LEAVE
      emit(Op::ENTER, n);
      emit_node(need(n, n.left, "left_node"));
      emit_node(need(n, n.right, "right_node"));
      emit(Op::LEAVE, n);
      return;
    case ir::NodeType::If: emit_if(n); return;
    case ir::NodeType::Join: emit_fork(n, Op::FORK_JOIN, ir::branches(n)); return;
    case ir::NodeType::Race:
      emit_fork(n, Op::FORK_RACE, {&need(n, n.left, "left_node"), &need(n, n.right, "right_node")});
      return;
    case ir::NodeType::Loop: emit_loop(n); return;
  }
}

std::string pc_text(std::uint32_t pc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04u", pc);
  return buf;
}

std::string leaf_operand(const Instruction& ins, const NodeInfo& node) {
  std::string out;
  switch (ins.op) {
    case Op::SQL:
    case Op::HTTP:
    case Op::HTTP_MULTIPART:
    case Op::WAIT_SIGNAL:
      compiler::append_json_string(out, node.text);
      if (ins.op == Op::WAIT_SIGNAL && node.timeout)
        out += " timeout=" + std::to_string(*node.timeout) + "s";
      return out;
    case Op::SLEEP: return std::to_string(node.seconds) + "s";
    case Op::WAIT_SCHEDULE: return "'" + node.text + "'";
    case Op::BREAK: return node.text;
    case Op::JUMP_IF_NO_ROWS: return "$" + node.text + " ";
    case Op::TIMEOUT_ENTER: return std::to_string(node.timeout_ms) + "ms";
    default: return ir::node_type_name(node.type);
  }
}

std::string operands(const Instruction& ins, const NodeInfo& node) {
  static const char* const kModes[] = {"root", "branch-root", "nested"};
  switch (op_operand_kind(ins.op)) {
    case OperandKind::TARGET:
      return (ins.op == Op::JUMP_IF_NO_ROWS ? leaf_operand(ins, node) : std::string()) +
             "-> " + pc_text(ins.a);
    case OperandKind::MODE: return kModes[ins.a];
    case OperandKind::FORK: {
      std::string out = "[";
      for (std::size_t i = 0; i < ins.targets.size(); ++i)
        out += (i ? ", " : "") + pc_text(ins.targets[i]);
      return out + "] -> " + pc_text(ins.a);
    }
    case OperandKind::NONE:
      break;
  }
  return ins.op == Op::RETURN ? std::string() : leaf_operand(ins, node);
}

bool completes_node(Op op) {
  return op == Op::SQL || op == Op::HTTP || op == Op::HTTP_MULTIPART || op == Op::WAIT_SIGNAL ||
         op == Op::LEAVE || op == Op::LOOP_EXIT || op == Op::TIMEOUT_LEAVE;
}

}  // namespace

Program lower(const ir::Node& root) {
  Lowerer l;
  l.number(root, kNoNode, false);
  l.emit_node(root);
  Instruction end;
  end.op = Op::RETURN;
  end.node = 0;
  end.pos = root.pos;
  l.program.code.push_back(end);
  return std::move(l.program);
}

std::string disassemble(const Program& program) {
  std::string out = "; " + std::to_string(program.code.size()) + " instructions, " +
                    std::to_string(program.nodes.size()) + " nodes\n";
  for (std::size_t pc = 0; pc < program.code.size(); ++pc) {
    const Instruction& ins = program.code[pc];
    const NodeInfo& node = program.nodes[ins.node];
    char head[64];
    std::snprintf(head, sizeof head, "%04zu  %-16s ", pc, op_name(ins.op));
    std::string line = head + ("#" + std::to_string(ins.node));
    const std::string ops = operands(ins, node);
    if (!ops.empty()) line += std::string(line.size() < 28 ? 28 - line.size() : 1, ' ') + ops;
    if (completes_node(ins.op) && node.result_name && node.stores_result())
      line += " |=> " + *node.result_name;
    if (ins.pos.known())
      line += "  @" + std::to_string(ins.pos.line) + ":" + std::to_string(ins.pos.column);
    out += line + "\n";
  }
  return out;
}

}  // namespace df::vm
