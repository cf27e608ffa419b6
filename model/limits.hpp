// limits.hpp — the size limits of a workflow graph, in one place: the IR's rules
// (validate.cpp), the textual language's pre-scan that enforces them while parsing
// (prescan.cpp), and the wire-JSON and persisted-graph readers all use these; and the
// longest duration a step may wait (args.cpp).
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <cstdint>

namespace df::compiler {

inline constexpr int kMaxGraphDepth = 256;            // deepest node: root has depth 0
inline constexpr std::size_t kMaxGraphNodes = 10000;  // nodes of one workflow graph

// Longest df.sleep and longest signal / HTTP timeout, in seconds: 100 years. A timer's
// due time is now + duration as a timestamptz, so an unbounded bigint would overflow it
// (df.sleep(9300000000000) used to "complete" at once).
inline constexpr std::int64_t kMaxDurationSeconds = 100LL * 365 * 86400;

}  // namespace df::compiler
