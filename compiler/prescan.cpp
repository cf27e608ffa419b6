// prescan.cpp — the token pre-scan that enforces the graph limits before ANTLR parses
// (see prescan.hpp for what is counted and why).
#include "prescan.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "WorkflowLexer.h"
#include "limits.hpp"

namespace df::compiler {
namespace {

using dfgrammar::WorkflowLexer;

constexpr std::size_t kInterruptEvery = 4096;  // tokens between interrupt checks

// One bracket level: the operator chain being read, and the best height of the
// comma-separated chains (call arguments) already finished at this level.
struct Level {
  long ops = 0;            // ~> & | ?> in the current chain (graph levels)
  long binds = 0;          // |=> in the current chain
  long first = -1;         // max(h0, h_i - i + 1) over operands so far; -1 before the first
  long pending_loops = 0;  // `@>` prefixes waiting for their operand
  bool name_next = false;  // the next operand is the result name after |=>
  long finished = 0;       // height of the finished chains of this level
  bool brace = false;      // a workflow body `{ ... }`, not an operand of anything
  long below = 0;          // enclosing chains with an operator before this level: one level each

  long chain_height() const { return first < 0 ? 0 : ops + first; }
  long height() const { return std::max(finished, chain_height()); }
};

class Prescan {
 public:
  explicit Prescan(Diagnostics* diags) : diags_(diags) { levels_.emplace_back(); }

  // Feeds one token; false once a limit is passed (the error is recorded).
  bool token(const antlr4::Token& t) {
    pos_ = {static_cast<std::uint32_t>(t.getLine()),
            static_cast<std::uint32_t>(t.getCharPositionInLine() + 1)};
    switch (t.getType()) {
      case WorkflowLexer::LPAREN: return open(false);
      case WorkflowLexer::LBRACE: return open(true);
      case WorkflowLexer::RPAREN:
      case WorkflowLexer::RBRACE: return close();
      case WorkflowLexer::LOOP_OP:
        ++levels_.back().pending_loops;
        return nest();
      case WorkflowLexer::SEQ:
      case WorkflowLexer::AMP:
      case WorkflowLexer::PIPE:
      case WorkflowLexer::THEN_OP: return graph_operator();
      case WorkflowLexer::BIND: {
        Level& l = levels_.back();
        l.name_next = true;
        if (++l.binds > kMaxGraphDepth)
          return fail("more than " + std::to_string(kMaxGraphDepth) +
                      " `|=>` in one operator chain");
        return true;
      }
      case WorkflowLexer::COMMA: {
        Level& l = levels_.back();
        l.finished = l.height();
        nesting_ -= l.pending_loops;
        l.ops = l.binds = l.pending_loops = 0;
        l.first = -1;
        l.name_next = false;
        return true;
      }
      case WorkflowLexer::WORKFLOW:
        if (levels_.size() == 1) nodes_ = 1;  // the limit is per workflow
        return true;
      case WorkflowLexer::STRING:
      case WorkflowLexer::ESTRING:
      case WorkflowLexer::DOLLAR_STRING:
      case WorkflowLexer::NUMBER:
      case WorkflowLexer::NULL_KW:
      case WorkflowLexer::TRUE_KW:
      case WorkflowLexer::FALSE_KW: return operand(0);
      case WorkflowLexer::INVALID:
      case WorkflowLexer::UNTERMINATED_STRING:
      case WorkflowLexer::UNTERMINATED_COMMENT:
        // A syntax error for sure (the parser reports it), but the parser reads on past
        // it, so the limits must still be counted to the end of the input.
        return true;
      default: return true;  // names, casts, `=>`, `!>`: no level of their own
    }
  }

 private:
  bool open(bool brace) {
    Level next;
    next.brace = brace;
    next.below = levels_.back().below + (levels_.back().ops > 0 ? 1 : 0);
    levels_.push_back(next);
    return nest();
  }

  bool close() {
    if (levels_.size() == 1) return true;  // unbalanced: the parser reports it
    const Level closed = levels_.back();
    nesting_ -= 1 + closed.pending_loops;
    levels_.pop_back();
    return closed.brace ? true : operand(closed.height());
  }

  // An operand of height h completes in the current chain.
  bool operand(long h) {
    Level& l = levels_.back();
    h += l.pending_loops;
    nesting_ -= l.pending_loops;
    l.pending_loops = 0;
    if (l.name_next) {  // `x |=> 'name'`: the name is no step
      l.name_next = false;
      return true;
    }
    // Operand i (i = operators before it) sits below the operators i..n of the chain.
    l.first = l.first < 0 ? h : std::max(l.first, h - l.ops + 1);
    return check_depth(l.chain_height());
  }

  bool graph_operator() {
    Level& l = levels_.back();
    ++l.ops;
    nodes_ += 2;
    if (nodes_ > static_cast<long>(kMaxGraphNodes))
      return fail("Workflow exceeds maximum node count of " + std::to_string(kMaxGraphNodes) +
                  " (each ~> & | ?> joins two steps into one more node). Simplify the "
                  "workflow or break it into multiple instances.");
    return check_depth(l.chain_height());
  }

  // Parenthesis, brace or @> prefix: one more level of parser recursion.
  bool nest() {
    if (++nesting_ > kMaxGraphDepth)
      return fail("Graph exceeds maximum nesting depth of " + std::to_string(kMaxGraphDepth) +
                  " (parentheses, calls and @> nested this deep). Simplify the workflow or "
                  "break it into multiple instances.");
    return true;
  }

  bool check_depth(long chain_height) {
    if (chain_height + levels_.back().below <= kMaxGraphDepth) return true;
    return fail("Graph exceeds maximum nesting depth of " + std::to_string(kMaxGraphDepth) +
                " (an operator chain `a ~> b ~> ...` nests one level per operator). Simplify "
                "the workflow or break it into multiple instances.");
  }

  bool fail(std::string message) {
    diags_->push_back({Severity::Error, pos_, std::move(message)});
    return false;
  }

  Diagnostics* diags_;
  std::vector<Level> levels_;
  long nesting_ = 0;
  long nodes_ = 1;
  ir::SourcePos pos_;
};

}  // namespace

bool prescan_limits(std::string_view source, Diagnostics* diags,
                    const std::function<void()>& check_interrupts) {
  antlr4::ANTLRInputStream input(source.data(), source.size());
  WorkflowLexer lexer(&input);
  lexer.removeErrorListeners();  // the parser's run reports lexical errors
  Prescan scan(diags);
  std::size_t count = 0;
  for (auto t = lexer.nextToken(); t->getType() != antlr4::Token::EOF; t = lexer.nextToken()) {
    if (check_interrupts && ++count % kInterruptEvery == 0) check_interrupts();
    if (!scan.token(*t)) return false;
  }
  return true;
}

}  // namespace df::compiler
