// spec.cpp — parser of workflow test files (see spec.hpp). The file structure (`use`,
// `test 'title' of wf(args) { ... }`) is read from the language's tokens; each statement
// is a call, handed to the language's parser so strings, escapes and `name => value`
// mean exactly what they mean in a workflow.
#include "spec.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "json_text.hpp"
#include "parse.hpp"
#include "suggest.hpp"

namespace df::wftest {

namespace {

using compiler::Diagnostic;
using compiler::Diagnostics;
using compiler::Token;
using compiler::TokenKind;
namespace ast = compiler::ast;

Diagnostic error_at(ir::SourcePos pos, std::string message) {
  Diagnostic d;
  d.severity = compiler::Severity::Error;
  d.pos = pos;
  d.message = std::move(message);
  return d;
}

// Byte offset of a 1-based line / code-point column in `s`.
std::size_t byte_offset(std::string_view s, ir::SourcePos pos) {
  std::size_t i = 0;
  for (std::uint32_t line = 1; line < pos.line && i < s.size(); ++i)
    if (s[i] == '\n') ++line;
  for (std::uint32_t col = 1; col < pos.column && i < s.size(); ++col) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

// Parses `text`, which starts at `pos` of the test file, as one call of the language;
// the padding keeps every position the parser reports a position in the test file.
std::optional<ast::Workflow> parse_call_text(std::string_view text, ir::SourcePos pos,
                                             Diagnostics* diags) {
  std::string padded(pos.line - 1, '\n');
  padded.append(pos.column - 1, ' ');
  padded.append(text);
  compiler::ParseResult r = compiler::parse(padded);
  bool failed = compiler::has_errors(r.diagnostics);
  for (auto& d : r.diagnostics)
    if (d.severity == compiler::Severity::Error) diags->push_back(std::move(d));
  if (failed || r.file.workflows.size() != 1 || !r.file.workflows[0].body) return std::nullopt;
  if (r.file.workflows[0].body->kind != ast::ExprKind::Call) {
    diags->push_back(error_at(pos, "expected a call such as stub('FROM t', rows('{}'))"));
    return std::nullopt;
  }
  return std::move(r.file.workflows[0]);
}

// A call's arguments, checked against what the statement accepts.
class Args {
 public:
  Args(const ast::Expr& call, Diagnostics* diags) : call_(call), diags_(diags) {
    for (const auto& a : call.args) {
      if (a.name) named_[*a.name] = &a;
      else positional_.push_back(&a);
    }
  }
  const ast::Expr& call() const { return call_; }
  std::size_t count() const { return positional_.size(); }
  const ast::Arg* at(std::size_t i) const { return i < positional_.size() ? positional_[i] : nullptr; }
  const ast::Arg* named(const std::string& n) const {
    auto it = named_.find(n);
    return it == named_.end() ? nullptr : it->second;
  }
  // Errors for named arguments outside `allowed` and for a wrong positional count.
  bool check(std::size_t min, std::size_t max, const std::vector<std::string>& allowed) {
    bool ok = true;
    for (const auto& [name, arg] : named_) {
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      fail(arg->pos, call_.callee + "() has no parameter named '" + name + "'" +
                         compiler::did_you_mean(name, allowed));
      ok = false;
    }
    if (positional_.size() < min || positional_.size() > max) {
      std::string want = min == max ? std::to_string(min)
                                    : max == SIZE_MAX ? "at least " + std::to_string(min)
                                                      : std::to_string(min) + " to " + std::to_string(max);
      fail(call_.pos, call_.callee + "() takes " + want + " positional argument" +
                          (max == 1 && min == 1 ? "" : "s") + ", got " + std::to_string(positional_.size()));
      ok = false;
    }
    return ok;
  }
  std::optional<std::string> string(const ast::Arg* a, const char* what) {
    if (!a) return std::nullopt;
    const ast::Expr& e = *a->value;
    if (e.kind == ast::ExprKind::Literal && e.literal.kind == ast::LiteralKind::String) return e.literal.value;
    fail(a->pos, std::string(what) + " must be a string literal");
    return std::nullopt;
  }
  std::optional<std::int64_t> integer(const ast::Arg* a, const char* what) {
    if (!a) return std::nullopt;
    const ast::Expr& e = *a->value;
    if (e.kind == ast::ExprKind::Literal && e.literal.kind == ast::LiteralKind::Number &&
        e.literal.value.find_first_of(".eE") == std::string::npos && e.literal.value.size() < 16) {
      std::int64_t v = std::stoll(e.literal.value);
      if (v >= 0) return v;
    }
    fail(a->pos, std::string(what) + " must be a non-negative whole number");
    return std::nullopt;
  }
  void fail(ir::SourcePos pos, std::string m) { diags_->push_back(error_at(pos, std::move(m))); }

 private:
  const ast::Expr& call_;
  Diagnostics* diags_;
  std::vector<const ast::Arg*> positional_;
  std::map<std::string, const ast::Arg*> named_;
};

// A JSON argument: must parse; returned compact.
std::optional<std::string> json_arg(Args& args, const ast::Arg* a, const char* what) {
  auto text = args.string(a, what);
  if (!text) return std::nullopt;
  rapidjson::Document doc;
  std::string why;
  if (!compiler::parse_json(*text, doc, &why)) {
    args.fail(a->pos, std::string(what) + " is not JSON: " + why);
    return std::nullopt;
  }
  return compiler::json_value_text(doc);
}

bool valid_sqlstate(const std::string& s) {
  return s.size() == 5 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
         });
}

const std::vector<std::string> kResponses = {"rows", "error", "http", "http_error"};

std::optional<Response> response(const ast::Arg& arg, Diagnostics* diags) {
  const ast::Expr& e = *arg.value;
  if (e.kind != ast::ExprKind::Call) {
    diags->push_back(error_at(arg.pos, "a stub answers with rows(...), error(...), http(...) or http_error(...)"));
    return std::nullopt;
  }
  Args a(e, diags);
  Response r;
  r.pos = e.pos;
  if (e.callee == "rows") {
    r.kind = Response::Kind::Rows;
    if (!a.check(0, SIZE_MAX, {})) return std::nullopt;
    for (std::size_t i = 0; i < a.count(); ++i) {
      auto text = a.string(a.at(i), "a row");
      if (!text) return std::nullopt;
      rapidjson::Document doc;
      if (!compiler::parse_json(*text, doc, nullptr) || !(doc.IsObject() || doc.IsArray())) {
        a.fail(a.at(i)->pos, "a row is a JSON object (or an array of objects), got '" + *text + "'");
        return std::nullopt;
      }
      if (doc.IsObject()) {
        r.rows.push_back(compiler::json_value_text(doc));
        continue;
      }
      for (const auto& v : doc.GetArray()) {
        if (!v.IsObject()) {
          a.fail(a.at(i)->pos, "a row is a JSON object");
          return std::nullopt;
        }
        r.rows.push_back(compiler::json_value_text(v));
      }
    }
  } else if (e.callee == "error") {
    r.kind = Response::Kind::Error;
    if (!a.check(2, 2, {"detail", "hint"})) return std::nullopt;
    auto state = a.string(a.at(0), "the SQLSTATE");
    auto message = a.string(a.at(1), "the error message");
    if (!state || !message) return std::nullopt;
    if (!valid_sqlstate(*state)) {
      a.fail(a.at(0)->pos, "'" + *state + "' is not a SQLSTATE (five digits or capital letters, e.g. '23505')");
      return std::nullopt;
    }
    r.sqlstate = *state;
    r.message = *message;
    if (auto d = a.string(a.named("detail"), "detail")) r.detail = *d;
    if (auto h = a.string(a.named("hint"), "hint")) r.hint = *h;
  } else if (e.callee == "http") {
    r.kind = Response::Kind::Http;
    if (!a.check(1, 2, {"headers"})) return std::nullopt;
    auto status = a.integer(a.at(0), "the HTTP status");
    if (!status) return std::nullopt;
    if (*status < 100 || *status > 599) {
      a.fail(a.at(0)->pos, "the HTTP status must be between 100 and 599");
      return std::nullopt;
    }
    r.http_status = static_cast<long>(*status);
    if (a.at(1)) {
      auto body = a.string(a.at(1), "the body");
      if (!body) return std::nullopt;
      r.body = *body;
    }
    if (const ast::Arg* h = a.named("headers")) {
      auto text = json_arg(a, h, "headers");
      if (!text) return std::nullopt;
      rapidjson::Document doc;
      compiler::parse_json(*text, doc, nullptr);
      if (!doc.IsObject()) {
        a.fail(h->pos, "headers is a JSON object of strings");
        return std::nullopt;
      }
      for (const auto& m : doc.GetObject()) {
        if (!m.value.IsString()) {
          a.fail(h->pos, "headers is a JSON object of strings");
          return std::nullopt;
        }
        r.headers.emplace_back(compiler::json_string_view(m.name), compiler::json_string_view(m.value));
      }
    }
  } else if (e.callee == "http_error") {
    r.kind = Response::Kind::HttpError;
    if (!a.check(1, 1, {})) return std::nullopt;
    auto message = a.string(a.at(0), "the error message");
    if (!message) return std::nullopt;
    r.message = *message;
  } else {
    diags->push_back(error_at(e.pos, "unknown response " + e.callee + "()" +
                                         compiler::did_you_mean(e.callee, kResponses) +
                                         "; a stub answers with rows(...), error(...), http(...) or http_error(...)"));
    return std::nullopt;
  }
  return r;
}

std::optional<Stub> stub_statement(const ast::Expr& call, Diagnostics* diags) {
  Args a(call, diags);
  if (!a.check(2, SIZE_MAX, {})) return std::nullopt;
  auto sel = a.string(a.at(0), "the step selector");
  if (!sel) return std::nullopt;
  Stub s;
  s.selector = Selector{*sel, a.at(0)->pos};
  for (std::size_t i = 1; i < a.count(); ++i) {
    auto r = response(*a.at(i), diags);
    if (!r) return std::nullopt;
    s.responses.push_back(std::move(*r));
  }
  return s;
}

std::optional<SignalSend> signal_statement(const ast::Expr& call, Diagnostics* diags) {
  Args a(call, diags);
  if (!a.check(1, 2, {"at"})) return std::nullopt;
  SignalSend s;
  s.pos = call.pos;
  auto name = a.string(a.at(0), "the signal name");
  if (!name) return std::nullopt;
  s.name = *name;
  if (a.at(1)) {
    auto payload = a.string(a.at(1), "the payload");
    if (!payload) return std::nullopt;
    s.payload = *payload;
  }
  if (const ast::Arg* at = a.named("at")) {
    auto v = a.integer(at, "at");
    if (!v) return std::nullopt;
    s.at_seconds = *v;
  }
  return s;
}

const std::vector<std::string> kStatuses = {"completed", "failed", "cancelled", "running"};

std::optional<Expectation> expect_statement(const ast::Expr& call, Diagnostics* diags) {
  using K = Expectation::Kind;
  Args a(call, diags);
  Expectation x;
  x.pos = call.pos;
  const std::string& c = call.callee;
  auto selector = [&](std::size_t i) -> std::optional<Selector> {
    auto text = a.string(a.at(i), "the step selector");
    if (!text) return std::nullopt;
    return Selector{*text, a.at(i)->pos};
  };
  if (c == "expect_status") {
    x.kind = K::Status;
    if (!a.check(1, 1, {})) return std::nullopt;
    auto s = a.string(a.at(0), "the status");
    if (!s) return std::nullopt;
    if (std::find(kStatuses.begin(), kStatuses.end(), *s) == kStatuses.end()) {
      a.fail(a.at(0)->pos, "unknown status '" + *s + "'" + compiler::did_you_mean(*s, kStatuses) +
                               ": expected completed, failed, cancelled or running");
      return std::nullopt;
    }
    x.text = *s;
  } else if (c == "expect_result") {
    x.kind = K::Result;
    if (!a.check(1, 1, {})) return std::nullopt;
    auto j = json_arg(a, a.at(0), "the expected result");
    if (!j) return std::nullopt;
    x.text = *j;
  } else if (c == "expect_error") {
    x.kind = K::Error;
    if (!a.check(1, 1, {})) return std::nullopt;
    auto s = a.string(a.at(0), "the expected error text");
    if (!s) return std::nullopt;
    x.text = *s;
  } else if (c == "expect_ran" || c == "expect_not_ran") {
    x.kind = c == "expect_ran" ? K::Ran : K::NotRan;
    if (!a.check(1, x.kind == K::Ran ? 2 : 1, x.kind == K::Ran ? std::vector<std::string>{"times"}
                                                                 : std::vector<std::string>{}))
      return std::nullopt;
    auto s = selector(0);
    if (!s) return std::nullopt;
    x.selectors.push_back(*s);
    const ast::Arg* times = a.at(1) ? a.at(1) : a.named("times");
    if (times) {
      x.count = a.integer(times, "the number of runs");
      if (!x.count) return std::nullopt;
    }
  } else if (c == "expect_path") {
    x.kind = K::Path;
    if (!a.check(1, SIZE_MAX, {})) return std::nullopt;
    for (std::size_t i = 0; i < a.count(); ++i) {
      auto s = selector(i);
      if (!s) return std::nullopt;
      x.selectors.push_back(*s);
    }
  } else if (c == "expect_step_result") {
    x.kind = K::StepResult;
    if (!a.check(2, 2, {})) return std::nullopt;
    auto s = selector(0);
    auto j = json_arg(a, a.at(1), "the expected step result");
    if (!s || !j) return std::nullopt;
    x.selectors.push_back(*s);
    x.text = *j;
  } else if (c == "expect_elapsed") {
    x.kind = K::Elapsed;
    if (!a.check(1, 1, {})) return std::nullopt;
    x.count = a.integer(a.at(0), "the elapsed virtual seconds");
    if (!x.count) return std::nullopt;
  } else {
    return std::nullopt;  // not an expectation (the caller reports it)
  }
  return x;
}

const std::vector<std::string> kStatements = {
    "stub", "signal", "run_for", "expect_status", "expect_result", "expect_error", "expect_ran",
    "expect_not_ran", "expect_path", "expect_step_result", "expect_elapsed"};

// Binds `of wf(a => 1, b => 'x')`: named literals only; values as the variable text.
void bind_args(const ast::Expr& call, TestCase* tc, Diagnostics* diags) {
  tc->workflow = call.callee;
  for (const auto& arg : call.args) {
    if (!arg.name) {
      diags->push_back(error_at(arg.pos, "workflow arguments are named: " + call.callee + "(name => value)"));
      continue;
    }
    const ast::Expr& v = *arg.value;
    if (v.kind != ast::ExprKind::Literal || v.literal.kind == ast::LiteralKind::Null) {
      diags->push_back(error_at(arg.pos, "the value of '" + *arg.name + "' must be a string, number or boolean literal"));
      continue;
    }
    tc->args[*arg.name] = v.literal.value;
    tc->arg_pos[*arg.name] = arg.pos;
  }
}

// Token-level reader of the file structure.
class Reader {
 public:
  Reader(std::string_view source, Diagnostics* diags) : src_(source), diags_(diags) {
    for (auto& t : compiler::lex(source))
      if (t.kind != TokenKind::LineComment && t.kind != TokenKind::BlockComment) toks_.push_back(std::move(t));
  }

  TestFile file() {
    TestFile f;
    if (is_word("use")) {
      ++i_;
      if (auto s = string_token("use needs the workflow file name as a string")) f.use = *s;
    }
    while (i_ < toks_.size() && diags_->empty()) {
      if (!is_word("test")) {
        fail(toks_[i_].pos, "expected `test 'title' { ... }`, found '" + toks_[i_].text + "'");
        break;
      }
      f.cases.push_back(test_case());
    }
    return f;
  }

 private:
  std::string_view src_;
  Diagnostics* diags_;
  std::vector<Token> toks_;
  std::size_t i_ = 0;

  bool is_word(const char* w) const {
    return i_ < toks_.size() && toks_[i_].kind == TokenKind::Ident && toks_[i_].text == w;
  }
  bool is(TokenKind k) const { return i_ < toks_.size() && toks_[i_].kind == k; }
  ir::SourcePos here() const {
    if (i_ < toks_.size()) return toks_[i_].pos;
    return toks_.empty() ? ir::SourcePos{1, 1} : toks_.back().pos;
  }
  void fail(ir::SourcePos pos, std::string m) { diags_->push_back(error_at(pos, std::move(m))); }

  std::optional<std::string> string_token(const std::string& why) {
    if (!is(TokenKind::String)) {
      fail(here(), why);
      return std::nullopt;
    }
    const Token& t = toks_[i_++];
    Diagnostics ignored;
    std::string padded(t.pos.line - 1, '\n');
    padded.append(t.pos.column - 1, ' ');
    padded += t.text;
    compiler::ParseResult r = compiler::parse(padded);
    for (auto& d : r.diagnostics) diags_->push_back(std::move(d));
    if (r.file.workflows.size() != 1 || !r.file.workflows[0].body) return std::nullopt;
    return r.file.workflows[0].body->literal.value;
  }

  // IDENT ( ... ) starting at the current token, parsed as a call.
  std::optional<ast::Workflow> call() {
    const std::size_t first = i_;
    if (!is(TokenKind::Ident) || i_ + 1 >= toks_.size() || toks_[i_ + 1].kind != TokenKind::LParen) {
      fail(here(), i_ < toks_.size() ? "expected a statement such as stub(...) or expect_status(...), found '" +
                                           toks_[i_].text + "'"
                                     : "unexpected end of file: a test ends with '}'");
      return std::nullopt;
    }
    int depth = 0;
    for (++i_; i_ < toks_.size(); ++i_) {
      if (toks_[i_].kind == TokenKind::LParen) ++depth;
      if (toks_[i_].kind == TokenKind::RParen && --depth == 0) break;
    }
    if (i_ == toks_.size()) {
      fail(toks_[first + 1].pos, "unclosed '(' of " + toks_[first].text + "(");
      return std::nullopt;
    }
    std::size_t from = byte_offset(src_, toks_[first].pos);
    std::size_t to = byte_offset(src_, toks_[i_].pos) + 1;
    ++i_;
    return parse_call_text(src_.substr(from, to - from), toks_[first].pos, diags_);
  }

  TestCase test_case() {
    TestCase tc;
    tc.pos = toks_[i_].pos;
    ++i_;
    if (auto title = string_token("test needs a title string: test 'what it checks' { ... }")) tc.title = *title;
    if (is_word("of")) {
      ++i_;
      if (auto wf = call()) bind_args(*wf->body, &tc, diags_);
    }
    if (!is(TokenKind::LBrace)) {
      fail(here(), "expected '{' to open the test body");
      return tc;
    }
    const ir::SourcePos open = here();
    ++i_;
    while (diags_->empty() && !is(TokenKind::RBrace)) {
      if (i_ >= toks_.size()) {
        fail(open, "unclosed '{' of test '" + tc.title + "'");
        break;
      }
      auto wf = call();
      if (!wf) break;
      statement(*wf->body, &tc);
    }
    if (is(TokenKind::RBrace)) ++i_;
    return tc;
  }

  void statement(const ast::Expr& c, TestCase* tc) {
    if (c.callee == "stub") {
      if (auto s = stub_statement(c, diags_)) tc->stubs.push_back(std::move(*s));
    } else if (c.callee == "signal") {
      if (auto s = signal_statement(c, diags_)) tc->signals.push_back(std::move(*s));
    } else if (c.callee == "run_for") {
      Args a(c, diags_);
      if (!a.check(1, 1, {})) return;
      if (tc->run_for_seconds) {
        fail(c.pos, "run_for() is given twice in test '" + tc->title + "'");
        return;
      }
      if (auto v = a.integer(a.at(0), "the virtual seconds to run")) tc->run_for_seconds = *v;
    } else if (auto x = expect_statement(c, diags_)) {
      tc->expectations.push_back(std::move(*x));
    } else if (diags_->empty()) {
      fail(c.pos, "unknown statement " + c.callee + "()" + compiler::did_you_mean(c.callee, kStatements));
    }
  }
};

// The argument list of a command-line statement, wrapped into a call and parsed.
std::optional<ast::Workflow> command_line_call(const char* name, std::string_view args, Diagnostics* diags) {
  std::string text = std::string(name) + "(" + std::string(args) + ")";
  return parse_call_text(text, ir::SourcePos{1, 1}, diags);
}

}  // namespace

SpecResult parse_spec(std::string_view source) {
  SpecResult r;
  Reader reader(source, &r.diagnostics);
  r.file = reader.file();
  if (r.diagnostics.empty() && r.file.cases.empty())
    r.diagnostics.push_back(error_at(ir::SourcePos{1, 1}, "the test file has no test: write test 'title' { ... }"));
  return r;
}

std::optional<Stub> parse_stub_args(std::string_view args, Diagnostics* diags) {
  auto wf = command_line_call("stub", args, diags);
  return wf ? stub_statement(*wf->body, diags) : std::nullopt;
}

std::optional<SignalSend> parse_signal_args(std::string_view args, Diagnostics* diags) {
  auto wf = command_line_call("signal", args, diags);
  return wf ? signal_statement(*wf->body, diags) : std::nullopt;
}

std::string workflow_path_for(const std::string& test_path, const std::string& use) {
  if (!use.empty()) {
    if (use[0] == '/') return use;
    auto slash = test_path.rfind('/');
    return slash == std::string::npos ? use : test_path.substr(0, slash + 1) + use;
  }
  auto dot = test_path.rfind('.');
  auto slash = test_path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return test_path + ".dfl";
  return test_path.substr(0, dot) + ".dfl";
}

}  // namespace df::wftest
