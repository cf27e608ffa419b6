// sql_result.cpp — a SQL step's rows -> docs/reference.md §8.1 JSON, rendered as they are
// produced (ResultStream, an SPI DestReceiver). Value mapping by column type:
// bool, integers, floats (float4 widened to double; NaN/Infinity -> null), text types as
// strings, numeric as a string keeping its scale, uuid, timestamptz in UTC RFC 3339,
// timestamp, date, json/jsonb embedded, void -> null; any other type fails the step.
#include <charconv>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "pg/gucs.hpp"
#include "json_text.hpp"
#include "engine/sql_result.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "access/detoast.h"
#include "executor/tuptable.h"
#include "tcop/dest.h"
#include "utils/memutils.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

namespace df::ext {
namespace {

const char* kSupportedTypes =
    "bool, int2, int4, int8, float4, float8, text, varchar, numeric, uuid, timestamptz, "
    "timestamp, date, jsonb, json, void";

std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

std::string fraction(fsec_t fsec) {
  if (fsec == 0) return {};
  char buf[16];
  if (fsec % 1000 == 0) snprintf(buf, sizeof buf, ".%03d", static_cast<int>(fsec / 1000));
  else snprintf(buf, sizeof buf, ".%06d", static_cast<int>(fsec));
  return buf;
}

std::string date_text(const pg_tm& tm) {
  char buf[32];
  snprintf(buf, sizeof buf, "%04d-%s-%s", tm.tm_year, two(tm.tm_mon).c_str(), two(tm.tm_mday).c_str());
  return buf;
}

std::string time_text(const pg_tm& tm) {
  return two(tm.tm_hour) + ":" + two(tm.tm_min) + ":" + two(tm.tm_sec);
}

// timestamp / timestamptz: broken down in UTC (no time zone conversion).
std::string timestamp_text(Timestamp ts, bool with_zone) {
  if (TIMESTAMP_NOT_FINITE(ts)) return "null";
  pg_tm tm;
  fsec_t fsec = 0;
  int rc = pg_call([&] { return timestamp2tm(ts, nullptr, &tm, &fsec, nullptr, nullptr); });
  if (rc != 0) return "null";
  std::string out = "\"" + date_text(tm) + "T" + time_text(tm) + fraction(fsec);
  out += with_zone ? "+00:00\"" : "\"";
  return out;
}

std::string date_value_text(DateADT d) {
  if (DATE_NOT_FINITE(d)) return "null";
  pg_tm tm;
  j2date(d + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
  return "\"" + date_text(tm) + "\"";
}

// Output-function text of the value, as a JSON string or embedded JSON.
std::string output_text(Oid type, Datum value) {
  char* s = pg_call([&] {
    Oid out_fn;
    bool varlena;
    getTypeOutputInfo(type, &out_fn, &varlena);
    return OidOutputFunctionCall(out_fn, value);
  });
  return std::string(s);
}

std::string type_name_upper(Oid type) {
  char* name = pg_call([&] { return format_type_be(type); });
  std::string out(name);
  for (char& c : out) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool is_supported_column_type(Oid type) {
  switch (type) {
    case BOOLOID: case INT2OID: case INT4OID: case INT8OID: case FLOAT4OID: case FLOAT8OID:
    case TEXTOID: case VARCHAROID: case BPCHAROID: case NAMEOID: case NUMERICOID: case UUIDOID:
    case TIMESTAMPTZOID: case TIMESTAMPOID: case DATEOID: case JSONOID: case JSONBOID: case VOIDOID:
      return true;
    default:
      return false;
  }
}

std::string unsupported_column_message(const std::string& type_name_upper, const std::string& column) {
  return "Unsupported column type '" + type_name_upper + "' for column '" + column +
         "'. Supported types: " + kSupportedTypes + ".";
}

void ResultRow::add(const std::string& name, std::string json) {
  for (auto& f : fields_)
    if (f.first == name) {
      f.second = std::move(json);
      return;
    }
  fields_.emplace_back(name, std::move(json));
}

void ResultRow::append_to(std::string& out) const {
  out += '{';
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (i) out += ',';
    compiler::append_json_string(out, fields_[i].first);
    out += ':';
    out += fields_[i].second;
  }
  out += '}';
}

namespace {


std::string value_json(Oid type, Datum value, const char* column) {
  std::string out;
  switch (type) {
    case BOOLOID: return DatumGetBool(value) ? "true" : "false";
    case INT2OID: return std::to_string(DatumGetInt16(value));
    case INT4OID: return std::to_string(DatumGetInt32(value));
    case INT8OID: return std::to_string(DatumGetInt64(value));
    case FLOAT4OID: return json_double(static_cast<double>(DatumGetFloat4(value)));
    case FLOAT8OID: return json_double(DatumGetFloat8(value));
    case TEXTOID: case VARCHAROID: case BPCHAROID: case NAMEOID: case NUMERICOID: case UUIDOID:
      compiler::append_json_string(out, output_text(type, value));
      return out;
    case TIMESTAMPTZOID: return timestamp_text(DatumGetTimestampTz(value), true);
    case TIMESTAMPOID: return timestamp_text(DatumGetTimestamp(value), false);
    case DATEOID: return date_value_text(DatumGetDateADT(value));
    case JSONOID: case JSONBOID: {
      // Re-emit compactly (json keeps its text; jsonb prints with spaces).
      rapidjson::Document doc;
      std::string text = output_text(type, value);
      std::string error;
      if (!compiler::parse_json(text, doc, &error)) return text;
      return compiler::json_value_text(doc);
    }
    case VOIDOID: return "null";
    default:
      throw StepFailure(unsupported_column_message(type_name_upper(type), column));
  }
}

}  // namespace

std::string json_double(double value) {
  if (std::isnan(value) || std::isinf(value)) return "null";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, value);
  std::string s(buf, res.ptr);
  std::size_t e = s.find('e');
  if (e == std::string::npos) {
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  // serde_json (ryu) writes exponents without '+' or leading zeros: 1e20, 1e-7.
  std::string mantissa = s.substr(0, e), exponent = s.substr(e + 1);
  bool negative = !exponent.empty() && exponent[0] == '-';
  if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) exponent.erase(0, 1);
  while (exponent.size() > 1 && exponent[0] == '0') exponent.erase(0, 1);
  return mantissa + "e" + (negative ? "-" : "") + exponent;
}

void check_result_size(std::size_t bytes) {
  const auto cap = static_cast<std::size_t>(settings.max_step_result_bytes);
  if (bytes <= cap) return;
  throw StepFailure("step result exceeds pg_durable.max_step_result_bytes (" + std::to_string(cap) +
                    " bytes). Return fewer rows or smaller values (LIMIT, aggregate, or store the "
                    "data in a table and return its key).");
}

std::string affected_rows_field(bool is_dml, std::uint64_t affected) {
  return is_dml ? ",\"affected_rows\":" + std::to_string(affected) : std::string();
}

namespace {

bool is_dml_result(int spi_rc) {
  switch (spi_rc) {
    case SPI_OK_INSERT: case SPI_OK_UPDATE: case SPI_OK_DELETE: case SPI_OK_MERGE:
    case SPI_OK_INSERT_RETURNING: case SPI_OK_UPDATE_RETURNING: case SPI_OK_DELETE_RETURNING:
      return true;
    default:
      return false;
  }
}

}  // namespace

namespace {

void stream_startup(DestReceiver* self, int, TupleDesc desc) {
  reinterpret_cast<ResultStream::Receiver*>(self)->stream->startup(desc);
}

// Called by the executor for each row. Raises the ERROR that stops the statement outside
// any C++ handler, with no C++ object alive in this frame.
bool stream_receive(TupleTableSlot* slot, DestReceiver* self) {
  ResultStream* stream = reinterpret_cast<ResultStream::Receiver*>(self)->stream;
  if (stream->add_row(slot)) return true;
  if (ErrorData* e = stream->take_pg_error()) ReThrowError(e);  // as itself, SQLSTATE and all
  ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("pg_durable: the step's result was refused")));
  return false;
}

void stream_shutdown(DestReceiver*) {}
void stream_destroy(DestReceiver*) {}

}  // namespace

ResultStream::ResultStream() : out_("{\"rows\":[") {
  receiver_.pub.receiveSlot = stream_receive;
  receiver_.pub.rStartup = stream_startup;
  receiver_.pub.rShutdown = stream_shutdown;
  receiver_.pub.rDestroy = stream_destroy;
  // Not DestSPI (SPI then expects its own tuptable) nor DestNone (SPI then reports a
  // SELECT as SPI_OK_UTILITY): a receiver of the kind PL/pgSQL's RETURN QUERY passes to
  // SPI_execute_plan_extended, so SPI reports as it does without a receiver.
  receiver_.pub.mydest = DestTuplestore;
  receiver_.stream = this;
}

DestReceiver* ResultStream::receiver() { return &receiver_.pub; }

ErrorData* ResultStream::take_pg_error() {
  ErrorData* e = pg_error_;
  pg_error_ = nullptr;
  return e;
}

std::exception_ptr ResultStream::take_error() {
  std::exception_ptr e = error_;
  error_ = nullptr;
  return e;
}

// Runs inside the executor (a PostgreSQL frame): plain PostgreSQL calls only. The per-row
// context is a child of the query's context and goes with it.
void ResultStream::startup(TupleDesc desc) {
  desc_ = desc;
  started_ = true;
  rows_ = 0;
  row_context_ = AllocSetContextCreate(CurrentMemoryContext, "pg_durable step result row", ALLOCSET_DEFAULT_SIZES);
}

bool ResultStream::add_row(TupleTableSlot* slot) noexcept {
  MemoryContext caller = CurrentMemoryContext;
  try {
    MemoryContextSwitchTo(row_context_);
    pg_call([&] { slot_getallattrs(slot); });
    ResultRow row;
    for (int c = 1; c <= desc_->natts; ++c) {
      Form_pg_attribute att = TupleDescAttr(desc_, c - 1);
      if (att->attisdropped) continue;
      const char* name = NameStr(att->attname);
      bool is_null = slot->tts_isnull[c - 1];
      Datum v = slot->tts_values[c - 1];
      // A large value is refused from its stored size, before it is detoasted and copied.
      if (!is_null && att->attlen == -1)
        check_result_size(out_.size() + pg_call([&] { return toast_raw_datum_size(v); }));
      row.add(name, is_null && is_supported_column_type(att->atttypid) ? std::string("null")
                                                                     : value_json(att->atttypid, v, name));
    }
    if (rows_) out_ += ',';
    row.append_to(out_);
    check_result_size(out_.size());
    ++rows_;
    MemoryContextSwitchTo(caller);
    MemoryContextReset(row_context_);
    return true;
  } catch (const PgError& e) {
    MemoryContextSwitchTo(caller);
    pg_error_ = e.edata;  // re-raised by stream_receive (ReThrowError copies it)
  } catch (...) {
    MemoryContextSwitchTo(caller);
    error_ = std::current_exception();
  }
  return false;
}

std::string ResultStream::finish(int spi_rc) {
  // row_count counts returned rows: an INSERT/UPDATE without RETURNING has none.
  std::uint64_t count = started_ ? rows_ : 0;
  std::string out = std::move(out_);
  out += "],\"row_count\":" + std::to_string(count) + affected_rows_field(is_dml_result(spi_rc), SPI_processed) + "}";
  return out;
}

}  // namespace df::ext
