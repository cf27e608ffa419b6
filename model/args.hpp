// args.hpp — the typed view of leaf arguments and the node builders shared by both
// front ends (the SQL constructors in ext/ and the textual language). Builders validate
// and throw CompileError with docs/reference.md §3.1 texts, and encode `query` exactly as
// §2 shows (compact JSON, documented field order, null for absent). Decoders read a
// node's `query` back for the VM, validation and explain.
#pragma once
#include "no_postgres.hpp"
#include "limits.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"
#include "ir.hpp"

namespace df::compiler {

inline constexpr std::int64_t kDefaultHttpTimeoutSeconds = 30;

// --- builders -------------------------------------------------------------------
ir::NodePtr make_sql(std::string query);
ir::NodePtr make_then(ir::NodePtr a, ir::NodePtr b);
// Two or more branches; the third and later go to extra_nodes.
ir::NodePtr make_join(std::vector<ir::NodePtr> branches);
ir::NodePtr make_race(ir::NodePtr a, ir::NodePtr b);
ir::NodePtr make_if(ir::NodePtr cond, ir::NodePtr then_b, ir::NodePtr else_b);
ir::NodePtr make_if_rows(std::string result_name, ir::NodePtr then_b, ir::NodePtr else_b);
ir::NodePtr make_loop(ir::NodePtr body, ir::NodePtr condition /* may be null */);
ir::NodePtr make_break(std::optional<std::string> value);
ir::NodePtr make_sleep(std::int64_t seconds);
ir::NodePtr make_wait_for_schedule(std::string cron_expr);
ir::NodePtr make_wait_for_signal(std::string name, std::optional<std::int64_t> timeout);
// headers_json / parts_json: the jsonb argument's text; re-emitted compactly with
// sorted keys (serde_json Value semantics).
ir::NodePtr make_http(std::string url, std::string method, std::optional<std::string> body,
                      std::optional<std::string> headers_json, std::int64_t timeout_seconds);
ir::NodePtr make_http_multipart(std::string url, std::string method,
                                std::optional<std::string> parts_json,
                                std::optional<std::string> headers_json,
                                std::int64_t timeout_seconds);

// df.as: sets (overwrites) result_name after checking it.
void set_result_name(ir::Node& node, std::string_view name);
// ^[A-Za-z_][A-Za-z0-9_]*$
bool is_valid_result_name(std::string_view name);
// The df.as message for an invalid name (empty / not an identifier), without prefix.
std::string result_name_problem(std::string_view name);

// --- shared checks (used by builders and by validation) ---------------------------
// Each returns the REFERENCE message, or nullopt when the value is fine.
std::optional<std::string> check_http_url(std::string_view url);
std::optional<std::string> check_http_method(std::string_view method);
std::optional<std::string> check_multipart_method(std::string_view method);
std::optional<std::string> check_timeout(std::int64_t seconds);  // 1 .. kMaxDurationSeconds
std::optional<std::string> check_sleep_seconds(std::int64_t seconds);  // 0 .. kMaxDurationSeconds
std::optional<std::string> check_cron(std::string_view cron_expr);
// Multipart parts JSON text: an array with at least one element.
std::optional<std::string> check_parts(std::string_view parts_json);

// --- decoders -------------------------------------------------------------------
// Each returns nullopt and sets *error (if given) when the node's query is unusable.
struct SleepArgs { std::int64_t seconds; };
struct ScheduleArgs { std::string cron_expr; };
struct SignalArgs { std::string name; std::optional<std::int64_t> timeout_seconds; };
struct BreakArgs { std::optional<std::string> value; };
struct IfRowsArgs { std::string result_name; };
struct HttpArgs {
  std::string url, method;
  std::optional<std::string> body, headers_json;
  std::int64_t timeout_seconds;
};
struct MultipartArgs {
  std::string url, method, parts_json;
  std::optional<std::string> headers_json;
  std::int64_t timeout_seconds;
};

std::optional<SleepArgs> decode_sleep(const ir::Node& node, std::string* error);
std::optional<ScheduleArgs> decode_schedule(const ir::Node& node, std::string* error);
std::optional<SignalArgs> decode_signal(const ir::Node& node, std::string* error);
std::optional<BreakArgs> decode_break(const ir::Node& node, std::string* error);
// nullopt without error when the IF has a condition_node instead.
std::optional<IfRowsArgs> decode_if_rows(const ir::Node& node, std::string* error);
std::optional<HttpArgs> decode_http(const ir::Node& node, std::string* error);
std::optional<MultipartArgs> decode_multipart(const ir::Node& node, std::string* error);

}  // namespace df::compiler
