// activity.hpp — what an executor shows in pg_stat_activity: application_name
// 'pg_durable executor N' (its pool slot), and while it runs a step the step's statement
// prefixed with the instance and node it belongs to. usename is the submitter already:
// the executor is a session of the role that started the instance (executor.cpp).
#pragma once

#include <string>

#include "pg/pg_bridge.hpp"

namespace df::ext::activity {

// Once, after the executor's connection is made.
void name_executor(int slot);

// The step `what` (its SQL, or a description) of node `node_id` of `instance_id` starts
// now: reported, counted (metrics.hpp); returns the start time.
TimestampTz report_step(const std::string& instance_id, const std::string& node_id, const std::string& what);

// Waiting for work: pg_stat_activity shows the executor idle.
void report_idle();

}  // namespace df::ext::activity
