/* server.c — libmicrohttpd glue. A request's life: first callback (headers
 * only) → route and limits; body chunks → bounded buffer; last callback →
 * handler → audit → response. A read's audit entry is queued and the
 * connection suspended until the group-committing writer has made it durable
 * (suspending instead of waiting keeps the worker threads busy meanwhile); a
 * state-changing request runs in one transaction with its audit entry, so
 * the change and its entry commit together or not at all. State lives in a
 * per-request arena. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access/auth.h"
#include "audit/audit.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/time.h"
#include "http/router.h"
#include "http/static.h"

struct http_server {
	struct MHD_Daemon *daemon;
	const struct api_env *env;
	char root_real[RK_MAX_PATH];
	char *tls_key, *tls_cert;
	atomic_int suspended; /* connections waiting for their audit entry */
	atomic_bool stopping; /* no more suspending: http_stop is waiting for the rest */
};

/* Per-thread worker state: the database connection. */
struct worker {
	struct store *store;
};

static pthread_key_t worker_key;
static pthread_once_t worker_once = PTHREAD_ONCE_INIT;

static void worker_free(void *p)
{
	struct worker *w = p;
	store_close(w->store);
	free(w);
}

static void worker_key_init(void)
{
	pthread_key_create(&worker_key, worker_free);
}

static struct store *worker_store(const struct api_env *env)
{
	struct worker *w = pthread_getspecific(worker_key);
	if (w && w->store)
		return w->store;
	if (!w) {
		w = calloc(1, sizeof *w);
		if (!w)
			rk_oom();
		pthread_setspecific(worker_key, w);
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct store_options opt = {.busy_timeout_ms = (int)env->cfg->store_busy_timeout_ms,
				    .cache_bytes = env->cfg->store_cache,
				    .read_only = env->cfg->read_only};
	if (store_open(env->cfg->store_url, &opt, &w->store, &err) != RK_OK) {
		log_event(LOG_ERROR, "store.open_failed", "error", err.msg, NULL);
		w->store = NULL;
	}
	return w->store;
}

struct http_req {
	struct arena arena;
	struct api_request rq;
	const struct api_route *route;
	struct str_pair *params;
	size_t n_params, cap_params;
	struct buf body;
	bool too_large;
	bool replied; /* a response was queued early (413/405/404) */
	enum router_result match;
	char allow[64];
	char client_addr[64];
	char request_id[72];
	int64_t t0;
	bool in_dispatch; /* the handler ran: the connection may be suspended */
	bool unrecorded;  /* a change refused because its audit entry failed: the 503 stands */
	bool joined;      /* a ROUTE_STEPS handler joined the request's transaction (join_audit) */
	bool streamed;    /* rq.stream was handed to a streamed response (which calls its done) */
	atomic_int aud;   /* AUD_NONE, AUD_PENDING (suspended), AUD_DONE */
	enum rk_status aud_status;
	char aud_msg[RK_ERR_MSG_MAX];
	struct MHD_Connection *conn;
	struct http_server *srv;
};

enum { AUD_NONE, AUD_PENDING, AUD_DONE };

static struct str header_fn(const struct api_request *rq, const char *name)
{
	const struct http_req *hr = rq->transport;
	const char *v = MHD_lookup_connection_value(hr->conn, MHD_HEADER_KIND, name);
	return v ? str_c(v) : STR_NULL;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct http_req *hr = cls;
	if (hr->n_params == hr->cap_params) {
		hr->too_large = true; /* reported as too many parameters */
		return MHD_NO;
	}
	hr->params[hr->n_params].key = str_c(key);
	hr->params[hr->n_params].value = str_c(value ? value : "");
	hr->n_params++;
	return MHD_YES;
}

static void add_common_headers(struct http_server *srv, struct MHD_Response *resp, bool html)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	if (html)
		MHD_add_response_header(resp, "Content-Security-Policy",
					"default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
					"frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
	if (srv->env->cfg->tls_enabled)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
}

static void access_log(struct http_req *hr, const char *method, const char *url, int status, size_t bytes)
{
	char st[8], ms[24], sz[24];
	snprintf(st, sizeof st, "%d", status);
	snprintf(ms, sizeof ms, "%lld", (long long)(time_mono_ms() - hr->t0));
	snprintf(sz, sizeof sz, "%zu", bytes);
	/* The path only: query strings may carry patient names. */
	log_event(status >= 500 ? LOG_ERROR : LOG_INFO, "http.request", "method", method, "path", url, "status", st,
		  "ms", ms, "bytes", sz, "request", hr->request_id, "outcome",
		  status >= 400 ? rk_status_name(hr->rq.outcome) : NULL, NULL);
}

/* On the audit writer's thread: the entry of a suspended request is durable
 * (or failed). hr may be freed as soon as the connection is resumed. */
static void audit_done(void *arg, enum rk_status status, const char *message)
{
	struct http_req *hr = arg;
	struct http_server *srv = hr->srv;
	hr->aud_status = status;
	snprintf(hr->aud_msg, sizeof hr->aud_msg, "%s", message ? message : "");
	atomic_store(&hr->aud, AUD_DONE);
	MHD_resume_connection(hr->conn);
	atomic_fetch_sub(&srv->suspended, 1);
}

/* Queue the entry and suspend the connection; false when the request must
 * wait synchronously instead (early replies, or the server is stopping). */
static bool audit_async(struct http_req *hr, const struct audit_event *ev)
{
	struct http_server *srv = hr->srv;
	if (!hr->in_dispatch)
		return false;
	atomic_fetch_add(&srv->suspended, 1); /* before the check: http_stop waits for it */
	if (atomic_load(&srv->stopping)) {
		atomic_fetch_sub(&srv->suspended, 1);
		return false;
	}
	atomic_store(&hr->aud, AUD_PENDING);
	MHD_suspend_connection(hr->conn);
	if (audit_submit(srv->env->audit, ev, audit_done, hr) != RK_OK)
		audit_done(hr, RK_BUSY, "the audit log is shutting down");
	return true;
}

/* A streamed response (Server-Sent Events): the reader pulls from the
 * handler's stream; with nothing to send, the stream suspends the connection
 * (counted in srv->suspended, so http_stop waits for it) until it resumes. */
struct stream_ctx {
	struct api_stream s;
	struct MHD_Connection *conn;
	struct http_server *srv;
};

static void stream_suspend(void *w)
{
	struct stream_ctx *c = w;
	atomic_fetch_add(&c->srv->suspended, 1);
	MHD_suspend_connection(c->conn);
}

static void stream_resume(void *w)
{
	struct stream_ctx *c = w;
	MHD_resume_connection(c->conn);
	atomic_fetch_sub(&c->srv->suspended, 1);
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct stream_ctx *c = cls;
	long n = c->s.read(c->s.arg, buf, max);
	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream_ctx *c = cls;
	c->s.done(c->s.arg);
	free(c);
}

static enum MHD_Result send_stream(struct http_req *hr, const char *method, const char *url)
{
	struct stream_ctx *c = calloc(1, sizeof *c);
	if (!c)
		rk_oom();
	*c = (struct stream_ctx){hr->rq.stream, hr->conn, hr->srv};
	hr->streamed = true;
	c->s.attach(c->s.arg, stream_suspend, stream_resume, c);
	struct MHD_Response *resp =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_reader, c, stream_free);
	if (!resp) {
		stream_free(c);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	MHD_add_response_header(resp, "X-Request-Id", hr->request_id);
	add_common_headers(hr->srv, resp, false);
	enum MHD_Result r = MHD_queue_response(hr->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	access_log(hr, method, url, 200, 0);
	hr->replied = true;
	return r;
}

/* Send rq's response (status, headers, body). */
static enum MHD_Result send_api(struct http_req *hr, const char *method, const char *url)
{
	/* Every request is audited, routed or not (probes of paths and methods
	 * that do not exist too), but the routes marked ROUTE_NO_AUDIT; a static
	 * file that is served never comes here (send_static; docs/ACCESS.md). */
	bool audited = !(hr->route && (hr->route->flags & ROUTE_NO_AUDIT));
	if (audited && !hr->rq.audit.skip && hr->srv->env->audit) {
		struct rk_err err;
		rk_err_clear(&err);
		enum rk_status rc;
		if (atomic_load(&hr->aud) == AUD_DONE) {
			rc = hr->aud_status;
			if (rc != RK_OK)
				rk_fail(&err, rc, "%s", hr->aud_msg);
		} else {
			struct audit_event ev;
			struct api_audit_text t;
			api_audit_event(&hr->rq, method, url, &ev, &t);
			bool queued = audit_async(hr, &ev);
			rc = queued ? RK_OK : audit_write(hr->srv->env->audit, &ev, NULL, &err);
			api_audit_text_free(&t);
			if (queued)
				return MHD_YES; /* resumed by audit_done; on_request comes back here */
		}
		if (rc != RK_OK) {
			log_event(LOG_ERROR, "audit.refused_response", "path", url, "error", err.msg, NULL);
			if (!hr->unrecorded)                             /* (else the refusal already says why) */
				api_reply_error(&hr->rq, RK_BUSY, &err); /* nothing is served unaudited */
		}
	}
	struct api_request *rq = &hr->rq;
	if (rq->stream.read && rq->status == 200)
		return send_stream(hr, method, url);
	size_t len = 0;
	char *data = buf_steal(&rq->out, &len);
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(len, data, free);
	if (!resp) {
		free(data);
		return MHD_NO;
	}
	if (rq->content_type && len)
		MHD_add_response_header(resp, "Content-Type", rq->content_type);
	for (int i = 0; i < rq->n_headers; i++)
		MHD_add_response_header(resp, rq->header_names[i], rq->header_values[i]);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Request-Id", hr->request_id);
	add_common_headers(hr->srv, resp, false);
	enum MHD_Result r = MHD_queue_response(hr->conn, (unsigned)rq->status, resp);
	MHD_destroy_response(resp);
	access_log(hr, method, url, rq->status, len);
	hr->replied = true;
	return r;
}

static enum MHD_Result send_error(struct http_req *hr, const char *method, const char *url, enum rk_status st,
				  const char *fmt, const char *arg)
{
	api_reply_fail(&hr->rq, st, fmt, arg);
	if (st == RK_METHOD) {
		hr->rq.n_headers = 0;
		api_set_header(&hr->rq, "Allow", hr->allow);
	}
	return send_api(hr, method, url);
}

static enum MHD_Result send_static(struct http_req *hr, const char *method, const char *url)
{
	struct static_file f;
	struct rk_err err;
	rk_err_clear(&err);
	if (static_open(hr->srv->root_real, str_c(url), &f, &err) != RK_OK)
		return send_error(hr, method, url, RK_NOT_FOUND, "%s", "no such page or API route");
	struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)f.size, f.fd);
	if (!resp) {
		close(f.fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", f.content_type);
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	add_common_headers(hr->srv, resp, f.html);
	enum MHD_Result r = MHD_queue_response(hr->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	access_log(hr, method, url, 200, (size_t)f.size);
	hr->replied = true;
	return r;
}

static struct http_req *req_new(struct http_server *srv, struct MHD_Connection *conn)
{
	struct http_req *hr = calloc(1, sizeof *hr);
	if (!hr)
		rk_oom();
	arena_init(&hr->arena, RK_MAX_REQUEST_MEM);
	hr->srv = srv;
	hr->conn = conn;
	hr->t0 = time_mono_ms();
	hr->rq.env = srv->env;
	hr->rq.arena = &hr->arena;
	hr->rq.header_fn = header_fn;
	hr->rq.transport = hr;
	hr->rq.now = time_now_ms();
	hr->rq.status = 200;
	buf_init(&hr->rq.out, RK_MAX_RESPONSE);
	buf_init(&hr->body, (size_t)srv->env->cfg->http_max_body);
	buf_init(&hr->rq.audit.entities, RK_MAX_RESPONSE);
	buf_init(&hr->rq.audit.patients, RK_MAX_RESPONSE);
	hr->rq.client_addr = hr->client_addr;
	hr->rq.request_id = hr->request_id;
	/* The client's X-Request-Id when it is a sane token, else a new one: it
	 * ties the client's log, the access log and the audit entry together. */
	const char *rid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
	bool sane = rid && *rid && strlen(rid) < sizeof hr->request_id;
	for (const char *c = rid; sane && *c; c++)
		sane = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		       *c == '_';
	if (sane)
		snprintf(hr->request_id, sizeof hr->request_id, "%s", rid);
	else
		rand_id(hr->request_id);
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, hr->client_addr,
				  sizeof hr->client_addr);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, hr->client_addr,
				  sizeof hr->client_addr);
	}
	return hr;
}

/* Authenticate before any of the body is read (SECURITY.md). */
static enum MHD_Result authenticate(struct http_req *hr, const char *method, const char *url)
{
	struct api_request *rq = &hr->rq;
	const struct config *cfg = hr->srv->env->cfg;
	rq->store = worker_store(hr->srv->env);
	if (!rq->store)
		return send_error(hr, method, url, RK_BUSY, "%s", "the database is unreachable; try again shortly");
	struct rk_err err;
	rk_err_clear(&err);
	struct str authz = STR_NULL, cookie = STR_NULL;
	const char *v = MHD_lookup_connection_value(hr->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (v)
		authz = str_c(v);
	v = MHD_lookup_connection_value(hr->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
	if (v)
		cookie = str_c(v);
	enum rk_status st = auth_authenticate(rq->store, cfg, authz, cookie, rq->now, &rq->who, &err);
	if (st != RK_OK) {
		rq->audit.event = "auth-failure";
		api_reply_error(rq, st, &err);
		if (st == RK_UNAUTHORIZED)
			api_set_header(rq, "WWW-Authenticate", "Bearer realm=\"renkei\"");
		return send_api(hr, method, url);
	}
	if (rq->who.kind == PRINCIPAL_STAFF && rq->who.stage != STAGE_OK && !(hr->route->flags & ROUTE_LOGIN)) {
		rk_fail_code(&err, RK_UNAUTHORIZED, "login_incomplete", "the login is not finished (next step: %s)",
			     session_stage_code(rq->who.stage));
		api_reply_error(rq, RK_UNAUTHORIZED, &err);
		return send_api(hr, method, url);
	}
	bool safe = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	if (rq->who.kind == PRINCIPAL_STAFF && !safe) {
		const char *csrf = MHD_lookup_connection_value(hr->conn, MHD_HEADER_KIND, "X-CSRF-Token");
		if (!csrf || strlen(csrf) != strlen(rq->who.csrf) ||
		    sodium_memcmp(csrf, rq->who.csrf, strlen(csrf)) != 0) {
			rq->audit.event = "csrf-failure";
			rk_fail_code(&err, RK_FORBIDDEN, "csrf", "the X-CSRF-Token header is missing or wrong");
			api_reply_error(rq, RK_FORBIDDEN, &err);
			return send_api(hr, method, url);
		}
	}
	return MHD_YES;
}

/* Would this request change anything (every method but GET/HEAD unless the
 * route only reads, and the GETs that write)? */
static bool changes_state(const struct http_req *hr, const char *method)
{
	if (strcmp(method, "GET") == 0)
		return hr->route->flags & ROUTE_GET_WRITES;
	return !(hr->route->flags & ROUTE_READ);
}

/* A read-only standby (docs/STANDBY.md) refuses every change before its body
 * is read: 503 with Retry-After, so that a client tries again later (at the
 * primary, or here once this server is promoted); audited like any refusal. */
static enum MHD_Result refuse_read_only(struct http_req *hr, const char *method, const char *url)
{
	struct rk_err err;
	rk_err_clear(&err);
	rk_fail_code(
		&err, RK_BUSY, "read_only",
		"このサーバーは読み取り専用の待機系です (this server is a read-only standby): nothing was changed; "
		"write to the primary, or try again once this server has been promoted");
	hr->rq.audit.event = "standby-refused";
	api_reply_error(&hr->rq, RK_BUSY, &err);
	api_set_header(&hr->rq, "Retry-After", "300");
	return send_api(hr, method, url);
}

/* First callback: headers only. Route, check limits, maybe reply at once. */
static enum MHD_Result on_headers(struct http_req *hr, const char *method, const char *url)
{
	if (strlen(url) > RK_MAX_URL)
		return send_error(hr, method, url, RK_TOO_LARGE, "%s", "URL too long");
	const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
	hr->match = router_match(m, str_c(url), &hr->route, hr->rq.args, hr->allow, sizeof hr->allow);
	if (hr->match == ROUTER_MATCH) {
		hr->rq.route_event = hr->route->event;
		hr->rq.route_action = hr->route->action;
	}
	hr->rq.route_bad_method = hr->match == ROUTER_BAD_METHOD;
	if (hr->match == ROUTER_BAD_METHOD)
		return send_error(hr, method, url, RK_METHOD, "method %s is not allowed here", method);
	if (hr->match == ROUTER_NO_ROUTE && strcmp(m, "GET") != 0)
		return send_error(hr, method, url, RK_NOT_FOUND, "%s", "no such API route");
	hr->cap_params = RK_MAX_QUERY_PARAMS + 1;
	hr->params = arena_calloc(&hr->arena, hr->cap_params, sizeof *hr->params);
	if (!hr->params)
		return send_error(hr, method, url, RK_TOO_LARGE, "%s", "out of request memory");
	MHD_get_connection_values(hr->conn, MHD_GET_ARGUMENT_KIND, collect_arg, hr);
	hr->rq.params = hr->params; /* for the audit entry of an early reply too */
	hr->rq.n_params = hr->n_params;
	if (hr->n_params > RK_MAX_QUERY_PARAMS)
		return send_error(hr, method, url, RK_INVALID, "%s", "too many query parameters");
	if (hr->match == ROUTER_MATCH && !(hr->route->flags & ROUTE_PUBLIC)) {
		enum MHD_Result r = authenticate(hr, method, url);
		if (hr->replied || r != MHD_YES)
			return r;
	}
	if (hr->match == ROUTER_MATCH && hr->srv->env->cfg->read_only && changes_state(hr, m) &&
	    !(hr->route->flags & ROUTE_STANDBY))
		return refuse_read_only(hr, method, url);
	const char *cl = MHD_lookup_connection_value(hr->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	int64_t length = 0;
	if (cl && (!str_to_i64(str_c(cl), 0, INT64_MAX, &length) || length > hr->srv->env->cfg->http_max_body)) {
		char msg[96];
		snprintf(msg, sizeof msg, "%lld bytes", (long long)hr->srv->env->cfg->http_max_body);
		return send_error(hr, method, url, RK_TOO_LARGE, "request body is larger than the limit of %s", msg);
	}
	return MHD_YES;
}

/* Does this request change state, so that it runs in one transaction with
 * its audit entry from the start? Every method but GET/HEAD, unless the
 * route says it only reads (POST .../_search), checks a password first and
 * joins at its final writes (ROUTE_STEPS: join_audit), or is not audited. */
static bool in_transaction(const struct http_req *hr, const char *method)
{
	if (strcmp(method, "HEAD") == 0 || hr->srv->env->cfg->read_only)
		return false; /* a standby's few changes are in its memory; entries go to its spool */
	if (strcmp(method, "GET") == 0)
		return hr->srv->env->audit && (hr->route->flags & ROUTE_GET_WRITES);
	return hr->srv->env->audit && !(hr->route->flags & (ROUTE_READ | ROUTE_NO_AUDIT | ROUTE_STEPS));
}

/* The change nothing may keep: answer 503 (its own entry, naming the failed
 * attempt, then goes the way of a read's). */
static void refuse_unrecorded(struct http_req *hr, const char *url, const struct rk_err *cause)
{
	log_event(LOG_ERROR, "audit.write_refused", "path", url, "request", hr->request_id, "error", cause->msg, NULL);
	struct rk_err err;
	rk_err_clear(&err);
	rk_fail_code(&err, RK_BUSY, "audit_failed",
		     "the change could not be recorded in the audit log, so nothing of it was stored; try again (%s)",
		     cause->msg);
	api_reply_error(&hr->rq, RK_BUSY, &err);
	hr->unrecorded = true;
}

/* After the handler of a state-changing request: its level (a savepoint)
 * into the request's transaction, its audit entry appended under the chain
 * head's lock, one commit for both. On any failure everything is rolled
 * back and the answer is 503: a 5xx means nothing was stored. A handler's
 * own refusal (4xx) commits what it deliberately kept, e.g. a failed login's
 * count, with its entry. */
static void commit_with_audit(struct http_req *hr, const char *method, const char *url)
{
	struct api_request *rq = &hr->rq;
	struct rk_err err;
	rk_err_clear(&err);
	if (rq->status >= 500) {
		/* The handler failed: whatever it wrote before failing (a step of a
		 * multi-step change) goes with its level, so that a 5xx never leaves
		 * part of a change behind; only the entry naming the failure stays. */
		store_rollback(rq->store);
	} else if (store_commit(rq->store, &err) != RK_OK) {
		/* PostgreSQL: a statement failed outside any savepoint of the handler
		 * and aborted the transaction; its level is rolled back now, the
		 * request's is usable again. Nothing of the handler's was kept. */
		log_event(LOG_WARN, "http.handler_rolled_back", "path", url, "request", hr->request_id, "error",
			  err.msg, NULL);
		if (rq->status < 400) {
			refuse_unrecorded(hr, url, &err);
			store_rollback(rq->store);
			return;
		}
		rk_err_clear(&err);
	}
	/* The request's level: open, still pending (SQLite: the handler wrote
	 * nothing) or gone (its BEGIN failed under the handler, which answered
	 * 5xx). Without a write there is nothing to commit the entry with: it
	 * goes the way of a read's. */
	if (store_cancel_pending(rq->store))
		return;
	if (!store_in_tx(rq->store)) {
		store_rollback(rq->store); /* a transaction the database ended: nothing of it was kept */
		return;
	}
	struct audit_event ev;
	struct api_audit_text t;
	api_audit_event(rq, method, url, &ev, &t);
	enum rk_status rc = audit_append(hr->srv->env->audit, rq->store, &ev, NULL, &err);
	api_audit_text_free(&t);
	if (rc != RK_OK) {
		store_rollback(rq->store);
		return refuse_unrecorded(hr, url, &err);
	}
	if (store_commit(rq->store, &err) != RK_OK) {
		if (strcmp(err.code, "db_unreachable") == 0 && rq->status < 400) {
			/* The connection went during COMMIT: the change and its entry
			 * are both stored or both not, but which is unknown; the store's
			 * message says to read it back (never "nothing was stored"). */
			log_event(LOG_ERROR, "audit.commit_unknown", "path", url, "request", hr->request_id, NULL);
			api_reply_error(rq, err.status, &err);
			hr->unrecorded = true;
			return;
		}
		return refuse_unrecorded(hr, url, &err);
	}
	hr->aud_status = RK_OK;
	atomic_store(&hr->aud, AUD_DONE); /* durable: send_api answers at once */
}

/* rq->join_audit of a ROUTE_STEPS route: the attempt is counted and the
 * password checked (each committed on its own, holding no lock across the
 * hash); the step's final writes now open the request's two levels, so that
 * they and the audit entry commit together as any change does
 * (commit_with_audit after the handler). */
static enum rk_status join_audit(struct api_request *rq, struct rk_err *err)
{
	struct http_req *hr = rq->transport;
	if (hr->joined)
		return RK_OK;
	enum rk_status rc = store_begin_lazy(rq->store, err);
	if (rc != RK_OK)
		return rc;
	if ((rc = store_begin_lazy(rq->store, err)) != RK_OK) {
		store_rollback(rq->store);
		return rc;
	}
	hr->joined = true;
	return RK_OK;
}

static enum MHD_Result dispatch(struct http_req *hr, const char *method, const char *url)
{
	hr->in_dispatch = true;
	if (hr->match == ROUTER_NO_ROUTE)
		return send_static(hr, method, url);
	if (hr->too_large) {
		char msg[96];
		snprintf(msg, sizeof msg, "%lld bytes", (long long)hr->srv->env->cfg->http_max_body);
		return send_error(hr, method, url, RK_TOO_LARGE, "request body is larger than the limit of %s", msg);
	}
	struct api_request *rq = &hr->rq;
	rq->method = strcmp(method, "HEAD") == 0 ? "GET" : method;
	rq->path = str_c(url);
	rq->params = hr->params;
	rq->n_params = hr->n_params;
	rq->body = buf_str(&hr->body);
	if (!rq->store)
		rq->store = worker_store(hr->srv->env);
	rq->outcome = RK_OK;
	if (rq->store && in_transaction(hr, method)) {
		/* two levels: the request's (the audit entry joins it) and the
		 * handler's, which can be undone alone; on SQLite both open at the
		 * handler's first write, so that its reads (a login's password
		 * check) do not hold the write lock */
		struct rk_err err;
		rk_err_clear(&err);
		if (store_begin_lazy(rq->store, &err) != RK_OK)
			return send_error(hr, method, url, RK_BUSY,
					  "the database is busy; nothing was changed, try again (%s)", err.msg);
		if (store_begin_lazy(rq->store, &err) != RK_OK) {
			store_rollback(rq->store);
			return send_error(hr, method, url, RK_BUSY,
					  "the database is busy; nothing was changed, try again (%s)", err.msg);
		}
		hr->route->handler(rq);
		commit_with_audit(hr, method, url);
		return send_api(hr, method, url);
	}
	if (rq->store && hr->srv->env->audit && (hr->route->flags & ROUTE_STEPS) && strcmp(rq->method, "GET") != 0 &&
	    !hr->srv->env->cfg->read_only)
		rq->join_audit = join_audit; /* the password-checking steps join at their final writes */
	hr->route->handler(rq);
	if (hr->joined)
		commit_with_audit(hr, method, url);
	return send_api(hr, method, url);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct http_server *srv = cls;
	struct http_req *hr = *con_cls;
	if (!hr) {
		hr = req_new(srv, conn);
		*con_cls = hr;
		return on_headers(hr, method, url);
	}
	if (hr->replied) {
		*upload_size = 0; /* discard the rest of a refused upload */
		return MHD_YES;
	}
	if (atomic_load(&hr->aud) == AUD_DONE)
		return send_api(hr, method, url); /* resumed: the audit entry is durable (or failed) */
	if (*upload_size) {
		if (!hr->route || !(hr->route->flags & ROUTE_BODY)) {
			*upload_size = 0; /* a body where none is expected is ignored */
			return MHD_YES;
		}
		if (!hr->too_large && buf_append(&hr->body, upload_data, *upload_size) != RK_OK)
			hr->too_large = true;
		*upload_size = 0;
		return MHD_YES;
	}
	return dispatch(hr, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct http_req *hr = *con_cls;
	if (!hr)
		return;
	if (hr->rq.stream.done && !hr->streamed) /* a stream never handed to a response (an error came first) */
		hr->rq.stream.done(hr->rq.stream.arg);
	buf_free(&hr->body);
	buf_free(&hr->rq.out);
	buf_free(&hr->rq.audit.entities);
	buf_free(&hr->rq.audit.patients);
	arena_free(&hr->arena);
	free(hr);
	*con_cls = NULL;
}

/* Percent-decoding of paths and query arguments, except %00: a NUL would cut
 * the C string short and make "/a%00/../b" mean something other than it says,
 * so it stays literally "%00" (which no route, id or file name accepts). */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	char *w = s;
	for (char *r = s; *r; r++) {
		int hi, lo;
		if (r[0] == '%' && (hi = str_hexval(r[1])) >= 0 && (lo = str_hexval(r[2])) >= 0 && (hi | lo) != 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[RK_MAX_LOG_LINE];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	log_event(LOG_WARN, "http.mhd", "message", msg, NULL);
}

static char *read_file(const char *path, struct rk_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		rk_fail(err, RK_IO, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	struct buf b;
	buf_init(&b, 1u << 20);
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	if (b.overflow) {
		buf_free(&b);
		rk_fail(err, RK_IO, "%s is too large for a PEM file", path);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

enum rk_status http_listen(const struct config *cfg, int *fd_out, int *port_out, struct rk_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof ss);
	bool v6 = strchr(cfg->listen_host, ':') != NULL;
	if (v6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)cfg->listen_port);
		inet_pton(AF_INET6, cfg->listen_host, &a6->sin6_addr);
		len = sizeof *a6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)cfg->listen_port);
		inet_pton(AF_INET, cfg->listen_host, &a4->sin_addr);
		len = sizeof *a4;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rk_fail(err, RK_IO, "socket: %s", strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 1024) != 0) {
		int e = errno;
		close(fd);
		return rk_fail(err, RK_IO, "cannot listen on %s:%d: %s", cfg->listen_host, cfg->listen_port,
			       strerror(e));
	}
	len = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &len);
	*port_out = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
	*fd_out = fd;
	return RK_OK;
}

enum rk_status http_start(const struct api_env *env, int fd, struct http_server **out, struct rk_err *err)
{
	const struct config *cfg = env->cfg;
	pthread_once(&worker_once, worker_key_init);
	struct http_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		rk_oom();
	srv->env = env;
	if (!realpath(cfg->web_root, srv->root_real)) {
		log_event(LOG_WARN, "http.no_web_root", "path", cfg->web_root, "error", strerror(errno), NULL);
		snprintf(srv->root_real, sizeof srv->root_real, "/nonexistent-web-root");
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	if (strchr(cfg->listen_host, ':'))
		flags |= MHD_USE_IPv6;
	if (cfg->tls_enabled) {
		srv->tls_cert = read_file(cfg->tls_cert, err);
		srv->tls_key = srv->tls_cert ? read_file(cfg->tls_key, err) : NULL;
		if (!srv->tls_key) {
			free(srv->tls_cert);
			free(srv);
			close(fd);
			return err ? err->status : RK_IO;
		}
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem opts[16];
	int n = 0;
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log,
					    NULL}; /* first, or MHD logs itself */
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->http_threads, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->http_max_connections, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
					    (intptr_t)cfg->http_max_connections_per_ip, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->http_timeout_s, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)cfg->http_max_header, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape, NULL};
	if (cfg->tls_enabled) {
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
						    (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"};
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!srv->daemon) {
		free(srv->tls_cert);
		free(srv->tls_key);
		free(srv);
		close(fd);
		return rk_fail(err, RK_IO, "cannot start the HTTP server on %s:%d", cfg->listen_host, cfg->listen_port);
	}
	*out = srv;
	return RK_OK;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	/* Suspended connections must be resumed before the daemon stops; the
	 * audit log is still open, so their entries complete shortly. */
	atomic_store(&s->stopping, true);
	for (int i = 0; i < 10000 && atomic_load(&s->suspended) > 0; i++)
		usleep(1000);
	if (atomic_load(&s->suspended) > 0)
		log_event(LOG_WARN, "http.stop_with_suspended", NULL);
	MHD_stop_daemon(s->daemon);
	free(s->tls_cert);
	free(s->tls_key);
	free(s);
}
