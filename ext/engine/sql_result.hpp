// sql_result.hpp — the result of a SQL step as docs/reference.md §8.1 JSON:
// {"rows":[{col:value,...},...],"row_count":N}, compact, columns in SQL order.
#pragma once

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "pg/pg_bridge.hpp"

namespace df::ext {

// A step outcome that fails the node with exactly this text.
struct StepFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// §8.1's supported column types, and the step failure for any other ("Unsupported column
// type 'BYTEA' for column 'x'. Supported types: ..."). The type decides even for NULL.
bool is_supported_column_type(Oid type);
std::string unsupported_column_message(const std::string& type_name_upper, const std::string& column);

// One result row under assembly: a later duplicate column name replaces the earlier value,
// at the earlier position. Shared by SPI rows and libpq rows (remote_step.cpp).
class ResultRow {
 public:
  void add(const std::string& name, std::string json);
  void append_to(std::string& out) const;  // {"name":value,...}

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// A SQL step's result rendered while the statement runs: receiver() is the SPI
// DestReceiver to run it with (SPI_execute_plan_extended), so the rows are never
// materialised in an SPI tuptable. Each row becomes JSON as it arrives (its detoasted
// values and output text in a per-row memory context, reset after the row), and the
// statement is stopped with an ERROR as soon as the JSON would pass
// pg_durable.max_step_result_bytes: a huge result is refused while it is read, and at no
// time is held in more than one bounded copy.
// A row that cannot be rendered (a C++ exception: StepFailure for a column type outside
// §8.1's list or for the size cap) ends the statement with a PostgreSQL ERROR, as a
// receiver must; take_error() then hands back that exception, for the caller to rethrow
// once PostgreSQL has unwound. A PostgreSQL error while rendering propagates as itself.
class ResultStream {
 public:
  ResultStream();
  ResultStream(const ResultStream&) = delete;
  ResultStream& operator=(const ResultStream&) = delete;

  DestReceiver* receiver();
  // The C++ exception that ended the statement, if any (then cleared).
  std::exception_ptr take_error();
  // docs/reference.md §8.1 JSON of the rows received. spi_rc is the statement's SPI
  // return code: for INSERT/UPDATE/DELETE/MERGE (with or without RETURNING) the result
  // gains "affected_rows" (SPI_processed); row_count keeps counting returned rows, as
  // df.if_rows needs.
  std::string finish(int spi_rc);

  // For the receiver callbacks (sql_result.cpp).
  struct Receiver {
    DestReceiver pub;  // first: PostgreSQL sees a DestReceiver*
    ResultStream* stream;
  };
  void startup(TupleDesc desc);
  bool add_row(TupleTableSlot* slot) noexcept;  // false: the error is stashed
  ErrorData* take_pg_error();                    // a PostgreSQL error while rendering, if any

 private:
  Receiver receiver_;
  TupleDesc desc_ = nullptr;
  bool started_ = false;
  MemoryContext row_context_ = nullptr;
  std::uint64_t rows_ = 0;
  std::string out_;
  std::exception_ptr error_;
  ErrorData* pg_error_ = nullptr;
};

// Fails the step (StepFailure) once a result under assembly would pass
// pg_durable.max_step_result_bytes: `bytes` is its size so far (or about to be). Called
// while the rows are rendered, so a huge result is refused before it is copied again.
void check_result_size(std::size_t bytes);

// ",\"affected_rows\":N" for a DML statement, "" otherwise: the one place that spells the
// field, for SPI and libpq results alike.
std::string affected_rows_field(bool is_dml, std::uint64_t affected);

// Shortest round-trip rendering of a double as serde_json prints an f64 ("1.0", "1e20",
// "3.140000104904175"); "null" for NaN and infinities.
std::string json_double(double value);

}  // namespace df::ext
