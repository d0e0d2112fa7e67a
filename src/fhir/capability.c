/* capability.c — CapabilityStatement (R4) from the served-type table. */
#include "fhir/capability.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/types.h"

static const char *sp_type_name(enum fhir_sp_type t)
{
	switch (t) {
	case SP_TOKEN: return "token";
	case SP_STRING: return "string";
	case SP_DATE: return "date";
	case SP_REFERENCE: return "reference";
	}
	return "token";
}

static json_t *interactions(const char *const *codes, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s}", "code", codes[i]));
	return a;
}

static json_t *resource_entry(const struct fhir_resource_def *def)
{
	static const char *const codes[] = {"read",   "vread",       "update",           "patch",       "delete",
					    "create", "search-type", "history-instance", "history-type"};
	json_t *params = json_array();
	json_array_append_new(
		params, json_pack("{s:s, s:s, s:s}", "name", "_id", "type", "token", "documentation", "Logical id"));
	json_array_append_new(params, json_pack("{s:s, s:s, s:s}", "name", "_lastUpdated", "type", "date",
						"documentation", "When the resource last changed"));
	for (size_t i = 0; i < def->n_params; i++)
		json_array_append_new(params, json_pack("{s:s, s:s, s:s}", "name", def->params[i].name, "type",
							sp_type_name(def->params[i].type), "documentation",
							def->params[i].doc));
	json_t *r = json_pack("{s:s, s:[s], s:o, s:s, s:b, s:b, s:b, s:s, s:b, s:s, s:o, s:s}", "type", def->name,
			      "supportedProfile", def->profile, "interaction",
			      interactions(codes, sizeof codes / sizeof codes[0]), "versioning", "versioned-update",
			      "readHistory", 1, "updateCreate", 1, "conditionalCreate", 1, "conditionalRead",
			      "full-support", "conditionalUpdate", 1, "conditionalDelete", "single", "searchParam",
			      params, "documentation",
			      "read and search take _summary (true, text, data, false; count on search) and _elements; "
			      "read answers 304 to If-None-Match and If-Modified-Since; PUT, PATCH and DELETE take "
			      "If-Match; PUT and DELETE with a search query instead of an id are conditional (several "
			      "matches: 412); POST takes If-None-Exist; PATCH takes JSON Patch "
			      "(application/json-patch+json); a Prefer value, conditional header or parameter not "
			      "named here is refused with 400");
	/* _include: this type's reference parameters; _revinclude: every served
	 * type's reference parameters (the server checks the target per request). */
	json_t *inc = json_array(), *rev = json_array();
	for (size_t i = 0; i < def->n_params; i++)
		if (def->params[i].type == SP_REFERENCE)
			json_array_append_new(inc, json_sprintf("%s:%s", def->name, def->params[i].name));
	for (size_t k = 0; k < fhir_resources_len; k++)
		for (size_t i = 0; i < fhir_resources[k]->n_params; i++)
			if (fhir_resources[k]->params[i].type == SP_REFERENCE)
				json_array_append_new(rev, json_sprintf("%s:%s", fhir_resources[k]->name,
									fhir_resources[k]->params[i].name));
	if (json_array_size(inc))
		json_object_set_new(r, "searchInclude", inc);
	else
		json_decref(inc);
	json_object_set_new(r, "searchRevInclude", rev);
	if (strcmp(def->name, "Patient") == 0)
		json_object_set_new(
			r, "operation",
			json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "name", "ihe-pix", "definition",
				  "https://profiles.ihe.net/ITI/PIXm/OperationDefinition/IHE.PIXm.pix", "documentation",
				  "Cross-reference a local or regional patient ID to every linked registration", "name",
				  "everything", "definition",
				  "http://hl7.org/fhir/OperationDefinition/Patient-everything", "documentation",
				  "Every registration of the person and every record of them the user may see "
				  "(_type, _since, _count)"));
	if (strcmp(def->name, "Patient") == 0)
		json_array_append_new(
			json_object_get(r, "operation"),
			json_pack("{s:s, s:s, s:s}", "name", "export", "definition",
				  "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export", "documentation",
				  "GET /fhir/Patient/$export (Bulk Data, async): every patient's data the operator may "
				  "read (docs/ACCESS.md, Bulk export)"));
	if (strcmp(def->name, "Patient") == 0)
		json_array_append_new(
			json_object_get(r, "operation"),
			json_pack("{s:s, s:s, s:s}", "name", "summary", "definition",
				  "http://hl7.org/fhir/uv/ips/OperationDefinition/summary", "documentation",
				  "GET /fhir/Patient/{id}/$summary: the emergency summary (救急用サマリー) as an IPS "
				  "document Bundle of what the user may see; _format=pdf for one A4 page"));
	return r;
}

char *fhir_capability_build(const struct config *cfg, int64_t now)
{
	char date[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(now, date);
	json_t *resources = json_array();
	for (size_t i = 0; i < fhir_resources_len; i++)
		json_array_append_new(resources, resource_entry(fhir_resources[i]));
	static const char *const sys[] = {"transaction", "batch", "history-system"};
	json_t *sys_interactions = interactions(sys, 3);
	char bundle_doc[256];
	snprintf(bundle_doc, sizeof bundle_doc,
		 "POST /fhir: up to %d entries (GET, POST, PUT, DELETE; ifMatch, ifNoneExist; PUT and DELETE of "
		 "Type?search are conditional); urn:uuid fullUrls resolve within a transaction, which is all or "
		 "nothing",
		 RK_MAX_BUNDLE_ENTRIES);
	json_object_set_new(json_array_get(sys_interactions, 0), "documentation", json_string(bundle_doc));
	json_object_set_new(json_array_get(sys_interactions, 1), "documentation",
			    json_string("POST /fhir: each entry on its own, with its status or OperationOutcome"));
	json_t *cs = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:[s, s], s:[{s:s, s:s, s:o, s:o}]}",
		"resourceType", "CapabilityStatement", "id", "renkei", "status", "active", "date", date, "publisher",
		"renkei", "kind", "instance", "description",
		"renkei: regional health information network (医療情報連携ネットワーク) FHIR R4 API", "software",
		"name", "renkei", "version", RENKEI_VERSION, "implementation", "description", cfg->region_name, "url",
		cfg->fhir_base_url, "fhirVersion", "4.0.1", "format", "application/fhir+json", "json", "rest", "mode",
		"server", "documentation",
		"JP Core identifier systems: local patient ID urn:oid:1.2.392.100495.20.3.51.1 + facility code; "
		"regional patient ID per region.id_system; names in 漢字 (IDE) and カナ (SYL).",
		"resource", resources, "interaction", sys_interactions);
	if (cs)
		json_object_set_new(cs, "patchFormat", json_pack("[s]", "application/json-patch+json"));
	if (cs) { /* FHIR Bulk Data: the system and group kick-offs (the patient one is Patient's) */
		json_object_set_new(cs, "instantiates",
				    json_pack("[s]", "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"));
		json_object_set_new(
			json_array_get(json_object_get(cs, "rest"), 0), "operation",
			json_pack(
				"[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "name", "export", "definition",
				"http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export", "documentation",
				"GET /fhir/$export with Prefer: respond-async (_type, _since, _outputFormat ndjson): the "
				"region as the operator may read it; status at Content-Location, files for the starter only",
				"name", "group-export", "definition",
				"http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export", "documentation",
				"GET /fhir/Group/{facility code}/$export: the people registered at a facility, by its own "
				"system (within its read scopes) or the operator"));
	}
	if (!cs)
		rk_oom();
	struct buf b;
	buf_init(&b, 1u << 20);
	if (rk_json_dump(cs, &b) != RK_OK)
		rk_oom();
	json_decref(cs);
	return buf_steal(&b, NULL);
}
