/* query_everything.c — Patient/{id}/$everything: every registration of the
 * same person (the links of its regional ID) and every record of those
 * registrations that the principal may see, as one list paged like a
 * search — the regional record on one page. */
#include "query/query.h"

#include <string.h>

#include "access/auth.h"
#include "core/limits.h"
#include "fhir/resource.h"
#include "query/query_impl.h"

#define EVERYTHING_MAX_TYPES         64
#define EVERYTHING_MAX_REGISTRATIONS 32

struct regs {
	struct str *ids;
	size_t n, cap;
	struct arena *a;
};

static enum rk_status collect_reg(void *vctx, const struct store_patient_link *l)
{
	struct regs *r = vctx;
	if (r->n == r->cap)
		return RK_OK; /* bounded: a person has a handful of registrations */
	r->ids[r->n] = arena_str(r->a, l->patient_id);
	if (!r->ids[r->n].ptr)
		return RK_TOO_LARGE;
	r->n++;
	return RK_OK;
}

enum rk_status query_everything(const struct query_ctx *q, const struct query_everything *in, query_row_fn row,
				void *row_arg, struct query_page *out, struct rk_err *err)
{
	*out = (struct query_page){.offset = in->offset, .count = in->count, .total = -1};
	/* The types asked for (or all of the patient's record), less those a
	 * facility system's scope does not cover. */
	const char *all[EVERYTHING_MAX_TYPES];
	size_t n_all = 0;
	for (size_t i = 0; i < (in->types ? in->n_types : fhir_resources_len); i++) {
		const char *t = in->types ? in->types[i] : fhir_resources[i]->name;
		if (!in->types && category_of_type(t, strlen(t)) == CAT_NONE)
			continue;
		if (q->scopes && !scope_allows(q->scopes, t, false))
			continue;
		if (n_all < EVERYTHING_MAX_TYPES)
			all[n_all++] = t;
	}
	/* The patient itself must be visible: otherwise it does not exist. */
	struct fhir_ctx fc = {.store = q->store, .arena = q->arena};
	struct store_resource pr;
	enum rk_status st = fhir_read(&fc, fhir_resource_find("Patient", 7), in->patient_id, &pr, err);
	struct access_decision d = {0};
	const char *regional = "";
	if (st == RK_OK)
		st = access_check(q->access, pr.type, pr.source_facility, pr.patient_id, &d, &regional, err);
	if ((st == RK_OK && !d.permit) || st == RK_GONE)
		st = rk_fail(err, RK_NOT_FOUND, "Patient/%.*s is not known", STR_FMT(in->patient_id));
	if (st != RK_OK)
		return st;
	/* Every registration of the person. */
	struct str reg_ids[EVERYTHING_MAX_REGISTRATIONS];
	struct regs regs = {.ids = reg_ids, .cap = EVERYTHING_MAX_REGISTRATIONS, .a = q->arena};
	if (regional[0])
		st = store_links_by_regional(q->store, str_c(regional), collect_reg, &regs, err);
	if (st == RK_OK && !regs.n)
		reg_ids[regs.n++] = in->patient_id;
	struct visible_set *set = NULL;
	if (st == RK_OK && !(set = visible_set_new(q, NULL, err)))
		st = RK_TOO_LARGE;
	if (st == RK_OK) {
		struct store_patient_query pq = {
			.patients = reg_ids, .n_patients = regs.n, .types = all, .n_types = n_all, .since = in->since};
		st = n_all ? store_patient_keys(q->store, &pq, RK_MAX_CANDIDATES, visible_typed_key, set, err) : RK_OK;
		if (st == RK_OK && set->n_pend)
			st = visible_flush(set);
	}
	if (st != RK_OK)
		return st;
	size_t from, upto;
	query_page_window(out, in->offset, in->count, set->n, true, &from, &upto);
	query_page_links(out);
	return visible_page_rows(q, NULL, set, from, upto, row, row_arg, &out->n_rows, err);
}
