// suite.hpp — runs a whole test file against its workflow file and reports the outcome as
// text (gcc-style failure positions) or JUnit XML. Everything `dfc test` does except
// reading files and choosing the exit code.
#pragma once
#include "no_postgres.hpp"

#include <map>
#include <string>
#include <vector>

#include "compile.hpp"
#include "diagnostic.hpp"
#include "runner.hpp"
#include "spec.hpp"

namespace df::wftest {

// A diagnostic in a named file (the test file or the workflow file).
struct FileDiagnostic {
  std::string path;
  compiler::Diagnostic diag;
};

struct CaseOutcome {
  std::string title;
  ir::SourcePos pos;
  compiler::Diagnostics failures;  // positions in the test file; empty = passed
  double seconds = 0;              // real time of the run
  RunResult run;
};

struct FileOutcome {
  std::string test_path;
  std::string workflow_path;
  std::vector<FileDiagnostic> errors;  // the file could not be run at all
  std::vector<CaseOutcome> cases;
  std::size_t failed() const;
};

// Finds the workflow a case names ("" = the only one) and binds its arguments (given
// values as variables, defaults for the rest). Problems go to *diags at the case.
const compiler::CompiledWorkflow* pick_workflow(const compiler::CompileResult& compiled, const TestCase& tc,
                                                std::map<std::string, std::string>* vars,
                                                compiler::Diagnostics* diags);

// The workflow file a test file runs against (its `use`, else x.dft -> x.dfl).
std::string workflow_file_of(const std::string& test_path, const std::string& test_source);

// Parses `test_source`, compiles `workflow_source` and runs every case.
FileOutcome run_test_file(const std::string& test_path, const std::string& test_source,
                          const std::string& workflow_path, const std::string& workflow_source);

// PASS/FAIL lines, gcc-style failures with the source line, and (verbose) the run log.
std::string text_report(const FileOutcome& f, const std::string& test_source,
                        const std::string& workflow_source, bool verbose);

std::string junit_report(const std::vector<FileOutcome>& files);

}  // namespace df::wftest
