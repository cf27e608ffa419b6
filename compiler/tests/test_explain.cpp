// test_explain.cpp — golden-string tests for df.explain's tree rendering
// (compiler/explain.hpp, REFERENCE.md §13): labels, truncation, THEN chains, sections,
// connectors, markers and padding.
#include <doctest/doctest.h>

#include "args.hpp"
#include "explain.hpp"
#include "wire_json.hpp"

using namespace df::compiler;

namespace {

// Golden lines are written unpadded; this checks the padding rule separately and strips
// it, so each golden shows only the visible text.
std::vector<std::string> visible_lines(const std::string& tree) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    std::size_t end = tree.find('\n', start);
    std::string line = tree.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::size_t last = line.find_last_not_of(' ');
    lines.push_back(last == std::string::npos ? "" : line.substr(0, last + 1));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

using Lines = std::vector<std::string>;

df::ir::NodePtr named(df::ir::NodePtr n, const char* name) {
  set_result_name(*n, name);
  return n;
}

}  // namespace

TEST_CASE("padding: every line padded to the longest + 4, no trailing newline") {
  auto tree = explain_tree(*make_then(make_sql("SELECT 1"), make_sql("SELECT 22")));
  // "SQL: SELECT 1" is 13 characters, "→ SQL: SELECT 22" is 16 characters (→ is one).
  CHECK(tree == "SQL: SELECT 1       \n\xE2\x86\x92 SQL: SELECT 22    ");
  CHECK(explain_tree(*make_sql("x")) == "SQL: x    ");
}

TEST_CASE("leaf labels and truncation by bytes") {
  CHECK(visible_lines(explain_tree(*make_sql(std::string(50, 'a')))) == Lines{"SQL: " + std::string(50, 'a')});
  CHECK(visible_lines(explain_tree(*make_sql(std::string(51, 'a')))) ==
        Lines{"SQL: " + std::string(47, 'a') + "..."});
  // A multi-byte character straddling byte 47 is not split.
  std::string accented = std::string(46, 'a') + "\xC3\xA9" + "bbbb";
  CHECK(visible_lines(explain_tree(*make_sql(accented))) == Lines{"SQL: " + std::string(46, 'a') + "..."});
  CHECK(visible_lines(explain_tree(*make_sql("SELECT 1\nFROM t"))) == Lines{"SQL: SELECT 1 FROM t"});
  CHECK(visible_lines(explain_tree(*make_sleep(30))) == Lines{"SLEEP 30s"});
  CHECK(visible_lines(explain_tree(*make_wait_for_schedule("0 9 * * 2"))) == Lines{"WAIT '0 9 * * 2'"});
  CHECK(visible_lines(explain_tree(*make_wait_for_signal("go", std::nullopt))) == Lines{"SIGNAL 'go'"});
  CHECK(visible_lines(explain_tree(*make_wait_for_signal("go", 10))) == Lines{"SIGNAL 'go' (10s)"});
  CHECK(visible_lines(explain_tree(*make_break(std::nullopt))) == Lines{"BREAK"});
  CHECK(visible_lines(explain_tree(*make_break(std::string("done")))) == Lines{"BREAK 'done'"});
  CHECK(visible_lines(explain_tree(*make_break(std::string(21, 'v')))) ==
        Lines{"BREAK '" + std::string(17, 'v') + "...'"});
  std::string url = "https://example.blob.core.windows.net/container/blob.txt";
  CHECK(visible_lines(explain_tree(*make_http(url, "get", {}, {}, 30))) ==
        Lines{"HTTP GET https://example.blob.core.windows.net..."});
  CHECK(visible_lines(explain_tree(*make_http_multipart("https://x.test/u", "post",
                                                        std::string("[{}]"), {}, 30))) ==
        Lines{"HTTP_MULTIPART POST https://x.test/u"});
  CHECK(visible_lines(explain_tree(*named(make_sql("SELECT 1"), "a"))) == Lines{"SQL: SELECT 1 |=> 'a'"});
}

TEST_CASE("THEN chains flatten with arrows; a named THEN names its last step") {
  auto chain = make_then(make_then(make_sql("a"), named(make_sql("b"), "x")), make_sql("c"));
  CHECK(visible_lines(explain_tree(*chain)) ==
        Lines{"SQL: a", "\xE2\x86\x92 SQL: b |=> 'x'", "\xE2\x86\x92 SQL: c"});
  auto named_then = named(make_then(make_sql("a"), make_sql("b")), "n");
  CHECK(visible_lines(explain_tree(*make_then(std::move(named_then), make_sql("c")))) ==
        Lines{"SQL: a", "\xE2\x86\x92 SQL: b |=> 'n'", "\xE2\x86\x92 SQL: c"});
}

TEST_CASE("a 130-step sequence has 129 arrows") {
  auto seq = make_sql("SELECT 0");
  for (int i = 1; i < 130; ++i) seq = make_then(std::move(seq), make_sql("SELECT " + std::to_string(i)));
  std::string tree = explain_tree(*seq);
  std::size_t arrows = 0;
  for (std::size_t p = tree.find("\xE2\x86\x92"); p != std::string::npos; p = tree.find("\xE2\x86\x92", p + 1))
    ++arrows;
  CHECK(arrows == 129);
}

TEST_CASE("IF sections, JOIN/RACE branches, LOOP sections, connectors") {
  auto wf = make_then(
      make_sql("a"),
      make_if(make_sql("c"),
              make_join([] {
                std::vector<df::ir::NodePtr> v;
                v.push_back(make_sql("b1"));
                v.push_back(make_then(make_sql("b2"), make_sleep(5)));
                v.push_back(make_race(make_sql("r1"), make_wait_for_signal("s", std::nullopt)));
                return v;
              }()),
              make_loop(make_then(make_sql("l"), make_break(std::nullopt)), make_sql("w"))));
  CHECK(visible_lines(explain_tree(*wf)) ==
        Lines{
            "SQL: a",
            "\xE2\x86\x92 IF",
            "    ? condition:",
            "      \xE2\x94\x94\xE2\x94\x80 SQL: c",
            "    \xE2\x9C\x93 then:",
            "      \xE2\x94\x94\xE2\x94\x80 JOIN (3)",
            "          \xE2\x95\x91 branch 1:",
            "            \xE2\x94\x9C\xE2\x94\x80 SQL: b1",
            "          \xE2\x95\x91 branch 2:",
            "            \xE2\x94\x9C\xE2\x94\x80 SQL: b2",
            "            \xE2\x86\x92 SLEEP 5s",
            "          \xE2\x95\x91 branch 3:",
            "            \xE2\x94\x94\xE2\x94\x80 RACE",
            "                \xE2\x95\x91 branch 1:",
            "                  \xE2\x94\x9C\xE2\x94\x80 SQL: r1",
            "                \xE2\x95\x91 branch 2:",
            "                  \xE2\x94\x94\xE2\x94\x80 SIGNAL 's'",
            "    \xE2\x9C\x97 else:",
            "      \xE2\x94\x94\xE2\x94\x80 LOOP (while)",
            "          \xE2\x86\xBB body:",
            "            \xE2\x94\x94\xE2\x94\x80 SQL: l",
            "            \xE2\x86\x92 BREAK",
            "          ? while:",
            "            \xE2\x94\x94\xE2\x94\x80 SQL: w",
        });
}

TEST_CASE("live markers follow each node line") {
  auto wf = make_then(make_sql("a"), make_loop(make_sql("b"), nullptr));
  const df::ir::Node* loop = wf->right.get();
  auto tree = explain_tree(*wf, [&](const df::ir::Node& n) -> std::string {
    if (&n == loop) return " \xE2\x8F\xB3";  // ⏳
    return n.type == df::ir::NodeType::Sql && *n.query == "a" ? " \xE2\x9C\x93" : " \xE2\x97\x8B";
  });
  CHECK(visible_lines(tree) == Lines{"SQL: a \xE2\x9C\x93", "\xE2\x86\x92 LOOP (infinite) \xE2\x8F\xB3",
                                     "    \xE2\x86\xBB body:", "      \xE2\x94\x94\xE2\x94\x80 SQL: b \xE2\x97\x8B"});
}

TEST_CASE("129 nested IFs render 129 IF lines") {
  auto node = make_sql("leaf");
  for (int i = 0; i < 129; ++i) node = make_if(make_sql("c"), std::move(node), make_sql("e"));
  std::string tree = explain_tree(*node);
  std::size_t ifs = 0;
  for (const auto& line : visible_lines(tree))
    if (line.size() >= 2 && line.compare(line.size() - 2, 2, "IF") == 0) ++ifs;
  CHECK(ifs == 129);
}

TEST_CASE("explain: wrap_text keeps the whole text, broken at spaces and newlines") {
  CHECK(wrap_text("SQL execution failed: division by zero", 20) ==
        Lines{"SQL execution", "failed: division by", "zero"});
  CHECK(wrap_text("short", 20) == Lines{"short"});
  CHECK(wrap_text("", 20) == Lines{""});
  CHECK(wrap_text("line one\nline two", 40) == Lines{"line one", "line two"});
  // an overlong word is cut, never inside a UTF-8 character (é is 2 bytes)
  CHECK(wrap_text("abcdéfghij", 5) == Lines{"abcd", "éfgh", "ij"});
  std::string joined;
  for (const auto& l : wrap_text("a b c d e f g h i j k l m n o p", 7)) joined += l + " ";
  CHECK(joined == "a b c d e f g h i j k l m n o p ");
}
