// suite.cpp — test files end to end (see suite.hpp).
#include "suite.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "check.hpp"
#include "params.hpp"
#include "suggest.hpp"

namespace df::wftest {

namespace {

compiler::Diagnostic error_at(ir::SourcePos pos, std::string message) {
  compiler::Diagnostic d;
  d.pos = pos;
  d.message = std::move(message);
  return d;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += ' ';
        else out += c;
    }
  }
  return out;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", s);
  return buf;
}

std::string millis_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", s * 1000);
  return buf;
}

std::string position(const std::string& path, ir::SourcePos pos) {
  return path + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

}  // namespace

std::size_t FileOutcome::failed() const {
  std::size_t n = errors.empty() ? 0 : 1;
  for (const auto& c : cases) n += c.failures.empty() ? 0 : 1;
  return n;
}

const compiler::CompiledWorkflow* pick_workflow(const compiler::CompileResult& compiled, const TestCase& tc,
                                                std::map<std::string, std::string>* vars,
                                                compiler::Diagnostics* diags) {
  const compiler::CompiledWorkflow* wf = nullptr;
  std::vector<std::string> names;
  for (const auto& w : compiled.workflows) names.push_back(w.name);
  if (tc.workflow.empty()) {
    if (compiled.workflows.size() != 1) {
      diags->push_back(error_at(tc.pos, "the workflow file defines " + std::to_string(compiled.workflows.size()) +
                                            " workflows: say which one with test '...' of NAME(...)"));
      return nullptr;
    }
    wf = &compiled.workflows[0];
  } else {
    for (const auto& w : compiled.workflows)
      if (w.name == tc.workflow) wf = &w;
    if (!wf) {
      diags->push_back(error_at(tc.pos, "no workflow named '" + tc.workflow + "'" +
                                            compiler::did_you_mean(tc.workflow, names)));
      return nullptr;
    }
  }
  std::vector<std::string> params;
  for (const auto& p : wf->params) params.push_back(p.name);
  for (const auto& [name, value] : tc.args) {
    if (std::find(params.begin(), params.end(), name) == params.end())
      diags->push_back(error_at(tc.arg_pos.at(name), "workflow '" + wf->name + "' has no parameter '" + name + "'" +
                                                         compiler::did_you_mean(name, params)));
  }
  for (const auto& p : wf->params) {
    auto given = tc.args.find(p.name);
    if (given != tc.args.end()) (*vars)[p.name] = given->second;
    else if (p.default_literal) (*vars)[p.name] = compiler::default_variable_text(*p.default_literal);
    else diags->push_back(error_at(tc.pos, "parameter '" + p.name + "' of workflow '" + wf->name +
                                               "' has no default: give it, e.g. of " + wf->name + "(" + p.name + " => ...)"));
  }
  return diags->empty() ? wf : nullptr;
}

std::string workflow_file_of(const std::string& test_path, const std::string& test_source) {
  return workflow_path_for(test_path, parse_spec(test_source).file.use);
}

FileOutcome run_test_file(const std::string& test_path, const std::string& test_source,
                          const std::string& workflow_path, const std::string& workflow_source) {
  FileOutcome out;
  out.test_path = test_path;
  out.workflow_path = workflow_path;
  SpecResult spec = parse_spec(test_source);
  for (auto& d : spec.diagnostics) out.errors.push_back({test_path, std::move(d)});
  compiler::CompileResult compiled = compiler::compile(workflow_source);
  for (auto& d : compiled.diagnostics)
    if (d.severity == compiler::Severity::Error) out.errors.push_back({workflow_path, std::move(d)});
  if (!out.errors.empty()) return out;
  for (const auto& tc : spec.file.cases) {
    CaseOutcome c;
    c.title = tc.title;
    c.pos = tc.pos;
    std::map<std::string, std::string> vars;
    const compiler::CompiledWorkflow* wf = pick_workflow(compiled, tc, &vars, &c.failures);
    if (wf) {
      vm::Program program = vm::lower(*wf->root);
      c.failures = check_selectors(tc, program);
      if (c.failures.empty()) {
        const auto started = std::chrono::steady_clock::now();
        c.run = run(program, RunInput{vars, tc.stubs, tc.signals, tc.run_for_seconds});
        c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        c.failures = check_expectations(tc, program, c.run);
      }
    }
    out.cases.push_back(std::move(c));
  }
  return out;
}

std::string text_report(const FileOutcome& f, const std::string& test_source,
                        const std::string& workflow_source, bool verbose) {
  std::string out;
  for (const auto& e : f.errors)
    out += compiler::render_gcc(e.diag, e.path, e.path == f.test_path ? test_source : workflow_source);
  for (const auto& c : f.cases) {
    out += std::string(c.failures.empty() ? "PASS " : "FAIL ") + position(f.test_path, c.pos) + ": " + c.title +
           " (" + millis_text(c.seconds) + ", " + std::to_string(c.run.elapsed_ms / 1000) + "s virtual)\n";
    for (const auto& d : c.failures) out += compiler::render_gcc(d, f.test_path, test_source);
    if (verbose || !c.failures.empty())
      for (const auto& line : c.run.log) out += "    " + line + "\n";
  }
  return out;
}

std::string junit_report(const std::vector<FileOutcome>& files) {
  std::size_t tests = 0, failures = 0, errors = 0;
  std::string suites;
  for (const auto& f : files) {
    std::size_t t = f.cases.size() + (f.errors.empty() ? 0 : 1), fl = 0;
    double time = 0;
    std::string cases;
    if (!f.errors.empty()) {
      std::string body;
      for (const auto& e : f.errors) body += position(e.path, e.diag.pos) + ": error: " + e.diag.message + "\n";
      cases += "    <testcase classname=\"" + xml_escape(f.test_path) + "\" name=\"(test file)\" time=\"0\">\n"
               "      <error message=\"" + xml_escape(f.errors[0].diag.message) + "\">" + xml_escape(body) +
               "</error>\n    </testcase>\n";
      ++errors;
    }
    for (const auto& c : f.cases) {
      time += c.seconds;
      cases += "    <testcase classname=\"" + xml_escape(f.test_path) + "\" name=\"" + xml_escape(c.title) +
               "\" file=\"" + xml_escape(f.test_path) + "\" line=\"" + std::to_string(c.pos.line) +
               "\" time=\"" + seconds_text(c.seconds) + "\"";
      if (c.failures.empty()) {
        cases += "/>\n";
        continue;
      }
      ++fl;
      std::string body;
      for (const auto& d : c.failures) body += position(f.test_path, d.pos) + ": error: " + d.message + "\n";
      for (const auto& line : c.run.log) body += "    " + line + "\n";
      cases += ">\n      <failure message=\"" + xml_escape(c.failures[0].message) + "\">" + xml_escape(body) +
               "</failure>\n    </testcase>\n";
    }
    tests += t;
    failures += fl;
    suites += "  <testsuite name=\"" + xml_escape(f.test_path) + "\" tests=\"" + std::to_string(t) +
              "\" failures=\"" + std::to_string(fl) + "\" errors=\"" + std::to_string(f.errors.empty() ? 0 : 1) +
              "\" time=\"" + seconds_text(time) + "\">\n" + cases + "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"dfc test\" tests=\"" +
         std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
         std::to_string(errors) + "\">\n" + suites + "</testsuites>\n";
}

}  // namespace df::wftest
