// lower.cpp — typed AST -> IR through the shared node builders (see lower.hpp).
//
// Argument binding follows PostgreSQL's rules for the df.* signatures of docs/reference.md
// §3.1: positional arguments first, then `name => value`; defaults fill the rest. Where
// PostgreSQL would return NULL (a NULL argument of a STRICT function or of an operator),
// the workflow could never start, so that is an error here. Literal types follow SQL:
// a quoted literal is `unknown` and converts to the parameter's type, a bare number is
// an integer or numeric and never becomes text.
#include "lower.hpp"
#include "suggest.hpp"

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <limits>
#include <set>

#include "args.hpp"
#include "failure.hpp"
#include "json_text.hpp"
#include "wire_json.hpp"

namespace df::compiler {
namespace {

using ast::Expr;
using ast::ExprKind;
using ast::LiteralKind;

enum class ArgKind { Node, Text, Int, BigInt, Jsonb, Duration };

struct ParamSpec {
  const char* name;
  ArgKind kind;
  bool has_default;  // default NULL unless default_text says otherwise
  const char* default_text = nullptr;
};

struct FunctionSpec {
  const char* name;
  bool strict;
  std::vector<ParamSpec> params;
};

const std::vector<FunctionSpec>& functions() {
  static const std::vector<FunctionSpec> specs = {
      {"sql", true, {{"query", ArgKind::Text, false}}},
      {"seq", true, {{"a", ArgKind::Node, false}, {"b", ArgKind::Node, false}}},
      {"as", true, {{"fut", ArgKind::Node, false}, {"name", ArgKind::Text, false}}},
      {"join", true, {{"a", ArgKind::Node, false}, {"b", ArgKind::Node, false}}},
      {"join3", true,
       {{"a", ArgKind::Node, false}, {"b", ArgKind::Node, false}, {"c", ArgKind::Node, false}}},
      {"race", true, {{"a", ArgKind::Node, false}, {"b", ArgKind::Node, false}}},
      {"if", true,
       {{"condition", ArgKind::Node, false},
        {"then_branch", ArgKind::Node, false},
        {"else_branch", ArgKind::Node, false}}},
      {"if_rows", true,
       {{"result_name", ArgKind::Text, false},
        {"then_branch", ArgKind::Node, false},
        {"else_branch", ArgKind::Node, false}}},
      {"loop", false, {{"body", ArgKind::Node, false}, {"condition", ArgKind::Node, true}}},
      {"break", false, {{"value", ArgKind::Text, true}}},
      {"sleep", true, {{"seconds", ArgKind::BigInt, false}}},
      {"wait_for_schedule", true, {{"cron_expr", ArgKind::Text, false}}},
      {"wait_for_signal", false,
       {{"name", ArgKind::Text, false}, {"timeout_seconds", ArgKind::Int, true}}},
      {"http", false,
       {{"url", ArgKind::Text, false},
        {"method", ArgKind::Text, true, "POST"},
        {"body", ArgKind::Text, true},
        {"headers", ArgKind::Jsonb, true},
        {"timeout_seconds", ArgKind::Int, true, "30"}}},
      {"http_multipart", false,
       {{"url", ArgKind::Text, false},
        {"method", ArgKind::Text, true, "POST"},
        {"parts", ArgKind::Jsonb, true},
        {"headers", ArgKind::Jsonb, true},
        {"timeout_seconds", ArgKind::Int, true, "30"}}},
      // Failure handling (failure.hpp).
      {"retry", true,
       {{"step", ArgKind::Node, false},
        {"max_attempts", ArgKind::Int, true, "3"},
        {"backoff", ArgKind::Duration, true, "1 second"},
        {"max_backoff", ArgKind::Duration, true, "1 minute"}}},
      // try { step } catch (name) { handler } lowers to this call too (parse.cpp).
      {"catch", true,
       {{"step", ArgKind::Node, false},
        {"handler", ArgKind::Node, false},
        {"error_name", ArgKind::Text, true, "error"}}},
      // `forward <-> undo` lowers to this call too (parse.cpp).
      {"with_undo", true, {{"forward", ArgKind::Node, false}, {"undo", ArgKind::Node, false}}},
  };
  return specs;
}

const FunctionSpec* find_function(const std::string& name) {
  for (const auto& f : functions()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

// One bound argument value: a node, a scalar text (NULL = nullopt), or "failed".
struct Value {
  bool ok = true;
  ir::NodePtr node;
  std::optional<std::string> text;
};

class Lowerer {
 public:
  explicit Lowerer(Diagnostics* diags) : diags_(diags) {}
  ir::NodePtr node(const Expr& e);

 private:
  ir::NodePtr literal_node(const Expr& e);
  ir::NodePtr binary(const Expr& e);
  ir::NodePtr call(const Expr& e);
  ir::NodePtr build(const FunctionSpec& f, std::vector<Value>& v);
  bool bind(const Expr& e, const FunctionSpec& f, std::vector<const Expr*>* bound);
  Value value(const Expr* e, const FunctionSpec& f, const ParamSpec& p);
  std::optional<std::string> scalar(const Expr& e, const std::string& what, ArgKind kind, bool* ok);
  bool check_casts(const Expr& e, const std::string& what, ArgKind kind);

  // Runs a builder; a CompileError becomes a diagnostic at `pos`.
  ir::NodePtr guarded(ir::SourcePos pos, const std::function<ir::NodePtr()>& build_fn) {
    try {
      ir::NodePtr n = build_fn();
      if (n && !n->pos.known()) n->pos = pos;
      return n;
    } catch (const CompileError& err) {
      error(pos, err.what());
      return nullptr;
    }
  }
  void error(ir::SourcePos pos, std::string message) {
    diags_->push_back({Severity::Error, pos, std::move(message)});
  }

  Diagnostics* diags_;
};

ir::NodePtr Lowerer::node(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Error:  // already reported; still look inside for more errors
      for (const auto& a : e.args) node(*a.value);
      return nullptr;
    case ExprKind::Literal: return literal_node(e);
    case ExprKind::Call: return call(e);
    case ExprKind::Binary: return binary(e);
    case ExprKind::Ternary: {
      ir::NodePtr c = node(*e.lhs), t = node(*e.rhs), f = node(*e.third);
      if (!c || !t || !f) return nullptr;
      return guarded(e.pos, [&] { return make_if(std::move(c), std::move(t), std::move(f)); });
    }
    case ExprKind::Loop: {
      ir::NodePtr body = node(*e.lhs);
      if (!body) return nullptr;
      return guarded(e.pos, [&] { return make_loop(std::move(body), nullptr); });
    }
  }
  return nullptr;
}

// A string where a step is expected is auto-wrapped exactly as the SQL composers do.
ir::NodePtr Lowerer::literal_node(const Expr& e) {
  if (!check_casts(e, "a workflow step", ArgKind::Node)) return nullptr;
  switch (e.literal.kind) {
    case LiteralKind::String:
      return guarded(e.pos, [&] { return ensure_node(e.literal.value); });
    case LiteralKind::Null:
      error(e.pos, "NULL is not a workflow step: in SQL the surrounding function or operator "
                   "would return NULL");
      return nullptr;
    default:
      error(e.pos, "a workflow step must be a string, an operator expression or a df.* call, "
                   "not `" + e.source + "`");
      return nullptr;
  }
}

ir::NodePtr Lowerer::binary(const Expr& e) {
  ir::NodePtr left = node(*e.lhs);
  if (e.op == ast::BinaryOp::Bind) {
    if (e.rhs->kind != ExprKind::Literal || e.rhs->literal.kind != LiteralKind::String) {
      error(e.rhs->pos, "the right side of |=> must be a result name string, e.g. 'SELECT 1' |=> 'one'");
      return nullptr;
    }
    if (!left || !check_casts(*e.rhs, "the result name", ArgKind::Text)) return nullptr;
    return guarded(e.op_pos, [&] {
      set_result_name(*left, e.rhs->literal.value);
      return std::move(left);
    });
  }
  ir::NodePtr right = node(*e.rhs);
  if (!left || !right) return nullptr;
  return guarded(e.pos, [&] {
    switch (e.op) {
      case ast::BinaryOp::Seq: return make_then(std::move(left), std::move(right));
      case ast::BinaryOp::Race: return make_race(std::move(left), std::move(right));
      default: {
        std::vector<ir::NodePtr> branches;
        branches.push_back(std::move(left));
        branches.push_back(std::move(right));
        return make_join(std::move(branches));
      }
    }
  });
}

ir::NodePtr Lowerer::call(const Expr& e) {
  const FunctionSpec* f = find_function(e.callee);
  if (f == nullptr) {
    std::vector<std::string> names;
    for (const auto& spec : functions()) names.push_back(spec.name);
    error(e.pos, "unknown function df." + e.callee + "()" + did_you_mean(e.callee, names));
    // Still report errors inside nested steps, but not for literal arguments: without
    // the function's signature `300` may be a fine number, so an error there would only
    // be a cascade of the typo.
    for (const auto& a : e.args)
      if (a.value->kind != ExprKind::Literal) node(*a.value);
    return nullptr;
  }
  if (!e.casts.empty() && !check_casts(e, "a workflow step", ArgKind::Node)) return nullptr;
  std::vector<const Expr*> bound(f->params.size(), nullptr);
  if (!bind(e, *f, &bound)) return nullptr;
  std::vector<Value> values;
  bool ok = true;
  for (size_t i = 0; i < f->params.size(); ++i) {
    values.push_back(value(bound[i], *f, f->params[i]));
    ok = ok && values.back().ok;
  }
  if (!ok) return nullptr;
  return guarded(e.pos, [&] { return build(*f, values); });
}

bool Lowerer::bind(const Expr& e, const FunctionSpec& f, std::vector<const Expr*>* bound) {
  bool ok = true, seen_named = false;
  size_t next = 0;
  const std::string fname = std::string("df.") + f.name + "()";
  for (const auto& a : e.args) {
    size_t slot = f.params.size();
    if (!a.name) {
      if (seen_named) {
        error(a.pos, "positional argument cannot follow named argument");
        ok = false;
        continue;
      }
      slot = next++;
      if (slot >= f.params.size()) {
        error(a.pos, fname + " takes at most " + std::to_string(f.params.size()) + " argument" +
                         (f.params.size() == 1 ? "" : "s"));
        ok = false;
        continue;
      }
    } else {
      seen_named = true;
      for (size_t i = 0; i < f.params.size(); ++i) {
        if (*a.name == f.params[i].name) slot = i;
      }
      if (slot == f.params.size()) {
        error(a.pos, fname + " has no parameter named '" + *a.name + "'");
        ok = false;
        continue;
      }
    }
    if ((*bound)[slot] != nullptr) {
      error(a.pos, fname + ": argument '" + f.params[slot].name + "' is given twice");
      ok = false;
      continue;
    }
    (*bound)[slot] = a.value.get();
  }
  // A misplaced argument usually explains the missing one; report that only.
  const bool placed = ok;
  for (size_t i = 0; placed && i < f.params.size(); ++i) {
    if ((*bound)[i] == nullptr && !f.params[i].has_default) {
      error(e.pos, fname + ": missing argument '" + f.params[i].name + "'");
      ok = false;
    }
  }
  return ok;
}

const char* kind_name(ArgKind kind) {
  switch (kind) {
    case ArgKind::Node: return "a workflow step";
    case ArgKind::Text: return "a string literal";
    case ArgKind::Int: return "an integer";
    case ArgKind::BigInt: return "an integer";
    case ArgKind::Jsonb: return "a JSON string literal";
    case ArgKind::Duration: return "a duration (a number of seconds or a string such as '1 second')";
  }
  return "?";
}

bool cast_allowed(ArgKind kind, const std::string& type) {
  switch (kind) {
    case ArgKind::Node:
    case ArgKind::Text: return type == "text" || type == "varchar";
    case ArgKind::Int: return type == "int" || type == "integer" || type == "int4";
    case ArgKind::BigInt:
      return type == "int" || type == "integer" || type == "int4" || type == "bigint" || type == "int8";
    case ArgKind::Jsonb: return type == "jsonb";
    case ArgKind::Duration:
      return type == "interval" || type == "text" || type == "int" || type == "integer" || type == "numeric";
  }
  return false;
}

// Casts are only accepted where PostgreSQL would accept the cast value for the parameter
// (e.g. ::jsonb for headers, ::bigint for seconds); anything else would not resolve there.
bool Lowerer::check_casts(const Expr& e, const std::string& what, ArgKind kind) {
  if (e.casts.empty()) return true;
  const std::string& type = e.casts.back();
  if (cast_allowed(kind, type)) return true;
  if (e.kind == ExprKind::Literal && e.literal.kind == LiteralKind::Number &&
      (kind == ArgKind::Text) && cast_allowed(ArgKind::Text, type)) {
    return true;
  }
  error(e.pos, what + " must be " + kind_name(kind) + "; `::" + type + "` does not fit here");
  return false;
}

// Parses an SQL integer literal text the way PostgreSQL's int4/int8 input does.
std::optional<std::int64_t> parse_int(const std::string& text, bool is_int4) {
  size_t b = text.find_first_not_of(" \t\n\r");
  size_t e = text.find_last_not_of(" \t\n\r");
  if (b == std::string::npos) return std::nullopt;
  std::string t = text.substr(b, e - b + 1);
  size_t digits_from = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  if (t.size() == digits_from || t.find_first_not_of("0123456789", digits_from) != std::string::npos) {
    return std::nullopt;
  }
  errno = 0;
  long long v = std::strtoll(t.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  if (is_int4 && (v < std::numeric_limits<std::int32_t>::min() ||
                  v > std::numeric_limits<std::int32_t>::max())) {
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> Lowerer::scalar(const Expr& e, const std::string& what, ArgKind kind,
                                           bool* ok) {
  *ok = false;
  if (e.kind == ExprKind::Error) return std::nullopt;
  if (e.kind != ExprKind::Literal) {
    error(e.pos, what + " must be " + kind_name(kind) + ", not an expression");
    return std::nullopt;
  }
  if (!check_casts(e, what, kind)) return std::nullopt;
  const ast::Literal& lit = e.literal;
  if (lit.kind == LiteralKind::Null) {
    *ok = true;
    return std::nullopt;
  }
  bool number_as_text = lit.kind == LiteralKind::Number && !e.casts.empty();
  if (kind == ArgKind::Text && (lit.kind == LiteralKind::String || number_as_text)) {
    *ok = true;
    return lit.value;
  }
  if ((kind == ArgKind::Int || kind == ArgKind::BigInt) &&
      (lit.kind == LiteralKind::String || lit.kind == LiteralKind::Number)) {
    const char* type = kind == ArgKind::Int ? "integer" : "bigint";
    auto v = parse_int(lit.value, kind == ArgKind::Int);
    if (!v) {
      error(e.pos, what + " must be " + kind_name(kind) + " (" + type + "), got `" + e.source + "`");
      return std::nullopt;
    }
    *ok = true;
    return std::to_string(*v);
  }
  if (kind == ArgKind::Duration && (lit.kind == LiteralKind::String || lit.kind == LiteralKind::Number)) {
    *ok = true;
    return lit.value;
  }
  if (kind == ArgKind::Jsonb && lit.kind == LiteralKind::String) {
    rapidjson::Document doc;
    std::string why;
    if (!parse_json(lit.value, doc, &why)) {
      error(e.pos, what + ": invalid input syntax for type json: " + why);
      return std::nullopt;
    }
    *ok = true;
    return lit.value;
  }
  error(e.pos, what + " must be " + kind_name(kind) + ", not `" + e.source + "`");
  return std::nullopt;
}

Value Lowerer::value(const Expr* e, const FunctionSpec& f, const ParamSpec& p) {
  Value v;
  const std::string what = std::string("df.") + f.name + "(): argument '" + p.name + "'";
  if (e == nullptr) {
    if (p.default_text != nullptr) v.text = p.default_text;
    return v;
  }
  bool is_null = e->kind == ExprKind::Literal && e->literal.kind == LiteralKind::Null;
  if (is_null && f.strict) {
    error(e->pos, what + " is NULL: df." + f.name +
                      " is STRICT, so the expression would be NULL and could not start");
    v.ok = false;
    return v;
  }
  if (is_null && !(p.has_default && p.default_text == nullptr)) {
    error(e->pos, what + " cannot be NULL");
    v.ok = false;
    return v;
  }
  if (p.kind == ArgKind::Node) {
    if (!is_null) {
      v.node = node(*e);
      v.ok = v.node != nullptr;
    }
    return v;
  }
  v.text = scalar(*e, what, p.kind, &v.ok);
  return v;
}

std::optional<std::int64_t> as_int(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return std::strtoll(text->c_str(), nullptr, 10);
}

std::int64_t duration_ms(const std::string& text) {
  std::string why;
  auto ms = parse_duration_ms(text, &why);
  if (!ms) throw CompileError(why);
  return *ms;
}

// df.retry(step, max_attempts, backoff, max_backoff); bounds are checked by make_retry.
RetryArgs retry_args(const std::vector<Value>& v) {
  RetryArgs a;
  const std::int64_t attempts = *as_int(v[1].text);
  a.max_attempts = attempts < 0 || attempts > kMaxRetryAttempts ? 0 : static_cast<std::uint32_t>(attempts);
  a.backoff_ms = duration_ms(*v[2].text);
  a.max_backoff_ms = duration_ms(*v[3].text);
  return a;
}

ir::NodePtr Lowerer::build(const FunctionSpec& f, std::vector<Value>& v) {
  const std::string name = f.name;
  auto n = [&](size_t i) { return std::move(v[i].node); };
  if (name == "sql") return make_sql(*v[0].text);
  if (name == "seq") return make_then(n(0), n(1));
  if (name == "as") {
    ir::NodePtr fut = n(0);
    set_result_name(*fut, *v[1].text);
    return fut;
  }
  if (name == "join" || name == "join3") {
    std::vector<ir::NodePtr> branches;
    for (size_t i = 0; i < v.size(); ++i) branches.push_back(n(i));
    return make_join(std::move(branches));
  }
  if (name == "race") return make_race(n(0), n(1));
  if (name == "if") return make_if(n(0), n(1), n(2));
  if (name == "if_rows") return make_if_rows(*v[0].text, n(1), n(2));
  if (name == "loop") return make_loop(n(0), n(1));
  if (name == "break") return make_break(v[0].text);
  if (name == "sleep") return make_sleep(*as_int(v[0].text));
  if (name == "wait_for_schedule") return make_wait_for_schedule(*v[0].text);
  if (name == "wait_for_signal") return make_wait_for_signal(*v[0].text, as_int(v[1].text));
  if (name == "http") {
    return make_http(*v[0].text, *v[1].text, v[2].text, v[3].text, *as_int(v[4].text));
  }
  if (name == "retry") return make_retry(n(0), retry_args(v));
  if (name == "catch") return make_catch(n(0), n(1), CatchArgs{*v[2].text});
  if (name == "with_undo") return make_with_undo(n(0), n(1));
  return make_http_multipart(*v[0].text, *v[1].text, v[2].text, v[3].text, *as_int(v[4].text));
}

}  // namespace

ir::NodePtr lower_expr(const ast::Expr& expr, Diagnostics* diags) {
  return Lowerer(diags).node(expr);
}

ir::NodePtr lower_body(const ast::Expr& body, Diagnostics* diags) {
  bool plain_string = body.kind == ExprKind::Literal && body.literal.kind == LiteralKind::String &&
                      (body.casts.empty() || cast_allowed(ArgKind::Text, body.casts.back()));
  if (!plain_string) return lower_expr(body, diags);
  try {
    ir::NodePtr root = parse_strict(body.literal.value);
    root->pos = body.pos;
    return root;
  } catch (const CompileError& err) {
    diags->push_back({Severity::Error, body.pos, err.what()});
    return nullptr;
  }
}

bool is_param_type(const std::string& type) {
  static const std::set<std::string> types = {"int", "bigint", "numeric", "text", "bool", "jsonb"};
  return types.count(type) != 0;
}

namespace {

bool is_number_text(const std::string& s) {
  char* end = nullptr;
  errno = 0;
  std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size();
}

// nullopt when `lit` is a valid default for `type`, else what is wrong.
std::optional<std::string> default_problem(const std::string& type, const ast::Literal& lit) {
  if (lit.kind == LiteralKind::Null) return std::nullopt;
  if (type == "int" || type == "bigint") {
    if (lit.kind == LiteralKind::Number && parse_int(lit.value, type == "int")) return std::nullopt;
    return std::string("an integer literal") + (type == "int" ? " in int range" : " in bigint range");
  }
  if (type == "numeric") {
    if (lit.kind == LiteralKind::Number && is_number_text(lit.value)) return std::nullopt;
    return std::string("a number literal");
  }
  if (type == "bool") {
    if (lit.kind == LiteralKind::Bool) return std::nullopt;
    return std::string("true or false");
  }
  if (lit.kind != LiteralKind::String) return std::string("a string literal");
  if (type == "jsonb") {
    rapidjson::Document doc;
    std::string why;
    if (!parse_json(lit.value, doc, &why)) return "a JSON string literal (" + why + ")";
  }
  return std::nullopt;
}

bool is_reserved_variable(const std::string& name) {
  return name == "sys_instance_id" || name == "sys_label";
}

}  // namespace

void check_params(const ast::Workflow& workflow, Diagnostics* diags) {
  std::set<std::string> seen;
  for (const auto& p : workflow.params) {
    auto err = [&](std::string msg) { diags->push_back({Severity::Error, p.pos, std::move(msg)}); };
    if (!seen.insert(p.name).second) err("duplicate parameter '" + p.name + "'");
    if (is_reserved_variable(p.name)) {
      err("parameter name '" + p.name + "' is reserved: the engine provides {" + p.name + "}");
    }
    if (!is_param_type(p.type)) {
      err("unknown type '" + p.type + "' for parameter '" + p.name +
          "': expected int, bigint, numeric, text, bool or jsonb");
      continue;
    }
    if (p.default_value) {
      if (auto why = default_problem(p.type, *p.default_value)) {
        err("default of parameter '" + p.name + "' (" + p.type + ") must be " + *why + ", got " +
            p.default_source);
      }
    }
  }
}

std::vector<std::string> variable_references(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while ((i = text.find('{', i)) != std::string::npos) {
    size_t close = text.find('}', i + 1);
    if (close == std::string::npos) break;  // an unclosed { ends substitution (§9)
    std::string name = text.substr(i + 1, close - i - 1);
    bool ident = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    for (char c : name) {
      ident = ident && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_');
    }
    if (ident) {
      out.push_back(name);
      i = close + 1;
    } else {
      ++i;
    }
  }
  return out;
}

namespace {

// Texts the engine substitutes {x} in: SQL steps and the HTTP configurations (§9).
void collect_refs(const ir::Node& node, ir::SourcePos inherited,
                  std::vector<std::pair<std::string, ir::SourcePos>>* out) {
  ir::SourcePos pos = node.pos.known() ? node.pos : inherited;
  bool substituted = node.type == ir::NodeType::Sql || node.type == ir::NodeType::Http ||
                     node.type == ir::NodeType::HttpMultipart;
  if (substituted && node.query) {
    for (auto& name : variable_references(*node.query)) out->emplace_back(name, pos);
  }
  for (const auto& c : ir::children(node)) collect_refs(*c.child, pos, out);
}

}  // namespace

void check_variables(const ast::Workflow& workflow, const ir::Node& root, Diagnostics* diags) {
  if (workflow.name.empty()) return;  // a bare expression has no declared variables
  std::vector<std::pair<std::string, ir::SourcePos>> refs;
  collect_refs(root, workflow.pos, &refs);
  std::set<std::string> params, used;
  for (const auto& p : workflow.params) params.insert(p.name);
  for (const auto& [name, pos] : refs) {
    used.insert(name);
    if (params.count(name) != 0 || is_reserved_variable(name)) continue;
    diags->push_back({Severity::Warning, pos,
                      "{" + name + "} is not a parameter of workflow '" + workflow.name +
                          "'; it stays unsubstituted unless a variable '" + name +
                          "' is provided at start"});
  }
  for (const auto& p : workflow.params) {
    if (used.count(p.name) == 0) {
      diags->push_back({Severity::Warning, p.pos,
                        "parameter '" + p.name + "' is never referenced as {" + p.name + "}"});
    }
  }
}

}  // namespace df::compiler
