/* server.h — the HTTP(S) server on libmicrohttpd: a fixed pool of worker
 * threads (each with its own database connection, opened on first use),
 * request limits and time-outs from the configuration, routing into api/,
 * static files for everything else, one access-log line per request. */
#ifndef RENKEI_HTTP_SERVER_H
#define RENKEI_HTTP_SERVER_H

#include "api/api.h"
#include "core/err.h"

struct http_server;

/* Bind and listen on http.listen; *port gets the bound port (http.listen may
 * give port 0). RK_IO when the address cannot be bound. */
enum rk_status http_listen(const struct config *cfg, int *fd, int *port, struct rk_err *err);
/* Serve on the listening socket fd (owned by the server from now on). env
 * must outlive the server. RK_IO when the TLS files cannot be read. */
enum rk_status http_start(const struct api_env *env, int fd, struct http_server **out, struct rk_err *err);
/* Stop accepting, finish in-flight requests, close worker connections. */
void http_stop(struct http_server *s);

#endif
