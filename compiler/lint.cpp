// lint.cpp — SQL syntax, flow checks, rule ids and silencing (see lint.hpp).
#include "lint.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "args.hpp"
#include "failure.hpp"
#include "parse.hpp"
#include "references.hpp"
#include "sql_slots.hpp"
#include "suggest.hpp"
#include "text.hpp"

namespace df::compiler {

namespace {

using ir::NodeType;

Diagnostic make(Severity s, ir::SourcePos pos, std::string message, std::string rule) {
  Diagnostic d;
  d.severity = s;
  d.pos = pos;
  d.message = std::move(message);
  d.rule = std::move(rule);
  return d;
}

// ------------------------------------------------------------ source positions ----

// Maps byte offsets of a step's SQL text to positions in the workflow file, through the
// string literal the text came from ('..' with '' escapes, $tag$..$tag$ verbatim; E'..'
// escapes and texts that did not come from one literal map to the step's position).
class StepText {
 public:
  StepText(const std::vector<Token>& tokens, const ir::Node& node) : fallback_(node.pos) {
    if (!node.pos.known() || !node.query) return;
    for (const Token& t : tokens) {
      if (t.kind != TokenKind::String) continue;
      if (t.pos.line < node.pos.line || (t.pos.line == node.pos.line && t.pos.column < node.pos.column)) continue;
      if (decode(t) == *node.query) token_ = &t;
      return;  // only the first literal at or after the step can be its text
    }
  }

  ir::SourcePos at(std::size_t offset) const {
    if (!token_) return fallback_;
    const std::string& src = token_->text;
    std::size_t j = 0;
    if (src[0] == '\'') {
      j = 1;
      for (std::size_t d = 0; d < offset && j < src.size(); ++d) j += src[j] == '\'' ? 2 : 1;
    } else if (src[0] == '$') {
      j = src.find('$', 1) + 1 + offset;
    } else {
      return fallback_;
    }
    ir::SourcePos pos = token_->pos;
    for (std::size_t i = 0; i < j && i < src.size(); ++i) {
      if (src[i] == '\n') {
        ++pos.line;
        pos.column = 1;
      } else if ((static_cast<unsigned char>(src[i]) & 0xC0) != 0x80) {
        ++pos.column;
      }
    }
    return pos;
  }

 private:
  const Token* token_ = nullptr;
  ir::SourcePos fallback_;

  static std::string decode(const Token& t) {
    ParseResult r = parse(t.text);
    if (r.file.workflows.size() != 1 || !r.file.workflows[0].body) return {};
    return r.file.workflows[0].body->literal.value;
  }
};

// Byte offset of the 1-based character `cursor` in `text`.
std::size_t byte_of_char(std::string_view text, std::size_t cursor) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (++chars == cursor) return i;
  }
  return text.size();
}

template <typename Fn>
void for_each_node(const ir::Node& n, Fn&& fn) {
  fn(n);
  for (const auto& c : ir::children(n)) for_each_node(*c.child, fn);
}

// ------------------------------------------------------------------ flow checks ----

struct Producer {
  enum class Kind { Sql, Signal, Other } kind = Kind::Other;
  bool maybe_empty = false;  // Sql: the query may return no rows
  bool has_timeout = false;  // Signal: may time out (then data is null)
  std::string signal;
};

std::string lower_trimmed(const std::string& s) {
  const std::string out = to_lower(s);
  std::size_t b = out.find_first_not_of(" \t\r\n(");
  return b == std::string::npos ? "" : out.substr(b);
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// A guess, on the side of warning: DML without RETURNING never returns rows; a SELECT
// from a table may return none unless it only aggregates (without GROUP BY).
bool may_return_no_rows(const std::string& sql) {
  const std::string q = lower_trimmed(sql);
  if (starts_with(q, "insert") || starts_with(q, "update") || starts_with(q, "delete") || starts_with(q, "merge")) {
    return !(starts_with(q, "insert") && q.find("returning") != std::string::npos && q.find("values") != std::string::npos);
  }
  if (!(starts_with(q, "select") || starts_with(q, "with") || starts_with(q, "table"))) return false;
  if (q.find(" from ") == std::string::npos && !starts_with(q, "table")) return false;
  static const char* const kAggregates[] = {"count(", "sum(", "min(", "max(", "avg(", "bool_and(", "bool_or(",
                                            "array_agg(", "json_agg(", "jsonb_agg(", "string_agg(", "every("};
  const bool aggregates = std::any_of(std::begin(kAggregates), std::end(kAggregates),
                                      [&](const char* a) { return q.find(a) != std::string::npos; });
  return !aggregates || q.find("group by") != std::string::npos;
}

bool has_own_break(const ir::Node& n) {
  if (n.type == NodeType::Break) return true;
  if (n.type == NodeType::Loop) return false;
  for (const auto& c : ir::children(n))
    if (has_own_break(*c.child)) return true;
  return false;
}

bool stores(NodeType t) { return t != NodeType::Sleep && t != NodeType::WaitSchedule && t != NodeType::Break; }

// The flow rules walk every node of the tree through one recursion (FlowChecker::walk): a
// rule is written once, in check(), and fires on a step wherever it stands (inside a
// CATCH's step or handler, an UNDO's forward step or undo action, a RETRY, a TIMEOUT, a
// branch, a loop). Composites differ only in how results flow between their children.
class FlowChecker {
 public:
  FlowChecker(const std::vector<Token>& tokens, const CompiledWorkflow& wf, Diagnostics* out)
      : tokens_(tokens), wf_(wf), out_(out) {
    for_each_node(*wf.root, [&](const ir::Node& n) {
      if (n.result_name && stores(n.type)) bindable_.insert(*n.result_name);
      if (n.type == NodeType::Catch)
        if (auto a = decode_catch(n, nullptr)) bindable_.insert(a->error_name);
    });
  }

  void run() {
    std::map<std::string, Producer> scope;
    walk(*wf_.root, scope, {});
  }

 private:
  using Scope = std::map<std::string, Producer>;

  const std::vector<Token>& tokens_;
  const CompiledWorkflow& wf_;
  Diagnostics* out_;
  std::set<std::string> bindable_;
  int timeouts_around_ = 0;  // df.timeout nodes enclosing the node being walked

  void bind(const ir::Node& n, Scope& scope) {
    if (!n.result_name || !stores(n.type)) return;
    Producer p;
    if (n.type == NodeType::Sql) {
      p.kind = Producer::Kind::Sql;
      p.maybe_empty = may_return_no_rows(n.query.value_or(""));
    } else if (n.type == NodeType::Signal) {
      p.kind = Producer::Kind::Signal;
      if (auto s = decode_signal(n, nullptr)) {
        p.has_timeout = s->timeout_seconds.has_value();
        p.signal = s->name;
      }
    }
    scope[*n.result_name] = p;
  }

  // The children in the order they run: an IF's condition before its branches, else the
  // order of ir::children (left, right, condition, extras).
  static std::vector<const ir::Node*> run_order(const ir::Node& n) {
    std::vector<const ir::Node*> out;
    if (n.type == NodeType::If && n.condition) out.push_back(n.condition.get());
    for (const auto& c : ir::children(n))
      if (!(n.type == NodeType::If && c.child == n.condition.get())) out.push_back(c.child);
    return out;
  }

  // A child that may run without the others before it (a JOIN/RACE branch, an IF's
  // then/else, a CATCH's step, which may fail part-way, and its handler) starts from the
  // scope before them; a sequential one sees what the children before it bound.
  static bool is_branch(const ir::Node& n, const ir::Node* c) {
    switch (n.type) {
      case NodeType::Join: case NodeType::Race: case NodeType::Catch: return true;
      case NodeType::If: return c != n.condition.get();
      default: return false;  // THEN, LOOP, RETRY, TIMEOUT, UNDO (its undo sees the forward step's results)
    }
  }

  void walk(const ir::Node& n, Scope& scope, const std::set<std::string>& has_rows) {
    check(n, scope, has_rows);
    if (n.type == NodeType::Timeout) ++timeouts_around_;  // a wait inside a df.timeout cannot wait forever
    std::optional<Scope> base;  // the scope the branches start from
    Scope merged;
    for (const ir::Node* c : run_order(n)) {
      if (!is_branch(n, c)) {
        walk(*c, scope, has_rows);
        continue;
      }
      if (!base) base = scope;
      Scope branch = *base;
      std::set<std::string> rows = has_rows;
      if (n.type == NodeType::If && c == n.left.get() && !n.condition)
        if (auto r = decode_if_rows(n, nullptr)) rows.insert(r->result_name);
      if (n.type == NodeType::Catch && c == n.right.get())
        if (auto a = decode_catch(n, nullptr)) branch[a->error_name] = Producer{};
      walk(*c, branch, rows);
      for (auto& [k, v] : branch) merged[k] = v;
    }
    for (auto& [k, v] : merged) scope[k] = v;
    if (n.type == NodeType::Timeout) --timeouts_around_;
    bind(n, scope);
  }

  // Every flow rule, on one node; `scope` holds the results bound before it.
  void check(const ir::Node& n, const Scope& scope, const std::set<std::string>& has_rows) {
    if (n.type == NodeType::Loop && !n.condition && !has_own_break(*n.left))
      out_->push_back(make(Severity::Warning, n.pos,
                           "this loop has no way out: no while-condition and no df.break() in its body; it runs "
                           "until the iteration cap fails the instance",
                           "loop-no-exit"));
    if (n.type == NodeType::Signal) {
      auto s = decode_signal(n, nullptr);
      if (s && !s->timeout_seconds && timeouts_around_ == 0)
        out_->push_back(make(Severity::Warning, n.pos,
                             "df.wait_for_signal('" + s->name + "') has no timeout: the instance waits forever if the "
                             "signal never comes; add timeout_seconds => N",
                             "wait-no-timeout"));
      return;
    }
    if (n.type != NodeType::Sql && n.type != NodeType::Http && n.type != NodeType::HttpMultipart) return;
    if (!n.query) return;
    const StepText text(tokens_, n);
    for (const vm::Reference& p : vm::scan_references(*n.query, n.type == NodeType::Sql)) {
      if (p.kind != vm::Reference::Kind::Result) continue;
      const ir::SourcePos pos = text.at(p.begin);
      ir::SourcePos end = pos;
      end.column += static_cast<std::uint32_t>(p.end - p.begin);
      const std::string ref = n.query->substr(p.begin, p.end - p.begin);
      if (!bindable_.count(p.name)) {
        unbound(p, ref, pos, end, scope);
        continue;
      }
      auto it = scope.find(p.name);
      if (it == scope.end() || p.optional || p.row_set || has_rows.count(p.name) || n.type != NodeType::Sql) continue;
      const Producer& prod = it->second;
      std::string why;
      if (prod.kind == Producer::Kind::Sql && prod.maybe_empty)
        why = "fails the step when '" + p.name + "' returned no rows";
      else if (prod.kind == Producer::Kind::Signal && prod.has_timeout && p.field == "data")
        why = "fails the step after the signal '" + prod.signal + "' times out (data is null)";
      if (why.empty()) continue;
      Diagnostic d = make(Severity::Warning, pos, ref + " " + why + "; write " + ref + "? to get NULL instead",
                          "nullable-ref");
      d.end = end;
      out_->push_back(std::move(d));
    }
  }

  void unbound(const vm::Reference& p, const std::string& ref, ir::SourcePos pos, ir::SourcePos end,
               const std::map<std::string, Producer>& scope) {
    std::vector<std::string> names;
    for (const auto& [k, v] : scope) names.push_back(k);
    std::string hint;
    for (const auto& param : wf_.params)
      if (param.name == p.name) hint = "; parameters are written {" + p.name + "}";
    if (hint.empty()) {
      hint = did_you_mean(p.name, names);
      std::string list;
      for (const auto& k : names) list += (list.empty() ? "" : ", ") + k;
      hint += list.empty() ? "; no step before it names its result (|=> 'name')" : "; results in scope: " + list;
    }
    Diagnostic d = make(Severity::Error, pos,
                        ref + " names no step's result, so it is sent to PostgreSQL as written" + hint, "unbound-ref");
    d.end = end;
    out_->push_back(std::move(d));
  }
};

// ------------------------------------------------------------------ silencing ----

struct Silence {
  std::uint32_t line = 0;
  std::set<std::string> rules;  // empty: every rule
};

std::vector<Silence> silences(const std::vector<Token>& tokens) {
  std::vector<Silence> out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind != TokenKind::LineComment) continue;
    const std::size_t at = t.text.find("dfc:ignore");
    if (at == std::string::npos) continue;
    Silence s;
    const bool trailing = i > 0 && tokens[i - 1].end_line == t.pos.line && tokens[i - 1].kind != TokenKind::LineComment;
    s.line = trailing ? t.pos.line : t.pos.line + 1;
    std::string rest = t.text.substr(at + 10);
    rest = rest.substr(0, rest.find("--"));  // `-- dfc:ignore rule -- why` keeps the reason out
    std::string word;
    for (char c : rest + " ") {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
        word += c;
      } else if (!word.empty()) {
        s.rules.insert(word);
        word.clear();
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

bool silenced(const Diagnostic& d, const std::vector<Silence>& all) {
  if (d.rule == "syntax") return false;
  for (const auto& s : all)
    if (s.line == d.pos.line && (s.rules.empty() || s.rules.count(d.rule))) return true;
  return false;
}

// The end of the token a diagnostic points at, when it is on one line.
void fill_end(Diagnostic& d, const std::vector<Token>& tokens) {
  if (d.end.known() || !d.pos.known()) return;
  for (const Token& t : tokens) {
    if (t.pos.line != d.pos.line || t.pos.column != d.pos.column || t.end_line != t.pos.line) continue;
    std::uint32_t w = 0;
    for (unsigned char c : t.text) w += (c & 0xC0) != 0x80 ? 1 : 0;
    d.end = ir::SourcePos{t.pos.line, t.pos.column + w};
    return;
  }
}

}  // namespace

namespace {

// The stand-in for a `{var}` reference. Its value is text inserted as written (a name, a
// number, a keyword such as ASC, a whole clause), so the check tries an identifier, then a
// number, then nothing, before it reports an error at the reference.
enum class VarStandIn { Identifier, Literal, Empty };

struct ParserText {
  std::string text;
  std::vector<vm::Reference> variables;       // in text order, as `choice` indexes them
  // References substitution would refuse where they stand: (byte offset, message).
  std::vector<std::pair<std::size_t, std::string>> placement_errors;
};

// See sql_for_parser(): variables per `choice`, results by vm::sql::place, the function
// SQL-mode substitution writes values with, so the parser sees the statement's structure.
ParserText parser_text(std::string_view sql, const std::vector<VarStandIn>& choice) {
  ParserText pt;
  pt.text = std::string(sql);
  const std::vector<vm::Reference> refs = vm::scan_references(sql, true);
  for (const vm::Reference& r : refs) {  // variables first, as substitution does
    if (r.kind != vm::Reference::Kind::Variable) continue;
    const std::size_t n = r.end - r.begin, k = pt.variables.size();
    const VarStandIn c = k < choice.size() ? choice[k] : VarStandIn::Identifier;
    pt.text.replace(r.begin, n, c == VarStandIn::Identifier ? "v" + std::string(n - 1, '_')
                                : c == VarStandIn::Literal  ? "0" + std::string(n - 1, ' ')
                                                            : std::string(n, ' '));
    pt.variables.push_back(r);
  }
  const std::vector<vm::sql::Span> spans = vm::sql::scan(pt.text);
  std::size_t cursor = 0;
  for (const vm::Reference& r : refs) {
    if (r.kind != vm::Reference::Kind::Result) continue;
    const std::size_t n = r.end - r.begin;
    vm::sql::Value v{vm::sql::Value::Kind::Number, "0"};
    if (r.row_set) v = vm::sql::Value{vm::sql::Value::Kind::RowSet, "v" + std::string(n - 1, '_')};
    const std::string_view text = pt.text;
    std::string stand_in;
    try {
      stand_in = vm::sql::place(v, vm::sql::region_at(spans, r.begin, &cursor), text.substr(0, r.begin),
                                text.substr(r.end), text.substr(r.begin, n));
    } catch (const vm::sql::PlacementError& e) {
      pt.placement_errors.emplace_back(r.begin, e.message);
      stand_in = std::string(n, ' ');
    }
    if (stand_in.size() > n) stand_in = (r.row_set ? "v" : "0") + std::string(n - 1, r.row_set ? '_' : ' ');
    stand_in.resize(n, ' ');  // same length: parser positions stay positions in the step
    pt.text.replace(r.begin, n, stand_in);
  }
  return pt;
}

// The `{var}` (index into pt.variables) a parser error at byte `at` falls on: on its
// stand-in, or on the first token after an empty one.
std::optional<std::size_t> variable_at(const ParserText& pt, std::size_t at) {
  for (std::size_t k = 0; k < pt.variables.size(); ++k) {
    const vm::Reference& r = pt.variables[k];
    std::size_t to = r.end;
    while (to < pt.text.size() && std::isspace(static_cast<unsigned char>(pt.text[to]))) ++to;
    if (at >= r.begin && at <= to) return k;
  }
  return std::nullopt;
}

}  // namespace

std::string sql_for_parser(std::string_view sql) { return parser_text(sql, {}).text; }

Diagnostics check_sql_syntax(std::string_view source, const CompileResult& compiled, const SqlSyntaxChecker& checker) {
  Diagnostics out;
  if (!checker) return out;
  const std::vector<Token> tokens = lex(source);
  for (const auto& wf : compiled.workflows) {
    if (!wf.root) continue;
    for_each_node(*wf.root, [&](const ir::Node& n) {
      if (n.type != NodeType::Sql || !n.query || n.query->find_first_not_of(" \t\r\n") == std::string::npos) return;
      const StepText step(tokens, n);
      std::vector<VarStandIn> choice;
      ParserText pt = parser_text(*n.query, choice);
      for (const auto& [at, message] : pt.placement_errors)
        out.push_back(make(Severity::Error, step.at(at), message + " (the step would fail)", "sql-placement"));
      choice.assign(pt.variables.size(), VarStandIn::Identifier);
      while (true) {  // each round moves one {var} to its next stand-in: at most 2 per {var}
        auto err = checker(pt.text);
        if (!err) return;
        const std::size_t at = err->cursor ? byte_of_char(pt.text, err->cursor) : std::string::npos;
        const auto k = at == std::string::npos ? std::nullopt : variable_at(pt, at);
        if (!k) {
          out.push_back(make(Severity::Error, err->cursor ? step.at(at) : n.pos, "SQL does not parse: " + err->message,
                             "sql-syntax"));
          return;
        }
        if (choice[*k] == VarStandIn::Empty) return;  // no stand-in fits: the value decides, not the template
        choice[*k] = static_cast<VarStandIn>(static_cast<int>(choice[*k]) + 1);
        pt = parser_text(*n.query, choice);
      }
    });
  }
  return out;
}

Diagnostics check_flow(std::string_view source, const CompileResult& compiled) {
  Diagnostics out;
  const std::vector<Token> tokens = lex(source);
  for (const auto& wf : compiled.workflows)
    if (wf.root) FlowChecker(tokens, wf, &out).run();
  return out;
}

std::string rule_for(const Diagnostic& d) {
  const std::string& m = d.message;
  auto has = [&](const char* s) { return m.find(s) != std::string::npos; };
  if (has("syntax error") || starts_with(m, "unterminated") || has("invalid UTF-8") || starts_with(m, "empty workflow"))
    return "syntax";
  if (has("groups as") || has("loops only")) return "grouping";
  if (has("is never referenced")) return "unused-param";
  if (has("is not a parameter")) return "unknown-variable";
  if (has("unreachable")) return "unreachable";
  if (has("not bound on every path")) return "maybe-unbound";
  if (has("not inside any loop")) return "break-outside-loop";
  if (starts_with(m, "unknown function")) return "unknown-function";
  return d.severity == Severity::Error ? "invalid" : "warning";
}

Diagnostics lint_source(std::string_view source, const SqlSyntaxChecker& checker) {
  CompileResult compiled = compile(source);
  Diagnostics all = compiled.diagnostics;
  for (auto& d : all)
    if (d.rule.empty()) d.rule = rule_for(d);
  const bool syntax_ok = std::none_of(all.begin(), all.end(), [](const Diagnostic& d) { return d.rule == "syntax"; });
  if (syntax_ok) {  // a broken file has no trustworthy tree: report its syntax alone
    Diagnostics flow = check_flow(source, compiled);
    Diagnostics sql = check_sql_syntax(source, compiled, checker);
    all.insert(all.end(), flow.begin(), flow.end());
    all.insert(all.end(), sql.begin(), sql.end());
  }
  const std::vector<Token> tokens = lex(source);
  const std::vector<Silence> quiet = silences(tokens);
  Diagnostics out;
  for (auto& d : all) {
    if (silenced(d, quiet)) continue;
    fill_end(d, tokens);
    out.push_back(std::move(d));
  }
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.pos.line != b.pos.line ? a.pos.line < b.pos.line : a.pos.column < b.pos.column;
  });
  return out;
}

}  // namespace df::compiler
