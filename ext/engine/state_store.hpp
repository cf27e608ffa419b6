// state_store.hpp — how an instance's VM state is stored in its checkpoint row (docs/design.md
// "How a state is stored"). A small state (a sequential workflow: a few hundred bytes) is
// written whole in _duroxide.instance_state.state by every event, one HOT update. A large
// one (a wide JOIN: one thread and one task per branch) keeps a base there, and each event
// appends the delta of what it changed (vm/state_delta.hpp) to _duroxide.state_deltas in
// the same transaction; the base is rewritten, and the deltas deleted, when they outgrow
// half of it, so an event costs the same whatever the width. This process keeps the
// decoded large states it committed (a bounded cache validated by the event count), so
// the next branch's answer reads no base at all.
//
// The concurrency rule stays the one of engine_core.cpp: a state is written only by the
// transaction that holds the instance row's lock or wins the compare-and-set on event_count.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "program.hpp"
#include "state.hpp"
#include "state_delta.hpp"

namespace df::ext::engine::state_store {

// A state above this size is stored as base + deltas (below half of it, whole again).
inline constexpr std::size_t kLargeStateBytes = 8192;

// How the row stores the state: delta_bytes (instance_state.delta_bytes) is nullopt for a
// whole state, else the size of the deltas after the base, whose size is base_bytes.
struct Layout {
  std::optional<std::int64_t> delta_bytes;
  std::int64_t base_bytes = 0;
};

// The state of a base + deltas instance the row read says is at `event_count`: this
// process's cached copy (taken out of the cache: the caller owns it), brought up to date
// with the deltas since when it is older, else the base and every delta. `event_count` is
// set to the count of the state returned (a newer one when the deltas moved on meanwhile:
// the compare-and-set then refuses it). Throws vm::StateError on an unreadable base or
// delta, or missing deltas, or (vm::check_state) a state read in full that does not fit
// `program`. SPI must be connected.
std::shared_ptr<vm::State> read_large(const std::string& instance_id, const std::string& cache_key,
                                      std::int64_t& event_count, const vm::Program& program);

// Locks the instance row (FOR UPDATE) and brings `state`, at `event_count`, up to the row:
// the deltas since (or, after a compaction, the base and its deltas); `layout` receives the
// row's. For a large state read without the lock whose row moved on meanwhile (another
// executor answered a branch): it catches up by the few events since instead of reading the
// whole state again. False when the row is gone or finished (nothing changed). Throws
// vm::StateError as read_large does. SPI must be connected.
bool lock_and_catch_up(const std::string& instance_id, std::shared_ptr<vm::State>& state, std::int64_t& event_count,
                       Layout& layout, const vm::Program& program);

// The whole state of an instance for a reader outside the step path (df.fork, the start-up
// scan): `whole` when the row holds it (delta_bytes NULL), else its base and deltas read in
// one statement. Throws vm::StateError. SPI must be connected.
vm::State read_whole(const std::string& instance_id, const std::optional<std::string>& whole, bool has_deltas);

// What write() needs to know of the instance.
struct Target {
  const std::string& instance_id;
  std::int64_t event_count;  // of the state before the event
  bool locked;               // the row lock is held (else: compare-and-set on event_count)
  const Layout& layout;      // as the state before the event is stored
};

// Writes the state after one event: a delta of `touched` when the row holds a base and the
// deltas stay below half of it, else the whole state (which also deletes the deltas).
// Returns whether it was written (false: the compare-and-set lost, nothing written);
// `after` receives the row's new layout.
bool write(const Target& target, const vm::State& state, const vm::Touched& touched, std::uint32_t generation,
           Layout& after);

// The whole state's first write (df.start's INSERT of the row happens in engine_core.cpp):
// the bytes to store and the row's layout.
std::string first_write(const vm::State& state, Layout& after);

// The state as the running transaction's last event of the instance left it at
// `event_count`: cached once the transaction commits (dropped if it or a subtransaction
// aborts). forget_pending() first when the same transaction steps the state again.
void remember_at_commit(const std::string& cache_key, std::int64_t event_count, std::shared_ptr<vm::State> state);
void forget_pending(const std::string& cache_key);

}  // namespace df::ext::engine::state_store
