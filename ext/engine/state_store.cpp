// state_store.cpp — see state_store.hpp. Statements name one instance each (routable by
// instance id). The cache holds shared states: whoever steps one in place must own it
// alone (engine_core.cpp copies it otherwise), so a cached copy never changes under it.
#include "engine/state_store.hpp"

#include <map>
#include <vector>

#include "pg/spi.hpp"
#include "step.hpp"

extern "C" {
#include "access/xact.h"
}

namespace df::ext::engine::state_store {
namespace {

// A few wide instances at a time: each decoded state of a 9,999-branch join is some MB.
constexpr std::size_t kCacheLimit = 4;

struct Entry {
  std::int64_t event_count = 0;
  std::shared_ptr<vm::State> state;
  std::uint64_t used = 0;  // last use, for eviction
};
std::map<std::string, Entry> cache;     // "<instance id>@<created_at>" -> committed state
std::map<std::string, Entry> pending;   // written by the running transaction
std::uint64_t use_clock = 0;
bool callbacks_registered = false;

void put_in_cache(const std::string& key, Entry e) {
  e.used = ++use_clock;
  cache[key] = std::move(e);
  while (cache.size() > kCacheLimit) {
    auto oldest = cache.begin();
    for (auto it = cache.begin(); it != cache.end(); ++it)
      if (it->second.used < oldest->second.used) oldest = it;
    cache.erase(oldest);
  }
}

// Called by PostgreSQL: no C++ exception may leave (map operations on a moved entry).
void on_xact_event(XactEvent event, void*) {
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT) {
    try {
      for (auto& [key, e] : pending) put_in_cache(key, std::move(e));
    } catch (...) {
      cache.clear();
    }
    pending.clear();
  } else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE) {
    pending.clear();
  }
}

// A rolled-back subtransaction may have held a state write: forget them all (the next read
// reads the row; correct, only slower).
void on_subxact_event(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
  if (event == SUBXACT_EVENT_ABORT_SUB) pending.clear();
}

void register_callbacks() {
  if (callbacks_registered) return;
  RegisterXactCallback(on_xact_event, nullptr);
  RegisterSubXactCallback(on_subxact_event, nullptr);
  callbacks_registered = true;
}

// Applies the deltas of the last statement's rows [first_row, rows()) — (event_count,
// delta) at columns (ec_col, delta_col) — to `state`, which is at `at`. They must follow
// on from `at` without a gap; returns false (state unchanged) if they do not. Throws
// vm::StateError on a delta that cannot be applied (`state` is then to be dropped).
bool apply_rows(vm::State& state, std::int64_t& at, std::uint64_t first_row, int ec_col, int delta_col) {
  std::vector<std::string> deltas;
  std::int64_t next = at;
  for (std::uint64_t i = first_row; i < spi::rows(); ++i) {
    if (std::stoll(spi::value_or(i, ec_col, "0")) != next + 1) return false;
    ++next;
    deltas.push_back(spi::bytea_value(i, delta_col).value_or(std::string()));
  }
  // In place, no copy: a delta that cannot be applied throws, and the caller drops `state`.
  for (const std::string& d : deltas) vm::apply_delta(state, d);
  at = next;
  return true;
}

// The base and every delta, in one statement (one snapshot): the state at the row's
// event count, which `event_count` receives.
std::shared_ptr<vm::State> read_base_and_deltas(const std::string& instance_id, std::int64_t& event_count,
                                                const vm::Program* program) {
  if (spi::exec("SELECT 0 AS part, s.event_count, s.state FROM _duroxide.instance_state s WHERE s.instance_id = $1 "
                "UNION ALL SELECT 1, d.event_count, d.delta FROM _duroxide.state_deltas d WHERE d.instance_id = $1 "
                "ORDER BY 1, 2",
                {spi::text(instance_id)}) == 0)
    throw vm::StateError("the checkpoint row is gone");
  if (spi::value_or(0, 1, "1") != "0") throw vm::StateError("state deltas without a checkpoint row");
  const std::int64_t row_count = std::stoll(spi::value_or(0, 2, "0"));
  auto state = std::make_shared<vm::State>(vm::deserialize(spi::bytea_value(0, 3).value_or(std::string())));
  std::int64_t at = row_count - static_cast<std::int64_t>(spi::rows() - 1);  // the base's event count
  if (!apply_rows(*state, at, 1, 2, 3) || at != row_count)
    throw vm::StateError("its state deltas do not follow on from its base");
  if (program) vm::check_state(*program, *state);  // once per full read, not per event
  event_count = at;
  return state;
}

}  // namespace

std::shared_ptr<vm::State> read_large(const std::string& instance_id, const std::string& cache_key,
                                      std::int64_t& event_count, const vm::Program& program) {
  auto found = cache.find(cache_key);
  if (found != cache.end()) {
    Entry e = std::move(found->second);
    cache.erase(found);
    if (e.event_count == event_count) return e.state;
    if (e.event_count < event_count) {
      // The events since, as this read's snapshot has them; a compaction since the row was
      // read (their deltas deleted) leaves a gap: read everything then.
      spi::exec("SELECT d.event_count, d.delta FROM _duroxide.state_deltas d "
                "WHERE d.instance_id = $1 AND d.event_count > $2 AND d.event_count <= $3 ORDER BY d.event_count",
                {spi::text(instance_id), spi::int8(e.event_count), spi::int8(event_count)});
      // Shared with nobody else once out of the cache, but apply to a copy only if shared.
      std::shared_ptr<vm::State> state = e.state.use_count() == 1 ? e.state : std::make_shared<vm::State>(*e.state);
      std::int64_t at = e.event_count;
      if (apply_rows(*state, at, 0, 1, 2) && at == event_count) return state;
    }
  }
  return read_base_and_deltas(instance_id, event_count, &program);
}

bool lock_and_catch_up(const std::string& instance_id, std::shared_ptr<vm::State>& state, std::int64_t& event_count,
                       Layout& layout, const vm::Program& program) {
  if (spi::exec("SELECT s.event_count, s.delta_bytes, pg_catalog.octet_length(s.state) FROM _duroxide.instance_state s "
                "WHERE s.instance_id = $1 AND NOT s.finished FOR UPDATE",
                {spi::text(instance_id)}) == 0)
    return false;
  const std::int64_t row_count = std::stoll(spi::value_or(0, 1, "0"));
  Layout row;
  if (std::optional<std::string> deltas = spi::value(0, 2)) row.delta_bytes = std::stoll(*deltas);
  row.base_bytes = std::stoll(spi::value_or(0, 3, "0"));
  if (row_count != event_count) {
    bool caught_up = false;
    if (row.delta_bytes && row_count > event_count) {
      // Under the lock: every delta up to row_count has committed, unless a compaction
      // deleted them (a gap: read the base then).
      spi::exec("SELECT d.event_count, d.delta FROM _duroxide.state_deltas d "
                "WHERE d.instance_id = $1 AND d.event_count > $2 ORDER BY d.event_count",
                {spi::text(instance_id), spi::int8(event_count)});
      if (state.use_count() > 1) state = std::make_shared<vm::State>(*state);
      std::int64_t at = event_count;
      caught_up = apply_rows(*state, at, 0, 1, 2) && at == row_count;
    }
    if (!caught_up) {
      std::int64_t at = 0;
      state = read_base_and_deltas(instance_id, at, &program);
      if (at != row_count) throw vm::StateError("its state changed under its lock");
    }
    event_count = row_count;
  }
  layout = row;
  return true;
}

vm::State read_whole(const std::string& instance_id, const std::optional<std::string>& whole, bool has_deltas) {
  if (!has_deltas) return vm::deserialize(whole.value_or(std::string()));
  std::int64_t event_count = 0;
  return *read_base_and_deltas(instance_id, event_count, nullptr);
}

std::string first_write(const vm::State& state, Layout& after) {
  std::string bytes = vm::serialize(state);
  after.base_bytes = static_cast<std::int64_t>(bytes.size());
  after.delta_bytes = bytes.size() > kLargeStateBytes ? std::optional<std::int64_t>(0) : std::nullopt;
  return bytes;
}

bool write(const Target& target, const vm::State& state, const vm::Touched& touched, std::uint32_t generation,
           Layout& after) {
  const Layout& before = target.layout;
  if (before.delta_bytes && !touched.all) {
    std::string delta = vm::encode_delta(state, touched);
    const std::int64_t total = *before.delta_bytes + static_cast<std::int64_t>(delta.size());
    if (total <= before.base_bytes / 2) {
      // One statement: the compare-and-set (or the locked update) and the delta it allows.
      bool written =
          spi::exec("WITH u AS (UPDATE _duroxide.instance_state SET event_count = event_count + 1, generation = $3, "
                    "updated_at = clock_timestamp(), delta_bytes = coalesce(delta_bytes, 0) + $4 "
                    "WHERE instance_id = $1 AND ($6 OR (event_count = $5 AND NOT finished)) RETURNING event_count) "
                    "INSERT INTO _duroxide.state_deltas (instance_id, event_count, delta) "
                    "SELECT $1, u.event_count, $2 FROM u",
                    {spi::text(target.instance_id), spi::binary(delta), spi::int4(static_cast<int>(generation)),
                     spi::int8(static_cast<std::int64_t>(delta.size())), spi::int8(target.event_count),
                     spi::boolean(target.locked)}) == 1;
      if (written) after = Layout{total, before.base_bytes};
      return written;
    }
  }
  // The whole state: a small one as always, or a new base (compaction). Hysteresis: a base
  // goes back to a whole state only below half the size that made it one.
  std::string bytes = vm::serialize(state);
  const std::size_t limit = before.delta_bytes ? kLargeStateBytes / 2 : kLargeStateBytes;
  const bool large = bytes.size() > limit;
  bool written = spi::exec("UPDATE _duroxide.instance_state SET state = $2, event_count = event_count + 1, "
                           "generation = $3, updated_at = clock_timestamp(), delta_bytes = CASE WHEN $6 THEN 0 END "
                           "WHERE instance_id = $1 AND ($5 OR (event_count = $4 AND NOT finished))",
                           {spi::text(target.instance_id), spi::binary(bytes), spi::int4(static_cast<int>(generation)),
                            spi::int8(target.event_count), spi::boolean(target.locked),
                            spi::boolean(large)}) == 1;
  if (!written) return false;
  if (before.delta_bytes && *before.delta_bytes > 0)
    spi::exec("DELETE FROM _duroxide.state_deltas WHERE instance_id = $1", {spi::text(target.instance_id)});
  after.base_bytes = static_cast<std::int64_t>(bytes.size());
  after.delta_bytes = large ? std::optional<std::int64_t>(0) : std::nullopt;
  return true;
}

void remember_at_commit(const std::string& cache_key, std::int64_t event_count, std::shared_ptr<vm::State> state) {
  if (cache_key.empty()) return;
  register_callbacks();
  cache.erase(cache_key);  // an older copy is of no use once this one commits
  pending[cache_key] = Entry{event_count, std::move(state), 0};
}

void forget_pending(const std::string& cache_key) { pending.erase(cache_key); }

}  // namespace df::ext::engine::state_store
