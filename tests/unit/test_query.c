/* test_query.c — the consent-filtered query engine (query/query.h) against a
 * real database: a fresh SQLite file, or the PostgreSQL test cluster when
 * RENKEI_TEST_STORE_URL is set (the second ctest entry). A small region is
 * written through the fhir/ write path by a trusted writer — three
 * facilities, patients with and without consent, a person registered at two
 * facilities — and then read as different principals: paging and next
 * offsets, totals that count only visible rows, _include/_revinclude only
 * of visible records, $everything across one person's registrations within
 * the consent, history and PIX. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "access/enforce.h"
#include "config/config.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/jpcore.h"
#include "fhir/resource.h"
#include "fhir/search.h"
#include "query/query.h"
#include "store/store.h"

#define S_FAC "2011000011" /* discloses: every record is written here */
#define F_FAC "2011000029" /* views with consent; also registers the shared person */
#define O_FAC "2011100018" /* has no consent for anyone */

#define OK(x) assert_int_equal((x), RK_OK)

struct world {
	struct store *s;
	struct config cfg;
	struct arena arena;
	char url[1024];
	char p_consent[72], p_hidden[72], p_shared_s[72], p_shared_f[72];
	char regional_shared[32];
	int64_t since_mid; /* after the first version of p_consent's first condition */
	char cond_first[72];
};

static struct rk_err E;

static struct fhir_ctx writer(struct world *w)
{
	return (struct fhir_ctx){.store = w->s,
				 .arena = &w->arena,
				 .cfg = &w->cfg,
				 .now = time_now_ms(),
				 .trusted = true,
				 .actor_facility = "",
				 .actor_account = ""};
}

/* Write a resource given as JSON text (printf format); its id into id_out (may be NULL). */
static void write_json(struct world *w, const char *put_id, char *id_out, const char *fmt, ...)
{
	char text[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	json_error_t je;
	json_t *res = json_loads(text, 0, &je);
	if (!res)
		fail_msg("bad JSON: %s: %s", je.text, text);
	const char *type = json_string_value(json_object_get(res, "resourceType"));
	const struct fhir_resource_def *def = fhir_resource_find(type, strlen(type));
	assert_non_null(def);
	if (put_id && !json_object_get(res, "id"))
		json_object_set_new(res, "id", json_string(put_id));
	type = def->name; /* res's own string goes with it */
	struct fhir_ctx ctx = writer(w);
	struct fhir_result out;
	rk_err_clear(&E);
	enum rk_status rc = put_id ? fhir_update(&ctx, def, str_c(put_id), res, 0, &out, &E)
				   : fhir_create(&ctx, def, res, &out, &E);
	json_decref(res);
	if (rc != RK_OK)
		fail_msg("write %s: %s", type, E.msg);
	if (id_out)
		snprintf(id_out, 72, "%.*s", STR_FMT(out.id));
}

static void facility(struct world *w, const char *code, const char *kind)
{
	char id[32];
	snprintf(id, sizeof id, "org-%s", code);
	write_json(
		w, id, NULL,
		"{\"resourceType\":\"Organization\",\"identifier\":[{\"system\":\"%s\",\"value\":\"%s\"}],\"active\":true,"
		"\"type\":[{\"coding\":[{\"system\":\"%s\",\"code\":\"%s\"}]}],\"name\":\"施設%s\"}",
		JP_FACILITY_CODE_SYSTEM, code, RK_FACILITY_KIND_SYSTEM, kind, code);
}

static void patient(struct world *w, const char *fac, const char *local, const char *regional, char *id_out)
{
	char reg[160] = "";
	if (regional)
		snprintf(reg, sizeof reg, ",{\"system\":\"%s\",\"value\":\"%s\"}", w->cfg.region_id_system, regional);
	write_json(
		w, NULL, id_out,
		"{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"%s%s\",\"value\":\"%s\"}%s],"
		"\"name\":[{\"family\":\"試験\",\"given\":[\"%s\"]}],\"gender\":\"female\",\"birthDate\":\"1950-04-01\"}",
		JP_LOCAL_PATIENT_SYSTEM_PREFIX, fac, local, reg, local);
}

/* An individual consent: source discloses to viewer (NULL: to every facility the person is registered with). */
static void consent(struct world *w, const char *pid, const char *source, const char *viewer)
{
	char viewer_actor[256] = "";
	if (viewer)
		snprintf(
			viewer_actor, sizeof viewer_actor,
			",{\"role\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ParticipationType\","
			"\"code\":\"IRCP\"}]},\"reference\":{\"reference\":\"Organization/org-%s\"}}",
			viewer);
	write_json(
		w, NULL, NULL,
		"{\"resourceType\":\"Consent\",\"status\":\"active\",\"scope\":{\"coding\":[{\"system\":"
		"\"http://terminology.hl7.org/CodeSystem/consentscope\",\"code\":\"patient-privacy\"}]},"
		"\"category\":[{\"coding\":[{\"system\":\"urn:renkei:CodeSystem:consent-kind\",\"code\":\"individual\"}]}],"
		"\"patient\":{\"reference\":\"Patient/%s\"},\"dateTime\":\"2026-01-05\",\"provision\":{\"type\":\"permit\","
		"\"actor\":[{\"role\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ParticipationType\","
		"\"code\":\"CST\"}]},\"reference\":{\"reference\":\"Organization/org-%s\"}}%s]}}",
		pid, source, viewer_actor);
}

static void condition(struct world *w, const char *pid, const char *icd, char *id_out)
{
	write_json(w, NULL, id_out,
		   "{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/%s\"},"
		   "\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10\",\"code\":\"%s\"}]}}",
		   pid, icd);
}

static void observation(struct world *w, const char *pid, double value)
{
	write_json(
		w, NULL, NULL,
		"{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":\"Patient/%s\"},"
		"\"code\":{\"coding\":[{\"system\":\"urn:oid:1.2.392.200119.4.504\",\"code\":\"3D046000001920402\"}]},"
		"\"effectiveDateTime\":\"2026-03-01\",\"valueQuantity\":{\"value\":%.1f,\"unit\":\"%%\"}}",
		pid, value);
}

/* The region: p_consent (S, consent S → F, 5 conditions), p_hidden (S, no
 * consent, 3 conditions), and one person registered at S and F (consent S →
 * every facility of the person; 2 observations at S, 1 at F). */
static int setup(void **state)
{
	struct world *w = calloc(1, sizeof *w);
	struct rk_err err;
	rk_err_clear(&err);
	config_defaults(&w->cfg);
	arena_init(&w->arena, RK_MAX_REQUEST_MEM);
	const char *env = getenv("RENKEI_TEST_STORE_URL");
	if (env && *env) {
		snprintf(w->url, sizeof w->url, "%s", env);
		if (store_open(w->url, NULL, &w->s, &err) != RK_OK ||
		    store_exec(w->s, "DROP SCHEMA public CASCADE; CREATE SCHEMA public", &err) != RK_OK) {
			fprintf(stderr, "postgresql: %s\n", err.msg);
			return -1;
		}
	} else {
		const char *tmp = getenv("RENKEI_TEST_TMP");
		char dir[512];
		snprintf(dir, sizeof dir, "%s", tmp && *tmp ? tmp : "/tmp");
		mkdir(dir, 0700);
		snprintf(w->url, sizeof w->url, "sqlite:%s/query-%d.db", dir, (int)getpid());
		unlink(w->url + 7);
		if (store_open(w->url, NULL, &w->s, &err) != RK_OK)
			return -1;
	}
	if (store_migrate(w->s, &err) != RK_OK) {
		fprintf(stderr, "migrate: %s\n", err.msg);
		return -1;
	}
	facility(w, S_FAC, "hospital");
	facility(w, F_FAC, "hospital");
	facility(w, O_FAC, "clinic");
	patient(w, S_FAC, "Q1", NULL, w->p_consent);
	consent(w, w->p_consent, S_FAC, F_FAC);
	static const char *icd[] = {"I10", "E11", "J45", "K21", "M17"};
	for (int i = 0; i < 5; i++)
		condition(w, w->p_consent, icd[i], i == 0 ? w->cond_first : NULL);
	patient(w, S_FAC, "Q2", NULL, w->p_hidden);
	for (int i = 0; i < 3; i++)
		condition(w, w->p_hidden, icd[i], NULL);
	patient(w, S_FAC, "Q3", NULL, w->p_shared_s);
	struct store_patient_link l;
	OK(store_link_by_patient(w->s, str_c(w->p_shared_s), &w->arena, &l, &err));
	snprintf(w->regional_shared, sizeof w->regional_shared, "%.*s", STR_FMT(l.regional_id));
	patient(w, F_FAC, "F3", w->regional_shared, w->p_shared_f);
	consent(w, w->p_shared_s, S_FAC, NULL);
	observation(w, w->p_shared_s, 6.1);
	observation(w, w->p_shared_s, 6.4);
	observation(w, w->p_shared_f, 7.0);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	store_close(w->s);
	if (!strncmp(w->url, "sqlite:", 7))
		unlink(w->url + 7);
	arena_reset(&w->arena);
	config_free(&w->cfg);
	free(w);
	return 0;
}

/* A principal of a facility, its access context and a query context that
 * records what is served. */
struct as {
	struct principal who;
	struct access_ctx ax;
	struct query_ctx q;
	char served[64][96];
	int n_served;
};

static void served(void *arg, struct str type, struct str id, int64_t version, const struct access_decision *d,
		   const char *regional)
{
	(void)version;
	(void)regional;
	struct as *a = arg;
	assert_true(d->permit);
	if (a->n_served < 64)
		snprintf(a->served[a->n_served++], 96, "%.*s/%.*s", STR_FMT(type), STR_FMT(id));
}

static void as(struct world *w, struct as *a, enum role role, const char *facility, const char *account)
{
	memset(a, 0, sizeof *a);
	a->who.kind = PRINCIPAL_STAFF;
	a->who.role = role;
	a->who.licensed = true;
	snprintf(a->who.facility, sizeof a->who.facility, "%s", facility);
	snprintf(a->who.facility_kind, sizeof a->who.facility_kind, "hospital");
	snprintf(a->who.account, sizeof a->who.account, "%s", account);
	access_ctx_init(&a->ax, w->s, &w->arena, &a->who, time_now_ms());
	a->q = (struct query_ctx){
		.store = w->s, .access = &a->ax, .arena = &w->arena, .served = served, .served_arg = a};
}

/* Rows as "Type/id" with their mode. */
struct rows {
	char id[64][96];
	enum query_mode mode[64];
	int n;
};

static enum rk_status collect(void *arg, const struct query_row *row)
{
	struct rows *r = arg;
	assert_true(row->decision == NULL || row->decision->permit);
	if (r->n < 64) {
		snprintf(r->id[r->n], 96, "%.*s/%.*s", STR_FMT(row->r->type), STR_FMT(row->r->id));
		r->mode[r->n++] = row->mode;
	}
	return RK_OK;
}

static bool has(const struct rows *r, const char *type, const char *id, enum query_mode mode)
{
	char want[96];
	snprintf(want, sizeof want, "%s/%s", type, id);
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->id[i], want) && r->mode[i] == mode)
			return true;
	return false;
}

/* Parse a search of type (a query string of decoded pairs "k=v&k=v"). */
static void parse(struct world *w, const char *type, const char *query, struct fhir_search *fs)
{
	struct str_pair pairs[16];
	size_t n = 0;
	char *copy = arena_strdup(&w->arena, query);
	for (char *p = copy; p && *p && n < 16;) {
		char *amp = strchr(p, '&');
		if (amp)
			*amp = '\0';
		char *eq = strchr(p, '=');
		assert_non_null(eq);
		*eq = '\0';
		pairs[n].key = str_c(p);
		pairs[n].value = str_c(eq + 1);
		n++;
		p = amp ? amp + 1 : NULL;
	}
	struct fhir_search_opts o = {.default_count = 20, .max_count = 100, .now = time_now_ms()};
	rk_err_clear(&E);
	const struct fhir_resource_def *def = fhir_resource_find(type, strlen(type));
	if (fhir_search_parse(def, pairs, n, &o, &w->arena, fs, &E) != RK_OK)
		fail_msg("parse %s?%s: %s", type, query, E.msg);
}

static enum rk_status search(struct world *w, struct as *a, const char *type, const char *query, struct rows *rows,
			     struct query_page *pg)
{
	struct fhir_search fs;
	parse(w, type, query, &fs);
	memset(rows, 0, sizeof *rows);
	rk_err_clear(&E);
	return query_search(&a->q, fhir_resource_find(type, strlen(type)), &fs, collect, rows, pg, &E);
}

static void test_paging_and_totals(void **state)
{
	struct world *w = *state;
	struct as f;
	as(w, &f, ROLE_DOCTOR, F_FAC, "dr.f");
	struct rows rows;
	struct query_page pg;
	/* Eight conditions are stored; F may see p_consent's five only. */
	OK(search(w, &f, "Condition", "_total=accurate&_count=2", &rows, &pg));
	assert_int_equal(pg.total, 5);
	assert_int_equal(pg.n_rows, 2);
	assert_int_equal(rows.n, 2);
	assert_true(pg.has_more);
	assert_int_equal(pg.next_offset, 2);
	assert_int_equal(pg.prev_offset, -1);
	assert_int_equal(f.n_served, 2); /* each served row is reported for the audit entry */
	OK(search(w, &f, "Condition", "_total=accurate&_count=2&_offset=4", &rows, &pg));
	assert_int_equal(pg.n_rows, 1);
	assert_false(pg.has_more);
	assert_int_equal(pg.next_offset, -1);
	assert_int_equal(pg.prev_offset, 2);
	/* With _total=none the total is not counted, and paging still counts only visible rows. */
	OK(search(w, &f, "Condition", "_total=none&_count=3&_offset=3", &rows, &pg));
	assert_int_equal(pg.total, -1);
	assert_int_equal(pg.n_rows, 2);
	assert_false(pg.has_more);
	assert_int_equal(pg.next_offset, -1);
	/* The hidden patient's records are not there, even asked for by patient. */
	char q[128];
	snprintf(q, sizeof q, "patient=Patient/%s&_total=accurate", w->p_hidden);
	OK(search(w, &f, "Condition", q, &rows, &pg));
	assert_int_equal(pg.total, 0);
	assert_int_equal(rows.n, 0);
	/* A facility without consent sees none; S, which wrote them, all eight. */
	struct as o, s;
	as(w, &o, ROLE_DOCTOR, O_FAC, "dr.o");
	OK(search(w, &o, "Condition", "_total=accurate", &rows, &pg));
	assert_int_equal(pg.total, 0);
	assert_int_equal(o.n_served, 0);
	as(w, &s, ROLE_DOCTOR, S_FAC, "dr.s");
	OK(search(w, &s, "Condition", "_total=accurate&_count=100", &rows, &pg));
	assert_int_equal(pg.total, 8);
	assert_int_equal(rows.n, 8);
	/* _count=0 (_summary=count): the total only. */
	OK(search(w, &f, "Condition", "_summary=count", &rows, &pg));
	assert_int_equal(pg.total, 5);
	assert_int_equal(rows.n, 0);
	/* The directory is searched unrestricted and paged by one extra row. */
	OK(search(w, &o, "Organization", "_total=none&_count=2", &rows, &pg));
	assert_int_equal(rows.n, 2);
	assert_true(pg.has_more);
	assert_int_equal(pg.next_offset, 2);
	assert_int_equal(o.n_served, 0); /* the directory is not patient data */
}

static void test_includes_only_visible(void **state)
{
	struct world *w = *state;
	struct as f;
	as(w, &f, ROLE_DOCTOR, F_FAC, "dr.f");
	struct rows rows;
	struct query_page pg;
	/* Conditions with their subjects: the visible patient once, never the hidden one. */
	OK(search(w, &f, "Condition", "_include=Condition:subject&_count=100", &rows, &pg));
	assert_int_equal(pg.n_rows, 5);
	assert_int_equal(pg.n_included, 1);
	assert_true(has(&rows, "Patient", w->p_consent, QUERY_INCLUDE));
	assert_false(has(&rows, "Patient", w->p_hidden, QUERY_INCLUDE));
	/* Patients with the conditions that point at them: the hidden patient is
	 * no match, and its conditions are not included. */
	OK(search(w, &f, "Patient", "_revinclude=Condition:subject&_count=100&_total=accurate", &rows, &pg));
	assert_false(has(&rows, "Patient", w->p_hidden, QUERY_MATCH));
	assert_true(has(&rows, "Patient", w->p_consent, QUERY_MATCH));
	assert_int_equal(pg.n_included, 5);
	for (int i = 0; i < rows.n; i++)
		if (rows.mode[i] == QUERY_INCLUDE)
			assert_true(!strncmp(rows.id[i], "Condition/", 10));
	/* S sees the hidden patient and its three conditions too. */
	struct as s;
	as(w, &s, ROLE_DOCTOR, S_FAC, "dr.s");
	OK(search(w, &s, "Patient", "_revinclude=Condition:subject&_count=100", &rows, &pg));
	assert_true(has(&rows, "Patient", w->p_hidden, QUERY_MATCH));
	assert_int_equal(pg.n_included, 8);
	/* An include on a page the principal cannot see anything of: nothing. */
	struct as o;
	as(w, &o, ROLE_DOCTOR, O_FAC, "dr.o");
	OK(search(w, &o, "Condition", "_include=Condition:subject", &rows, &pg));
	assert_int_equal(rows.n, 0);
	assert_int_equal(o.n_served, 0);
}

static void test_match(void **state)
{
	struct world *w = *state;
	struct as f, o;
	as(w, &f, ROLE_DOCTOR, F_FAC, "dr.f");
	as(w, &o, ROLE_DOCTOR, O_FAC, "dr.o");
	char q[160];
	snprintf(q, sizeof q, "identifier=%s%s|Q1", JP_LOCAL_PATIENT_SYSTEM_PREFIX, S_FAC);
	struct fhir_search fs;
	int64_t n = -1;
	struct store_resource one;
	parse(w, "Patient", q, &fs);
	OK(query_match(&f.q, fhir_resource_find("Patient", 7), &fs, &n, &one, &E));
	assert_int_equal(n, 1);
	assert_true(str_eq_c(one.id, w->p_consent));
	assert_int_equal(f.n_served, 1);
	/* O may not see it: for O it does not match. */
	parse(w, "Patient", q, &fs);
	OK(query_match(&o.q, fhir_resource_find("Patient", 7), &fs, &n, &one, &E));
	assert_int_equal(n, 0);
	assert_int_equal(o.n_served, 0);
}

static void test_everything(void **state)
{
	struct world *w = *state;
	struct as f, o;
	as(w, &f, ROLE_DOCTOR, F_FAC, "dr.f");
	as(w, &o, ROLE_DOCTOR, O_FAC, "dr.o");
	struct rows rows = {0};
	struct query_page pg;
	/* From F's own registration: both registrations and every observation of the person. */
	struct query_everything in = {.patient_id = str_c(w->p_shared_f), .since = INT64_MIN, .count = 100};
	OK(query_everything(&f.q, &in, collect, &rows, &pg, &E));
	assert_true(has(&rows, "Patient", w->p_shared_s, QUERY_MATCH));
	assert_true(has(&rows, "Patient", w->p_shared_f, QUERY_MATCH));
	int obs = 0;
	for (int i = 0; i < rows.n; i++)
		obs += !strncmp(rows.id[i], "Observation/", 12);
	assert_int_equal(obs, 3);
	int64_t all = pg.total;
	assert_int_equal(all, rows.n);
	/* Paged. */
	memset(&rows, 0, sizeof rows);
	in.count = 2;
	in.offset = 2;
	OK(query_everything(&f.q, &in, collect, &rows, &pg, &E));
	assert_int_equal(pg.total, all);
	assert_int_equal(rows.n, 2);
	assert_int_equal(pg.prev_offset, 0);
	assert_int_equal(pg.next_offset, all > 4 ? 4 : -1);
	/* _type narrows it. */
	static const char *const only_obs[] = {"Observation"};
	memset(&rows, 0, sizeof rows);
	in = (struct query_everything){
		.patient_id = str_c(w->p_shared_s), .types = only_obs, .n_types = 1, .since = INT64_MIN, .count = 100};
	OK(query_everything(&f.q, &in, collect, &rows, &pg, &E));
	assert_int_equal(pg.total, 3);
	/* O may not know of the person: it is not known. */
	memset(&rows, 0, sizeof rows);
	rk_err_clear(&E);
	assert_int_equal(query_everything(&o.q, &in, collect, &rows, &pg, &E), RK_NOT_FOUND);
	assert_non_null(strstr(E.msg, "is not known"));
	assert_int_equal(rows.n, 0);
	/* F and the patient without consent for F: not known either. */
	in.patient_id = str_c(w->p_hidden);
	in.types = NULL;
	in.n_types = 0;
	rk_err_clear(&E);
	assert_int_equal(query_everything(&f.q, &in, collect, &rows, &pg, &E), RK_NOT_FOUND);
	/* p_consent's record as F sees it: its five conditions. */
	memset(&rows, 0, sizeof rows);
	in.patient_id = str_c(w->p_consent);
	OK(query_everything(&f.q, &in, collect, &rows, &pg, &E));
	int cond = 0;
	for (int i = 0; i < rows.n; i++)
		cond += !strncmp(rows.id[i], "Condition/", 10);
	assert_int_equal(cond, 5);
}

static void test_history(void **state)
{
	struct world *w = *state;
	/* A second version of the first condition. */
	write_json(w, w->cond_first, NULL,
		   "{\"resourceType\":\"Condition\",\"id\":\"%s\",\"subject\":{\"reference\":\"Patient/%s\"},"
		   "\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10\",\"code\":\"I11\"}]}}",
		   w->cond_first, w->p_consent);
	struct as f, o;
	as(w, &f, ROLE_DOCTOR, F_FAC, "dr.f");
	as(w, &o, ROLE_DOCTOR, O_FAC, "dr.o");
	struct rows rows = {0};
	struct query_page pg;
	struct query_history in = {.type = "Condition", .id = str_c(w->cond_first), .since = INT64_MIN, .count = 1};
	OK(query_history(&f.q, &in, collect, &rows, &pg, &E));
	assert_int_equal(pg.total, 2);
	assert_int_equal(rows.n, 1);
	assert_int_equal(pg.next_offset, 1);
	assert_int_equal(f.n_served, 1);
	rk_err_clear(&E);
	assert_int_equal(query_history(&o.q, &in, collect, &rows, &pg, &E), RK_NOT_FOUND);
	assert_int_equal(o.n_served, 0);
	/* The type's history: F counts the six versions of p_consent's five
	 * conditions; S all nine. */
	in = (struct query_history){.type = "Condition", .since = INT64_MIN, .count = 100};
	memset(&rows, 0, sizeof rows);
	OK(query_history(&f.q, &in, collect, &rows, &pg, &E));
	assert_int_equal(pg.total, 6);
	assert_int_equal(rows.n, 6);
	struct as s;
	as(w, &s, ROLE_DOCTOR, S_FAC, "dr.s");
	OK(query_history(&s.q, &in, collect, &rows, &pg, &E));
	assert_int_equal(pg.total, 9);
	/* A facility system's scope narrows the server's history to its types. */
	struct as sys;
	as(w, &sys, ROLE_DOCTOR, F_FAC, "sys.f");
	sys.who.kind = PRINCIPAL_SYSTEM;
	sys.q.scopes = "system/Observation.read";
	in = (struct query_history){.type = NULL, .since = INT64_MIN, .count = 100};
	memset(&rows, 0, sizeof rows);
	OK(query_history(&sys.q, &in, collect, &rows, &pg, &E));
	for (int i = 0; i < rows.n; i++)
		assert_true(!strncmp(rows.id[i], "Observation/", 12));
	assert_int_equal(pg.total, 3);
}

static void test_pix(void **state)
{
	struct world *w = *state;
	struct as f, o;
	as(w, &f, ROLE_DOCTOR, F_FAC, "dr.f");
	as(w, &o, ROLE_DOCTOR, O_FAC, "dr.o");
	char sys[80];
	snprintf(sys, sizeof sys, "%s%s", JP_LOCAL_PATIENT_SYSTEM_PREFIX, S_FAC);
	struct query_pix pix;
	OK(query_pix(&f.q, w->cfg.region_id_system, str_c(sys), str_c("Q3"), &pix, &E));
	assert_true(str_eq_c(pix.regional, w->regional_shared));
	assert_int_equal(pix.n_links, 2);
	assert_int_equal(f.n_served, 2);
	/* By the regional ID: the same. */
	OK(query_pix(&f.q, w->cfg.region_id_system, str_c(w->cfg.region_id_system), str_c(w->regional_shared), &pix,
		     &E));
	assert_int_equal(pix.n_links, 2);
	/* O may not know of the person; nobody knows an unknown ID. */
	rk_err_clear(&E);
	assert_int_equal(query_pix(&o.q, w->cfg.region_id_system, str_c(sys), str_c("Q3"), &pix, &E), RK_NOT_FOUND);
	assert_int_equal(o.n_served, 0);
	rk_err_clear(&E);
	assert_int_equal(query_pix(&f.q, w->cfg.region_id_system, str_c(sys), str_c("NOPE"), &pix, &E), RK_NOT_FOUND);
	/* F may not know of the hidden patient. */
	rk_err_clear(&E);
	assert_int_equal(query_pix(&f.q, w->cfg.region_id_system, str_c(sys), str_c("Q2"), &pix, &E), RK_NOT_FOUND);
	rk_err_clear(&E);
	assert_int_equal(query_pix(&f.q, w->cfg.region_id_system, str_c("urn:example:other"), str_c("1"), &pix, &E),
			 RK_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paging_and_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_includes_only_visible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pix, setup, teardown),
	};
	const char *env = getenv("RENKEI_TEST_STORE_URL");
	cmocka_set_message_output(CM_OUTPUT_STDOUT);
	return cmocka_run_group_tests_name(env && *env ? "query/postgresql" : "query/sqlite", tests, NULL, NULL);
}
