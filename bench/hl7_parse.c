/* hl7_parse.c — the C side of bench/hl7: parse every message of a corpus
 * file (messages separated by FS LF, UTF-8) N times with hl7_parse and touch
 * every field (its first component, as the Node peer does); prints one JSON
 * line. Built by bench/hl7 against build/librenkei_core.a; not installed.
 *   hl7_parse CORPUS ITERATIONS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hl7/hl7.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s CORPUS ITERATIONS\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *data = malloc((size_t)size + 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 1;
	}
	fclose(f);
	long iters = strtol(argv[2], NULL, 10);
	/* split into messages */
	size_t cap = 1024, n = 0;
	struct str *msgs = malloc(cap * sizeof *msgs);
	for (char *p = data, *end = data + size; p < end;) {
		char *q = memchr(p, 0x1C, (size_t)(end - p));
		if (!q)
			q = end;
		if (q > p) {
			if (n == cap)
				msgs = realloc(msgs, (cap *= 2) * sizeof *msgs);
			msgs[n++] = (struct str){p, (size_t)(q - p)};
		}
		p = q + 2;
	}
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += msgs[i].len;

	struct arena a;
	arena_init(&a, 64u << 20);
	size_t fields = 0, touched = 0;
	long failed = 0;
	double t0 = now_s();
	for (long it = 0; it < iters; it++) {
		for (size_t i = 0; i < n; i++) {
			struct hl7_msg m;
			struct rk_err err;
			if (hl7_parse(msgs[i], &a, &m, &err) != RK_OK) {
				failed++;
				continue;
			}
			for (size_t s = 0; s < m.nseg; s++) {
				const struct hl7_segment *seg = &m.segs[s];
				/* fields after the name: MSH counts from 2 (MSH-1 is the separator) */
				size_t nf = seg->nfsep;
				int from = s == 0 ? 2 : 1, to = s == 0 ? (int)nf + 1 : (int)nf;
				for (int fld = from; fld <= to; fld++) {
					touched += hl7_get(&m, seg, fld, 0, 1, 0).len;
					fields++;
				}
			}
			arena_reset(&a);
		}
	}
	double t = now_s() - t0;
	printf("{\"messages\":%zu,\"bytes\":%zu,\"iterations\":%ld,\"seconds\":%.6f,\"fields\":%zu,\"touched\":%zu,"
	       "\"failed\":%ld}\n",
	       n, bytes, iters, t, fields / (size_t)(iters > 0 ? iters : 1), touched, failed);
	arena_free(&a);
	free(msgs);
	free(data);
	return failed ? 1 : 0;
}
