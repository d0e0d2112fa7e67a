/* fuzz_careplan_csv.c — a ケアプランデータ連携 CSV file (collab/careplan_csv.h)
 * as any bytes: the first byte picks the table. A read either fails with a
 * message and adds nothing to the plan, or gives a plan whose every value
 * passes its column's check, which writes back as a file that reads again
 * into the same values (and, for a file in one quoting style, the same
 * bytes are not required: a value's form may differ only in its quotes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collab/careplan_csv.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_careplan_csv: invariant broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	enum cp_table t = (enum cp_table)(data[0] % CP_TABLES);
	struct arena a;
	arena_init(&a, 64u << 20);
	struct cp_plan plan = {.quoting = CP_QUOTE_ALL};
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = cp_read(t, "f.CSV", data + 1, size - 1, &a, &plan, &err);
	if (rc != RK_OK) {
		check(err.msg[0] != '\0', "a refusal without a message");
		check(!plan.has_t1 && plan.n[CP_T2] == 0 && plan.n[CP_T3] == 0, "a refusal that kept rows");
		arena_reset(&a);
		return 0;
	}
	check(cp_check(&plan, &err) == RK_OK || t != CP_T1, "a read 第1表 that its own check refuses");
	struct buf out;
	buf_init(&out, 64u << 20);
	check(cp_write(&plan, t, &out, &err) == RK_OK, "a read plan that cannot be written");
	struct cp_plan again = {.quoting = CP_QUOTE_ALL};
	rk_err_clear(&err);
	if (cp_read(t, "g.CSV", (const unsigned char *)out.data, out.len, &a, &again, &err) != RK_OK) {
		fprintf(stderr, "fuzz_careplan_csv: the written file: %s\n", err.msg);
		check(0, "a written file that does not read");
	}
	size_t rows = t == CP_T1 ? 1 : plan.n[t];
	check(rows == (t == CP_T1 ? (size_t)again.has_t1 : again.n[t]), "a different number of rows");
	for (size_t i = 0; i < rows; i++) {
		const struct cp_row *x = t == CP_T1 ? &plan.t1 : &plan.rows[t][i];
		const struct cp_row *y = t == CP_T1 ? &again.t1 : &again.rows[t][i];
		for (size_t k = 0; k < cp_tables[t].n; k++)
			check(strcmp(x->v[k], y->v[k]) == 0, "a value that changed on the way back");
	}
	buf_free(&out);
	arena_reset(&a);
	return 0;
}
