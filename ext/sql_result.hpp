// sql_result.hpp — the result of a SQL step as REFERENCE.md §8.1 JSON:
// {"rows":[{col:value,...},...],"row_count":N}, compact, columns in SQL order.
#pragma once

#include <stdexcept>
#include <string>

#include "pg_bridge.hpp"

namespace df::ext {

// A step outcome that fails the node with exactly this text.
struct StepFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Renders SPI_tuptable (SPI_processed rows). Throws StepFailure for a column type outside
// §8.1's list ("Unsupported column type 'BYTEA' for column 'x'. Supported types: ...").
std::string spi_result_json();

// Shortest round-trip rendering of a double as serde_json prints an f64 ("1.0", "1e20",
// "3.140000104904175"); "null" for NaN and infinities.
std::string json_double(double value);

}  // namespace df::ext
