-- Upgrade of an installed 0.2.6 to 0.3.0: every schema change of the release, by area.

-- failure handling (issue 13): df.retry, df.catch; df.start gains max_attempts, max_backoff,
-- on_failure; df.nodes accepts RETRY and CATCH nodes
CREATE FUNCTION df.retry(step text, max_attempts integer DEFAULT 3, backoff "any" DEFAULT '1 second',
                         max_backoff "any" DEFAULT '1 minute') RETURNS text
  AS 'MODULE_PATHNAME', 'df_retry' LANGUAGE C STRICT VOLATILE;
-- When step fails for good, handler runs with the error as $<error_name> ({message,
-- sqlstate, node, node_type, attempts}); the workflow goes on after it.
CREATE FUNCTION df.catch(step text, handler text, error_name text DEFAULT 'error') RETURNS text
  AS 'MODULE_PATHNAME', 'df_catch' LANGUAGE C STRICT VOLATILE;
DROP FUNCTION df.start(text, text, text, text);
CREATE FUNCTION df.start(fut text, label text DEFAULT NULL, database text DEFAULT NULL,
                         transaction_mode text DEFAULT 'caller', max_attempts integer DEFAULT 1,
                         max_backoff "any" DEFAULT '16 seconds', on_failure text DEFAULT 'fail')
  RETURNS text
  AS 'MODULE_PATHNAME', 'df_start' LANGUAGE C VOLATILE;
ALTER TABLE df.nodes DROP CONSTRAINT nodes_node_type_chk,
  ADD CONSTRAINT nodes_node_type_chk
    CHECK (node_type IN ('SQL', 'THEN', 'IF', 'JOIN', 'LOOP', 'BREAK', 'RACE', 'SLEEP',
                         'WAIT_SCHEDULE', 'HTTP', 'HTTP_MULTIPART', 'SIGNAL',
                         'RETRY', 'CATCH')) NOT VALID;
ALTER TABLE df.nodes DROP CONSTRAINT nodes_structure_chk,
  ADD CONSTRAINT nodes_structure_chk CHECK (
    CASE
      WHEN node_type IN ('SQL', 'SLEEP', 'WAIT_SCHEDULE', 'BREAK', 'HTTP', 'HTTP_MULTIPART', 'SIGNAL')
        THEN left_node IS NULL AND right_node IS NULL AND query IS NOT NULL
      WHEN node_type = 'THEN'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NULL
      WHEN node_type = 'IF'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NOT NULL
      WHEN node_type = 'LOOP'
        THEN left_node IS NOT NULL AND right_node IS NULL
      WHEN node_type = 'JOIN'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL
      WHEN node_type = 'RACE'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NULL
      WHEN node_type = 'RETRY'
        THEN left_node IS NOT NULL AND right_node IS NULL AND query IS NOT NULL
      WHEN node_type = 'CATCH'
        THEN left_node IS NOT NULL AND right_node IS NOT NULL AND query IS NOT NULL
      ELSE false
    END) NOT VALID;
