// engine_core.hpp — applying VM events to a stored instance (the host side of
// vm::step), shared by df.start/df.signal/df.cancel, the executors and the scheduler.
//
// Locking order, everywhere: a task row (FOR UPDATE SKIP LOCKED) before the instance row
// (FOR UPDATE). Work that needs other task rows only ever takes them with SKIP LOCKED,
// so no two transactions wait on each other in a cycle.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir.hpp"
#include "program.hpp"
#include "state.hpp"
#include "step.hpp"

#include "engine/state_store.hpp"
#include "pg/pg_bridge.hpp"

namespace df::ext::engine {

// The frozen graph of an instance, lowered once per process and cached.
struct Graph {
  vm::Program program;
  std::vector<std::string> node_ids;  // pre-order index -> df.nodes id
};

struct Instance {
  std::string id;
  std::shared_ptr<const Graph> graph;
  Oid submitted_by = InvalidOid;
  std::string database;  // "" = the extension's database
  bool pause_on_failure = false;  // df.start on_failure => 'pause' (vm::StepConfig)
  // Shared with this process's state cache (state_store.hpp) and copies of the Instance: a
  // large state is stepped in place only when this Instance holds it alone, else copied.
  std::shared_ptr<vm::State> state = std::make_shared<vm::State>();
  // Accepted events so far (instance_state.event_count): the version of `state`.
  std::int64_t event_count = 0;
  state_store::Layout layout;  // whole, or base + deltas (state_store.hpp)
  std::string cache_key;       // "<id>@<created_at>": ids are reused after retention
  // Whether this transaction holds the instance row's lock (or created the row). Without
  // it, the first state write is a compare-and-set on event_count (apply_event_if_current).
  bool locked = false;
  // df.start's instance, whose engine row does not exist yet: the Start event's write
  // INSERTs it with the state after the event (one write, not an insert and an update).
  struct Unstored {
    std::string graph_json;   // wire JSON, frozen
    std::string node_ids;     // text[] literal
    std::optional<std::string> database;
  };
  std::optional<Unstored> unstored;
};

// Loads the instance; with lock=true takes its row lock (FOR UPDATE). nullopt when the
// instance has no engine state or has finished. SPI must be connected.
std::optional<Instance> load_instance(const std::string& instance_id, bool lock);

// The columns an instance is read from, for statements that read it together with
// other work (the executor's claim): submitted_by::oid, state (NULL when the row holds a
// base + deltas: read by state_store, usually from its cache), created_at::text, database,
// event_count, on_failure, delta_bytes, the stored state's size, in this order.
#define DF_INSTANCE_COLUMNS                                                                         \
  "s.submitted_by::oid, CASE WHEN s.delta_bytes IS NULL THEN s.state END, s.created_at::text, "   \
  "s.database, s.event_count, s.on_failure, s.delta_bytes, pg_catalog.octet_length(s.state)"
inline constexpr int kInstanceColumnCount = 8;  // how many columns DF_INSTANCE_COLUMNS names
// Builds the (unlocked) instance from the last statement's row 0, DF_INSTANCE_COLUMNS
// starting at column `first` (1-based). nullopt when those columns are NULL (no such
// unfinished instance) or the checkpoint cannot be resumed (the instance is then failed).
// graph_first > 0: that row also holds `g.graph, g.node_ids::text` (instance_graphs) from that column on,
// used when this process has not lowered the instance's graph yet (else it is read).
// graph_first's columns may be NULL (not asked for: graph_cached said it is lowered here).
std::optional<Instance> instance_from_row(const std::string& instance_id, int first, int graph_first = 0);
// Whether this process holds the lowered graph of an instance with this id (a statement
// that can read the frozen graph with other work asks only when not).
bool graph_cached(const std::string& instance_id);

// Steps the VM with `event` and persists the outcome (new state, tasks, node stamps,
// instance status) in the current transaction. Returns vm's `accepted`. Instance must be
// locked. SPI must be connected.
bool apply_event(Instance& instance, const vm::Event& event);

// For an instance read without its lock: steps the VM and writes the new state only if
// the stored state is still the one read (event_count unchanged, not finished) — the
// UPDATE then takes the row lock, and the outcome is persisted as apply_event does.
// Stale when the state changed meanwhile or the VM refused the event on the old state:
// nothing was written; load the instance with its lock and apply the event again.
enum class Applied { Accepted, Stale };
Applied apply_event_if_current(Instance& instance, const vm::Event& event);

// The executor's continuation (issue 12): the next SQL step of the instance whose step it
// just ran, kept by that executor and run in its next transaction instead of being
// inserted into _duroxide.tasks and claimed back (a row insert, two index inserts, a row
// lock and a delete per step). The checkpoint holds the task either way (vm State::tasks),
// which is the durable record: an executor that cannot run it inserts its row
// (insert_task_row), and one that dies holding it leaves it to the scheduler's scan
// (requeue_orphaned_tasks), also run at every start-up.
struct HeldTask {
  std::string instance_id;
  std::uint64_t task_id = 0;
  std::uint32_t node = 0;
  std::uint32_t iteration = 0;
  std::string payload;
};
// While alive: an event of `instance_id` that creates exactly one task, a SQL task of an
// instance in the extension's database, hands it over (held_task) instead of inserting
// its row. At most one task is held per offer.
class ContinuationOffer {
 public:
  explicit ContinuationOffer(const std::string& instance_id);
  ~ContinuationOffer();
  ContinuationOffer(const ContinuationOffer&) = delete;
  ContinuationOffer& operator=(const ContinuationOffer&) = delete;
};
// The task held by the last offer, if any (taken: cleared). Valid once the transaction
// that wrote its checkpoint commits.
std::optional<HeldTask> take_held_task();
// Inserts a held task's row, as the event would have (ON CONFLICT: already requeued).
// SPI must be connected.
void insert_task_row(const HeldTask& task, Oid submitted_by);
// Inserts the row of every SQL/HTTP task that unfinished checkpoints hold and
// _duroxide.tasks lacks (a continuation lost with its executor). Returns how many. SPI
// must be connected; runs as the engine's owner.
std::uint64_t requeue_orphaned_tasks();

// Marks the instance failed with `message` (internal errors: corrupt state, lost graph),
// deleting its pending tasks. SPI must be connected.
void fail_instance(const std::string& instance_id, const std::string& message);

// After a Cancel event: the engine state is finished, the remaining tasks go (those an
// executor holds are dropped by it), the open execution ends. SPI must be connected.
void finish_cancelled(const std::string& instance_id, const std::string& reason);

// Lowers a frozen graph ...
std::shared_ptr<const Graph> build_graph(const std::string& graph_json, std::vector<std::string> node_ids);
// ... or df.start's validated IR, which is the same program (the wire JSON round-trips:
// compiler/tests/test_persist.cpp) without parsing the JSON it was just written to ...
std::shared_ptr<const Graph> build_graph(const ir::Node& root, std::vector<std::string> node_ids);
// ... and caches it per process under `key` ("<instance id>@<created_at>").
std::shared_ptr<const Graph> cache_graph(const std::string& key, const std::string& graph_json,
                                         std::vector<std::string> node_ids);

// Current time as the VM sees it (milliseconds since the Unix epoch).
std::int64_t now_ms();

// Switches the current user to the bootstrap superuser for engine bookkeeping inside a
// user's transaction or a user's executor session, with search_path forced to
// `pg_catalog, pg_temp`: the user controls its own settings (ALTER ROLE ... SET
// search_path), and an operator of its schema must never resolve in engine SQL. Restores
// the previous user, security context and search_path when destroyed. Transaction must
// be open. Not SECURITY_RESTRICTED_OPERATION: PostgreSQL refuses to queue the deferred
// foreign-key checks (df.workflow_runs) inside one; the engine's statements name every table
// with its schema and resolve every function and operator in pg_catalog instead.
class AsEngineOwner {
 public:
  AsEngineOwner();
  ~AsEngineOwner();
  AsEngineOwner(const AsEngineOwner&) = delete;
  AsEngineOwner& operator=(const AsEngineOwner&) = delete;

 private:
  Oid saved_user_;
  int saved_context_;
  int guc_level_;
};

}  // namespace df::ext::engine
