// retry.hpp — the VM's failure rules, pure and separately tested: what a failed attempt's
// error record says, whether the failure may succeed on its own, and how long to wait
// before the next attempt. step.cpp applies them; nothing here keeps state.
//
// Error record (shared with the executor and observability): a JSON object
//   {"message", "sqlstate", "detail", "hint", "context", "statement", "attempt"}
// (absent = null; HTTP failures have "sqlstate": null, "http_status" when there was a
// response, and "transient": true/false saying whether the failure may pass by itself).
// A host that reports a failure as plain text gets a record with only the message.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace df::vm {

// Attempts and backoff of one step. max_attempts = 1 means no retry (today's default).
struct RetryPolicy {
  std::uint32_t max_attempts = 1;
  std::int64_t backoff_ms = 1000;       // wait after the first failed attempt, then doubling
  std::int64_t max_backoff_ms = 16000;  // the doubling stops here
  bool operator==(const RetryPolicy& o) const {
    return max_attempts == o.max_attempts && backoff_ms == o.backoff_ms && max_backoff_ms == o.max_backoff_ms;
  }
};

// Serialization failures and deadlocks (40001, 40P01) are retried even without a policy:
// the failed attempt was rolled back, so another one is safe.
inline constexpr RetryPolicy kConflictPolicy{3, 100, 1000};

struct Failure {
  std::string message;                  // what df.nodes.result and the instance error show
  std::optional<std::string> sqlstate;  // SQL steps
  std::optional<int> http_status;       // HTTP steps that got a response
  std::optional<bool> transient;        // the host's own verdict (HTTP)
  std::string record;                   // the whole record as JSON (attempt not yet set)
};

// A record (JSON object with a string "message"), or plain text (a record of it is made).
Failure decode_failure(std::string_view payload);

// The §8.3 envelope of a completed HTTP step whose status means "try again later" (408,
// 429) as a Failure; nullopt for any other response.
std::optional<Failure> retryable_response(std::string_view envelope);

bool is_conflict(const Failure& f);  // 40001 / 40P01

// Entries of a comma-separated list of SQLSTATE classes ("42") or codes ("42P01").
std::vector<std::string> parse_sqlstate_list(std::string_view csv);
// Is every entry a two- or five-character SQLSTATE of [0-9A-Z]?
bool valid_sqlstate_list(std::string_view csv);

// May another attempt succeed? SQL: when the SQLSTATE is known and neither its class nor
// its code is in `never`; a SQL failure without SQLSTATE is the step's own validation.
// HTTP: the host's `transient` verdict (network errors, timeouts, 5xx, 408, 429).
bool may_succeed_later(const Failure& f, bool http, const std::vector<std::string>& never);

// The wait after `failed_attempts` (>= 1) failures: backoff * 2^(n-1), capped.
std::int64_t backoff_delay_ms(const RetryPolicy& policy, std::uint32_t failed_attempts);

// The record with "attempt" set.
std::string record_with_attempt(const Failure& f, std::uint32_t attempt);

}  // namespace df::vm
