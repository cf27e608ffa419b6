#!/bin/bash
# dfc_cli.sh — end-to-end test of the dfc CLI: every subcommand's exit code and output,
# compared with the golden files next to the annotated workflows in compiler/tests/lang.
# usage: dfc_cli.sh DFC LANG_DIR
set -u
DFC=$1
LANG_DIR=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_rc CODE CMD... — runs dfc with the args, keeps stdout/stderr in $TMP/out, $TMP/err.
expect_rc() {
  local want=$1; shift
  "$DFC" "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  [ "$got" = "$want" ] || fail "dfc $* exited $got, expected $want; stderr: $(head -3 "$TMP/err")"
}
expect_out_contains() { grep -qF -- "$1" "$TMP/out" || fail "stdout lacks: $1"; }
expect_err_contains() { grep -qF -- "$1" "$TMP/err" || fail "stderr lacks: $1"; }
expect_golden() { diff -u "$LANG_DIR/$1" "$TMP/out" >/dev/null || fail "output differs from golden $1: $(diff "$LANG_DIR/$1" "$TMP/out" | head -5)"; }

cd "$LANG_DIR" || exit 2

# usage and help
expect_rc 0 --help;                        expect_out_contains "Exit codes:"
expect_rc 2;                               expect_err_contains "usage: dfc"
expect_rc 2 frobnicate nightly.dfl;        expect_err_contains "unknown command 'frobnicate'"
expect_rc 2 lint --bogus nightly.dfl;      expect_err_contains "unknown option --bogus"
expect_rc 2 lint "$TMP/missing.dfl";       expect_err_contains "cannot read"
expect_rc 2 explain nightly.dfl bare.dfl;  expect_err_contains "needs exactly one FILE"
expect_rc 0 --version;                     expect_out_contains "dfc 0."
expect_out_contains "SQL grammar: PostgreSQL 15"
expect_rc 0 lint --help;                   expect_out_contains "usage: dfc lint [--strict]"
grep -q "deploy-sql" "$TMP/out" && fail "lint --help must describe lint only"
expect_rc 0 help graph;                    expect_out_contains "usage: dfc graph [--workflow NAME] [--format=dot|svg|png] FILE"
expect_rc 2 lintt nightly.dfl;             expect_err_contains "unknown command 'lintt' (did you mean 'lint'?)"

# lint
expect_rc 0 lint nightly.dfl bare.dfl
[ -s "$TMP/out" ] && fail "lint of clean files printed output"
expect_rc 1 lint errors.dfl;               expect_golden errors.lint   # errors.diag without [rule] ids
expect_out_contains "errors.dfl:3:3: error: Sleep duration must be non-negative"
expect_rc 0 lint warnings.dfl;             expect_out_contains "warning: {dayz} is not a parameter"
expect_rc 1 lint --strict warnings.dfl;    expect_out_contains "error: {dayz} is not a parameter"
expect_rc 1 lint --format=json grouping.dfl
expect_out_contains '[{"file":"grouping.dfl","line":2,"column":27,"end_line":2,"end_column":28,"severity":"error","rule":"grouping","message":"`'"'a' ~> 'b' & 'c'"'`'
expect_rc 0 lint --format=json bare.dfl;   expect_golden empty.json
expect_rc 1 lint syntax.dfl;               expect_out_contains "syntax.dfl:2:13: error: syntax error"
expect_rc 0 lint invoice.dfl               # its one nullable-ref is silenced with a reason
[ -s "$TMP/out" ] && fail "lint invoice.dfl: $(cat "$TMP/out")"
expect_rc 1 lint .;                        expect_out_contains "errors.dfl:3:3: error: Sleep duration"   # a DIR: every *.dfl under it
expect_out_contains "warnings.dfl:2:"
printf "workflow w() {\n  'SELECT 1'\n  ~> 'UPDATE t SET a = 1;\n      SELEC 1 FROM t'\n}\n" >"$TMP/sql.dfl"
expect_rc 1 lint "$TMP/sql.dfl";           expect_out_contains 'sql.dfl:4:7: error: SQL does not parse: syntax error at or near "SELEC" [sql-syntax]'
# a {var} in a keyword position (ASC/DESC) parses with PostgreSQL's grammar; an error after it is still found
printf "workflow w(dir text = 'ASC') {\n  'SELECT * FROM t ORDER BY id {dir}'\n}\n" >"$TMP/kw.dfl"
expect_rc 0 lint --strict "$TMP/kw.dfl"
printf "workflow w(dir text = 'ASC') {\n  'SELECT * FROM t ORDER BY id {dir} LIMIT 3 OFSET 2'\n}\n" >"$TMP/kw2.dfl"
expect_rc 1 lint "$TMP/kw2.dfl";           expect_out_contains 'kw2.dfl:2:46: error: SQL does not parse: syntax error at or near "OFSET" [sql-syntax]'
printf "(df.wait_for_signal('ok', timeout_seconds => 300) |=> 'decision')\n~> 'SELECT \$decision.data, \$count'\n" >"$TMP/flow.dfl"
expect_rc 1 lint "$TMP/flow.dfl"
expect_out_contains "flow.dfl:2:12: warning: \$decision.data fails the step after the signal 'ok' times out (data is null); write \$decision.data? to get NULL instead [nullable-ref]"
expect_out_contains "flow.dfl:2:28: error: \$count names no step's result"
expect_rc 1 lint --format=json "$TMP/flow.dfl"; expect_out_contains '"end_line":2,"end_column":26,"severity":"warning","rule":"nullable-ref"'
printf "'SELECT 1' ~> df.wait_for_singal('approval', 300)\n" >"$TMP/typo.dfl"
expect_rc 1 lint "$TMP/typo.dfl";          expect_out_contains "unknown function df.wait_for_singal() (did you mean 'wait_for_signal'?)"
[ "$(grep -c ': error:' "$TMP/out")" = 1 ] || fail "a typo'd function must give one error, not a cascade: $(cat "$TMP/out")"

# the rules reach inside CATCH (step and handler) and UNDO (forward step and undo action) bodies
printf "try {\n  df.wait_for_signal('go')\n} catch (e) {\n  'SELECT \$e.message' <-> 'SELECT \$nosuch'\n}\n" >"$TMP/catch.dfl"
expect_rc 1 lint "$TMP/catch.dfl"
expect_out_contains "catch.dfl:2:3: warning: df.wait_for_signal('go') has no timeout"
expect_out_contains "catch.dfl:4:35: error: \$nosuch names no step's result, so it is sent to PostgreSQL as written; results in scope: e [unbound-ref]"
grep -q "\$e.message names" "$TMP/out" && fail "the handler's error is in scope: $(cat "$TMP/out")"

# lint DIR: every *.dfl under it (subdirectories too), other files ignored; never "empty workflow file"
mkdir -p "$TMP/tree/sub"
printf "'SELECT 1'\n" >"$TMP/tree/good.dfl"
printf "'SELECT 1' ~> df.wait_for_singal('go', 5)\n" >"$TMP/tree/sub/bad.dfl"
printf "not a workflow\n" >"$TMP/tree/notes.txt"
expect_rc 1 lint "$TMP/tree";              expect_out_contains "tree/sub/bad.dfl:1:15: error: unknown function df.wait_for_singal()"
grep -q "empty workflow file\|notes.txt\|good.dfl" "$TMP/out" && fail "lint DIR read a directory or a non-workflow file: $(cat "$TMP/out")"
rm "$TMP/tree/sub/bad.dfl"
expect_rc 0 lint --strict "$TMP/tree"
# fmt
for f in nightly.dfl bare.dfl warnings.dfl; do expect_rc 0 fmt --check "$f"; done
printf "'a'~>'b'   -- keep me\n~>df.sleep( 1 )" >"$TMP/messy.dfl"
expect_rc 1 fmt --check "$TMP/messy.dfl";  expect_out_contains "would reformat"
expect_rc 0 fmt "$TMP/messy.dfl"
printf "'a'\n~> 'b' -- keep me\n~> df.sleep(1)\n" >"$TMP/want.dfl"
diff -u "$TMP/want.dfl" "$TMP/messy.dfl" >/dev/null || fail "fmt result: $(cat "$TMP/messy.dfl")"
expect_rc 0 fmt --check "$TMP/messy.dfl"
printf "df.http('https://hooks.example.com/x', body => '{}', timeout_seconds => 10)\n" >"$TMP/wide.dfl"
expect_rc 0 fmt --check "$TMP/wide.dfl"
expect_rc 1 fmt --check --width=40 "$TMP/wide.dfl"
expect_rc 0 fmt --width 40 "$TMP/wide.dfl"
[ "$(sed -n 2p "$TMP/wide.dfl")" = "  'https://hooks.example.com/x'," ] || fail "fmt --width 40: $(cat "$TMP/wide.dfl")"
expect_rc 0 fmt --check --width=40 "$TMP/wide.dfl"
expect_rc 2 fmt --width=abc "$TMP/wide.dfl"; expect_err_contains "--width needs a number"
cp syntax.dfl "$TMP/syntax.dfl"
expect_rc 1 fmt "$TMP/syntax.dfl";         expect_err_contains "error: syntax error"
cmp -s syntax.dfl "$TMP/syntax.dfl" || fail "fmt changed a file with syntax errors"

# explain, graph, json, disasm
expect_rc 0 explain bare.dfl;              expect_golden bare.explain
expect_rc 0 explain nightly.dfl;           expect_out_contains "workflow poll:"
expect_rc 0 graph --workflow poll nightly.dfl;  expect_golden poll.dot
expect_rc 0 graph --format=svg invoice.dfl; expect_out_contains "<svg"   # Graphviz is in tools/dev PACKAGES
expect_out_contains "result truthy?"
expect_rc 0 graph --format=png --workflow poll nightly.dfl
[ "$(head -c 4 "$TMP/out" | tail -c 3)" = "PNG" ] || fail "graph --format=png did not print a PNG"
expect_rc 2 graph --format=svg nightly.dfl; expect_err_contains "choose one with --workflow NAME"
expect_rc 0 json nightly.dfl;              expect_golden nightly.json
expect_rc 0 json bare.dfl;                 expect_golden bare.json
expect_rc 0 json --workflow poll nightly.dfl
[ "$(cut -c1 "$TMP/out")" = "{" ] || fail "json --workflow must print the JSON alone"
expect_rc 2 json --workflow nope nightly.dfl; expect_err_contains "no workflow named 'nope'"
expect_rc 1 json errors.dfl;               expect_err_contains "error: unknown function df.nope()"
expect_rc 0 --disasm bare.dfl;             expect_golden bare.disasm

# deploy-sql
expect_rc 0 deploy-sql nightly.dfl;        expect_golden nightly.deploy.sql
expect_rc 1 deploy-sql bare.dfl;           expect_err_contains "deploy-sql needs named workflows"
printf 'workflow q() { $dfc$ SELECT 1 $dfc$ }\n' >"$TMP/q.dfl"
expect_rc 0 deploy-sql "$TMP/q.dfl"
expect_out_contains 'SELECT df.deploy('"'"'q'"'"', $dfc1$workflow q() { $dfc$ SELECT 1 $dfc$ }'

# test: offline workflow tests (invoice.dft tests invoice.dfl), failures at file:line:col
expect_rc 0 test invoice.dft;              expect_out_contains "dfc test: 4 passed, 0 failed"
expect_out_contains "PASS invoice.dft:17:1: nobody answers within the hour: escalated"
expect_rc 0 test --junit "$TMP/junit.xml" .
grep -qF '<testsuite name="./invoice.dft" tests="4" failures="0"' "$TMP/junit.xml" || fail "junit: $(head -3 "$TMP/junit.xml")"
cp invoice.dfl "$TMP/inv.dfl"
printf "use 'inv.dfl'\ntest 'wrong' of approve_invoice(invoice_id => 1) {\n  expect_status('failed')\n}\n" >"$TMP/bad.dft"
expect_rc 1 test --junit="$TMP/j2.xml" "$TMP/bad.dft"
expect_out_contains "bad.dft:3:3: error: expected status failed, the workflow completed"
expect_out_contains "dfc test: 0 passed, 1 failed"
grep -qF '<failure message="expected status failed, the workflow completed">' "$TMP/j2.xml" || fail "junit failure missing"
printf "test 'x' {\n  expect_stauts('failed')\n}\n" >"$TMP/inv.dft"
expect_rc 1 test "$TMP/inv.dft";           expect_out_contains "inv.dft:2:3: error: unknown statement expect_stauts() (did you mean 'expect_status'?)"
expect_rc 2 test "$TMP/nothing.dft";       expect_err_contains "cannot read"
printf "test 'x' { expect_status('failed') }\n" >"$TMP/orphan.dft"
expect_rc 2 test "$TMP/orphan.dft";        expect_err_contains "cannot read its workflow file"

# run: one run through the same engine
expect_rc 0 run --param invoice_id=7 --stub "'invoice', rows('{\"id\": 7, \"amount\": 5}')" invoice.dfl
expect_out_contains "done     'decision' wait_for_signal('approval', 3600) @9:7 -> {\"signal_name\":\"approval\",\"timed_out\":true"
expect_out_contains "virtual time: 3600s"
expect_rc 1 run --param invoice_id=7 --signal "'approval', '{\"approved\": true}', at => 5" invoice.dfl
expect_out_contains 'error: $invoice has no rows'  # unstubbed: no rows, so the strict $invoice.amount fails
expect_rc 1 run --param invoice_id=7 --stub "'invoice', rows('{\"amount\": 5}')" --stub "'pay', error('23505', 'dup')" --signal "'approval'" invoice.dfl
expect_out_contains "runs   INSERT INTO payments (invoice_id, amount) VALUES (7, 5) RETURNING id"
expect_out_contains 'error: {"message":"dup","sqlstate":"23505"'
expect_rc 2 run invoice.dfl;               expect_err_contains "parameter 'invoice_id' of workflow 'approve_invoice' has no default"
expect_rc 2 run --stub "'x', rowz()" invoice.dfl; expect_err_contains "did you mean 'rows'?"

# diff: what changed between two versions of a workflow file
expect_rc 0 diff invoice.dfl invoice.dfl;  expect_out_contains "workflow approve_invoice: unchanged"
sed 's/3600/7200/; s/, approver text = .finance.//' invoice.dfl >"$TMP/inv_v2.dfl"
expect_rc 1 diff invoice.dfl "$TMP/inv_v2.dfl"
expect_out_contains "- approver text = 'finance'"
expect_out_contains '+ SIGNAL {"signal_name":"approval","timeout_seconds":7200}'
expect_rc 1 diff nightly.dfl "$TMP/inv_v2.dfl"; expect_out_contains "workflow poll: removed"
expect_out_contains "workflow approve_invoice: added"
expect_rc 2 diff nightly.dfl;              expect_err_contains "diff needs OLD and NEW"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "dfc CLI: all checks passed"
