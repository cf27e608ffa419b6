// test_compile.cpp — the annotated workflow files of compiler/tests/lang: every
// `-- expect error: <text>` / `-- expect warning: <text>` comment must be matched by a
// diagnostic of that severity on that line whose message contains <text>, and every
// diagnostic must be expected. Also checks the golden explain/DOT/diagnostic files and the
// text -> fmt -> text round trip of each file.
#include <doctest/doctest.h>

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "compile.hpp"
#include "dot.hpp"
#include "explain.hpp"
#include "format.hpp"
#include "lang_test_paths.hpp"
#include "wire_json.hpp"

using namespace df::compiler;

namespace {

struct Expectation {
  std::uint32_t line;
  Severity severity;
  std::string text;
  bool matched = false;
};

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> workflow_files() {
  std::vector<std::string> out;
  DIR* dir = opendir(DF_LANG_TEST_DIR);
  REQUIRE(dir != nullptr);
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".dfl") == 0) out.push_back(name);
  }
  closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

// All `-- expect <severity>: text` annotations; several may share one comment.
std::vector<Expectation> expectations(const std::string& source) {
  std::vector<Expectation> out;
  std::istringstream in(source);
  std::string line;
  const std::string marker = "-- expect ";
  for (std::uint32_t n = 1; std::getline(in, line); ++n) {
    for (size_t at = line.find(marker); at != std::string::npos; at = line.find(marker, at + 1)) {
      size_t colon = line.find(": ", at);
      if (colon == std::string::npos) continue;
      std::string kind = line.substr(at + marker.size(), colon - at - marker.size());
      size_t end = line.find(" " + marker, colon);
      std::string text = line.substr(colon + 2, end == std::string::npos ? std::string::npos : end - colon - 2);
      out.push_back({n, kind == "warning" ? Severity::Warning : Severity::Error, text});
    }
  }
  return out;
}

std::string all_json(const CompileResult& r) {
  std::string out;
  for (const auto& w : r.workflows) out += w.name + "=" + (w.root ? to_json(*w.root) : "-") + "\n";
  return out;
}

}  // namespace

TEST_CASE("annotated workflow files: every diagnostic expected, every expectation met") {
  auto files = workflow_files();
  REQUIRE(files.size() >= 5);
  for (const auto& name : files) {
    CAPTURE(name);
    std::string source = read(std::string(DF_LANG_TEST_DIR) + "/" + name);
    auto expected = expectations(source);
    CompileResult result = compile(source);
    for (const auto& d : result.diagnostics) {
      auto hit = std::find_if(expected.begin(), expected.end(), [&](const Expectation& e) {
        return !e.matched && e.line == d.pos.line && e.severity == d.severity &&
               d.message.find(e.text) != std::string::npos;
      });
      CHECK_MESSAGE(hit != expected.end(), "unexpected diagnostic " << d.pos.line << ":"
                                                                    << d.pos.column << ": " << d.message);
      if (hit != expected.end()) hit->matched = true;
    }
    for (const auto& e : expected) {
      CHECK_MESSAGE(e.matched, "line " << e.line << ": expected " << severity_name(e.severity)
                                       << " containing: " << e.text);
    }
  }
}

TEST_CASE("annotated workflow files: fmt is stable and keeps the meaning") {
  for (const auto& name : workflow_files()) {
    CAPTURE(name);
    std::string source = read(std::string(DF_LANG_TEST_DIR) + "/" + name);
    Diagnostics diags;
    std::string once = format_source(source, &diags);
    if (has_errors(diags)) {
      CHECK(once == source);
      continue;
    }
    CHECK(format_source(once, nullptr) == once);
    CHECK(all_json(compile(once)) == all_json(compile(source)));
  }
}

TEST_CASE("golden files: diagnostics, explain and DOT") {
  const std::string dir = DF_LANG_TEST_DIR;
  std::string errors_src = read(dir + "/errors.dfl");
  std::string rendered;
  for (const auto& d : compile(errors_src).diagnostics) rendered += render_gcc(d, "errors.dfl", errors_src);
  CHECK(rendered == read(dir + "/errors.diag"));

  CompileResult bare = compile(read(dir + "/bare.dfl"));
  REQUIRE(bare.workflows.size() == 1);
  REQUIRE(bare.workflows[0].root);
  CHECK(explain_tree(*bare.workflows[0].root) + "\n" == read(dir + "/bare.explain"));
  CHECK(to_json(*bare.workflows[0].root) + "\n" == read(dir + "/bare.json"));

  CompileResult nightly = compile(read(dir + "/nightly.dfl"));
  REQUIRE(nightly.workflows.size() == 2);
  CHECK(nightly.workflows[1].name == "poll");
  REQUIRE(nightly.workflows[1].root);
  std::string dot = to_dot(*nightly.workflows[1].root);
  if (dot.empty() || dot.back() != '\n') dot += "\n";
  CHECK(dot == read(dir + "/poll.dot"));
}

TEST_CASE("the expectation reader itself") {
  auto e = expectations("x -- expect error: a b -- expect warning: c\ny\n-- expect error: d");
  REQUIRE(e.size() == 3);
  CHECK(e[0].line == 1);
  CHECK(e[0].text == "a b");
  CHECK(e[1].severity == Severity::Warning);
  CHECK(e[1].text == "c");
  CHECK(e[2].line == 3);
}
