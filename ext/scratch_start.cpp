// SCRATCH (not committed): a minimal df.start to exercise the engine before the SQL surface lands.
#include <random>
#include "persist.hpp"
#include "validate.hpp"
#include "wire_json.hpp"
#include "engine.hpp"
#include "pg_bridge.hpp"
#include "spi.hpp"
using namespace df;
DF_FUNCTION(df_scratch_start) {
  std::string fut = ext::text_arg(fcinfo, 0);
  ir::NodePtr root = compiler::parse_strict(fut);
  compiler::validate_or_throw(*root);
  std::mt19937_64 rng(std::random_device{}());
  auto new_id = [&] { char b[9]; snprintf(b, 9, "%08x", (unsigned)(rng() & 0xffffffff)); return std::string(b); };
  auto rows = compiler::flatten(*root, new_id);
  std::string iid = new_id();
  {
    ext::spi::Connection c;
    ext::spi::exec("INSERT INTO df.instances(id,label,root_node,submitted_by) VALUES ($1,NULL,$2,current_user::regrole)", {ext::spi::text(iid), ext::spi::text(rows[0].id)});
    for (auto& r : rows)
      ext::spi::exec("INSERT INTO df.nodes(id,instance_id,node_type,query,result_name,left_node,right_node,submitted_by) VALUES ($1,$2,$3,$4,$5,$6,$7,current_user::regrole)",
        {ext::spi::text(r.id), ext::spi::text(iid), ext::spi::text(ir::node_type_name(r.type)), ext::spi::optional_text(r.query), ext::spi::optional_text(r.result_name), ext::spi::optional_text(r.left_node), ext::spi::optional_text(r.right_node)});
    c.finish();
  }
  ext::engine::StartRequest req;
  req.instance_id = iid; req.root = root.get(); req.submitted_by = GetUserId();
  for (auto& r : rows) req.node_ids.push_back(r.id);
  ext::engine::start_instance(req);
  return ext::text_datum(iid);
}
