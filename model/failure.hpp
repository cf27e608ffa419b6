// failure.hpp — the failure-handling part of the IR shared by both front ends: the RETRY
// node (a step wrapped in a retry policy), its wire config and the duration syntax that
// every failure-handling argument accepts. Builders check the bounds and throw
// CompileError; decoders read a RETRY node's `query` back for validation, explain and the VM.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "errors.hpp"
#include "ir.hpp"

namespace df::compiler {

// Upper bounds of a retry policy, checked wherever a policy is built (df.retry, the
// language, df.start's instance-wide policy) and again by validation of stored JSON.
inline constexpr std::uint32_t kMaxRetryAttempts = 100;
inline constexpr std::int64_t kMaxBackoffMs = 24LL * 3600 * 1000;  // one day

// Wire config of RETRY: {"max_attempts":N,"backoff_ms":N,"max_backoff_ms":N}.
struct RetryArgs {
  std::uint32_t max_attempts = 3;
  std::int64_t backoff_ms = 1000;       // wait after the first failed attempt
  std::int64_t max_backoff_ms = 60000;  // the doubling stops here
};

// A duration: a number of seconds ("5", "0.25") or one or more "<number> <unit>" pairs
// ("1 second", "250 ms", "1 minute 30 seconds"; units ms, millisecond(s), s, sec(s),
// second(s), min(s), minute(s), h, hour(s), d, day(s)). Returns milliseconds, or nullopt
// with *error set.
std::optional<std::int64_t> parse_duration_ms(std::string_view text, std::string* error);

// "1s", "1m30s", "250ms": the short form explain prints.
std::string format_duration_ms(std::int64_t ms);

// nullopt when the policy is within bounds, else what is wrong (`who` prefixes it).
std::optional<std::string> check_retry(const RetryArgs& args, std::string_view who);

ir::NodePtr make_retry(ir::NodePtr step, const RetryArgs& args);
std::optional<RetryArgs> decode_retry(const ir::Node& node, std::string* error);

// CATCH (df.catch, try/catch): when `step` fails for good, `handler` runs with the error
// bound as result `error_name` ({message, sqlstate, node, node_type, attempts}) and the
// workflow goes on after it. Wire config: {"error_name":"error"}.
struct CatchArgs {
  std::string error_name = "error";
};
ir::NodePtr make_catch(ir::NodePtr step, ir::NodePtr handler, const CatchArgs& args = CatchArgs{});
std::optional<CatchArgs> decode_catch(const ir::Node& node, std::string* error);

// UNDO (df.with_undo, `forward <-> undo`): runs `forward`; once it has completed, `undo` is
// remembered. When a later step of the same failing scope (the innermost CATCH's step, else
// the instance) fails, the remembered undo actions run newest first, then the failure goes
// on. No wire config: the node's result is the forward step's.
ir::NodePtr make_with_undo(ir::NodePtr forward, ir::NodePtr undo);

// TIMEOUT (df.timeout, `timeout(step, seconds)` in the language): `step` is any sub-graph
// (a SQL or HTTP step, a sleep, a signal wait, a sequence, a join, a loop, a df.retry). A
// durable timer armed when the TIMEOUT starts cancels whatever of `step` still runs when it
// fires (vm/step.cpp) and fails the TIMEOUT node with SQLSTATE 57014, so an enclosing RETRY
// runs the whole TIMEOUT again (each attempt gets the full time) and a CATCH handles it.
// Wire config: {"timeout_ms":N}, 1 ms .. kMaxTimeoutMs.
inline constexpr std::int64_t kMaxTimeoutMs = 24LL * 3600 * 1000;  // one day
struct TimeoutArgs {
  std::int64_t timeout_ms = 0;
};
std::optional<std::string> check_timeout(const TimeoutArgs& args, std::string_view who);
ir::NodePtr make_timeout(ir::NodePtr step, const TimeoutArgs& args);
std::optional<TimeoutArgs> decode_timeout(const ir::Node& node, std::string* error);

}  // namespace df::compiler
