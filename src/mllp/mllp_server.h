/* mllp_server.h — the HL7 v2 listener of `renkei serve` (MLLP over TCP,
 * mllp.listen). One event thread multiplexes the listening socket and every
 * connection (epoll, non-blocking); one ingest thread owns its own store
 * connection and stores everything received since its last commit as one
 * batch (ingest/pipeline.h), then answers each message: AA only once the batch
 * is durable, AE/AR with the reason otherwise, in order per connection. */
#ifndef RENKEI_MLLP_MLLP_SERVER_H
#define RENKEI_MLLP_MLLP_SERVER_H

#include "config/config.h"
#include "core/err.h"

struct mllp_server;

/* Bind and listen on mllp.listen (cfg->mllp_enabled must be true); *port gets
 * the bound port (mllp.listen may give port 0). RK_IO when it cannot be bound. */
enum rk_status mllp_listen(const struct config *cfg, int *fd, int *port, struct rk_err *err);

/* Serve on the listening socket fd (owned by the server from now on, closed on
 * failure too). cfg must outlive the server. RK_DB when the ingest thread's
 * store connection cannot be opened, RK_IO when a thread cannot start. */
struct audit_log;
/* audit: the server's audit log; every message gets its entry (ingest_set_audit)
 * before its ACK leaves. */
enum rk_status mllp_start(const struct config *cfg, struct audit_log *audit, int fd, struct mllp_server **out,
			  struct rk_err *err);

/* Drain and stop: stop accepting and reading, store and acknowledge every
 * message already received (the batch in progress and what is queued), write
 * the ACKs out (for a bounded time), close every connection, join the threads.
 * A frame not yet complete is dropped unacknowledged (its sender resends). */
void mllp_stop(struct mllp_server *s);

#endif
