/* server.h — the HTTP(S) server on libmicrohttpd: a fixed pool of worker
 * threads (each with its own database connection, opened on first use),
 * request limits and time-outs from the configuration, routing into api/,
 * static files for everything else, one access-log line per request. */
#ifndef RENKEI_HTTP_SERVER_H
#define RENKEI_HTTP_SERVER_H

#include "api/api.h"
#include "core/err.h"

struct http_server;

/* Start listening. env must outlive the server. Returns RK_IO when the
 * address cannot be bound or the TLS files cannot be read. */
enum rk_status http_start(const struct api_env *env, struct http_server **out, struct rk_err *err);
/* The bound port (useful with http.listen port 0). */
int http_port(const struct http_server *s);
/* Stop accepting, finish in-flight requests, close worker connections. */
void http_stop(struct http_server *s);

#endif
