// state_delta.hpp — what one event changed in a State, as bytes: the host stores a large
// state as a base checkpoint plus one delta per event since (docs/design.md "How a state
// is stored"), so an event of a 9,999-branch join writes the branch it touched, not 9,999.
//
// The VM says what an event touched (step_in_place fills a Touched); encode_delta writes
// those threads and tasks as they are after the event (or that they are gone) with the
// state's small fields (the head: status, variables, counters, signals, parked threads);
// apply_delta turns the state before the event into the state after it. Pure.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "state.hpp"

namespace df::vm {

// The threads and tasks an event may have created, changed or removed (more is harmless:
// an untouched entry is written as it is). `all`: the event rewrote the state as a whole
// (start, cancel, finish, resume): no delta, the host writes the whole state.
struct Touched {
  std::set<std::uint32_t> threads;
  std::set<std::uint64_t> tasks;
  bool all = false;
};

// "DFVMD" + version byte + the head (serialize() of the state without threads and tasks)
// + the touched threads present after the event (whole) + the ids of those gone + the same
// for tasks. Throws std::logic_error for touched.all.
inline constexpr std::uint8_t kDeltaVersion = 1;
std::string encode_delta(const State& after, const Touched& touched);

// Applies a delta to the state it was encoded against (the state before its event).
// Throws StateError on bytes that are not a delta of this layout; `state` is then unchanged.
void apply_delta(State& state, std::string_view delta);

}  // namespace df::vm
