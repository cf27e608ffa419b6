// cron.hpp — cron expressions as pg_durable understands them (docs/reference.md §11):
// five fields `min hour day-of-month month day-of-week`, an optional sixth field = year,
// day-of-week 1-7 with 1 = Sunday (0 rejected), names (MON, JAN), `*`, ranges, lists and
// steps; evaluated in UTC; the next tick is strictly after the given instant.
// Used by validation (df.wait_for_schedule) and by the VM (WAIT_SCHEDULE).
#pragma once
#include "no_postgres.hpp"

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace df::compiler {

struct CronSchedule {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // bit 1..31
  std::bitset<13> months;         // bit 1..12
  std::bitset<8> days_of_week;    // bit 1..7, 1 = Sunday
  bool day_of_month_star = true;  // field was `*` / `?`
  bool day_of_week_star = true;
  std::optional<std::bitset<400>> years;  // offset from 1970; nullopt = every year
};

// nullopt and *error = the reason ("field 'hour': value 25 out of range 0-23", ...) on a
// malformed expression. Callers format REFERENCE's `Invalid cron expression '<x>': <detail>`.
std::optional<CronSchedule> parse_cron(std::string_view expr, std::string* error);

// First matching minute strictly after `after_unix_ms` (UTC), in unix milliseconds;
// nullopt when the schedule never fires again (e.g. a past year).
std::optional<std::int64_t> next_tick(const CronSchedule& schedule, std::int64_t after_unix_ms);

}  // namespace df::compiler
