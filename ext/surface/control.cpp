// control.cpp — df.signal, df.cancel, df.await_instance and df.wait_for_completion
// (docs/reference.md §3.3). Visibility is always decided by the caller's own SELECT on
// df.instances (RLS), before the engine is asked to do anything.
//
// No silent no-ops (README "Controlling instances"): a signal to a name the instance's
// graph never waits for raises; a signal to a finished instance warns and still returns
// 'OK'; cancelling a finished instance adds a NOTICE; awaiting an instance whose start or
// signal is still uncommitted in the caller's own transaction raises at once.
#include <set>
#include <string>

#include <rapidjson/document.h>

#include "json_text.hpp"

#include "engine/engine.hpp"
#include "pg/gucs.hpp"
#include "pg/shmem.hpp"
#include "engine/engine_core.hpp"
#include "engine/instance_status.hpp"
#include "pg/spi.hpp"
#include "pg/subtransaction.hpp"
#include "surface/surface.hpp"

extern "C" {
#include "access/transam.h"
#include "access/xact.h"
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

// df.await_instance's session is woken by the commit that finishes the instance (shmem.hpp
// register_instance_waiter); it also looks again at least this often: the instance may
// end by a path that wakes nobody (a status written by hand), or the waiter table may
// have no room for this session.
constexpr long kAwaitPollMs = 100;

// While alive: this session is registered as waiting for one instance.
class InstanceWaiter {
 public:
  explicit InstanceWaiter(const std::string& instance_id) { (void)df::ext::register_instance_waiter(instance_id); }
  ~InstanceWaiter() { df::ext::unregister_instance_waiter(); }
  InstanceWaiter(const InstanceWaiter&) = delete;
  InstanceWaiter& operator=(const InstanceWaiter&) = delete;
};

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

// The signal names the instance's graph can wait for (its SIGNAL nodes; names are never
// substituted, so the graph decides them). SPI must be connected.
std::set<std::string> awaited_signal_names(const std::string& instance_id) {
  std::uint64_t n = spi::exec("SELECT query FROM df.nodes WHERE instance_id = $1 AND node_type = 'SIGNAL'",
                              {spi::text(instance_id)});
  std::set<std::string> names;
  for (std::uint64_t i = 0; i < n; ++i) {
    rapidjson::Document doc;
    std::string query = spi::value_or(i, 1, "");
    if (!df::compiler::parse_json(query, doc, nullptr) || !doc.IsObject()) continue;
    auto it = doc.FindMember("signal_name");
    if (it != doc.MemberEnd() && it->value.IsString()) names.emplace(df::compiler::json_string_view(it->value));
  }
  return names;
}

std::string quoted_list(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
  return out;
}

// Raises when `name` can never be received: nothing would ever consume it.
void check_signal_name(const std::string& id, const std::string& name) {
  std::set<std::string> names = awaited_signal_names(id);
  if (names.count(name)) return;
  throw df::ext::SqlError(
      ERRCODE_INVALID_PARAMETER_VALUE, "signal \"" + name + "\" can never be received",
      names.empty() ? "Instance " + id + " has no df.wait_for_signal() step."
                    : "Instance " + id + " waits only for " + quoted_list(names) + ".",
      "Check the signal name: names are case-sensitive. Nothing was sent.");
}

// pg_durable.max_signal_bytes, before anything is looked up or written.
void check_signal_size(const std::string& data) {
  const auto cap = static_cast<std::size_t>(df::ext::settings.max_signal_bytes);
  if (data.size() <= cap) return;
  throw df::ext::SqlError(ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                          "signal data is " + std::to_string(data.size()) + " bytes, more than pg_durable.max_signal_bytes (" +
                              std::to_string(cap) + ")",
                          "", "Send a key to data stored in a table instead. Nothing was sent.");
}

// The caller named the instance: the message does not repeat its id.
void report(int level, const std::string& message, const std::string& detail) {
  df::ext::pg_call([&] { ereport(level, (errmsg("%s", message.c_str()), errdetail("%s", detail.c_str()))); });
}

// Whether `xid_text` (an xmin/xmax column as text) is the caller's own open transaction or
// one of its subtransactions.
bool is_own_xid(const std::optional<std::string>& xid_text) {
  if (!xid_text) return false;
  TransactionId xid = static_cast<TransactionId>(std::strtoul(xid_text->c_str(), nullptr, 10));
  return TransactionIdIsValid(xid) && df::ext::pg_call([&] { return TransactionIdIsCurrentTransactionId(xid); });
}

// An instance the caller started, signalled or locked in its still-open transaction
// cannot move before that transaction ends: the executors see neither the instance nor
// its new tasks, and they wait for its row lock. Waiting would only time out.
void check_not_own_uncommitted(const std::string& id) {
  spi::Connection connection;
  bool started_here = spi::exec("SELECT xmin::text FROM df.instances WHERE id = $1", {spi::text(id)}) == 1 &&
                      is_own_xid(spi::value(0, 1));
  bool touched_here = false;
  if (!started_here) {
    df::ext::engine::AsEngineOwner owner;
    if (spi::exec("SELECT xmin::text, xmax::text FROM _duroxide.instance_state WHERE instance_id = $1",
                  {spi::text(id)}) == 1)
      touched_here = is_own_xid(spi::value(0, 1)) || is_own_xid(spi::value(0, 2));
  }
  connection.finish();
  const char* hint = "Commit the transaction that calls df.start() or df.signal(), then call df.await_instance() "
                     "in a later transaction.";
  if (started_here)
    throw df::ext::SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "the instance was started in the current transaction and cannot run before it commits",
                            "Instance " + id + " takes effect when df.start()'s transaction commits; awaiting it in "
                            "that transaction would wait for the whole timeout.", hint);
  if (touched_here)
    throw df::ext::SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "the instance was signalled in the current transaction and cannot act on it before it commits",
                            "Instance " + id + " is locked by the current transaction until it ends; awaiting it in "
                            "that transaction would wait for the whole timeout.", hint);
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
  // Registered before the first look: a commit that finishes the instance after that look
  // sets the latch; one before it is seen by it.
  InstanceWaiter waiter(id);
  for (bool first = true;; first = false) {
    std::optional<std::string> status = instance_status(id);
    if (!status) surface::raise("Instance not found: " + id);
    // A paused instance does nothing until df.resume: waiting on would only time out.
    if (df::ext::is_terminal_status(*status) || *status == df::ext::kPausedStatus) return text_datum(*status);
    if (first) check_not_own_uncommitted(id);
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
  check_signal_size(data);
  spi::Connection connection;
  std::optional<std::string> status;
  if (spi::exec("SELECT status FROM df.instances WHERE id = $1", {spi::text(id)}) == 1)
    status = spi::value_or(0, 1, "");
  if (!status) surface::raise("Instance not found or access denied: " + id);
  check_signal_name(id, name);
  connection.finish();
  if (df::ext::is_terminal_status(*status)) {  // 'OK' as documented, but say that nobody will receive it
    report(WARNING, "signal \"" + name + "\" was not delivered: the instance is " + *status,
           "The instance finished before the signal was sent; df.signal() still returns OK.");
    return text_datum("OK");
  }
  bool delivered = false;
  try {
    delivered = df::ext::engine::signal_instance(id, name, signal_payload(data));
  } catch (const df::ext::SqlError&) {
    throw;  // a refusal with its own SQLSTATE (pg_durable.max_buffered_signals)
  } catch (const std::exception& e) {
    surface::raise("Failed to send signal: " + error_text(e));
  }
  if (!delivered) surface::raise("Failed to send signal: instance " + id + " has no engine state");
  return text_datum("OK");
}

// The engine call runs in a subtransaction so that its failure can be *returned* as
// "Failed to cancel: <e>" with the caller's transaction intact (docs/reference.md §3.3).
DF_SURFACE_FUNCTION(df_cancel) {
  std::string id = text_arg(fcinfo, 0);
  std::string reason = text_arg(fcinfo, 1);
  std::optional<std::string> status = instance_status(id);
  if (!status) surface::raise("Instance not found or access denied: " + id);
  if (df::ext::is_terminal_status(*status))
    report(NOTICE, "nothing was cancelled: the instance is already " + *status,
           "The instance keeps its status; df.cancel() returns its usual text.");
  std::string failure;
  {
    df::ext::SubTransaction engine_call;
    try {
      df::ext::engine::cancel_instance(id, reason);
    } catch (const std::exception& e) {
      failure = error_text(e);
    }
    if (failure.empty()) engine_call.release();
    else engine_call.rollback();
  }
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
