// test_inferred_status.cpp — the inferred node status rules of docs/reference.md §12, each
// with a case where it applies and one where it does not.
#include <doctest/doctest.h>

#include "surface/inferred_status.hpp"

using df::ext::inferred::children;
using df::ext::inferred::infer;
using df::ext::inferred::NodeRecord;

namespace {

NodeRecord node(const char* id, const char* type, const char* status, std::optional<std::string> left = {},
                std::optional<std::string> right = {}, std::optional<std::string> query = {},
                std::optional<std::string> stamp = {}) {
  return NodeRecord{id, type, std::move(query), std::move(left), std::move(right), status, std::move(stamp)};
}

}  // namespace

TEST_CASE("children follow the walk order of each node type") {
  CHECK(children(node("i", "IF", "pending", "t", "e", R"({"condition_node":"c"})")) ==
        std::vector<std::string>{"c", "t", "e"});
  CHECK(children(node("i", "IF", "pending", "t", "e",
                      R"({"condition_type":"result_has_rows","result_name":"r"})")) ==
        std::vector<std::string>{"t", "e"});
  CHECK(children(node("l", "LOOP", "pending", "b", {}, R"({"condition_node":"c"})")) ==
        std::vector<std::string>{"b", "c"});
  CHECK(children(node("j", "JOIN", "pending", "a", "b", R"({"extra_nodes":["c","d"]})")) ==
        std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(children(node("s", "SQL", "pending", {}, {}, "SELECT 1")).empty());
}

TEST_CASE("a terminal, current node keeps its physical status") {
  auto out = infer({node("r", "SQL", "completed", {}, {}, "x", "r::1")}, "r");
  CHECK(out["r"].status == "completed");
  CHECK_FALSE(out["r"].from_ancestor);
  out = infer({node("r", "SQL", "running", {}, {}, "x", "r::1")}, "r");
  CHECK(out["r"].status == "running");
}

TEST_CASE("the untaken arm of a completed IF is skipped, the taken one is not") {
  auto out = infer({node("i", "IF", "completed", "t", "e", R"({"condition_node":"c"})", "x::1"),
                    node("c", "SQL", "completed", {}, {}, "c", "x::1"),
                    node("t", "SQL", "completed", {}, {}, "t", "x::1"),
                    node("e", "SQL", "pending", {}, {}, "e")},
                   "i");
  CHECK(out["t"].status == "completed");
  CHECK(out["e"].status == "skipped");
  CHECK(out["e"].from_ancestor == std::optional<std::string>("i"));
}

TEST_CASE("without a terminal ancestor a non-terminal node is running or pending") {
  auto out = infer({node("t", "THEN", "running", "a", "b", {}, "x::1"), node("a", "SQL", "running", {}, {}, "a", "x::1"),
                    node("b", "SQL", "pending", {}, {}, "b")},
                   "t");
  CHECK(out["a"].status == "running");
  CHECK(out["b"].status == "pending");
  CHECK_FALSE(out["b"].from_ancestor);
}

TEST_CASE("a node of an older generation of its scope is superseded") {
  // root loop: the body completed in generation 1, generation 2 is running
  auto out = infer({node("l", "LOOP", "running", "b", {}, {}, "x::2"), node("b", "SQL", "completed", {}, {}, "b", "x::1")},
                   "l");
  CHECK(out["b"].status == "pending");
  CHECK(out["b"].from_ancestor == std::optional<std::string>("l"));
  // same generation: not superseded
  out = infer({node("l", "LOOP", "running", "b", {}, {}, "x::2"), node("b", "SQL", "completed", {}, {}, "b", "x::2")}, "l");
  CHECK(out["b"].status == "completed");
}

TEST_CASE("a child scope spawned by a superseded generation is superseded too") {
  auto out = infer({node("t", "THEN", "running", "j", "z", {}, "x::2"),
                    node("j", "JOIN", "completed", "a", "b", {}, "x::1"),
                    node("a", "SQL", "completed", {}, {}, "a", "x::1::a::1"),
                    node("b", "SQL", "completed", {}, {}, "b", "x::2::b::1"),
                    node("z", "SQL", "pending", {}, {}, "z")},
                   "t");
  CHECK(out["j"].status == "pending");   // generation 1 < 2 in scope x, no terminal ancestor
  CHECK(out["a"].status == "pending");   // its scope x::1::a was spawned by generation 1
  CHECK(out["b"].status == "completed");  // spawned by generation 2: current
}

TEST_CASE("terminal but superseded under a terminal ancestor is skipped") {
  auto out = infer({node("r", "RACE", "completed", "a", "b", {}, "x::1"), node("a", "SQL", "completed", {}, {}, "a", "x::1"),
                    node("b", "LOOP", "running", "c", {}, {}, "x::1::b::2"),
                    node("c", "SQL", "completed", {}, {}, "c", "x::1::b::1")},
                   "r");
  CHECK(out["b"].status == "skipped");
  CHECK(out["c"].status == "skipped");
  CHECK(out["c"].from_ancestor == std::optional<std::string>("r"));
}

TEST_CASE("nodes unreachable from the root keep their physical status") {
  auto out = infer({node("r", "SQL", "completed", {}, {}, "x", "x::1"), node("o", "SQL", "running", {}, {}, "y")}, "r");
  CHECK(out["o"].status == "running");
  out = infer({node("r", "SQL", "completed", {}, {}, "x", "x::1")}, "missing");
  CHECK(out["r"].status == "completed");
}
