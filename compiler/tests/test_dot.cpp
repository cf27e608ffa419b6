// test_dot.cpp — the Graphviz flow drawing (compiler/dot.hpp): sequences as edges, IF as
// a diamond with a merge, JOIN/RACE as one fork/merge pair, loops with a back-edge.
#include <doctest/doctest.h>

#include <algorithm>

#include "args.hpp"
#include "compile.hpp"
#include "dot.hpp"

using namespace df::compiler;

namespace {
std::string dot_of(const std::string& src) {
  CompileResult r = compile(src);
  REQUIRE_FALSE(has_errors(r.diagnostics));
  return to_dot(*r.workflows.at(0).root);
}
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("dot: a sequence is edges from start to end") {
  CHECK(dot_of("'SELECT 1' ~> df.sleep(5)") ==
        "digraph workflow {\n"
        "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
        "  edge [fontname=\"Helvetica\", fontsize=10];\n"
        "  start [shape=circle, label=\"\", width=0.2, style=filled, fillcolor=black];\n"
        "  n0 [label=\"SQL: SELECT 1\"];\n"
        "  n1 [label=\"SLEEP 5s\"];\n"
        "  n0 -> n1;\n"
        "  end [shape=doublecircle, label=\"\", width=0.15, style=filled, fillcolor=black];\n"
        "  start -> n0;\n"
        "  n1 -> end;\n"
        "}\n");
}

TEST_CASE("dot: IF is a diamond whose yes/no edges meet again, and the next step follows the merge") {
  std::string d = dot_of("('SELECT true' ?> 'a' !> 'b') ~> 'after'");
  CHECK(d.find("  n0 [label=\"SQL: SELECT true\"];\n  n1 [shape=diamond, style=\"\", label=\"result truthy?\"];\n"
               "  n0 -> n1;\n  n2 [shape=circle") != std::string::npos);
  CHECK(d.find("  n1 -> n3 [label=\"yes\"];\n  n3 -> n2;\n") != std::string::npos);
  CHECK(d.find("  n1 -> n4 [label=\"no\"];\n  n4 -> n2;\n") != std::string::npos);
  CHECK(d.find("  n5 [label=\"SQL: after\"];\n  n2 -> n5;\n") != std::string::npos);  // not the IF's child
  CHECK(dot_of("('SELECT 1' |=> 'r') ~> df.if_rows('r', 'a', 'b')").find("label=\"rows in $r?\"") != std::string::npos);
}

TEST_CASE("dot: a 4-way join is one fork and one merge with the branches side by side") {
  for (const char* src : {"'a' & 'b' & 'c' & 'd'", "df.join3('a', 'b', 'c') & 'd'"}) {
    std::string d = dot_of(src);
    CHECK(count(d, "xlabel=\"JOIN (4)\"") == 1);
    CHECK(count(d, "xlabel=\"all done\"") == 1);
    CHECK(count(d, "  n0 -> ") == 4);  // the fork bar is n0: one edge per branch
  }
  std::string named = dot_of("(('a' & 'b') |=> 'ab') & 'c'");  // a named inner join is its own fork
  CHECK(count(named, "xlabel=\"JOIN (2)\"") == 2);
  CHECK(named.find("xlabel=\"all done |=> 'ab'\"") != std::string::npos);
  std::string race = dot_of("df.wait_for_signal('ok') | df.sleep(60)");
  CHECK(race.find("xlabel=\"RACE (2)\"") != std::string::npos);
  CHECK(race.find("xlabel=\"first to finish\"") != std::string::npos);
}

TEST_CASE("dot: loops have a back-edge and an exit, reached by the while-condition or a break") {
  std::string d = dot_of("@> (('SELECT id FROM jobs' |=> 'p') ~> df.if_rows('p', df.sleep(5), df.break())) ~> 'done'");
  CHECK(d.find("xlabel=\"loop\"") != std::string::npos);
  CHECK(d.find("label=\"BREAK\"") != std::string::npos);
  CHECK(d.find("[label=\"break\", style=dashed]") != std::string::npos);
  CHECK(d.find("[label=\"repeat\", constraint=false]") != std::string::npos);
  CHECK(d.find("xlabel=\"loop exit\"") != std::string::npos);
  std::string w = dot_of("df.loop('SELECT 1', 'SELECT false')");
  CHECK(w.find("label=\"continue?\"") != std::string::npos);
  CHECK(w.find("[label=\"done\"]") != std::string::npos);
}

TEST_CASE("dot: escaping") {
  CHECK(to_dot(*make_sql("a\\b")).find("n0 [label=\"SQL: a\\\\b\"];") != std::string::npos);
  CHECK(dot_escape("say \"hi\"\n") == "say \\\"hi\\\"\\n");
}
