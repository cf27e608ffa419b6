// resume.cpp — df.resume(instance_id) (docs/reference.md §3.3, docs/error-handling.md): a
// failed instance runs on from the steps that failed, keeping every completed step's
// result and effect. Only the submitter sees the instance (RLS on df.instances; a superuser
// sees all), so only they can resume it; its steps still run as the submitter (the tasks
// are queued under the instance's role, as ever). Refusals raise, so a refused resume
// changes nothing.
#include <string>

#include "engine/engine.hpp"
#include "engine/instance_status.hpp"
#include "pg/spi.hpp"
#include "surface/surface.hpp"

namespace spi = df::ext::spi;

DF_SURFACE_FUNCTION(df_resume) {
  const std::string id = df::ext::text_arg(fcinfo, 0);
  spi::Connection connection;
  std::optional<std::string> status, role;
  if (spi::exec("SELECT status FROM df.instances WHERE id = $1 FOR UPDATE", {spi::text(id)}) == 1)
    status = spi::value_or(0, 1, "");
  if (spi::exec("SELECT current_user::text", {}) == 1) role = spi::value(0, 1);
  connection.finish();
  if (!status) df::ext::surface::raise("Instance not found or access denied: " + id);
  if (*status != "failed" && *status != df::ext::kPausedStatus)
    throw df::ext::SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "only a failed or paused instance can be resumed",
                            "Instance " + id + " is " + *status + ".",
                            df::ext::is_terminal_status(*status) ? "Start a new instance instead."
                                                                 : "Wait for it with df.await_instance().");
  const std::string problem = df::ext::engine::resume_instance(id, role.value_or(""));
  if (!problem.empty())
    throw df::ext::SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "instance " + id + " cannot be resumed",
                            "The " + problem.substr(problem.rfind("the ", 0) == 0 ? 4 : 0) + ".",
                            "Start a new instance instead; df.resume() changed nothing.");
  return df::ext::text_datum("Instance " + id + " resumed");
}
