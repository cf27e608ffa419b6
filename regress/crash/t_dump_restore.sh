#!/bin/bash
# t_dump_restore — pg_dump keeps workflows and everything in flight. Cluster A holds deployed
# workflows, a completed instance, an instance waiting on a signal, one on a timer and one
# with a buffered signal (sent while it sleeps), plus a variable; its roles (pg_dumpall
# --roles-only) and a pg_dump -Fc are loaded into a fresh cluster B with a plain pg_restore.
# On B every workflow is there, the signal resumes its instance, the timers fire, and every
# step's effect exists exactly once; runtime-only tables are not in the dump.
source "$(dirname "$0")/lib.sh"
CONF=("shared_preload_libraries = 'pg_durable'")
psql_alice() { as_pg "$T_BIN/psql" -X -q -At -h "$T_DIR" -p "$T_PORT" -U regress_alice -d postgres -v ON_ERROR_STOP=1 "$@"; }

note "cluster A: workflows, instances done / waiting on a signal / on timers, a variable"
init_cluster "${CONF[@]}"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql" 120
psql_t -c "CREATE ROLE regress_alice LOGIN" -c "SELECT df.grant_usage('regress_alice')" 2>/dev/null
psql_t -c "CREATE TABLE effects (step text)" -c "GRANT SELECT, INSERT ON effects TO regress_alice"
psql_alice -c "SELECT * FROM df.deploy('approve', \$\$workflow approve(amount int = 1) {
  'INSERT INTO effects VALUES (''approve-before'')' ~> df.wait_for_signal('approved')
  ~> 'INSERT INTO effects VALUES (''approve-after'')' }\$\$)" >/dev/null
psql_alice -c "SELECT * FROM df.deploy('later', \$\$workflow later() {
  'INSERT INTO effects VALUES (''timer-before'')' ~> df.sleep(20) ~> 'INSERT INTO effects VALUES (''timer-after'')' }\$\$)" >/dev/null
psql_alice -c "SELECT df.setvar('region', 'eu')" >/dev/null
done_id=$(psql_alice -c "SELECT df.start('INSERT INTO effects VALUES (''done'')')")
sig_id=$(psql_alice -c "SELECT df.start_workflow('approve', '{\"amount\": 5}')")
timer_id=$(psql_alice -c "SELECT df.start_workflow('later')")
buf_id=$(psql_alice -c "SELECT df.start('INSERT INTO effects VALUES (''buf-before'')' ~> df.sleep(20)
                         ~> df.wait_for_signal('late') ~> 'INSERT INTO effects VALUES (''buf-after'')')")
wait_for "df.status('$done_id') = 'completed'" 120
wait_for "(SELECT count(*) FROM effects) = 4" 120
wait_for "(SELECT count(*) FROM _duroxide.tasks WHERE kind = 'timer') = 2" 120
psql_alice -c "SELECT df.signal('$buf_id', 'late')" >/dev/null   # buffered: the instance still sleeps
workflows_a=$(psql_t -c "SELECT string_agg(name || ' v' || version, ', ' ORDER BY name) FROM df.workflows")

as_pg "$T_BIN/pg_dumpall" -h "$T_DIR" -p "$T_PORT" -U postgres --roles-only > "$T_DIR/roles.sql" || fail "pg_dumpall failed"
as_pg "$T_BIN/pg_dump" -h "$T_DIR" -p "$T_PORT" -U postgres -Fc -f "$T_DIR/db.dump" postgres || fail "pg_dump failed"
stop_server
toc=$(as_pg "$T_BIN/pg_restore" -l "$T_DIR/db.dump")
for t in "df workflows" "df workflow_runs" "df instances" "df nodes" "df vars" "_duroxide instance_state" "_duroxide tasks" "_duroxide executions"; do
  echo "$toc" | grep -q "TABLE DATA $t " || fail "the dump has no data of ${t/ /.}"
done
for t in "df _worker_epoch" "_duroxide _worker_ready" "_duroxide prepared_steps"; do
  echo "$toc" | grep -q " $t " && fail "the dump holds runtime-only ${t/ /.}"
done

note "cluster B: roles first, then a plain pg_restore"
T_DATA="$T_DIR/data-b"; T_LOG="$T_DIR/server-b.log"
init_cluster "${CONF[@]}"
start_server
as_pg "$T_BIN/psql" -X -q -h "$T_DIR" -p "$T_PORT" -U postgres -d postgres -f "$T_DIR/roles.sql" >/dev/null 2>&1 || true
as_pg "$T_BIN/pg_restore" -h "$T_DIR" -p "$T_PORT" -U postgres -d postgres "$T_DIR/db.dump" 2> "$T_DIR/restore.err" \
  || fail "pg_restore failed: $(cat "$T_DIR/restore.err")"
wait_for "$worker_ready_sql" 120
[ "$(psql_t -c "SELECT string_agg(name || ' v' || version, ', ' ORDER BY name) FROM df.workflows")" = "$workflows_a" ] \
  || fail "workflows differ after restore"
[ "$(psql_alice -c "SELECT df.getvar('region')")" = eu ] || fail "the variable was not restored"
[ "$(psql_alice -c "SELECT df.status('$sig_id')")" = running ] || fail "the signal-waiting instance is not running"

psql_alice -c "SELECT df.signal('$sig_id', 'approved')" >/dev/null
for id in "$sig_id" "$timer_id" "$buf_id"; do wait_for "df.status('$id') = 'completed'" 120; done
[ "$(psql_t -c "SELECT df.status('$done_id')")" = completed ] || fail "the completed instance changed"
psql_alice -c "SELECT df.start_workflow('approve')" >/dev/null   # the restored workflow runs anew
wait_for "(SELECT count(*) FROM effects WHERE step = 'approve-before') = 2" 120
got=$(psql_t -c "SELECT string_agg(step || ':' || n, ' ' ORDER BY step) FROM (SELECT step, count(*) n FROM effects GROUP BY step) s")
[ "$got" = "approve-after:1 approve-before:2 buf-after:1 buf-before:1 done:1 timer-after:1 timer-before:1" ] \
  || fail "effects not exactly once: $got"
[ "$(psql_t -c "SELECT count(*) FROM df.workflow_runs")" = 3 ] || fail "workflow runs not kept"
note "restored: $workflows_a; effects $got"
