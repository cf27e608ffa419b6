-- The durable engine's tables (engine schema; not user API). One row per instance holds
-- the serialised VM state (and one of instance_graphs its frozen graph); one row per
-- pending unit of work (SQL step, HTTP call, timer). A VM transition commits together
-- with its effects; executors claim work with FOR UPDATE SKIP LOCKED, so a crashed
-- executor's claim and its step's effects vanish together.

CREATE TABLE _duroxide.instance_state (
  instance_id varchar(8) PRIMARY KEY,
  graph text NOT NULL,                 -- dropped: moved to instance_graphs (below)
  node_ids text[] NOT NULL,            -- dropped: moved to instance_graphs
  submitted_by regrole NOT NULL,       -- role the steps run as (by name in a dump)
  database text,                       -- NULL = the extension's database
  state bytea NOT NULL,                -- vm::serialize(State)
  finished boolean NOT NULL DEFAULT false,
  output text,                         -- root result or error once finished
  generation integer NOT NULL DEFAULT 1,
  event_count bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
) WITH (fillfactor = 50);  -- each checkpoint's new row version fits on the row's page (HOT)

CREATE TABLE _duroxide.tasks (
  instance_id varchar(8) NOT NULL,
  task_id bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('sql', 'http', 'timer')),
  node integer NOT NULL,               -- pre-order node index
  payload text,                        -- SQL text or HTTP config (substituted)
  iteration integer NOT NULL DEFAULT 0,
  due_at timestamptz,                  -- timers only
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  submitted_by regrole NOT NULL,       -- the instance's role: executors are bound to one role
  PRIMARY KEY (instance_id, task_id)
);
CREATE INDEX tasks_due_timers ON _duroxide.tasks (due_at) WHERE kind = 'timer';
-- Per-role queues: an executor bound to a role claims that role's oldest runnable task.
-- task_id is in the key so that the claim's ORDER BY created_at, task_id LIMIT 1 reads the
-- head of the queue from the index: without it, every claim read and sorted the whole queue
-- of its role (196 rows per claim at 200 in flight).
CREATE INDEX tasks_runnable_by_role ON _duroxide.tasks (submitted_by, created_at, task_id) WHERE kind <> 'timer';

REVOKE ALL ON _duroxide.instance_state, _duroxide.tasks FROM PUBLIC;

-- Signals sent while no thread of the instance waits for their name (issue 11 item 7):
-- one row each, so that a signal costs one insert whatever the backlog, not a rewrite of
-- the whole VM state; consumed oldest first (seq) when a df.wait_for_signal of that name is
-- reached (ext/engine/engine_core.cpp). At most pg_durable.max_buffered_signals per instance;
-- instance_state.buffered_signals counts them so the cap costs no scan.
CREATE TABLE _duroxide.buffered_signals (
  instance_id varchar(8) NOT NULL REFERENCES _duroxide.instance_state (instance_id) ON DELETE CASCADE,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  name text NOT NULL,
  payload text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (instance_id, seq)
);
CREATE INDEX buffered_signals_by_name ON _duroxide.buffered_signals (instance_id, name, seq);
ALTER TABLE _duroxide.instance_state ADD COLUMN buffered_signals integer NOT NULL DEFAULT 0;
REVOKE ALL ON _duroxide.buffered_signals FROM PUBLIC;

-- One row per root generation ("execution": 1, plus one per root-loop iteration), for
-- df.instance_executions / df.instance_info / df.list_instances. status uses the engine
-- vocabulary: Running, ContinuedAsNew, Completed, Failed, Canceled (output
-- 'cancelled: <reason>').
CREATE TABLE _duroxide.executions (
  instance_id varchar(8) NOT NULL,
  execution_id integer NOT NULL,
  status text NOT NULL,
  event_count bigint NOT NULL DEFAULT 0,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  output text,
  PRIMARY KEY (instance_id, execution_id)
);
REVOKE ALL ON _duroxide.executions FROM PUBLIC;
-- The instance's event count (instance_state.event_count) when the execution began: the
-- running execution's event_count is derived from it (instance_state.event_count -
-- started_at_event) and written once, when it ends, so a step does not write this row.
ALTER TABLE _duroxide.executions ADD COLUMN started_at_event bigint NOT NULL DEFAULT 0;

-- Steps of instances in another database run as prepared transactions there (two-phase
-- commit); the checkpoint that accepted one records it here, so that a crash between the
-- checkpoint's commit and COMMIT PREPARED is resolved the right way.
CREATE TABLE _duroxide.prepared_steps (
  gid text PRIMARY KEY,
  database text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON _duroxide.prepared_steps FROM PUBLIC;

-- df.resume history: one row per resume of an instance (who, after which error). Removed
-- with the instance by retention.
CREATE TABLE _duroxide.resumes (
  instance_id varchar(8) NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  resumed_at timestamptz NOT NULL DEFAULT now(),
  resumed_by regrole NOT NULL,
  previous_error text,
  PRIMARY KEY (instance_id, seq)
);
REVOKE ALL ON _duroxide.resumes FROM PUBLIC;

-- df.start's on_failure (docs/error-handling.md "What a failure does to the instance"):
-- 'fail' or 'pause'; read with the instance's state by every event (StepConfig).
ALTER TABLE _duroxide.instance_state ADD COLUMN on_failure text NOT NULL DEFAULT 'fail'
  CHECK (on_failure IN ('fail', 'pause'));

-- Each instance's frozen graph (wire JSON) and its df.nodes ids in pre-order (issue 12):
-- written once, by df.start's statement that also writes the instance's first checkpoint,
-- and read once per process into the graph cache (ext/engine/engine_core.cpp). Not in
-- instance_state, whose row every step rewrites: that row stays a few hundred bytes, so
-- its new version fits on its page (HOT) and pruning it is cheap; with the graph in it
-- (1.7 KB for ten steps) a fifth of the checkpoints moved the whole row to another page.
-- Deleted with the instance's state by retention.
CREATE TABLE _duroxide.instance_graphs (
  instance_id varchar(8) PRIMARY KEY,
  graph text NOT NULL,
  node_ids text[] NOT NULL
);
REVOKE ALL ON _duroxide.instance_graphs FROM PUBLIC;
ALTER TABLE _duroxide.instance_state DROP COLUMN graph, DROP COLUMN node_ids;

-- A large state (a wide JOIN's: one thread and one task per branch) is not rewritten per
-- event (docs/design.md "How a state is stored"): `state` then holds a base, and each event
-- since appends the delta of what it changed (vm/state_delta.hpp), keyed by the event count
-- it made, in the transaction of that event. delta_bytes: NULL = `state` is the whole state
-- (a small one, the usual case); otherwise the total size of the deltas after the base (the
-- engine rewrites the base and deletes them when they outgrow half of it).
ALTER TABLE _duroxide.instance_state ADD COLUMN delta_bytes bigint;
CREATE TABLE _duroxide.state_deltas (
  instance_id varchar(8) NOT NULL REFERENCES _duroxide.instance_state (instance_id) ON DELETE CASCADE,
  event_count bigint NOT NULL,
  delta bytea NOT NULL,
  PRIMARY KEY (instance_id, event_count)
);
REVOKE ALL ON _duroxide.state_deltas FROM PUBLIC;
