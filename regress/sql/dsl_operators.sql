-- dsl_operators: the seven operators (docs/reference.md §3.2). They live in pg_catalog, all
-- share one precedence and associate to the left; each grouping case below checks the
-- operator form against the explicit function form.
SELECT oprname, oprnamespace::regnamespace, oprleft::regtype, oprright::regtype, oprcode
  FROM pg_operator WHERE oprcode::text LIKE 'df.%' ORDER BY oprname;

SET search_path = public;  -- visible regardless of search_path
SELECT 'SELECT 1' ~> 'SELECT 2';
SELECT 'SELECT 1' |=> 'one';
SELECT 'SELECT 1' & 'SELECT 2';
SELECT 'SELECT 1' | 'SELECT 2';
SELECT 'SELECT true' ?> 'SELECT 1';
SELECT 'SELECT true' ?> 'SELECT 1' !> 'SELECT 2';
SELECT @> 'SELECT 1';
RESET search_path;

-- a ~> b ~> c  =  (a ~> b) ~> c
SELECT ('a' ~> 'b' ~> 'c') = df.seq(df.seq('a', 'b'), 'c') AS seq_left_assoc;
-- a ~> b |=> 'n' ~> c  =  ((a ~> b) |=> 'n') ~> c
SELECT ('a' ~> 'b' |=> 'n' ~> 'c') = df.seq(df.as(df.seq('a', 'b'), 'n'), 'c') AS bind_names_then;
-- a & b |=> 'n' names the JOIN
SELECT ('a' & 'b' |=> 'n') = df.as(df.join('a', 'b'), 'n') AS bind_names_join;
-- a | b & c  =  (a | b) & c
SELECT ('a' | 'b' & 'c') = df.join(df.race('a', 'b'), 'c') AS race_then_join;
-- a & b ~> c  =  (a & b) ~> c ;  a ~> b & c  =  (a ~> b) & c
SELECT ('a' & 'b' ~> 'c') = df.seq(df.join('a', 'b'), 'c') AS join_then_seq;
SELECT ('a' ~> 'b' & 'c') = df.join(df.seq('a', 'b'), 'c') AS seq_then_join;
-- c ?> t !> e  =  df.if(c, t, e)
SELECT ('c' ?> 't' !> 'e') = df.if('c', 't', 'e') AS if_then_else;
-- x ~> c ?> t !> e: the condition is the sequence x-then-c
SELECT ('x' ~> 'c' ?> 't' !> 'e') = df.if(df.seq('x', 'c'), 't', 'e') AS seq_condition;
-- c ?> t ~> u !> e: ~> wraps the marker as SQL, then !> refuses it
SELECT 'c' ?> 't' ~> 'u' !> 'e';  -- expect: Invalid if-then-else: left side of !> must be a ?> expression
SELECT 'SELECT 1' !> 'e';          -- expect: Invalid if-then-else: left side of !> must be a ?> expression
-- @> a ~> b  =  (@> a) ~> b ; a parenthesised body loops the sequence
SELECT (@> 'a' ~> 'b') = df.seq(df.loop('a'), 'b') AS loop_binds_tight;
SELECT (@> ('a' ~> 'b')) = df.loop(df.seq('a', 'b')) AS loop_parenthesised;
-- || binds equally (left to right); = binds looser
SELECT 'SELECT ' || '1' ~> 'SELECT 2' = df.seq('SELECT 1', 'SELECT 2') AS concat_and_equals;
-- the partial-if marker keeps operands as raw text
SELECT df.if_then_op('SELECT 1', '{"node_type":"SQL","query":"SELECT 2"}');
-- the older marker form with embedded objects is accepted
SELECT df.if_else_op('{"_partial_if":true,"condition":{"node_type":"SQL","query":"c"},"then_branch":{"node_type":"SQL","query":"t"}}', 'e')
       = df.if('c', 't', 'e') AS legacy_marker;
