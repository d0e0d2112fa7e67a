/* test_core_arena.c — unit tests for core/arena.h: the byte limit fails softly
 * with NULL, large allocations get their own chunk, every pointer is 16-aligned,
 * cleanups run last-registered-first on reset, and an arena is reusable after
 * reset with the same limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"

static void test_basic(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	assert_int_equal(a.used, 0);
	assert_null(a.head);
	char *p = arena_alloc(&a, 10);
	assert_non_null(p);
	memset(p, 'x', 10);
	char *q = arena_alloc(&a, 10);
	assert_non_null(q);
	assert_true(q >= p + 10 || q + 10 <= p); /* no overlap */
	assert_true(a.used > 0 && a.used <= a.limit);
	/* Zero-byte allocations give distinct usable pointers. */
	void *z1 = arena_alloc(&a, 0), *z2 = arena_alloc(&a, 0);
	assert_non_null(z1);
	assert_non_null(z2);
	assert_ptr_not_equal(z1, z2);
	arena_free(&a);
	assert_int_equal(a.used, 0);
	assert_null(a.head);
	assert_null(a.cleanups);
}

static void test_alignment(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 64u << 20);
	size_t sizes[] = {1, 3, 7, 15, 16, 17, 31, 33, 100, 1000, 4095, 4096, 4097, 5000, 70000, 2u << 20};
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			size_t n = sizes[i] > 100000 && round > 0 ? 1 : sizes[i];
			unsigned char *p = arena_alloc(&a, n);
			assert_non_null(p);
			assert_int_equal((uintptr_t)p % 16, 0);
			memset(p, 0xAB, n); /* the whole block is writable (ASan checks) */
		}
	}
	char *s = arena_strdup(&a, "x");
	assert_int_equal((uintptr_t)s % 16, 0);
	void *c = arena_calloc(&a, 3, 5);
	assert_int_equal((uintptr_t)c % 16, 0);
	arena_free(&a);
}

static void test_limit_soft(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 16384);
	/* One allocation larger than the limit. */
	assert_null(arena_alloc(&a, 20000));
	assert_null(arena_alloc(&a, SIZE_MAX));
	assert_null(arena_alloc(&a, SIZE_MAX / 2 + 1));
	assert_null(arena_calloc(&a, SIZE_MAX / 2, 4)); /* n * size overflows */
	assert_null(arena_calloc(&a, 2, SIZE_MAX / 2 + 1));
	/* The arena still works after refusals. */
	void *p = arena_alloc(&a, 100);
	assert_non_null(p);
	/* Fill until the limit: allocations fail with NULL, never abort. */
	size_t got = 100, fails = 0;
	for (int i = 0; i < 1000; i++) {
		void *q = arena_alloc(&a, 100);
		if (q) {
			got += 100;
			memset(q, 1, 100);
		} else {
			fails++;
		}
		assert_true(a.used <= a.limit);
	}
	assert_true(fails > 0);
	assert_true(got < 16384);
	assert_null(arena_strdup(&a, "a string that does not fit any more, surely not after all that"));
	assert_null(arena_printf(&a, "%0*d", 10000, 7));
	struct str s = arena_str(&a, STR_LIT("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
					     "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
					     "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"));
	assert_null(s.ptr);
	assert_int_equal(s.len, 0);
	arena_free(&a);

	/* A limit of 0 refuses everything. */
	arena_init(&a, 0);
	assert_null(arena_alloc(&a, 1));
	arena_free(&a);
}

static void test_big_allocations(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 64u << 20);
	char *small1 = arena_alloc(&a, 64);
	assert_non_null(small1);
	memset(small1, 's', 64);
	/* Bigger than the largest chunk size (1 MiB). */
	size_t big = 3u << 20;
	unsigned char *b1 = arena_alloc(&a, big);
	assert_non_null(b1);
	memset(b1, 0x5A, big);
	assert_int_equal(b1[0], 0x5A);
	assert_int_equal(b1[big - 1], 0x5A);
	/* Small allocations after it still work and don't overlap it. */
	char *small2 = arena_alloc(&a, 64);
	assert_non_null(small2);
	memset(small2, 't', 64);
	assert_true((unsigned char *)small2 + 64 <= b1 || (unsigned char *)small2 >= b1 + big);
	for (int i = 0; i < 64; i++)
		assert_int_equal(small1[i], 's');
	unsigned char *b2 = arena_alloc(&a, big + 1);
	assert_non_null(b2);
	memset(b2, 0x33, big + 1);
	assert_int_equal(b1[big / 2], 0x5A);
	assert_true(a.used >= 2 * big);
	assert_true(a.used <= a.limit);
	/* A big allocation right at the limit fails softly. */
	assert_null(arena_alloc(&a, 64u << 20));
	arena_free(&a);
}

static void test_strings(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	char *s = arena_strdup(&a, "山田 花子");
	assert_string_equal(s, "山田 花子");
	char *n = arena_strndup(&a, "abcdef", 3);
	assert_string_equal(n, "abc");
	char *e = arena_strndup(&a, "", 0);
	assert_string_equal(e, "");
	char *p = arena_printf(&a, "%s-%05d-%c", "id", 42, 'z');
	assert_string_equal(p, "id-00042-z");
	/* Longer than any stack buffer. */
	char *l = arena_printf(&a, "%0*d", 5000, 1);
	assert_non_null(l);
	assert_int_equal(strlen(l), 5000);
	assert_int_equal(l[4999], '1');
	struct str t = arena_str(&a, (struct str){"slice-with-more", 5});
	assert_int_equal(t.len, 5);
	assert_memory_equal(t.ptr, "slice", 5);
	assert_int_equal(t.ptr[5], '\0');
	t = arena_str(&a, STR_NULL);
	assert_non_null(t.ptr);
	assert_int_equal(t.len, 0);
	assert_int_equal(t.ptr[0], '\0');
	unsigned char *z = arena_calloc(&a, 100, 7);
	for (int i = 0; i < 700; i++)
		assert_int_equal(z[i], 0);
	arena_free(&a);
}

/* Cleanup log: each call appends its tag. */
struct log {
	int order[16];
	int n;
};

struct tagged {
	struct log *log;
	int tag;
};

static void record(void *arg)
{
	struct tagged *t = arg;
	assert_true(t->log->n < 16);
	t->log->order[t->log->n++] = t->tag;
}

static void test_cleanups_reverse(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	struct log log = {{0}, 0};
	struct tagged tags[5];
	for (int i = 0; i < 5; i++) {
		tags[i] = (struct tagged){&log, i + 1};
		assert_int_equal(arena_on_free(&a, record, &tags[i]), 0);
		(void)arena_alloc(&a, 100); /* interleaved allocations */
	}
	assert_int_equal(log.n, 0); /* nothing runs before reset */
	arena_reset(&a);
	assert_int_equal(log.n, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(log.order[i], 5 - i);
	/* Each cleanup runs once only: a second reset runs none. */
	arena_reset(&a);
	assert_int_equal(log.n, 5);
}

static void test_cleanup_over_limit(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 8192);
	while (arena_alloc(&a, 512))
		;
	struct log log = {{0}, 0};
	struct tagged t = {&log, 9};
	/* No room for the record: fn runs immediately and -1 is returned. */
	assert_int_equal(arena_on_free(&a, record, &t), -1);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.order[0], 9);
	arena_reset(&a);
	assert_int_equal(log.n, 1); /* not run a second time */
}

/* A cleanup that releases a resource allocated in the same arena can still
 * read it: memory is released after all cleanups have run. */
static void read_back(void *arg)
{
	char **slot = arg;
	assert_string_equal(slot[0], "still here");
	slot[1] = slot[0];
}

static void test_cleanup_sees_memory(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	char *slot[2] = {arena_strdup(&a, "still here"), NULL};
	assert_int_equal(arena_on_free(&a, read_back, slot), 0);
	arena_free(&a);
	assert_non_null(slot[1]);
}

static void test_reuse_after_reset(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 32768);
	for (int round = 0; round < 20; round++) {
		size_t total = 0;
		void *p;
		while ((p = arena_alloc(&a, 1000)) != NULL) {
			memset(p, round, 1000);
			total += 1000;
		}
		/* The same limit applies every round, so each round fits as much. */
		assert_true(total >= 16000);
		assert_true(total < 32768);
		assert_int_equal(a.limit, 32768);
		struct log log = {{0}, 0};
		struct tagged t = {&log, round};
		arena_reset(&a);
		assert_int_equal(a.used, 0);
		assert_int_equal(arena_on_free(&a, record, &t), 0);
		arena_reset(&a);
		assert_int_equal(log.n, 1);
		assert_int_equal(log.order[0], round);
	}
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_limit_soft),
		cmocka_unit_test(test_big_allocations),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_cleanups_reverse),
		cmocka_unit_test(test_cleanup_over_limit),
		cmocka_unit_test(test_cleanup_sees_memory),
		cmocka_unit_test(test_reuse_after_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
