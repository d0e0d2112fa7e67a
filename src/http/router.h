/* router.h — matching a method and path against api/routes.c. Pure. */
#ifndef RENKEI_HTTP_ROUTER_H
#define RENKEI_HTTP_ROUTER_H

#include "api/routes.h"
#include "core/str.h"

enum router_result {
	ROUTER_MATCH,      /* *route and args set */
	ROUTER_NO_ROUTE,   /* no pattern matches the path */
	ROUTER_BAD_METHOD, /* the path matches, the method does not; allow lists the methods */
};

/* args must hold API_MAX_ARGS slices (they point into path). allow gets a
 * comma-separated method list for ROUTER_BAD_METHOD. */
enum router_result router_match(const char *method, struct str path, const struct api_route **route, struct str *args,
				char *allow, size_t allow_cap);

#endif
