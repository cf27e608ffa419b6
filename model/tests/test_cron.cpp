// test_cron.cpp — unit tests for the cron parser and next-tick evaluator (docs/reference.md §11).
#include <doctest/doctest.h>

#include <ctime>

#include "cron.hpp"

using df::compiler::next_tick;
using df::compiler::parse_cron;

namespace {

// Unix milliseconds of a UTC wall-clock time (timegm is independent of TZ).
std::int64_t utc_ms(int y, int mon, int d, int h, int mi, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::int64_t tick(const char* expr, std::int64_t after) {
  std::string err;
  auto s = parse_cron(expr, &err);
  REQUIRE_MESSAGE(s.has_value(), err);
  auto t = next_tick(*s, after);
  REQUIRE(t.has_value());
  return *t;
}

std::string parse_error(const char* expr) {
  std::string err;
  auto s = parse_cron(expr, &err);
  CHECK_FALSE(s.has_value());
  return err;
}

}  // namespace

TEST_CASE("cron: every minute fires strictly after now, on minute boundaries") {
  const auto noon = utc_ms(2024, 6, 15, 12, 0);
  CHECK(tick("* * * * *", noon) == utc_ms(2024, 6, 15, 12, 1));
  CHECK(tick("* * * * *", noon + 1) == utc_ms(2024, 6, 15, 12, 1));
  CHECK(tick("* * * * *", noon - 1) == noon);
  // Two consecutive waits fire on two successive minute boundaries.
  auto first = tick("* * * * *", noon + 30000);
  CHECK(tick("* * * * *", first) == first + 60000);
}

TEST_CASE("cron: fixed times, ranges, lists and steps") {
  const auto t0 = utc_ms(2024, 6, 15, 12, 7, 30);
  CHECK(tick("30 14 * * *", t0) == utc_ms(2024, 6, 15, 14, 30));
  CHECK(tick("0 9 * * *", t0) == utc_ms(2024, 6, 16, 9, 0));
  CHECK(tick("*/15 * * * *", t0) == utc_ms(2024, 6, 15, 12, 15));
  CHECK(tick("5/20 * * * *", t0) == utc_ms(2024, 6, 15, 12, 25));
  CHECK(tick("10-40/10 * * * *", t0) == utc_ms(2024, 6, 15, 12, 10));
  CHECK(tick("1,3,59 * * * *", t0) == utc_ms(2024, 6, 15, 12, 59));
  CHECK(tick("0 0 1 1 *", t0) == utc_ms(2025, 1, 1, 0, 0));
  CHECK(tick("0 0 29 2 *", t0) == utc_ms(2028, 2, 29, 0, 0));  // next leap day
  CHECK(tick("?  12   * *  ?", t0) == utc_ms(2024, 6, 15, 12, 8));  // `?` and extra spaces
}

TEST_CASE("cron: day-of-week is 1-7 with 1 = Sunday, names work, 0 is rejected") {
  // 2024-06-15 is a Saturday.
  const auto sat = utc_ms(2024, 6, 15, 10, 0);
  CHECK(tick("0 0 * * 1", sat) == utc_ms(2024, 6, 16, 0, 0));      // Sunday
  CHECK(tick("0 0 * * MON", sat) == utc_ms(2024, 6, 17, 0, 0));
  CHECK(tick("0 0 * * mon-fri", sat) == utc_ms(2024, 6, 17, 0, 0));
  CHECK(tick("0 0 * * 7", sat) == utc_ms(2024, 6, 22, 0, 0));      // next Saturday
  CHECK(tick("0 0 * * Saturday", sat) == utc_ms(2024, 6, 22, 0, 0));
  CHECK(tick("0 0 * * 1-5", sat) == utc_ms(2024, 6, 16, 0, 0));    // Sunday-Thursday
  CHECK(parse_error("0 0 * * 0") == "field 'day-of-week': value 0 out of range 1-7");
  CHECK(parse_error("0 0 * * FUNDAY") == "field 'day-of-week': invalid value 'FUNDAY'");
}

TEST_CASE("cron: month names and day-of-month AND day-of-week") {
  const auto t0 = utc_ms(2024, 6, 15, 10, 0);
  CHECK(tick("0 0 1 JAN *", t0) == utc_ms(2025, 1, 1, 0, 0));
  CHECK(tick("0 0 1 oct-dec *", t0) == utc_ms(2024, 10, 1, 0, 0));
  CHECK(parse_error("0 0 1 dec-feb *") == "field 'month': invalid range 12-2");  // no wrap-around
  // Friday the 13th: both fields must match (the Rust crate ANDs them).
  CHECK(tick("0 0 13 * FRI", t0) == utc_ms(2024, 9, 13, 0, 0));
  CHECK(parse_error("0 0 1 13 *") == "field 'month': value 13 out of range 1-12");
  CHECK(parse_error("0 0 1 JUNE-X *") == "field 'month': invalid value 'X'");
}

TEST_CASE("cron: the sixth field is a year") {
  const auto t0 = utc_ms(2024, 6, 15, 10, 0);
  CHECK(tick("0 0 1 1 * 2030", t0) == utc_ms(2030, 1, 1, 0, 0));
  CHECK(tick("0 0 1 1 * *", t0) == utc_ms(2025, 1, 1, 0, 0));
  std::string err;
  auto past = parse_cron("0 0 1 1 * 2020", &err);
  REQUIRE(past.has_value());
  CHECK_FALSE(next_tick(*past, t0).has_value());
  CHECK(parse_error("0 0 1 1 * 1969") == "field 'year': value 1969 out of range 1970-2100");
}

TEST_CASE("cron: impossible dates never fire") {
  std::string err;
  auto s = parse_cron("0 0 30 2 *", &err);
  REQUIRE(s.has_value());
  CHECK_FALSE(next_tick(*s, utc_ms(2024, 1, 1, 0, 0)).has_value());
}

TEST_CASE("cron: malformed expressions name the field and the problem") {
  CHECK(parse_error("* * * *") ==
        "expected 5 or 6 fields (minute hour day-of-month month day-of-week [year]), got 4");
  CHECK(parse_error("0 0 * * * * *").find("got 7") != std::string::npos);
  CHECK(parse_error("") .find("got 0") != std::string::npos);
  CHECK(parse_error("60 * * * *") == "field 'minute': value 60 out of range 0-59");
  CHECK(parse_error("0 25 * * *") == "field 'hour': value 25 out of range 0-23");
  CHECK(parse_error("0 0 0 * *") == "field 'day-of-month': value 0 out of range 1-31");
  CHECK(parse_error("*/0 * * * *") == "field 'minute': invalid step '0'");
  CHECK(parse_error("*/x * * * *") == "field 'minute': invalid step 'x'");
  CHECK(parse_error("30-10 * * * *") == "field 'minute': invalid range 30-10");
  CHECK(parse_error("1,,2 * * * *") == "field 'minute': empty list element");
  CHECK(parse_error("MON * * * *") == "field 'minute': invalid value 'MON'");
  CHECK(parse_error("0 0 L * *") == "field 'day-of-month': invalid value 'L'");
  CHECK(parse_error("99999999 * * * *") == "field 'minute': value 99999999 out of range 0-59");
  // A null error pointer is allowed.
  CHECK_FALSE(parse_cron("bad", nullptr).has_value());
}

TEST_CASE("cron: instants before 1970 and at boundaries") {
  CHECK(tick("0 0 * * *", -1) == 0);  // 1969-12-31T23:59:59.999 -> 1970-01-01T00:00
  CHECK(tick("59 23 31 12 *", utc_ms(2024, 12, 31, 23, 59)) == utc_ms(2025, 12, 31, 23, 59));
}

TEST_CASE("cron: extreme instants neither overflow nor crawl") {
  std::string err;
  auto every = parse_cron("* * * * *", &err);
  REQUIRE(every.has_value());
  CHECK_FALSE(next_tick(*every, INT64_MAX).has_value());
  auto yearly = parse_cron("0 0 1 1 * 2030", &err);
  REQUIRE(yearly.has_value());
  CHECK(next_tick(*yearly, INT64_MIN / 2) == utc_ms(2030, 1, 1, 0, 0));
}
