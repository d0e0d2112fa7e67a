/* owner.c — describing a version of a resource for the write decision. */
#include "fhir/owner.h"

#include <sodium.h>
#include <string.h>

#include "core/json.h"
#include "fhir/jpcore.h"
#include "fhir/registry.h"

static struct str jstr(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? rk_json_strv(v) : STR_NULL;
}

static bool coded(const json_t *ccs, const char *system, struct str *code)
{
	size_t i, k;
	json_t *cc, *c;
	json_array_foreach(ccs, i, cc) json_array_foreach(
		json_object_get(cc, "coding"), k, c) if (str_eq_c(jstr(c, "system"), system) && jstr(c, "code").len)
	{
		*code = jstr(c, "code");
		return true;
	}
	return false;
}

enum write_kind fhir_owner_kind_of_type(const struct fhir_resource_def *def)
{
	static const struct {
		const char *type;
		enum write_kind kind;
	} kinds[] = {
		{"Patient", WK_REGISTRATION},  {"Consent", WK_CONSENT},           {"CareTeam", WK_CARE_TEAM},
		{"Organization", WK_FACILITY}, {"Practitioner", WK_PRACTITIONER}, {"PractitionerRole", WK_PRACTITIONER},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].type, def->name) == 0)
			return kinds[i].kind;
	return WK_CLINICAL;
}

/* A part of a consent as a fingerprint: SHA-256 of its canonical JSON ("" when absent). */
static const char *fingerprint(struct fhir_ctx *ctx, const json_t *part)
{
	if (!part || json_is_null(part))
		return "";
	char *text = json_dumps(part, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!text)
		rk_oom();
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
	free(text);
	char *hex = arena_alloc(ctx->arena, 2 * sizeof h + 1);
	if (hex)
		sodium_bin2hex(hex, 2 * sizeof h + 1, h, sizeof h);
	return hex;
}

static const char *copy(struct fhir_ctx *ctx, struct str s)
{
	return arena_strndup(ctx->arena, s.ptr ? s.ptr : "", s.len);
}

enum rk_status fhir_owner_describe(struct fhir_ctx *ctx, const struct fhir_resource_def *def, const json_t *res,
				   struct str source_facility, struct str patient_id, struct write_record *out,
				   struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	out->kind = fhir_owner_kind_of_type(def);
	out->cat = category_of_type(def->name, strlen(def->name));
	out->owner = copy(ctx, source_facility);
	out->regional_id = "";
	out->attachment = "";
	out->terms = "";
	out->facility_kind = "";
	out->facility_area = "";
	if (out->kind == WK_CONSENT) {
		struct str kind = STR_NULL;
		coded(json_object_get(res, "category"), RK_CONSENT_KIND_SYSTEM, &kind);
		out->kind = str_eq_c(kind, "comprehensive") ? WK_COMPREHENSIVE
			    : str_eq_c(kind, "refusal")     ? WK_REFUSAL
							    : WK_CONSENT;
		out->active = str_eq_c(jstr(res, "status"), "active");
		json_t *form = json_object_get(res, "sourceAttachment");
		out->attachment = fingerprint(ctx, form ? form : json_object_get(res, "sourceReference"));
		/* what the consent says: a refusal in force changes only with a new form */
		json_t *terms =
			json_pack("[O?, O?, O?, O?]", json_object_get(res, "status"), json_object_get(res, "dateTime"),
				  json_object_get(res, "provision"), json_object_get(res, "patient"));
		out->terms = fingerprint(ctx, terms);
		json_decref(terms);
	} else if (out->kind == WK_FACILITY) {
		struct registry_org_facts f;
		registry_org_facts(res, ctx->arena, &f);
		if (!f.code.len) {
			out->kind = WK_ORGANIZATION;
		} else {
			out->owner = copy(ctx, f.code);
			out->facility_kind = copy(ctx, f.kind);
			/* the area and its codes decide disaster mode: the operator's to change */
			out->facility_area = f.area ? arena_printf(ctx->arena, "%s|%s", f.area, f.area_codes) : NULL;
			if (!out->facility_area)
				return rk_fail(err, RK_TOO_LARGE, "out of request memory");
			out->active = f.active;
		}
	}
	if (!out->owner || !out->attachment || !out->terms)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	if (patient_id.len) {
		struct store_patient_link link;
		enum rk_status rc = store_link_by_patient(ctx->store, patient_id, ctx->arena, &link, err);
		if (rc == RK_OK)
			out->regional_id = copy(ctx, link.regional_id);
		else if (rc != RK_NOT_FOUND)
			return rc;
		if (!out->regional_id)
			return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	}
	return RK_OK;
}

enum rk_status fhir_owner_describe_stored(struct fhir_ctx *ctx, const struct fhir_resource_def *def,
					  const struct store_resource *r, struct write_record *out, struct rk_err *err)
{
	json_t *res = r->body.len ? json_loadb(r->body.ptr, r->body.len, 0, NULL) : json_object();
	if (!res)
		return rk_fail(err, RK_INTERNAL, "%s/%.*s: the stored version is not JSON", def->name, STR_FMT(r->id));
	enum rk_status rc = fhir_owner_describe(ctx, def, res, r->source_facility, r->patient_id, out, err);
	json_decref(res);
	return rc;
}
