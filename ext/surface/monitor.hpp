// monitor.hpp — what the monitoring functions (ext/surface/monitor.cpp) and df.explain's live
// mode (ext/surface/explain_function.cpp) share: an instance's df.nodes rows read as the caller,
// and the engine's summary of an instance read as the engine owner.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "surface/inferred_status.hpp"

namespace df::ext::monitor {

struct NodeRow {
  inferred::NodeRecord record;
  std::optional<std::string> result_name, result, status_details, updated_at;
};

// The instance's df.nodes rows under the caller's RLS (SPI must be connected).
std::vector<NodeRow> load_nodes(const std::string& instance_id);

struct EngineSummary {
  long generation = 1;
  long event_count = 0;
  bool finished = false;
  std::optional<std::string> output;
  std::optional<std::string> started_at, finished_at;
};

// The engine's record of an instance, read as the engine owner; nullopt when the engine
// does not know it. Callers check visibility first (SPI must be connected).
std::optional<EngineSummary> engine_summary(const std::string& instance_id);

// The engine's status word for a df status: Running until finished, then Completed /
// Failed / Canceled.
std::string engine_status_word(const std::string& df_status, bool finished);

}  // namespace df::ext::monitor
