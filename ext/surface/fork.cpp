// fork.cpp — df.fork(instance_id, from_node) (docs/error-handling.md "Fork", docs/reference.md
// §3.3): a new instance of the same graph that reuses the results of the steps before
// `from_node` (they do not run again) and runs `from_node` and everything after it. The
// caller sees the instance only if it is theirs or they are a superuser (RLS on
// df.instances), so only they can fork it or read its results through a fork; the new
// instance belongs to the original's submitter, whose role its steps run as, and keeps its
// label, variables, retry policy and on_failure. The original
// is not changed. The rules of "before" and the refusals are vm/fork.hpp's.
#include <string>

#include "fork.hpp"
#include "program.hpp"
#include "wire_json.hpp"

#include "engine/engine.hpp"
#include "pg/spi.hpp"
#include "surface/start.hpp"
#include "surface/surface.hpp"

namespace spi = df::ext::spi;

namespace {

// The pre-order index of `node_id` among the instance's nodes.
std::optional<std::uint32_t> node_index(const std::vector<std::string>& ids, const std::string& node_id) {
  for (std::uint32_t i = 0; i < ids.size(); ++i)
    if (ids[i] == node_id) return i;
  return std::nullopt;
}

}  // namespace

DF_SURFACE_FUNCTION(df_fork) {
  const std::string id = df::ext::text_arg(fcinfo, 0);
  const std::string from = df::ext::text_arg(fcinfo, 1);
  spi::Connection connection;
  const bool visible =
      spi::exec("SELECT submitted_by::oid, label FROM df.instances WHERE id = $1", {spi::text(id)}) == 1;
  df::ext::start::ForkStart start;
  if (visible) {
    start.role = static_cast<unsigned int>(std::stoul(spi::value_or(0, 1, "0")));
    start.label = spi::value(0, 2);
  }
  connection.finish();
  if (!visible) df::ext::surface::raise("Instance not found or access denied: " + id);
  std::optional<df::ext::engine::ForkSource> src = df::ext::engine::read_fork_source(id);
  if (!src) df::ext::surface::raise("Instance not found or access denied: " + id);
  const std::string refused = "cannot fork instance " + id + " from node " + from;
  std::optional<std::uint32_t> index = node_index(src->node_ids, from);
  if (!index)
    throw df::ext::SqlError(ERRCODE_INVALID_PARAMETER_VALUE, refused,
                            "Node " + from + " is not a node of instance " + id + ".",
                            "Pick a node_id from df.instance_nodes('" + id + "').");
  const df::vm::Program program = df::vm::lower(*df::compiler::parse_strict(src->graph_json));
  try {
    start.point = df::vm::plan_fork(program, *index, src->nodes);
  } catch (const df::vm::ForkError& e) {
    const std::string about = e.node == *index ? "" : " (node " + src->node_ids.at(e.node) + ")";
    throw df::ext::SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, refused,
                            std::string("Node ") + from + " cannot be forked from: " + e.what() + about + ".",
                            "A fork starts from a step of the top-level sequence (the root, or joined to it by ~> "
                            "only) that ran, after steps that can be reused (docs/error-handling.md \"Fork\").");
  }
  start.graph_json = src->graph_json;
  if (!src->database.empty()) start.database = src->database;
  start.variables.assign(src->state.variables.begin(), src->state.variables.end());
  start.retry = src->state.retry;
  start.pause_on_failure = src->pause_on_failure;
  std::vector<std::string> new_ids;
  const std::string new_id = df::ext::start::start_fork(start, new_ids);
  df::ext::engine::record_fork(new_id, new_ids, id, src->node_ids, df::vm::fork_reused_nodes(program, *index), *index);
  return df::ext::text_datum(new_id);
}
