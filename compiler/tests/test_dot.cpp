// test_dot.cpp — golden-string tests for the Graphviz DOT output (compiler/dot.hpp).
#include <doctest/doctest.h>

#include "args.hpp"
#include "dot.hpp"

using namespace df::compiler;

TEST_CASE("dot: chains, IF, LOOP and JOIN edges with labels") {
  auto a = make_sql("SELECT \"x\"");
  set_result_name(*a, "a");
  std::vector<df::ir::NodePtr> bs;
  bs.push_back(make_sql("b1"));
  bs.push_back(make_sleep(1));
  auto wf = make_then(std::move(a),
                      make_if(make_sql("c"), make_join(std::move(bs)),
                              make_loop(make_sql("l"), make_sql("w"))));
  CHECK(to_dot(*wf) ==
        "digraph workflow {\n"
        "  node [shape=box];\n"
        "  n0 [label=\"SQL: SELECT \\\"x\\\" |=> 'a'\"];\n"
        "  n1 [label=\"IF\"];\n"
        "  n2 [label=\"SQL: c\"];\n"
        "  n1 -> n2 [label=\"cond\"];\n"
        "  n3 [label=\"JOIN (2)\"];\n"
        "  n4 [label=\"SQL: b1\"];\n"
        "  n3 -> n4 [label=\"branch 1\"];\n"
        "  n5 [label=\"SLEEP 1s\"];\n"
        "  n3 -> n5 [label=\"branch 2\"];\n"
        "  n1 -> n3 [label=\"then\"];\n"
        "  n6 [label=\"LOOP (while)\"];\n"
        "  n7 [label=\"SQL: l\"];\n"
        "  n6 -> n7 [label=\"body\"];\n"
        "  n8 [label=\"SQL: w\"];\n"
        "  n6 -> n8 [label=\"while\"];\n"
        "  n1 -> n6 [label=\"else\"];\n"
        "  n0 -> n1 [label=\"then\", style=bold];\n"
        "}\n");
}

TEST_CASE("dot: a single node and escaping") {
  CHECK(to_dot(*make_sql("a\\b")) ==
        "digraph workflow {\n  node [shape=box];\n  n0 [label=\"SQL: a\\\\b\"];\n}\n");
  CHECK(dot_escape("say \"hi\"\n") == "say \\\"hi\\\"\\n");
}
