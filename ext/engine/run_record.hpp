// run_record.hpp — the PostgreSQL-free rules of a step attempt's run record (the rows of
// df.step_runs, appended to df.nodes.runs by step_record.cpp) and of reading the VM's
// node-stamp detail: which attempt it names, and the error record it carries.
//
// A run record is one JSON object:
//   {"attempt", "iteration", "execution_id", "status": "succeeded" | "failed",
//    "retried": bool, "started_us", "finished_us", "duration_ms", "error": record | null}
// (times in microseconds since the Unix epoch, so that no DateStyle or TimeZone of the
// writing session can change what the view reads back, and nothing is rounded).
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace df::ext::run_record {

// The attempt a stamp's detail names: "attempt" (an attempt failed, another follows),
// "attempts" (the node's last attempt), else 1.
std::uint32_t attempt_of(std::string_view detail);

// The detail's "error" member as compact JSON text; nullopt when there is none.
std::optional<std::string> error_of(std::string_view detail);

// The "sqlstate" string of an error record; nullopt when absent or null.
std::optional<std::string> sqlstate_of(std::string_view record);

// The "message" string of an error record; "" when absent.
std::string message_of(std::string_view record);

// An error record holding only `message` (a failure the engine knows only as text).
std::string message_record(std::string_view message);

struct Attempt {
  std::uint32_t attempt = 1;
  std::uint32_t iteration = 0;
  std::string execution_id;
  bool ok = false;
  bool retried = false;  // a failed attempt another one follows
  std::int64_t started_us = 0;
  std::int64_t finished_us = 0;
  std::optional<std::string> error;  // the error record (JSON), failures only
};

std::string build(const Attempt& a);

// The loop iteration (0-based) a VM scope ("<gen>::#<node>::<gen>...") is in: its last
// generation minus one (a root loop's iterations are the root's generations).
std::uint32_t iteration_of_scope(std::string_view scope);

}  // namespace df::ext::run_record
