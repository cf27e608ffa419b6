// fork_source.cpp — the engine's two parts of df.fork (engine.hpp; the rules are vm/fork.hpp):
// reading the original instance (frozen graph, node ids, checkpoint, df.nodes by pre-order
// index) and, once the new instance has started, giving its reused nodes the original's
// rows and recording its origin. Both run as the engine owner: the caller may not read
// _duroxide, and no grant lets a user write df.instances.forked_from.
#include <string>

#include "errors.hpp"
#include "json_text.hpp"

#include "engine/engine.hpp"
#include "engine/engine_core.hpp"
#include "engine/state_store.hpp"
#include "pg/spi.hpp"

namespace df::ext::engine {
namespace {

// df.nodes.result is jsonb (its output spaces and orders keys its way): the VM's results
// are compact JSON, as a step's result was when the original stored it.
std::string compact_json(const std::string& text) {
  rapidjson::Document doc;
  try {
    if (compiler::parse_json(text, doc, nullptr)) return compiler::json_value_text(doc);
  } catch (const compiler::CompileError&) {
  }
  return text;
}

std::string id_array(const std::vector<std::string>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + ids[i];
  return out + "}";
}

}  // namespace

std::optional<ForkSource> read_fork_source(const std::string& instance_id) {
  AsEngineOwner owner;
  spi::Connection spi_connection;
  if (spi::exec("SELECT g.graph, coalesce(s.database, ''), CASE WHEN s.delta_bytes IS NULL THEN s.state END, "
                "s.on_failure, s.delta_bytes IS NOT NULL FROM _duroxide.instance_state s "
                "JOIN _duroxide.instance_graphs g ON g.instance_id = s.instance_id WHERE s.instance_id = $1",
                {spi::text(instance_id)}) != 1) {
    spi_connection.finish();
    return std::nullopt;
  }
  ForkSource src;
  src.graph_json = spi::value_or(0, 1, "");
  src.database = spi::value_or(0, 2, "");
  src.pause_on_failure = spi::value_or(0, 4, "fail") == "pause";
  try {
    src.state = state_store::read_whole(instance_id, spi::bytea_value(0, 3), spi::value_or(0, 5, "f") == "t");
  } catch (const vm::StateError& e) {
    throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "instance " + instance_id + " cannot be forked",
                   std::string("Its checkpoint cannot be read: ") + e.what() + ".", "");
  }
  // The nodes in pre-order with what df.nodes says about them; completed_order orders the
  // completions (microseconds of the last stamp).
  const std::uint64_t n = spi::exec(
      "SELECT ids.id, n.status, n.result::text, "
      "(pg_catalog.date_part('epoch', n.updated_at) * 1000000)::bigint "
      "FROM _duroxide.instance_graphs g, pg_catalog.unnest(g.node_ids) WITH ORDINALITY AS ids(id, ord) "
      "LEFT JOIN df.nodes n ON n.instance_id = $1 AND n.id = ids.id "
      "WHERE g.instance_id = $1 ORDER BY ids.ord",
      {spi::text(instance_id)});
  for (std::uint64_t i = 0; i < n; ++i) {
    src.node_ids.push_back(spi::value_or(i, 1, ""));
    vm::NodeRecord r;
    const std::string status = spi::value_or(i, 2, "pending");
    r.started = status != "pending";
    r.completed = status == "completed";
    if (r.completed) r.result = compact_json(spi::value_or(i, 3, "null"));
    r.completed_order = std::stoll(spi::value_or(i, 4, "0"));
    src.nodes.push_back(std::move(r));
  }
  spi_connection.finish();
  return src;
}

void record_fork(const std::string& new_id, const std::vector<std::string>& new_node_ids,
                 const std::string& original_id, const std::vector<std::string>& original_node_ids,
                 const std::vector<std::uint32_t>& reused, std::uint32_t from_node) {
  AsEngineOwner owner;
  spi::Connection spi_connection;
  std::vector<std::string> to, from;
  for (std::uint32_t i : reused) {
    to.push_back(new_node_ids.at(i));
    from.push_back(original_node_ids.at(i));
  }
  // The copied execution ids (status_details and each run record) name the new instance
  // and its node ids: every "::"-separated token that is an old id becomes the new one.
  std::vector<std::string> old_ids = original_node_ids, new_ids = new_node_ids;
  old_ids.push_back(original_id);
  new_ids.push_back(new_id);
#define DF_FORK_REWRITE(x)                                                                                 \
  "(SELECT pg_catalog.string_agg(coalesce(m.new_id, t.tok), '::' ORDER BY t.ord) "                        \
  "FROM pg_catalog.unnest(pg_catalog.string_to_array(" x ", '::')) WITH ORDINALITY AS t(tok, ord) "        \
  "LEFT JOIN idmap m ON m.old_id = t.tok)"
  spi::exec("WITH idmap AS (SELECT * FROM ROWS FROM (pg_catalog.unnest($5::text[]), pg_catalog.unnest($6::text[])) "
            "AS m(old_id, new_id)) "
            "UPDATE df.nodes n SET status = o.status, result = o.result, error = o.error, "
            "status_details = CASE WHEN o.status_details ? 'execution_id' THEN pg_catalog.jsonb_set(o.status_details, "
            "'{execution_id}', pg_catalog.to_jsonb(" DF_FORK_REWRITE("o.status_details->>'execution_id'") ")) "
            "ELSE o.status_details END, "
            "runs = (SELECT pg_catalog.jsonb_agg(CASE WHEN x.r ? 'execution_id' THEN pg_catalog.jsonb_set(x.r, "
            "'{execution_id}', pg_catalog.to_jsonb(" DF_FORK_REWRITE("x.r->>'execution_id'") ")) ELSE x.r END "
            "ORDER BY x.ord) FROM pg_catalog.jsonb_array_elements(o.runs) WITH ORDINALITY AS x(r, ord)), "
            "started_at = o.started_at, finished_at = o.finished_at, updated_at = o.updated_at "
            "FROM ROWS FROM (pg_catalog.unnest($3::text[]), pg_catalog.unnest($4::text[])) AS p(new_id, old_id) "
            "JOIN df.nodes o ON o.instance_id = $2 AND o.id = p.old_id "
            "WHERE n.instance_id = $1 AND n.id = p.new_id",
            {spi::text(new_id), spi::text(original_id), spi::text(id_array(to)), spi::text(id_array(from)),
             spi::text(id_array(old_ids)), spi::text(id_array(new_ids))});
#undef DF_FORK_REWRITE
  spi::exec("UPDATE df.instances SET forked_from = $2, forked_from_node = $3 WHERE id = $1",
            {spi::text(new_id), spi::text(original_id), spi::text(original_node_ids.at(from_node))});
  spi_connection.finish();
}

}  // namespace df::ext::engine
