// dsl_functions.cpp — the graph constructors df.sql ... df.http_multipart (docs/reference.md
// §3.1). Each one decodes its SQL arguments, auto-wraps node-typed arguments (§2 rule 1
// here, rules 2-4 in compiler::ensure_node), builds the node with the compiler's shared
// builders and returns the wire JSON. Nothing here touches a table; the format and its
// checks live only in compiler/.
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "args.hpp"
#include "failure.hpp"
#include "wire_json.hpp"

#include "surface/duration_arg.hpp"
#include "pg/gucs.hpp"
#include "surface/surface.hpp"

namespace {

using df::ext::text_arg;
using df::ext::text_datum;
using df::ext::surface::opt_jsonb_arg;
using df::ext::surface::opt_text_arg;
namespace compiler = df::compiler;

// A node-typed argument: rule 1 (helper results), then rules 2-4.
df::ir::NodePtr step_arg(FunctionCallInfo fcinfo, int n) {
  std::string text = text_arg(fcinfo, n);
  df::ext::surface::check_not_helper_result(text);
  return compiler::ensure_node(text);
}

Datum node_datum(const df::ir::NodePtr& node) { return text_datum(compiler::to_json(*node)); }

// http_mode = off stands for the Rust build without HTTP: the constructors refuse.
void require_http_enabled(const char* function) {
  if (df::ext::settings.http_mode == static_cast<int>(df::ext::HttpMode::Off))
    df::ext::surface::raise(std::string(function) +
                            " is disabled. Rebuild with the 'http-allow-azure-domains' Cargo feature "
                            "to enable outbound HTTP requests.");
}

std::int64_t int_arg_or(FunctionCallInfo fcinfo, int n, std::int64_t fallback) {
  return PG_ARGISNULL(n) ? fallback : PG_GETARG_INT32(n);
}

}  // namespace

DF_SURFACE_FUNCTION(df_sql) { return node_datum(compiler::make_sql(text_arg(fcinfo, 0))); }

DF_SURFACE_FUNCTION(df_seq) {
  auto a = step_arg(fcinfo, 0);
  auto b = step_arg(fcinfo, 1);
  return node_datum(compiler::make_then(std::move(a), std::move(b)));
}

DF_SURFACE_FUNCTION(df_as) {
  auto node = step_arg(fcinfo, 0);
  compiler::set_result_name(*node, text_arg(fcinfo, 1));
  return node_datum(node);
}

DF_SURFACE_FUNCTION(df_join) {
  std::vector<df::ir::NodePtr> branches;
  branches.push_back(step_arg(fcinfo, 0));
  branches.push_back(step_arg(fcinfo, 1));
  return node_datum(compiler::make_join(std::move(branches)));
}

DF_SURFACE_FUNCTION(df_join3) {
  std::vector<df::ir::NodePtr> branches;
  branches.push_back(step_arg(fcinfo, 0));
  branches.push_back(step_arg(fcinfo, 1));
  branches.push_back(step_arg(fcinfo, 2));
  return node_datum(compiler::make_join(std::move(branches)));
}

DF_SURFACE_FUNCTION(df_race) {
  auto a = step_arg(fcinfo, 0);
  auto b = step_arg(fcinfo, 1);
  return node_datum(compiler::make_race(std::move(a), std::move(b)));
}

DF_SURFACE_FUNCTION(df_if) {
  auto cond = step_arg(fcinfo, 0);
  auto then_b = step_arg(fcinfo, 1);
  auto else_b = step_arg(fcinfo, 2);
  return node_datum(compiler::make_if(std::move(cond), std::move(then_b), std::move(else_b)));
}

DF_SURFACE_FUNCTION(df_if_rows) {
  std::string name = text_arg(fcinfo, 0);
  auto then_b = step_arg(fcinfo, 1);
  auto else_b = step_arg(fcinfo, 2);
  return node_datum(compiler::make_if_rows(std::move(name), std::move(then_b), std::move(else_b)));
}

// Not strict: a NULL condition means an infinite loop; a NULL body gives NULL.
DF_SURFACE_FUNCTION(df_loop) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  auto body = step_arg(fcinfo, 0);
  df::ir::NodePtr condition = PG_ARGISNULL(1) ? nullptr : step_arg(fcinfo, 1);
  return node_datum(compiler::make_loop(std::move(body), std::move(condition)));
}

DF_SURFACE_FUNCTION(df_break) { return node_datum(compiler::make_break(opt_text_arg(fcinfo, 0))); }

DF_SURFACE_FUNCTION(df_sleep) { return node_datum(compiler::make_sleep(PG_GETARG_INT64(0))); }

DF_SURFACE_FUNCTION(df_wait_for_schedule) {
  return node_datum(compiler::make_wait_for_schedule(text_arg(fcinfo, 0)));
}

// Not strict: a NULL timeout waits forever; a NULL name gives NULL.
DF_SURFACE_FUNCTION(df_wait_for_signal) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  std::optional<std::int64_t> timeout;
  if (!PG_ARGISNULL(1)) timeout = PG_GETARG_INT32(1);
  return node_datum(compiler::make_wait_for_signal(text_arg(fcinfo, 0), timeout));
}

// Not strict (defaults may be overridden with NULL): NULL url gives NULL, NULL method
// and timeout fall back to the declared defaults.
DF_SURFACE_FUNCTION(df_http) {
  require_http_enabled("df.http()");
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  std::string method = PG_ARGISNULL(1) ? "POST" : text_arg(fcinfo, 1);
  return node_datum(compiler::make_http(text_arg(fcinfo, 0), method, opt_text_arg(fcinfo, 2),
                                        opt_jsonb_arg(fcinfo, 3),
                                        int_arg_or(fcinfo, 4, compiler::kDefaultHttpTimeoutSeconds)));
}

DF_SURFACE_FUNCTION(df_http_multipart) {
  require_http_enabled("df.http_multipart()");
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  std::string method = PG_ARGISNULL(1) ? "POST" : text_arg(fcinfo, 1);
  return node_datum(compiler::make_http_multipart(
      text_arg(fcinfo, 0), method, opt_jsonb_arg(fcinfo, 2), opt_jsonb_arg(fcinfo, 3),
      int_arg_or(fcinfo, 4, compiler::kDefaultHttpTimeoutSeconds)));
}

// df.retry(step, max_attempts, backoff, max_backoff): STRICT; durations are "any"
// (duration_arg.hpp); bounds are checked by make_retry.
DF_SURFACE_FUNCTION(df_retry) {
  auto step = step_arg(fcinfo, 0);
  const std::int32_t attempts = PG_GETARG_INT32(1);
  compiler::RetryArgs args;
  args.max_attempts = attempts < 0 ? 0 : static_cast<std::uint32_t>(attempts);
  args.backoff_ms = df::ext::duration_arg_ms(fcinfo, 2, "df.retry: backoff");
  args.max_backoff_ms = df::ext::duration_arg_ms(fcinfo, 3, "df.retry: max_backoff");
  return node_datum(compiler::make_retry(std::move(step), args));
}

// df.timeout(step, seconds): STRICT; the duration is "any" (duration_arg.hpp); make_timeout
// checks its bounds (the step may be any sub-graph).
DF_SURFACE_FUNCTION(df_timeout) {
  auto step = step_arg(fcinfo, 0);
  const std::int64_t ms = df::ext::duration_arg_ms(fcinfo, 1, "df.timeout: seconds");
  return node_datum(compiler::make_timeout(std::move(step), compiler::TimeoutArgs{ms}));
}

// df.catch(step, handler, error_name): STRICT.
DF_SURFACE_FUNCTION(df_catch) {
  auto step = step_arg(fcinfo, 0);
  auto handler = step_arg(fcinfo, 1);
  return node_datum(compiler::make_catch(std::move(step), std::move(handler),
                                         compiler::CatchArgs{text_arg(fcinfo, 2)}));
}

// df.with_undo(forward, undo): STRICT.
DF_SURFACE_FUNCTION(df_with_undo) {
  auto forward = step_arg(fcinfo, 0);
  auto undo = step_arg(fcinfo, 1);
  return node_datum(compiler::make_with_undo(std::move(forward), std::move(undo)));
}
