// start.cpp — df.start (docs/reference.md §3.3). Caller mode, in the documented order: strict
// parse, database check, LOGIN and superuser checks, validation, flattening with fresh
// random ids, the df.instances and df.nodes inserts, the df.vars snapshot, and finally the
// engine's start_instance. The inserts go through SPI as the caller, so the caller's
// column grants and the RLS WITH CHECK policies apply; a failure anywhere aborts the
// caller's statement, so a rejected start leaves no row.
#include <cstdint>
#include <map>
#include <string>

#include "failure.hpp"
#include "json_text.hpp"
#include "persist.hpp"
#include "text.hpp"
#include "validate.hpp"
#include "wire_json.hpp"

#include "surface/duration_arg.hpp"
#include "engine/engine.hpp"
#include "pg/gucs.hpp"
#include "pg/spi.hpp"
#include "surface/start.hpp"
#include "surface/surface.hpp"

extern "C" {
#include "catalog/pg_type.h"
}

namespace df::ext::start {
namespace {

constexpr int kIdAttempts = 10;
constexpr std::size_t kNodeBatch = 1000;

std::string random_hex8() {
  std::uint8_t bytes[4];
  bool ok = pg_call([&] { return pg_strong_random(bytes, sizeof bytes); });
  if (!ok) throw std::runtime_error("could not generate a random id");
  static const char* digits = "0123456789abcdef";
  std::string id;
  for (std::uint8_t b : bytes) {
    id += digits[b >> 4];
    id += digits[b & 15];
  }
  return id;
}

void check_database(const std::optional<std::string>& database) {
  if (!database) return;
  if (spi::exec("SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", {spi::text(*database)}) == 0)
    surface::raise("database \"" + *database + "\" does not exist");
}

// Step 4: a superuser may own instances only when pg_durable.enable_superuser_instances
// is on.
void check_identity(Oid role) {
  std::string name = check_login(role);
  spi::exec("SELECT rolsuper FROM pg_catalog.pg_roles WHERE oid = $1", {spi::oid(role)});
  if (spi::value_or(0, 1, "f") == "t" && !settings.enable_superuser_instances)
    surface::raise("pg_durable: superuser instances are disabled. current_user \"" + name +
                   "\" is a superuser, but pg_durable.enable_superuser_instances is off. Set "
                   "pg_durable.enable_superuser_instances = on to allow this.");
}

std::string insert_instance(const std::string& root_id, const Options& options, Oid role) {
  for (int attempt = 0; attempt < kIdAttempts; ++attempt) {
    std::string id = random_hex8();
    if (spi::exec("INSERT INTO df.instances (id, label, root_node, submitted_by, database) "
                  "VALUES ($1, $2, $3, $4::pg_catalog.regrole, $5) ON CONFLICT (id) DO NOTHING RETURNING id",
                  {spi::text(id), spi::optional_text(options.label), spi::text(root_id), spi::oid(role),
                   spi::optional_text(options.database)}) == 1)
      return id;
  }
  surface::raise("Failed to create instance: exhausted 10 attempts to generate a unique instance id");
}

void append_field(std::string& out, const char* key, const std::optional<std::string>& value) {
  out += ",\"";
  out += key;
  out += "\":";
  if (value) compiler::append_json_string(out, *value);
  else out += "null";
}

// One INSERT per batch of rows, the rows travelling as one JSON parameter.
void insert_nodes(const std::vector<compiler::NodeRow>& rows, const std::string& instance_id,
                  const Options& options, Oid role) {
  for (std::size_t start = 0; start < rows.size(); start += kNodeBatch) {
    std::string batch = "[";
    for (std::size_t i = start; i < rows.size() && i < start + kNodeBatch; ++i) {
      const auto& row = rows[i];
      batch += i == start ? "{" : ",{";
      batch += "\"id\":";
      compiler::append_json_string(batch, row.id);
      append_field(batch, "node_type", std::string(ir::node_type_name(row.type)));
      append_field(batch, "query", row.query);
      append_field(batch, "result_name", row.result_name);
      append_field(batch, "left_node", row.left_node);
      append_field(batch, "right_node", row.right_node);
      batch += "}";
    }
    batch += "]";
    spi::exec("INSERT INTO df.nodes (id, instance_id, node_type, query, result_name, left_node, right_node, "
              "submitted_by, database) "
              "SELECT r.id, $1, r.node_type, r.query, r.result_name, r.left_node, r.right_node, "
              "$2::pg_catalog.regrole, $3 FROM pg_catalog.jsonb_to_recordset($4::pg_catalog.jsonb) AS "
              "r(id text, node_type text, query text, result_name text, left_node text, right_node text)",
              {spi::text(instance_id), spi::oid(role), spi::optional_text(options.database), spi::text(batch)});
  }
}

// Step 7: the caller's own variables (NULL values skipped), then the overrides.
std::vector<std::pair<std::string, std::string>> snapshot_variables(const Options& options) {
  std::map<std::string, std::string> vars;
  std::uint64_t n = spi::exec(
      "SELECT name, value FROM df.vars WHERE owner = pg_catalog.quote_ident(current_user)::pg_catalog.regrole "
      "AND value IS NOT NULL");
  for (std::uint64_t i = 0; i < n; ++i) vars[spi::value_or(i, 1, "")] = spi::value_or(i, 2, "");
  for (const auto& [name, value] : options.overrides) vars[name] = value;
  return {vars.begin(), vars.end()};
}

void run_engine_start(const engine::StartRequest& request) {
  try {
    engine::start_instance(request);
  } catch (const PgError& e) {
    throw SqlError(e.edata->sqlerrcode, std::string("failed to start durable function: ") + e.what());
  } catch (const SqlError& e) {
    throw SqlError(e.sqlstate, std::string("failed to start durable function: ") + e.what(), e.detail, e.hint);
  }
}

}  // namespace

std::string check_login(unsigned int role) {
  spi::exec("SELECT rolname::text, rolcanlogin FROM pg_catalog.pg_roles WHERE oid = $1", {spi::oid(role)});
  std::string name = spi::value_or(0, 1, "");
  if (spi::value_or(0, 2, "f") != "t")
    surface::raise("current_user \"" + name + "\" does not have LOGIN privilege. The background worker must "
                   "connect as this role to execute SQL. Grant LOGIN to this role or call df.start() as a "
                   "role with LOGIN.");
  return name;
}

std::string start_caller_mode(const std::string& fut, const Options& options) {
  ir::NodePtr root = compiler::parse_strict(fut);
  Oid role = GetUserId();
  spi::Connection connection;
  check_database(options.database);
  check_identity(role);
  compiler::validate_or_throw(*root);
  std::vector<compiler::NodeRow> rows = compiler::flatten(*root, random_hex8);
  engine::StartRequest request;
  request.instance_id = insert_instance(rows.front().id, options, role);
  insert_nodes(rows, request.instance_id, options, role);
  request.variables = snapshot_variables(options);
  connection.finish();
  request.label = options.label.value_or("");
  request.root = root.get();
  for (const auto& row : rows) request.node_ids.push_back(row.id);
  request.submitted_by = role;
  request.database = options.database.value_or("");
  request.retry = vm::RetryPolicy{options.max_attempts, 1000, options.max_backoff_ms};
  request.pause_on_failure = options.pause_on_failure;
  run_engine_start(request);
  return request.instance_id;
}

std::string start_fork(const ForkStart& fork, std::vector<std::string>& node_ids) {
  ir::NodePtr root = compiler::parse_strict(fork.graph_json);  // frozen: validated when first started
  Options options;
  options.label = fork.label;
  options.database = fork.database;
  spi::Connection connection;
  check_database(options.database);
  check_identity(fork.role);
  std::vector<compiler::NodeRow> rows = compiler::flatten(*root, random_hex8);
  engine::StartRequest request;
  request.instance_id = insert_instance(rows.front().id, options, fork.role);
  insert_nodes(rows, request.instance_id, options, fork.role);
  connection.finish();
  request.label = options.label.value_or("");
  request.root = root.get();
  for (const auto& row : rows) request.node_ids.push_back(row.id);
  request.submitted_by = fork.role;
  request.database = options.database.value_or("");
  request.variables = fork.variables;
  request.retry = fork.retry;
  request.pause_on_failure = fork.pause_on_failure;
  request.fork = fork.point;
  run_engine_start(request);
  node_ids = request.node_ids;
  return request.instance_id;
}

}  // namespace df::ext::start

namespace {

// df.start's max_attempts, max_backoff and on_failure (NULL = the default). The backoff
// of an instance-wide policy starts at 1 second and doubles up to max_backoff.
void read_failure_options(FunctionCallInfo fcinfo, df::ext::start::Options& options) {
  df::compiler::RetryArgs args{1, 1000, 16000};
  if (!PG_ARGISNULL(4)) {
    const std::int32_t attempts = PG_GETARG_INT32(4);
    args.max_attempts = attempts < 0 ? 0 : static_cast<std::uint32_t>(attempts);
  }
  if (!PG_ARGISNULL(5)) args.max_backoff_ms = df::ext::duration_arg_ms(fcinfo, 5, "df.start(): max_backoff");
  if (args.max_backoff_ms < args.backoff_ms) args.backoff_ms = args.max_backoff_ms;
  if (auto problem = df::compiler::check_retry(args, "df.start()")) df::ext::surface::raise(*problem);
  const std::string on_failure = PG_ARGISNULL(6) ? "fail" : df::compiler::to_lower(df::ext::text_arg(fcinfo, 6));
  if (on_failure != "fail" && on_failure != "pause")
    df::ext::surface::raise("invalid on_failure \"" + on_failure + "\" for df.start(): expected 'fail' or 'pause'");
  options.pause_on_failure = on_failure == "pause";
  options.max_attempts = args.max_attempts;
  options.max_backoff_ms = args.max_backoff_ms;
}

}  // namespace

// df.start(fut, label, database, transaction_mode, max_attempts, max_backoff, on_failure).
// Not strict: a NULL graph gives NULL.
DF_SURFACE_FUNCTION(df_start) {
  using df::ext::surface::opt_text_arg;
  std::string mode = PG_ARGISNULL(3) ? "caller" : df::ext::text_arg(fcinfo, 3);
  if (df::compiler::to_lower(mode) != "caller" && df::compiler::to_lower(mode) != "new")
    df::ext::surface::raise("invalid transaction_mode \"" + mode +
                            "\" for df.start(): expected 'caller' or 'new'");
  if (df::compiler::to_lower(mode) == "new") {
    if (df::ext::surface::in_workflow())
      df::ext::surface::raise(
          "df.start() with transaction_mode => 'new' cannot be called inside a workflow - a df.sql() node "
          "already runs as a single autocommitted statement, so a plain df.start() there is already "
          "independent of any caller transaction");
  }
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  df::ext::start::Options options;
  options.label = opt_text_arg(fcinfo, 1);
  options.database = opt_text_arg(fcinfo, 2);
  read_failure_options(fcinfo, options);
  if (df::compiler::to_lower(mode) == "new")
    return df::ext::text_datum(df::ext::start::start_new_mode(df::ext::text_arg(fcinfo, 0), options));
  return df::ext::text_datum(df::ext::start::start_caller_mode(df::ext::text_arg(fcinfo, 0), options));
}
