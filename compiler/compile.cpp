// compile.cpp — parse + lower + validate for the textual language (see compile.hpp).
// Each workflow is lowered independently so that one broken workflow does not hide the
// findings of the others; diagnostics come out sorted by position.
#include "compile.hpp"

#include <algorithm>
#include <map>

#include "lower.hpp"
#include "parse.hpp"
#include "validate.hpp"

namespace df::compiler {
namespace {

// Graph validation (the rules df.start applies). Errors carry df.start's exact text;
// nodes that came from a JSON string literal have no position, so they get the workflow's.
void validate_into(const ir::Node& root, ir::SourcePos fallback, Diagnostics* diags) {
  for (Diagnostic d : validate(root)) {
    if (d.severity == Severity::Error) d.message = graph_error_text(d);
    if (!d.pos.known()) d.pos = fallback;
    diags->push_back(std::move(d));
  }
}

CompiledWorkflow compile_one(const ast::Workflow& w, Diagnostics* diags) {
  CompiledWorkflow out;
  out.name = w.name;
  out.pos = w.pos;
  for (const auto& p : w.params) {
    Param param{p.name, p.type, std::nullopt, p.pos};
    if (p.default_value) param.default_literal = p.default_source;
    out.params.push_back(std::move(param));
  }
  size_t errors_before = diags->size();
  check_params(w, diags);
  ir::NodePtr root = w.body ? lower_body(*w.body, diags) : nullptr;
  if (!root) return out;
  check_variables(w, *root, diags);
  validate_into(*root, w.pos, diags);
  if (!has_errors(Diagnostics(diags->begin() + static_cast<long>(errors_before), diags->end()))) {
    out.root = std::move(root);
  }
  return out;
}

void check_duplicate_names(const ast::File& file, Diagnostics* diags) {
  std::map<std::string, ir::SourcePos> first;
  for (const auto& w : file.workflows) {
    if (w.name.empty()) continue;
    auto [it, inserted] = first.emplace(w.name, w.pos);
    if (!inserted) {
      diags->push_back({Severity::Error, w.pos,
                        "duplicate workflow '" + w.name + "' (first defined at line " +
                            std::to_string(it->second.line) + ")"});
    }
  }
}

}  // namespace

CompileResult compile(std::string_view source, const CompileOptions& options) {
  CompileResult result;
  ParseResult parsed = parse(source, options.check_interrupts);
  result.diagnostics = std::move(parsed.diagnostics);
  check_duplicate_names(parsed.file, &result.diagnostics);
  for (const auto& w : parsed.file.workflows) {
    if (options.check_interrupts) options.check_interrupts();
    result.workflows.push_back(compile_one(w, &result.diagnostics));
  }
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.pos.line != b.pos.line) return a.pos.line < b.pos.line;
                     return a.pos.column < b.pos.column;
                   });
  return result;
}

}  // namespace df::compiler
