// fuzz_cron.cpp — libFuzzer harness for cron parsing (docs/reference.md §11): parse_cron must
// reject bad input with a reason, and a parsed schedule's next tick must lie strictly
// after the given instant, on a minute boundary.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cron.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace df::compiler;
  const std::string expr(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto schedule = parse_cron(expr, &error);
  if (!schedule) {
    if (error.empty()) std::abort();  // a rejection must say why
    return 0;
  }
  // 2026-11-22T00:00:30Z and a pre-1970 instant.
  for (std::int64_t after : {std::int64_t{1795305630000}, std::int64_t{-86400000}}) {
    auto tick = next_tick(*schedule, after);
    if (tick && (*tick <= after || *tick % 60000 != 0)) std::abort();
  }
  return 0;
}
