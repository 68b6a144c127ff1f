/* bench/no_resume.c — an LD_PRELOAD shim that makes wrk do a full TLS
 * handshake on every connection, and counts what the handshakes were.
 *
 * Why: wrk keeps one SSL object per connection slot and, on reconnecting,
 * calls SSL_shutdown then SSL_clear, which keeps the session of a cleanly
 * closed connection; the next SSL_connect offers it (a TLS 1.3 ticket or a
 * TLS 1.2 session id) and the servers resume. With `Connection: close` that
 * makes almost every handshake a resumed one (measured: nginx logged
 * $ssl_session_reused = "r" for all but the first handshake of each slot).
 * Dropping the session before SSL_clear makes the next handshake a full one.
 *
 * Built by bench/run.sh into its temp dir:
 *   cc -O2 -shared -fPIC -o no_resume.so bench/no_resume.c
 * and used as
 *   LD_PRELOAD=no_resume.so NO_RESUME_COUNTS=FILE wrk ... https://...
 * At wrk's exit FILE gets two lines, "full N" and "resumed N": the
 * handshakes that completed, as the client saw them (SSL_session_reused).
 * A run that shows resumed > 0 did not measure what it claims to. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long full_count, resumed_count; /* updated by wrk's threads */

/* The next symbol of that name (libssl's), looked up once per call site;
 * abort() if it is missing: the run would measure nothing meaningful. */
static void *real_symbol(const char *name) {
  void *f = dlsym(RTLD_NEXT, name);
  if (f == NULL) {
    fprintf(stderr, "no_resume: %s not found\n", name);
    abort();
  }
  return f;
}

int SSL_clear(SSL *s) {
  static int (*real)(SSL *);
  if (real == NULL) real = (int (*)(SSL *))real_symbol("SSL_clear");
  SSL_set_session(s, NULL); /* forget the session: no resumption offered */
  return real(s);
}

int SSL_connect(SSL *s) {
  static int (*real)(SSL *);
  if (real == NULL) real = (int (*)(SSL *))real_symbol("SSL_connect");
  int r = real(s);
  if (r == 1)
    __atomic_add_fetch(SSL_session_reused(s) ? &resumed_count : &full_count, 1, __ATOMIC_RELAXED);
  return r;
}

__attribute__((destructor)) static void write_counts(void) {
  const char *path = getenv("NO_RESUME_COUNTS");
  if (path == NULL || *path == '\0') return;
  FILE *f = fopen(path, "w");
  if (f == NULL) return;
  fprintf(f, "full %lu\nresumed %lu\n", __atomic_load_n(&full_count, __ATOMIC_RELAXED),
          __atomic_load_n(&resumed_count, __ATOMIC_RELAXED));
  fclose(f);
}
