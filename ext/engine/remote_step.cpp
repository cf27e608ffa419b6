// remote_step.cpp — see remote_step.hpp. The §8.1 value mapping is applied to libpq's
// text results here (the session runs with TimeZone = UTC and DateStyle = ISO, so
// timestamps arrive in one known shape); in-database steps use sql_result.cpp on SPI
// tuples. Both share json_double and the list of supported types.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "json_text.hpp"

#include "pg/loopback.hpp"

#include "pg/gucs.hpp"
#include "engine/remote_step.hpp"
#include "pg/spi.hpp"
#include "engine/sql_result.hpp"
#include "engine/transaction.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/wait_event.h"
}

namespace df::ext::remote {
namespace {

using loopback::command;
using loopback::Session;
using loopback::trimmed_error;

constexpr int kConnectTimeoutSeconds = 30;

// The loopback session (loopback.hpp: host and port) to `database` as `role`.
void connect(Session& s, const std::string& database, const std::string& role) {
  if (auto e = loopback::connect(s, database, role, "pg_durable:worker:workflow-sql", kConnectTimeoutSeconds))
    throw StepFailure("Failed to connect to database '" + database + "' as '" + role + "'. Error: " + *e);
}

// "2024-06-15 12:30:00.5+00" / "2024-06-15 12:30:00" -> RFC 3339 as §8.1 writes it.
std::string iso_timestamp(const std::string& text, bool with_zone) {
  std::string date = text.substr(0, 10), time = text.size() > 19 ? text.substr(11, 8) : text.substr(11);
  std::string rest = text.size() > 19 ? text.substr(19) : "";
  std::string fraction;
  if (!rest.empty() && rest[0] == '.') {
    std::size_t end = rest.find_first_of("+-", 1);
    fraction = rest.substr(1, end == std::string::npos ? std::string::npos : end - 1);
    while (fraction.size() < 6) fraction += '0';
    fraction = fraction.substr(3) == "000" ? "." + fraction.substr(0, 3) : "." + fraction;
  }
  return "\"" + date + "T" + time + fraction + (with_zone ? "+00:00\"" : "\"");
}

std::string value_json(Session& s, PGresult* r, int row, int col) {
  Oid type = PQftype(r, col);
  if (PQgetisnull(r, row, col) && is_supported_column_type(type)) return "null";
  std::string v = PQgetvalue(r, row, col), out;
  switch (type) {
    case BOOLOID: return v == "t" ? "true" : "false";
    case INT2OID: case INT4OID: case INT8OID: return v;
    case FLOAT4OID: return json_double(static_cast<double>(std::strtof(v.c_str(), nullptr)));
    case FLOAT8OID: return json_double(std::strtod(v.c_str(), nullptr));
    case TEXTOID: case VARCHAROID: case BPCHAROID: case NAMEOID: case NUMERICOID: case UUIDOID:
      compiler::append_json_string(out, v);
      return out;
    case TIMESTAMPTZOID: return v == "infinity" || v == "-infinity" ? "null" : iso_timestamp(v, true);
    case TIMESTAMPOID: return v == "infinity" || v == "-infinity" ? "null" : iso_timestamp(v, false);
    case DATEOID: return v == "infinity" || v == "-infinity" ? "null" : "\"" + v + "\"";
    case JSONOID: case JSONBOID: {
      rapidjson::Document doc;
      std::string error;
      return compiler::parse_json(v, doc, &error) ? compiler::json_value_text(doc) : v;
    }
    case VOIDOID: return "null";
    default: break;
  }
  std::string name = std::to_string(type);
  std::string query = "SELECT upper(format_type(" + std::to_string(type) + ", NULL))";
  PGresult* t = PQexec(s.conn, query.c_str());
  if (PQresultStatus(t) == PGRES_TUPLES_OK && PQntuples(t) == 1) name = PQgetvalue(t, 0, 0);
  PQclear(t);
  throw StepFailure(unsupported_column_message(name, PQfname(r, col)));
}

std::string result_json(Session& s, PGresult* r) {
  bool has_rows = PQresultStatus(r) == PGRES_TUPLES_OK;
  int rows = has_rows ? PQntuples(r) : 0;
  std::string out = "{\"rows\":[";
  for (int i = 0; i < rows; ++i) {
    ResultRow row;
    for (int c = 0; c < PQnfields(r); ++c) {
      check_result_size(out.size() + static_cast<std::size_t>(PQgetlength(r, i, c)));
      row.add(PQfname(r, c), value_json(s, r, i, c));
    }
    if (i) out += ',';
    row.append_to(out);
    check_result_size(out.size());
  }
  // INSERT/UPDATE/DELETE/MERGE report their affected rows in the command tag.
  std::string tag = PQcmdStatus(r);
  bool dml = false;
  for (const char* verb : {"INSERT ", "UPDATE ", "DELETE ", "MERGE "})
    dml = dml || tag.compare(0, std::strlen(verb), verb) == 0;
  std::uint64_t affected = dml ? std::strtoull(PQcmdTuples(r), nullptr, 10) : 0;
  return out + "],\"row_count\":" + std::to_string(rows) + affected_rows_field(dml, affected) + "}";
}

// Asks the other database to cancel the session's running statement.
void cancel_remote(Session& s) {
  PGcancel* cancel = PQgetCancel(s.conn);
  if (!cancel) return;
  char error[256];
  if (!PQcancel(cancel, error, sizeof error)) elog(LOG, "pg_durable: cannot cancel a step in another database: %s", error);
  PQfreeCancel(cancel);
}

// The statement's result, waited for on the socket and this process's latch so that
// interrupts are seen: a query cancel of the executor (the task was cancelled - df.cancel,
// a decided race, a df.timeout that ran out) or a shutdown cancels the remote statement
// too, then surfaces as the PostgreSQL error it is (or RetryTask): the caller's
// transaction is retried and the cancelled task dropped. The remote transaction is never
// committed then (the session closes with it open, so it rolls back).
PGresult* await_result(Session& s) {
  bool cancelled = false;
  while (true) {
    if (!PQconsumeInput(s.conn))
      throw StepFailure("SQL execution failed: error returned from database: " + trimmed_error(PQerrorMessage(s.conn)));
    if (!PQisBusy(s.conn)) break;
    if (!cancelled && (QueryCancelPending || ProcDiePending)) {
      cancel_remote(s);
      cancelled = true;
    }
    pg_call([&] {
      int rc = WaitLatchOrSocket(MyLatch, WL_LATCH_SET | WL_SOCKET_READABLE | WL_EXIT_ON_PM_DEATH, PQsocket(s.conn),
                                 -1, PG_WAIT_EXTENSION);
      if (rc & WL_LATCH_SET) ResetLatch(MyLatch);
    });
  }
  PGresult* last = nullptr;
  while (PGresult* r = PQgetResult(s.conn)) {
    if (last) PQclear(last);
    last = r;
  }
  if (cancelled) {
    if (last) PQclear(last);
    check_for_interrupts();
    throw RetryTask();
  }
  return last;
}

}  // namespace

StepResult run(const std::string& database, const std::string& role, const std::string& sql,
               const std::optional<std::string>& gid) {
  StepResult result;
  try {
    Session s;
    connect(s, database, role);
    for (const char* setup : {"SET df.in_workflow = 'true'", "SET TimeZone = 'UTC'", "SET DateStyle = 'ISO'", "BEGIN"})
      if (auto e = command(s, setup)) throw StepFailure("SQL execution failed: error returned from database: " + *e);
    // Extended protocol: exactly one statement, as the reference runs it.
    if (!PQsendQueryParams(s.conn, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0))
      throw StepFailure("SQL execution failed: error returned from database: " + trimmed_error(PQerrorMessage(s.conn)));
    PGresult* r = await_result(s);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
      std::string e = trimmed_error(PQresultErrorMessage(r));
      PQclear(r);
      throw StepFailure("SQL execution failed: error returned from database: " + e);
    }
    try {
      result.text = result_json(s, r);
    } catch (...) {
      PQclear(r);
      throw;
    }
    PQclear(r);
    std::string finish = gid ? "PREPARE TRANSACTION '" + *gid + "'" : "COMMIT";
    if (auto e = command(s, finish.c_str())) throw StepFailure("SQL execution failed: error returned from database: " + *e);
    result.ok = true;
    result.gid = gid;
  } catch (const StepFailure& e) {
    result.ok = false;
    result.text = e.what();
  }
  return result;
}

bool finish_prepared(const std::string& database, const std::string& gid, bool commit) {
  Session s;
  try {
    connect(s, database, settings.worker_role);
  } catch (const StepFailure& e) {
    elog(LOG, "pg_durable: cannot finish prepared step %s: %s", gid.c_str(), e.what());
    return false;
  }
  std::string sql = std::string(commit ? "COMMIT PREPARED '" : "ROLLBACK PREPARED '") + gid + "'";
  if (auto e = command(s, sql.c_str())) {
    elog(LOG, "pg_durable: %s failed: %s", sql.c_str(), e->c_str());
    return false;
  }
  return true;
}

void resolve_prepared_steps() {
  struct Decision { std::string gid, database; bool commit; };
  std::vector<Decision> decisions;
  run_in_transaction([&] {
    // Records whose prepared transaction is gone (finished twice in a race) are dropped.
    spi::exec("DELETE FROM _duroxide.prepared_steps s WHERE created_at < now() - interval '1 minute' "
              "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_xacts p WHERE p.gid = s.gid)");
    std::uint64_t n = spi::exec("SELECT gid, database FROM pg_catalog.pg_prepared_xacts WHERE gid LIKE 'pgdf\\_%'");
    std::vector<std::pair<std::string, std::string>> found;
    for (std::uint64_t i = 0; i < n; ++i) found.emplace_back(spi::value_or(i, 1, ""), spi::value_or(i, 2, ""));
    for (const auto& [gid, database] : found) {
      // gid = pgdf_<instance>_<task>_<attempt>
      std::string instance = gid.substr(5, 8);
      std::string task = gid.substr(14, gid.find('_', 14) - 14);
      if (spi::exec("SELECT 1 FROM _duroxide.prepared_steps WHERE gid = $1", {spi::text(gid)}) > 0) {
        decisions.push_back({gid, database, true});  // its checkpoint committed
      } else if (spi::exec("SELECT 1 FROM _duroxide.tasks WHERE instance_id = $1 AND task_id = $2::bigint "
                           "FOR UPDATE SKIP LOCKED", {spi::text(instance), spi::text(task)}) > 0 ||
                 spi::exec("SELECT 1 FROM _duroxide.tasks WHERE instance_id = $1 AND task_id = $2::bigint",
                           {spi::text(instance), spi::text(task)}) == 0) {
        decisions.push_back({gid, database, false});  // its checkpoint aborted or refused it
      }  // else: an executor holds the task right now: not ours to decide
    }
    return false;
  });
  for (const auto& d : decisions) {
    if (!finish_prepared(d.database, d.gid, d.commit)) continue;
    elog(LOG, "pg_durable: %s prepared step %s", d.commit ? "committed" : "rolled back", d.gid.c_str());
    if (d.commit)
      run_in_transaction([&] {
        spi::exec("DELETE FROM _duroxide.prepared_steps WHERE gid = $1", {spi::text(d.gid)});
        return false;
      });
  }
}

}  // namespace df::ext::remote
