// engine_core.cpp — see engine_core.hpp. Persists each vm::Action:
//   RunSql / RunHttp   a runnable row in _duroxide.tasks, queued under the instance's
//                      role; that role's executors (or the scheduler) woken at commit -
//                      or, the one SQL task of an event under a ContinuationOffer, no
//                      row: handed to the executor that stepped the instance
//   ArmTimer           a timer row with due_at; the scheduler woken at commit
//   CancelTask         its row deleted unless an executor holds it (then that executor's
//                      late answer is refused by the VM and its effects rolled back)
//   Node*              df.nodes status/result/status_details of the node
//   Instance*          df.instances terminal status; engine state marked finished
#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "json_text.hpp"
#include "wire_json.hpp"

#include "engine/engine_core.hpp"
#include "pg/gucs.hpp"
#include "engine/instance_status.hpp"
#include "pg/shmem.hpp"
#include "pg/spi.hpp"
#include "engine/step_record.hpp"

extern "C" {
#include "catalog/pg_authid.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
}

namespace df::ext::engine {
namespace {

constexpr std::size_t kGraphCacheLimit = 2048;

void close_execution(const std::string& instance_id, const char* status, const std::string& output);
std::unordered_map<std::string, std::shared_ptr<const Graph>> graph_cache;
std::unordered_set<std::string> graph_cache_ids;  // the instance ids graph_cache holds a graph of

// The open continuation offer (ContinuationOffer) and what it took.
struct Offer {
  bool open = false;
  std::string instance_id;
  std::optional<HeldTask> held;
};
Offer offer;

// "{a1b2c3d4,0f0f0f0f}" -> ids (ids are hex: never quoted in array output).
std::vector<std::string> parse_id_array(const std::string& text) {
  std::vector<std::string> ids;
  std::string current;
  for (char c : text) {
    if (c == '{' || c == '}' || c == '"') continue;
    if (c == ',') { ids.push_back(current); current.clear(); continue; }
    current += c;
  }
  if (!current.empty()) ids.push_back(current);
  return ids;
}

// "<instance>::<gen>::<node id>::<gen>..." from the VM's "<gen>::#<idx>::<gen>".
std::string execution_stamp(const Instance& inst, const std::string& scope) {
  std::string out = inst.id + "::";
  for (std::size_t i = 0; i < scope.size(); ++i) {
    if (scope[i] != '#') { out += scope[i]; continue; }
    std::size_t j = i + 1;
    while (j < scope.size() && isdigit(static_cast<unsigned char>(scope[j]))) ++j;
    std::size_t idx = std::stoul(scope.substr(i + 1, j - i - 1));
    out += idx < inst.graph->node_ids.size() ? inst.graph->node_ids[idx] : scope.substr(i, j - i);
    i = j - 1;
  }
  return out;
}

const std::string& node_id(const Instance& inst, std::uint32_t node) {
  if (node >= inst.graph->node_ids.size()) throw std::runtime_error("pg_durable: VM named an unknown node index");
  return inst.graph->node_ids[node];
}

bool is_json(const std::string& text) {
  rapidjson::Document doc;
  std::string error;
  return compiler::parse_json(text, doc, &error);
}

// status_details = {"execution_id"} plus the VM's detail (attempts, errors) and, for a
// node waiting to retry, "next_retry_at"; the clock times, error record and run record of
// step_record.hpp ($8..$14, DF_NODE_STAMP_SQL).
void stamp_node(const Instance& inst, const vm::Action& a, const char* status, bool with_result) {
  const char* sql_json =
      "UPDATE df.nodes SET status = $3, result = $4::jsonb, "
      "status_details = jsonb_build_object('execution_id', $5::text) || coalesce($6::jsonb, '{}') || "
      "CASE WHEN $7::float8 IS NULL THEN '{}'::jsonb "
      "ELSE jsonb_build_object('next_retry_at', to_timestamp($7::float8 / 1000)) END, " DF_NODE_STAMP_SQL " "
      "WHERE instance_id = $1 AND id = $2";
  const char* sql_string =
      "UPDATE df.nodes SET status = $3, result = to_jsonb($4::text), "
      "status_details = jsonb_build_object('execution_id', $5::text) || coalesce($6::jsonb, '{}') || "
      "CASE WHEN $7::float8 IS NULL THEN '{}'::jsonb "
      "ELSE jsonb_build_object('next_retry_at', to_timestamp($7::float8 / 1000)) END, " DF_NODE_STAMP_SQL " "
      "WHERE instance_id = $1 AND id = $2";
  std::optional<std::string> result;
  if (with_result) result = a.text;
  bool as_json = !with_result || is_json(a.text);
  std::optional<std::string> detail;
  if (!a.detail.empty()) detail = a.detail;
  std::optional<std::string> retry_at;
  if (a.kind == vm::Action::Kind::NodeRetrying) retry_at = std::to_string(a.deadline_ms);
  std::string execution = execution_stamp(inst, a.scope);
  step_record::NodeStamp times =
      step_record::stamp_for(inst.id, node_id(inst, a.node), inst.graph->program.nodes.at(a.node).type, a, execution);
  spi::exec(as_json ? sql_json : sql_string,
            {spi::text(inst.id), spi::text(node_id(inst, a.node)), spi::text(status),
             spi::optional_text(result), spi::text(execution),
             spi::optional_text(detail), spi::optional_text(retry_at), DF_NODE_STAMP_ARGS(times)});
  step_record::stamped(times);
}

// Appends `value` to a text[] literal being built ("{" ... "}"): quoted, or NULL.
void append_array_element(std::string& out, const std::optional<std::string>& value) {
  if (out.size() > 1) out += ',';
  if (!value) {
    out += "NULL";
    return;
  }
  out += '"';
  for (char c : *value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

// What one event writes besides its state (write_event): its node stamps (vm::Action
// Node*) and the tasks it creates (RunSql, RunHttp, ArmTimer).
struct NodeStamp {
  const vm::Action* action;
  const char* status;
  bool with_result;
};
struct NewTask {
  const vm::Action* action;
  const char* kind;
};

// The checkpoint's part of an event's one statement (write_event): a data-modifying CTE
// named `s` that writes the event's new state and returns one row if it was written.
// INSERTs df.start's row (and its graph's), else UPDATEs it - for an instance read without its lock, as a
// compare-and-set on the event count that takes the row lock (nothing matches when the
// state moved on). Its parameters are numbered from `first` ($1 is the instance id).
// The state's storage is this function's business alone: the rest of the statement only
// asks whether `s` returned a row. A large state (state_store.hpp: base + deltas) is
// written by state_store::write in a statement of its own first; `s` then only says
// whether that write won (`written` false: the compare-and-set lost, nothing written).
// `after` receives the row's new layout.
struct StateWrite {
  const std::string* cte;
  std::vector<spi::Arg> args;  // $first, $first+1, ...
  bool written = true;
};
StateWrite state_write(const Instance& inst, const vm::State& state, const vm::Touched& touched,
                       std::uint32_t generation, int first, state_store::Layout& after) {
  auto p = [first](int i) { return "$" + std::to_string(first + i); };
  if (inst.unstored) {
    // the frozen graph goes to its write-once row (sql/parts/80_engine.sql instance_graphs)
    static const std::string insert =
        "g AS (INSERT INTO _duroxide.instance_graphs (instance_id, graph, node_ids) VALUES ($1, " + p(2) + ", " +
        p(3) + "::text[])), "
        "s AS (INSERT INTO _duroxide.instance_state (instance_id, submitted_by, state, "
        "database, event_count, generation, on_failure, delta_bytes) VALUES ($1, " + p(4) +
        ", " + p(0) + ", " + p(5) + ", 1, " + p(1) + ", " + p(6) + ", CASE WHEN " + p(7) + " THEN 0 END) RETURNING 1)";
    std::string bytes = state_store::first_write(state, after);
    return {&insert,
            {spi::binary(bytes), spi::int4(static_cast<int>(generation)),
             spi::text(inst.unstored->graph_json), spi::text(inst.unstored->node_ids), spi::oid(inst.submitted_by),
             spi::optional_text(inst.unstored->database), spi::text(inst.pause_on_failure ? "pause" : "fail"),
             spi::boolean(after.delta_bytes.has_value())}};
  }
  if (!inst.layout.delta_bytes) {
    std::string bytes = vm::serialize(state);
    if (bytes.size() <= state_store::kLargeStateBytes) {  // the usual case: the whole state, one HOT update
      static const std::string update =
          "s AS (UPDATE _duroxide.instance_state SET state = " + p(0) + ", event_count = event_count + 1, "
          "generation = " + p(1) + ", updated_at = clock_timestamp() "
          "WHERE instance_id = $1 AND (" + p(3) + " OR (event_count = " + p(2) + " AND NOT finished)) RETURNING 1)";
      after = state_store::Layout{std::nullopt, static_cast<std::int64_t>(bytes.size())};
      return {&update,
              {spi::binary(bytes), spi::int4(static_cast<int>(generation)), spi::int8(inst.event_count),
               spi::boolean(inst.locked)}};
    }
  }
  static const std::string already = "s AS (SELECT 1)";
  StateWrite sw{&already, {}};
  sw.written = state_store::write(state_store::Target{inst.id, inst.event_count, inst.locked, inst.layout}, state,
                                  touched, generation, after);
  return sw;
}

// TimestampTz -> microseconds since the Unix epoch (passed as bigint, converted back
// exactly in SQL: 'epoch' + n microseconds).
std::optional<std::string> unix_us_text(const std::optional<TimestampTz>& t) {
  if (!t) return std::nullopt;
  return std::to_string(*t + static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY *
                                 USECS_PER_SEC);
}

// The rest of an event's statement after its state CTE: the node stamps (`n`) and new
// tasks (`t`), each applied only if the state was written (EXISTS (SELECT FROM s): a
// one-time filter, so a failed compare-and-set reads no df.nodes row either); the
// statement returns how many state rows it wrote (0 or 1). The SET list is
// step_record.hpp's DF_NODE_STAMP_SQL per row: started_at kept when asked, the run
// records as DF_STAMPED_RUNS_SQL leaves them.
constexpr const char* kEffectsSql =
    "n AS (UPDATE df.nodes n SET status = v.status, "
    "result = CASE WHEN v.as_json THEN v.result::jsonb ELSE to_jsonb(v.result) END, "
    "status_details = jsonb_build_object('execution_id', v.exec) || coalesce(v.detail::jsonb, '{}') || "
    "CASE WHEN v.retry IS NULL THEN '{}'::jsonb "
    "ELSE jsonb_build_object('next_retry_at', to_timestamp(v.retry / 1000)) END, "
    "updated_at = clock_timestamp(), "
    "started_at = CASE WHEN v.keep THEN coalesce(n.started_at, v.started) ELSE v.started END, "
    "finished_at = v.finished, error = v.error, "
    "runs = " DF_STAMPED_RUNS_SQL("n.runs", "n.node_type", "n.status", "n.status_details", "n.started_at",
                                  "n.finished_at", "v.run", "v.held", "$20") " "
    "FROM (SELECT u.id, u.status, u.result, u.as_json, u.exec, u.detail, u.retry, u.keep, "
    "'epoch'::timestamptz + u.started * '1 microsecond'::interval AS started, "
    "'epoch'::timestamptz + u.finished * '1 microsecond'::interval AS finished, u.error, u.run::jsonb AS run, "
    "u.held FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::text[], $8::float8[], "
    "$9::boolean[], $10::bigint[], $11::bigint[], $12::text[], $13::text[], $22::boolean[]) "
    "AS u(id, status, result, as_json, exec, detail, retry, keep, started, finished, error, run, held)) v "
    "WHERE n.instance_id = $1 AND n.id = v.id AND EXISTS (SELECT FROM s)), "
    "t AS (INSERT INTO _duroxide.tasks (instance_id, task_id, kind, node, payload, iteration, due_at, "
    "submitted_by) SELECT $1, v.task_id, v.kind, v.node, v.payload, v.iteration, "
    "to_timestamp(v.due / 1000), $19 "
    "FROM unnest($14::bigint[], $15::text[], $16::integer[], $17::text[], $18::integer[], $21::float8[]) "
    "AS v(task_id, kind, node, payload, iteration, due) WHERE EXISTS (SELECT FROM s)) "
    "SELECT count(*) FROM s";
constexpr int kEffectsParams = 22;

// Writes an event: its new state (the checkpoint), its node stamps (vm::Action Node*)
// and the tasks it creates (RunSql, RunHttp, ArmTimer), in ONE statement. Returns
// whether it was written; false: the compare-and-set of an unlocked read failed (the
// state moved on) and nothing of the event was written or queued. A node stamped twice
// in one event (rare) is stamped in order, one statement each after it, so that every
// stamp's run record and start time count. Each stamp's extra columns come from
// step_record::stamp_for, computed before the statement and queued for commit
// (step_record::stamped) only once it applied.
bool write_event(const Instance& inst, const vm::State& state, const vm::Touched& touched, std::uint32_t generation,
                 state_store::Layout& after, const std::vector<NodeStamp>& stamps, std::vector<NewTask> tasks) {
  // The executor's continuation (ContinuationOffer): the event's one new task, a SQL step
  // of a local instance, stays with the executor; any other task is queued and woken for.
  std::optional<HeldTask> held;
  if (offer.open && !offer.held && offer.instance_id == inst.id && tasks.size() == 1 &&
      std::strcmp(tasks[0].kind, "sql") == 0 && inst.database.empty()) {
    const vm::Action& a = *tasks[0].action;
    held = HeldTask{inst.id, a.task_id, a.node, a.iteration, a.text};
    tasks.clear();
  }
  bool repeated = false;
  for (std::size_t i = 0; i < stamps.size() && !repeated; ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (stamps[j].action->node == stamps[i].action->node) repeated = true;
  std::string ids = "{", statuses = "{", results = "{", as_json = "{", execs = "{", details = "{", retries = "{",
              keeps = "{", starts = "{", finishes = "{", errors = "{", runs = "{", helds = "{";
  int runs_kept = settings.step_runs_per_node;
  std::vector<step_record::NodeStamp> computed;
  if (!repeated)
    for (const NodeStamp& st : stamps) {
      const vm::Action& a = *st.action;
      const std::string& node = node_id(inst, a.node);
      std::string execution = execution_stamp(inst, a.scope);
      computed.push_back(
          step_record::stamp_for(inst.id, node, inst.graph->program.nodes.at(a.node).type, a, execution, computed));
      const step_record::NodeStamp& times = computed.back();
      runs_kept = times.runs_kept;
      append_array_element(ids, node);
      append_array_element(statuses, std::string(st.status));
      append_array_element(results, st.with_result ? std::optional<std::string>(a.text) : std::nullopt);
      append_array_element(as_json, std::string(!st.with_result || is_json(a.text) ? "t" : "f"));
      append_array_element(execs, execution);
      append_array_element(details, a.detail.empty() ? std::nullopt : std::optional<std::string>(a.detail));
      append_array_element(retries, a.kind == vm::Action::Kind::NodeRetrying
                                        ? std::optional<std::string>(std::to_string(a.deadline_ms))
                                        : std::nullopt);
      append_array_element(keeps, std::string(times.keep_started ? "t" : "f"));
      append_array_element(starts, unix_us_text(times.started_at));
      append_array_element(finishes, unix_us_text(times.finished_at));
      append_array_element(errors, times.error);
      append_array_element(runs, times.run);
      append_array_element(helds, std::string(times.run_held ? "t" : "f"));
    }
  std::string task_ids = "{", kinds = "{", nodes = "{", payloads = "{", iterations = "{", dues = "{";
  for (const NewTask& t : tasks) {
    const vm::Action& a = *t.action;
    append_array_element(task_ids, std::to_string(a.task_id));
    append_array_element(kinds, std::string(t.kind));
    append_array_element(nodes, std::to_string(a.node));
    append_array_element(payloads, a.text);
    append_array_element(iterations, std::to_string(a.iteration));
    append_array_element(dues, a.kind == vm::Action::Kind::ArmTimer
                                   ? std::optional<std::string>(std::to_string(a.deadline_ms))
                                   : std::nullopt);  // ms since the Unix epoch
  }
  for (std::string* arr : {&ids, &statuses, &results, &as_json, &execs, &details, &retries, &keeps, &starts, &finishes,
                           &errors, &runs, &helds, &task_ids, &kinds, &nodes, &payloads, &iterations, &dues})
    *arr += '}';
  StateWrite sw = state_write(inst, state, touched, generation, kEffectsParams + 1, after);
  if (!sw.written) return false;  // the state moved on: nothing written
  // One text per state part (the plan cache is keyed by it): built once per process.
  static std::unordered_map<const std::string*, std::string> statements;
  std::string& sql = statements[sw.cte];
  if (sql.empty()) sql = "WITH " + *sw.cte + ", " + kEffectsSql;
  std::vector<spi::Arg> args = {
      spi::text(inst.id), spi::text(ids), spi::text(statuses), spi::text(results), spi::text(as_json),
      spi::text(execs), spi::text(details), spi::text(retries), spi::text(keeps), spi::text(starts),
      spi::text(finishes), spi::text(errors), spi::text(runs), spi::text(task_ids), spi::text(kinds),
      spi::text(nodes), spi::text(payloads), spi::text(iterations), spi::oid(inst.submitted_by),
      spi::int4(runs_kept), spi::text(dues), spi::text(helds)};
  args.insert(args.end(), sw.args.begin(), sw.args.end());
  spi::exec(sql.c_str(), args);
  if (spi::value_or(0, 1, "0") != "1") return false;  // the state moved on: nothing written
  for (const step_record::NodeStamp& st : computed) step_record::stamped(st);
  if (repeated)
    for (const NodeStamp& st : stamps) stamp_node(inst, *st.action, st.status, st.with_result);
  if (held) offer.held = std::move(held);
  for (const NewTask& t : tasks) {
    if (std::strcmp(t.kind, "timer") == 0) wake_scheduler_at_commit();
    else wake_role_executors_at_commit(inst.submitted_by, inst.id, t.action->task_id);
  }
  return true;
}

void cancel_task(const Instance& inst, std::uint64_t task_id) {
  spi::exec(
      "DELETE FROM _duroxide.tasks WHERE (instance_id, task_id) IN ("
      "SELECT instance_id, task_id FROM _duroxide.tasks WHERE instance_id = $1 AND task_id = $2 "
      "FOR UPDATE SKIP LOCKED)",
      {spi::text(inst.id), spi::int8(static_cast<std::int64_t>(task_id))});
  request_cancel_of_running_task(inst.id, task_id);
}

void forget_graph(const std::string& instance_id) {
  if (graph_cache_ids.erase(instance_id) == 0) return;
  for (auto it = graph_cache.begin(); it != graph_cache.end();)
    it = it->first.compare(0, instance_id.size() + 1, instance_id + "@") == 0 ? graph_cache.erase(it) : std::next(it);
}

// One statement of data-modifying CTEs (each a statement of its own before: the last step
// of every instance paid for four executor start-ups): the instance's terminal status,
// its engine state finished, its buffered signals dropped (kept when paused), its running
// execution closed with the instance's event count.
void finish_instance(const Instance& inst, const char* status, const std::string& output) {
  forget_graph(inst.id);  // a finished instance never steps again: keep the cache small
  wake_instance_waiters_at_commit(inst.id);  // df.await_instance (paused ones return too)
  const bool completed = std::strcmp(status, "completed") == 0;
  if (std::strcmp(status, "failed") == 0) step_record::instance_failed(inst.id, output);
  // A paused instance (on_failure 'pause') stops stepping until df.resume: its engine state is
  // finished like a failed one's (the resume point is in it), but the signals it has not
  // consumed yet stay buffered for after the resume.
  const bool paused = std::strcmp(status, "paused") == 0;
  spi::exec("WITH i AS (UPDATE df.instances SET status = $2, "
            "completed_at = CASE WHEN $4 THEN clock_timestamp() ELSE completed_at END, updated_at = clock_timestamp() "
            "WHERE id = $1 AND status NOT IN " DF_TERMINAL_STATUSES_SQL " RETURNING 1), "
            "s AS (UPDATE _duroxide.instance_state SET finished = true, output = $3, finished_at = clock_timestamp(), "
            "buffered_signals = CASE WHEN $5 THEN buffered_signals ELSE 0 END WHERE instance_id = $1 "
            "RETURNING event_count), "
            "b AS (DELETE FROM _duroxide.buffered_signals WHERE instance_id = $1 AND NOT $5 RETURNING 1), "
            "x AS (UPDATE _duroxide.executions x SET status = $6, output = $3, finished_at = clock_timestamp(), "
            "event_count = coalesce((SELECT s.event_count FROM s), 0) - x.started_at_event "
            "WHERE x.instance_id = $1 AND x.status = 'Running' RETURNING 1) "
            "SELECT 1",
            {spi::text(inst.id), spi::text(status), spi::text(output), spi::boolean(completed), spi::boolean(paused),
             spi::text(completed ? "Completed" : "Failed")});
}

// Sorts one action: node stamps and new tasks go to write_event (which also owes the
// wake-up of a queued task's commit); the rest is persisted by perform_rest, after it, in the VM's order.
void classify(const vm::Action& a, std::vector<NodeStamp>& stamps, std::vector<NewTask>& tasks,
              std::vector<const vm::Action*>& rest) {
  using K = vm::Action::Kind;
  switch (a.kind) {
    case K::RunSql: tasks.push_back({&a, "sql"}); break;
    case K::RunHttp: tasks.push_back({&a, "http"}); break;
    case K::ArmTimer: tasks.push_back({&a, "timer"}); break;
    case K::NodeRunning: stamps.push_back({&a, "running", false}); break;
    case K::NodeCompleted: stamps.push_back({&a, "completed", true}); break;
    case K::NodeFailed: stamps.push_back({&a, "failed", true}); break;
    case K::NodeRetrying: stamps.push_back({&a, "running", false}); break;
    case K::CancelTask:
    case K::InstanceCompleted:
    case K::InstanceFailed:
    case K::InstancePaused: rest.push_back(&a); break;
  }
}

void perform_rest(const Instance& inst, const vm::Action& a) {
  using K = vm::Action::Kind;
  switch (a.kind) {
    case K::CancelTask: cancel_task(inst, a.task_id); break;
    case K::InstanceCompleted: finish_instance(inst, "completed", a.text); break;
    case K::InstanceFailed: finish_instance(inst, "failed", a.text); break;
    case K::InstancePaused: finish_instance(inst, "paused", a.text); break;
    default: break;  // written by write_event
  }
}

// The root orchestration's generation: 1, plus one per root-loop iteration (what the
// reference reports as execution_count / current_execution_id).
std::uint32_t root_generation(const vm::State& state) {
  for (const auto& [id, thread] : state.threads)
    if (thread.parent == 0 && !thread.scope.empty()) return thread.scope.front().generation;
  return 1;
}

// Keeps _duroxide.executions in step with the root generation. Runs after the event's
// state write, so inst.event_count counts the event; the event belongs to the execution
// it leads to. The running execution's event count is not written per event (see
// started_at_event in sql/parts/80_engine.sql): only when it ends.
void record_execution(const Instance& inst, std::uint32_t before, std::uint32_t after, bool started) {
  if (started)
    spi::exec("INSERT INTO _duroxide.executions (instance_id, execution_id, status, started_at, started_at_event) "
              "VALUES ($1, 1, 'Running', clock_timestamp(), $2 - 1) ON CONFLICT DO NOTHING",
              {spi::text(inst.id), spi::int8(inst.event_count)});
  if (after > before) {
    spi::exec("UPDATE _duroxide.executions SET status = 'ContinuedAsNew', finished_at = clock_timestamp(), "
              "event_count = $3 - 1 - started_at_event WHERE instance_id = $1 AND execution_id = $2",
              {spi::text(inst.id), spi::int4(static_cast<int>(before)), spi::int8(inst.event_count)});
    spi::exec("INSERT INTO _duroxide.executions (instance_id, execution_id, status, started_at, started_at_event) "
              "VALUES ($1, $2, 'Running', clock_timestamp(), $3 - 1) ON CONFLICT DO NOTHING",
              {spi::text(inst.id), spi::int4(static_cast<int>(after)), spi::int8(inst.event_count)});
  }
}

// Ends the running execution: its event count is the instance's count since it began.
void close_execution(const std::string& instance_id, const char* status, const std::string& output) {
  spi::exec("UPDATE _duroxide.executions x SET status = $2, output = $3, finished_at = clock_timestamp(), "
            "event_count = coalesce((SELECT s.event_count FROM _duroxide.instance_state s "
            "WHERE s.instance_id = $1), 0) - x.started_at_event "
            "WHERE x.instance_id = $1 AND x.status = 'Running'",
            {spi::text(instance_id), spi::text(status), spi::text(output)});
}

}  // namespace

std::int64_t now_ms() {
  TimestampTz now = GetCurrentTimestamp();
  return now / 1000 + static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000;
}

std::shared_ptr<const Graph> build_graph(const std::string& graph_json, std::vector<std::string> node_ids) {
  auto graph = std::make_shared<Graph>();
  ir::NodePtr root = compiler::parse_strict(graph_json);
  graph->program = vm::lower(*root);
  graph->node_ids = std::move(node_ids);
  if (graph->node_ids.size() != graph->program.nodes.size())
    throw std::runtime_error("pg_durable: " + std::to_string(graph->node_ids.size()) + " node ids for " +
                             std::to_string(graph->program.nodes.size()) + " nodes");
  return graph;
}

std::shared_ptr<const Graph> build_graph(const ir::Node& root, std::vector<std::string> node_ids) {
  auto graph = std::make_shared<Graph>();
  graph->program = vm::lower(root);
  graph->node_ids = std::move(node_ids);
  if (graph->node_ids.size() != graph->program.nodes.size())
    throw std::runtime_error("pg_durable: " + std::to_string(graph->node_ids.size()) + " node ids for " +
                             std::to_string(graph->program.nodes.size()) + " nodes");
  return graph;
}

std::shared_ptr<const Graph> cache_graph(const std::string& key, const std::string& graph_json,
                                         std::vector<std::string> node_ids) {
  auto found = graph_cache.find(key);
  if (found != graph_cache.end()) return found->second;
  std::shared_ptr<const Graph> graph = build_graph(graph_json, std::move(node_ids));
  if (graph_cache.size() >= kGraphCacheLimit) {
    graph_cache.clear();
    graph_cache_ids.clear();
  }
  graph_cache.emplace(key, graph);
  graph_cache_ids.insert(key.substr(0, key.find('@')));
  return graph;
}

namespace {

// Decodes a checkpoint into inst.state (`whole`, or the base + deltas state_store reads,
// from its cache when it can), or says why this build must not resume it: its layout is
// unknown, or its pcs index into another lowering (docs/upgrades.md). Never guesses: the
// instance then fails with this message.
std::optional<std::string> read_checkpoint(Instance& inst, const std::optional<std::string>& whole) {
  try {
    if (inst.layout.delta_bytes) {
      inst.state = state_store::read_large(inst.id, inst.cache_key, inst.event_count, inst.graph->program);
    } else {  // checked by each event (apply_one_event)
      inst.state = std::make_shared<vm::State>(vm::deserialize(whole.value_or(std::string())));
    }
  } catch (const vm::StateError& e) {
    return "pg_durable " DF_VERSION " cannot resume instance " + inst.id + ": its checkpoint is unreadable (" +
           e.what() + "); it was written by another build of pg_durable";
  }
  if (inst.state->lowering_version != vm::kLoweringVersion)
    return "pg_durable " DF_VERSION " cannot resume instance " + inst.id + ": it was started under workflow lowering version " +
           std::to_string(inst.state->lowering_version) + " and this build runs lowering version " +
           std::to_string(vm::kLoweringVersion) + "; finish it under the release that started it";
  return std::nullopt;
}

}  // namespace

std::optional<Instance> instance_from_row(const std::string& instance_id, int first, int graph_first) {
  if (!spi::value(0, first)) return std::nullopt;
  Instance inst;
  inst.id = instance_id;
  inst.submitted_by = static_cast<Oid>(std::stoul(spi::value_or(0, first, "0")));
  std::string created_at = spi::value_or(0, first + 2, "");
  inst.database = spi::value_or(0, first + 3, "");
  inst.event_count = std::stoll(spi::value_or(0, first + 4, "0"));
  inst.pause_on_failure = spi::value_or(0, first + 5, "fail") == "pause";
  if (std::optional<std::string> deltas = spi::value(0, first + 6)) inst.layout.delta_bytes = std::stoll(*deltas);
  inst.layout.base_bytes = std::stoll(spi::value_or(0, first + 7, "0"));
  std::optional<std::string> whole = spi::bytea_value(0, first + 1);  // read before the next statement
  // Ids are random and may be reused after retention: the creation time makes the key unique.
  inst.cache_key = instance_id + "@" + created_at;
  auto cached = graph_cache.find(inst.cache_key);
  if (cached != graph_cache.end()) {
    inst.graph = cached->second;
  } else if (graph_first > 0 && spi::value(0, graph_first)) {  // read by the caller's statement
    inst.graph = cache_graph(inst.cache_key, spi::value_or(0, graph_first, ""),
                             parse_id_array(spi::value_or(0, graph_first + 1, "{}")));
  } else {  // the graph is frozen: read and lower it once per process
    spi::exec("SELECT graph, node_ids::text FROM _duroxide.instance_graphs WHERE instance_id = $1",
              {spi::text(instance_id)});
    inst.graph = cache_graph(inst.cache_key, spi::value_or(0, 1, ""), parse_id_array(spi::value_or(0, 2, "{}")));
  }
  if (std::optional<std::string> refusal = read_checkpoint(inst, whole)) {
    fail_instance(instance_id, *refusal);
    return std::nullopt;
  }
  return inst;
}

bool graph_cached(const std::string& instance_id) { return graph_cache_ids.count(instance_id) != 0; }

std::optional<Instance> load_instance(const std::string& instance_id, bool lock) {
  const char* sql_lock =
      "SELECT " DF_INSTANCE_COLUMNS " FROM _duroxide.instance_state s "
      "WHERE s.instance_id = $1 AND NOT s.finished FOR UPDATE";
  const char* sql_plain =
      "SELECT " DF_INSTANCE_COLUMNS " FROM _duroxide.instance_state s "
      "WHERE s.instance_id = $1 AND NOT s.finished";
  if (spi::exec(lock ? sql_lock : sql_plain, {spi::text(instance_id)}) == 0) return std::nullopt;
  std::optional<Instance> inst = instance_from_row(instance_id, 1);
  if (inst) inst->locked = lock;
  return inst;
}

namespace {

enum class Outcome { Accepted, Refused, Stale };
Outcome apply_one_event(Instance& inst, const vm::Event& event, vm::Touched& touched);

// The oldest buffered signal for a name some thread now waits for, taken out of the
// table; nullopt when there is none (or no thread waits). Of a large state only the
// threads the last event touched are looked at (vm::awaited_signal_names).
std::optional<vm::Event> take_buffered_signal(const Instance& inst, const vm::Touched& touched) {
  const auto names = vm::awaited_signal_names(inst.graph->program, *inst.state,
                                              inst.layout.delta_bytes ? &touched : nullptr);
  if (names.empty()) return std::nullopt;
  std::string array = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    array += i ? ",\"" : "\"";
    for (char c : names[i]) {
      if (c == '"' || c == '\\') array += '\\';
      array += c;
    }
    array += '"';
  }
  array += "}";
  if (spi::exec("DELETE FROM _duroxide.buffered_signals WHERE (instance_id, seq) = ("
                "SELECT instance_id, seq FROM _duroxide.buffered_signals "
                "WHERE instance_id = $1 AND name = ANY($2::text[]) ORDER BY seq LIMIT 1) "
                "RETURNING name, payload",
                {spi::text(inst.id), spi::text(array)}) == 0)
    return std::nullopt;
  vm::Event signal;
  signal.kind = vm::Event::Kind::Signal;
  signal.now_ms = now_ms();
  signal.signal_name = spi::value_or(0, 1, "");
  signal.payload = spi::value_or(0, 2, "");
  spi::exec("UPDATE _duroxide.instance_state SET buffered_signals = buffered_signals - 1 WHERE instance_id = $1",
            {spi::text(inst.id)});
  return signal;
}

}  // namespace

// The event, then (a loop, not recursion) every buffered signal a wait it reached can take.
bool apply_event(Instance& inst, const vm::Event& event) {
  inst.locked = true;  // the caller's contract: locked, or created by this transaction
  vm::Touched touched;
  if (apply_one_event(inst, event, touched) != Outcome::Accepted) return false;
  while (std::optional<vm::Event> signal = take_buffered_signal(inst, touched)) apply_one_event(inst, *signal, touched);
  return true;
}

Applied apply_event_if_current(Instance& inst, const vm::Event& event) {
  vm::Touched touched;
  if (apply_one_event(inst, event, touched) != Outcome::Accepted) return Applied::Stale;
  while (std::optional<vm::Event> signal = take_buffered_signal(inst, touched)) apply_one_event(inst, *signal, touched);
  return Applied::Accepted;
}

namespace {

// The state is written first: for an instance read without its lock that write is the
// compare-and-set that takes the lock, before anything else of the event is persisted. A
// small state is stepped on a copy (a lost compare-and-set leaves inst as it was); a large
// one (base + deltas) in place, so its row is locked first, with the same compare-and-set.
// `touched` receives what the event touched (for take_buffered_signal).
Outcome apply_one_event(Instance& inst, const vm::Event& event, vm::Touched& touched) {
  vm::StepConfig config;
  config.loop_min_interval_ms = settings.loop_min_interval_ms;
  config.non_retryable_sqlstates =
      vm::parse_sqlstate_list(settings.non_retryable_sqlstates ? settings.non_retryable_sqlstates : "");
  config.pause_on_failure = inst.pause_on_failure;
  const bool large = inst.layout.delta_bytes.has_value() && !inst.unstored;
  if (large && !inst.locked) {
    // Another executor may have answered a branch since the read: catch up by its deltas
    // under the lock (a failed compare-and-set would read the whole state again).
    if (!state_store::lock_and_catch_up(inst.id, inst.state, inst.event_count, inst.layout, inst.graph->program))
      return Outcome::Stale;  // gone or finished since it was read: nothing written
    inst.locked = true;
  }
  state_store::forget_pending(inst.cache_key);  // its reference would force a copy
  std::shared_ptr<vm::State> next;
  if (large && inst.state.use_count() == 1) {
    next = inst.state;  // held by this Instance alone: stepped where it is
  } else {
    if (!large) vm::check_state(inst.graph->program, *inst.state);  // a large state was checked when read
    next = std::make_shared<vm::State>(*inst.state);
  }
  std::vector<vm::Action> actions;
  touched = vm::Touched();
  std::uint32_t before = root_generation(*inst.state);
  bool accepted = false;
  try {
    accepted = vm::step_in_place(inst.graph->program, *next, event, config, actions, touched);
  } catch (...) {
    if (next == inst.state) {  // half-stepped: never to be written or cached
      inst.state = std::make_shared<vm::State>();
      inst.event_count = -1;
    }
    throw;
  }
  if (!accepted) return inst.locked ? Outcome::Refused : Outcome::Stale;
  std::uint32_t after = root_generation(*next);
  std::vector<NodeStamp> stamps;
  std::vector<NewTask> tasks;
  std::vector<const vm::Action*> rest;
  for (const vm::Action& a : actions) classify(a, stamps, tasks, rest);
  state_store::Layout layout;
  if (!write_event(inst, *next, touched, after, layout, stamps, std::move(tasks))) {
    if (inst.locked) throw std::runtime_error("pg_durable: the engine state of instance " + inst.id + " vanished under its lock");
    return Outcome::Stale;  // changed since it was read: nothing written
  }
  inst.locked = true;
  inst.unstored.reset();
  ++inst.event_count;
  inst.state = std::move(next);
  inst.layout = layout;
  if (inst.layout.delta_bytes) state_store::remember_at_commit(inst.cache_key, inst.event_count, inst.state);
  bool started = event.kind == vm::Event::Kind::Start;
  if (started)
    spi::exec("UPDATE df.instances SET status = 'running', updated_at = clock_timestamp() "
              "WHERE id = $1 AND status = 'pending'", {spi::text(inst.id)});
  record_execution(inst, before, after, started);
  for (const vm::Action* a : rest) perform_rest(inst, *a);
  return Outcome::Accepted;
}

}  // namespace

void finish_cancelled(const std::string& instance_id, const std::string& reason) {
  forget_graph(instance_id);
  wake_instance_waiters_at_commit(instance_id);
  spi::exec("UPDATE _duroxide.instance_state SET finished = true, output = $2, finished_at = clock_timestamp(), "
            "buffered_signals = 0 WHERE instance_id = $1", {spi::text(instance_id), spi::text(reason)});
  spi::exec("DELETE FROM _duroxide.buffered_signals WHERE instance_id = $1", {spi::text(instance_id)});
  spi::exec("DELETE FROM _duroxide.tasks WHERE (instance_id, task_id) IN ("
            "SELECT instance_id, task_id FROM _duroxide.tasks WHERE instance_id = $1 "
            "FOR UPDATE SKIP LOCKED)", {spi::text(instance_id)});
  close_execution(instance_id, "Canceled", "cancelled: " + reason);
}

void fail_instance(const std::string& instance_id, const std::string& message) {
  forget_graph(instance_id);
  wake_instance_waiters_at_commit(instance_id);
  spi::exec("DELETE FROM _duroxide.tasks WHERE instance_id = $1", {spi::text(instance_id)});
  if (spi::exec("UPDATE df.instances SET status = 'failed', updated_at = clock_timestamp() "
                "WHERE id = $1 AND status NOT IN " DF_TERMINAL_STATUSES_SQL,
                {spi::text(instance_id)}) > 0)
    step_record::instance_failed(instance_id, message);
  spi::exec("UPDATE _duroxide.instance_state SET finished = true, output = $2, finished_at = clock_timestamp(), "
            "buffered_signals = 0 WHERE instance_id = $1",
            {spi::text(instance_id), spi::text(message)});
  spi::exec("DELETE FROM _duroxide.buffered_signals WHERE instance_id = $1", {spi::text(instance_id)});
  close_execution(instance_id, "Failed", message);
}

ContinuationOffer::ContinuationOffer(const std::string& instance_id) {
  offer.open = true;
  offer.instance_id = instance_id;
  offer.held.reset();
}

ContinuationOffer::~ContinuationOffer() { offer.open = false; }

std::optional<HeldTask> take_held_task() {
  std::optional<HeldTask> held = std::move(offer.held);
  offer.held.reset();
  return held;
}

void insert_task_row(const HeldTask& t, Oid submitted_by) {
  spi::exec("INSERT INTO _duroxide.tasks (instance_id, task_id, kind, node, payload, iteration, submitted_by) "
            "VALUES ($1, $2, 'sql', $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            {spi::text(t.instance_id), spi::int8(static_cast<std::int64_t>(t.task_id)),
             spi::int4(static_cast<int>(t.node)), spi::text(t.payload), spi::int4(static_cast<int>(t.iteration)),
             spi::oid(submitted_by)});
  wake_role_executors_at_commit(submitted_by, t.instance_id, t.task_id);
}

std::uint64_t requeue_orphaned_tasks() {
  std::uint64_t n = spi::exec("SELECT s.instance_id, CASE WHEN s.delta_bytes IS NULL THEN s.state END, "
                              "s.submitted_by::oid, s.delta_bytes IS NOT NULL FROM _duroxide.instance_state s "
                              "WHERE NOT s.finished");
  struct Row {
    std::string id;
    std::optional<std::string> state;
    Oid role;
    bool has_deltas;
  };
  std::vector<Row> rows;
  rows.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i)
    rows.push_back({spi::value_or(i, 1, ""), spi::bytea_value(i, 2),
                    static_cast<Oid>(std::stoul(spi::value_or(i, 3, "0"))), spi::value_or(i, 4, "f") == "t"});
  std::uint64_t requeued = 0;
  for (const Row& row : rows) {
    vm::State state;
    try {
      state = state_store::read_whole(row.id, row.state, row.has_deltas);
    } catch (const vm::StateError&) {
      continue;  // refused when an executor or the scheduler loads it (read_checkpoint)
    }
    for (const vm::Action& a : vm::pending_actions(state)) {
      if (a.kind != vm::Action::Kind::RunSql && a.kind != vm::Action::Kind::RunHttp) continue;
      requeued += spi::exec(
          "INSERT INTO _duroxide.tasks (instance_id, task_id, kind, node, payload, iteration, submitted_by) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
          {spi::text(row.id), spi::int8(static_cast<std::int64_t>(a.task_id)),
           spi::text(a.kind == vm::Action::Kind::RunSql ? "sql" : "http"), spi::int4(static_cast<int>(a.node)),
           spi::text(a.text), spi::int4(static_cast<int>(a.iteration)), spi::oid(row.role)});
      wake_role_executors_at_commit(row.role, row.id, a.task_id);
    }
  }
  return requeued;
}

AsEngineOwner::AsEngineOwner() {
  GetUserIdAndSecContext(&saved_user_, &saved_context_);
  guc_level_ = NewGUCNestLevel();
  pg_call([] {
    (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                            true, 0, false);
  });
  SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID, saved_context_ | SECURITY_LOCAL_USERID_CHANGE);
}

AsEngineOwner::~AsEngineOwner() {
  SetUserIdAndSecContext(saved_user_, saved_context_);
  AtEOXact_GUC(true, guc_level_);  // back to the caller's search_path
}

}  // namespace df::ext::engine
