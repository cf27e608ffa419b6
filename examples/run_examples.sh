#!/bin/bash
# run_examples.sh DFC PSQL... — deploys every example with `dfc deploy-sql`, runs each one and
# checks its outcome; used by regress/crash/t_examples.sh (a build) and tools/package_test.sh
# (the Debian packages). PSQL... is a psql command line connected, as a role with
# df.grant_usage, to the extension's database; schema.sql must not have been run yet.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DFC=$1; shift
q() { "$@" -X -q -At -v ON_ERROR_STOP=1; }
sql() { q "${PSQL[@]}" -c "$1"; }
PSQL=("$@")
die() { echo "FAIL: $*" >&2; exit 1; }
wait_sql() {  # wait_sql "boolean SQL" — up to 120 s
  for _ in $(seq 1 1200); do [ "$(sql "SELECT ($1)")" = t ] && return 0; sleep 0.1; done
  die "timed out waiting for: $1"
}

for f in "$HERE"/*.dfl; do "$DFC" lint --strict "$f" >/dev/null || die "dfc lint $(basename "$f")"; done
q "${PSQL[@]}" -f "$HERE/schema.sql"
for f in "$HERE"/*.dfl; do "$DFC" deploy-sql "$f" | q "${PSQL[@]}" >/dev/null; done
[ "$(sql "SELECT count(DISTINCT name) FROM df.workflows")" = 3 ] || die "not every example deployed"

# invoice approval: a small invoice is approved at once, a large one waits for the signal
sql "INSERT INTO invoices VALUES (1, 120.00), (2, 5000.00), (3, 7000.00)"
small=$(sql "SELECT df.start_workflow('invoice_approval', '{\"invoice\": 1}')")
large=$(sql "SELECT df.start_workflow('invoice_approval', '{\"invoice\": 2}')")
rejected=$(sql "SELECT df.start_workflow('invoice_approval', '{\"invoice\": 3}')")
wait_sql "df.status('$small') = 'completed'"
[ "$(sql "SELECT df.result('$small')::jsonb -> 'rows' -> 0 ->> 'status'")" = approved ] || die "small invoice: $(sql "SELECT df.result('$small')")"
wait_sql "EXISTS (SELECT 1 FROM df.nodes WHERE instance_id = '$large' AND node_type = 'SIGNAL' AND status = 'running')"
[ "$(sql "SELECT status FROM invoices WHERE id = 2")" = new ] || die "the large invoice did not wait"
sql "SELECT df.signal('$large', 'decision', '{\"approved\": true}'), df.signal('$rejected', 'decision', '{\"approved\": false}')" >/dev/null
wait_sql "df.status('$large') = 'completed' AND df.status('$rejected') = 'completed'"
[ "$(sql "SELECT string_agg(id || '=' || status, ' ' ORDER BY id) FROM invoices")" = "1=approved 2=approved 3=rejected" ] \
  || die "invoices: $(sql "SELECT string_agg(id || '=' || status, ' ' ORDER BY id) FROM invoices")"
echo "invoice_approval: 1=approved 2=approved 3=rejected"

# nightly maintenance: the instance waits for the next 02:30 UTC, then is cancelled
nightly=$(sql "SELECT df.start_workflow('nightly_maintenance')")
wait_sql "EXISTS (SELECT 1 FROM df.nodes WHERE instance_id = '$nightly' AND node_type = 'WAIT_SCHEDULE' AND status = 'running')"
sql "SELECT df.cancel('$nightly', 'example done')" >/dev/null
wait_sql "df.status('$nightly') = 'cancelled'"
echo "nightly_maintenance: waited for 30 2 * * * (UTC), cancelled"

# embedding batch: 30 documents in two batches; batch 1 is embedded by three parallel shards
sql "INSERT INTO documents SELECT g, 1 + g % 2, 'document ' || g FROM generate_series(1, 30) g"
batch=$(sql "SELECT df.start_workflow('embed_batch', '{\"batch\": 1}')")
wait_sql "df.status('$batch') = 'completed'"
[ "$(sql "SELECT df.result('$batch')::jsonb -> 'rows' -> 0 ->> 'embedded'")" = 15 ] || die "embed_batch: $(sql "SELECT df.result('$batch')")"
[ "$(sql "SELECT count(*) FROM embeddings e JOIN documents d ON d.id = e.doc_id WHERE d.batch = 2")" = 0 ] || die "batch 2 touched"
echo "embed_batch: 15 documents of batch 1 embedded by 3 parallel shards"
