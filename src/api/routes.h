/* routes.h — the route table: the whole HTTP API, one line per route. */
#ifndef RENKEI_API_ROUTES_H
#define RENKEI_API_ROUTES_H

#include "api/api.h"

enum route_flags {
	ROUTE_BODY = 1 << 0,       /* takes a request body */
	ROUTE_PUBLIC = 1 << 1,     /* no authentication (health, metadata, login, token endpoint) */
	ROUTE_LOGIN = 1 << 2,      /* allowed while a login is half-way (TOTP, password change) */
	ROUTE_NO_AUDIT = 1 << 3,   /* neither patient data nor security-relevant */
	ROUTE_READ = 1 << 4,       /* a POST that changes nothing (search): audited like a GET, without a transaction */
	ROUTE_STEPS = 1 << 5,      /* a password check: the attempt is counted in a commit of its own and the slow
				  * hash runs holding no lock (SQLite's write lock); the final writes then join
				  * the request's transaction with its entry (api_request.join_audit) */
	ROUTE_GET_WRITES = 1 << 6, /* a GET that changes something (FHIR's $export kick-off): it runs in the
				    * request's transaction, which commits with its audit entry or not at all */
	ROUTE_STANDBY = 1 << 7,    /* a change a read-only standby still makes, in its own memory: logging in
				    * and out, re-authentication and break-the-glass (docs/STANDBY.md); every
				    * other change is refused there */
};

struct api_route {
	const char *method;  /* "GET", "POST", "PUT", "DELETE" */
	const char *pattern; /* "/fhir/{type}/{id}": literal segments and {captures} */
	api_handler handler;
	unsigned flags;
	const char *event; /* the audit event ("read", "login", ...) */
	char action;       /* the audit action: C R U D E */
	const char *doc;
};

extern const struct api_route api_routes[];
extern const unsigned api_routes_len;

#endif
