/* fuzz_ndjson.c — newline-delimited JSON (`renkei import ndjson`'s files) →
 * bulk_ndjson_next, line by line. Each line lies inside the input, after the
 * previous one, holds no LF, does not end with CR and is not blank; line
 * numbers grow and never exceed the input's line count; the split ends. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk/bulk.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ndjson: invariant broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *base = (const char *)data;
	int64_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	struct str rest = {base, size}, line;
	int64_t lineno = 0, prev_no = 0;
	const char *prev_end = base;
	size_t rounds = 0;
	while (bulk_ndjson_next(&rest, &line, &lineno)) {
		check(++rounds <= size, "more lines than bytes");
		check(line.ptr >= prev_end && line.ptr + line.len <= base + size,
		      "a line outside the input or out of order");
		check(line.len > 0, "an empty line");
		check(memchr(line.ptr, '\n', line.len) == NULL, "a line holding LF");
		check(line.ptr[line.len - 1] != '\r', "a line ending with CR");
		int blank = 1;
		for (size_t i = 0; i < line.len; i++)
			blank &= line.ptr[i] == ' ' || line.ptr[i] == '\t' || line.ptr[i] == '\r';
		check(!blank, "a blank line");
		check(lineno > prev_no && lineno <= lines, "line numbers out of step");
		prev_no = lineno;
		prev_end = line.ptr + line.len;
	}
	check(rest.len == 0, "the split stopped before the end");
	check(lineno <= lines, "counted more lines than there are");
	return 0;
}
