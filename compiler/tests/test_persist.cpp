// test_persist.cpp — unit tests for the df.nodes persisted form (compiler/persist.hpp):
// row order and id configs, id collision handling, rebuild errors, and the property
// rebuild(flatten(x)) == x.
#include <doctest/doctest.h>

#include <cstdio>
#include <functional>

#include "args.hpp"
#include "error_of.hpp"
#include "dot.hpp"
#include "explain.hpp"
#include "persist.hpp"
#include "validate.hpp"
#include "wire_json.hpp"

using namespace df::compiler;
using df::compiler::testing::error_of;
using df::ir::NodeType;

namespace {

std::function<std::string()> counter_ids() {
  auto next = std::make_shared<int>(0);
  return [next] {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", ++*next);
    return std::string(buf);
  };
}

df::ir::NodePtr sample() {
  // (a |=> 'x') ~> if(c, join3(b, sleep 1, loop(d, while e)), if_rows('x', f, g))
  auto a = make_sql("a");
  set_result_name(*a, "x");
  std::vector<df::ir::NodePtr> branches;
  branches.push_back(make_sql("b"));
  branches.push_back(make_sleep(1));
  branches.push_back(make_loop(make_sql("d"), make_sql("e")));
  auto cond = make_if(make_sql("c"), make_join(std::move(branches)),
                      make_if_rows("x", make_sql("f"), make_sql("g")));
  return make_then(std::move(a), std::move(cond));
}

}  // namespace

TEST_CASE("flatten: pre-order rows, child ids, id configs") {
  auto root = sample();
  auto rows = flatten(*root, counter_ids());
  REQUIRE(rows.size() == 13);
  // Pre-order (left, right, condition, extras): THEN(1) a(2) IF(3) JOIN(4) b(5) SLEEP(6)
  // LOOP(7) d(8) e(9) if_rows(10) f(11) g(12) c(13 = 0x0d).
  CHECK(rows[0].id == "00000001");
  CHECK(rows[0].type == NodeType::Then);
  CHECK(rows[0].left_node == "00000002");
  CHECK(rows[0].right_node == "00000003");
  CHECK(!rows[0].query);
  CHECK(rows[1].result_name == "x");
  CHECK(rows[1].query == "a");
  CHECK(rows[2].type == NodeType::If);
  CHECK(rows[2].left_node == "00000004");
  const auto& join = rows[3];
  CHECK(join.type == NodeType::Join);
  CHECK(join.left_node == "00000005");
  CHECK(join.right_node == "00000006");
  CHECK(join.query == R"({"extra_nodes":["00000007"]})");
  CHECK(rows[6].type == NodeType::Loop);
  CHECK(rows[6].query == R"({"condition_node":"00000009"})");
  CHECK(!rows[6].right_node);
  CHECK(rows[9].type == NodeType::If);
  CHECK(rows[9].query == R"({"condition_type":"result_has_rows","result_name":"x"})");
  CHECK(rows[12].query == "c");
  CHECK(rows[2].query == R"({"condition_node":"0000000d"})");
  CHECK(rows[2].right_node == "0000000a");
  for (const auto& row : rows) CHECK(row.node != nullptr);
  CHECK(rows[1].node == root->left.get());
}

TEST_CASE("flatten: LOOP without condition and JOIN without extras keep query NULL") {
  auto loop = make_loop(make_join([] {
                          std::vector<df::ir::NodePtr> v;
                          v.push_back(make_sql("a"));
                          v.push_back(make_sql("b"));
                          return v;
                        }()),
                        nullptr);
  auto rows = flatten(*loop, counter_ids());
  CHECK(!rows[0].query);
  CHECK(!rows[1].query);
}

TEST_CASE("flatten: colliding ids are re-drawn, endless collisions fail") {
  int calls = 0;
  auto ids = [&calls] {
    static const char* seq[] = {"aaaaaaaa", "aaaaaaaa", "bbbbbbbb", "aaaaaaaa", "cccccccc"};
    return std::string(seq[calls++]);
  };
  auto root = make_then(make_sql("a"), make_sql("b"));
  auto rows = flatten(*root, ids);
  CHECK(rows[0].id == "aaaaaaaa");
  CHECK(rows[1].id == "bbbbbbbb");
  CHECK(rows[2].id == "cccccccc");
  CHECK(error_of([&] { flatten(*root, [] { return std::string("deadbeef"); }); }) ==
        "Failed to assign unique node ids: exhausted 10 attempts");
}

TEST_CASE("rebuild(flatten(x)) == x") {
  std::vector<df::ir::NodePtr> graphs;
  graphs.push_back(sample());
  graphs.push_back(make_sql("SELECT 1"));
  graphs.push_back(make_race(make_wait_for_signal("s", 5), make_break(std::string("v"))));
  graphs.push_back(make_loop(make_http("https://x", "GET", {}, {}, 30), nullptr));
  for (const auto& g : graphs) {
    auto rows = flatten(*g, counter_ids());
    auto back = rebuild(rows, rows[0].id);
    CHECK(to_json(*back) == to_json(*g));
  }
}

TEST_CASE("rebuild: rows in any order") {
  auto g = sample();
  auto rows = flatten(*g, counter_ids());
  std::vector<NodeRow> reversed(rows.rbegin(), rows.rend());
  CHECK(to_json(*rebuild(reversed, "00000001")) == to_json(*g));
}

TEST_CASE("rebuild: dangling ids, shared nodes, cycles and missing root fail") {
  auto rows = flatten(*make_then(make_sql("a"), make_sql("b")), counter_ids());
  CHECK(error_of([&] { rebuild(rows, "ffffffff"); }) == "node 'ffffffff' not found");
  auto dangling = rows;
  dangling[0].right_node = "12345678";
  CHECK(error_of([&] { rebuild(dangling, "00000001"); }) == "node '12345678' not found");
  auto shared = rows;
  shared[0].right_node = shared[0].left_node;
  CHECK(error_of([&] { rebuild(shared, "00000001"); }) ==
        "node '00000002' is referenced more than once (cycle or shared node)");
  auto cycle = rows;
  cycle[0].right_node = "00000001";
  CHECK(error_of([&] { rebuild(cycle, "00000001"); }) ==
        "node '00000001' is referenced more than once (cycle or shared node)");
  auto dup = rows;
  dup.push_back(rows[1]);
  CHECK(error_of([&] { rebuild(dup, "00000001"); }) == "duplicate node id '00000002'");
  auto loop_rows = flatten(*make_loop(make_sql("a"), make_sql("c")), counter_ids());
  loop_rows[0].query = R"({"condition_node":7})";
  CHECK(error_of([&] { rebuild(loop_rows, "00000001"); }) == "node 00000001: malformed id config");
}

namespace {

// Deterministic random workflows over every node type, for the round-trip properties.
class RandomWorkflows {
 public:
  explicit RandomWorkflows(std::uint32_t seed) : state_(seed) {}

  df::ir::NodePtr make(int depth) {
    auto node = depth >= 5 || pick(3) == 0 ? leaf() : compound(depth);
    if (pick(4) == 0) set_result_name(*node, "r" + std::to_string(pick(5)));
    return node;
  }

 private:
  std::uint32_t pick(std::uint32_t n) {
    state_ = state_ * 1664525u + 1013904223u;
    return (state_ >> 8) % n;
  }

  std::string text() {
    static const char* const pieces[] = {"SELECT 1", "'q\"uote'", "\\", "\n", "\t", "\x01",
                                         "\xC3\xA9", "$r1", "{var}", "/"};
    std::string s;
    for (std::uint32_t i = 0, n = pick(4) + 1; i < n; ++i) s += pieces[pick(10)];
    return s;
  }

  df::ir::NodePtr leaf() {
    switch (pick(8)) {
      case 0: return make_sleep(pick(100));
      case 1: return make_wait_for_schedule("*/5 * * * *");
      case 2: return make_wait_for_signal(text(), pick(2) ? std::optional<std::int64_t>(pick(9) + 1) : std::nullopt);
      case 3: return make_break(pick(2) ? std::optional<std::string>(text()) : std::nullopt);
      case 4: return make_http("https://h.test/" + text(), "patch", std::string(text()),
                               std::string(R"({"x-b":"1","x-a":"2"})"), pick(60) + 1);
      case 5: return make_http_multipart("https://h.test/u", "post", std::string(R"([{"name":"f"}])"),
                                         std::nullopt, 30);
      default: return make_sql(text());
    }
  }

  df::ir::NodePtr compound(int depth) {
    switch (pick(7)) {
      case 0: return make_then(make(depth + 1), make(depth + 1));
      case 1: {
        std::vector<df::ir::NodePtr> bs;
        for (std::uint32_t i = 0, n = pick(3) + 2; i < n; ++i) bs.push_back(make(depth + 1));
        return make_join(std::move(bs));
      }
      case 2: return make_race(make(depth + 1), make(depth + 1));
      case 3: return make_if(make(depth + 1), make(depth + 1), make(depth + 1));
      case 4: return make_if_rows("r1", make(depth + 1), make(depth + 1));
      case 5: return make_loop(make(depth + 1), pick(2) ? make(depth + 1) : nullptr);
      default: return make_then(make(depth + 1), make_sql(text()));
    }
  }

  std::uint32_t state_;
};

}  // namespace

TEST_CASE("property: random workflows survive JSON and df.nodes round trips, validate cleanly") {
  RandomWorkflows gen(12345);
  for (int i = 0; i < 300; ++i) {
    auto wf = gen.make(0);
    const std::string json = to_json(*wf);
    CHECK(to_json(*parse_strict(json)) == json);
    CHECK(to_json(*ensure_node(json)) == json);
    auto rows = flatten(*wf, counter_ids());
    CHECK(rows.size() == df::ir::count_nodes(*wf));
    CHECK(to_json(*rebuild(rows, rows[0].id)) == json);
    // Builders only make valid graphs; the other passes must accept all of them.
    CHECK_FALSE(has_errors(validate(*wf)));
    CHECK(!explain_tree(*wf).empty());
    CHECK(to_dot(*wf).rfind("digraph workflow {", 0) == 0);
  }
}
