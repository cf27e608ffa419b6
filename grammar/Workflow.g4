// Workflow.g4 — the textual workflow language of pg_durable (compiled by df.compile and dfc).
//
// A workflow file holds either ONE bare expression, written exactly as the argument of
// `df.start(...)` (so a df.start argument moves into a file unchanged), or one or more
// named workflows:
//
//     -- nightly rollup
//     workflow nightly_rollup(days int = 7, region text) {
//       'DELETE FROM stage WHERE region = ''{region}''' ~> df.sleep(60)
//     }
//
// Expressions: SQL steps are string literals ('..' with '' escapes, E'..' with backslash
// escapes, $$..$$ / $tag$..$tag$); operators ~> |=> & | ?> !> and prefix @>; node functions
// df.sql df.seq df.as df.join df.join3 df.race df.if df.if_rows df.loop df.break df.sleep
// df.wait_for_schedule df.wait_for_signal df.http df.http_multipart df.retry (`df.` optional) with
// positional and named (name => value) arguments; NULL, numbers, and `::jsonb` casts;
// `try { ... } catch (err) { ... }` (df.catch); `forward <-> undo` (df.with_undo).
//
// Precedence: as in PostgreSQL, where these are ordinary user-defined operators, ALL binary
// DSL operators share one precedence and associate left to right; prefix @> binds only its
// immediate operand. The grammar therefore parses a flat operator chain; the front end
// (compiler/parse.cpp) reports an ERROR wherever the left-to-right grouping differs from the
// "natural" one (|=> tightest, then & and |, then ~>, then ?> !> loosest), so the meaning of
// a file never silently differs from the same text inside df.start().
// `forward <-> undo` is the exception: it has no SQL operator (df.with_undo() is its SQL
// spelling), binds tighter than every other operator, prefix @> included, and associates
// left to right: `@> a <-> u ~> b` is `(@> (a <-> u)) ~> b`.
//
// Parameters: a named workflow's parameters are referenced inside steps as `{name}` — the
// same `{ident}` variable syntax that the engine substitutes at run time (docs/reference.md §9).
// Binding a parameter when the workflow is started is exactly providing that variable; the
// text is never rewritten at compile time. Parameter types: int, bigint, numeric, text,
// bool, jsonb; a default is a literal of that type. A `{x}` that names no parameter (and is
// not sys_instance_id / sys_label) is a warning in a named workflow.
//
// Comments: `-- to end of line` and `/* block */`; both are kept by `dfc fmt`.
grammar Workflow;

@lexer::members {
  // A dollar-quoted string ends at the first repetition of its opening delimiter (dollar, optional tag, dollar).
  // ANTLR cannot back-reference the tag, so the rule matches the opening delimiter and this
  // action consumes the body through the lexer simulator (keeping line/column right). An
  // unterminated string stops at end of input; the front end reports it.
  void finishDollarString() {
    std::string open = getText();
    std::u32string tag(open.begin(), open.end());
    std::u32string tail;
    auto* sim = getInterpreter<antlr4::atn::LexerATNSimulator>();
    while (_input->LA(1) != antlr4::Token::EOF) {
      tail.push_back(static_cast<char32_t>(_input->LA(1)));
      sim->consume(_input);
      if (tail.size() >= tag.size() && tail.compare(tail.size() - tag.size(), tag.size(), tag) == 0) {
        return;
      }
    }
  }
}

// ---------------------------------------------------------------- parser

file         : (workflowDecl+ | expr)? EOF ;

workflowDecl : WORKFLOW IDENT LPAREN paramList? RPAREN LBRACE expr RBRACE ;
paramList    : param (COMMA param)* ;
param        : IDENT IDENT (EQ literal)? ;

// A flat chain: every binary operator has the same precedence (see the header).
expr         : operand (binaryOp operand)* ;
binaryOp     : SEQ | BIND | AMP | PIPE | THEN_OP | ELSE_OP ;
operand      : LOOP_OP operand
             | atom (UNDO_OP atom)*
             ;
atom         : primary castSuffix* ;
castSuffix   : CAST IDENT ;
primary      : literal
             | call
             | LPAREN expr RPAREN
             | tryCatch
             ;
// try { step } catch (err) { handler }: `try` and `catch` stay identifiers (df.catch() is
// a call); the front end checks the words and lowers this to df.catch(step, handler, 'err').
tryCatch     : IDENT LBRACE expr RBRACE IDENT (LPAREN IDENT RPAREN)? LBRACE expr RBRACE ;
call         : (IDENT DOT)? IDENT LPAREN argList? RPAREN ;
argList      : arg (COMMA arg)* ;
arg          : (IDENT ARROW)? expr ;
literal      : stringLit
             | MINUS? NUMBER
             | NULL_KW
             | TRUE_KW
             | FALSE_KW
             ;
stringLit    : STRING | ESTRING | DOLLAR_STRING ;

// ---------------------------------------------------------------- lexer

WORKFLOW     : [wW][oO][rR][kK][fF][lL][oO][wW] ;
NULL_KW      : [nN][uU][lL][lL] ;
TRUE_KW      : [tT][rR][uU][eE] ;
FALSE_KW     : [fF][aA][lL][sS][eE] ;

SEQ          : '~>' ;
UNDO_OP      : '<->' ;
BIND         : '|=>' ;
THEN_OP      : '?>' ;
ELSE_OP      : '!>' ;
LOOP_OP      : '@>' ;
AMP          : '&' ;
PIPE         : '|' ;
ARROW        : '=>' ;
CAST         : '::' ;
EQ           : '=' ;
MINUS        : '-' ;
DOT          : '.' ;
COMMA        : ',' ;
LPAREN       : '(' ;
RPAREN       : ')' ;
LBRACE       : '{' ;
RBRACE       : '}' ;

ESTRING      : [eE] '\'' ( '\\' . | '\'\'' | ~['\\] )* '\'' ;
STRING       : '\'' ( '\'\'' | ~'\'' )* '\'' ;
DOLLAR_STRING : '$' DOLLAR_TAG? '$' { finishDollarString(); } ;
// Reported by the front end as "unterminated quoted string".
UNTERMINATED_STRING : '\'' ( '\'\'' | ~'\'' )* EOF
                    | [eE] '\'' ( '\\' . | '\'\'' | ~['\\] )* EOF
                    ;

NUMBER       : DIGIT+ ('.' DIGIT*)? EXPONENT?
             | '.' DIGIT+ EXPONENT?
             ;
IDENT        : [A-Za-z_] [A-Za-z_0-9]* ;

LINE_COMMENT : '--' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
// A `/*` never closed is one token to the end of the input (an error the front end names),
// not a failed BLOCK_COMMENT: the lexer would then fall back to `/`, go on after it and scan
// to the end again at the next `/*`, quadratic in the number of `/*` (a fuzz_compile
// timeout: 500,000 of them took minutes). It cannot match past a `*/`, so a closed
// comment stays a BLOCK_COMMENT.
UNTERMINATED_COMMENT : '/*' ( ~'*' | '*'+ ~[*/] )* '*'* EOF ;
WS           : [ \t\r\n\f]+ -> skip ;
// Anything else becomes one token the parser rejects, so errors point at it.
INVALID      : . ;

fragment DIGIT      : [0-9] ;
fragment EXPONENT   : [eE] [+-]? DIGIT+ ;
fragment DOLLAR_TAG : [A-Za-z_] [A-Za-z_0-9]* ;
