// engine_core.cpp — see engine_core.hpp. Persists each vm::Action:
//   RunSql / RunHttp   a runnable row in _duroxide.tasks, queued under the instance's
//                      role; that role's executors (or the scheduler) woken at commit
//   ArmTimer           a timer row with due_at; the scheduler woken at commit
//   CancelTask         its row deleted unless an executor holds it (then that executor's
//                      late answer is refused by the VM and its effects rolled back)
//   Node*              df.nodes status/result/status_details of the node
//   Instance*          df.instances terminal status; engine state marked finished
#include <cstring>
#include <unordered_map>

#include "json_text.hpp"
#include "wire_json.hpp"

#include "engine_core.hpp"
#include "gucs.hpp"
#include "instance_status.hpp"
#include "shmem.hpp"
#include "spi.hpp"
#include "step_record.hpp"

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

// status_details = {"execution_id"} plus the VM's detail (attempts, errors) and, for a
// node waiting to retry, "next_retry_at"; the clock times, error record and run record of
// step_record.hpp ($8..$13, DF_NODE_STAMP_SQL).
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
}

TimestampTz timestamp_from_ms(std::int64_t ms) {
  return static_cast<TimestampTz>(ms - (static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000)) * 1000;
}

void insert_task(const Instance& inst, const vm::Action& a, const char* kind) {
  std::optional<TimestampTz> due;
  if (a.kind == vm::Action::Kind::ArmTimer) due = timestamp_from_ms(a.deadline_ms);
  spi::Arg due_arg = due ? spi::timestamptz(*due) : spi::Arg{TIMESTAMPTZOID, (Datum)0, true};
  spi::exec(
      "INSERT INTO _duroxide.tasks (instance_id, task_id, kind, node, payload, iteration, due_at, submitted_by) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {spi::text(inst.id), spi::int8(static_cast<std::int64_t>(a.task_id)), spi::text(kind),
       spi::int4(static_cast<int>(a.node)), spi::text(a.text), spi::int4(static_cast<int>(a.iteration)), due_arg,
       spi::oid(inst.submitted_by)});
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
      ? "UPDATE df.instances SET status = 'completed', completed_at = clock_timestamp(), updated_at = clock_timestamp() "
        "WHERE id = $1 AND status NOT IN " DF_TERMINAL_STATUSES_SQL
      : "UPDATE df.instances SET status = $2, updated_at = clock_timestamp() "
        "WHERE id = $1 AND status NOT IN " DF_TERMINAL_STATUSES_SQL;
  if (std::strcmp(status, "completed") == 0) spi::exec(sql, {spi::text(inst.id)});
  else spi::exec(sql, {spi::text(inst.id), spi::text(status)});
  if (std::strcmp(status, "failed") == 0) step_record::instance_failed(inst.id, output);
  spi::exec("UPDATE _duroxide.instance_state SET finished = true, output = $2, finished_at = clock_timestamp(), "
            "buffered_signals = 0 WHERE instance_id = $1",
            {spi::text(inst.id), spi::text(output)});
  spi::exec("DELETE FROM _duroxide.buffered_signals WHERE instance_id = $1", {spi::text(inst.id)});
  close_execution(inst.id, std::strcmp(status, "completed") == 0 ? "Completed" : "Failed", output);
}

void perform(const Instance& inst, const vm::Action& a) {
  using K = vm::Action::Kind;
  switch (a.kind) {
    case K::RunSql: insert_task(inst, a, "sql"); wake_role_executors_at_commit(inst.submitted_by); break;
    case K::RunHttp: insert_task(inst, a, "http"); wake_role_executors_at_commit(inst.submitted_by); break;
    case K::ArmTimer: insert_task(inst, a, "timer"); wake_scheduler_at_commit(); break;
    case K::CancelTask: cancel_task(inst, a.task_id); break;
    case K::NodeRunning: stamp_node(inst, a, "running", false); break;
    case K::NodeCompleted: stamp_node(inst, a, "completed", true); break;
    case K::NodeFailed: stamp_node(inst, a, "failed", true); break;
    case K::NodeRetrying: stamp_node(inst, a, "running", false); break;
    case K::InstanceCompleted: finish_instance(inst, "completed", a.text); break;
    case K::InstanceFailed: finish_instance(inst, "failed", a.text); break;
  }
}

// The root orchestration's generation: 1, plus one per root-loop iteration (what the
// reference reports as execution_count / current_execution_id).
std::uint32_t root_generation(const vm::State& state) {
  for (const auto& [id, thread] : state.threads)
    if (thread.parent == 0 && !thread.scope.empty()) return thread.scope.front().generation;
  return 1;
}

// Keeps _duroxide.executions in step with the root generation and the event count.
void record_execution(const Instance& inst, std::uint32_t before, std::uint32_t after, bool started) {
  if (started)
    spi::exec("INSERT INTO _duroxide.executions (instance_id, execution_id, status, started_at) VALUES ($1, 1, 'Running', clock_timestamp()) "
              "ON CONFLICT DO NOTHING", {spi::text(inst.id)});
  if (after > before) {
    spi::exec("UPDATE _duroxide.executions SET status = 'ContinuedAsNew', finished_at = clock_timestamp() "
              "WHERE instance_id = $1 AND execution_id = $2", {spi::text(inst.id), spi::int4(static_cast<int>(before))});
    spi::exec("INSERT INTO _duroxide.executions (instance_id, execution_id, status, started_at) VALUES ($1, $2, 'Running', clock_timestamp()) "
              "ON CONFLICT DO NOTHING", {spi::text(inst.id), spi::int4(static_cast<int>(after))});
  }
  spi::exec("UPDATE _duroxide.executions SET event_count = event_count + 1 "
            "WHERE instance_id = $1 AND execution_id = $2", {spi::text(inst.id), spi::int4(static_cast<int>(after))});
}

void close_execution(const std::string& instance_id, const char* status, const std::string& output) {
  spi::exec("UPDATE _duroxide.executions SET status = $2, output = $3, finished_at = clock_timestamp() "
            "WHERE instance_id = $1 AND status = 'Running'",
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

std::optional<Instance> load_instance(const std::string& instance_id, bool lock) {
  const char* sql_lock =
      "SELECT submitted_by::oid, state, created_at::text, database FROM _duroxide.instance_state "
      "WHERE instance_id = $1 AND NOT finished FOR UPDATE";
  const char* sql_plain =
      "SELECT submitted_by::oid, state, created_at::text, database FROM _duroxide.instance_state "
      "WHERE instance_id = $1 AND NOT finished";
  if (spi::exec(lock ? sql_lock : sql_plain, {spi::text(instance_id)}) == 0) return std::nullopt;
  Instance inst;
  inst.id = instance_id;
  inst.submitted_by = static_cast<Oid>(std::stoul(spi::value_or(0, 1, "0")));
  std::string created_at = spi::value_or(0, 3, "");
  inst.database = spi::value_or(0, 4, "");
  if (std::optional<std::string> refusal = read_checkpoint(inst, spi::bytea_value(0, 2).value_or(std::string()))) {
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

namespace {

bool apply_one_event(Instance& inst, const vm::Event& event);

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
  if (!apply_one_event(inst, event)) return false;
  while (std::optional<vm::Event> signal = take_buffered_signal(inst)) apply_one_event(inst, *signal);
  return true;
}

namespace {

bool apply_one_event(Instance& inst, const vm::Event& event) {
  vm::StepConfig config;
  config.loop_min_interval_ms = settings.loop_min_interval_ms;
  config.non_retryable_sqlstates =
      vm::parse_sqlstate_list(settings.non_retryable_sqlstates ? settings.non_retryable_sqlstates : "");
  vm::StepResult result = vm::step(inst.graph->program, inst.state, event, config);
  if (!result.accepted) return false;
  std::uint32_t before = root_generation(inst.state), after = root_generation(result.state);
  bool started = event.kind == vm::Event::Kind::Start;
  if (started)
    spi::exec("UPDATE df.instances SET status = 'running', updated_at = clock_timestamp() "
              "WHERE id = $1 AND status = 'pending'", {spi::text(inst.id)});
  record_execution(inst, before, after, started);
  for (const vm::Action& a : result.actions) perform(inst, a);
  inst.state = std::move(result.state);
  spi::exec("UPDATE _duroxide.instance_state SET state = $2, event_count = event_count + 1, "
            "generation = $3, updated_at = now() WHERE instance_id = $1",
            {spi::text(inst.id), spi::binary(vm::serialize(inst.state)), spi::int4(static_cast<int>(after))});
  return true;
}

}  // namespace

void finish_cancelled(const std::string& instance_id, const std::string& reason) {
  forget_graph(instance_id);
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
