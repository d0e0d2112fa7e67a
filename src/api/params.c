/* params.c — the shared parameter helpers of api/ (params.h): one parser and
 * one error message per parameter, whichever handler takes it. */
#include "api/params.h"

#include "core/limits.h"
#include "core/time.h"
#include "fhir/validate.h"

bool api_param_count(struct api_request *rq, struct str v, int64_t lo, int64_t hi, int64_t *out)
{
	if (str_to_i64(v, lo, hi, out))
		return true;
	api_reply_fail(rq, RK_INVALID, "_count must be %lld..%lld", (long long)lo, (long long)hi);
	return false;
}

bool api_param_offset(struct api_request *rq, struct str v, int64_t *out)
{
	if (str_to_i64(v, 0, RK_MAX_OFFSET, out))
		return true;
	api_reply_fail(rq, RK_INVALID, "_offset must be 0..%d", RK_MAX_OFFSET);
	return false;
}

bool api_param_since(struct api_request *rq, struct str v, int64_t *out)
{
	struct time_range r;
	if (time_parse_fhir(v, TIME_INSTANT, &r)) {
		*out = r.lo;
		return true;
	}
	api_reply_fail(rq, RK_INVALID, "_since must be an instant (YYYY-MM-DDThh:mm:ss+zz:zz), not '%.*s'",
		       (int)(v.len > 64 ? 64 : v.len), v.ptr);
	return false;
}

bool api_param_date(struct api_request *rq, struct str v, int64_t *lo, int64_t *hi)
{
	struct time_range r;
	struct str d = v;
	bool ge = str_starts_with(v, "ge"), le = str_starts_with(v, "le"), gt = str_starts_with(v, "gt"),
	     lt = str_starts_with(v, "lt");
	if (ge || le || gt || lt)
		d = (struct str){v.ptr + 2, v.len - 2};
	if (!time_parse_fhir(d, TIME_SEARCH, &r)) {
		api_reply_fail(rq, RK_INVALID, "date '%.*s' is not a date (prefixes ge, gt, le, lt)",
			       (int)(v.len > 40 ? 40 : v.len), v.ptr);
		return false;
	}
	if (ge)
		*lo = r.lo;
	else if (gt)
		*lo = r.hi;
	else if (le)
		*hi = r.hi;
	else if (lt)
		*hi = r.lo;
	else {
		*lo = r.lo;
		*hi = r.hi;
	}
	return true;
}

bool api_param_id(struct api_request *rq, const char *type, struct str id)
{
	if (fhir_id_valid(id))
		return true;
	api_reply_fail(rq, RK_NOT_FOUND, "%s/%.*s is not known", type, (int)(id.len > 64 ? 64 : id.len), id.ptr);
	return false;
}
