/* response.c — building responses and reading requests for handlers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "access/decide.h"
#include "api/api.h"
#include "core/json.h"
#include "core/limits.h"
#include "fhir/render.h"
#include "model/role.h"

#define FHIR_JSON "application/fhir+json; charset=utf-8"

struct str api_header(const struct api_request *rq, const char *name)
{
	return rq->header_fn ? rq->header_fn(rq, name) : STR_NULL;
}

void api_set_header(struct api_request *rq, const char *name, const char *value)
{
	if (rq->n_headers == API_MAX_HEADERS)
		return;
	char *v = arena_strdup(rq->arena, value);
	if (!v)
		return;
	rq->header_names[rq->n_headers] = name;
	rq->header_values[rq->n_headers++] = v;
}

void api_reply_json(struct api_request *rq, int status, struct str json)
{
	rq->status = status;
	rq->content_type = FHIR_JSON;
	buf_reset(&rq->out);
	if (buf_put_str(&rq->out, json) != RK_OK)
		api_reply_fail(rq, RK_TOO_LARGE, "response is larger than %u bytes", (unsigned)RK_MAX_RESPONSE);
}

void api_reply_obj(struct api_request *rq, int status, json_t *o)
{
	struct buf b;
	buf_init(&b, RK_MAX_RESPONSE);
	rk_json_dump(o, &b);
	api_reply_json(rq, status, buf_str(&b));
	rq->content_type = "application/json";
	buf_free(&b);
	json_decref(o);
}

bool api_operator_only(struct api_request *rq, const char *what)
{
	if (!rq->store) {
		api_reply_fail(rq, RK_BUSY, "the database is unreachable; try again shortly");
		return false;
	}
	if (rq->who.kind == PRINCIPAL_STAFF && rq->who.role == ROLE_OPERATOR)
		return true;
	api_reply_fail(rq, RK_FORBIDDEN, "%s is reserved to the network operator (運用管理者)", what);
	return false;
}

void api_reply_error(struct api_request *rq, enum rk_status st, const struct rk_err *err)
{
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "%s", err && err->msg[0] ? err->msg : rk_status_text(st));
	rq->status = rk_status_http(st);
	rq->content_type = FHIR_JSON;
	rq->outcome = st;
	rq->n_headers = 0;
	buf_reset(&rq->out);
	fhir_render_outcome(&rq->out, st, err);
	if (st == RK_METHOD)
		api_set_header(rq, "Allow", err && err->where[0] ? err->where : "GET");
}

void api_reply_fail(struct api_request *rq, enum rk_status st, const char *fmt, ...)
{
	struct rk_err err;
	rk_err_clear(&err);
	err.status = st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err.msg, sizeof err.msg, fmt, ap);
	va_end(ap);
	api_reply_error(rq, st, &err);
}

static bool urldecode(struct arena *a, struct str in, struct str *out)
{
	char *o = arena_alloc(a, in.len + 1);
	if (!o)
		return false;
	size_t n = 0;
	for (size_t i = 0; i < in.len; i++) {
		char c = in.ptr[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= in.len)
				return false;
			int h = str_hexval(in.ptr[i + 1]), l = str_hexval(in.ptr[i + 2]);
			if (h < 0 || l < 0)
				return false;
			c = (char)(h * 16 + l);
			i += 2;
		}
		o[n++] = c;
	}
	o[n] = '\0';
	*out = (struct str){o, n};
	return true;
}

enum rk_status api_parse_form(struct arena *a, struct str body, struct str_pair **out, size_t *n, struct rk_err *err)
{
	struct str_pair *pairs = arena_calloc(a, RK_MAX_QUERY_PARAMS, sizeof *pairs);
	if (!pairs)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	size_t count = 0;
	struct str rest = body, field;
	while (str_next(&rest, '&', &field)) {
		if (!field.len)
			continue;
		if (count == RK_MAX_QUERY_PARAMS)
			return rk_fail(err, RK_INVALID, "more than %d form parameters", RK_MAX_QUERY_PARAMS);
		struct str k, v;
		str_cut(field, '=', &k, &v);
		if (!urldecode(a, k, &pairs[count].key) || !urldecode(a, v, &pairs[count].value))
			return rk_fail(err, RK_INVALID, "malformed percent-encoding in the form body");
		count++;
	}
	*out = pairs;
	*n = count;
	return RK_OK;
}

struct access_ctx *api_access(struct api_request *rq)
{
	if (!rq->access_ready) {
		access_ctx_init(&rq->access, rq->store, rq->arena, &rq->who, rq->now);
		rq->access_ready = true;
	}
	return &rq->access;
}

static bool listed(const struct buf *list, const char *regional)
{
	char needle[64];
	snprintf(needle, sizeof needle, "\"%s\"", regional);
	return str_contains(buf_str(list), needle);
}

void api_audit_patient(struct api_request *rq, const char *regional)
{
	if (!regional || !regional[0] || listed(&rq->audit.patients, regional))
		return;
	if (rq->audit.patients.len)
		buf_putc(&rq->audit.patients, ',');
	buf_put_json_str(&rq->audit.patients, str_c(regional));
}

void api_audit_entity(struct api_request *rq, struct str type, struct str id, int64_t version,
		      const struct access_decision *d, const char *regional)
{
	struct api_audit *a = &rq->audit;
	if (a->n_entities++)
		buf_putc(&a->entities, ',');
	if (version > 0)
		buf_printf(&a->entities, "{\"ref\":\"%.*s/%.*s/_history/%lld\"", STR_FMT(type), STR_FMT(id),
			   (long long)version);
	else
		buf_printf(&a->entities, "{\"ref\":\"%.*s/%.*s\"", STR_FMT(type), STR_FMT(id));
	if (d && d->grant != GRANT_NONE) {
		buf_printf(&a->entities, ",\"grant\":\"%s\"", access_grant_code(d->grant));
		if (d->grant_ref) {
			buf_puts(&a->entities, ",\"grant_ref\":");
			buf_put_json_str(&a->entities, str_c(d->grant_ref));
		}
		if (d->grant == GRANT_EMERGENCY || d->grant == GRANT_DISASTER)
			a->purpose = "ETREAT";
	}
	int g = d ? (int)d->grant : 0;
	if (a->n_entities == 1) {
		a->grant = g;
		a->grant_ref = d ? d->grant_ref : NULL;
	} else if (a->grant != g || (a->grant_ref && d && d->grant_ref && strcmp(a->grant_ref, d->grant_ref) != 0)) {
		a->grant = -1;
		a->grant_ref = NULL;
	}
	buf_putc(&a->entities, '}');
	api_audit_patient(rq, regional);
}

void api_audit_event(const struct api_request *rq, const char *method, const char *url, struct audit_event *ev,
		     struct api_audit_text *t)
{
	const struct api_audit *a = &rq->audit;
	const struct principal *who = &rq->who;
	buf_init(&t->query, RK_MAX_URL * 3 + 16);
	buf_init(&t->patients, RK_MAX_RESPONSE);
	buf_init(&t->entities, RK_MAX_RESPONSE);
	buf_printf(&t->query, "%s %s", method, url);
	for (size_t i = 0; i < rq->n_params; i++) {
		buf_putc(&t->query, i ? '&' : '?');
		buf_put_urlenc(&t->query, rq->params[i].key);
		buf_putc(&t->query, '=');
		buf_put_urlenc(&t->query, rq->params[i].value);
	}
	buf_putc(&t->patients, '[');
	buf_put_str(&t->patients, buf_str(&a->patients));
	buf_putc(&t->patients, ']');
	buf_putc(&t->entities, '[');
	buf_put_str(&t->entities, buf_str(&a->entities));
	buf_putc(&t->entities, ']');
	int status = rq->status;
	const char *grant = !a->n_entities ? ""
			    : a->grant < 0 ? "mixed"
					   : access_grant_code((enum access_grant)a->grant);
	const char *event = a->event               ? a->event
			    : rq->route_event      ? rq->route_event
			    : rq->route_bad_method ? "bad-method"
						   : "no-route";
	*ev = (struct audit_event){
		.request_id = rq->request_id,
		.event = event,
		.action = a->action          ? a->action
			  : rq->route_action ? rq->route_action
					     : 'E',
		.outcome = status < 400   ? 0
			   : status < 500 ? 4
					  : 8,
		.account = who->kind != PRINCIPAL_NONE ? who->account : a->account_hint,
		.role = who->kind != PRINCIPAL_NONE ? role_info(who->role)->code : "",
		.facility = who->facility,
		.session_ref = who->session_ref,
		.client_addr = rq->client_addr,
		.purpose = a->purpose ? a->purpose : (who->kind == PRINCIPAL_NONE ? "" : "TREAT"),
		.grant_kind = grant,
		.grant_ref = a->n_entities && a->grant >= 0 ? a->grant_ref : NULL,
		.patients = buf_cstr(&t->patients),
		.entities = buf_cstr(&t->entities),
		.query = buf_cstr(&t->query),
		.detail = a->detail,
	};
}

void api_audit_text_free(struct api_audit_text *t)
{
	buf_free(&t->query);
	buf_free(&t->patients);
	buf_free(&t->entities);
}
