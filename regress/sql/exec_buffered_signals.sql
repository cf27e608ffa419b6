-- exec_buffered_signals: signals sent before their wait is reached are rows of
-- _duroxide.buffered_signals (not part of the VM state), delivered oldest first, capped by
-- pg_durable.max_buffered_signals per instance (issue 11 item 7).
SET pg_durable.max_buffered_signals = 3;
SET ROLE regress_exec;
\set VERBOSITY terse
SELECT df.start(df.wait_for_signal('first')
  ~> df.as(df.wait_for_signal('x'), 'a') ~> df.as(df.wait_for_signal('x'), 'b')
  ~> 'SELECT $a.data AS a, $b.data AS b') AS id \gset
SELECT df.signal(:'id', 'x', '"one"'), df.signal(:'id', 'x', '"two"'), df.signal(:'id', 'x', '"three"');
SELECT df.signal(:'id', 'x', '"four"');      -- expect: the most pg_durable.max_buffered_signals allows
RESET ROLE;
SELECT name, payload FROM _duroxide.buffered_signals WHERE instance_id = :'id' ORDER BY seq;
SELECT buffered_signals, octet_length(state) < 2000 AS state_stays_small
  FROM _duroxide.instance_state WHERE instance_id = :'id';
SET ROLE regress_exec;
SELECT df.signal(:'id', 'first', '{}');
SELECT await_end(:'id'), df.result(:'id');  -- oldest first: one, two
RESET ROLE;
-- the instance ended: its leftover signal ("three") is gone with it
SELECT count(*) AS left_over FROM _duroxide.buffered_signals WHERE instance_id = :'id';
SELECT buffered_signals FROM _duroxide.instance_state WHERE instance_id = :'id';
RESET pg_durable.max_buffered_signals;
