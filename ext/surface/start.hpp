// start.hpp — df.start's caller-mode path (docs/reference.md §3.3), shared by df.start and
// df.start_workflow (which adds the workflow's parameters as variables).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fork.hpp"
#include "retry.hpp"

namespace df::ext::start {

struct Options {
  std::optional<std::string> label;
  std::optional<std::string> database;
  // Variables that override the caller's df.vars snapshot (workflow parameters).
  std::vector<std::pair<std::string, std::string>> overrides;
  // Instance-wide retry policy (df.start max_attempts / max_backoff); 1 = no retry.
  std::uint32_t max_attempts = 1;
  std::int64_t max_backoff_ms = 16000;
  // df.start on_failure: an unhandled failure pauses the instance for df.resume ('pause')
  // instead of undoing and failing it ('fail').
  bool pause_on_failure = false;
};

// Parses, checks, validates and persists `fut` as the caller, hands it to the engine and
// returns the new instance id. Everything happens in the caller's transaction.
std::string start_caller_mode(const std::string& fut, const Options& options);

// transaction_mode => 'new': a slot-limited, autocommitted loopback session of the
// caller's role runs df.start in caller mode (ext/surface/start_new.cpp).
std::string start_new_mode(const std::string& fut, const Options& options);

// df.fork's new instance (ext/surface/fork.cpp): the original's frozen graph started for
// the original's submitter at `point`, with the original's label, database, variables and
// retry policy. Inserts df.instances and df.nodes as the caller (RLS applies), hands the
// start to the engine and returns the new id; `node_ids` gets its node ids in pre-order.
struct ForkStart {
  std::string graph_json;
  unsigned int role = 0;
  std::optional<std::string> label, database;
  std::vector<std::pair<std::string, std::string>> variables;
  vm::RetryPolicy retry;
  bool pause_on_failure = false;
  vm::ForkPoint point;
};
std::string start_fork(const ForkStart& fork, std::vector<std::string>& node_ids);

// docs/reference.md §3.3 step 3: the role must have LOGIN. Returns its name. SPI connected.
std::string check_login(unsigned int role);

}  // namespace df::ext::start
