/* test_store_contract.c — the store contract suite: the same tests, run by
 * ctest once against a SQLite file and once against a real PostgreSQL started
 * by scripts/pg-test-cluster (RENKEI_TEST_STORE_URL). Every behaviour above
 * store/ relies on these properties holding identically on both backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/textnorm.h"
#include "core/time.h"
#include "store/store.h"

static char url[1024];

/* A fresh, migrated database for each test. */
static int setup(void **state)
{
	const char *env = getenv("RENKEI_TEST_STORE_URL");
	struct rk_err err;
	rk_err_clear(&err);
	struct store *s = NULL;
	if (env && *env) {
		snprintf(url, sizeof url, "%s", env);
		if (store_open(url, NULL, &s, &err) != RK_OK) {
			fprintf(stderr, "cannot open %s: %s\n", url, err.msg);
			return -1;
		}
		if (store_exec(s, "DROP SCHEMA public CASCADE; CREATE SCHEMA public", &err) != RK_OK) {
			fprintf(stderr, "reset: %s\n", err.msg);
			return -1;
		}
	} else {
		const char *tmp = getenv("RENKEI_TEST_TMP");
		char dir[512];
		snprintf(dir, sizeof dir, "%s", tmp && *tmp ? tmp : "/tmp");
		mkdir(dir, 0700);
		snprintf(url, sizeof url, "sqlite:%s/store-contract-%d.db", dir, (int)getpid());
		unlink(url + 7);
		char side[1100];
		snprintf(side, sizeof side, "%s-wal", url + 7);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", url + 7);
		unlink(side);
		if (store_open(url, NULL, &s, &err) != RK_OK)
			return -1;
	}
	if (store_migrate(s, &err) != RK_OK) {
		fprintf(stderr, "migrate: %s\n", err.msg);
		store_close(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	store_close(*state);
	if (strncmp(url, "sqlite:", 7) == 0)
		unlink(url + 7);
	return 0;
}

#define OK(expr)                                                                      \
	do {                                                                          \
		struct rk_err e_;                                                     \
		rk_err_clear(&e_);                                                    \
		enum rk_status st_ = (expr);                                          \
		if (st_ != RK_OK)                                                     \
			fail_msg("%s -> %s: %s", #expr, rk_status_name(st_), e_.msg); \
	} while (0)

static struct rk_err E;
#define ERR (rk_err_clear(&E), &E)

/* Write type/id at version with one token index value and one string. */
static enum rk_status put(struct store *s, const char *type, const char *id, int64_t version, const char *code,
			  const char *name, int64_t when)
{
	struct buf key;
	buf_init(&key, 4096);
	textnorm_search_key(str_c(name), &key);
	struct store_index_entry ix[3] = {
		{.kind = IDX_TOKEN, .param = "identifier", .a = STR_LIT("urn:test"), .b = str_c(code)},
		{.kind = IDX_STRING, .param = "name", .a = buf_str(&key), .b = str_c(name)},
		{.kind = IDX_DATE, .param = "birthdate", .lo = when, .hi = when + 86400000},
	};
	char body[256];
	snprintf(body, sizeof body, "{\"resourceType\":\"%s\",\"id\":\"%s\",\"v\":%lld}", type, id, (long long)version);
	struct store_write w = {
		.type = type,
		.id = str_c(id),
		.version = version,
		.last_updated = when,
		.body = str_c(body),
		.source_facility = STR_LIT("2011000011"),
		.patient_id = str_c(id),
		.index = ix,
		.n_index = 3,
	};
	enum rk_status st = store_begin(s, ERR);
	if (st == RK_OK)
		st = store_resource_write(s, &w, ERR);
	if (st == RK_OK)
		st = store_commit(s, ERR);
	else
		store_rollback(s);
	buf_free(&key);
	return st;
}

static void test_migrate_idempotent(void **state)
{
	struct store *s = *state;
	int v1 = 0, v2 = 0;
	OK(store_schema_version(s, &v1, ERR));
	assert_true(v1 >= 2);
	OK(store_migrate(s, ERR));
	OK(store_schema_version(s, &v2, ERR));
	assert_int_equal(v1, v2);
}

static void test_versions_and_history(void **state)
{
	struct store *s = *state;
	struct arena a;
	arena_init(&a, 1 << 20);
	OK(put(s, "Patient", "p1", 1, "A1", "山田 太郎", 1000));
	OK(put(s, "Patient", "p1", 2, "A2", "山田 太郎", 2000));
	struct store_resource r;
	OK(store_resource_read(s, "Patient", str_c("p1"), &a, &r, ERR));
	assert_int_equal(r.version, 2);
	assert_int_equal(r.last_updated, 2000);
	assert_true(str_eq_c(r.source_facility, "2011000011"));
	assert_true(str_contains(r.body, "\"v\":2"));
	OK(store_resource_vread(s, "Patient", str_c("p1"), 1, &a, &r, ERR));
	assert_true(str_contains(r.body, "\"v\":1"));
	assert_int_equal(store_resource_vread(s, "Patient", str_c("p1"), 3, &a, &r, ERR), RK_NOT_FOUND);
	assert_int_equal(store_resource_read(s, "Patient", str_c("nope"), &a, &r, ERR), RK_NOT_FOUND);
	/* a stale writer (thinks version 1 is current) loses */
	assert_int_equal(put(s, "Patient", "p1", 2, "A3", "x", 3000), RK_CONFLICT);
	/* a second create of the same id loses */
	assert_int_equal(put(s, "Patient", "p1", 1, "A4", "x", 3000), RK_CONFLICT);
	arena_free(&a);
}

struct collect {
	int n;
	char ids[64][32];
	int64_t versions[64];
	bool deleted[64];
};

static enum rk_status collect_row(void *ctx, const struct store_resource *r)
{
	struct collect *c = ctx;
	if (c->n < 64) {
		str_copy(c->ids[c->n], sizeof c->ids[0], r->id);
		c->versions[c->n] = r->version;
		c->deleted[c->n] = r->deleted;
	}
	c->n++;
	return RK_OK;
}

static struct store_query query(const char *type, const struct store_cond *c, size_t n)
{
	return (struct store_query){.type = type, .conds = c, .n_conds = n, .count = 50, .want_total = true};
}

static void test_index_replaced_on_update(void **state)
{
	struct store *s = *state;
	OK(put(s, "Patient", "p1", 1, "OLD", "佐藤", 1000));
	OK(put(s, "Patient", "p1", 2, "NEW", "佐藤", 2000));
	struct store_value v = {.code = STR_LIT("OLD")};
	struct store_cond c = {.param = "identifier", .kind = COND_TOKEN, .values = &v, .n_values = 1};
	struct store_query q = query("Patient", &c, 1);
	struct collect got = {0};
	int64_t total;
	OK(store_search(s, &q, collect_row, &got, &total, ERR));
	assert_int_equal(total, 0);
	v.code = STR_LIT("NEW");
	OK(store_search(s, &q, collect_row, &got, &total, ERR));
	assert_int_equal(total, 1);
	assert_string_equal(got.ids[0], "p1");
}

static void test_delete_and_history(void **state)
{
	struct store *s = *state;
	OK(put(s, "Patient", "p1", 1, "A", "a", 1000));
	OK(put(s, "Patient", "p2", 1, "B", "b", 1500));
	OK(put(s, "Patient", "p1", 2, "A", "a", 2000));
	struct store_write del = {
		.type = "Patient", .id = STR_LIT("p1"), .version = 3, .last_updated = 3000, .deleted = true};
	OK(store_begin(s, ERR));
	OK(store_resource_write(s, &del, ERR));
	OK(store_commit(s, ERR));
	struct arena a;
	arena_init(&a, 1 << 20);
	struct store_resource r;
	OK(store_resource_read(s, "Patient", str_c("p1"), &a, &r, ERR));
	assert_true(r.deleted);
	arena_free(&a);
	/* a deleted resource is not found by search */
	struct store_value v = {.code = STR_LIT("A")};
	struct store_cond c = {.param = "identifier", .kind = COND_TOKEN, .values = &v, .n_values = 1};
	struct store_query q = query("Patient", &c, 1);
	struct collect got = {0};
	int64_t total;
	OK(store_search(s, &q, collect_row, &got, &total, ERR));
	assert_int_equal(total, 0);
	/* instance history: newest first, deletion included */
	struct store_history_query hq = {.type = "Patient", .id = STR_LIT("p1"), .since = INT64_MIN, .count = 10};
	memset(&got, 0, sizeof got);
	OK(store_history(s, &hq, collect_row, &got, &total, ERR));
	assert_int_equal(total, 3);
	assert_int_equal(got.versions[0], 3);
	assert_true(got.deleted[0]);
	assert_int_equal(got.versions[2], 1);
	/* type history with _since */
	struct store_history_query tq = {.type = "Patient", .since = 1500, .count = 10};
	memset(&got, 0, sizeof got);
	OK(store_history(s, &tq, collect_row, &got, &total, ERR));
	assert_int_equal(total, 3); /* p1 v3, p1 v2, p2 v1 */
	assert_string_equal(got.ids[2], "p2");
	/* paging over history */
	tq.count = 1;
	tq.offset = 1;
	memset(&got, 0, sizeof got);
	OK(store_history(s, &tq, collect_row, &got, &total, ERR));
	assert_int_equal(got.n, 1);
	assert_int_equal(got.versions[0], 2);
}

static void string_search(struct store *s, enum store_modifier mod, const char *value, int want)
{
	struct buf key, up;
	buf_init(&key, 4096);
	buf_init(&up, 4096);
	textnorm_search_key(str_c(value), &key);
	textnorm_prefix_upper(buf_str(&key), &up);
	struct store_value v = {.code = buf_str(&key), .upper = buf_str(&up)};
	char like[256];
	if (mod == MOD_CONTAINS) { /* the caller escapes LIKE metacharacters (fhir/search.c does) */
		size_t n = 0;
		like[n++] = '%';
		for (size_t i = 0; i < key.len && n < sizeof like - 3; i++) {
			if (key.data[i] == '%' || key.data[i] == '_' || key.data[i] == '\\')
				like[n++] = '\\';
			like[n++] = key.data[i];
		}
		like[n++] = '%';
		like[n] = '\0';
		v.code = str_c(like);
	} else if (mod == MOD_EXACT) {
		v.code = str_c(value);
	}
	struct store_cond c = {.param = "name", .kind = COND_STRING, .modifier = mod, .values = &v, .n_values = 1};
	struct store_query q = query("Patient", &c, 1);
	struct collect got = {0};
	int64_t total;
	OK(store_search(s, &q, collect_row, &got, &total, ERR));
	if (total != want)
		fail_msg("name%s=%s: want %d, got %lld",
			 mod == MOD_EXACT      ? ":exact"
			 : mod == MOD_CONTAINS ? ":contains"
					       : "",
			 value, want, (long long)total);
	buf_free(&key);
	buf_free(&up);
}

static void test_string_search_japanese(void **state)
{
	struct store *s = *state;
	OK(put(s, "Patient", "a", 1, "1", "ヤマダ", 1000));
	OK(put(s, "Patient", "b", 1, "2", "ヤマモト", 1000));
	OK(put(s, "Patient", "c", 1, "3", "山田", 1000));
	OK(put(s, "Patient", "d", 1, "4", "ヤマ", 1000));
	OK(put(s, "Patient", "e", 1, "5", "ヤ", 1000));
	OK(put(s, "Patient", "f", 1, "6", "髙橋", 1000));
	string_search(s, MOD_NONE, "やま", 3); /* ヤマダ ヤマモト ヤマ — byte-wise range on both backends */
	string_search(s, MOD_NONE, "ﾔﾏﾀﾞ", 1); /* half-width kana with dakuten */
	string_search(s, MOD_NONE, "山", 1);
	string_search(s, MOD_NONE, "高橋", 1); /* variant kanji folded */
	string_search(s, MOD_CONTAINS, "マモ", 1);
	string_search(s, MOD_EXACT, "ヤマ", 1);
	string_search(s, MOD_EXACT, "やま", 0);
	string_search(s, MOD_CONTAINS, "%", 0); /* LIKE metacharacters are literal */
}

static void date_search(struct store *s, enum store_prefix p, const char *value, int want)
{
	struct time_range r;
	assert_true(time_parse_fhir(str_c(value), TIME_SEARCH, &r));
	struct store_value v = {.prefix = p, .lo = r.lo, .hi = r.hi};
	struct store_cond c = {.param = "birthdate", .kind = COND_DATE, .values = &v, .n_values = 1};
	struct store_query q = query("Patient", &c, 1);
	struct collect got = {0};
	int64_t total;
	OK(store_search(s, &q, collect_row, &got, &total, ERR));
	if (total != want)
		fail_msg("birthdate prefix %d %s: want %d, got %lld", (int)p, value, want, (long long)total);
}

static void test_date_prefixes(void **state)
{
	struct store *s = *state;
	struct time_range d1, d2, d3;
	time_parse_fhir(STR_LIT("1980-05-01"), TIME_DATE, &d1);
	time_parse_fhir(STR_LIT("1980-05-20"), TIME_DATE, &d2);
	time_parse_fhir(STR_LIT("1990-01-01"), TIME_DATE, &d3);
	OK(put(s, "Patient", "a", 1, "1", "a", d1.lo));
	OK(put(s, "Patient", "b", 1, "2", "b", d2.lo));
	OK(put(s, "Patient", "c", 1, "3", "c", d3.lo));
	date_search(s, PFX_EQ, "1980-05", 2);
	date_search(s, PFX_EQ, "1980-05-01", 1);
	date_search(s, PFX_NE, "1980-05", 1);
	date_search(s, PFX_GT, "1980-05-01", 2);
	date_search(s, PFX_GE, "1980-05-01", 3);
	date_search(s, PFX_LT, "1980-05-20", 1);
	date_search(s, PFX_LE, "1980-05-20", 2);
	date_search(s, PFX_SA, "1980", 1);
	date_search(s, PFX_EB, "1990", 2);
	date_search(s, PFX_EQ, "1981", 0);
}

static void test_token_not_missing_id_sort_paging(void **state)
{
	struct store *s = *state;
	for (int i = 0; i < 7; i++) {
		char id[8], code[8];
		snprintf(id, sizeof id, "r%d", i);
		snprintf(code, sizeof code, "C%d", i % 2);
		OK(put(s, "Patient", id, 1, code, i % 2 ? "イ" : "ア", 1000 + i));
	}
	OK(put(s, "Organization", "o1", 1, "C0", "ア", 1000));
	struct collect got = {0};
	int64_t total;
	/* :not */
	struct store_value v = {.code = STR_LIT("C0")};
	struct store_cond c = {
		.param = "identifier", .kind = COND_TOKEN, .modifier = MOD_NOT, .values = &v, .n_values = 1};
	struct store_query q = query("Patient", &c, 1);
	OK(store_search(s, &q, collect_row, &got, &total, ERR));
	assert_int_equal(total, 3);
	/* system|code must match the system too */
	v = (struct store_value){.has_system = true, .system = STR_LIT("urn:other"), .code = STR_LIT("C0")};
	c.modifier = MOD_NONE;
	OK(store_search(s, &q, collect_row, &got, &total, ERR));
	assert_int_equal(total, 0);
	v.system = STR_LIT("urn:test");
	OK(store_search(s, &q, collect_row, &got, &total, ERR));
	assert_int_equal(total, 4); /* types do not mix: the Organization is not counted */
	/* :missing */
	struct store_cond m = {.param = "gender", .kind = COND_TOKEN, .modifier = MOD_MISSING, .missing = true};
	q = query("Patient", &m, 1);
	OK(store_search(s, &q, collect_row, &got, &total, ERR));
	assert_int_equal(total, 7);
	/* _id OR-list */
	struct store_value ids[2] = {{.code = STR_LIT("r1")}, {.code = STR_LIT("r5")}};
	struct store_cond ic = {.param = "_id", .kind = COND_ID, .values = ids, .n_values = 2};
	q = query("Patient", &ic, 1);
	OK(store_search(s, &q, collect_row, &got, &total, ERR));
	assert_int_equal(total, 2);
	/* sort by name then -_lastUpdated, paging with count/offset */
	struct store_sort sort[2] = {{.param = "name", .kind = COND_STRING},
				     {.param = "_lastUpdated", .kind = COND_LAST_UPDATED, .desc = true}};
	q = query("Patient", NULL, 0);
	q.sort = sort;
	q.n_sort = 2;
	q.count = 3;
	q.offset = 2;
	memset(&got, 0, sizeof got);
	OK(store_search(s, &q, collect_row, &got, &total, ERR));
	assert_int_equal(total, 7);
	assert_int_equal(got.n, 3);
	/* ア: r6 r4 r2 r0, イ: r5 r3 r1 → offset 2 gives r2 r0 r5 */
	assert_string_equal(got.ids[0], "r2");
	assert_string_equal(got.ids[1], "r0");
	assert_string_equal(got.ids[2], "r5");
	/* count 0: total only */
	q.count = 0;
	memset(&got, 0, sizeof got);
	OK(store_search(s, &q, collect_row, &got, &total, ERR));
	assert_int_equal(got.n, 0);
	assert_int_equal(total, 7);
}

static void test_registry(void **state)
{
	struct store *s = *state;
	struct arena a;
	arena_init(&a, 1 << 20);
	struct store_facility f = {.facility_code = STR_LIT("2011000011"),
				   .org_id = STR_LIT("org-1"),
				   .kind = STR_LIT("hospital"),
				   .name = STR_LIT("信州れんけい総合病院"),
				   .area = STR_LIT("長野県松本市"),
				   .active = true};
	OK(store_facility_put(s, &f, ERR));
	f.name = STR_LIT("信州れんけい総合病院 (改称)");
	OK(store_facility_put(s, &f, ERR)); /* same Organization: replaced */
	struct store_facility got;
	OK(store_facility_get(s, STR_LIT("2011000011"), &a, &got, ERR));
	assert_true(str_eq_c(got.name, "信州れんけい総合病院 (改称)"));
	assert_int_equal(store_facility_get(s, STR_LIT("9999999999"), &a, &got, ERR), RK_NOT_FOUND);
	struct store_facility other = f;
	other.org_id = STR_LIT("org-2");
	assert_int_equal(store_facility_put(s, &other, ERR), RK_CONFLICT);

	OK(store_regional_create(s, STR_LIT("1234567890128"), 1000, ERR));
	assert_int_equal(store_regional_create(s, STR_LIT("1234567890128"), 1000, ERR), RK_CONFLICT);
	OK(store_regional_exists(s, STR_LIT("1234567890128"), ERR));
	assert_int_equal(store_regional_exists(s, STR_LIT("9999999999994"), ERR), RK_NOT_FOUND);

	struct store_patient_link l1 = {.patient_id = STR_LIT("pa"),
					.facility_code = STR_LIT("2011000011"),
					.local_id = STR_LIT("0001"),
					.regional_id = STR_LIT("1234567890128"),
					.linked_at = 1};
	struct store_patient_link l2 = {.patient_id = STR_LIT("pb"),
					.facility_code = STR_LIT("2011100018"),
					.local_id = STR_LIT("0001"),
					.regional_id = STR_LIT("1234567890128"),
					.linked_at = 2};
	OK(store_link_put(s, &l1, ERR));
	OK(store_link_put(s, &l2, ERR));
	struct store_patient_link dup = l1;
	dup.patient_id = STR_LIT("pc");
	OK(store_begin(s, ERR));
	assert_int_equal(store_link_put(s, &dup, ERR), RK_CONFLICT);
	store_rollback(s);
	struct store_patient_link got_l;
	OK(store_link_by_local(s, STR_LIT("2011100018"), STR_LIT("0001"), &a, &got_l, ERR));
	assert_true(str_eq_c(got_l.patient_id, "pb"));
	OK(store_link_by_patient(s, STR_LIT("pa"), &a, &got_l, ERR));
	assert_true(str_eq_c(got_l.regional_id, "1234567890128"));
	assert_int_equal(store_link_by_patient(s, STR_LIT("zz"), &a, &got_l, ERR), RK_NOT_FOUND);
	arena_free(&a);
}

static int count_links;
static enum rk_status on_link(void *ctx, const struct store_patient_link *l)
{
	(void)ctx;
	(void)l;
	count_links++;
	return RK_OK;
}

static void test_links_by_regional(void **state)
{
	test_registry(state);
	count_links = 0;
	OK(store_links_by_regional(*state, STR_LIT("1234567890128"), on_link, NULL, ERR));
	assert_int_equal(count_links, 2);
}

static void test_rollback_leaves_nothing(void **state)
{
	struct store *s = *state;
	struct store_write w = {
		.type = "Patient", .id = STR_LIT("gone"), .version = 1, .last_updated = 1, .body = STR_LIT("{}")};
	OK(store_begin(s, ERR));
	OK(store_resource_write(s, &w, ERR));
	OK(store_regional_create(s, STR_LIT("1234567890128"), 1, ERR));
	store_rollback(s);
	struct arena a;
	arena_init(&a, 1 << 16);
	struct store_resource r;
	assert_int_equal(store_resource_read(s, "Patient", STR_LIT("gone"), &a, &r, ERR), RK_NOT_FOUND);
	assert_int_equal(store_regional_exists(s, STR_LIT("1234567890128"), ERR), RK_NOT_FOUND);
	arena_free(&a);
	/* writing outside a transaction is refused */
	assert_int_equal(store_resource_write(s, &w, ERR), RK_INTERNAL);
}

/* Levels nest as savepoints: an inner rollback undoes only its level, an
 * inner commit only hands its writes to the outer level, and after a failed
 * statement (which aborts a PostgreSQL transaction) rolling back the inner
 * level leaves the outer one usable. */
static void test_nested_transactions(void **state)
{
	struct store *s = *state;
	struct arena a;
	arena_init(&a, 1 << 16);
	struct store_resource r;
	assert_false(store_in_tx(s));
	OK(store_begin(s, ERR));
	assert_true(store_in_tx(s));
	OK(store_regional_create(s, STR_LIT("1111111111111"), 1, ERR)); /* outer */
	OK(store_begin(s, ERR));
	OK(store_regional_create(s, STR_LIT("2222222222222"), 1, ERR)); /* inner, rolled back */
	store_rollback(s);
	assert_true(store_in_tx(s));
	OK(store_begin(s, ERR));
	struct store_write w = {
		.type = "Patient", .id = STR_LIT("kept"), .version = 1, .last_updated = 1, .body = STR_LIT("{}")};
	OK(store_resource_write(s, &w, ERR)); /* inner, committed into the outer level */
	OK(store_begin(s, ERR));              /* a third level that fails */
	assert_int_equal(store_regional_create(s, STR_LIT("1111111111111"), 1, ERR), RK_CONFLICT);
	store_rollback(s);
	OK(store_commit(s, ERR));
	OK(store_regional_create(s, STR_LIT("3333333333333"), 1, ERR)); /* the outer level still works */
	OK(store_commit(s, ERR));
	assert_false(store_in_tx(s));
	OK(store_regional_exists(s, STR_LIT("1111111111111"), ERR));
	assert_int_equal(store_regional_exists(s, STR_LIT("2222222222222"), ERR), RK_NOT_FOUND);
	OK(store_regional_exists(s, STR_LIT("3333333333333"), ERR));
	OK(store_resource_read(s, "Patient", STR_LIT("kept"), &a, &r, ERR));

	/* an inner commit is not durable by itself: the outer rollback takes it */
	OK(store_begin(s, ERR));
	OK(store_begin(s, ERR));
	OK(store_regional_create(s, STR_LIT("4444444444444"), 1, ERR));
	OK(store_commit(s, ERR));
	store_rollback(s);
	assert_false(store_in_tx(s));
	assert_int_equal(store_regional_exists(s, STR_LIT("4444444444444"), ERR), RK_NOT_FOUND);
	/* closing with levels open rolls all of them back (teardown closes) */
	OK(store_begin(s, ERR));
	OK(store_begin(s, ERR));
	OK(store_regional_create(s, STR_LIT("5555555555555"), 1, ERR));
	arena_free(&a);
}

/* store_begin_lazy: on SQLite no transaction (and no write lock: another
 * connection writes meanwhile) until the first write or store_begin, then
 * every pending level opens; levels never opened commit and roll back as
 * nothing. On PostgreSQL a plain store_begin. */
static void test_lazy_levels(void **state)
{
	struct store *s = *state;
	bool lite = store_backend_of(s) == STORE_SQLITE;
	OK(store_begin_lazy(s, ERR));
	OK(store_begin_lazy(s, ERR));
	assert_true(store_in_tx(s) == !lite);
	assert_int_equal(store_regional_exists(s, STR_LIT("6666666666666"), ERR), RK_NOT_FOUND); /* a read */
	assert_true(store_in_tx(s) == !lite);
	struct store *other = NULL;
	OK(store_open(url, NULL, &other, ERR));
	OK(store_regional_create(other, STR_LIT("6666666666666"), 1, ERR)); /* not blocked by a lock */
	store_close(other);
	OK(store_commit(s, ERR));
	OK(store_commit(s, ERR));
	assert_false(store_in_tx(s));
	assert_false(store_cancel_pending(s));

	/* the first write opens both levels: the outer rollback takes it */
	OK(store_begin_lazy(s, ERR));
	OK(store_begin_lazy(s, ERR));
	OK(store_regional_create(s, STR_LIT("7777777777777"), 1, ERR));
	assert_true(store_in_tx(s));
	assert_false(store_cancel_pending(s));
	OK(store_commit(s, ERR));
	assert_true(store_in_tx(s));
	store_rollback(s);
	assert_false(store_in_tx(s));
	assert_int_equal(store_regional_exists(s, STR_LIT("7777777777777"), ERR), RK_NOT_FOUND);

	/* an explicit store_begin opens them too, below its own level */
	OK(store_begin_lazy(s, ERR));
	OK(store_begin(s, ERR));
	OK(store_regional_create(s, STR_LIT("8888888888888"), 1, ERR));
	OK(store_commit(s, ERR));
	assert_true(store_in_tx(s));
	OK(store_commit(s, ERR));
	assert_false(store_in_tx(s));
	OK(store_regional_exists(s, STR_LIT("8888888888888"), ERR));

	/* nothing written: the pending levels are dropped */
	OK(store_begin_lazy(s, ERR));
	assert_true(store_cancel_pending(s) == lite);
	if (!lite)
		store_rollback(s);
	assert_false(store_in_tx(s));
}

static void test_statement_cache_eviction(void **state)
{
	struct store *s = *state;
	/* More distinct statements than the cache holds: old ones are evicted and
	 * re-prepared transparently. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 300; i++) {
			char sql[64];
			snprintf(sql, sizeof sql, "SELECT %d + ?", i);
			struct store_stmt *st;
			OK(store_prepare(s, sql, &st, ERR));
			store_bind_i64(st, 1, 1);
			bool row = false;
			OK(store_step(st, &row, ERR));
			assert_true(row);
			assert_int_equal(store_col_i64(st, 0), i + 1);
			store_done(st);
		}
	}
}

static void test_text_roundtrip(void **state)
{
	struct store *s = *state;
	const char *body = "{\"name\":\"𠮷田 髙橋 ｱｲｳ \\\"quoted\\\" 'single' \\\\ ? $1\"}";
	struct store_write w = {
		.type = "Practitioner", .id = STR_LIT("x"), .version = 1, .last_updated = 5, .body = str_c(body)};
	OK(store_begin(s, ERR));
	OK(store_resource_write(s, &w, ERR));
	OK(store_commit(s, ERR));
	struct arena a;
	arena_init(&a, 1 << 16);
	struct store_resource r;
	OK(store_resource_read(s, "Practitioner", STR_LIT("x"), &a, &r, ERR));
	assert_true(str_eq_c(r.body, body));
	assert_int_equal(r.source_facility.len, 0); /* NULL columns read back empty */
	arena_free(&a);
}

/* No message of the store speaks of the database itself: the client gets
 * words for what happened, err->code the kind, the log the library's text. */
static void assert_clean(const struct rk_err *e)
{
	static const char *const words[] = {
		"UNIQUE",   "unique",           "constraint",       "duplicate key", "violates",
		"relation", "regional_patient", "resource_history", "no_such_table", "syntax",
		"ERROR",    "SQLSTATE",         "sqlite",           "SQLite",        "PQ"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(e->msg, words[i]))
			fail_msg("the message speaks of the database ('%s'): %s", words[i], e->msg);
	assert_true(strlen(e->msg) > 20);
}

static void test_errors_are_clean(void **state)
{
	struct store *s = *state;
	OK(put(s, "Patient", "p1", 1, "A1", "x", 1000));
	assert_int_equal(put(s, "Patient", "p1", 1, "A2", "x", 2000), RK_CONFLICT);
	assert_string_equal(E.code, "version_conflict");
	assert_non_null(strstr(E.msg, "Patient/p1"));
	assert_clean(&E);
	assert_int_equal(put(s, "Patient", "p1", 5, "A2", "x", 2000), RK_CONFLICT);
	assert_string_equal(E.code, "version_conflict");
	assert_clean(&E);
	OK(store_regional_create(s, STR_LIT("1234567890128"), 1000, ERR));
	assert_int_equal(store_regional_create(s, STR_LIT("1234567890128"), 1000, ERR), RK_CONFLICT);
	assert_string_equal(E.code, "db_conflict");
	assert_clean(&E);
	assert_int_equal(store_exec(s, "SELECT * FROM no_such_table", ERR), RK_DB);
	assert_string_equal(E.code, "db_error");
	assert_clean(&E);
	struct store_stmt *st;
	assert_int_equal(store_prepare(s, "SELEC nonsense", &st, ERR), RK_DB);
	assert_clean(&E);
}

static void test_read_for_write(void **state)
{
	struct store *s = *state;
	struct arena a;
	arena_init(&a, 1 << 16);
	struct store_resource r;
	OK(put(s, "Patient", "p1", 1, "A1", "x", 1000));
	assert_int_equal(store_resource_read_for_write(s, "Patient", STR_LIT("p1"), &a, &r, ERR), RK_INTERNAL);
	OK(store_begin(s, ERR));
	OK(store_resource_read_for_write(s, "Patient", STR_LIT("p1"), &a, &r, ERR));
	assert_int_equal(r.version, 1);
	assert_true(str_contains(r.body, "\"v\":1"));
	/* no row: the name is locked instead, and the answer is still "not there" */
	assert_int_equal(store_resource_read_for_write(s, "Patient", STR_LIT("new"), &a, &r, ERR), RK_NOT_FOUND);
	assert_int_equal(store_resource_read_for_write(s, "Patient", STR_LIT("new"), &a, &r, ERR), RK_NOT_FOUND);
	OK(store_commit(s, ERR));
	arena_free(&a);
}

/* PostgreSQL: cut this connection from another one, as a server restart or
 * pg_terminate_backend would. */
static void cut(struct store *s)
{
	struct store *killer = NULL;
	OK(store_open(url, NULL, &killer, ERR));
	struct store_stmt *st;
	OK(store_prepare(s, "SELECT pg_backend_pid()", &st, ERR));
	bool row = false;
	OK(store_step(st, &row, ERR));
	assert_true(row);
	int64_t pid = store_col_i64(st, 0);
	store_done(st);
	OK(store_prepare(killer, "SELECT pg_terminate_backend(?::integer)", &st, ERR));
	store_bind_i64(st, 1, pid);
	OK(store_run(st, ERR));
	store_done(st);
	store_close(killer);
}

static void expect_unreachable(enum rk_status rc)
{
	assert_int_equal(rc, RK_BUSY);
	assert_string_equal(E.code, "db_unreachable");
	assert_clean(&E);
}

static void test_lost_connection(void **state)
{
	struct store *s = *state;
	if (store_backend_of(s) != STORE_POSTGRES)
		skip(); /* a SQLite file does not hang up */
	struct store_stmt *held, *st;
	/* Outside a transaction: one failure, then a new connection with the
	 * session's settings, and statements held across it stay valid. */
	OK(store_prepare(s, "SELECT 1", &held, ERR));
	cut(s);
	expect_unreachable(store_exec(s, "SELECT 2", ERR));
	OK(store_prepare(s, "SHOW lock_timeout", &st, ERR));
	bool row = false;
	OK(store_step(st, &row, ERR));
	assert_true(row);
	assert_true(str_eq_c(store_col_text(st, 0), "5s"));
	store_done(st);
	store_done(held); /* prepared on the connection that is gone */
	/* Inside a transaction: everything fails until the rollback; nothing
	 * runs on a new connection outside the transaction. */
	OK(store_begin(s, ERR));
	cut(s);
	expect_unreachable(store_exec(s, "SELECT 1", ERR));
	expect_unreachable(store_regional_create(s, STR_LIT("1234567890128"), 1, ERR));
	store_rollback(s);
	assert_int_equal(store_regional_exists(s, STR_LIT("1234567890128"), ERR), RK_NOT_FOUND);
	/* A commit cut off: it may have been applied, and the message says so. */
	OK(store_begin(s, ERR));
	OK(store_regional_create(s, STR_LIT("1234567890128"), 1, ERR));
	cut(s);
	expect_unreachable(store_commit(s, ERR));
	assert_non_null(strstr(E.msg, "may or may not have been stored"));
	OK(store_exec(s, "SELECT 1", ERR));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_versions_and_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_replaced_on_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_and_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_search_japanese, setup, teardown),
		cmocka_unit_test_setup_teardown(test_date_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_not_missing_id_sort_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_by_regional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lazy_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statement_cache_eviction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_are_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_for_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_connection, setup, teardown),
	};
	const char *env = getenv("RENKEI_TEST_STORE_URL");
	return cmocka_run_group_tests_name(env && *env ? "store contract (PostgreSQL)" : "store contract (SQLite)",
					   tests, NULL, NULL);
}
