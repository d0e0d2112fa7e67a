/* query_pix.c — the PIX cross-reference (IHE PIXm): a patient identifier,
 * regional or a facility's local one, → the person's current regional ID and
 * the registrations the principal may know about. */
#include "query/query.h"

#include "fhir/linking.h"
#include "fhir/registry.h"
#include "model/regional_id.h"
#include "query/query_impl.h"

struct pix_ctx {
	const struct query_ctx *q;
	struct query_pix *out;
	size_t cap;
	struct str source_id; /* the Patient of the identifier, when local */
	bool source_visible;
	struct rk_err *err;
};

static enum rk_status pix_link(void *vctx, const struct store_patient_link *l)
{
	struct pix_ctx *pc = vctx;
	/* Only registrations the principal may know about are cross-referenced. */
	struct access_decision d;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc =
		access_check(pc->q->access, STR_LIT("Patient"), l->facility_code, l->patient_id, &d, NULL, &err);
	if (rc != RK_OK || !d.permit)
		return rc;
	if (str_eq(l->patient_id, pc->source_id))
		pc->source_visible = true;
	query_served(pc->q, STR_LIT("Patient"), l->patient_id, 0, &d, NULL);
	struct query_pix *out = pc->out;
	if (out->n_links == pc->cap) {
		size_t cap = pc->cap ? pc->cap * 2 : 8;
		struct query_pix_link *more = arena_alloc(pc->q->arena, cap * sizeof *more);
		if (!more)
			return rk_fail(pc->err, RK_TOO_LARGE, "too many linked registrations");
		for (size_t i = 0; i < out->n_links; i++)
			more[i] = out->links[i];
		out->links = more;
		pc->cap = cap;
	}
	struct query_pix_link *k = &out->links[out->n_links];
	k->facility_code = arena_str(pc->q->arena, l->facility_code);
	k->local_id = arena_str(pc->q->arena, l->local_id);
	k->patient_id = arena_str(pc->q->arena, l->patient_id);
	if (!k->facility_code.ptr || !k->local_id.ptr || !k->patient_id.ptr)
		return rk_fail(pc->err, RK_TOO_LARGE, "too many linked registrations");
	out->n_links++;
	return RK_OK;
}

enum rk_status query_pix(const struct query_ctx *q, const char *region_system, struct str system, struct str value,
			 struct query_pix *out, struct rk_err *err)
{
	*out = (struct query_pix){0};
	struct pix_ctx pc = {.q = q, .out = out, .err = err};
	struct str facility;
	enum rk_status st;
	struct str regional;
	if (str_eq_c(system, region_system)) {
		/* a regional ID merged away answers with its survivor's registrations */
		char *cur = arena_alloc(q->arena, REGIONAL_ID_LEN + 1);
		if (!cur)
			return rk_fail(err, RK_TOO_LARGE, "out of request memory");
		st = linking_current(q->store, value, cur, err);
		regional = st == RK_OK ? str_c(cur) : value;
	} else if (registry_local_system(system, &facility)) {
		struct store_patient_link l = {0};
		st = store_link_by_local(q->store, facility, value, q->arena, &l, err);
		regional = l.regional_id;
		pc.source_id = l.patient_id;
	} else {
		return rk_fail(err, RK_INVALID,
			       "sourceIdentifier system '%.*s' is not a patient identifier domain of this network",
			       (int)(system.len > 120 ? 120 : system.len), system.ptr);
	}
	if (st != RK_OK)
		return st;
	out->regional = regional;
	st = store_links_by_regional(q->store, regional, pix_link, &pc, err);
	/* An identifier the principal may not know about is not known. */
	bool known = pc.source_id.len ? pc.source_visible : out->n_links > 0;
	if (st == RK_OK && !known)
		return rk_fail(err, RK_NOT_FOUND, "sourceIdentifier %.*s|%.*s is not known", STR_FMT(system),
			       STR_FMT(value));
	return st;
}
