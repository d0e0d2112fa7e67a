/* subset.c — _summary and _elements (subset.h). */
#include "api/subset.h"

#include <string.h>

#include "core/json.h"
#include "core/limits.h"

#define SUBSETTED_SYSTEM "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"

/* Top-level elements that R4 does not mark as summary (isSummary false), per
 * type; the resource elements text, contained and extension are never
 * summary, nor is a note. What is not named here is served by
 * _summary=true (a summary may say more than R4's, never less). */
static const struct {
	const char *type;
	const char *names;
} not_summary[] = {
	{"*", "text|contained|extension|note"},
	{"Patient", "maritalStatus|multipleBirth|photo|contact|communication|generalPractitioner"},
	{"Organization", "contact|endpoint"},
	{"Practitioner", "photo|qualification|communication"},
	{"Encounter", "statusHistory|classHistory|hospitalization|location"},
	{"Condition", "stage|evidence"},
	{"AllergyIntolerance", "reaction"},
	{"Observation", "dataAbsentReason|interpretation|bodySite|method|specimen|device|referenceRange"},
	{"MedicationRequest", "supportingInformation|dispenseRequest|substitution|priorPrescription|detectedIssue|"
			      "eventHistory|insurance"},
	{"DiagnosticReport", "specimen|imagingStudy|media|conclusion|conclusionCode|presentedForm"},
	{"Procedure", "report|complication|complicationDetail|followUp|focalDevice|usedReference|usedCode"},
	{"Immunization", "statusReason|lotNumber|expirationDate|site|route|doseQuantity|reasonCode|reasonReference|"
			 "subpotentReason|education|programEligibility|fundingSource|reaction|protocolApplied"},
};

static bool in_list(const char *list, struct str name)
{
	struct str rest = str_c(list), one;
	while (str_next(&rest, '|', &one))
		if (str_eq(one, name))
			return true;
	return false;
}

/* The element of def that JSON member `key` belongs to: "_birthDate" and
 * "birthDate" to birthDate, "valueQuantity" to value[x]; its name without
 * [x] in *name. NULL for a member that is not an element of the type. */
static const struct fhir_elem *elem_of(const struct fhir_resource_def *def, struct str key, struct str *name)
{
	if (key.len && key.ptr[0] == '_') {
		key.ptr++;
		key.len--;
	}
	const struct fhir_typedef *td = def->def;
	for (size_t i = 0; i < td->n_elems; i++) {
		struct str e = str_c(td->elems[i].name);
		bool choice = e.len > 3 && memcmp(e.ptr + e.len - 3, "[x]", 3) == 0;
		if (choice)
			e.len -= 3;
		/* a choice by its name (_elements=value) or as it is sent (valueQuantity) */
		if (str_eq(key, e) || (choice && key.len > e.len && memcmp(key.ptr, e.ptr, e.len) == 0 &&
				       key.ptr[e.len] >= 'A' && key.ptr[e.len] <= 'Z')) {
			*name = e;
			return &td->elems[i];
		}
	}
	*name = key;
	return NULL;
}

static bool is_name(struct str s)
{
	if (!s.len || s.len > 64 || !((s.ptr[0] >= 'a' && s.ptr[0] <= 'z') || (s.ptr[0] >= 'A' && s.ptr[0] <= 'Z')))
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (!((s.ptr[i] >= 'a' && s.ptr[i] <= 'z') || (s.ptr[i] >= 'A' && s.ptr[i] <= 'Z') ||
		      (s.ptr[i] >= '0' && s.ptr[i] <= '9')))
			return false;
	return true;
}

/* The resource-level elements every resource has, beyond its own. */
static bool common_elem(struct str name)
{
	return in_list("id|meta|implicitRules|language|text|contained|extension|modifierExtension", name);
}

static bool rest_has_count(const struct str_pair *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq_c(p[i].key, "_summary") && str_eq_c(p[i].value, "count"))
			return true;
	return false;
}

bool api_subset_parse(struct api_request *rq, const struct fhir_resource_def *def, const struct str_pair *params,
		      size_t n, bool search, struct api_subset *out, struct str_pair **rest, size_t *n_rest)
{
	memset(out, 0, sizeof *out);
	*rest = arena_calloc(rq->arena, n ? n : 1, sizeof **rest);
	*n_rest = 0;
	if (!*rest) {
		api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
		return false;
	}
	bool summary = false, elements = false, summary_subsets = false;
	for (size_t i = 0; i < n; i++) {
		struct str k = params[i].key, v = params[i].value;
		if (str_eq_c(k, "_summary")) {
			if (summary) {
				api_reply_fail(rq, RK_INVALID, "_summary may be given once");
				return false;
			}
			summary = true;
			if (str_eq_c(v, "true"))
				out->mode = SUBSET_SUMMARY;
			else if (str_eq_c(v, "text"))
				out->mode = SUBSET_TEXT;
			else if (str_eq_c(v, "data"))
				out->mode = SUBSET_DATA;
			else if (str_eq_c(v, "false") || (search && str_eq_c(v, "count")))
				(*rest)[(*n_rest)++] = params[i];
			else {
				api_reply_fail(rq, RK_INVALID,
					       "_summary must be true, text, data, %sor false, not '%.*s'",
					       search ? "count " : "", (int)(v.len > 32 ? 32 : v.len), v.ptr);
				return false;
			}
			summary_subsets = out->mode != SUBSET_NONE && out->mode != SUBSET_ELEMENTS;
			if (summary_subsets)
				out->query = arena_printf(rq->arena, "_summary=%.*s", STR_FMT(v));
		} else if (str_eq_c(k, "_elements")) {
			if (elements) {
				api_reply_fail(rq, RK_INVALID, "_elements may be given once (a comma-separated list)");
				return false;
			}
			elements = true;
			out->mode = SUBSET_ELEMENTS;
			struct str list = v, one;
			struct buf q;
			buf_init(&q, RK_MAX_URL);
			buf_puts(&q, "_elements=");
			while (str_next(&list, ',', &one)) {
				one = str_trim(one);
				struct str name;
				if (!is_name(one) || (!elem_of(def, one, &name) && !common_elem(name))) {
					api_reply_fail(rq, RK_INVALID, "_elements: '%.*s' is not an element of %s",
						       (int)(one.len > 64 ? 64 : one.len), one.ptr, def->name);
					buf_free(&q);
					return false;
				}
				if (out->n_names == sizeof out->names / sizeof out->names[0]) {
					api_reply_fail(rq, RK_INVALID, "_elements names more than %zu elements",
						       sizeof out->names / sizeof out->names[0]);
					buf_free(&q);
					return false;
				}
				if (out->n_names)
					buf_puts(&q, "%2C");
				buf_put_urlenc(&q, one);
				out->names[out->n_names++] = name; /* valueQuantity → value */
			}
			if (!out->n_names) {
				api_reply_fail(rq, RK_INVALID, "_elements names no element");
				buf_free(&q);
				return false;
			}
			out->query = arena_strndup(rq->arena, q.data, q.len);
			buf_free(&q);
		} else {
			(*rest)[(*n_rest)++] = params[i];
		}
	}
	if ((summary_subsets && elements) || (summary && elements && rest_has_count(*rest, *n_rest))) {
		api_reply_fail(rq, RK_INVALID, "_summary and _elements cannot be combined; use one");
		return false;
	}
	if (out->mode != SUBSET_NONE && !out->query) {
		api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
		return false;
	}
	return true;
}

static bool keep(const struct api_subset *s, const struct fhir_resource_def *def, const char *key)
{
	struct str k = str_c(key), name;
	if (str_eq_c(k, "resourceType") || str_eq_c(k, "id") || str_eq_c(k, "meta"))
		return true;
	const struct fhir_elem *e = elem_of(def, k, &name);
	bool mandatory = e && e->min > 0;
	switch (s->mode) {
	case SUBSET_NONE: return true;
	case SUBSET_DATA: return !str_eq_c(name, "text");
	case SUBSET_TEXT: return mandatory || str_eq_c(name, "text");
	case SUBSET_ELEMENTS:
		if (mandatory)
			return true;
		for (size_t i = 0; i < s->n_names; i++)
			if (str_eq(s->names[i], name))
				return true;
		return false;
	case SUBSET_SUMMARY:
		if (mandatory)
			return true;
		for (size_t i = 0; i < sizeof not_summary / sizeof not_summary[0]; i++)
			if ((strcmp(not_summary[i].type, "*") == 0 || strcmp(not_summary[i].type, def->name) == 0) &&
			    in_list(not_summary[i].names, name))
				return false;
		return true;
	}
	return true;
}

enum rk_status api_subset_apply(const struct api_subset *s, const struct fhir_resource_def *def, struct str body,
				struct arena *a, struct str *out, struct rk_err *err)
{
	*out = body;
	if (s->mode == SUBSET_NONE)
		return RK_OK;
	json_t *res = rk_json_parse(body, err);
	if (!res)
		return RK_INTERNAL;
	json_t *sub = json_object();
	const char *key;
	json_t *val;
	json_object_foreach(res, key, val)
	{
		if (keep(s, def, key))
			json_object_set(sub, key, val);
	}
	json_t *meta = json_object_get(sub, "meta");
	if (!json_is_object(meta)) {
		meta = json_object();
		json_object_set_new(sub, "meta", meta);
	} else {
		meta = json_deep_copy(meta); /* the stored resource's meta stays as it is */
		json_object_set_new(sub, "meta", meta);
	}
	json_t *tags = json_object_get(meta, "tag");
	if (!json_is_array(tags)) {
		tags = json_array();
		json_object_set_new(meta, "tag", tags);
	}
	json_array_append_new(tags, json_pack("{s:s, s:s, s:s}", "system", SUBSETTED_SYSTEM, "code", "SUBSETTED",
					      "display", "subsetted"));
	struct buf b;
	buf_init(&b, RK_MAX_RESPONSE);
	enum rk_status st = rk_json_dump(sub, &b);
	json_decref(sub);
	json_decref(res);
	if (st == RK_OK) {
		char *text = arena_strndup(a, b.data, b.len);
		if (text)
			*out = (struct str){text, b.len};
		else
			st = rk_fail(err, RK_TOO_LARGE, "out of request memory");
	} else {
		rk_fail(err, st, "the subsetted resource is larger than %u bytes", (unsigned)RK_MAX_RESPONSE);
	}
	buf_free(&b);
	return st;
}
