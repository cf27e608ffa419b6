// check.cpp — judging expectations (see check.hpp).
#include "check.hpp"

#include "json_text.hpp"

namespace df::wftest {

namespace {

using K = Expectation::Kind;

compiler::Diagnostic failure(ir::SourcePos pos, std::string message) {
  compiler::Diagnostic d;
  d.pos = pos;
  d.message = std::move(message);
  return d;
}

bool contains(const rapidjson::Value& want, const rapidjson::Value& got) {
  if (want.IsObject()) {
    if (!got.IsObject()) return false;
    for (const auto& m : want.GetObject()) {
      auto it = got.FindMember(m.name);
      if (it == got.MemberEnd() || !contains(m.value, it->value)) return false;
    }
    return true;
  }
  if (want.IsArray()) {
    if (!got.IsArray() || got.Size() != want.Size()) return false;
    for (rapidjson::SizeType i = 0; i < want.Size(); ++i)
      if (!contains(want[i], got[i])) return false;
    return true;
  }
  if (want.IsNumber()) return got.IsNumber() && want.GetDouble() == got.GetDouble();
  return want == got;
}

std::string shorten(const std::string& s, std::size_t max = 200) {
  return s.size() > max ? s.substr(0, max - 3) + "..." : s;
}

// The ran steps as labels, for "instead" messages.
std::string ran_list(const vm::Program& program, const RunResult& run) {
  std::string out;
  for (const auto& r : run.runs) out += (out.empty() ? "" : " -> ") + leaf_label(program, r.node);
  return out.empty() ? "(no step ran)" : out;
}

bool run_matches(const vm::Program& program, const LeafRun& r, const Selector& s) {
  return selector_matches(program, r.node, s.text, r.statement);
}

// How the run ended, for messages: "failed: <error>", "running (waiting for ...)".
std::string ending(const RunResult& run) {
  if (run.status == "running") return "running" + (run.waiting.empty() ? "" : " (waiting for " + run.waiting + ")");
  if (run.status == "failed") return "failed: " + shorten(run.result);
  return run.status;
}

// The error message inside an error record, or the text itself.
std::string error_text(const std::string& result) {
  rapidjson::Document doc;
  if (compiler::parse_json(result, doc, nullptr) && doc.IsObject()) {
    auto m = doc.FindMember("message");
    if (m != doc.MemberEnd() && m->value.IsString()) return result + "\n" + std::string(compiler::json_string_view(m->value));
  }
  return result;
}

std::optional<compiler::Diagnostic> check_one(const Expectation& x, const vm::Program& program, const RunResult& run) {
  switch (x.kind) {
    case K::Status:
      if (run.status == x.text) return std::nullopt;
      return failure(x.pos, "expected status " + x.text + ", the workflow " +
                                (run.status == "running" ? "is " : "") + ending(run));
    case K::Result:
      if (run.status == "completed" && json_contains(x.text, run.result)) return std::nullopt;
      if (run.status != "completed") return failure(x.pos, "expected a result, the workflow " + ending(run));
      return failure(x.pos, "result " + shorten(run.result) + " does not contain " + x.text);
    case K::Error:
      if (run.status == "failed" && error_text(run.result).find(x.text) != std::string::npos) return std::nullopt;
      if (run.status != "failed") return failure(x.pos, "expected the workflow to fail, it " + ending(run));
      return failure(x.pos, "the error does not mention '" + x.text + "': " + shorten(run.result));
    case K::Ran:
    case K::NotRan: {
      std::int64_t n = 0;
      for (const auto& r : run.runs)
        if (run_matches(program, r, x.selectors[0])) n += r.attempts ? r.attempts : 1;
      if (x.kind == K::NotRan) {
        if (n == 0) return std::nullopt;
        return failure(x.pos, "'" + x.selectors[0].text + "' ran " + std::to_string(n) + " time(s), expected never");
      }
      if (x.count ? n == *x.count : n > 0) return std::nullopt;
      return failure(x.pos, "'" + x.selectors[0].text + "' ran " + std::to_string(n) + " time(s), expected " +
                                (x.count ? std::to_string(*x.count) : std::string("at least once")) +
                                "; ran: " + ran_list(program, run));
    }
    case K::Path: {
      std::size_t k = 0;
      for (const auto& r : run.runs)
        if (k < x.selectors.size() && run_matches(program, r, x.selectors[k])) ++k;
      if (k == x.selectors.size()) return std::nullopt;
      std::string missing = "'" + x.selectors[k].text + "'";
      return failure(x.pos, "path stops before " + missing + (k ? " (after '" + x.selectors[k - 1].text + "')" : "") +
                                "; ran: " + ran_list(program, run));
    }
    case K::StepResult: {
      const LeafRun* last = nullptr;
      for (const auto& r : run.runs)
        if (run_matches(program, r, x.selectors[0]) && r.end != LeafRun::End::Running) last = &r;
      if (!last) return failure(x.pos, "'" + x.selectors[0].text + "' never finished; ran: " + ran_list(program, run));
      if (last->end == LeafRun::End::Completed && json_contains(x.text, last->result)) return std::nullopt;
      return failure(x.pos, "'" + x.selectors[0].text + "' " +
                                (last->end == LeafRun::End::Failed ? "failed: " : "gave ") + shorten(last->result) +
                                ", expected it to contain " + x.text);
    }
    case K::Elapsed:
      if (run.elapsed_ms == *x.count * 1000) return std::nullopt;
      return failure(x.pos, "expected " + std::to_string(*x.count) + "s of virtual time, the run took " +
                                std::to_string(run.elapsed_ms / 1000) + "." + std::to_string(run.elapsed_ms % 1000 / 100) + "s");
  }
  return std::nullopt;
}

bool matches_some_step(const vm::Program& program, const std::string& sel) {
  for (std::uint32_t i = 0; i < program.nodes.size(); ++i)
    if (selector_matches(program, i, sel)) return true;
  return false;
}

}  // namespace

bool json_contains(const std::string& expected, const std::string& actual) {
  rapidjson::Document want, got;
  if (!compiler::parse_json(expected, want, nullptr) || !compiler::parse_json(actual, got, nullptr)) return false;
  return contains(want, got);
}

compiler::Diagnostics check_selectors(const TestCase& tc, const vm::Program& program) {
  compiler::Diagnostics out;
  auto check = [&](const Selector& s) {
    if (!matches_some_step(program, s.text))
      out.push_back(failure(s.pos, "'" + s.text + "' matches no step of the workflow (a result name, or a fragment of a step's SQL, URL or signal name)"));
  };
  for (const auto& st : tc.stubs) check(st.selector);
  for (const auto& x : tc.expectations)
    for (const auto& s : x.selectors) check(s);
  return out;
}

compiler::Diagnostics check_expectations(const TestCase& tc, const vm::Program& program, const RunResult& run) {
  compiler::Diagnostics out = run.problems;
  for (auto& d : out)
    if (!d.pos.known()) d.pos = tc.pos;
  for (const auto& x : tc.expectations)
    if (auto f = check_one(x, program, run)) out.push_back(std::move(*f));
  return out;
}

}  // namespace df::wftest
