// spi.hpp — a thin C++ face on SPI for engine code: parameterised statements (never
// string formatting of values), results read as std::string, every call behind pg_call so
// a PostgreSQL error becomes a PgError and C++ destructors run.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "pg/pg_bridge.hpp"

namespace df::ext::spi {

struct Arg {
  Oid type;
  Datum value;
  bool is_null;
};

Arg text(const std::string& value);
Arg optional_text(const std::optional<std::string>& value);
Arg binary(const std::string& bytes);
Arg int4(int value);
Arg int8(std::int64_t value);
Arg oid(Oid value);
Arg boolean(bool value);
Arg timestamptz(TimestampTz value);

// Runs one statement; returns SPI_processed. read_only=false always (engine writes).
std::uint64_t exec(const char* sql, std::initializer_list<Arg> args = {}, long limit = 0);
// The same, with arguments assembled at run time (a statement made of parts).
std::uint64_t exec(const char* sql, const std::vector<Arg>& args, long limit = 0);

// Values of the last exec's result set (row, 1-based column).
std::optional<std::string> value(std::uint64_t row, int column);
std::string value_or(std::uint64_t row, int column, const std::string& fallback);
std::optional<std::string> bytea_value(std::uint64_t row, int column);
std::uint64_t rows();

// SPI_connect / SPI_finish as RAII (finish only on normal exit: after an error the
// transaction abort cleans SPI up).
class Connection {
 public:
  Connection();
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  void finish();

 private:
  bool open_ = false;
};

}  // namespace df::ext::spi
