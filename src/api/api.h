/* api.h — a transport-independent request and its response, as the thin
 * handlers of api/ see them. http/ fills a struct api_request from
 * libmicrohttpd, calls the route's handler and sends what it left in the
 * response fields. A request lives on one worker thread. */
#ifndef RENKEI_API_API_H
#define RENKEI_API_API_H

#include <stdint.h>

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
};

#define API_MAX_HEADERS 8
#define API_MAX_ARGS 4

struct api_request {
	/* request */
	const struct api_env *env;
	struct store *store; /* this worker's connection; NULL if the database is unreachable */
	struct arena *arena;
	const char *method;  /* "GET", "POST", ... (HEAD arrives as GET) */
	struct str path;     /* decoded path, e.g. "/fhir/Patient/123" */
	struct str args[API_MAX_ARGS]; /* {captures} of the route, in order */
	const struct str_pair *params; /* decoded query parameters, in order */
	size_t n_params;
	struct str body;
	struct str (*header_fn)(const struct api_request *rq, const char *name);
	void *transport;
	int64_t now; /* ms, taken when the request arrived */
	/* response */
	int status;
	const char *content_type;
	struct buf out;
	const char *header_names[API_MAX_HEADERS];
	const char *header_values[API_MAX_HEADERS];
	int n_headers;
	enum rk_status outcome; /* for the access log */
};

typedef void (*api_handler)(struct api_request *rq);

/* A request header (empty slice when absent). */
struct str api_header(const struct api_request *rq, const char *name);
/* Add a response header; value is copied into the request arena. */
void api_set_header(struct api_request *rq, const char *name, const char *value);
/* Respond with JSON text (copied) and a FHIR content type. */
void api_reply_json(struct api_request *rq, int status, struct str json);
/* Respond with an OperationOutcome for st, using err's message/location. */
void api_reply_error(struct api_request *rq, enum rk_status st, const struct rk_err *err);
/* Shortcut: a fresh error with a message. */
void api_reply_fail(struct api_request *rq, enum rk_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Parse an application/x-www-form-urlencoded body into pairs (arena). */
enum rk_status api_parse_form(struct arena *a, struct str body, struct str_pair **out, size_t *n,
			      struct rk_err *err);

#endif
