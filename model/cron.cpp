// cron.cpp — parser and next-tick evaluator for pg_durable's cron expressions
// (docs/reference.md §11). Behaviour follows the Rust `cron` crate that the original feeds
// with a prepended seconds field: day-of-week 1-7 with 1 = Sunday, `?` is a synonym of
// `*`, names (JAN, MON, also full names) are case-insensitive, and — unlike Vixie cron —
// a day must match BOTH the day-of-month and the day-of-week field (the crate ANDs them).
#include "cron.hpp"
#include "text.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace df::compiler {
namespace {

constexpr int kMinYear = 1970;
constexpr int kMaxYear = 2100;  // the crate's upper bound for the year field

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // nullptr-terminated short names, value = min + index
  const char* const* long_names;
};

const char* const kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec", nullptr};
const char* const kMonthLong[] = {"january", "february", "march",     "april",
                                  "may",     "june",     "july",      "august",
                                  "september", "october", "november", "december", nullptr};
const char* const kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", nullptr};
const char* const kDayLong[] = {"sunday",   "monday", "tuesday", "wednesday",
                                "thursday", "friday", "saturday", nullptr};

const FieldSpec kFields[] = {
    {"minute", 0, 59, nullptr, nullptr},
    {"hour", 0, 23, nullptr, nullptr},
    {"day-of-month", 1, 31, nullptr, nullptr},
    {"month", 1, 12, kMonthNames, kMonthLong},
    {"day-of-week", 1, 7, kDayNames, kDayLong},
    {"year", kMinYear, kMaxYear, nullptr, nullptr},
};

int lookup_name(const char* const* table, const std::string& word) {
  for (int i = 0; table && table[i]; ++i)
    if (word == table[i]) return i;
  return -1;
}

// One value of a field: a decimal number or (month/day-of-week) a name.
bool parse_value(const FieldSpec& f, std::string_view text, int* out, std::string* err) {
  std::string prefix = std::string("field '") + f.name + "': ";
  if (text.empty()) {
    *err = prefix + "empty value";
    return false;
  }
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (text.size() > 6) {
      *err = prefix + "value " + std::string(text) + " out of range " +
             std::to_string(f.min) + "-" + std::to_string(f.max);
      return false;
    }
    int v = std::stoi(std::string(text));
    if (v < f.min || v > f.max) {
      *err = prefix + "value " + std::to_string(v) + " out of range " + std::to_string(f.min) +
             "-" + std::to_string(f.max);
      return false;
    }
    *out = v;
    return true;
  }
  std::string word = to_lower(text);
  int idx = lookup_name(f.names, word);
  if (idx < 0) idx = lookup_name(f.long_names, word);
  if (idx < 0) {
    *err = prefix + "invalid value '" + std::string(text) + "'";
    return false;
  }
  *out = f.min + idx;
  return true;
}

// One list element: `*`, `?`, `v`, `a-b`, each optionally followed by `/step`.
bool parse_element(const FieldSpec& f, std::string_view item, std::vector<bool>* bits,
                   std::string* err) {
  std::string prefix = std::string("field '") + f.name + "': ";
  int step = 1;
  bool has_step = false;
  auto slash = item.find('/');
  if (slash != std::string_view::npos) {
    std::string_view step_text = item.substr(slash + 1);
    bool digits = !step_text.empty() && step_text.size() <= 6 &&
                  std::all_of(step_text.begin(), step_text.end(),
                              [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoi(std::string(step_text)) == 0) {
      *err = prefix + "invalid step '" + std::string(step_text) + "'";
      return false;
    }
    step = std::stoi(std::string(step_text));
    has_step = true;
    item = item.substr(0, slash);
  }
  int lo = f.min, hi = f.max;
  if (item == "*" || item == "?") {
    // full range
  } else if (auto dash = item.find('-'); dash != std::string_view::npos) {
    if (!parse_value(f, item.substr(0, dash), &lo, err) ||
        !parse_value(f, item.substr(dash + 1), &hi, err))
      return false;
    if (lo > hi) {
      *err = prefix + "invalid range " + std::to_string(lo) + "-" + std::to_string(hi);
      return false;
    }
  } else {
    if (!parse_value(f, item, &lo, err)) return false;
    hi = has_step ? f.max : lo;  // `a/n` means a, a+n, ... up to the field maximum
  }
  for (int v = lo; v <= hi; v += step) (*bits)[static_cast<std::size_t>(v - f.min)] = true;
  return true;
}

// A whole field: comma-separated elements. *star tells whether it was exactly `*`/`?`.
bool parse_field(const FieldSpec& f, std::string_view text, std::vector<bool>* bits, bool* star,
                 std::string* err) {
  bits->assign(static_cast<std::size_t>(f.max - f.min + 1), false);
  *star = text == "*" || text == "?";
  std::size_t start = 0;
  while (true) {
    std::size_t comma = text.find(',', start);
    std::string_view item =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                            : comma - start);
    if (item.empty()) {
      *err = std::string("field '") + f.name + "': empty list element";
      return false;
    }
    if (!parse_element(f, item, bits, err)) return false;
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

template <std::size_t N>
void copy_bits(const std::vector<bool>& from, int offset, std::bitset<N>* to) {
  for (std::size_t i = 0; i < from.size(); ++i)
    if (from[i]) to->set(i + static_cast<std::size_t>(offset));
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Howard Hinnant's civil-date algorithms: days since 1970-01-01 <-> y/m/d.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool day_matches(const CronSchedule& s, std::int64_t day) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(day, &y, &m, &d);
  if (s.years) {
    if (y < kMinYear || y - kMinYear >= 400 || !s.years->test(static_cast<std::size_t>(y - kMinYear)))
      return false;
  }
  if (!s.months.test(m) || !s.days_of_month.test(d)) return false;
  // 1970-01-01 was a Thursday (= 5 with Sunday = 1).
  const int dow = static_cast<int>(((day % 7) + 7 + 4) % 7) + 1;
  return s.days_of_week.test(static_cast<std::size_t>(dow));
}

// First matching minute of the day at or after minute_of_day; -1 when none.
int first_minute(const CronSchedule& s, int minute_of_day) {
  for (int m = minute_of_day; m < 24 * 60; ++m)
    if (s.hours.test(static_cast<std::size_t>(m / 60)) &&
        s.minutes.test(static_cast<std::size_t>(m % 60)))
      return m;
  return -1;
}

}  // namespace

std::optional<CronSchedule> parse_cron(std::string_view expr, std::string* error) {
  std::string scratch;
  std::string* err = error ? error : &scratch;
  auto fields = split_ws(expr);
  if (fields.size() != 5 && fields.size() != 6) {
    *err = "expected 5 or 6 fields (minute hour day-of-month month day-of-week [year]), got " +
           std::to_string(fields.size());
    return std::nullopt;
  }
  CronSchedule s;
  std::vector<bool> bits;
  bool star = false;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const FieldSpec& f = kFields[i];
    if (!parse_field(f, fields[i], &bits, &star, err)) return std::nullopt;
    switch (i) {
      case 0: copy_bits(bits, 0, &s.minutes); break;
      case 1: copy_bits(bits, 0, &s.hours); break;
      case 2: copy_bits(bits, 1, &s.days_of_month); s.day_of_month_star = star; break;
      case 3: copy_bits(bits, 1, &s.months); break;
      case 4: copy_bits(bits, 1, &s.days_of_week); s.day_of_week_star = star; break;
      default:
        if (!star) {
          s.years.emplace();
          copy_bits(bits, 0, &*s.years);
        }
    }
  }
  return s;
}

std::optional<std::int64_t> next_tick(const CronSchedule& schedule, std::int64_t after_unix_ms) {
  constexpr std::int64_t kMinuteMs = 60000;
  constexpr std::int64_t kDayMinutes = 24 * 60;
  const std::int64_t first_minute_abs = floor_div(after_unix_ms, kMinuteMs) + 1;
  // Beyond this the answer would not fit in int64 milliseconds.
  if (first_minute_abs > INT64_MAX / kMinuteMs - 400 * 366 * kDayMinutes) return std::nullopt;
  std::int64_t day = floor_div(first_minute_abs, kDayMinutes);
  int minute_of_day = static_cast<int>(first_minute_abs - day * kDayMinutes);
  const std::int64_t first_year_day = days_from_civil(kMinYear, 1, 1);
  if (schedule.years && day < first_year_day) {  // nothing before 1970 can match a year
    day = first_year_day;
    minute_of_day = 0;
  }
  // Without a year field every (month, day, weekday) combination recurs within 400 years;
  // with one, nothing matches after the last allowed year.
  const std::int64_t last_day = schedule.years
                                    ? days_from_civil(kMinYear + 399, 12, 31)
                                    : day + 400 * 366;
  for (; day <= last_day; ++day, minute_of_day = 0) {
    if (!day_matches(schedule, day)) continue;
    int m = first_minute(schedule, minute_of_day);
    if (m >= 0) return (day * kDayMinutes + m) * kMinuteMs;
  }
  return std::nullopt;
}

}  // namespace df::compiler
