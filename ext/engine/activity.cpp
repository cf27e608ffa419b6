// activity.cpp — see activity.hpp.
#include "engine/activity.hpp"
#include "engine/metrics.hpp"

extern "C" {
#include "pgstat.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
}

namespace df::ext::activity {

void name_executor(int slot) {
  std::string name = "pg_durable executor " + std::to_string(slot);
  // Session level: a step's own SET application_name is undone after the step.
  pg_call([&] { SetConfigOption("application_name", name.c_str(), PGC_USERSET, PGC_S_SESSION); });
}

TimestampTz report_step(const std::string& instance_id, const std::string& node_id, const std::string& what) {
  std::string text = "/* pg_durable instance " + instance_id + " node " + node_id + " */ " + what;
  pgstat_report_activity(STATE_RUNNING, text.c_str());
  metrics::step_started();
  return GetCurrentTimestamp();
}

void report_idle() { pgstat_report_activity(STATE_IDLE, nullptr); }

}  // namespace df::ext::activity
