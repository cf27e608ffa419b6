// failure_log.hpp — the server-log lines of failures (issue 15): one per failed step
// attempt and one per failed instance, each naming the instance, the node, the workflow
// name and version (instances started by df.start_workflow) and the SQLSTATE, at the level
// pg_durable.log_failures (off = none). Lines are queued and written when the transaction
// that recorded the failure commits: an aborted, retried checkpoint logs nothing twice.
// The SQLSTATE is also the line's own error code (%e in log_line_prefix).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace df::ext::failure_log {

// Attempt `attempt` of the step at node `node_id` failed with error record `record`;
// `retried`: another attempt follows. SPI must be connected: when the line is wanted, the
// workflow is looked up, which replaces the last SPI result set (failure paths only).
void step_attempt_failed(const std::string& instance_id, const std::string& node_id, std::uint32_t attempt,
                         bool retried, const std::string& record);

// The instance failed with `message`; `node_id` / `sqlstate` of the step failure that
// caused it, when one did. SPI must be connected.
void instance_failed(const std::string& instance_id, const std::optional<std::string>& node_id,
                     const std::optional<std::string>& sqlstate, const std::string& message);

}  // namespace df::ext::failure_log
