// failure_log.cpp — see failure_log.hpp.
#include <string>
#include <vector>

#include "engine/run_record.hpp"

#include "engine/engine_core.hpp"
#include "engine/failure_log.hpp"
#include "pg/gucs.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "access/xact.h"
}

namespace df::ext::failure_log {
namespace {

struct Line {
  int level;
  int sqlstate;  // 0 = none
  std::string text;
};

std::vector<Line>* pending = nullptr;  // allocated once, never freed
bool callback_registered = false;

// Written only once the failure is durable; dropped with an aborted transaction.
void on_xact_event(XactEvent event, void*) {
  if (!pending || pending->empty()) return;
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT) {
    for (const Line& line : *pending) {
      if (line.sqlstate) ereport(line.level, (errcode(line.sqlstate), errmsg_internal("%s", line.text.c_str())));
      else ereport(line.level, (errmsg_internal("%s", line.text.c_str())));
    }
    pending->clear();
  } else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) {
    pending->clear();
  }
}

bool wanted() {
  return settings.log_failures != kLogFailuresOff && message_level_is_interesting(settings.log_failures);
}

int sqlstate_code(const std::optional<std::string>& s) {
  if (!s || s->size() != 5) return 0;
  for (char c : *s)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return 0;
  const char* p = s->c_str();
  return MAKE_SQLSTATE(p[0], p[1], p[2], p[3], p[4]);
}

// ` (workflow "name" version N)` for an instance of df.start_workflow, else "".
std::string workflow_of(const std::string& instance_id) {
  engine::AsEngineOwner owner;  // df.workflow_runs is under RLS; this runs in any session
  if (spi::exec("SELECT workflow_name, workflow_version FROM df.workflow_runs WHERE instance_id = $1",
                {spi::text(instance_id)}) == 0)
    return std::string();
  return " (workflow \"" + spi::value_or(0, 1, "") + "\" version " + spi::value_or(0, 2, "") + ")";
}

void queue(int sqlstate, std::string text) {
  if (!pending) pending = new std::vector<Line>();
  if (!callback_registered) {
    RegisterXactCallback(on_xact_event, nullptr);
    callback_registered = true;
  }
  pending->push_back(Line{settings.log_failures, sqlstate, std::move(text)});
}

}  // namespace

void step_attempt_failed(const std::string& instance_id, const std::string& node_id, std::uint32_t attempt,
                         bool retried, const std::string& record) {
  if (!wanted()) return;
  std::optional<std::string> sqlstate = run_record::sqlstate_of(record);
  queue(sqlstate_code(sqlstate), "pg_durable: instance " + instance_id + workflow_of(instance_id) + " node " +
                                     node_id + ": step attempt " + std::to_string(attempt) + " failed" +
                                     (retried ? " (will retry)" : "") + ", SQLSTATE " + sqlstate.value_or("none") +
                                     ": " + run_record::message_of(record));
}

void instance_failed(const std::string& instance_id, const std::optional<std::string>& node_id,
                     const std::optional<std::string>& sqlstate, const std::string& message) {
  if (!wanted()) return;
  queue(sqlstate_code(sqlstate), "pg_durable: instance " + instance_id + workflow_of(instance_id) + " failed" +
                                     (node_id ? " at node " + *node_id : std::string()) + ", SQLSTATE " +
                                     sqlstate.value_or("none") + ": " + message);
}

}  // namespace df::ext::failure_log
