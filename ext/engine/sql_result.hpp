// sql_result.hpp — the result of a SQL step as docs/reference.md §8.1 JSON:
// {"rows":[{col:value,...},...],"row_count":N}, compact, columns in SQL order.
#pragma once

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

// Renders SPI_tuptable (SPI_processed rows). Throws StepFailure for a column type outside
// §8.1's list ("Unsupported column type 'BYTEA' for column 'x'. Supported types: ...").
// spi_rc is SPI_execute_plan's return code: for INSERT/UPDATE/DELETE/MERGE (with or without
// RETURNING) the result gains "affected_rows" (SPI_processed); row_count keeps counting
// returned rows, as df.if_rows needs.
std::string spi_result_json(int spi_rc = 0);

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
