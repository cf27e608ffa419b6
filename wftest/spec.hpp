// spec.hpp — the model and parser of workflow test files (`*.dft`, run by `dfc test`).
//
// A test file sits beside the workflow file it tests (x.dft tests x.dfl unless it says
// `use 'other.dfl'`) and is written in the workflow language's own lexical rules (the
// same strings, comments, numbers and `name => value` arguments):
//
//     use 'invoice.dfl'                         -- optional; default: this file's .dfl
//     test 'approval times out' of approve_invoice(invoice_id => 42) {
//       stub('FROM invoices', rows('{"id": 42, "amount": 900}'))
//       stub('INSERT INTO payments', error('23505', 'duplicate key value'))
//       signal('approval', '{"approved": true}', at => 60)
//       expect_status('completed')
//       expect_ran('reminder', 1)
//     }
//
// `run_for(seconds)` stops the run at that virtual second (the status is then 'running'
// unless the workflow ended before), so an endless loop can be tested for a few rounds.
//
// `of NAME(args)` picks the workflow of a file of named workflows and binds its
// parameters (omitted: the file's only workflow, with its defaults). Each statement of a
// test is one call, parsed by the language's own parser (compiler/parse.hpp); its meaning
// is decided here, so every mistake is reported at its line:column.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostic.hpp"
#include "ir.hpp"

namespace df::wftest {

// What a stubbed step answers. Each maps to exactly the event the real executor sends.
struct Response {
  enum class Kind { Rows, Error, Http, HttpError };
  Kind kind = Kind::Rows;
  std::vector<std::string> rows;  // Rows: compact JSON objects, one per row
  std::string sqlstate;           // Error: five characters
  std::string message;            // Error, HttpError
  std::string detail, hint;       // Error: optional
  long http_status = 200;         // Http
  std::string body;               // Http: raw body
  std::vector<std::pair<std::string, std::string>> headers;  // Http
  ir::SourcePos pos;
};

// Which steps a statement means: a step matches when `text` equals its result name or
// occurs in its SQL (template or as executed) or its HTTP config.
struct Selector {
  std::string text;
  ir::SourcePos pos;
};

struct Stub {
  Selector selector;
  std::vector<Response> responses;  // the n-th call gets the n-th; the last one repeats
};

struct SignalSend {
  std::string name;
  std::string payload = "{}";
  // Virtual seconds after the start; nullopt: as soon as the workflow waits for it.
  std::optional<std::int64_t> at_seconds;
  ir::SourcePos pos;
};

struct Expectation {
  enum class Kind { Status, Result, Error, Ran, NotRan, Path, StepResult, Elapsed };
  Kind kind = Kind::Status;
  std::string text;                  // Status: status name; Result/StepResult: JSON; Error: fragment
  std::vector<Selector> selectors;   // Ran/NotRan/StepResult: one; Path: in order
  std::optional<std::int64_t> count;  // Ran: exact number of runs (nullopt: at least one); Elapsed: seconds
  ir::SourcePos pos;
};

struct TestCase {
  std::string title;
  std::string workflow;                           // "" = the file's only workflow
  std::map<std::string, std::string> args;        // parameter -> variable text
  std::map<std::string, ir::SourcePos> arg_pos;
  std::vector<Stub> stubs;
  std::vector<SignalSend> signals;
  std::vector<Expectation> expectations;
  // run_for(seconds): the run stops at this virtual second (an endless loop, a workflow
  // that waits longer than the test cares about); nullopt: until nothing can happen.
  std::optional<std::int64_t> run_for_seconds;
  ir::SourcePos pos;
};

struct TestFile {
  std::string use;  // workflow file named by `use`, "" when not given
  std::vector<TestCase> cases;
};

struct SpecResult {
  TestFile file;
  compiler::Diagnostics diagnostics;  // errors in the test file itself
};

SpecResult parse_spec(std::string_view source);

// One statement given on the command line (`dfc run --stub "'FROM x', rows('{}')"`):
// the text is the argument list of stub(...) / signal(...). Diagnostics go to *diags.
std::optional<Stub> parse_stub_args(std::string_view args, compiler::Diagnostics* diags);
std::optional<SignalSend> parse_signal_args(std::string_view args, compiler::Diagnostics* diags);

// x/y.dft -> x/y.dfl, or the `use` path relative to the test file's directory.
std::string workflow_path_for(const std::string& test_path, const std::string& use);

}  // namespace df::wftest
