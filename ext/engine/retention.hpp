// retention.hpp — docs/reference.md §18: every pg_durable.reconcile_interval seconds the
// scheduler removes expired terminal instances (older than retention_days, or beyond the
// newest 10,000), their nodes and their engine state, in one transaction.
#pragma once

namespace df::ext {

// Runs a retention pass when one is due (the first one interval after the scheduler
// started). Call from the scheduler loop, outside any transaction.
void retention_pass_if_due();

}  // namespace df::ext
