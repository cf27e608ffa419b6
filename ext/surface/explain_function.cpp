// explain_function.cpp — df.explain(input) (docs/reference.md §13): a live view of an
// instance (8 hex digits), or a dry run of Durofut JSON, of a DSL expression (evaluated
// as `SELECT <input>` as the caller) or of a single SQL statement. Rendering is the
// compiler's explain_tree; validation problems are returned as text, not raised.
#include <cctype>
#include <map>
#include <string>

#include "args.hpp"
#include "explain.hpp"
#include "json_text.hpp"
#include "persist.hpp"
#include "text.hpp"
#include "validate.hpp"
#include "wire_json.hpp"

#include "engine/engine_core.hpp"
#include "surface/monitor.hpp"
#include "pg/spi.hpp"
#include "surface/surface.hpp"

namespace {

namespace compiler = df::compiler;
namespace monitor = df::ext::monitor;
namespace spi = df::ext::spi;
using df::ext::text_datum;

constexpr std::size_t kOutputWidth = 100;  // bytes per line of a wrapped error

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

bool is_hex8(const std::string& s) {
  if (s.size() != 8) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool looks_like_dsl(const std::string& s) {
  for (const char* token : {"~>", "|=>", "?>", "!>", "@>", "df."})
    if (s.find(token) != std::string::npos) return true;
  return false;
}

bool starts_with_sql_keyword(const std::string& s) {
  std::string upper;
  for (char c : s.substr(0, 16)) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const char* kw : {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "CREATE", "ALTER", "DROP", "CALL", "DO",
                         "TRUNCATE", "GRANT", "REVOKE", "EXPLAIN"}) {
    std::string k(kw);
    if (upper.compare(0, k.size(), k) != 0 || upper.size() <= k.size()) continue;
    char next = upper[k.size()];
    bool newline_ok = k == "SELECT" || k == "INSERT" || k == "UPDATE" || k == "DELETE" || k == "WITH";
    if (next == ' ' || (next == '\n' && newline_ok)) return true;
  }
  return false;
}

// `SELECT <input>` as the caller; SQL errors propagate, SPI failures come back as text.
std::optional<std::string> evaluate(const std::string& input, std::string* failure) {
  spi::Connection connection;
  std::string sql = "SELECT " + input;
  int rc = df::ext::pg_call([&] { return SPI_execute(sql.c_str(), false, 1); });
  if (rc < 0) {
    connection.finish();
    *failure = std::string("Failed to evaluate expression: ") + SPI_result_code_string(rc);
    return std::nullopt;
  }
  std::optional<std::string> value = spi::value(0, 1);
  connection.finish();
  return value;
}

std::string dry_run(const df::ir::Node& root) {
  for (const auto& d : compiler::validate(root))
    if (d.severity == compiler::Severity::Error) return compiler::graph_error_text(d);
  return compiler::explain_tree(root);
}

const char* status_icon(const std::string& status) {
  const std::string word = df::compiler::to_lower(status);
  if (word == "completed" || word == "continuedasnew") return "\xE2\x9C\x93";                    // ✓
  if (word == "failed" || word == "canceled" || word == "cancelled") return "\xE2\x9C\x97";    // ✗
  if (word == "running") return "\xE2\x8F\xB3";                                                  // ⏳
  return "\xE2\x97\x8B";                                                                         // ○
}

std::string node_marker(const std::string& inferred) {
  if (inferred == "skipped") return " \xE2\x8A\x98";  // ⊘
  return std::string(" ") + status_icon(inferred);
}

// The retry state a node's status_details records (vm/retry.hpp), for the live view:
// " (attempt 1 of 3 failed [55P03]: <error text>, retry at ...)", " (attempt 2 of 3; attempt 1
// failed [55P03]: <error text>)" while it runs again, " (failed after 3 attempts [22012])",
// " (succeeded on attempt 2)"; "" when the node ran once.
std::string attempt_note(const std::optional<std::string>& details) {
  rapidjson::Document doc;
  if (!details || !compiler::parse_json(*details, doc, nullptr) || !doc.IsObject()) return "";
  auto text = [&](const rapidjson::Value& obj, const char* key) -> std::string {
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd()) return "";
    if (it->value.IsString()) return std::string(compiler::json_string_view(it->value));
    return it->value.IsInt64() ? std::to_string(it->value.GetInt64()) : "";
  };
  // " [SQLSTATE]" of an error record, and ": <text>" shortened and without the executor's
  // prefix of every SQL error (the SQLSTATE says where it came from): a node waiting to
  // retry or running a later attempt has no result yet, so the error text shows here.
  auto state_of = [&](rapidjson::Value::ConstMemberIterator rec) -> std::string {
    if (rec == doc.MemberEnd() || !rec->value.IsObject() || text(rec->value, "sqlstate").empty()) return "";
    return " [" + text(rec->value, "sqlstate") + "]";
  };
  auto message_of = [&](rapidjson::Value::ConstMemberIterator rec) -> std::string {
    if (rec == doc.MemberEnd() || !rec->value.IsObject() || text(rec->value, "message").empty()) return "";
    static const std::string kSqlErrorPrefix = "SQL execution failed: error returned from database: ";
    std::string m = text(rec->value, "message");
    if (m.rfind(kSqlErrorPrefix, 0) == 0) m.erase(0, kSqlErrorPrefix.size());
    return ": " + compiler::truncate_bytes(m, 60);
  };
  auto error = doc.FindMember("error");
  const std::string state = state_of(error);
  if (text(doc, "waiting") == "retry")
    return " (attempt " + text(doc, "attempt") + " of " + text(doc, "max_attempts") + " failed" + state +
           message_of(error) + ", retry at " + text(doc, "next_retry_at") + ")";
  auto previous = doc.FindMember("previous_error");
  if (previous != doc.MemberEnd() && !text(doc, "attempt").empty()) {
    const long attempt = std::strtol(text(doc, "attempt").c_str(), nullptr, 10);
    return " (attempt " + text(doc, "attempt") + " of " + text(doc, "max_attempts") + "; attempt " +
           std::to_string(attempt - 1) + " failed" + state_of(previous) + message_of(previous) + ")";
  }
  const std::string attempts = text(doc, "attempts");
  if (attempts.empty() || attempts == "1") return "";
  if (error != doc.MemberEnd()) return " (failed after " + attempts + " attempts" + state + ")";
  return " (succeeded on attempt " + attempts + ")";
}

// Pairs every IR node of the rebuilt graph with its df.nodes id (same child order).
void map_ids(const df::ir::Node& node, const std::string& id, const std::map<std::string, const monitor::NodeRow*>& rows,
             std::map<const df::ir::Node*, std::string>& out) {
  out[&node] = id;
  auto it = rows.find(id);
  if (it == rows.end()) return;
  std::vector<std::string> kids = df::ext::inferred::children(it->second->record);
  std::vector<const df::ir::Node*> ir_kids;
  if (node.type == df::ir::NodeType::If) ir_kids = {node.condition.get(), node.left.get(), node.right.get()};
  else if (node.type == df::ir::NodeType::Loop) ir_kids = {node.left.get(), node.condition.get()};
  else {
    ir_kids = {node.left.get(), node.right.get()};
    for (const auto& e : node.extras) ir_kids.push_back(e.get());
  }
  std::size_t k = 0;
  for (const df::ir::Node* child : ir_kids) {
    if (!child) continue;
    if (k < kids.size()) map_ids(*child, kids[k++], rows, out);
  }
}

// The Output line: a result is cut to 60 bytes (docs/reference.md §13); the error of a failed or
// cancelled instance is shown whole, wrapped, continuation lines aligned under the first.
std::string output_lines(const std::string& output, bool is_error) {
  if (!is_error) return "Output:   " + compiler::truncate_bytes(output, 60) + "\n";
  std::string text;
  for (const auto& line : compiler::wrap_text(output, kOutputWidth))
    text += (text.empty() ? "Output:   " : "          ") + line + "\n";
  return text;
}

std::string live_header(const std::string& id, const std::optional<std::string>& label, const std::string& status,
                        const std::string& word, const std::optional<std::string>& output) {
  std::string text = "Instance: " + id + (label ? " (" + *label + ")" : "") + "\n";
  text += "Status:   " + std::string(status_icon(word)) + " " + word + "\n";
  if (output) text += output_lines(*output, status == "failed" || status == "cancelled");
  return text + "\n";
}

// What a pending timer of the instance means for its node, by node id: a cron wait's next
// tick, a sleep's wake-up, a signal wait's timeout (times in UTC). Read as the engine
// owner, after the caller's visibility check.
std::map<std::string, std::string> timer_notes(const std::string& id) {
  std::map<std::string, std::string> notes;
  df::ext::engine::AsEngineOwner owner;
  std::uint64_t n = spi::exec(
      "SELECT g.node_ids[t.node + 1], to_char(t.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
      "FROM _duroxide.tasks t JOIN _duroxide.instance_graphs g ON g.instance_id = t.instance_id "
      "WHERE t.instance_id = $1 AND t.kind = 'timer' ORDER BY t.due_at",
      {spi::text(id)});
  for (std::uint64_t i = 0; i < n; ++i) notes.emplace(spi::value_or(i, 1, ""), spi::value_or(i, 2, "") + " UTC");
  return notes;
}

std::string timer_note(const df::ir::Node& node, const std::string& when) {
  switch (node.type) {
    case df::ir::NodeType::WaitSchedule: return " next tick " + when;
    case df::ir::NodeType::Sleep: return " wakes " + when;
    case df::ir::NodeType::Signal: return " times out " + when;
    default: return " due " + when;
  }
}

std::string explain_live(const std::string& id) {
  spi::Connection connection;
  if (spi::exec("SELECT label, status, root_node FROM df.instances WHERE id = $1", {spi::text(id)}) != 1) {
    connection.finish();
    return "Instance '" + id + "' not found";
  }
  std::optional<std::string> label = spi::value(0, 1);
  std::string status = spi::value_or(0, 2, "pending"), root_id = spi::value_or(0, 3, "");
  std::vector<monitor::NodeRow> rows = monitor::load_nodes(id);
  std::optional<monitor::EngineSummary> engine = monitor::engine_summary(id);
  std::map<std::string, std::string> timers = timer_notes(id);
  connection.finish();
  if (rows.empty()) return "No nodes found for instance '" + id + "'";
  std::vector<compiler::NodeRow> persisted;
  std::vector<df::ext::inferred::NodeRecord> records;
  std::map<std::string, const monitor::NodeRow*> by_id;
  for (const auto& r : rows) {
    auto type = df::ir::node_type_from_name(r.record.node_type);
    if (!type) continue;
    persisted.push_back({r.record.id, *type, r.record.query, r.result_name, r.record.left_node, r.record.right_node, nullptr});
    records.push_back(r.record);
    by_id[r.record.id] = &r;
  }
  df::ir::NodePtr root = compiler::rebuild(persisted, root_id);
  auto inferred = df::ext::inferred::infer(records, root_id);
  df::ext::inferred::settle_for_instance(inferred, status);
  std::map<const df::ir::Node*, std::string> ids;
  map_ids(*root, root_id, by_id, ids);
  auto marker = [&](const df::ir::Node& n) {
    const std::string& node_id = ids[&n];
    auto timer = timers.find(node_id);
    auto row = by_id.find(node_id);
    return node_marker(inferred[node_id].status) + (timer != timers.end() ? timer_note(n, timer->second) : "") +
           (row == by_id.end() ? "" : attempt_note(row->second->status_details));
  };
  std::string word = engine ? monitor::engine_status_word(status, engine->finished) : status;
  return live_header(id, label, status, word, engine ? engine->output : std::nullopt) +
         compiler::explain_tree(*root, marker);
}

std::string explain(const std::string& input) {
  std::string trimmed = trim(input);
  if (is_hex8(trimmed)) return explain_live(trimmed);
  df::ir::NodePtr root;
  try {
    root = compiler::parse_graph(input);
    if (!root && looks_like_dsl(input)) {
      std::string failure;
      std::optional<std::string> value = evaluate(input, &failure);
      if (!failure.empty()) return failure;
      if (!value) return "Expression returned NULL";
      root = compiler::parse_graph(*value);
      if (!root) root = compiler::make_sql(*value);
    } else if (!root && starts_with_sql_keyword(trimmed)) {
      root = compiler::make_sql(trimmed);
    }
  } catch (const compiler::CompileError& e) {
    return e.what();
  }
  if (!root)
    return "Cannot explain input: not a valid Durofut JSON, instance ID, SQL statement, or DSL expression.\n"
           "Hint: pass an instance id (8 hex digits), Durofut JSON such as df.sql('SELECT 1'), a DSL expression "
           "such as 'SELECT 1' ~> 'SELECT 2', or a single SQL statement.";
  return dry_run(*root);
}

}  // namespace

DF_SURFACE_FUNCTION(df_explain) { return text_datum(explain(df::ext::text_arg(fcinfo, 0))); }
