// engine_core.cpp — see engine_core.hpp. Persists each vm::Action:
//   RunSql / RunHttp   a runnable row in _duroxide.tasks, queued under the instance's
//                      role; that role's executors (or the scheduler) woken at commit
//   ArmTimer           a timer row with due_at; the scheduler woken at commit
//   CancelTask         its row deleted unless an executor holds it (then that executor's
//                      late answer is refused by the VM and its effects rolled back)
//   Node*              df.nodes status/result/status_details of the node
//   Instance*          df.instances terminal status; engine state marked finished
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "json_text.hpp"
#include "wire_json.hpp"

#include "engine_core.hpp"
#include "gucs.hpp"
#include "instance_status.hpp"
#include "shmem.hpp"
#include "spi.hpp"

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

// What one event writes in one statement (write_event): its node stamps (vm::Action
// Node*) and the tasks it creates (RunSql, RunHttp, ArmTimer). A node stamped twice in one
// event keeps its last stamp, as writing them in order would leave it: every stamp sets
// all of status, result and status_details.
struct NodeStamp {
  const vm::Action* action;
  const char* status;
  bool with_result;
};
struct NewTask {
  const vm::Action* action;
  const char* kind;
};

// Writes the event's new state, node stamps and tasks in ONE statement (data-modifying
// CTEs): the state UPDATE is a compare-and-set on the event count unless the instance is
// locked, and the stamps and tasks join its RETURNING row, so nothing is written when it
// fails. Returns whether it was written.
bool write_event(const Instance& inst, const vm::State& state, std::uint32_t generation,
                 const std::vector<NodeStamp>& stamps, const std::vector<NewTask>& tasks) {
  std::vector<const NodeStamp*> last;  // one per node, in first-stamp order
  for (const NodeStamp& st : stamps) {
    auto same = std::find_if(last.begin(), last.end(), [&](const NodeStamp* o) { return o->action->node == st.action->node; });
    if (same != last.end()) *same = &st;
    else last.push_back(&st);
  }
  std::string ids = "{", statuses = "{", results = "{", as_json = "{", execs = "{", details = "{", retries = "{";
  for (const NodeStamp* st : last) {
    const vm::Action& a = *st->action;
    append_array_element(ids, node_id(inst, a.node));
    append_array_element(statuses, std::string(st->status));
    append_array_element(results, st->with_result ? std::optional<std::string>(a.text) : std::nullopt);
    as_json += as_json.size() > 1 ? "," : "";
    as_json += !st->with_result || is_json(a.text) ? "t" : "f";
    append_array_element(execs, execution_stamp(inst, a.scope));
    append_array_element(details, a.detail.empty() ? std::nullopt : std::optional<std::string>(a.detail));
    append_array_element(retries, a.kind == vm::Action::Kind::NodeRetrying
                                      ? std::optional<std::string>(std::to_string(a.deadline_ms))
                                      : std::nullopt);
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
  for (std::string* arr : {&ids, &statuses, &results, &as_json, &execs, &details, &retries, &task_ids, &kinds, &nodes,
                           &payloads, &iterations, &dues})
    *arr += '}';
  static const std::string tail =
             "n AS (UPDATE df.nodes n SET status = v.status, "
             "result = CASE WHEN v.as_json THEN v.result::jsonb ELSE to_jsonb(v.result) END, "
             "status_details = jsonb_build_object('execution_id', v.exec) || coalesce(v.detail::jsonb, '{}') || "
             "CASE WHEN v.retry IS NULL THEN '{}'::jsonb "
             "ELSE jsonb_build_object('next_retry_at', to_timestamp(v.retry / 1000)) END, updated_at = now() "
             "FROM s, unnest($6::text[], $7::text[], $8::text[], $9::boolean[], $10::text[], $11::text[], "
             "$12::float8[]) AS v(id, status, result, as_json, exec, detail, retry) "
             "WHERE n.instance_id = s.instance_id AND n.id = v.id), "
             "t AS (INSERT INTO _duroxide.tasks (instance_id, task_id, kind, node, payload, iteration, due_at, "
             "submitted_by) SELECT s.instance_id, v.task_id, v.kind, v.node, v.payload, v.iteration, "
             "to_timestamp(v.due / 1000), $18 "
             "FROM s, unnest($13::bigint[], $14::text[], $15::integer[], $16::text[], $17::integer[], "
             "$19::float8[]) AS v(task_id, kind, node, payload, iteration, due)) "
             "SELECT 1 FROM s";
  // $20..$22: the new row of df.start's instance (unused by the UPDATE form).
  static const std::string insert_sql =
      "WITH s AS (INSERT INTO _duroxide.instance_state (instance_id, graph, node_ids, submitted_by, state, "
      "database, event_count, generation) VALUES ($1, $20, $21::text[], $18, $2, $22, $4 + 1, $3) "
      "RETURNING instance_id), " + tail;
  static const std::string update_sql =
      "WITH s AS (UPDATE _duroxide.instance_state SET state = $2, event_count = event_count + 1, "
      "generation = $3, updated_at = now() "
      "WHERE instance_id = $1 AND ($5 OR (event_count = $4 AND NOT finished)) RETURNING instance_id), " + tail;
  const char* sql = inst.unstored ? insert_sql.c_str() : update_sql.c_str();
  const Instance::Unstored none;
  const Instance::Unstored& row = inst.unstored ? *inst.unstored : none;
  return spi::exec(sql,
             {spi::text(inst.id), spi::binary(vm::serialize(state)), spi::int4(static_cast<int>(generation)),
              spi::int8(inst.event_count), spi::boolean(inst.locked), spi::text(ids), spi::text(statuses),
              spi::text(results), spi::text(as_json), spi::text(execs), spi::text(details), spi::text(retries),
              spi::text(task_ids), spi::text(kinds), spi::text(nodes), spi::text(payloads), spi::text(iterations),
              spi::oid(inst.submitted_by), spi::text(dues), spi::text(row.graph_json), spi::text(row.node_ids),
              spi::optional_text(row.database)}) == 1;
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
  for (auto it = graph_cache.begin(); it != graph_cache.end();)
    it = it->first.compare(0, instance_id.size() + 1, instance_id + "@") == 0 ? graph_cache.erase(it) : std::next(it);
}

void finish_instance(const Instance& inst, const char* status, const std::string& output) {
  forget_graph(inst.id);  // a finished instance never steps again: keep the cache small
  const char* sql = std::strcmp(status, "completed") == 0
      ? "UPDATE df.instances SET status = 'completed', completed_at = now(), updated_at = now() "
        "WHERE id = $1 AND status NOT IN " DF_TERMINAL_STATUSES_SQL
      : "UPDATE df.instances SET status = $2, updated_at = now() "
        "WHERE id = $1 AND status NOT IN " DF_TERMINAL_STATUSES_SQL;
  if (std::strcmp(status, "completed") == 0) spi::exec(sql, {spi::text(inst.id)});
  else spi::exec(sql, {spi::text(inst.id), spi::text(status)});
  spi::exec("UPDATE _duroxide.instance_state SET finished = true, output = $2, finished_at = now(), "
            "buffered_signals = 0 WHERE instance_id = $1",
            {spi::text(inst.id), spi::text(output)});
  spi::exec("DELETE FROM _duroxide.buffered_signals WHERE instance_id = $1", {spi::text(inst.id)});
  close_execution(inst.id, std::strcmp(status, "completed") == 0 ? "Completed" : "Failed", output);
}

// Sorts one action: node stamps and new tasks go to write_event (with the wake-up their
// commit owes); the rest is persisted by perform_rest, after it, in the VM's order.
void classify(const Instance& inst, const vm::Action& a, std::vector<NodeStamp>& stamps, std::vector<NewTask>& tasks,
              std::vector<const vm::Action*>& rest) {
  using K = vm::Action::Kind;
  switch (a.kind) {
    case K::RunSql: tasks.push_back({&a, "sql"}); wake_role_executors_at_commit(inst.submitted_by); break;
    case K::RunHttp: tasks.push_back({&a, "http"}); wake_role_executors_at_commit(inst.submitted_by); break;
    case K::ArmTimer: tasks.push_back({&a, "timer"}); wake_scheduler_at_commit(); break;
    case K::NodeRunning: stamps.push_back({&a, "running", false}); break;
    case K::NodeCompleted: stamps.push_back({&a, "completed", true}); break;
    case K::NodeFailed: stamps.push_back({&a, "failed", true}); break;
    case K::NodeRetrying: stamps.push_back({&a, "running", false}); break;
    case K::CancelTask:
    case K::InstanceCompleted:
    case K::InstanceFailed: rest.push_back(&a); break;
  }
}

void perform_rest(const Instance& inst, const vm::Action& a) {
  using K = vm::Action::Kind;
  switch (a.kind) {
    case K::CancelTask: cancel_task(inst, a.task_id); break;
    case K::InstanceCompleted: finish_instance(inst, "completed", a.text); break;
    case K::InstanceFailed: finish_instance(inst, "failed", a.text); break;
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
    spi::exec("INSERT INTO _duroxide.executions (instance_id, execution_id, status, started_at_event) "
              "VALUES ($1, 1, 'Running', $2 - 1) ON CONFLICT DO NOTHING",
              {spi::text(inst.id), spi::int8(inst.event_count)});
  if (after > before) {
    spi::exec("UPDATE _duroxide.executions SET status = 'ContinuedAsNew', finished_at = now(), "
              "event_count = $3 - 1 - started_at_event WHERE instance_id = $1 AND execution_id = $2",
              {spi::text(inst.id), spi::int4(static_cast<int>(before)), spi::int8(inst.event_count)});
    spi::exec("INSERT INTO _duroxide.executions (instance_id, execution_id, status, started_at_event) "
              "VALUES ($1, $2, 'Running', $3 - 1) ON CONFLICT DO NOTHING",
              {spi::text(inst.id), spi::int4(static_cast<int>(after)), spi::int8(inst.event_count)});
  }
}

// Ends the running execution: its event count is the instance's count since it began.
void close_execution(const std::string& instance_id, const char* status, const std::string& output) {
  spi::exec("UPDATE _duroxide.executions x SET status = $2, output = $3, finished_at = now(), "
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
  if (graph_cache.size() >= kGraphCacheLimit) graph_cache.clear();
  graph_cache.emplace(key, graph);
  return graph;
}

namespace {

// Decodes a checkpoint into inst.state, or says why this build must not resume it: its
// layout is unknown, or its pcs index into another lowering (docs/upgrades.md). Never
// guesses: the instance then fails with this message.
std::optional<std::string> read_checkpoint(Instance& inst, const std::string& bytes) {
  try {
    inst.state = vm::deserialize(bytes);
  } catch (const vm::StateError& e) {
    return "pg_durable " DF_VERSION " cannot resume instance " + inst.id + ": its checkpoint is unreadable (" +
           e.what() + "); it was written by another build of pg_durable";
  }
  if (inst.state.lowering_version != vm::kLoweringVersion)
    return "pg_durable " DF_VERSION " cannot resume instance " + inst.id + ": it was started under workflow lowering version " +
           std::to_string(inst.state.lowering_version) + " and this build runs lowering version " +
           std::to_string(vm::kLoweringVersion) + "; finish it under the release that started it";
  return std::nullopt;
}

}  // namespace

std::optional<Instance> instance_from_row(const std::string& instance_id, int first) {
  if (!spi::value(0, first)) return std::nullopt;
  Instance inst;
  inst.id = instance_id;
  inst.submitted_by = static_cast<Oid>(std::stoul(spi::value_or(0, first, "0")));
  std::string created_at = spi::value_or(0, first + 2, "");
  inst.database = spi::value_or(0, first + 3, "");
  inst.event_count = std::stoll(spi::value_or(0, first + 4, "0"));
  if (std::optional<std::string> refusal =
          read_checkpoint(inst, spi::bytea_value(0, first + 1).value_or(std::string()))) {
    fail_instance(instance_id, *refusal);
    return std::nullopt;
  }
  // Ids are random and may be reused after retention: the creation time makes the key unique.
  std::string key = instance_id + "@" + created_at;
  auto cached = graph_cache.find(key);
  if (cached != graph_cache.end()) {
    inst.graph = cached->second;
  } else {  // the graph is frozen: read and lower it once per process
    spi::exec("SELECT graph, node_ids::text FROM _duroxide.instance_state WHERE instance_id = $1",
              {spi::text(instance_id)});
    inst.graph = cache_graph(key, spi::value_or(0, 1, ""), parse_id_array(spi::value_or(0, 2, "{}")));
  }
  return inst;
}

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
Outcome apply_one_event(Instance& inst, const vm::Event& event);

// The oldest buffered signal for a name some thread now waits for, taken out of the
// table; nullopt when there is none (or no thread waits).
std::optional<vm::Event> take_buffered_signal(const Instance& inst) {
  const auto names = vm::awaited_signal_names(inst.graph->program, inst.state);
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
  if (apply_one_event(inst, event) != Outcome::Accepted) return false;
  while (std::optional<vm::Event> signal = take_buffered_signal(inst)) apply_one_event(inst, *signal);
  return true;
}

Applied apply_event_if_current(Instance& inst, const vm::Event& event) {
  if (apply_one_event(inst, event) != Outcome::Accepted) return Applied::Stale;
  while (std::optional<vm::Event> signal = take_buffered_signal(inst)) apply_one_event(inst, *signal);
  return Applied::Accepted;
}

namespace {

// The state is written first: for an instance read without its lock that write is the
// compare-and-set that takes the lock, before anything else of the event is persisted.
Outcome apply_one_event(Instance& inst, const vm::Event& event) {
  vm::StepConfig config;
  config.loop_min_interval_ms = settings.loop_min_interval_ms;
  config.non_retryable_sqlstates =
      vm::parse_sqlstate_list(settings.non_retryable_sqlstates ? settings.non_retryable_sqlstates : "");
  vm::StepResult result = vm::step(inst.graph->program, inst.state, event, config);
  if (!result.accepted) return inst.locked ? Outcome::Refused : Outcome::Stale;
  std::uint32_t before = root_generation(inst.state), after = root_generation(result.state);
  std::vector<NodeStamp> stamps;
  std::vector<NewTask> tasks;
  std::vector<const vm::Action*> rest;
  for (const vm::Action& a : result.actions) classify(inst, a, stamps, tasks, rest);
  if (!write_event(inst, result.state, after, stamps, tasks)) {
    if (inst.locked) throw std::runtime_error("pg_durable: the engine state of instance " + inst.id + " vanished under its lock");
    return Outcome::Stale;  // changed since it was read: nothing written (wake-ups fire harmlessly)
  }
  inst.locked = true;
  inst.unstored.reset();
  ++inst.event_count;
  bool started = event.kind == vm::Event::Kind::Start;
  if (started)
    spi::exec("UPDATE df.instances SET status = 'running', updated_at = now() "
              "WHERE id = $1 AND status = 'pending'", {spi::text(inst.id)});
  record_execution(inst, before, after, started);
  for (const vm::Action* a : rest) perform_rest(inst, *a);
  inst.state = std::move(result.state);
  return Outcome::Accepted;
}

}  // namespace

void finish_cancelled(const std::string& instance_id, const std::string& reason) {
  forget_graph(instance_id);
  spi::exec("UPDATE _duroxide.instance_state SET finished = true, output = $2, finished_at = now(), "
            "buffered_signals = 0 WHERE instance_id = $1", {spi::text(instance_id), spi::text(reason)});
  spi::exec("DELETE FROM _duroxide.buffered_signals WHERE instance_id = $1", {spi::text(instance_id)});
  spi::exec("DELETE FROM _duroxide.tasks WHERE (instance_id, task_id) IN ("
            "SELECT instance_id, task_id FROM _duroxide.tasks WHERE instance_id = $1 "
            "FOR UPDATE SKIP LOCKED)", {spi::text(instance_id)});
  close_execution(instance_id, "Canceled", "cancelled: " + reason);
}

void fail_instance(const std::string& instance_id, const std::string& message) {
  forget_graph(instance_id);
  spi::exec("DELETE FROM _duroxide.tasks WHERE instance_id = $1", {spi::text(instance_id)});
  spi::exec("UPDATE df.instances SET status = 'failed', updated_at = now() "
            "WHERE id = $1 AND status NOT IN " DF_TERMINAL_STATUSES_SQL,
            {spi::text(instance_id)});
  spi::exec("UPDATE _duroxide.instance_state SET finished = true, output = $2, finished_at = now(), "
            "buffered_signals = 0 WHERE instance_id = $1",
            {spi::text(instance_id), spi::text(message)});
  spi::exec("DELETE FROM _duroxide.buffered_signals WHERE instance_id = $1", {spi::text(instance_id)});
  close_execution(instance_id, "Failed", message);
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
