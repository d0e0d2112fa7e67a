/* registry.c — Patient ↔ regional ID links and Organization ↔ facility rows. */
#include "fhir/registry.h"

#include <string.h>

#include "core/json.h"
#include "fhir/jpcore.h"
#include "fhir/linking.h"
#include "model/regional_id.h"

bool registry_local_system(struct str system, struct str *facility_code)
{
	static const char prefix[] = JP_LOCAL_PATIENT_SYSTEM_PREFIX;
	size_t pl = sizeof prefix - 1;
	if (system.len != pl + 10 || !str_starts_with(system, prefix))
		return false;
	struct str code = {system.ptr + pl, 10};
	if (!str_is_digits(code))
		return false;
	*facility_code = code;
	return true;
}

bool registry_facility_system(struct str system)
{
	return str_eq_c(system, JP_FACILITY_CODE_SYSTEM) || str_eq_c(system, RK_CARE_OFFICE_CODE_SYSTEM);
}

static struct str jstr(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? rk_json_strv(v) : STR_NULL;
}

/* Find the local ID and the regional ID among Patient.identifier. */
static enum rk_status patient_identifiers(struct fhir_ctx *ctx, struct fhir_write *w, struct str *regional,
					  struct rk_err *err)
{
	int n_local = 0, n_regional = 0;
	size_t i;
	json_t *ident;
	json_array_foreach(json_object_get(w->res, "identifier"), i, ident)
	{
		struct str sys = jstr(ident, "system"), val = jstr(ident, "value"), code;
		if (registry_local_system(sys, &code)) {
			n_local++;
			w->facility_code = code;
			w->local_id = val;
			if (!val.len)
				return rk_fail_at(err, RK_INVALID, "Patient.identifier",
						  "the local patient ID has no value");
		} else if (str_eq_c(sys, ctx->cfg->region_id_system)) {
			n_regional++;
			*regional = val;
		} else if (str_starts_with(sys, JP_LOCAL_PATIENT_SYSTEM_PREFIX)) {
			return rk_fail_at(
				err, RK_INVALID, "Patient.identifier",
				"'%.*s' is not a local patient ID system: give %s followed by the 10-digit facility code",
				STR_FMT(sys), JP_LOCAL_PATIENT_SYSTEM_PREFIX);
		}
	}
	if (n_local != 1)
		return rk_fail_at(err, RK_INVALID, "Patient.identifier",
				  "a Patient is one facility's registration and needs exactly one local patient ID "
				  "(system %s + 10-digit facility code); found %d",
				  JP_LOCAL_PATIENT_SYSTEM_PREFIX, n_local);
	if (n_regional > 1)
		return rk_fail_at(err, RK_INVALID, "Patient.identifier", "more than one regional patient ID (%s)",
				  ctx->cfg->region_id_system);
	return RK_OK;
}

static enum rk_status add_regional_identifier(struct fhir_ctx *ctx, struct fhir_write *w)
{
	json_t *ids = json_object_get(w->res, "identifier");
	json_t *ident = json_pack("{s:s, s:s%}", "system", ctx->cfg->region_id_system, "value", w->regional_id.ptr,
				  w->regional_id.len);
	if (!ident)
		rk_oom();
	json_array_append_new(ids, ident);
	return RK_OK;
}

/* A regional ID that was merged away names its survivor: the registration is
 * linked there, and its identifier says so. */
static enum rk_status follow_merge(struct fhir_ctx *ctx, struct fhir_write *w, struct str *regional, struct rk_err *err)
{
	char cur[REGIONAL_ID_LEN + 1];
	enum rk_status rc = linking_current(ctx->store, *regional, cur, err);
	if (rc != RK_OK || str_eq_c(*regional, cur))
		return rc;
	struct str now = arena_str(ctx->arena, str_c(cur));
	if (!now.ptr)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	size_t i;
	json_t *ident;
	json_array_foreach(json_object_get(w->res, "identifier"), i,
			   ident) if (str_eq_c(jstr(ident, "system"), ctx->cfg->region_id_system))
		json_object_set_new(ident, "value", json_stringn(now.ptr, now.len));
	*regional = now;
	return RK_OK;
}

enum rk_status registry_patient_conflict(const struct fhir_write *w, struct str existing, struct rk_err *err)
{
	return rk_fail_at(err, RK_CONFLICT, "Patient.identifier",
			  "local patient ID %.*s of facility %.*s is already registered as Patient/%.*s",
			  STR_FMT(w->local_id), STR_FMT(w->facility_code), STR_FMT(existing));
}

enum rk_status registry_patient_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	struct str regional = STR_NULL;
	enum rk_status rc = patient_identifiers(ctx, w, &regional, err);
	if (rc != RK_OK)
		return rc;
	struct store_facility fac;
	rc = store_facility_get(ctx->store, w->facility_code, ctx->arena, &fac, err);
	if (rc == RK_NOT_FOUND)
		return rk_fail_at(
			err, RK_INVALID, "Patient.identifier",
			"facility %.*s of the local patient ID is not a participating facility (register its Organization first)",
			STR_FMT(w->facility_code));
	if (rc != RK_OK)
		return rc;
	if (regional.ptr && !regional_id_valid(regional))
		return rk_fail_at(err, RK_INVALID, "Patient.identifier",
				  "regional patient ID '%.*s' is not valid (13 digits with a check digit)",
				  STR_FMT(regional));

	if (regional.ptr && (rc = follow_merge(ctx, w, &regional, err)) != RK_OK && rc != RK_NOT_FOUND)
		return rc;
	struct store_patient_link link;
	rc = store_link_by_patient(ctx->store, w->id, ctx->arena, &link, err);
	if (rc == RK_OK) { /* an update of a registered Patient */
		if (!str_eq(link.facility_code, w->facility_code) || !str_eq(link.local_id, w->local_id))
			return rk_fail_at(
				err, RK_INVALID, "Patient.identifier",
				"the local patient ID (%.*s at %.*s) is this registration's key and cannot change",
				STR_FMT(link.local_id), STR_FMT(link.facility_code));
		if (regional.ptr && !str_eq(regional, link.regional_id))
			return rk_fail_at(
				err, RK_CONFLICT, "Patient.identifier",
				"the regional patient ID is %.*s; linking to another person is a merge, not an update",
				STR_FMT(link.regional_id));
		w->regional_id = link.regional_id;
	} else if (rc == RK_NOT_FOUND) {
		rc = store_link_by_local(ctx->store, w->facility_code, w->local_id, ctx->arena, &link, err);
		if (rc == RK_OK && ctx->guard && ctx->guard->authorize) {
			w->registered_as = link.patient_id; /* said after the decision (resource.c) */
			w->source_facility = w->facility_code;
			w->patient_id = w->id;
			return RK_OK;
		}
		if (rc == RK_OK)
			return registry_patient_conflict(w, link.patient_id, err);
		if (rc != RK_NOT_FOUND)
			return rc;
		if (regional.ptr && !ctx->trusted) {
			/* Registrations are linked by the operator's review, never because a
			 * client wrote a regional ID: the write decision refuses it (and
			 * says so the same way whether the ID exists or not). */
			w->names_regional = true;
			if (!ctx->guard)
				return rk_fail_at(err, RK_INVALID, "Patient.identifier",
						  "a registration cannot name a regional patient ID; omit it");
			w->regional_id = regional;
		} else if (regional.ptr) {
			rc = store_regional_exists(ctx->store, regional, err);
			if (rc == RK_NOT_FOUND) {
				w->new_regional = true;
			} else if (rc != RK_OK) {
				return rc;
			}
			w->regional_id = regional;
		} else {
			char *rid = arena_alloc(ctx->arena, REGIONAL_ID_LEN + 1);
			if (!rid)
				return rk_fail(err, RK_TOO_LARGE, "out of request memory");
			do {
				regional_id_new(ctx->rng, rid);
				rc = store_regional_exists(ctx->store, str_c(rid), err);
			} while (rc == RK_OK);
			if (rc != RK_NOT_FOUND)
				return rc;
			w->regional_id = str_c(rid);
			w->new_regional = true;
		}
	} else {
		return rc;
	}
	if (!regional.ptr)
		add_regional_identifier(ctx, w);
	w->source_facility = w->facility_code;
	w->patient_id = w->id;
	return RK_OK;
}

enum rk_status registry_patient_after(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	if (w->new_regional) {
		enum rk_status rc = store_regional_create(ctx->store, w->regional_id, ctx->now, err);
		if (rc != RK_OK)
			return rc;
	}
	struct store_patient_link l = {
		.patient_id = w->id,
		.facility_code = w->facility_code,
		.local_id = w->local_id,
		.regional_id = w->regional_id,
		.linked_at = ctx->now,
	};
	enum rk_status rc = store_link_put(ctx->store, &l, err);
	return rc == RK_OK ? linking_registered(ctx, w, err) : rc;
}

void registry_org_facts(const json_t *org, struct arena *a, struct registry_org_facts *out)
{
	memset(out, 0, sizeof *out);
	size_t i, k;
	json_t *ident, *cc, *coding;
	json_array_foreach(json_object_get(org, "identifier"), i,
			   ident) if (registry_facility_system(jstr(ident, "system")))
	{
		if (!out->n_codes++)
			out->code = jstr(ident, "value");
	}
	out->kind = STR_LIT("other");
	json_array_foreach(json_object_get(org, "type"), i, cc) json_array_foreach(
		json_object_get(cc, "coding"), k,
		coding) if (str_eq_c(jstr(coding, "system"), RK_FACILITY_KIND_SYSTEM) && jstr(coding, "code").len)
	{
		out->kind = jstr(coding, "code");
		goto kind_found;
	}
kind_found:;
	json_t *addr = json_array_get(json_object_get(org, "address"), 0);
	struct str state = jstr(addr, "state"), city = jstr(addr, "city");
	out->area = arena_printf(a, "%.*s%.*s", STR_FMT(state), STR_FMT(city));
	json_t *lists[2] = {json_object_get(addr, "extension"), json_object_get(org, "extension")};
	const char *urls[2] = {REGISTRY_MUNICIPALITY_EXT, REGISTRY_SERVES_EXT};
	json_t *ext;
	for (int l = 0; l < 2; l++)
		json_array_foreach(lists[l], i, ext) if (str_eq_c(jstr(ext, "url"), urls[l]))
		{
			struct str code = jstr(ext, "valueCode");
			if (!municipality_list_add(out->area_codes, sizeof out->area_codes, code) && !out->bad_area.ptr)
				out->bad_area = code.ptr ? code : STR_LIT("");
		}
	out->active = !json_is_false(json_object_get(org, "active"));
}

enum rk_status registry_organization_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	struct registry_org_facts f;
	registry_org_facts(w->res, ctx->arena, &f);
	if (f.n_codes > 1)
		return rk_fail_at(err, RK_INVALID, "Organization.identifier",
				  "an Organization has at most one facility code");
	if (f.n_codes && (f.code.len != 10 || !str_is_digits(f.code)))
		return rk_fail_at(err, RK_INVALID, "Organization.identifier", "facility code '%.*s' must be 10 digits",
				  STR_FMT(f.code));
	char was[16] = "";
	if (w->prev && !w->prev->deleted) {
		enum rk_status rc = store_facility_of_org(ctx->store, w->id, was, err);
		if (rc != RK_OK && rc != RK_NOT_FOUND)
			return rc;
	}
	if (was[0] && !str_eq_c(f.code, was))
		return rk_fail_at(err, RK_INVALID, "Organization.identifier",
				  "facility code %s cannot change: local patient IDs and records depend on it", was);
	if (!f.n_codes) {
		/* an organisation outside the network (e.g. a referral target): owned by
		 * the facility that registered it, or kept by its first owner */
		if (w->prev && w->prev->source_facility.len)
			w->source_facility = w->prev->source_facility;
		else
			w->source_facility = str_c(ctx->actor_facility ? ctx->actor_facility : "");
		return RK_OK;
	}
	w->facility_code = f.code;
	struct store_facility other;
	enum rk_status rc = store_facility_get(ctx->store, w->facility_code, ctx->arena, &other, err);
	if (rc == RK_OK && !str_eq(other.org_id, w->id))
		return rk_fail_at(err, RK_CONFLICT, "Organization.identifier",
				  "facility code %.*s is already registered as Organization/%.*s",
				  STR_FMT(w->facility_code), STR_FMT(other.org_id));
	if (rc != RK_OK && rc != RK_NOT_FOUND)
		return rc;
	w->is_facility = true;
	w->facility_kind = f.kind;
	w->facility_name = jstr(w->res, "name");
	if (!w->facility_name.len)
		return rk_fail_at(err, RK_INVALID, "Organization.name", "a participating facility needs a name");
	if (!f.area)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	w->facility_area = str_c(f.area);
	w->facility_area_codes = str_c(arena_strdup(ctx->arena, f.area_codes));
	if (!w->facility_area_codes.ptr)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	w->facility_active = f.active;
	w->source_facility = w->facility_code;
	return RK_OK;
}

enum rk_status registry_organization_after(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	(void)ctx;
	if (!w->is_facility)
		return RK_OK;
	struct store_facility f = {
		.facility_code = w->facility_code,
		.org_id = w->id,
		.kind = w->facility_kind,
		.name = w->facility_name,
		.area = w->facility_area,
		.area_codes = w->facility_area_codes,
		.active = w->facility_active,
	};
	return store_facility_put(ctx->store, &f, err);
}

enum rk_status registry_organization_deleted(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	return store_facility_deactivate(ctx->store, w->id, err);
}

enum rk_status registry_practitioner_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	(void)ctx;
	(void)err;
	/* A member of staff belongs to the facility of its staff ID (JP Core:
	 * urn:oid:1.2.392.100495.20.3.41.1 + facility code), which is the facility
	 * whose administrator may maintain the record. */
	static const char prefix[] = JP_STAFF_ID_SYSTEM_PREFIX;
	size_t i;
	json_t *ident;
	json_array_foreach(json_object_get(w->res, "identifier"), i, ident)
	{
		struct str sys = jstr(ident, "system");
		if (sys.len == sizeof prefix - 1 + 10 && str_starts_with(sys, prefix) &&
		    str_is_digits((struct str){sys.ptr + sizeof prefix - 1, 10})) {
			w->source_facility = (struct str){sys.ptr + sizeof prefix - 1, 10};
			break;
		}
	}
	return RK_OK;
}
