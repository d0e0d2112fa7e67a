/* test_collab_orders.c — the care team's documents (collab/orders.h): the
 * form's checks (指示期間 within six calendar months, 特別 within 14 days, a
 * report a whole month, lengths, required fields, unknown fields, control
 * characters), a form built into a Composition and read back field by field,
 * markup kept as text and escaped in the narrative, the canonical form
 * independent of key order and meta, the summary line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collab/orders.h"

static enum rk_status check(const char *json, struct orders_form *f, struct rk_err *err)
{
	json_t *in = json_loads(json, 0, NULL);
	assert_non_null(in);
	rk_err_clear(err);
	enum rk_status rc = orders_check(in, f, err);
	json_decref(in);
	return rc;
}

#define ORDER_FIELDS "\"fields\": {\"diagnosis\": \"心不全\", \"clinic\": \"c\", \"doctor\": \"d\", \"station\": \"s\"}"

static void periods(void **state)
{
	(void)state;
	struct orders_form f;
	struct rk_err err;
	assert_int_equal(
		check("{\"kind\": \"vn-order\", \"start\": \"2026-12-01\", \"end\": \"2027-05-31\", " ORDER_FIELDS "}",
		      &f, &err),
		RK_OK);
	assert_int_equal(
		check("{\"kind\": \"vn-order\", \"start\": \"2026-12-01\", \"end\": \"2027-06-01\", " ORDER_FIELDS "}",
		      &f, &err),
		RK_INVALID);
	assert_non_null(strstr(err.msg, "6か月まで"));
	/* a start on the 31st: the last day of the sixth month */
	assert_int_equal(
		check("{\"kind\": \"vn-order\", \"start\": \"2026-08-31\", \"end\": \"2027-02-28\", " ORDER_FIELDS "}",
		      &f, &err),
		RK_OK);
	assert_int_equal(
		check("{\"kind\": \"vn-order\", \"start\": \"2026-08-31\", \"end\": \"2027-03-01\", " ORDER_FIELDS "}",
		      &f, &err),
		RK_INVALID);
	assert_int_equal(
		check("{\"kind\": \"vn-order\", \"start\": \"2026-12-10\", \"end\": \"2026-12-09\", " ORDER_FIELDS "}",
		      &f, &err),
		RK_INVALID);
	assert_non_null(strstr(err.msg, "より前です"));
	assert_int_equal(
		check("{\"kind\": \"vn-order\", \"start\": \"2026-02-30\", \"end\": \"2026-03-09\", " ORDER_FIELDS "}",
		      &f, &err),
		RK_INVALID);
	assert_int_equal(check("{\"kind\": \"vn-order\", " ORDER_FIELDS "}", &f, &err), RK_INVALID);
	/* 特別: 14 days inclusive */
	const char *sp =
		"\"fields\": {\"condition\": \"x\", \"reason\": \"y\", \"clinic\": \"c\", \"doctor\": \"d\", \"station\": \"s\"}";
	char buf[512];
	snprintf(buf, sizeof buf, "{\"kind\": \"vn-special\", \"start\": \"2026-12-01\", \"end\": \"2026-12-14\", %s}",
		 sp);
	assert_int_equal(check(buf, &f, &err), RK_OK);
	snprintf(buf, sizeof buf, "{\"kind\": \"vn-special\", \"start\": \"2026-12-01\", \"end\": \"2026-12-15\", %s}",
		 sp);
	assert_int_equal(check(buf, &f, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "14日まで"));
	/* a report is one whole month, with days of that month */
	const char *rp = "\"fields\": {\"progress\": \"p\", \"care\": \"c\", \"author\": \"a\", \"station\": \"s\"}";
	snprintf(
		buf, sizeof buf,
		"{\"kind\": \"vn-report\", \"start\": \"2027-02-01\", \"end\": \"2027-02-28\", \"visits\": [1, 28], %s}",
		rp);
	assert_int_equal(check(buf, &f, &err), RK_OK);
	assert_int_equal(f.n_visits, 2);
	snprintf(buf, sizeof buf,
		 "{\"kind\": \"vn-report\", \"start\": \"2027-02-01\", \"end\": \"2027-02-28\", \"visits\": [29], %s}",
		 rp);
	assert_int_equal(check(buf, &f, &err), RK_INVALID);
	snprintf(
		buf, sizeof buf,
		"{\"kind\": \"vn-report\", \"start\": \"2027-02-01\", \"end\": \"2027-02-28\", \"visits\": [3, 3], %s}",
		rp);
	assert_int_equal(check(buf, &f, &err), RK_INVALID);
	snprintf(buf, sizeof buf, "{\"kind\": \"vn-report\", \"start\": \"2027-02-02\", \"end\": \"2027-02-28\", %s}",
		 rp);
	assert_int_equal(check(buf, &f, &err), RK_INVALID);
	/* a plan has no period */
	assert_int_equal(
		check("{\"kind\": \"vn-plan\", \"start\": \"2027-02-01\", \"fields\": {\"goal\": \"g\", \"problems\": "
		      "\"p\", \"author\": \"a\", \"station\": \"s\"}}",
		      &f, &err),
		RK_INVALID);
}

static void fields(void **state)
{
	(void)state;
	struct orders_form f;
	struct rk_err err;
	assert_int_equal(check("{\"kind\": \"memo\"}", &f, &err), RK_INVALID);
	assert_int_equal(check("[]", &f, &err), RK_INVALID);
	assert_int_equal(
		check("{\"kind\": \"vn-order\", \"start\": \"2026-12-01\", \"end\": \"2026-12-31\", \"fields\": "
		      "{\"diagnosis\": \"\", \"clinic\": \"c\", \"doctor\": \"d\", \"station\": \"s\"}}",
		      &f, &err),
		RK_INVALID);
	assert_non_null(strstr(err.msg, "主たる傷病名"));
	assert_int_equal(
		check("{\"kind\": \"vn-order\", \"start\": \"2026-12-01\", \"end\": \"2026-12-31\", \"fields\": "
		      "{\"diagnosis\": \"x\", \"clinic\": \"c\", \"doctor\": \"d\", \"station\": \"s\", \"shoe\": \"1\"}}",
		      &f, &err),
		RK_INVALID);
	assert_int_equal(
		check("{\"kind\": \"vn-order\", \"start\": \"2026-12-01\", \"end\": \"2026-12-31\", \"fields\": "
		      "{\"diagnosis\": \"x\\u0007\", \"clinic\": \"c\", \"doctor\": \"d\", \"station\": \"s\"}}",
		      &f, &err),
		RK_INVALID);
	assert_int_equal(
		check("{\"kind\": \"vn-order\", \"start\": \"2026-12-01\", \"end\": \"2026-12-31\", \"fields\": "
		      "{\"diagnosis\": 3, \"clinic\": \"c\", \"doctor\": \"d\", \"station\": \"s\"}}",
		      &f, &err),
		RK_INVALID);
	/* 500 bytes for 主たる傷病名: 167 three-byte characters is 501 */
	char big[2048];
	size_t len = (size_t)snprintf(big, sizeof big, "%s",
				      "{\"kind\": \"vn-order\", \"start\": \"2026-12-01\", \"end\": \"2026-12-31\", "
				      "\"fields\": {\"diagnosis\": \"");
	for (int i = 0; i < 167; i++)
		len += (size_t)snprintf(big + len, sizeof big - len, "病");
	snprintf(big + len, sizeof big - len, "\", \"clinic\": \"c\", \"doctor\": \"d\", \"station\": \"s\"}}");
	assert_int_equal(check(big, &f, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "長すぎます"));
}

static void build_parse_canonical(void **state)
{
	(void)state;
	struct orders_form f;
	struct rk_err err;
	json_t *in =
		json_loads("{\"kind\": \"vn-order\", \"start\": \"2026-12-01\", \"end\": \"2027-05-31\", \"fields\": "
			   "{\"diagnosis\": \"心不全\", \"notes\": \"<script>x</script>\\n2行目\", \"clinic\": \"c\", "
			   "\"doctor\": \"d\", \"station\": \"ひだまり\"}}",
			   0, NULL);
	rk_err_clear(&err);
	assert_int_equal(orders_check(in, &f, &err), RK_OK);
	json_t *c = orders_build(&f, "p1", "Practitioner/x", "医師 太郎", 1796083200000LL);
	json_decref(in);
	assert_non_null(c);
	struct orders_doc d;
	assert_true(orders_parse(c, &d));
	assert_int_equal(d.kind, ORDERS_VN_ORDER);
	assert_string_equal(d.start, "2026-12-01");
	assert_string_equal(d.end, "2027-05-31");
	assert_string_equal(d.author, "Practitioner/x");
	bool saw = false;
	for (size_t i = 0; i < d.n_values; i++)
		if (strcmp(d.values[i].key, "notes") == 0) {
			assert_string_equal(d.values[i].text, "<script>x</script>\n2行目");
			assert_string_equal(d.values[i].ja, "特記すべき留意事項");
			saw = true;
		}
	assert_true(saw);
	/* the narrative shows it escaped (the extension keeps it as written) */
	const char *div = NULL;
	size_t i;
	json_t *sec;
	json_array_foreach(json_object_get(c, "section"), i, sec)
	{
		if (strcmp(json_string_value(json_object_get(sec, "title")), "特記すべき留意事項") == 0)
			div = json_string_value(json_object_get(json_object_get(sec, "text"), "div"));
	}
	assert_non_null(div);
	assert_null(strstr(div, "<script>"));
	assert_non_null(strstr(div, "&lt;script&gt;x&lt;/script&gt;<br/>2行目"));
	char line[300];
	orders_summary(&d, false, line, sizeof line);
	assert_string_equal(line, "訪問看護指示書（指示期間 2026-12-01〜2027-05-31）を発行しました");
	/* the canonical form: no meta, no narrative, keys sorted */
	struct buf a, b;
	buf_init(&a, 1 << 20);
	buf_init(&b, 1 << 20);
	assert_int_equal(orders_canonical(c, "doc1", &a, &err), RK_OK);
	json_t *c2 = json_deep_copy(c);
	json_object_set_new(c2, "meta", json_pack("{s:s}", "versionId", "7"));
	json_object_set_new(c2, "text", json_pack("{s:s}", "status", "generated"));
	assert_int_equal(orders_canonical(c2, "doc1", &b, &err), RK_OK);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_int_equal(strncmp(a.data, "renkei-document-v1\nComposition/doc1\n{", 37), 0);
	buf_reset(&b);
	json_object_set_new(c2, "title", json_string("改"));
	assert_int_equal(orders_canonical(c2, "doc1", &b, &err), RK_OK);
	assert_false(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	buf_free(&a);
	buf_free(&b);
	json_decref(c2);
	json_decref(c);
	/* not one of these documents */
	json_t *other = json_pack("{s:s, s:{s:[{s:s, s:s}]}}", "resourceType", "Composition", "type", "coding",
				  "system", "http://loinc.org", "code", "18842-5");
	assert_false(orders_parse(other, &d));
	json_decref(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(periods),
		cmocka_unit_test(fields),
		cmocka_unit_test(build_parse_canonical),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
