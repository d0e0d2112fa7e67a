/* routes.c — every route renkei serves, on one screen. Order matters: the
 * first pattern that matches wins, so literal segments come before {captures}.
 * Anything else under GET is a static file of web/. */
#include "api/routes.h"

#include "api/fhir_rest.h"

const struct api_route api_routes[] = {
	{"GET",    "/healthz",                          api_healthz,               0,          "liveness and database check"},
	{"GET",    "/fhir/metadata",                    api_fhir_metadata,         0,          "CapabilityStatement"},
	{"GET",    "/fhir/_history",                    api_fhir_history_system,   0,          "history of every resource"},
	{"GET",    "/fhir/Patient/$ihe-pix",            api_fhir_pix,              0,          "PIX: local/regional ID cross-reference"},
	{"GET",    "/fhir/{type}",                      api_fhir_search,           0,          "search"},
	{"POST",   "/fhir/{type}/_search",              api_fhir_search_post,      ROUTE_BODY, "search with a form body"},
	{"POST",   "/fhir/{type}",                      api_fhir_create,           ROUTE_BODY, "create"},
	{"GET",    "/fhir/{type}/_history",             api_fhir_history_type,     0,          "history of a type"},
	{"GET",    "/fhir/{type}/{id}",                 api_fhir_read,             0,          "read"},
	{"PUT",    "/fhir/{type}/{id}",                 api_fhir_update,           ROUTE_BODY, "update (or create with this id)"},
	{"DELETE", "/fhir/{type}/{id}",                 api_fhir_delete,           0,          "delete"},
	{"GET",    "/fhir/{type}/{id}/_history",        api_fhir_history_instance, 0,          "history of a resource"},
	{"GET",    "/fhir/{type}/{id}/_history/{vid}",  api_fhir_vread,            0,          "read a version"},
};

const unsigned api_routes_len = sizeof api_routes / sizeof api_routes[0];
