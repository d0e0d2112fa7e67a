/* arena.c — chunked bump allocation; chunks grow geometrically up to 1 MiB, and
 * large requests get a chunk of their own. */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* usable bytes in data */
	size_t off;  /* next free offset */
	_Alignas(16) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup *next;
	void (*fn)(void *);
	void *arg;
};

#define ARENA_ALIGN     16u
#define ARENA_MIN_CHUNK 4096u
#define ARENA_MAX_CHUNK (1u << 20)

void arena_init(struct arena *a, size_t limit)
{
	a->head = NULL;
	a->cleanups = NULL;
	a->used = 0;
	a->limit = limit;
}

static size_t align_up(size_t n)
{
	return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
}

void *arena_alloc(struct arena *a, size_t n)
{
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX / 2)
		return NULL;
	n = align_up(n);
	struct arena_chunk *c = a->head;
	if (c && c->size - c->off >= n) {
		void *p = c->data + c->off;
		c->off += n;
		return p;
	}
	size_t size = c ? c->size * 2 : ARENA_MIN_CHUNK;
	if (size > ARENA_MAX_CHUNK)
		size = ARENA_MAX_CHUNK;
	if (size < n)
		size = n;
	size_t cost = sizeof(struct arena_chunk) + size;
	if (a->used + cost > a->limit)
		return NULL;
	struct arena_chunk *nc = malloc(cost);
	if (!nc)
		rk_oom();
	a->used += cost;
	nc->size = size;
	nc->off = n;
	/* A dedicated large chunk goes behind the head so the head keeps serving
	 * small allocations. */
	if (c && size == n && c->size - c->off > ARENA_MIN_CHUNK / 4) {
		nc->next = c->next;
		c->next = nc;
	} else {
		nc->next = c;
		a->head = nc;
	}
	return nc->data;
}

void *arena_calloc(struct arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = arena_alloc(a, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

struct str arena_str(struct arena *a, struct str s)
{
	char *p = arena_strndup(a, s.ptr ? s.ptr : "", s.len);
	return p ? (struct str){p, s.len} : (struct str){NULL, 0};
}

int arena_on_free(struct arena *a, void (*fn)(void *), void *arg)
{
	struct arena_cleanup *c = arena_alloc(a, sizeof *c);
	if (!c) {
		fn(arg);
		return -1;
	}
	c->fn = fn;
	c->arg = arg;
	c->next = a->cleanups;
	a->cleanups = c;
	return 0;
}

void arena_reset(struct arena *a)
{
	struct arena_cleanup *cl = a->cleanups;
	a->cleanups = NULL;
	while (cl) {
		struct arena_cleanup *next = cl->next;
		cl->fn(cl->arg);
		cl = next;
	}
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used = 0;
}
