#!/bin/bash
# t_loopback_default_host — the loopback libpq sessions (ext/pg/loopback_host.hpp) with
# PGHOST unset in the server's environment and no TCP listener (listen_addresses = ''):
# both df.start(..., transaction_mode => 'new') and a step in another database must reach
# the server through its first unix_socket_directories entry. (Before the one rule,
# transaction_mode => 'new' fell back to 127.0.0.1 and failed to connect here.)
source "$(dirname "$0")/lib.sh"
unset PGHOST
init_cluster "shared_preload_libraries = 'pg_durable'" "pg_durable.worker_naptime = 200"
start_server
psql_t -c "CREATE EXTENSION pg_durable"
wait_for "$worker_ready_sql"
psql_t -c "CREATE ROLE app LOGIN" -c "SELECT df.grant_usage('app')" >/dev/null
psql_t -c "CREATE DATABASE other"
[ "$(psql_t -c "SHOW listen_addresses")" = "" ] || fail "the test needs a server without TCP"

note "transaction_mode => 'new' connects through the socket directory"
id=$(app_sql "SELECT df.start('SELECT 1 AS one', transaction_mode => 'new')") ||
  fail "df.start with transaction_mode => 'new' failed without PGHOST"
[ "$(app_sql "SELECT df.await_instance('$id', 60)")" = completed ] || fail "instance $id did not complete"

note "a step in another database connects through the socket directory"
id=$(app_sql "SELECT df.start('SELECT current_database() AS db', database => 'other')")
[ "$(app_sql "SELECT df.await_instance('$id', 60)")" = completed ] ||
  fail "remote step failed: $(psql_t -c "SELECT result FROM df.nodes WHERE instance_id = '$id'")"
[ "$(psql_t -c "SELECT df.result('$id')::jsonb->'rows'->0->>'db'")" = other ] || fail "the step did not run in other"

note "ok"
