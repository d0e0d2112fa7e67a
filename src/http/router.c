/* router.c — segment-by-segment matching of "/a/{x}/b" patterns. */
#include "http/router.h"

#include <string.h>

static bool pattern_match(const char *pattern, struct str path, struct str *args)
{
	struct str pat = str_c(pattern), ps, pp;
	int n = 0;
	if (!path.len || path.ptr[0] != '/')
		return false;
	pat.ptr++;
	pat.len--;
	path.ptr++;
	path.len--;
	for (;;) {
		bool more_pat = str_cut(pat, '/', &ps, &pat);
		bool more_path = str_cut(path, '/', &pp, &path);
		if (ps.len > 2 && ps.ptr[0] == '{') {
			if (!pp.len || n == API_MAX_ARGS)
				return false;
			args[n++] = pp;
		} else if (!str_eq(ps, pp)) {
			return false;
		}
		if (more_pat != more_path)
			return false;
		if (!more_pat)
			return true;
	}
}

enum router_result router_match(const char *method, struct str path, const struct api_route **route, struct str *args,
				char *allow, size_t allow_cap)
{
	bool path_seen = false;
	size_t used = 0;
	if (allow_cap)
		allow[0] = '\0';
	/* A FHIR base URL with a trailing slash is the same URL (POST /fhir/,
	 * GET /fhir/Patient/): FHIR clients append one as they please. */
	if (path.len > 5 && path.ptr[path.len - 1] == '/' && str_starts_with(path, "/fhir"))
		path.len--;
	for (unsigned i = 0; i < api_routes_len; i++) {
		struct str tmp[API_MAX_ARGS] = {{0}};
		if (!pattern_match(api_routes[i].pattern, path, tmp))
			continue;
		if (strcmp(api_routes[i].method, method) == 0) {
			*route = &api_routes[i];
			memcpy(args, tmp, sizeof tmp);
			return ROUTER_MATCH;
		}
		/* A literal route (e.g. /fhir/metadata) shadows the captures below it
		 * for its own method only; remember the methods for 405. */
		size_t ml = strlen(api_routes[i].method);
		if (!strstr(allow, api_routes[i].method) && used + ml + 3 < allow_cap) {
			if (used) {
				memcpy(allow + used, ", ", 2);
				used += 2;
			}
			memcpy(allow + used, api_routes[i].method, ml + 1);
			used += ml;
		}
		path_seen = true;
	}
	return path_seen ? ROUTER_BAD_METHOD : ROUTER_NO_ROUTE;
}
