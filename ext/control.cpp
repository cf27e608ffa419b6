// control.cpp — df.signal, df.cancel, df.await_instance and df.wait_for_completion
// (REFERENCE.md §3.3). Visibility is always decided by the caller's own SELECT on
// df.instances (RLS), before the engine is asked to do anything.
#include <string>

#include <rapidjson/document.h>

#include "json_text.hpp"

#include "engine.hpp"
#include "instance_status.hpp"
#include "spi.hpp"
#include "surface.hpp"

extern "C" {
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

namespace {

using df::ext::text_arg;
using df::ext::text_datum;
namespace spi = df::ext::spi;
namespace surface = df::ext::surface;

constexpr long kAwaitPollMs = 100;

bool visible(const std::string& instance_id) {
  return spi::exec("SELECT 1 FROM df.instances WHERE id = $1", {spi::text(instance_id)}) == 1;
}

// signal_data that is not JSON travels as a JSON string.
std::string signal_payload(const std::string& data) {
  rapidjson::Document doc;
  if (df::compiler::parse_json(data, doc, nullptr)) return data;
  std::string quoted;
  df::compiler::append_json_string(quoted, data);
  return quoted;
}

std::string error_text(const std::exception& e) { return e.what(); }

// The instance's status under the caller's RLS; nullopt when it is not visible.
std::optional<std::string> instance_status(const std::string& instance_id) {
  spi::Connection connection;
  std::optional<std::string> status;
  if (spi::exec("SELECT status FROM df.instances WHERE id = $1", {spi::text(instance_id)}) == 1)
    status = spi::value_or(0, 1, "");
  connection.finish();
  return status;
}

void sleep_one_poll() {
  df::ext::pg_call([] {
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, kAwaitPollMs, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
  });
  df::ext::check_for_interrupts();
}

Datum await_instance(FunctionCallInfo fcinfo) {
  std::string id = text_arg(fcinfo, 0);
  int timeout_s = PG_GETARG_INT32(1);
  surface::mark_non_future_helper("df.await_instance()");
  if (surface::in_workflow())
    surface::raise("df.await_instance() cannot be called inside a workflow - it would block a worker thread "
                   "(and self-deadlock if waiting on the current instance). Use df.signal() and "
                   "df.wait_for_signal() for cross-workflow coordination.");
  if (timeout_s <= 0) surface::raise("Timeout must be positive");
  TimestampTz deadline = GetCurrentTimestamp() + static_cast<TimestampTz>(timeout_s) * USECS_PER_SEC;
  for (;;) {
    std::optional<std::string> status = instance_status(id);
    if (!status) surface::raise("Instance not found: " + id);
    if (df::ext::is_terminal_status(*status)) return text_datum(*status);
    if (GetCurrentTimestamp() >= deadline)
      surface::raise("Timeout after " + std::to_string(timeout_s) + "s waiting for instance " + id +
                     " (status: " + *status + "). Check if background worker is running.");
    sleep_one_poll();
  }
}

}  // namespace

DF_SURFACE_FUNCTION(df_signal) {
  std::string id = text_arg(fcinfo, 0);
  std::string name = text_arg(fcinfo, 1);
  std::string data = text_arg(fcinfo, 2);
  if (id.empty()) surface::raise("Instance ID cannot be empty");
  if (name.empty()) surface::raise("Signal name cannot be empty");
  spi::Connection connection;
  if (!visible(id)) surface::raise("Instance not found or access denied: " + id);
  connection.finish();
  bool delivered = false;
  try {
    delivered = df::ext::engine::signal_instance(id, name, signal_payload(data));
  } catch (const std::exception& e) {
    surface::raise("Failed to send signal: " + error_text(e));
  }
  if (!delivered) surface::raise("Failed to send signal: instance " + id + " has no engine state");
  return text_datum("OK");
}

// The engine call runs in a subtransaction so that its failure can be *returned* as
// "Failed to cancel: <e>" with the caller's transaction intact (REFERENCE.md §3.3).
DF_SURFACE_FUNCTION(df_cancel) {
  std::string id = text_arg(fcinfo, 0);
  std::string reason = text_arg(fcinfo, 1);
  spi::Connection connection;
  if (!visible(id)) surface::raise("Instance not found or access denied: " + id);
  connection.finish();
  MemoryContext context = CurrentMemoryContext;
  ResourceOwner owner = CurrentResourceOwner;
  df::ext::pg_call([] { BeginInternalSubTransaction(NULL); });
  std::string failure;
  try {
    df::ext::engine::cancel_instance(id, reason);
  } catch (const std::exception& e) {
    failure = error_text(e);
  }
  if (!failure.empty()) {
    df::ext::pg_call([] { RollbackAndReleaseCurrentSubTransaction(); });
  } else {
    df::ext::pg_call([] { ReleaseCurrentSubTransaction(); });
  }
  MemoryContextSwitchTo(context);
  CurrentResourceOwner = owner;
  if (!failure.empty()) return text_datum("Failed to cancel: " + failure);
  spi::Connection update;
  spi::exec("UPDATE df.instances SET status = 'cancelled', updated_at = now() "
            "WHERE id = $1 AND status NOT IN " DF_TERMINAL_STATUSES_SQL, {spi::text(id)});
  update.finish();
  return text_datum("Instance " + id + " cancelled: " + reason);
}

DF_SURFACE_FUNCTION(df_await_instance) { return await_instance(fcinfo); }

DF_SURFACE_FUNCTION(df_wait_for_completion) {
  df::ext::pg_call([] {
    ereport(WARNING, (errmsg("df.wait_for_completion() is deprecated; use df.await_instance() instead")));
  });
  return await_instance(fcinfo);
}
