#!/bin/bash
# t_exec_isolation — two ordinary roles and a superuser sharing ONE executor slot
# (max_workers = 1, so on an engine whose executors serve every role they would share one
# session): nothing one role's step leaves reaches another role's step — a temp table with
# a trigger (also against a superuser's workflow), prepared statements, currval, session
# advisory locks; and fairness: bob's step runs while alice's queue still saturates the
# pool. Then max_user_connections = 1 with two executors: the waiting step fails with the
# documented message after execution_acquire_timeout.
source "$(dirname "$0")/lib.sh"
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.worker_naptime = 200" \
  "pg_durable.enable_superuser_instances = on" "pg_durable.max_workers = 1"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
psql_t <<'SQL' >/dev/null
CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN;
SELECT df.grant_usage('alice'); SELECT df.grant_usage('bob');
CREATE TABLE bob_tab (v text); ALTER TABLE bob_tab OWNER TO bob;
CREATE TABLE admin_tab (v text);
CREATE SEQUENCE shared_seq; GRANT USAGE ON SEQUENCE shared_seq TO alice, bob;
SQL
# start ROLE SQL -> instance id
start_as() { psql_t -c "SET ROLE $1" -c "SELECT df.start(\$q\$$2\$q\$)"; }
ended() { wait_for "df.status('$1') IN ('completed', 'failed')" 60; }
outcome() { psql_t -c "SELECT status || ' ' || coalesce((SELECT string_agg(result::text, ';') FROM df.nodes WHERE instance_id = '$1' AND node_type = 'SQL' AND status = 'failed'), '') FROM df.instances WHERE id = '$1'"; }

note "alice traps pg_temp.bob_tab and pg_temp.admin_tab with triggers"
trap_sql='DO $d$ BEGIN
  CREATE TEMP TABLE bob_tab (v text); CREATE TEMP TABLE admin_tab (v text);
  CREATE FUNCTION pg_temp.trap() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN
    BEGIN EXECUTE $$GRANT SELECT ON public.bob_tab TO alice$$; EXCEPTION WHEN OTHERS THEN NULL; END;
    BEGIN EXECUTE $$ALTER ROLE alice SUPERUSER$$; EXCEPTION WHEN OTHERS THEN NULL; END;
    RETURN NEW; END $f$;
  CREATE TRIGGER trap BEFORE INSERT ON pg_temp.bob_tab FOR EACH ROW EXECUTE FUNCTION pg_temp.trap();
  CREATE TRIGGER trap BEFORE INSERT ON pg_temp.admin_tab FOR EACH ROW EXECUTE FUNCTION pg_temp.trap();
END $d$'
a=$(start_as alice "$trap_sql"); ended "$a"
[ "$(outcome "$a")" = "completed " ] || fail "alice's trap step: $(outcome "$a")"
p=$(start_as alice "PREPARE alice_q AS SELECT 'alice-secret'::text AS s"); ended "$p"
s=$(start_as alice "SELECT nextval('shared_seq') AS n"); ended "$s"
l=$(start_as alice "SELECT pg_advisory_lock(4242) IS NOT NULL AS locked"); ended "$l"

b=$(start_as bob "INSERT INTO bob_tab VALUES ('bob-row')"); ended "$b"
su=$(psql_t -c "SELECT df.start(\$q\$INSERT INTO admin_tab VALUES ('admin-row')\$q\$)"); ended "$su"
[ "$(psql_t -c "SELECT count(*) FROM public.bob_tab")" = 1 ] || fail "bob's row did not reach public.bob_tab"
[ "$(psql_t -c "SELECT count(*) FROM public.admin_tab")" = 1 ] || fail "the superuser's row did not reach public.admin_tab"
[ "$(psql_t -c "SELECT has_table_privilege('alice', 'public.bob_tab', 'SELECT')")" = f ] || fail "alice's trigger ran as bob"
[ "$(psql_t -c "SELECT rolsuper FROM pg_roles WHERE rolname = 'alice'")" = f ] || fail "alice's trigger ran as the superuser"

note "bob sees none of alice's prepared statements, sequence state or locks"
q=$(start_as bob "SELECT count(*) AS n FROM pg_prepared_statements"); ended "$q"
[ "$(psql_t -c "SELECT df.result('$q')::jsonb->'rows'->0->>'n'")" = 0 ] || fail "bob sees alice's prepared statements"
c=$(start_as bob "SELECT currval('shared_seq')"); ended "$c"
grep -q "not yet defined in this session" <<<"$(outcome "$c")" || fail "bob sees alice's currval: $(outcome "$c")"
[ "$(psql_t -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" = 0 ] || fail "alice's advisory lock outlived her step"

note "fairness: bob's step runs while alice's steps saturate the only executor"
# one psql call each, so that a slow client cannot let alice's queue drain before bob starts
ids=$(psql_t -c "SET ROLE alice" -c "SELECT string_agg(df.start('SELECT pg_sleep(2)'), ' ') FROM generate_series(1, 4)")
bob=$(start_as bob "SELECT 1 AS one")
for id in $ids $bob; do ended "$id"; done
last_alice=$(psql_t -c "SELECT max(completed_at) FROM df.instances WHERE id IN ($(echo $ids | sed "s/\([0-9a-f]*\)/'\1'/g; s/ /,/g"))")
[ "$(psql_t -c "SELECT completed_at < '$last_alice' FROM df.instances WHERE id = '$bob'")" = t ] \
  || fail "bob's step waited for all of alice's steps"

note "max_user_connections = 1: the second SQL step waits, then fails after the acquire timeout"
stop_server
echo "pg_durable.max_workers = 2" >> "$T_DATA/postgresql.conf"
echo "pg_durable.max_user_connections = 1" >> "$T_DATA/postgresql.conf"
echo "pg_durable.execution_acquire_timeout = 2" >> "$T_DATA/postgresql.conf"
start_server
wait_for "$worker_ready_sql"
psql_t -c "ALTER ROLE alice SET pg_durable.max_steps_per_role = 2" >/dev/null
x=$(start_as alice "SELECT pg_sleep(6)"); y=$(start_as alice "SELECT pg_sleep(6)")
ended "$x"; ended "$y"
msg="pg_durable: connection limit reached (max_user_connections=1). Timed out after 2s waiting for an available execution slot."
[ "$(psql_t -c "SELECT count(*) FROM df.instances WHERE id IN ('$x', '$y') AND status = 'completed'")" = 1 ] \
  || fail "expected exactly one completed step: $(outcome "$x") / $(outcome "$y")"
outcome "$x" "$y" >/dev/null
grep -qF "$msg" <<<"$(outcome "$x"; outcome "$y")" || fail "no acquire-timeout failure: $(outcome "$x") / $(outcome "$y")"
note "isolation, fairness and the SQL-step limit hold"
