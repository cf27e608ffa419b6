/* canary.c — three deliberate faults that tools/sanitize/canary.sh loads into a server of
 * the sanitizer run, to prove that each kind of report is produced, written where
 * tools/dev looks and turned into a failure: a heap overflow (ASan), a signed overflow
 * (UBSan) and a leak (LSan). Built only by canary.sh, never into the extension.
 */
#include "postgres.h"
#include "fmgr.h"

#include <stdlib.h>

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(canary_heap_overflow);
PG_FUNCTION_INFO_V1(canary_signed_overflow);
PG_FUNCTION_INFO_V1(canary_leak);

/* reads one byte past an n-byte malloc block */
Datum canary_heap_overflow(PG_FUNCTION_ARGS) {
  int32 n = PG_GETARG_INT32(0);
  volatile char *p = malloc((size_t)n);
  char c = p[n];
  free((void *)p);
  PG_RETURN_INT32(c);
}

/* returns a + b in int32 arithmetic, undefined when it overflows */
Datum canary_signed_overflow(PG_FUNCTION_ARGS) {
  volatile int32 a = PG_GETARG_INT32(0);
  volatile int32 b = PG_GETARG_INT32(1);
  PG_RETURN_INT32(a + b);
}

/* mallocs n bytes and forgets them: LSan reports them when the backend exits */
Datum canary_leak(PG_FUNCTION_ARGS) {
  volatile char *p = malloc((size_t)PG_GETARG_INT32(0));
  p[0] = 1;
  p = NULL;
  PG_RETURN_VOID();
}
