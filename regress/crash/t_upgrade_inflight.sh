#!/bin/bash
# t_upgrade_inflight — instances started under release 0.2.6 (its library, built from tag
# v0.2.6 by release_build.sh) finish after the library is replaced by this build and
# ALTER EXTENSION pg_durable UPDATE runs: one waiting on a signal, one on a timer, one in a
# join with a finished and a waiting branch; each step's effect exists exactly once. Then
# a checkpoint stamped with another lowering version is refused with a clear error.
source "$(dirname "$0")/lib.sh"
OLD_BUILD=$("$CRASH_ROOT/regress/crash/release_build.sh" v0.2.6) || fail "cannot build release v0.2.6"
OLD_BIN=$("$CRASH_ROOT/regress/make_tmp_install.sh" "$OLD_BUILD" "$T_DIR/install-0.2.6")
[ "$(id -u)" = 0 ] && chown -R postgres: "$T_DIR"
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.enable_superuser_instances = on"

note "under 0.2.6: start instances that wait on a signal, a timer and a join"
NEW_BIN=$T_BIN; T_BIN=$OLD_BIN
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql" 120
[ "$(psql_t -c "SELECT split_part(df.version(), ' ', 1)")" = 0.2.6 ] || fail "the old cluster does not run 0.2.6"
psql_t -c "CREATE TABLE effects (step text)"
done_id=$(psql_t -c "SELECT df.start('INSERT INTO effects VALUES (''done'')')")
sig_id=$(psql_t -c "SELECT df.start('INSERT INTO effects VALUES (''sig-before'')' ~> df.wait_for_signal('go')
                                    ~> 'INSERT INTO effects VALUES (''sig-after'')')")
timer_id=$(psql_t -c "SELECT df.start('INSERT INTO effects VALUES (''timer-before'')' ~> df.sleep(15)
                                      ~> 'INSERT INTO effects VALUES (''timer-after'')')")
join_id=$(psql_t -c "SELECT df.start(('INSERT INTO effects VALUES (''join-a'')' & df.wait_for_signal('go'))
                                     ~> 'INSERT INTO effects VALUES (''join-after'')')")
wait_for "df.status('$done_id') = 'completed'" 120
wait_for "(SELECT count(*) FROM effects) = 4" 120
wait_for "(SELECT count(*) FROM _duroxide.tasks WHERE kind = 'timer') = 1" 120
stop_server

note "under this build: replace the library, ALTER EXTENSION pg_durable UPDATE, then signal"
T_BIN=$NEW_BIN
start_server
wait_for "$worker_ready_sql" 120
psql_t -c "ALTER EXTENSION pg_durable UPDATE"
VERSION=$(psql_t -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_durable'")
[ "$VERSION" != 0.2.6 ] && [ "$(psql_t -c "SELECT split_part(df.version(), ' ', 1)")" = "$VERSION" ] \
  || fail "not upgraded: extension $VERSION, library $(psql_t -c "SELECT df.version()")"
psql_t -c "SELECT df.signal('$sig_id', 'go'), df.signal('$join_id', 'go')" >/dev/null
for id in "$sig_id" "$timer_id" "$join_id"; do wait_for "df.status('$id') = 'completed'" 120; done
[ "$(psql_t -c "SELECT df.status('$done_id')")" = completed ] || fail "the finished instance changed"
got=$(psql_t -c "SELECT string_agg(step || ':' || n, ' ' ORDER BY step) FROM (SELECT step, count(*) n FROM effects GROUP BY step) s")
[ "$got" = "done:1 join-a:1 join-after:1 sig-after:1 sig-before:1 timer-after:1 timer-before:1" ] \
  || fail "effects not exactly once: $got"
note "0.2.6 instances finished under $VERSION: $got"

note "a checkpoint of another lowering version is refused, not guessed at"
stale_id=$(psql_t -c "SELECT df.start(df.wait_for_signal('go') ~> 'INSERT INTO effects VALUES (''stale'')')")
wait_for "df.status('$stale_id') = 'running'" 120
# Byte 6 of the state (after \"DFVMS\" and the layout version) is the lowering version.
psql_t -c "UPDATE _duroxide.instance_state SET state = set_byte(state, 6, 99) WHERE instance_id = '$stale_id'"
psql_t -c "SELECT df.signal('$stale_id', 'go')" >/dev/null
wait_for "df.status('$stale_id') = 'failed'" 120
msg=$(psql_t -c "SELECT output FROM _duroxide.instance_state WHERE instance_id = '$stale_id'")
case "$msg" in
  *"cannot resume instance $stale_id: it was started under workflow lowering version 99 and this build runs lowering version 1"*) ;;
  *) fail "unclear refusal: $msg" ;;
esac
[ "$(psql_t -c "SELECT count(*) FROM effects WHERE step = 'stale'")" = 0 ] || fail "the refused instance ran a step"
note "refused: $msg"
