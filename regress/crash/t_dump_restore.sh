#!/bin/bash
# t_dump_restore — pg_dump keeps workflows and everything in flight. Cluster A holds deployed
# workflows, a completed instance, an instance waiting on a signal, one on a timer and one
# with a buffered signal (sent while it sleeps), plus a variable; its roles (pg_dumpall
# --roles-only) and a pg_dump -Fc are loaded into a fresh cluster B with pg_restore -1 and
# into a fresh cluster C with a plain pg_restore (one transaction per object, the worker
# attached from the first one). On both every workflow is there, the signal resumes its
# instance, the timers fire - one already due when the restore starts, so in C it would
# run before the GRANTs were back unless the worker waits for pg_restore - and every
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
due_start=$(date +%s)
due_id=$(psql_alice -c "SELECT df.start('INSERT INTO effects VALUES (''due-before'')' ~> df.sleep(10)
                         ~> 'INSERT INTO effects VALUES (''due-after'')')")
wait_for "df.status('$done_id') = 'completed'" 120
wait_for "(SELECT count(*) FROM effects) = 5" 120
wait_for "(SELECT count(*) FROM _duroxide.tasks WHERE kind = 'timer') = 3" 120
psql_alice -c "SELECT df.signal('$buf_id', 'late')" >/dev/null   # buffered: the instance still sleeps
workflows_a=$(psql_t -c "SELECT string_agg(name || ' v' || version, ', ' ORDER BY name) FROM df.workflows")

as_pg "$T_BIN/pg_dumpall" -h "$T_DIR" -p "$T_PORT" -U postgres --roles-only > "$T_DIR/roles.sql" || fail "pg_dumpall failed"
as_pg "$T_BIN/pg_dump" -h "$T_DIR" -p "$T_PORT" -U postgres -Fc -f "$T_DIR/db.dump" postgres || fail "pg_dump failed"
stop_server
toc=$(as_pg "$T_BIN/pg_restore" -l "$T_DIR/db.dump")
for t in "df workflows" "df workflow_runs" "df workflow_owners" "df instances" "df nodes" "df vars" "_duroxide instance_state" "_duroxide instance_graphs" "_duroxide tasks" "_duroxide executions"; do
  grep -q "TABLE DATA $t " <<<"$toc" || fail "the dump has no data of ${t/ /.}"
done
for t in "df _worker_epoch" "_duroxide _worker_ready" "_duroxide prepared_steps"; do
  grep -q " $t " <<<"$toc" && fail "the dump holds runtime-only ${t/ /.}"
done

# restore_and_check NAME PG_RESTORE_OPTION... — a fresh cluster NAME, roles first, then
# pg_restore with the options; every check of the header on it.
restore_and_check() {
  local name=$1; shift
  note "cluster $name: roles first, then pg_restore $*"
  T_DATA="$T_DIR/data-$name"; T_LOG="$T_DIR/server-$name.log"
  init_cluster "${CONF[@]}"
  start_server
  as_pg "$T_BIN/psql" -X -q -h "$T_DIR" -p "$T_PORT" -U postgres -d postgres -f "$T_DIR/roles.sql" >/dev/null 2>&1 || true
  as_pg "$T_BIN/pg_restore" "$@" -h "$T_DIR" -p "$T_PORT" -U postgres -d postgres "$T_DIR/db.dump" 2> "$T_DIR/restore.err" \
    || fail "pg_restore $* failed: $(cat "$T_DIR/restore.err")"
  wait_for "$worker_ready_sql" 120
  [ "$(psql_t -c "SELECT string_agg(name || ' v' || version, ', ' ORDER BY name) FROM df.workflows")" = "$workflows_a" ] \
    || fail "workflows differ after restore"
  [ "$(psql_t -c "SELECT string_agg(DISTINCT created_by::text, ',') FROM df.workflows")" = regress_alice ] \
    || fail "workflows lost their deployer: $(psql_t -c "SELECT string_agg(created_by::text, ',') FROM df.workflows")"
  [ "$(psql_t -c "SELECT string_agg(owner::text, ',' ORDER BY name) FROM df.workflow_owners")" = "regress_alice,regress_alice" ] \
    || fail "workflow ownership not restored"
  [ "$(psql_alice -c "SELECT df.getvar('region')")" = eu ] || fail "the variable was not restored"
  [ "$(psql_alice -c "SELECT df.status('$sig_id')")" = running ] || fail "the signal-waiting instance is not running"

  psql_alice -c "SELECT df.signal('$sig_id', 'approved')" >/dev/null
  for id in "$sig_id" "$timer_id" "$buf_id" "$due_id"; do wait_for "df.status('$id') = 'completed'" 120; done
  [ "$(psql_t -c "SELECT df.status('$done_id')")" = completed ] || fail "the completed instance changed"
  psql_alice -c "SELECT df.start_workflow('approve')" >/dev/null   # the restored workflow runs anew
  wait_for "(SELECT count(*) FROM effects WHERE step = 'approve-before') = 2" 120
  got=$(psql_t -c "SELECT string_agg(step || ':' || n, ' ' ORDER BY step) FROM (SELECT step, count(*) n FROM effects GROUP BY step) s")
  [ "$got" = "approve-after:1 approve-before:2 buf-after:1 buf-before:1 done:1 due-after:1 due-before:1 timer-after:1 timer-before:1" ] \
    || fail "effects not exactly once: $got"
  [ "$(psql_t -c "SELECT count(*) FROM df.workflow_runs")" = 3 ] || fail "workflow runs not kept"
  note "cluster $name restored: $workflows_a; effects $got"
  stop_server
}

wait_s=$(( due_start + 11 - $(date +%s) ))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"   # the due timer's deadline passes before either restore starts
# --single-transaction: the worker starts when the restore's CREATE EXTENSION commits; in one
# transaction it sees the data and the GRANTs together.
restore_and_check B --single-transaction
# Plain: each object commits on its own; the worker runs nothing while pg_restore is connected.
restore_and_check C
grep -q "pg_restore is connected; steps and timers wait" "$T_DIR/server-C.log" \
  || fail "the worker of cluster C did not wait for pg_restore"
