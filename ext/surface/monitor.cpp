// monitor.cpp — the C parts of monitoring (docs/reference.md §3.5): the engine summaries
// behind df.list_instances / df.instance_info / df.instance_executions, and
// df.instance_nodes with the inferred status of §12. Visibility is always decided by the
// caller's own SELECT on df.instances (RLS); only then are the engine's tables read, as
// the engine owner, for exactly the visible ids.
#include <map>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/engine_core.hpp"
#include "surface/monitor.hpp"
#include "pg/spi.hpp"
#include "surface/surface.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
}

namespace df::ext::monitor {
namespace {

// Rows of a materialised set-returning function, built from text values.
class RowSink {
 public:
  explicit RowSink(FunctionCallInfo fcinfo) : rsinfo_(reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo)) {
    pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
    meta_ = pg_call([&] { return TupleDescGetAttInMetadata(rsinfo_->setDesc); });
  }
  void add(const std::vector<std::optional<std::string>>& values) {
    std::vector<char*> cells;
    for (const auto& v : values) cells.push_back(v ? const_cast<char*>(v->c_str()) : nullptr);
    pg_call([&] {
      HeapTuple tuple = BuildTupleFromCStrings(meta_, cells.data());
      tuplestore_puttuple(rsinfo_->setResult, tuple);
    });
  }

 private:
  ReturnSetInfo* rsinfo_;
  AttInMetadata* meta_;
};

bool is_instance_id(const std::string& id) {
  if (id.size() != 8) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::optional<std::string> opt(std::uint64_t row, int column) { return spi::value(row, column); }

}  // namespace

std::vector<NodeRow> load_nodes(const std::string& instance_id) {
  std::uint64_t n = spi::exec(
      "SELECT id, node_type, query, result_name, left_node, right_node, status, result::text, "
      "status_details::text, status_details->>'execution_id', updated_at FROM df.nodes WHERE instance_id = $1",
      {spi::text(instance_id)});
  std::vector<NodeRow> rows;
  for (std::uint64_t i = 0; i < n; ++i) {
    NodeRow r;
    r.record = {spi::value_or(i, 1, ""), spi::value_or(i, 2, ""), opt(i, 3), opt(i, 5), opt(i, 6),
                spi::value_or(i, 7, "pending"), opt(i, 10)};
    r.result_name = opt(i, 4);
    r.result = opt(i, 8);
    r.status_details = opt(i, 9);
    r.updated_at = opt(i, 11);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::optional<EngineSummary> engine_summary(const std::string& instance_id) {
  engine::AsEngineOwner owner;
  if (spi::exec("SELECT generation, event_count, finished, output, created_at, finished_at "
                "FROM _duroxide.instance_state WHERE instance_id = $1",
                {spi::text(instance_id)}) != 1)
    return std::nullopt;
  EngineSummary s;
  s.generation = std::stol(spi::value_or(0, 1, "1"));
  s.event_count = std::stol(spi::value_or(0, 2, "0"));
  s.finished = spi::value_or(0, 3, "f") == "t";
  s.output = opt(0, 4);
  s.started_at = opt(0, 5);
  s.finished_at = opt(0, 6);
  return s;
}

std::string engine_status_word(const std::string& df_status, bool finished) {
  if (!finished) return df_status == "pending" ? "Pending" : "Running";
  if (df_status == "completed") return "Completed";
  if (df_status == "cancelled") return "Canceled";
  return "Failed";
}

}  // namespace df::ext::monitor

namespace monitor = df::ext::monitor;
namespace spi = df::ext::spi;

// _duroxide.instance_summaries(ids text[]): the engine's view of those of `ids` the caller
// can see — TABLE(instance_id, engine_status, generation, event_count, output,
// started_at, finished_at). Safe to call by anyone: invisible ids yield nothing.
DF_SURFACE_FUNCTION(df_instance_summaries) {
  Datum ids = PG_GETARG_DATUM(0);
  monitor::RowSink sink(fcinfo);
  spi::Connection connection;
  std::uint64_t n = spi::exec("SELECT id::text, status FROM df.instances WHERE id = ANY($1)",
                              {spi::Arg{TEXTARRAYOID, ids, false}});
  std::vector<std::pair<std::string, std::string>> visible;
  for (std::uint64_t i = 0; i < n; ++i) visible.emplace_back(spi::value_or(i, 1, ""), spi::value_or(i, 2, ""));
  for (const auto& [id, status] : visible) {
    if (!monitor::is_instance_id(id)) continue;
    auto summary = monitor::engine_summary(id);
    if (!summary) continue;  // unknown to the engine (yet): omitted, as documented
    sink.add({id, monitor::engine_status_word(status, summary->finished), std::to_string(summary->generation),
              std::to_string(summary->event_count), summary->output, summary->started_at, summary->finished_at});
  }
  connection.finish();
  return (Datum)0;
}

// _duroxide.instance_execution_history(id text, max_rows int): one row per root generation
// of an instance the caller can see, newest first — TABLE(execution_id, status,
// event_count, duration_ms, output). Invisible or unknown ids yield nothing.
DF_SURFACE_FUNCTION(df_instance_execution_history) {
  std::string id = df::ext::text_arg(fcinfo, 0);
  int max_rows = PG_GETARG_INT32(1);
  monitor::RowSink sink(fcinfo);
  spi::Connection connection;
  bool visible = spi::exec("SELECT 1 FROM df.instances WHERE id = $1", {spi::text(id)}) == 1;
  if (visible) {
    df::ext::engine::AsEngineOwner owner;
    std::uint64_t n = spi::exec(
        "SELECT x.execution_id, x.status, "
        // the running execution's count is not stored (sql/parts/80_engine.sql)
        "CASE WHEN x.status = 'Running' THEN coalesce(s.event_count, 0) - x.started_at_event ELSE x.event_count END, "
        "CASE WHEN x.finished_at IS NULL THEN 0 ELSE (extract(epoch FROM x.finished_at - x.started_at) * 1000)::bigint END, "
        "x.output FROM _duroxide.executions x LEFT JOIN _duroxide.instance_state s ON s.instance_id = x.instance_id "
        "WHERE x.instance_id = $1 ORDER BY x.execution_id DESC LIMIT $2",
        {spi::text(id), spi::int4(max_rows)});
    std::vector<std::vector<std::optional<std::string>>> rows;
    for (std::uint64_t i = 0; i < n; ++i)
      rows.push_back({spi::value(i, 1), spi::value(i, 2), spi::value(i, 3), spi::value(i, 4), spi::value(i, 5)});
    for (auto& r : rows) sink.add(r);
  }
  connection.finish();
  return (Datum)0;
}

// df.instance_nodes(instance_id_param): every df.nodes row of the instance (caller's RLS)
// with the inferred status of docs/reference.md §12.
DF_SURFACE_FUNCTION(df_instance_nodes) {
  std::string id = df::ext::text_arg(fcinfo, 0);
  monitor::RowSink sink(fcinfo);
  spi::Connection connection;
  std::optional<std::string> root;
  std::string status;
  if (spi::exec("SELECT root_node, status FROM df.instances WHERE id = $1", {spi::text(id)}) == 1) {
    root = spi::value(0, 1);
    status = spi::value_or(0, 2, "");
  }
  std::vector<monitor::NodeRow> rows = root ? monitor::load_nodes(id) : std::vector<monitor::NodeRow>{};
  connection.finish();
  std::vector<df::ext::inferred::NodeRecord> records;
  for (const auto& r : rows) records.push_back(r.record);
  auto inferred = df::ext::inferred::infer(records, root.value_or(""));
  df::ext::inferred::settle_for_instance(inferred, status);
  for (const auto& r : rows) {
    const auto& inf = inferred[r.record.id];
    sink.add({r.record.id, r.record.node_type, r.record.query, r.result_name, r.record.left_node,
              r.record.right_node, r.record.status, r.result, r.status_details, inf.status, inf.from_ancestor,
              r.updated_at});
  }
  return (Datum)0;
}
