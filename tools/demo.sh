#!/bin/bash
# tools/demo.sh PORT DEV_DIR — the part of `tools/dev demo` that talks to the running
# cluster: shows the worker alive, then runs a real multi-step workflow (a join, an if, a
# loop with break, a durable sleep and a signal wait) as an ordinary role and shows it
# progressing node by node, then its explain tree and its result.
set -euo pipefail
PORT=$1
psql_demo() { "$(pg_config --bindir)/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

echo "-- the pg_durable scheduler and executors, as PostgreSQL sees them"
psql_demo -c "SELECT pid, backend_type, datname FROM pg_stat_activity WHERE backend_type LIKE 'pg_durable%' ORDER BY backend_type, pid"
psql_demo -c "SELECT df.version(), df.target_database(), (SELECT schema_version FROM _duroxide._worker_ready) AS ready_schema"

echo "-- an application role: steps run with its rights, never the worker's"
psql_demo <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'demo_app') THEN CREATE ROLE demo_app LOGIN; END IF;
END $$;
SELECT df.grant_usage('demo_app');
DROP TABLE IF EXISTS demo_orders, demo_log;
CREATE TABLE demo_orders (id serial PRIMARY KEY, amount numeric, state text DEFAULT 'new');
CREATE TABLE demo_log (at timestamptz DEFAULT clock_timestamp(), msg text);
GRANT ALL ON demo_orders, demo_log TO demo_app;
GRANT USAGE ON SEQUENCE demo_orders_id_seq TO demo_app;
SQL

echo "-- the workflow (started as demo_app)"
WORKFLOW=$(cat <<'WF'
  ('INSERT INTO demo_orders (amount) VALUES (120), (80) RETURNING id' |=> 'orders')
  ~> ('SELECT sum(amount) AS total FROM demo_orders WHERE state = ''new''' & 'SELECT count(*) AS n FROM demo_orders')
  ~> df.if('SELECT sum(amount) > 100 FROM demo_orders WHERE state = ''new''',
           'UPDATE demo_orders SET state = ''review'' WHERE state = ''new''',
           'SELECT ''small batch''')
  ~> df.loop('INSERT INTO demo_log (msg) VALUES (''tick'')'
             ~> df.if('SELECT count(*) >= 3 FROM demo_log WHERE msg = ''tick''', df.break('ticked'), 'SELECT 1'))
  ~> df.sleep(2)
  ~> (df.wait_for_signal('approve', 60) |=> 'approval')
  ~> 'UPDATE demo_orders SET state = ''approved'' WHERE state = ''review'' RETURNING id, state'
WF
)
echo "$WORKFLOW"
ID=$(printf 'SET ROLE demo_app;\nSELECT df.start(\n%s,\n  %s);\n' "$WORKFLOW" "'demo'" | psql_demo -At)
echo "-- started instance $ID; progress (instance status | nodes per inferred status | running steps):"
progress() {
  psql_demo -At -c "SELECT df.status('$ID') || ' | ' ||
      (SELECT string_agg(s || '=' || n, ' ' ORDER BY s)
         FROM (SELECT inferred_status s, count(*) n FROM df.instance_nodes('$ID') GROUP BY 1) x) ||
      coalesce(' | now: ' || (SELECT string_agg(node_type || coalesce(' ' || left(query, 48), ''), '; ')
         FROM df.instance_nodes('$ID')
         WHERE inferred_status = 'running' AND node_type NOT IN ('THEN', 'IF', 'LOOP', 'JOIN', 'RACE')), '')"
}
signalled=0
for _ in $(seq 1 120); do
  line=$(progress)
  echo "   $(date +%T) $line"
  status=$(psql_demo -At -c "SELECT df.status('$ID')")
  case "$status" in completed|failed|cancelled) break ;; esac  # terminal statuses: ext/engine/instance_status.hpp
  if [ $signalled = 0 ] && psql_demo -At -c "SELECT EXISTS (SELECT 1 FROM df.nodes WHERE instance_id = '$ID' AND node_type = 'SIGNAL' AND status = 'running')" | grep -q t; then
    echo "   $(date +%T) -- the workflow waits for a signal: SELECT df.signal('$ID', 'approve', '{\"by\": \"demo\"}')"
    psql_demo -At -c "SET ROLE demo_app; SELECT df.signal('$ID', 'approve', '{\"by\": \"demo\"}')" >/dev/null
    signalled=1
  fi
  sleep 0.5
done
echo "-- explain (live)"
psql_demo -At -c "SELECT df.explain('$ID')"
echo "-- result"
psql_demo -c "SELECT df.status('$ID') AS status, df.result('$ID') AS result"
psql_demo -c "SELECT id, amount, state FROM demo_orders ORDER BY id"
