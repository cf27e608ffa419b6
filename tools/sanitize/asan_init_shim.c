/* asan_init_shim.c — preloaded after libasan and libubsan into Debian's (uninstrumented)
 * postgres so that the sanitizers start at all and keep their options in every backend
 * (tools/dev test --sanitize).
 *
 * Why: a preloaded libasan runs its constructor after those of postgres's own libraries,
 * so ASan initialises lazily, on the first malloc. That first malloc happens inside
 * libgpg-error's constructor, in glibc's bindtextdomain(), while it holds glibc's
 * _nl_state_lock for writing. Initialisation ends with Symbolizer::LateInitialize(),
 * which looks up the optional symbol swift_demangle with dlsym(); the lookup fails and
 * dlerror() translates its message through dcgettext(), which takes the same
 * _nl_state_lock again. glibc's rwlock answers EDEADLK instead of a read lock, the
 * matching unlock then releases the writer's lock, bindtextdomain's own unlock
 * underflows the reader count, and the next bindtextdomain() (postgres's
 * set_pglocale_pgservice) waits forever: `postgres -V` hangs before main.
 *
 * Defining swift_demangle makes that dlsym() succeed, so no error message is translated
 * and the lock is taken once. ASan calls it only for names that look like Swift symbols
 * (none here); returning NULL means "not demangled", and the ordinary demangler is used.
 *
 * The shim also takes LD_PRELOAD out of the server's environment once the libraries are
 * loaded: the postmaster's children are forked and keep the runtime, but programs the
 * server runs (`locale -a` at initdb, archive commands) must not inherit it.
 *
 * UBSan, unlike ASan, initialises on its first report and then reads UBSAN_OPTIONS from
 * /proc/self/environ, which in a backend is the process title PostgreSQL wrote over the
 * original environment: the options were lost (report on stderr, exit code 1 instead of
 * an abort). The shim keeps a copy taken at load time, in the postmaster, and hands it to
 * UBSan through its documented __ubsan_default_options() hook.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *ubsan_options = "";

const char *__ubsan_default_options(void);

const char *__ubsan_default_options(void) { return ubsan_options; }

char *swift_demangle(const char *mangled, size_t mangled_len, char *out, size_t *out_len,
                     unsigned flags);

char *swift_demangle(const char *mangled, size_t mangled_len, char *out, size_t *out_len,
                     unsigned flags) {
  (void)mangled; (void)mangled_len; (void)out; (void)out_len; (void)flags;
  return NULL;
}

__attribute__((constructor)) static void at_load(void) {
  const char *opts = getenv("UBSAN_OPTIONS");
  if (opts != NULL) ubsan_options = strdup(opts);
  unsetenv("LD_PRELOAD");
}
