/* api.h — a transport-independent request and its response, as the thin
 * handlers of api/ see them. http/ fills a struct api_request from
 * libmicrohttpd, calls the route's handler and sends what it left in the
 * response fields. A request lives on one worker thread. */
#ifndef RENKEI_API_API_H
#define RENKEI_API_API_H

#include <jansson.h>
#include <stdint.h>

#include "access/enforce.h"
#include "access/principal.h"
#include "audit/audit.h"
#include "config/config.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

/* Process-wide, read-only after start. */
struct api_env {
	const struct config *cfg;
	const char *capability; /* CapabilityStatement JSON */
	int64_t started_at;
	struct audit_log *audit;
};

/* What the request's audit entry will say; http/ writes it after the handler
 * and before the response, and serves nothing if it cannot: a state-changing
 * request's entry in the same transaction as its change, a read's through
 * the group-committing writer. */
struct api_audit {
	const char *event;        /* read, search, login, ... (default: the route's) */
	char action;              /* C R U D E */
	const char *purpose;      /* TREAT unless an emergency grant was used (ETREAT) */
	const char *account_hint; /* the login ID tried, for login events without a principal */
	struct buf entities;      /* JSON objects, comma-separated */
	struct buf patients;      /* JSON strings, comma-separated */
	int n_entities;
	int grant; /* the single grant of all entities; -1 when mixed */
	const char *grant_ref;
	char detail[RK_ERR_MSG_MAX];
	bool skip; /* not patient data and not security-relevant (health check) */
};

#define API_MAX_HEADERS 8
#define API_MAX_ARGS    4

struct api_request {
	/* request */
	const struct api_env *env;
	struct store *store; /* this worker's connection; NULL if the database is unreachable */
	struct arena *arena;
	const char *method;            /* "GET", "POST", ... (HEAD arrives as GET) */
	struct str path;               /* decoded path, e.g. "/fhir/Patient/123" */
	struct str args[API_MAX_ARGS]; /* {captures} of the route, in order */
	const struct str_pair *params; /* decoded query parameters, in order */
	size_t n_params;
	struct str body;
	struct str (*header_fn)(const struct api_request *rq, const char *name);
	void *transport;
	int64_t now; /* ms, taken when the request arrived */
	const char *client_addr;
	const char *request_id;  /* X-Request-Id: ties the client's log, the access log and the audit entry */
	const char *route_event; /* the route's audit event and action (NULL, 0: no route matched) */
	char route_action;
	bool route_bad_method;    /* the path exists, the method does not (405) */
	struct principal who;     /* authenticated before the body was read (kind NONE on public routes) */
	struct access_ctx access; /* the enforcement point; see api_access() */
	bool access_ready;
	bool bundle_entry; /* a handler runs for a GET entry of a Bundle: the headers are the Bundle's */
	struct api_audit audit;
	/* A ROUTE_STEPS handler (a password check) calls this just before its
	 * final writes: from there they run in one transaction with the
	 * request's audit entry, as every other change does (NULL: not
	 * audited, nothing to join). */
	enum rk_status (*join_audit)(struct api_request *rq, struct rk_err *err);
	/* response */
	int status;
	/* A streamed body (Server-Sent Events) instead of out, when read is set
	 * and the status stays 200: the transport sends the headers, attaches
	 * its suspend and resume, then pulls the body from read (a count of
	 * bytes, 0 when nothing is ready — it has suspended the connection — or
	 * -1 at the end) and calls done when the connection ends. */
	struct api_stream {
		long (*read)(void *arg, char *buf, size_t max);
		void (*attach)(void *arg, void (*suspend)(void *w), void (*resume)(void *w), void *w);
		void (*done)(void *arg);
		void *arg;
	} stream;
	const char *content_type;
	struct buf out;
	const char *header_names[API_MAX_HEADERS];
	const char *header_values[API_MAX_HEADERS];
	int n_headers;
	enum rk_status outcome; /* for the access log */
};

typedef void (*api_handler)(struct api_request *rq);

/* The request's access context (initialised on first use). */
struct access_ctx *api_access(struct api_request *rq);
/* Record a resource read or written, with the grant that allowed it and the
 * patient's regional ID ("" when none), in the request's audit entry. */
void api_audit_entity(struct api_request *rq, struct str type, struct str id, int64_t version,
		      const struct access_decision *d, const char *regional);
/* Record a patient touched without a particular resource (PIX, reports). */
void api_audit_patient(struct api_request *rq, const char *regional);

/* The text an audit event points into (owned by the caller). */
struct api_audit_text {
	struct buf query, patients, entities;
};
/* The request's audit entry as it stands (who, what, which patients and
 * resources, under which grant, the outcome of rq->status), for method and
 * url as received (the query string is rebuilt from rq->params). ev points
 * into t and rq until api_audit_text_free(t). */
void api_audit_event(const struct api_request *rq, const char *method, const char *url, struct audit_event *ev,
		     struct api_audit_text *t);
void api_audit_text_free(struct api_audit_text *t);

/* A request header (empty slice when absent). */
struct str api_header(const struct api_request *rq, const char *name);
/* Add a response header; value is copied into the request arena. */
void api_set_header(struct api_request *rq, const char *name, const char *value);
/* Respond with JSON text (copied) and a FHIR content type. */
void api_reply_json(struct api_request *rq, int status, struct str json);
/* A plain JSON object (application/json, not FHIR) as the reply; takes o. */
void api_reply_obj(struct api_request *rq, int status, json_t *o);
/* The network operator's (運用管理者) own endpoints: true for an operator's
 * session with the database reachable; otherwise answers 503 or 403 saying
 * that `what` is reserved to the operator, and returns false. */
bool api_operator_only(struct api_request *rq, const char *what);
/* Respond with an OperationOutcome for st, using err's message/location. */
void api_reply_error(struct api_request *rq, enum rk_status st, const struct rk_err *err);
/* Shortcut: a fresh error with a message. */
void api_reply_fail(struct api_request *rq, enum rk_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parse an application/x-www-form-urlencoded body into pairs (arena). */
enum rk_status api_parse_form(struct arena *a, struct str body, struct str_pair **out, size_t *n, struct rk_err *err);

#endif
