/* arena.h — per-request bump allocator with a hard byte limit and cleanups.
 * Everything a request allocates lives here and is freed at once when the
 * request ends; non-memory resources register a cleanup. Past the limit an
 * allocation returns NULL (a soft, reportable failure); a real malloc failure
 * aborts through rk_oom(). One arena belongs to one thread at a time. */
#ifndef RENKEI_CORE_ARENA_H
#define RENKEI_CORE_ARENA_H

#include <stddef.h>

#include "core/str.h"

struct arena_chunk;
struct arena_cleanup;

struct arena {
	struct arena_chunk *head;
	struct arena_cleanup *cleanups;
	size_t used;  /* bytes handed out plus chunk overhead */
	size_t limit; /* ceiling for used */
};

/* Start an empty arena; nothing is allocated until the first request. */
void arena_init(struct arena *a, size_t limit);

/* n bytes, 16-aligned, uninitialised; NULL when the limit would be passed. */
void *arena_alloc(struct arena *a, size_t n);
/* Like arena_alloc, zero-filled. */
void *arena_calloc(struct arena *a, size_t n, size_t size);
/* NUL-terminated copy of s; NULL when over the limit. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into the arena; NULL when over the limit. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A slice copied into the arena (NUL-terminated beyond len). */
struct str arena_str(struct arena *a, struct str s);

/* Run fn(arg) when the arena is reset or freed (last registered runs first).
 * Returns 0, or -1 when over the limit (fn is then called immediately). */
int arena_on_free(struct arena *a, void (*fn)(void *), void *arg);

/* Run cleanups and release everything; the arena may be used again. */
void arena_reset(struct arena *a);
#define arena_free arena_reset

#endif
