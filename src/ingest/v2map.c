/* v2map.c — HL7 v2.5 (SS-MIX2) messages → FHIR R4 JP Core resources
 * (ingest/v2map.h). The data type's row in v2map_tables.c names the accepted
 * message types and the mapper; simple elements are mapped by per-segment
 * field maps (struct fmap rows, applied by v2m_apply_map), the structure
 * (groups, references, codes) by one small function per mapper. Here: the
 * mapping context, ids, the dispatch and the entry point; the value helpers
 * are in v2map_values.c, Patient and ADT in v2map_adt.c, OBX in
 * v2map_results.c, PPR in v2map_problems.c, the order mappers in
 * v2map_orders.c. */
#include "ingest/v2map.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/jpcore.h"
#include "fhir/validate.h"
#include "ingest/v2map_impl.h"
#include "ingest/v2map_tables.h"
#include "model/codes.h"

/* ---- the mapping context ---- */

enum rk_status v2m_fail(struct mc *c, enum rk_status st, const char *fmt, ...)
{
	char msg[RK_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rk_fail(c->err, st, "%s", msg);
}

void v2m_warn(struct mc *c, const char *fmt, ...)
{
	if (c->nwarn >= sizeof c->warn / sizeof c->warn[0]) {
		c->nwarn_more++;
		return;
	}
	char msg[RK_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *w = arena_strdup(c->a, msg);
	if (w)
		c->warn[c->nwarn++] = w;
}

size_t v2m_seg_index(const struct mc *c, const struct hl7_segment *s)
{
	return (size_t)(s - c->m->segs);
}

const struct hl7_segment *v2m_next_under_orc(struct mc *c, size_t *i, const char *name, const struct hl7_segment **orc)
{
	for (; *i < c->m->nseg; (*i)++) {
		const struct hl7_segment *s = &c->m->segs[*i];
		if (str_eq_c(s->name, "ORC"))
			*orc = s;
		if (str_eq_c(s->name, name))
			return s;
	}
	return NULL;
}

/* Unescaped, trimmed text of a part of a field. */
struct str v2m_T(struct mc *c, const struct hl7_segment *s, int f, int rep, int comp, int sub)
{
	if (!s)
		return STR_NULL;
	return str_trim(hl7_text(c->m, s, f, rep, comp, sub, c->a));
}

const char *v2m_cstr(struct mc *c, struct str s)
{
	char *p = arena_strndup(c->a, s.ptr ? s.ptr : "", s.len);
	return p ? p : "";
}

json_t *v2m_jstr(struct str s)
{
	return s.len ? json_stringn(s.ptr, s.len) : NULL;
}

/* Set key only when v is not NULL (jansson's set_new ignores NULL, but says so with -1). */
void v2m_put(json_t *o, const char *key, json_t *v)
{
	if (o && v)
		json_object_set_new(o, key, v);
}

void v2m_push(json_t *arr, json_t *v)
{
	if (arr && v)
		json_array_append_new(arr, v);
}

/* Empty arrays and objects are not valid FHIR: drop them. */
void v2m_put_nonempty(json_t *o, const char *key, json_t *v)
{
	if (v && ((json_is_array(v) && json_array_size(v) == 0) || (json_is_object(v) && json_object_size(v) == 0))) {
		json_decref(v);
		return;
	}
	v2m_put(o, key, v);
}

/* The i-th segment's next segment named `name` before any of `stops` (space-separated), or NULL. */
const struct hl7_segment *v2m_next_in_group(struct mc *c, size_t i, const char *name, const char *stops)
{
	for (size_t k = i + 1; k < c->m->nseg; k++) {
		const struct hl7_segment *s = &c->m->segs[k];
		if (str_eq_c(s->name, name))
			return s;
		char nm[4];
		str_copy(nm, sizeof nm, s->name);
		if (strstr(stops, nm))
			return NULL;
	}
	return NULL;
}

/* The last segment named `name` before index i, or NULL. */
const struct hl7_segment *v2m_prev_seg(struct mc *c, size_t i, const char *name)
{
	for (size_t k = i; k-- > 0;)
		if (str_eq_c(c->m->segs[k].name, name))
			return &c->m->segs[k];
	return NULL;
}

/* ---- resources and ids ---- */

static bool id_safe(const char *s)
{
	return fhir_id_valid(str_c(s));
}

/* A new resource of `type`: its body with resourceType, subject/patient and meta.source. */
json_t *v2m_new_res(struct mc *c, const char *type, const char *patient_element)
{
	json_t *r = json_pack("{s:s}", "resourceType", type);
	if (c->in->meta_source.len)
		v2m_put(r, "meta", json_pack("{s:o}", "source", v2m_jstr(c->in->meta_source)));
	if (patient_element)
		v2m_put(r, patient_element, json_pack("{s:s}", "reference", c->pref));
	return r;
}

/* Add body as the resource of segment s (seq = its index, suffix for a second
 * resource of the same segment); takes body. Returns the id (arena). */
const char *v2m_add_res(struct mc *c, const char *type, const struct hl7_segment *s, int suffix, json_t *body)
{
	if (!body || c->n >= c->cap) {
		json_decref(body);
		return NULL;
	}
	char seq[32];
	size_t at = s ? v2m_seg_index(c, s) : 0;
	if (suffix)
		snprintf(seq, sizeof seq, "%zu-%d", at, suffix);
	else
		snprintf(seq, sizeof seq, "%zu", at);
	const char *id = arena_printf(c->a, "%s.%s", c->base, seq);
	if (id && (strlen(id) > RK_MAX_ID_LEN || !id_safe(id)))
		id = arena_printf(c->a, "%s.%s", c->hbase, seq);
	if (!id) {
		json_decref(body);
		return NULL;
	}
	json_object_set_new(body, "id", json_string(id));
	/* resourceType, id, meta first, as renkei stores them */
	c->res[c->n++] = (struct v2map_resource){.type = type, .id = str_c(id), .body = body};
	return id;
}

/* see v2map_impl.h */
const char *v2m_add_res_keyed(struct mc *c, const char *type, const char *key, json_t *body)
{
	if (!body || c->n >= c->cap) {
		json_decref(body);
		return NULL;
	}
	const char *id = arena_printf(c->a, "%.*s-%.*s.%s", STR_FMT(c->fac), STR_FMT(c->pid), key);
	if (id && (strlen(id) > RK_MAX_ID_LEN || !id_safe(id)))
		id = arena_printf(c->a, "%.*s-%.*s.h%016llx", STR_FMT(c->fac), STR_FMT(c->pid),
				  (unsigned long long)str_hash(str_c(id)));
	if (!id) {
		json_decref(body);
		return NULL;
	}
	json_object_set_new(body, "id", json_string(id));
	c->res[c->n++] = (struct v2map_resource){.type = type, .id = str_c(id), .body = body, .shared = true};
	return id;
}

json_t *v2m_ref_to(struct mc *c, const char *type, const char *id)
{
	const char *r = arena_printf(c->a, "%s/%s", type, id);
	return r ? json_pack("{s:s}", "reference", r) : NULL;
}

/* ---- dispatch ---- */

static enum rk_status (*const mappers[])(struct mc *) = {
	[V2M_PATIENT] = v2m_map_adt00,        [V2M_ENCOUNTER] = v2m_map_encounter,
	[V2M_ALLERGY] = v2m_map_allergies,    [V2M_CONDITION] = v2m_map_conditions,
	[V2M_MED_ORDER] = v2m_map_med_orders, [V2M_MED_ADMIN] = v2m_map_med_admins,
	[V2M_LAB_ORDER] = v2m_map_orders,     [V2M_LAB_RESULT] = v2m_map_results,
	[V2M_EXAM_ORDER] = v2m_map_orders,    [V2M_EXAM_DONE] = v2m_map_studies,
	[V2M_EXAM_RESULT] = v2m_map_results,  [V2M_DIET] = v2m_map_diet,
};

/* Does the data type accept MSH-9? */
static bool accepts(const struct v2map_kind *k, struct str type, struct str event)
{
	const char *p = k->msg_types;
	while (*p) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *caret = memchr(p, '^', len);
		if (caret && str_eq((struct str){p, (size_t)(caret - p)}, type) &&
		    str_eq((struct str){caret + 1, len - (size_t)(caret - p) - 1}, event))
			return true;
		p += len;
		while (*p == ' ')
			p++;
	}
	return false;
}

static bool injection_route(struct str r)
{
	static const char *const routes[] = {"IV", "IM", "SC", "ID", "IA", "IT", "IVP", "IO", "IS"};
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (str_eq_c(r, routes[i]))
			return true;
	return false;
}

/* The data type of a message without a file name (MLLP): the only row that
 * accepts MSH-9, or the one its content points to. NULL when none. */
static const struct v2map_kind *infer(struct mc *c)
{
	const struct v2map_kind *first = NULL;
	size_t n = 0;
	for (size_t i = 0; i < v2map_kinds_len; i++)
		if (accepts(&v2map_kinds[i], c->m->msg_type, c->m->event)) {
			if (!first)
				first = &v2map_kinds[i];
			n++;
		}
	if (n <= 1)
		return first;
	const char *dt = NULL;
	struct str type = c->m->msg_type;
	if (str_eq_c(type, "ADT")) { /* A11: cancels an outpatient visit or an admission */
		dt = str_eq_c(v2m_T(c, hl7_seg(c->m, "PV1", 0), 2, 0, 1, 0), "O") ? "ADT-12" : "ADT-22";
	} else if (str_eq_c(type, "RDE") || str_eq_c(type, "RAS")) {
		bool inj = hl7_seg(c->m, "RXC", 0) || injection_route(v2m_T(c, hl7_seg(c->m, "RXR", 0), 1, 0, 1, 0));
		dt = str_eq_c(type, "RDE") ? (inj ? "OMP-02" : "OMP-01") : (inj ? "OMP-12" : "OMP-11");
	} else if (str_eq_c(type, "OMG") || str_eq_c(type, "OMI")) {
		struct str sys = v2m_T(c, hl7_seg(c->m, "OBR", 0), 4, 0, 3, 0);
		bool endo = str_eq_c(sys, "LENDO") || str_eq_c(v2m_T(c, hl7_seg(c->m, "IPC", 0), 5, 0, 1, 0), "ES");
		if (str_eq_c(type, "OMI"))
			dt = endo ? "OMG-12" : "OMG-11";
		else
			dt = str_eq_c(sys, "JJ1017") ? "OMG-01" : endo ? "OMG-02" : "OMG-03";
	}
	return dt ? v2map_kind_find(str_c(dt)) : first;
}

/* ---- the message ---- */

/* The 診療日 of a message without a file name: ORC-9, EVN-2 or MSH-7's day
 * (*where names the field, for the error when it is not a date). */
static struct str message_date(struct mc *c, const char **where)
{
	static const char *const names[] = {"ORC-9", "EVN-2", "MSH-7"};
	struct str cand[3] = {v2m_T(c, hl7_seg(c->m, "ORC", 0), 9, 0, 1, 0),
			      v2m_T(c, hl7_seg(c->m, "EVN", 0), 2, 0, 1, 0), c->m->timestamp};
	for (size_t i = 0; i < 3; i++)
		if (cand[i].len) {
			*where = names[i];
			return cand[i].len >= 8 && str_is_digits((struct str){cand[i].ptr, 8})
				       ? (struct str){cand[i].ptr, 8}
				       : cand[i];
		}
	*where = "date";
	return STR_LIT("-");
}

static bool pid_ok(struct str pid)
{
	if (!pid.len || pid.len > RK_MAX_LOCAL_PID_LEN)
		return false;
	for (size_t i = 0; i < pid.len; i++) {
		char ch = pid.ptr[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '-'))
			return false;
	}
	return true;
}

/* PID-3: the repetition typed PI (patient internal ID), else the first. */
struct str v2map_pid3(const struct hl7_msg *m, struct arena *a)
{
	const struct hl7_segment *pid = hl7_seg(m, "PID", 0);
	if (!pid)
		return STR_NULL;
	struct str pid3 = str_trim(hl7_text(m, pid, 3, 0, 1, 0, a));
	for (int r = 0; r < hl7_reps(m, pid, 3) && r < 8; r++)
		if (str_eq_c(str_trim(hl7_text(m, pid, 3, r, 5, 0, a)), "PI")) {
			pid3 = str_trim(hl7_text(m, pid, 3, r, 1, 0, a));
			break;
		}
	return pid3;
}

/* Who, when, which order: the parts of every id. */
static enum rk_status identify(struct mc *c)
{
	const struct v2map_input *in = c->in;
	if (in->facility_code.len != 10 || !str_is_digits(in->facility_code))
		return v2m_fail(c, RK_INVALID, "facility code '%.*s' is not 10 digits",
				(int)(in->facility_code.len > 20 ? 20 : in->facility_code.len),
				in->facility_code.ptr ? in->facility_code.ptr : "");
	c->fac = in->facility_code;
	if (in->data_type.len) {
		c->kind = v2map_kind_find(in->data_type);
		if (!c->kind)
			return v2m_fail(c, RK_UNPROCESSABLE, "data type '%.*s' is not mapped",
					(int)(in->data_type.len > 16 ? 16 : in->data_type.len), in->data_type.ptr);
	} else {
		c->kind = infer(c);
	}
	if (!c->kind || !accepts(c->kind, c->m->msg_type, c->m->event))
		return v2m_fail(c, RK_UNPROCESSABLE, "unknown message type %.*s^%.*s%s%s",
				(int)(c->m->msg_type.len > 8 ? 8 : c->m->msg_type.len),
				c->m->msg_type.ptr ? c->m->msg_type.ptr : "",
				(int)(c->m->event.len > 8 ? 8 : c->m->event.len),
				c->m->event.ptr ? c->m->event.ptr : "", c->kind ? " for data type " : "",
				c->kind ? c->kind->data_type : "");
	const struct hl7_segment *pid = hl7_seg(c->m, "PID", 0);
	if (!pid)
		return v2m_fail(c, RK_INVALID, "PID missing");
	struct str pid3 = v2map_pid3(c->m, c->a);
	c->pid = in->patient_id.len ? in->patient_id : pid3;
	if (!c->pid.len)
		return v2m_fail(c, RK_INVALID, "PID-3 missing");
	if (!pid_ok(c->pid))
		return v2m_fail(c, RK_INVALID, "%s: patient ID '%.*s' must be 1 to %d characters A-Z a-z 0-9 -",
				in->patient_id.len ? "patient ID" : "PID-3", (int)(c->pid.len > 32 ? 32 : c->pid.len),
				c->pid.ptr, RK_MAX_LOCAL_PID_LEN);
	/* SS-MIX2: the patient of the message is the patient of its folder and
	 * file name (ssmix2.c checked those two agree), or the file is not stored */
	if (in->patient_id.len && pid3.len && !str_eq(pid3, in->patient_id))
		return v2m_fail(c, RK_INVALID, "PID-3 patient %.*s does not match the storage folder %.*s",
				(int)(pid3.len > 32 ? 32 : pid3.len), pid3.ptr,
				(int)(in->patient_id.len > 32 ? 32 : in->patient_id.len), in->patient_id.ptr);
	const char *dwhere = "date";
	c->date = in->date.len ? in->date : c->kind->no_date ? STR_LIT("-") : message_date(c, &dwhere);
	struct time_range r;
	if (!str_eq_c(c->date, "-") && (c->date.len != 8 || !str_is_digits(c->date) || !time_parse_hl7(c->date, 0, &r)))
		return in->date.len ? v2m_fail(c, RK_INVALID, "date '%.*s' is not YYYYMMDD or -",
					       (int)(c->date.len > 16 ? 16 : c->date.len), c->date.ptr)
				    : v2m_fail(c, RK_INVALID, "%s: '%.*s' is not an HL7 date/time", dwhere,
					       (int)(c->date.len > 40 ? 40 : c->date.len), c->date.ptr);
	c->order = in->order_no;
	if (!c->order.len)
		c->order = v2m_T(c, hl7_seg(c->m, "ORC", 0), 2, 0, 1, 0);
	if (!c->order.len)
		c->order = c->m->control_id;
	if (!c->order.len)
		c->order = STR_LIT("-");
	c->pref = arena_printf(c->a, "Patient/%.*s-%.*s", STR_FMT(c->fac), STR_FMT(c->pid));
	c->base = arena_printf(c->a, "%.*s-%.*s.%.*s.%s.%.*s", STR_FMT(c->fac), STR_FMT(c->pid), STR_FMT(c->date),
			       c->kind->data_type, STR_FMT(c->order));
	if (!c->pref || !c->base)
		return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	c->hbase = arena_printf(c->a, "%.*s-%.*s.h%016llx", STR_FMT(c->fac), STR_FMT(c->pid),
				(unsigned long long)str_hash(str_c(c->base)));
	c->cap = c->m->nseg + 1;
	c->res = arena_calloc(c->a, c->cap, sizeof *c->res);
	if (!c->hbase || !c->res)
		return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	return RK_OK;
}

static void free_resources(struct v2map_resource *res, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(res[i].body);
}

enum rk_status v2map_message(const struct hl7_msg *m, const struct v2map_input *in, struct arena *a,
			     struct v2map_result *out, struct rk_err *err)
{
	struct mc c = {.m = m, .in = in, .a = a, .err = err};
	enum rk_status rc = identify(&c);
	if (rc != RK_OK)
		return rc;
	json_t *patient = NULL;
	if ((rc = v2m_map_patient(&c, hl7_seg(m, "PID", 0), &patient)) != RK_OK)
		return rc;
	/* An order withdrawn (ORC-1 CA, DC, ...): the caller deletes what doc_key produced. */
	bool cancel = false;
	for (size_t i = 0; i < hl7_seg_count(m, "ORC"); i++)
		cancel |= v2map_control_cancels(v2m_T(&c, hl7_seg(m, "ORC", i), 1, 0, 1, 0));
	if (!cancel && (rc = mappers[c.kind->mapper](&c)) != RK_OK) {
		free_resources(c.res, c.n);
		json_decref(patient);
		return rc;
	}
	*out = (struct v2map_result){
		.data_type = str_c(c.kind->data_type),
		.patient_id = arena_str(a, c.pid),
		.patient_ref = str_c(c.pref + strlen("Patient/")),
		.doc_key = str_c(c.base),
		.patient_authoritative = c.kind->mapper == V2M_PATIENT,
		.cancel = cancel,
		.patient = patient,
		.res = c.res,
		.n = c.n,
		.nwarn = c.nwarn,
		.nwarn_more = c.nwarn_more,
	};
	memcpy(out->warnings, c.warn, sizeof c.warn);
	return RK_OK;
}

void v2map_free(struct v2map_result *r)
{
	if (!r)
		return;
	free_resources(r->res, r->n);
	json_decref(r->patient);
	r->patient = NULL;
	r->res = NULL;
	r->n = 0;
}

size_t v2map_data_types(const char *const **out)
{
	*out = v2map_kind_names;
	return v2map_kinds_len;
}
