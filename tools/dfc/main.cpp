// dfc — the offline workflow compiler and linter for pg_durable's textual language.
//
// Workflows live in files in Git; dfc lints them in CI (gcc-style diagnostics), formats
// them, shows what they compile to (explain tree, DOT graph, wire JSON, VM program) and
// prints the SQL that deploys them. Everything here is a thin shell around
// compiler/compile.hpp, so dfc and df.compile() can never disagree.
//
// Exit codes: 0 clean, 1 findings (errors; warnings too with --strict; files fmt would
// change with --check), 2 usage or I/O error.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "compile.hpp"
#include "diff.hpp"
#include "dot.hpp"
#include "explain.hpp"
#include "format.hpp"
#include "json_text.hpp"
#include "lint.hpp"
#include "pg_query_checker.hpp"
#include <pg_query.h>  // PG_MAJORVERSION of the SQL grammar
#include "parse.hpp"
#include "program.hpp"
#include "suggest.hpp"
#include "check.hpp"
#include "suite.hpp"
#include "wire_json.hpp"

namespace {

using namespace df::compiler;

constexpr int kClean = 0;
constexpr int kFindings = 1;
constexpr int kUsage = 2;

const char* kHelp =
    "usage: dfc COMMAND [OPTIONS] FILE...\n"
    "\n"
    "Commands:\n"
    "  lint [--strict] [--format=json] FILE...  report errors and warnings (gcc style)\n"
    "  fmt [--check] [--width=N] FILE...        rewrite files in the canonical layout, lines\n"
    "                                           under N columns (default 100); --check only\n"
    "                                           reports files that would change\n"
    "  explain [--workflow NAME] FILE           the df.explain tree of each workflow\n"
    "  graph [--workflow NAME] [--format=dot|svg|png] FILE\n"
    "                                           the control flow of a workflow (Graphviz DOT;\n"
    "                                           svg/png rendered by Graphviz's dot)\n"
    "  json [--workflow NAME] FILE              wire JSON (as df.start accepts it); a file of\n"
    "                                           named workflows prints NAME<TAB>JSON lines\n"
    "  deploy-sql FILE                          SELECT df.deploy(name, source); per workflow\n"
    "  test [--junit=OUT.xml] [-v] FILE|DIR...  run workflow tests (*.dft) on the VM, offline:\n"
    "                                           stubbed steps, virtual time, chosen signals\n"
    "  run [--workflow NAME] [--param K=V]... [--stub ARGS]... [--signal ARGS]... FILE\n"
    "                                           one run of a workflow through the same engine;\n"
    "                                           ARGS as in a test file, e.g.\n"
    "                                           --stub \"'FROM invoices', rows('{\\\"n\\\": 1}')\"\n"
    "  diff OLD NEW                             what changed between two versions of a workflow\n"
    "                                           file (parameters, steps); exit 1 when changed\n"
    "  --disasm [--workflow NAME] FILE          the VM program of each workflow\n"
    "  --help, help [COMMAND], COMMAND --help   this text, or one command's\n"
    "  --version                                dfc's version\n"
    "\n"
    "Exit codes:\n"
    "  0  clean (warnings alone do not fail unless --strict)\n"
    "  1  findings: errors (or warnings with --strict), files fmt --check would change,\n"
    "     failed tests, or a run that did not complete\n"
    "  2  usage error or a file that cannot be read or written\n";

struct Options {
  std::string command;
  std::vector<std::string> files;
  std::string workflow;
  bool strict = false;
  bool json_format = false;
  bool check = false;
  bool verbose = false;
  std::string graph_format = "dot";  // graph: dot, svg or png
  std::size_t width = kDefaultFormatWidth;  // fmt
  std::string junit;                    // test: JUnit XML output path
  std::vector<std::string> stubs;       // run: stub(...) argument lists
  std::vector<std::string> signals;     // run: signal(...) argument lists
  std::vector<std::string> params;      // run: NAME=VALUE
};

int usage(const std::string& why) {
  std::cerr << "dfc: " << why << "\n" << kHelp;
  return kUsage;
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return !in.bad();
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

// Parses argv into Options; returns false (after printing) on a usage error.
bool parse_args(int argc, char** argv, Options* opt) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return false;
  opt->command = args[0];
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--strict") {
      opt->strict = true;
    } else if (a == "--format=json") {
      opt->json_format = true;
    } else if (a == "--format=dot" || a == "--format=svg" || a == "--format=png") {
      opt->graph_format = a.substr(9);
    } else if (a == "--format=gcc") {
      opt->json_format = false;
    } else if (a == "--check") {
      opt->check = true;
    } else if (a == "--workflow" && i + 1 < args.size()) {
      opt->workflow = args[++i];
    } else if ((a == "--stub" || a == "--signal" || a == "--param" || a == "--junit") && i + 1 < args.size()) {
      const std::string& v = args[++i];
      if (a == "--stub") opt->stubs.push_back(v);
      else if (a == "--signal") opt->signals.push_back(v);
      else if (a == "--param") opt->params.push_back(v);
      else opt->junit = v;
    } else if (a.rfind("--junit=", 0) == 0) {
      opt->junit = a.substr(8);
    } else if (a.rfind("--width=", 0) == 0 || (a == "--width" && i + 1 < args.size())) {
      const std::string v = a == "--width" ? args[++i] : a.substr(8);
      if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos || std::stoi(v) < 20) {
        std::cerr << "dfc: --width needs a number of columns from 20 to 9999, got '" << v << "'\n";
        return false;
      }
      opt->width = static_cast<std::size_t>(std::stoi(v));
    } else if (a == "-v" || a == "--verbose") {
      opt->verbose = true;
    } else if (a.rfind("--workflow=", 0) == 0) {
      opt->workflow = a.substr(11);
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "dfc: unknown option " << a << "\n";
      return false;
    } else {
      opt->files.push_back(a);
    }
  }
  return true;
}

// FILE arguments, with every file ending in `suffix` under a DIR argument (sorted, so
// output is stable). False (after printing) when an argument does not exist.
bool expand_paths(const std::vector<std::string>& args, const std::string& suffix,
                  std::vector<std::string>* out) {
  namespace fs = std::filesystem;
  for (const auto& a : args) {
    std::error_code ec;
    if (!fs::is_directory(a, ec)) {
      out->push_back(a);
      continue;
    }
    std::vector<std::string> found;
    for (fs::recursive_directory_iterator it(a, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string p = it->path().string();
      if (it->is_regular_file(ec) && p.size() > suffix.size() &&
          p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0)
        found.push_back(p);
    }
    if (ec) {
      std::cerr << "dfc: cannot read directory " << a << ": " << ec.message() << "\n";
      return false;
    }
    std::sort(found.begin(), found.end());
    out->insert(out->end(), found.begin(), found.end());
  }
  return true;
}

std::string diagnostics_json(const std::string& file, const Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags) {
    out += out.empty() ? "" : ",";
    out += "{\"file\":";
    append_json_string(out, file);
    out += ",\"line\":" + std::to_string(d.pos.line) + ",\"column\":" + std::to_string(d.pos.column);
    if (d.end.known())
      out += ",\"end_line\":" + std::to_string(d.end.line) + ",\"end_column\":" + std::to_string(d.end.column);
    out += ",\"severity\":\"" + std::string(severity_name(d.severity)) + "\",\"rule\":";
    append_json_string(out, d.rule);
    out += ",\"message\":";
    append_json_string(out, d.message);
    out += "}";
  }
  return out;
}

// gcc style with the rule id: "file:line:col: error: message [rule]".
std::string render_with_rule(Diagnostic d, const std::string& file, const std::string& source) {
  if (!d.rule.empty()) d.message += " [" + d.rule + "]";
  return render_gcc(d, file, source);
}

int cmd_lint(const Options& opt) {
  if (opt.files.empty()) return usage("lint needs at least one FILE or DIR");
  std::vector<std::string> files;
  if (!expand_paths(opt.files, ".dfl", &files)) return kUsage;
  if (files.empty()) {
    std::cerr << "dfc: no workflow files (*.dfl) found\n";
    return kUsage;
  }
  const SqlSyntaxChecker checker = dfc::pg_query_checker();
  int rc = kClean;
  std::string json;
  for (const auto& file : files) {
    std::string source;
    if (!read_file(file, &source)) {
      std::cerr << "dfc: cannot read " << file << "\n";
      return kUsage;
    }
    Diagnostics diags = lint_source(source, checker);
    for (auto& d : diags) {
      if (opt.strict) d.severity = Severity::Error;
      if (d.severity == Severity::Error) rc = kFindings;
      if (!opt.json_format) std::cout << render_with_rule(d, file, source);
    }
    std::string part = diagnostics_json(file, diags);
    if (!part.empty()) json += (json.empty() ? "" : ",") + part;
  }
  if (opt.json_format) std::cout << "[" << json << "]\n";
  return rc;
}

int cmd_fmt(const Options& opt) {
  if (opt.files.empty()) return usage("fmt needs at least one FILE");
  int rc = kClean;
  for (const auto& file : opt.files) {
    std::string source;
    if (!read_file(file, &source)) {
      std::cerr << "dfc: cannot read " << file << "\n";
      return kUsage;
    }
    Diagnostics diags;
    std::string formatted = format_source(source, &diags, opt.width);
    for (const auto& d : diags) std::cerr << render_gcc(d, file, source);
    if (has_errors(diags)) {
      rc = kFindings;
      continue;
    }
    if (formatted == source) continue;
    if (opt.check) {
      std::cout << "would reformat " << file << "\n";
      rc = kFindings;
    } else if (!write_file(file, formatted)) {
      std::cerr << "dfc: cannot write " << file << "\n";
      return kUsage;
    }
  }
  return rc;
}

// Reads and compiles the single FILE of explain/graph/json/--disasm; prints diagnostics
// to stderr. Returns kClean with *out filled, or the exit code to stop with.
int compile_single(const Options& opt, std::string* source, CompileResult* out) {
  if (opt.files.size() != 1) return usage(opt.command + " needs exactly one FILE");
  if (!read_file(opt.files[0], source)) {
    std::cerr << "dfc: cannot read " << opt.files[0] << "\n";
    return kUsage;
  }
  *out = compile(*source);
  for (const auto& d : out->diagnostics) std::cerr << render_gcc(d, opt.files[0], *source);
  if (has_errors(out->diagnostics)) return kFindings;
  if (opt.workflow.empty()) return kClean;
  for (auto& w : out->workflows) {
    if (w.name != opt.workflow) continue;
    CompiledWorkflow picked = std::move(w);
    out->workflows.clear();
    out->workflows.push_back(std::move(picked));
    return kClean;
  }
  std::cerr << "dfc: no workflow named '" << opt.workflow << "' in " << opt.files[0] << "\n";
  return kUsage;
}

// Prints `render(root)` per workflow, with a header line when the file names workflows.
template <typename Render>
int cmd_render(const Options& opt, Render render) {
  std::string source;
  CompileResult result;
  if (int rc = compile_single(opt, &source, &result); rc != kClean) return rc;
  bool first = true;
  for (const auto& w : result.workflows) {
    if (!w.name.empty() && result.workflows.size() > 1) {
      std::cout << (first ? "" : "\n") << "workflow " << w.name << ":\n";
    }
    first = false;
    std::string text = render(*w.root);
    std::cout << text << (text.empty() || text.back() != '\n' ? "\n" : "");
  }
  return kClean;
}

// `dfc graph`: DOT as is, or rendered by Graphviz (`dot -Tsvg|png`) to stdout.
int cmd_graph(const Options& opt) {
  std::string source;
  CompileResult result;
  if (int rc = compile_single(opt, &source, &result); rc != kClean) return rc;
  if (result.workflows.size() > 1 && opt.graph_format != "dot") {
    std::cerr << "dfc: " << opt.files[0] << " defines " << result.workflows.size()
              << " workflows: choose one with --workflow NAME to render it\n";
    return kUsage;
  }
  std::string text;
  for (const auto& w : result.workflows) {
    if (!w.name.empty() && result.workflows.size() > 1) text += "// workflow " + w.name + "\n";
    text += to_dot(*w.root);
  }
  if (opt.graph_format == "dot") {
    std::cout << text;
    return kClean;
  }
  std::cout.flush();
  const std::string command = "dot -T" + opt.graph_format;
  FILE* pipe = popen(command.c_str(), "w");
  if (pipe == nullptr) {
    std::cerr << "dfc: cannot run Graphviz's dot\n";
    return kUsage;
  }
  fwrite(text.data(), 1, text.size(), pipe);
  int status = pclose(pipe);
  if (status != 0) {
    std::cerr << "dfc: Graphviz's `dot` failed or is not installed (apt-get install graphviz); "
                 "--format=dot prints the graph without it\n";
    return kUsage;
  }
  return kClean;
}

int cmd_json(const Options& opt) {
  std::string source;
  CompileResult result;
  if (int rc = compile_single(opt, &source, &result); rc != kClean) return rc;
  for (const auto& w : result.workflows) {
    bool with_name = !w.name.empty() && opt.workflow.empty();
    std::cout << (with_name ? w.name + "\t" : "") << to_json(*w.root) << "\n";
  }
  return kClean;
}

// Byte offset of a 1-based line / code-point column.
size_t byte_offset(const std::string& s, df::ir::SourcePos pos) {
  size_t i = 0;
  for (std::uint32_t line = 1; line < pos.line && i < s.size(); ++i) {
    if (s[i] == '\n') ++line;
  }
  for (std::uint32_t col = 1; col < pos.column && i < s.size(); ++col) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

// A SQL string literal for any text: dollar quoting with a tag absent from the text, so
// neither quotes nor backslashes (standard_conforming_strings) need escaping.
std::string sql_literal(const std::string& text) {
  std::string tag = "$dfc$";
  for (int n = 1; text.find(tag) != std::string::npos; ++n) tag = "$dfc" + std::to_string(n) + "$";
  return tag + text + tag;
}

// The source slice of each named workflow: from `workflow` through its closing `}`.
std::vector<std::pair<std::string, std::string>> workflow_sources(const std::string& source) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<Token> toks = lex(source);
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].kind != TokenKind::Workflow || i + 1 >= toks.size()) continue;
    size_t j = i;
    while (j < toks.size() && toks[j].kind != TokenKind::RBrace) ++j;
    if (j == toks.size()) break;
    size_t from = byte_offset(source, toks[i].pos);
    size_t to = byte_offset(source, toks[j].pos) + 1;
    out.emplace_back(toks[i + 1].text, source.substr(from, to - from) + "\n");
    i = j;
  }
  return out;
}

int cmd_deploy_sql(const Options& opt) {
  std::string source;
  CompileResult result;
  if (int rc = compile_single(opt, &source, &result); rc != kClean) return rc;
  if (result.workflows.size() == 1 && result.workflows[0].name.empty()) {
    std::cerr << "dfc: " << opt.files[0]
              << ": deploy-sql needs named workflows (workflow name(...) { ... })\n";
    return kFindings;
  }
  for (const auto& [name, text] : workflow_sources(source)) {
    if (!opt.workflow.empty() && name != opt.workflow) continue;
    std::cout << "SELECT df.deploy('" << name << "', " << sql_literal(text) << ");\n";
  }
  return kClean;
}

int cmd_test(const Options& opt) {
  if (opt.files.empty()) return usage("test needs at least one FILE or DIR");
  std::vector<std::string> files;
  if (!expand_paths(opt.files, ".dft", &files)) return kUsage;
  if (files.empty()) {
    std::cerr << "dfc: no test files (*.dft) found\n";
    return kUsage;
  }
  std::vector<df::wftest::FileOutcome> outcomes;
  std::size_t passed = 0, failed = 0;
  for (const auto& file : files) {
    std::string test_source, workflow_source;
    if (!read_file(file, &test_source)) {
      std::cerr << "dfc: cannot read " << file << "\n";
      return kUsage;
    }
    const std::string workflow_path = df::wftest::workflow_file_of(file, test_source);
    if (!read_file(workflow_path, &workflow_source)) {
      std::cerr << "dfc: " << file << ": cannot read its workflow file " << workflow_path << "\n";
      return kUsage;
    }
    outcomes.push_back(df::wftest::run_test_file(file, test_source, workflow_path, workflow_source));
    std::cout << df::wftest::text_report(outcomes.back(), test_source, workflow_source, opt.verbose);
    failed += outcomes.back().failed();
    passed += outcomes.back().cases.size() + (outcomes.back().errors.empty() ? 0 : 1) - outcomes.back().failed();
  }
  std::cout << "dfc test: " << passed << " passed, " << failed << " failed\n";
  if (!opt.junit.empty() && !write_file(opt.junit, df::wftest::junit_report(outcomes))) {
    std::cerr << "dfc: cannot write " << opt.junit << "\n";
    return kUsage;
  }
  return failed ? kFindings : kClean;
}

// `--param NAME=VALUE` as a workflow argument (the value is the variable text).
bool parse_params(const std::vector<std::string>& given, df::wftest::TestCase* tc) {
  for (const auto& p : given) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "dfc: --param needs NAME=VALUE, got '" << p << "'\n";
      return false;
    }
    tc->args[p.substr(0, eq)] = p.substr(eq + 1);
    tc->arg_pos[p.substr(0, eq)] = df::ir::SourcePos{};
  }
  return true;
}

int cmd_run(const Options& opt) {
  std::string source;
  CompileResult result;
  Options all = opt;
  all.workflow.clear();  // pick_workflow below chooses, with "did you mean"
  if (int rc = compile_single(all, &source, &result); rc != kClean) return rc;
  df::wftest::TestCase tc;
  tc.workflow = opt.workflow;
  tc.pos = df::ir::SourcePos{1, 1};
  Diagnostics diags;
  for (const auto& s : opt.stubs)
    if (auto stub = df::wftest::parse_stub_args(s, &diags)) tc.stubs.push_back(std::move(*stub));
  for (const auto& s : opt.signals)
    if (auto sig = df::wftest::parse_signal_args(s, &diags)) tc.signals.push_back(std::move(*sig));
  for (const auto& d : diags) std::cerr << "dfc: --stub/--signal: " << d.message << " (column " << d.pos.column << ")\n";
  if (!diags.empty() || !parse_params(opt.params, &tc)) return kUsage;
  std::map<std::string, std::string> vars;
  const CompiledWorkflow* wf = df::wftest::pick_workflow(result, tc, &vars, &diags);
  for (const auto& d : diags) std::cerr << "dfc: " << d.message << "\n";
  if (!wf) return kUsage;
  df::vm::Program program = df::vm::lower(*wf->root);
  for (const auto& d : df::wftest::check_selectors(tc, program)) std::cerr << "dfc: warning: --stub " << d.message << "\n";
  df::wftest::RunResult run = df::wftest::run(program, df::wftest::RunInput{vars, tc.stubs, tc.signals, tc.run_for_seconds});
  for (const auto& line : run.log) std::cout << line << "\n";
  for (const auto& p : run.problems) std::cout << "problem: " << p.message << "\n";
  std::cout << "status: " << run.status << (run.waiting.empty() ? "" : " (waiting for " + run.waiting + ")") << "\n";
  if (!run.result.empty()) std::cout << (run.status == "failed" ? "error: " : "result: ") << run.result << "\n";
  std::cout << "virtual time: " << run.elapsed_ms / 1000 << "s\n";
  return run.status == "completed" && run.problems.empty() ? kClean : kFindings;
}

std::vector<ParamSpec> param_specs(const CompiledWorkflow& w) {
  std::vector<ParamSpec> out;
  for (const auto& p : w.params) out.push_back({p.name, p.type, p.default_literal});
  return out;
}

int cmd_diff(const Options& opt) {
  if (opt.files.size() != 2) return usage("diff needs OLD and NEW");
  std::string sources[2];
  CompileResult results[2];
  for (int i = 0; i < 2; ++i) {
    if (!read_file(opt.files[i], &sources[i])) {
      std::cerr << "dfc: cannot read " << opt.files[i] << "\n";
      return kUsage;
    }
    results[i] = compile(sources[i]);
    for (const auto& d : results[i].diagnostics)
      if (d.severity == Severity::Error) std::cerr << render_gcc(d, opt.files[i], sources[i]);
    if (has_errors(results[i].diagnostics)) return kFindings;
  }
  auto find = [](const CompileResult& r, const std::string& name) -> const CompiledWorkflow* {
    for (const auto& w : r.workflows)
      if (w.name == name) return &w;
    return nullptr;
  };
  bool changed = false;
  auto title = [](const std::string& name) { return name.empty() ? std::string("workflow") : "workflow " + name; };
  for (const auto& old_wf : results[0].workflows) {
    const CompiledWorkflow* new_wf = find(results[1], old_wf.name);
    if (!opt.workflow.empty() && old_wf.name != opt.workflow) continue;
    if (!new_wf) {
      std::cout << title(old_wf.name) << ": removed\n";
      changed = true;
      continue;
    }
    std::string text = describe_changes(*old_wf.root, param_specs(old_wf), *new_wf->root, param_specs(*new_wf));
    std::cout << title(old_wf.name) << (text.empty() ? ": unchanged\n" : ":\n" + text);
    changed = changed || !text.empty();
  }
  for (const auto& new_wf : results[1].workflows) {
    if ((!opt.workflow.empty() && new_wf.name != opt.workflow) || find(results[0], new_wf.name)) continue;
    std::cout << title(new_wf.name) << ": added\n";
    changed = true;
  }
  return changed ? kFindings : kClean;
}

}  // namespace

const std::vector<std::string> kCommands = {"lint", "fmt", "explain", "graph", "json", "deploy-sql",
                                             "test", "run", "diff", "--disasm"};

// The lines of kHelp that describe `command` (its entry and continuation lines), or "".
std::string command_help(const std::string& command) {
  std::istringstream in(kHelp);
  std::string line, out;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("  " + command + " ", 0) == 0 || line == "  " + command) {
      inside = true;
    } else if (inside && line.rfind("        ", 0) != 0) {
      break;
    }
    if (inside) out += line + "\n";
  }
  return out;
}

int main(int argc, char** argv) {
  Options opt;
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    if (args.size() > 1 && !command_help(args[1]).empty()) std::cout << "usage: dfc" << command_help(args[1]).substr(1);
    else std::cout << kHelp;
    return kClean;
  }
  if (!args.empty() && args[0] == "--version") {
    std::cout << "dfc " << DFC_VERSION << " (pg_durable workflow compiler; SQL grammar: PostgreSQL "
              << PG_MAJORVERSION << ")\n";
    return kClean;
  }
  if (args.size() >= 2 && std::find(args.begin() + 1, args.end(), "--help") != args.end()) {
    std::string help = command_help(args[0]);
    if (help.empty()) return usage("unknown command '" + args[0] + "'" + did_you_mean(args[0], kCommands));
    std::cout << "usage: dfc" << help.substr(1) << "\nExit codes: 0 clean, 1 findings, 2 usage or I/O error.\n";
    return kClean;
  }
  if (!parse_args(argc, argv, &opt)) return usage("missing or invalid arguments");
  try {
    if (opt.command == "lint") return cmd_lint(opt);
    if (opt.command == "fmt") return cmd_fmt(opt);
    if (opt.command == "json") return cmd_json(opt);
    if (opt.command == "deploy-sql") return cmd_deploy_sql(opt);
    if (opt.command == "test") return cmd_test(opt);
    if (opt.command == "run") return cmd_run(opt);
    if (opt.command == "diff") return cmd_diff(opt);
    if (opt.command == "explain") {
      return cmd_render(opt, [](const df::ir::Node& n) { return explain_tree(n); });
    }
    if (opt.command == "graph") return cmd_graph(opt);
    if (opt.command == "--disasm" || opt.command == "disasm") {
      return cmd_render(opt, [](const df::ir::Node& n) {
        return df::vm::disassemble(df::vm::lower(n));
      });
    }
  } catch (const std::exception& e) {
    std::cerr << "dfc: internal error: " << e.what() << "\n";
    return kUsage;
  }
  return usage("unknown command '" + opt.command + "'" + did_you_mean(opt.command, kCommands));
}
