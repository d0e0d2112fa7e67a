/* query.c — audit search and AuditEvent rendering. */
#include "audit/query.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/time.h"

#define AUDIT_COLS                                                                                                  \
	"e.seq, e.recorded_at, e.event, e.action, e.outcome, e.account_id, e.role, e.facility_code, e.session_ref," \
	" e.client_addr, e.purpose, e.grant_kind, e.grant_ref, e.patients, e.entities, e.query, e.detail, e.request_id"

/* Build "FROM ... WHERE ..." with the filter; binds collected in order. */
struct binds {
	int n;
	bool is_int[16];
	int64_t i[16];
	const char *s[16];
};

static void add_text(struct buf *sql, struct binds *b, const char *clause, const char *v)
{
	buf_puts(sql, clause);
	b->is_int[b->n] = false;
	b->s[b->n++] = v;
}

static void add_int(struct buf *sql, struct binds *b, const char *clause, int64_t v)
{
	buf_puts(sql, clause);
	b->is_int[b->n] = true;
	b->i[b->n++] = v;
}

static void where(struct buf *sql, struct binds *b, const struct audit_filter *f)
{
	if (f->patient && *f->patient)
		add_text(sql, b,
			 " FROM audit_entry e JOIN audit_patient p ON p.seq = e.seq AND p.regional_id = ? WHERE 1 = 1",
			 f->patient);
	else
		buf_puts(sql, " FROM audit_entry e WHERE 1 = 1");
	add_int(sql, b, " AND e.recorded_at >= ?", f->from);
	add_int(sql, b, " AND e.recorded_at < ?", f->to);
	if (f->seq)
		add_int(sql, b, " AND e.seq = ?", f->seq);
	if (f->account && *f->account)
		add_text(sql, b, " AND e.account_id = ?", f->account);
	if (f->facility && *f->facility)
		add_text(sql, b, " AND e.facility_code = ?", f->facility);
	if (f->event && *f->event)
		add_text(sql, b, " AND e.event = ?", f->event);
	if (f->action && *f->action)
		add_text(sql, b, " AND e.action = ?", f->action);
	if (f->grant && *f->grant)
		add_text(sql, b, " AND e.grant_kind = ?", f->grant);
	if (f->outcome >= 0)
		add_int(sql, b, " AND e.outcome = ?", f->outcome);
}

static void bind_all(struct store_stmt *st, const struct binds *b)
{
	for (int k = 0; k < b->n; k++) {
		if (b->is_int[k])
			store_bind_i64(st, k + 1, b->i[k]);
		else
			store_bind_text(st, k + 1, str_c(b->s[k]));
	}
}

enum rk_status audit_search(struct store *s, const struct audit_filter *f, audit_row_fn fn, void *ctx, int64_t *total,
			    struct rk_err *err)
{
	struct buf sql;
	struct binds b = {0};
	buf_init(&sql, 4096);
	buf_puts(&sql, "SELECT COUNT(*)");
	where(&sql, &b, f);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, buf_cstr(&sql), &st, err);
	if (rc == RK_OK) {
		bind_all(st, &b);
		bool row = false;
		rc = store_step(st, &row, err);
		if (total)
			*total = row ? store_col_i64(st, 0) : 0;
		store_done(st);
	}
	if (rc == RK_OK && f->count > 0) {
		buf_reset(&sql);
		memset(&b, 0, sizeof b);
		buf_puts(&sql, "SELECT " AUDIT_COLS);
		where(&sql, &b, f);
		buf_puts(&sql, " ORDER BY e.seq DESC");
		add_int(&sql, &b, " LIMIT ?", f->count);
		add_int(&sql, &b, " OFFSET ?", f->offset);
		rc = store_prepare(s, buf_cstr(&sql), &st, err);
		if (rc == RK_OK) {
			bind_all(st, &b);
			bool row = false;
			while ((rc = store_step(st, &row, err)) == RK_OK && row) {
				struct audit_row r = {
					.seq = store_col_i64(st, 0),
					.recorded_at = store_col_i64(st, 1),
					.event = store_col_text(st, 2),
					.action = store_col_text(st, 3),
					.outcome = (int)store_col_i64(st, 4),
					.account = store_col_text(st, 5),
					.role = store_col_text(st, 6),
					.facility = store_col_text(st, 7),
					.session_ref = store_col_text(st, 8),
					.client_addr = store_col_text(st, 9),
					.purpose = store_col_text(st, 10),
					.grant_kind = store_col_text(st, 11),
					.grant_ref = store_col_text(st, 12),
					.patients = store_col_text(st, 13),
					.entities = store_col_text(st, 14),
					.query = store_col_text(st, 15),
					.detail = store_col_text(st, 16),
					.request_id = store_col_text(st, 17),
				};
				rc = fn(ctx, &r);
				if (rc != RK_OK)
					break;
			}
			store_done(st);
		}
	}
	buf_free(&sql);
	return rc;
}

/* AuditEvent.type and subtype for an event. */
static void type_of(struct str event, const char **type_sys, const char **type_code, const char **type_disp,
		    const char **sub_sys, const char **sub_code)
{
	static const char *dcm = "http://dicom.nema.org/resources/ontology/DCM";
	static const char *rest = "http://hl7.org/fhir/restful-interaction";
	*type_sys = "http://terminology.hl7.org/CodeSystem/audit-event-type";
	*type_code = "rest";
	*type_disp = "RESTful Operation";
	*sub_sys = rest;
	*sub_code = NULL;
	static const struct {
		const char *event, *code;
	} interactions[] = {{"read", "read"},
			    {"vread", "vread"},
			    {"search", "search-type"},
			    {"history", "history-instance"},
			    {"create", "create"},
			    {"update", "update"},
			    {"patch", "patch"},
			    {"delete", "delete"},
			    {"pix", "operation"},
			    {"access-report", "operation"},
			    {"transaction", "transaction"},
			    {"batch", "batch"}};
	for (size_t i = 0; i < sizeof interactions / sizeof interactions[0]; i++)
		if (str_eq_c(event, interactions[i].event))
			*sub_code = interactions[i].code;
	if (*sub_code)
		return;
	*type_sys = dcm;
	*sub_sys = dcm;
	if (str_starts_with(event, "emergency-start")) {
		*type_code = "110113";
		*type_disp = "Security Alert";
		*sub_code = "110127"; /* Emergency Override Started */
	} else if (str_starts_with(event, "emergency-end")) {
		*type_code = "110113";
		*type_disp = "Security Alert";
		*sub_code = "110138"; /* Emergency Override Stopped */
	} else if (str_eq_c(event, "login") || str_starts_with(event, "login-") || str_eq_c(event, "reauth") ||
		   str_eq_c(event, "token")) {
		*type_code = "110114";
		*type_disp = "User Authentication";
		*sub_code = "110122"; /* Login */
	} else if (str_eq_c(event, "logout")) {
		*type_code = "110114";
		*type_disp = "User Authentication";
		*sub_code = "110123"; /* Logout */
	} else if (str_eq_c(event, "ingest") || str_starts_with(event, "ingest-")) {
		*type_code = "110107"; /* Import: records received from a facility's system */
		*type_disp = "Import";
		*sub_code = NULL;
	} else {
		*type_code = "110113";
		*type_disp = "Security Alert";
		*sub_code = NULL;
	}
}

enum rk_status audit_render(struct buf *b, const struct audit_row *r, const char *region_system, const char *site)
{
	const char *tsys, *tcode, *tdisp, *ssys, *scode;
	type_of(r->event, &tsys, &tcode, &tdisp, &ssys, &scode);
	char ts[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(r->recorded_at, ts);
	buf_printf(b,
		   "{\"resourceType\":\"AuditEvent\",\"id\":\"%lld\",\"type\":{\"system\":\"%s\",\"code\":\"%s\","
		   "\"display\":\"%s\"}",
		   (long long)r->seq, tsys, tcode, tdisp);
	if (scode)
		buf_printf(b, ",\"subtype\":[{\"system\":\"%s\",\"code\":\"%s\"}]", ssys, scode);
	char action = r->action.len ? r->action.ptr[0] : 'E';
	if (!strchr("CRUDE", action))
		action = 'E';
	buf_printf(b, ",\"action\":\"%c\",\"recorded\":\"%s\",\"outcome\":\"%d\"", action, ts, r->outcome);
	if (r->detail.len) {
		buf_puts(b, ",\"outcomeDesc\":");
		buf_put_json_str(b, r->detail);
	}
	if (r->purpose.len) {
		buf_puts(
			b,
			",\"purposeOfEvent\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActReason\",\"code\":");
		buf_put_json_str(b, r->purpose);
		buf_puts(b, "}]}]");
	}
	/* the agent: who asked, from where, under which grant */
	buf_puts(
		b,
		",\"agent\":[{\"type\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ParticipationType\",\"code\":\"IRCP\"}]}");
	if (r->role.len) {
		buf_puts(b, ",\"role\":[{\"text\":");
		buf_put_json_str(b, r->role);
		buf_puts(b, "}]");
	}
	if (r->account.len) {
		buf_puts(b, ",\"who\":{\"identifier\":{\"system\":\"urn:renkei:account\",\"value\":");
		buf_put_json_str(b, r->account);
		buf_puts(b, "}");
		if (r->facility.len) {
			buf_puts(b, ",\"display\":");
			char disp[128];
			snprintf(disp, sizeof disp, "%.*s @ %.*s", STR_FMT(r->account), STR_FMT(r->facility));
			buf_put_json_str(b, str_c(disp));
		}
		buf_putc(b, '}');
	}
	if (r->session_ref.len) {
		buf_puts(b, ",\"altId\":");
		buf_put_json_str(b, r->session_ref);
	}
	buf_puts(b, ",\"requestor\":true");
	if (r->grant_kind.len) {
		char policy[200];
		snprintf(policy, sizeof policy, "urn:renkei:grant:%.*s%s%.*s", STR_FMT(r->grant_kind),
			 r->grant_ref.len ? ":" : "", STR_FMT(r->grant_ref));
		buf_puts(b, ",\"policy\":[");
		buf_put_json_str(b, str_c(policy));
		buf_putc(b, ']');
	}
	if (r->client_addr.len) {
		buf_puts(b, ",\"network\":{\"address\":");
		buf_put_json_str(b, r->client_addr);
		buf_puts(b, ",\"type\":\"2\"}");
	}
	buf_puts(b, "}]");
	if (r->request_id.len) { /* the request, as the client and the access log name it */
		buf_puts(b, ",\"extension\":[{\"url\":\"urn:renkei:extension:request-id\",\"valueString\":");
		buf_put_json_str(b, r->request_id);
		buf_puts(b, "}]");
	}
	buf_puts(b, ",\"source\":{\"site\":");
	buf_put_json_str(b, str_c(site));
	buf_puts(b, ",\"observer\":{\"display\":\"renkei\"},\"type\":[{\"system\":"
		    "\"http://terminology.hl7.org/CodeSystem/security-source-type\",\"code\":\"4\"}]}");
	/* entities: the patients, the records, and the query */
	bool first = true;
	struct buf eb; /* FHIR has no empty arrays: "entity" only when there is one */
	buf_init(&eb, 1u << 24);
	json_t *patients = json_loadb(r->patients.ptr, r->patients.len, 0, NULL);
	size_t i;
	json_t *v;
	json_array_foreach(patients, i, v)
	{
		if (!json_is_string(v))
			continue;
		buf_puts(&eb, first ? "" : ",");
		first = false;
		buf_puts(&eb, "{\"what\":{\"identifier\":{\"system\":");
		buf_put_json_str(&eb, str_c(region_system));
		buf_puts(&eb, ",\"value\":");
		buf_put_json_str(&eb, rk_json_strv(v));
		buf_puts(
			&eb,
			"}},\"type\":{\"system\":\"http://terminology.hl7.org/CodeSystem/audit-entity-type\",\"code\":\"1\"},"
			"\"role\":{\"system\":\"http://terminology.hl7.org/CodeSystem/object-role\",\"code\":\"1\"}}");
	}
	json_decref(patients);
	json_t *entities = json_loadb(r->entities.ptr, r->entities.len, 0, NULL);
	json_array_foreach(entities, i, v)
	{
		const char *ref = json_string_value(json_object_get(v, "ref"));
		if (!ref)
			continue;
		buf_puts(&eb, first ? "" : ",");
		first = false;
		buf_puts(&eb, "{\"what\":{\"reference\":");
		buf_put_json_str(&eb, str_c(ref));
		buf_puts(
			&eb,
			"},\"type\":{\"system\":\"http://terminology.hl7.org/CodeSystem/audit-entity-type\",\"code\":\"2\"}");
		const char *grant = json_string_value(json_object_get(v, "grant"));
		if (grant) {
			buf_puts(&eb, ",\"detail\":[{\"type\":\"grant\",\"valueString\":");
			char g[160];
			const char *ref2 = json_string_value(json_object_get(v, "grant_ref"));
			snprintf(g, sizeof g, "%s%s%s", grant, ref2 ? ":" : "", ref2 ? ref2 : "");
			buf_put_json_str(&eb, str_c(g));
			buf_puts(&eb, "}]");
		}
		buf_putc(&eb, '}');
	}
	json_decref(entities);
	if (r->query.len) {
		buf_puts(&eb, first ? "" : ",");
		first = false;
		char *q64 = malloc(sodium_base64_ENCODED_LEN(r->query.len, sodium_base64_VARIANT_ORIGINAL));
		if (!q64)
			rk_oom();
		sodium_bin2base64(q64, sodium_base64_ENCODED_LEN(r->query.len, sodium_base64_VARIANT_ORIGINAL),
				  (const unsigned char *)r->query.ptr, r->query.len, sodium_base64_VARIANT_ORIGINAL);
		buf_puts(
			&eb,
			"{\"type\":{\"system\":\"http://terminology.hl7.org/CodeSystem/audit-entity-type\",\"code\":\"2\"},"
			"\"role\":{\"system\":\"http://terminology.hl7.org/CodeSystem/object-role\",\"code\":\"24\"},\"description\":");
		buf_put_json_str(&eb, r->query);
		buf_puts(&eb, ",\"query\":\"");
		buf_puts(&eb, q64);
		buf_puts(&eb, "\"}");
		free(q64);
	}
	if (eb.len) {
		buf_puts(b, ",\"entity\":[");
		buf_put_str(b, buf_str(&eb));
		buf_putc(b, ']');
	}
	buf_free(&eb);
	buf_putc(b, '}');
	return b->overflow ? RK_TOO_LARGE : RK_OK;
}
