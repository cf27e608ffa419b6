// test_program.cpp — lowering (pre-order node numbering, instruction patterns, lowering
// errors) and the disassembler golden output.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>

#include "args.hpp"
#include "persist.hpp"
#include "program.hpp"

using namespace df;
using namespace df::compiler;

namespace {

ir::NodePtr named(ir::NodePtr n, const char* name) {
  n->result_name = name;
  return n;
}

ir::NodePtr sample() {
  std::vector<ir::NodePtr> branches;
  branches.push_back(named(make_sql("SELECT 1 AS a"), "a"));
  branches.push_back(make_http("https://example.com/$a", "GET", std::nullopt, std::nullopt, 30));
  branches.push_back(make_wait_for_signal("go", 60));
  auto join = named(make_join(std::move(branches)), "j");
  auto body = make_if(make_sql("SELECT $a > 0"), make_sleep(5), make_break(std::string("done")));
  auto loop = make_loop(std::move(body), make_sql("SELECT true"));
  auto race = make_race(std::move(loop), make_wait_for_schedule("*/5 * * * *"));
  auto rows = make_if_rows("a", make_sql("SELECT 'yes'"), make_sql("SELECT 'no'"));
  return make_then(make_then(std::move(join), std::move(race)), std::move(rows));
}

}  // namespace

TEST_CASE("program: nodes are numbered in pre-order: left, right, condition, extras") {
  auto root = sample();
  vm::Program p = vm::lower(*root);
  REQUIRE(p.nodes.size() == ir::count_nodes(*root));
  CHECK(p.nodes[0].type == ir::NodeType::Then);
  CHECK(p.nodes[1].type == ir::NodeType::Then);
  CHECK(p.nodes[2].type == ir::NodeType::Join);
  CHECK(p.nodes[3].type == ir::NodeType::Sql);       // join left
  CHECK(p.nodes[4].type == ir::NodeType::Http);      // join right
  CHECK(p.nodes[5].type == ir::NodeType::Signal);    // join extra_nodes[0]
  CHECK(p.nodes[6].type == ir::NodeType::Race);
  CHECK(p.nodes[7].type == ir::NodeType::Loop);
  CHECK(p.nodes[8].type == ir::NodeType::If);        // loop body
  CHECK(p.nodes[9].type == ir::NodeType::Sleep);     // if then
  CHECK(p.nodes[10].type == ir::NodeType::Break);    // if else
  CHECK(p.nodes[11].type == ir::NodeType::Sql);      // if condition
  CHECK(p.nodes[12].type == ir::NodeType::Sql);      // loop condition
  CHECK(p.nodes[8].parent == 7);
  CHECK(p.nodes[10].inside_loop);
  CHECK_FALSE(p.nodes[3].inside_loop);
  CHECK(p.nodes[10].text == "\"done\"");             // break value as JSON
  CHECK(p.nodes[9].seconds == 5);
  CHECK(p.nodes[5].timeout == 60);
}

TEST_CASE("program: disassembler golden output") {
  auto root = sample();
  const std::string expected =
      "; 37 instructions, 17 nodes\n"
      "0000  ENTER            #0   THEN\n"
      "0001  ENTER            #1   THEN\n"
      "0002  FORK_JOIN        #2   [0003, 0005, 0007] -> 0009\n"
      "0003  SQL              #3   \"SELECT 1 AS a\" |=> a\n"
      "0004  RETURN           #3\n"
      "0005  HTTP             #4   \"{\\\"url\\\":\\\"https://example.com/$a\\\",\\\"method\\\":\\\"GET\\\",\\\"body\\\":null,\\\"headers\\\":null,\\\"timeout_seconds\\\":30}\"\n"
      "0006  RETURN           #4\n"
      "0007  WAIT_SIGNAL      #5   \"go\" timeout=60s\n"
      "0008  RETURN           #5\n"
      "0009  LEAVE            #2   JOIN |=> j\n"
      "0010  FORK_RACE        #6   [0011, 0025] -> 0027\n"
      "0011  LOOP_ENTER       #7   branch-root\n"
      "0012  ENTER            #8   IF\n"
      "0013  SQL              #11  \"SELECT $a > 0\"\n"
      "0014  JUMP_IF_FALSE    #8   -> 0017\n"
      "0015  SLEEP            #9   5s\n"
      "0016  JUMP             #8   -> 0018\n"
      "0017  BREAK            #10  \"done\"\n"
      "0018  LEAVE            #8   IF\n"
      "0019  LOOP_SAVE_BODY   #7   LOOP\n"
      "0020  SQL              #12  \"SELECT true\"\n"
      "0021  LOOP_TEST        #7   -> 0023\n"
      "0022  LOOP_NEXT        #7   -> 0012\n"
      "0023  LOOP_EXIT        #7   LOOP\n"
      "0024  RETURN           #7\n"
      "0025  WAIT_SCHEDULE    #13  '*/5 * * * *'\n"
      "0026  RETURN           #13\n"
      "0027  LEAVE            #6   RACE\n"
      "0028  LEAVE            #1   THEN\n"
      "0029  ENTER            #14  IF\n"
      "0030  JUMP_IF_NO_ROWS  #14  $a -> 0033\n"
      "0031  SQL              #15  \"SELECT 'yes'\"\n"
      "0032  JUMP             #14  -> 0034\n"
      "0033  SQL              #16  \"SELECT 'no'\"\n"
      "0034  LEAVE            #14  IF\n"
      "0035  LEAVE            #0   THEN\n"
      "0036  RETURN           #0\n";
  CHECK(vm::disassemble(vm::lower(*root)) == expected);
}

TEST_CASE("program: instructions carry the node's source position") {
  auto a = make_sql("SELECT 1");
  a->pos = {1, 1};
  auto b = make_sleep(0);
  b->pos = {2, 4};
  auto root = make_then(std::move(a), std::move(b));
  root->pos = {1, 10};
  vm::Program p = vm::lower(*root);
  CHECK(p.code[1].pos.line == 1);
  CHECK(p.code[2].pos.column == 4);
  CHECK(vm::disassemble(p) ==
        "; 5 instructions, 3 nodes\n"
        "0000  ENTER            #0   THEN  @1:10\n"
        "0001  SQL              #1   \"SELECT 1\"  @1:1\n"
        "0002  SLEEP            #2   0s  @2:4\n"
        "0003  LEAVE            #0   THEN  @1:10\n"
        "0004  RETURN           #0  @1:10\n");
}

TEST_CASE("program: loop modes follow the loop's place in the graph") {
  auto root_loop = make_loop(make_sql("SELECT 1"), nullptr);
  CHECK(vm::lower(*root_loop).code[0].a == static_cast<std::uint32_t>(vm::LoopMode::Root));
  auto nested = make_then(make_sql("SELECT 0"), make_loop(make_sql("SELECT 1"), nullptr));
  CHECK(vm::lower(*nested).code[2].a == static_cast<std::uint32_t>(vm::LoopMode::Nested));
}

TEST_CASE("program: the opcode tables are generated from one list") {
  CHECK(std::string(vm::op_name(vm::Op::SQL)) == "SQL");
  CHECK(std::string(vm::op_name(vm::Op::LOOP_EXIT)) == "LOOP_EXIT");
  CHECK(vm::op_operand_kind(vm::Op::FORK_JOIN) == vm::OperandKind::FORK);
  CHECK(vm::op_operand_kind(vm::Op::JUMP) == vm::OperandKind::TARGET);
  CHECK(std::string(vm::op_doc(vm::Op::SLEEP)).find("ArmTimer") != std::string::npos);
  CHECK(vm::kOpCount == static_cast<int>(vm::Op::TIMEOUT_LEAVE) + 1);
}

TEST_CASE("program: malformed graphs are refused with the node named") {
  ir::Node then_missing(ir::NodeType::Then);
  then_missing.left = make_sql("SELECT 1");
  CHECK_THROWS_WITH_AS(vm::lower(then_missing), "cannot lower THEN node #0: missing right_node",
                       vm::LowerError);
  ir::Node sleep(ir::NodeType::Sleep);
  sleep.query = "soon";
  CHECK_THROWS_AS(vm::lower(sleep), vm::LowerError);
  ir::Node cron(ir::NodeType::WaitSchedule);
  cron.query = R"({"cron_expr":"61 * * * *"})";
  CHECK_THROWS_AS(vm::lower(cron), vm::LowerError);
  ir::Node lone_if(ir::NodeType::If);
  lone_if.left = make_sql("SELECT 1");
  lone_if.right = make_sql("SELECT 2");
  CHECK_THROWS_WITH_AS(vm::lower(lone_if), "cannot lower IF node #0: missing condition_node",
                       vm::LowerError);
}

TEST_CASE("program: node indices are the row order of persist::flatten") {
  auto root = sample();
  const vm::Program p = vm::lower(*root);
  int counter = 0;
  const auto rows = flatten(*root, [&] {
    char id[9];
    std::snprintf(id, sizeof id, "%08x", ++counter);
    return std::string(id);
  });
  REQUIRE(rows.size() == p.nodes.size());
  std::map<std::string, std::uint32_t> index_of;
  for (std::uint32_t i = 0; i < rows.size(); ++i) index_of[rows[i].id] = i;
  for (std::uint32_t i = 0; i < rows.size(); ++i) {
    CAPTURE(i);
    CHECK(rows[i].type == p.nodes[i].type);
    for (const auto& child : {rows[i].left_node, rows[i].right_node})
      if (child) CHECK(p.nodes[index_of.at(*child)].parent == i);
  }
}
