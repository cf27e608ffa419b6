// spi.cpp — see spi.hpp.
#include "pg/spi.hpp"

#include <unordered_map>

extern "C" {
#include "catalog/pg_type.h"
#include "utils/guc.h"
#include "utils/plancache.h"
#include "utils/timestamp.h"
}

namespace df::ext::spi {

Arg text(const std::string& value) {
  Datum d = pg_call([&] { return PointerGetDatum(cstring_to_text_with_len(value.data(), static_cast<int>(value.size()))); });
  return {TEXTOID, d, false};
}

Arg optional_text(const std::optional<std::string>& value) {
  if (!value) return {TEXTOID, (Datum)0, true};
  return text(*value);
}

Arg binary(const std::string& bytes) {
  Datum d = pg_call([&] {
    ::bytea* b = static_cast<::bytea*>(palloc(VARHDRSZ + bytes.size()));
    SET_VARSIZE(b, VARHDRSZ + bytes.size());
    memcpy(VARDATA(b), bytes.data(), bytes.size());
    return PointerGetDatum(b);
  });
  return {BYTEAOID, d, false};
}

Arg int4(int value) { return {INT4OID, Int32GetDatum(value), false}; }
Arg int8(std::int64_t value) { return {INT8OID, Int64GetDatum(value), false}; }
Arg oid(Oid value) { return {OIDOID, ObjectIdGetDatum(value), false}; }
Arg boolean(bool value) { return {BOOLOID, BoolGetDatum(value), false}; }
Arg timestamptz(TimestampTz value) { return {TIMESTAMPTZOID, TimestampTzGetDatum(value), false}; }

namespace {

// Saved plans of the engine's statements, keyed by SQL text: every statement is parsed
// and planned once per process. The plan cache revalidates them after DDL (DROP and
// CREATE EXTENSION included).
std::unordered_map<std::string, SPIPlanPtr>& plan_cache() {
  static auto* cache = new std::unordered_map<std::string, SPIPlanPtr>();
  return *cache;
}

SPIPlanPtr plan_for(const char* sql, int nargs, Oid* types) {
  auto& cache = plan_cache();
  auto found = cache.find(sql);
  if (found != cache.end()) return found->second;
  // CURSOR_OPT_GENERIC_PLAN: one plan for every execution. With parameters the plan cache
  // would otherwise keep making a custom plan per call whenever the generic plan's
  // estimate is higher (it often is for unnest($n) arrays), and planning - with inlining
  // the SQL functions the stamps call, which parses their bodies - was 38% of the
  // executors' CPU (tools/bench profile: 510 us of 1,330 per step at 8 in flight). Every
  // engine statement reaches its rows by key, so the generic plan is the custom one.
  SPIPlanPtr plan = pg_call([&] {
    SPIPlanPtr p = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);
    if (p == nullptr) elog(ERROR, "SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), sql);
    SPI_keepplan(p);
    return p;
  });
  cache.emplace(sql, plan);
  return plan;
}

// Whether executing `plan` may build the plan that the plan cache then keeps: its generic
// plan (the only kind plan_for's statements use) is missing or invalidated.
bool may_build_kept_plan(SPIPlanPtr plan) {
  ListCell* lc;
  foreach (lc, SPI_plan_get_plan_sources(plan)) {
    auto* ps = static_cast<CachedPlanSource*>(lfirst(lc));
    if (!ps->is_valid || ps->gplan == nullptr || !ps->gplan->is_valid) return true;
  }
  return false;
}

}  // namespace

namespace {
std::uint64_t exec_args(const char* sql, const Arg* first, const Arg* last, long limit);
}

std::uint64_t exec(const char* sql, std::initializer_list<Arg> args, long limit) {
  return exec_args(sql, args.begin(), args.end(), limit);
}

std::uint64_t exec(const char* sql, const std::vector<Arg>& args, long limit) {
  return exec_args(sql, args.data(), args.data() + args.size(), limit);
}

namespace {

std::uint64_t exec_args(const char* sql, const Arg* first, const Arg* last, long limit) {
  constexpr int kMaxArgs = 32;  // the engine's event write (engine_core.cpp) takes 28
  Oid types[kMaxArgs];
  Datum values[kMaxArgs];
  char nulls[kMaxArgs];
  int n = 0;
  for (const Arg* it = first; it != last; ++it) {
    const Arg& a = *it;
    if (n == kMaxArgs) throw std::logic_error("spi::exec: too many arguments");
    types[n] = a.type;
    values[n] = a.value;
    nulls[n] = a.is_null ? 'n' : ' ';
    ++n;
  }
  SPIPlanPtr plan = plan_for(sql, n, types);
  // Planned (and re-planned: the plan cache does it inside SPI_execute_plan) with
  // enable_seqscan off. Every engine statement reaches its rows through an index (by
  // instance id, or the per-role task queue), but a saved plan is made once: an executor
  // that planned a statement while its table had a few pages kept a Seq Scan when the table
  // grew, until an autovacuum's statistics update invalidated it (a minute at best), and
  // every step then read every finished instance (tools/bench "scale": +90-160% per step at
  // 3,000 finished instances). A sequential scan stays possible where no index applies.
  // Only around executions that may plan: AtEOXact_GUC walks every GUC (1-2% of the
  // executors' CPU when done for every statement).
  bool may_plan = pg_call([&] { return may_build_kept_plan(plan); });
  int rc = pg_call([&] {
    if (!may_plan) return SPI_execute_plan(plan, values, nulls, false, limit);
    int nest = NewGUCNestLevel();
    int r = 0;
    PG_TRY();
    {
      (void)set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                              false);
      r = SPI_execute_plan(plan, values, nulls, false, limit);
    }
    PG_FINALLY();
    { AtEOXact_GUC(false, nest); }  // GUC_ACTION_SAVE: restored either way
    PG_END_TRY();
    return r;
  });
  if (rc < 0) throw std::runtime_error(std::string("SPI error ") + SPI_result_code_string(rc) + " in: " + sql);
  return SPI_processed;
}

}  // namespace

std::uint64_t rows() { return SPI_processed; }

std::optional<std::string> value(std::uint64_t row, int column) {
  if (row >= SPI_processed) return std::nullopt;
  char* v = pg_call([&] { return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column); });
  if (!v) return std::nullopt;
  return std::string(v);
}

std::string value_or(std::uint64_t row, int column, const std::string& fallback) {
  auto v = value(row, column);
  return v ? *v : fallback;
}

std::optional<std::string> bytea_value(std::uint64_t row, int column) {
  if (row >= SPI_processed) return std::nullopt;
  bool is_null = false;
  ::bytea* b = pg_call([&] {
    Datum d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column, &is_null);
    return is_null ? static_cast<::bytea*>(nullptr) : DatumGetByteaPP(d);
  });
  if (!b) return std::nullopt;
  return std::string(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
}

Connection::Connection() {
  pg_call([] { SPI_connect(); });
  open_ = true;
}

Connection::~Connection() {
  // Deliberately not calling SPI_finish here: a destructor runs during unwinding too, and
  // then the transaction abort releases SPI. Normal paths call finish().
}

void Connection::finish() {
  if (open_) pg_call([] { SPI_finish(); });
  open_ = false;
}

}  // namespace df::ext::spi
