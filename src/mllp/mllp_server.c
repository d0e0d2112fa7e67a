/* mllp_server.c — the MLLP listener: an event thread (epoll over the listening
 * socket, every connection and a wake-up eventfd) frames messages with
 * hl7/mllp.h and queues them; the ingest thread takes everything queued since
 * its last commit as one batch (group commit), and hands back one framed ACK
 * per message, which the event thread writes to its connection in order.
 * With mllp.tls_client_ca each connection is a non-blocking TLS session
 * (http/mllp_tls.h) whose client certificate names its sender's facility.
 * Idle connections cost a small struct and nothing per wake-up. */
#include "mllp/mllp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/time.h"
#include "hl7/hl7.h"
#include "hl7/mllp.h"
#include "mllp/mllp_tls.h"
#include "ingest/pipeline.h"
#include "store/store.h"

#define ID_LISTEN         UINT64_MAX
#define ID_WAKE           (UINT64_MAX - 1)
#define READ_CHUNK        65536
#define READS_PER_EVENT   4           /* one busy sender cannot starve the others */
#define ACK_MAX           (64u << 10) /* one framed ACK: MSH + MSA + ERR with a 512-byte reason */
#define OUT_MAX           (RK_MAX_MLLP_INFLIGHT * ACK_MAX)
#define DRAIN_WRITE_MS    10000 /* on stop: how long ACKs may take to reach slow readers */
#define FACILITY_CACHE    64    /* registered facility codes remembered by the ingest thread */
#define FACILITY_CACHE_MS 60000

/* A received message on its way to the ingest thread and back with its ACK. */
struct item {
	struct item *next;
	uint64_t conn;
	char peer[RK_MAX_MLLP_PEER];
	char *bytes; /* malloc'd message without its frame */
	size_t len;
	char reject[512];       /* set: answer AR with this reason, store nothing */
	bool close_after;       /* close the connection once this ACK is written */
	char facility[16];      /* the sender's facility code ("" unknown), set by the ingest thread */
	char unknown[300];      /* why the sender is unknown, or why its certificate does not cover the message */
	bool refuse;            /* quarantine unparsed with reason `unknown` (a certificate's connection) */
	char cert_facility[16]; /* TLS: the facility its client certificate names ("" plain MLLP) */
	char cert_subject[MLLP_TLS_SUBJECT_MAX]; /* TLS: its subject and serial, for the audit entry */
	struct buf ack;                          /* the framed ACK */
};

struct conn {
	int fd;
	uint32_t gen;
	char peer[RK_MAX_MLLP_PEER];
	struct mllp_decoder dec;
	struct buf out; /* ACK bytes not yet written */
	size_t out_off;
	int inflight;        /* messages queued, not yet answered */
	int64_t last_ms;     /* last byte received or ACK written */
	int64_t frame_since; /* when the unfinished frame began (0: between frames) */
	uint32_t events;     /* the epoll mask now registered */
	bool eof;            /* the peer shut down its side: close once answered */
	bool closing;        /* close once answered and written (oversize frame) */
	uint64_t messages;
	/* TLS (mllp.tls_client_ca): NULL for plain MLLP */
	struct mllp_tls_session *tls;
	bool handshaking;    /* the handshake has not finished: nothing is read as MLLP yet */
	bool rd_wants_write; /* a TLS read (or the handshake) waits for the socket to be writable */
	bool wr_wants_read;  /* a TLS write waits for the socket to be readable */
	bool kick;           /* decrypted bytes wait in the session: read them without a readiness event */
	int64_t opened_ms;   /* accepted at: the handshake must end within mllp.idle_timeout */
	char cert_facility[16];
	char cert_subject[MLLP_TLS_SUBJECT_MAX];
};

struct mllp_server {
	const struct config *cfg;
	struct audit_log *audit;
	struct mllp_tls *tls; /* NULL: plain MLLP */
	int listen_fd, ep, wake_fd;
	pthread_t event_thread, ingest_thread;
	bool event_started, ingest_started;

	/* connections, owned by the event thread */
	struct conn **slots;
	uint32_t *gens;
	size_t nslots, nconn;
	uint32_t *free_slots;
	size_t nfree;
	size_t queued_bytes; /* bytes received and not yet answered (event thread's count) */
	bool paused;         /* reading stopped because queued_bytes reached its bound */
	bool kick;           /* some connection has conn.kick set */

	/* the queue to the ingest thread, and the answers back */
	pthread_mutex_t mu;
	pthread_cond_t work;
	struct item *in_head, *in_tail;
	struct item *done_head, *done_tail;
	bool no_more;     /* the event thread queues nothing more (stop) */
	bool ingest_exit; /* the ingest thread has answered everything and ended */
	atomic_bool stopping;

	/* ingest thread state */
	struct store *store;
	struct ingest *ing;
	struct {
		char code[16];
		int64_t at;
	} fac_cache[FACILITY_CACHE];
	size_t fac_next;
	uint64_t ack_seq;
};

static void wake(struct mllp_server *s)
{
	uint64_t one = 1;
	ssize_t w = write(s->wake_fd, &one, sizeof one);
	(void)w; /* a full counter already means "wake up" */
}

/* ---- listening ------------------------------------------------------------ */

enum rk_status mllp_listen(const struct config *cfg, int *fd_out, int *port_out, struct rk_err *err)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t sl;
	int family;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, cfg->mllp_host, &a4->sin_addr) == 1) {
		family = AF_INET;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)cfg->mllp_port);
		sl = sizeof *a4;
	} else if (inet_pton(AF_INET6, cfg->mllp_host, &a6->sin6_addr) == 1) {
		family = AF_INET6;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)cfg->mllp_port);
		sl = sizeof *a6;
	} else {
		return rk_fail(err, RK_INVALID, "mllp.listen: '%s' is not an IP address", cfg->mllp_host);
	}
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rk_fail(err, RK_IO, "mllp.listen: socket: %s", strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1024) != 0) {
		int e = errno;
		close(fd);
		return rk_fail(err, RK_IO, "mllp.listen: cannot listen on %s: %s", cfg->mllp_listen, strerror(e));
	}
	struct sockaddr_storage got;
	socklen_t gl = sizeof got;
	if (getsockname(fd, (struct sockaddr *)&got, &gl) != 0) {
		close(fd);
		return rk_fail(err, RK_IO, "mllp.listen: getsockname: %s", strerror(errno));
	}
	*port_out = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
						    : ((struct sockaddr_in *)&got)->sin_port);
	*fd_out = fd;
	return RK_OK;
}

static void peer_name(const struct sockaddr_storage *ss, char out[RK_MAX_MLLP_PEER])
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		port = ntohs(a->sin_port);
		snprintf(out, RK_MAX_MLLP_PEER, "%s:%d", host, port);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		port = ntohs(a->sin6_port);
		snprintf(out, RK_MAX_MLLP_PEER, "[%s]:%d", host, port);
	}
}

/* ---- connections (event thread) ----------------------------------------- */

static uint64_t conn_id(const struct mllp_server *s, const struct conn *c, uint32_t slot)
{
	(void)s;
	return ((uint64_t)c->gen << 32) | slot;
}

static struct conn *conn_get(struct mllp_server *s, uint64_t id)
{
	uint32_t slot = (uint32_t)id;
	if (slot >= s->nslots || !s->slots[slot] || s->slots[slot]->gen != (uint32_t)(id >> 32))
		return NULL;
	return s->slots[slot];
}

static void conn_set_events(struct mllp_server *s, struct conn *c, uint64_t id)
{
	uint32_t want = 0;
	bool may_read = !c->eof && !c->closing && !atomic_load(&s->stopping) && !s->paused &&
			c->inflight < RK_MAX_MLLP_INFLIGHT;
	if (c->handshaking) {
		may_read = !atomic_load(&s->stopping);
		if (may_read)
			want |= c->rd_wants_write ? EPOLLOUT : EPOLLIN;
	} else {
		if (may_read)
			want |= c->rd_wants_write ? EPOLLOUT : EPOLLIN;
		if (c->out.len > c->out_off)
			want |= c->wr_wants_read ? EPOLLIN : EPOLLOUT;
		if (may_read && c->tls && mllp_tls_pending(c->tls)) {
			c->kick = true;
			s->kick = true;
		}
	}
	if (want == c->events)
		return;
	struct epoll_event ev = {.events = want, .data.u64 = id};
	if (epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = want;
}

static void conn_close(struct mllp_server *s, uint64_t id, const char *why)
{
	struct conn *c = conn_get(s, id);
	if (!c)
		return;
	char n[24];
	snprintf(n, sizeof n, "%llu", (unsigned long long)c->messages);
	log_event(LOG_DEBUG, "mllp.close", "peer", c->peer, "reason", why, "messages", n, NULL);
	epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	mllp_tls_session_free(c->tls);
	close(c->fd);
	mllp_free(&c->dec);
	buf_free(&c->out);
	uint32_t slot = (uint32_t)id;
	s->slots[slot] = NULL;
	s->free_slots[s->nfree++] = slot;
	s->nconn--;
	free(c);
	/* Answers still on their way for this connection find no one (conn_get by generation). */
}

static void on_accept(struct mllp_server *s)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				log_event(LOG_WARN, "mllp.accept_failed", "error", strerror(errno), NULL);
			return; /* EAGAIN: all taken */
		}
		char peer[RK_MAX_MLLP_PEER];
		peer_name(&ss, peer);
		if (s->nconn >= (size_t)s->cfg->mllp_max_connections || s->nfree == 0) {
			log_event(LOG_DEBUG, "mllp.refused", "peer", peer, "reason", "mllp.max_connections", NULL);
			close(fd);
			continue;
		}
		struct conn *c = calloc(1, sizeof *c);
		if (!c)
			rk_oom();
		uint32_t slot = s->free_slots[--s->nfree];
		c->fd = fd;
		c->gen = ++s->gens[slot];
		memcpy(c->peer, peer, sizeof peer);
		mllp_init(&c->dec, (size_t)s->cfg->mllp_max_message);
		buf_init(&c->out, OUT_MAX);
		c->last_ms = c->opened_ms = time_mono_ms();
		c->events = EPOLLIN;
		if (s->tls) {
			struct rk_err err;
			rk_err_clear(&err);
			if (mllp_tls_session_new(s->tls, fd, &c->tls, &err) != RK_OK)
				log_event(LOG_WARN, "mllp.tls_failed", "peer", peer, "error", err.msg, NULL);
			c->handshaking = true;
		}
		uint64_t id = conn_id(s, c, slot);
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = id};
		if ((s->tls && !c->tls) || epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			mllp_tls_session_free(c->tls);
			close(fd);
			mllp_free(&c->dec);
			buf_free(&c->out);
			free(c);
			s->free_slots[s->nfree++] = slot;
			continue;
		}
		s->slots[slot] = c;
		s->nconn++;
		log_event(LOG_DEBUG, "mllp.open", "peer", peer, NULL);
	}
}

/* Hand one item to the ingest thread. */
static void enqueue(struct mllp_server *s, struct conn *c, uint64_t id, struct item *it)
{
	it->conn = id;
	memcpy(it->peer, c->peer, sizeof it->peer);
	memcpy(it->cert_facility, c->cert_facility, sizeof it->cert_facility);
	memcpy(it->cert_subject, c->cert_subject, sizeof it->cert_subject);
	c->inflight++;
	c->messages++;
	s->queued_bytes += it->len;
	pthread_mutex_lock(&s->mu);
	if (s->in_tail)
		s->in_tail->next = it;
	else
		s->in_head = it;
	s->in_tail = it;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
}

struct feed_ctx {
	struct mllp_server *s;
	struct conn *c;
	uint64_t id;
};

/* One complete frame: a copy goes to the ingest thread. */
static enum rk_status on_frame(void *arg, struct str frame, struct rk_err *err)
{
	(void)err;
	struct feed_ctx *f = arg;
	f->c->frame_since = 0;
	struct item *it = calloc(1, sizeof *it);
	if (!it)
		rk_oom();
	it->bytes = malloc(frame.len ? frame.len : 1);
	if (!it->bytes)
		rk_oom();
	if (frame.len)
		memcpy(it->bytes, frame.ptr, frame.len);
	it->len = frame.len;
	enqueue(f->s, f->c, f->id, it);
	return RK_OK;
}

/* Bytes arrived: frame them; every whole message goes to the ingest thread.
 * Broken framing or an oversized frame is answered AR (after the messages
 * before it) and the connection closed. */
static void on_bytes(struct mllp_server *s, struct conn *c, uint64_t id, const char *data, size_t len)
{
	struct feed_ctx f = {s, c, id};
	struct rk_err err;
	rk_err_clear(&err);
	if (c->closing)
		return;
	if (mllp_feed(&c->dec, data, len, on_frame, &f, &err) == RK_OK) {
		/* a frame trickled in byte by byte must still end within mllp.idle_timeout */
		if (mllp_in_frame(&c->dec) && !c->frame_since)
			c->frame_since = time_mono_ms();
		return;
	}
	struct item *it = calloc(1, sizeof *it);
	if (!it)
		rk_oom();
	if (err.status == RK_TOO_LARGE)
		snprintf(it->reject, sizeof it->reject, "message larger than mllp.max_message (%lld bytes): %s",
			 (long long)s->cfg->mllp_max_message, err.msg);
	else
		snprintf(it->reject, sizeof it->reject, "broken MLLP framing: %s", err.msg[0] ? err.msg : "?");
	it->close_after = true;
	c->closing = true;
	enqueue(s, c, id, it);
}

static void on_readable(struct mllp_server *s, uint64_t id);

/* read() or a TLS record: >0 bytes, 0 end of stream, -1 with errno (EAGAIN:
 * wait for readiness; c->rd_wants_write tells which). */
static ssize_t conn_recv(struct conn *c, char *p, size_t n)
{
	if (!c->tls)
		return read(c->fd, p, n);
	size_t got = 0;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = mllp_tls_read(c->tls, p, n, &got, &err);
	c->rd_wants_write = st == RK_BUSY && mllp_tls_wants_write(c->tls);
	if (st == RK_OK)
		return (ssize_t)got;
	if (st == RK_GONE)
		return 0;
	if (st != RK_BUSY)
		log_event(LOG_DEBUG, "mllp.tls_error", "peer", c->peer, "error", err.msg, NULL);
	errno = st == RK_BUSY ? EAGAIN : EPROTO;
	return -1;
}

/* send() or TLS records: bytes written, or -1 with errno (EAGAIN: wait). */
static ssize_t conn_send(struct conn *c, const char *p, size_t n)
{
	if (!c->tls)
		return send(c->fd, p, n, MSG_NOSIGNAL);
	size_t sent = 0;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = mllp_tls_write(c->tls, p, n, &sent, &err);
	c->wr_wants_read = st == RK_BUSY && !mllp_tls_wants_write(c->tls);
	if (st == RK_OK)
		return (ssize_t)sent;
	if (st != RK_BUSY)
		log_event(LOG_DEBUG, "mllp.tls_error", "peer", c->peer, "error", err.msg, NULL);
	errno = st == RK_BUSY ? EAGAIN : EPIPE;
	return -1;
}

/* Advance a TLS handshake; once done, the connection names its facility and
 * is read as MLLP. A refused client is closed (and logged: who and why). */
static void on_handshake(struct mllp_server *s, uint64_t id)
{
	struct conn *c = conn_get(s, id);
	if (!c)
		return;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = mllp_tls_handshake(c->tls, &err);
	if (st == RK_BUSY) {
		c->rd_wants_write = mllp_tls_wants_write(c->tls);
		conn_set_events(s, c, id);
		return;
	}
	if (st != RK_OK) {
		/* a refused certificate is worth the operator's eye; a port probe is not */
		log_event(st == RK_FORBIDDEN ? LOG_WARN : LOG_DEBUG, "mllp.tls_refused", "peer", c->peer, "error",
			  err.msg, NULL);
		conn_close(s, id, st == RK_FORBIDDEN ? "client certificate refused" : "TLS handshake failed");
		return;
	}
	c->handshaking = false;
	c->rd_wants_write = false;
	c->last_ms = time_mono_ms();
	snprintf(c->cert_facility, sizeof c->cert_facility, "%s", mllp_tls_facility(c->tls));
	snprintf(c->cert_subject, sizeof c->cert_subject, "%s", mllp_tls_subject(c->tls));
	log_event(LOG_INFO, "mllp.tls_client", "peer", c->peer, "facility", c->cert_facility, "subject",
		  mllp_tls_subject(c->tls), NULL);
	on_readable(s, id); /* the first records may already wait inside the session */
}

static void on_readable(struct mllp_server *s, uint64_t id)
{
	struct conn *c = conn_get(s, id);
	char chunk[READ_CHUNK];
	for (int i = 0; c && i < READS_PER_EVENT; i++) {
		if (c->eof || c->closing || c->inflight >= RK_MAX_MLLP_INFLIGHT || s->paused)
			break;
		ssize_t n = conn_recv(c, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_close(s, id, "read error");
			return;
		}
		if (n == 0) {
			c->eof = true;
			break;
		}
		c->last_ms = time_mono_ms();
		on_bytes(s, c, id, chunk, (size_t)n);
		if (s->queued_bytes >= RK_MAX_MLLP_QUEUED)
			s->paused = true;
	}
	if (c->eof && c->inflight == 0 && c->out.len == c->out_off) {
		conn_close(s, id, mllp_in_frame(&c->dec) ? "closed by peer inside a frame" : "closed by peer");
		return;
	}
	conn_set_events(s, c, id);
}

/* Write what is pending; close when the connection is finished. */
static void flush(struct mllp_server *s, uint64_t id)
{
	struct conn *c = conn_get(s, id);
	if (!c)
		return;
	while (c->out.len > c->out_off) {
		ssize_t w = conn_send(c, c->out.data + c->out_off, c->out.len - c->out_off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_close(s, id, "write error");
			return;
		}
		c->out_off += (size_t)w;
		c->last_ms = time_mono_ms();
	}
	if (c->out.len == c->out_off) {
		buf_reset(&c->out);
		c->out_off = 0;
		if (c->inflight == 0 && (c->closing || c->eof)) {
			conn_close(s, id, c->closing ? "refused frame" : "closed by peer");
			return;
		}
	}
	conn_set_events(s, c, id);
}

/* Answers from the ingest thread: append each ACK to its connection, in order. */
static void on_done(struct mllp_server *s)
{
	pthread_mutex_lock(&s->mu);
	struct item *list = s->done_head;
	s->done_head = s->done_tail = NULL;
	pthread_mutex_unlock(&s->mu);
	while (list) {
		struct item *it = list;
		list = it->next;
		s->queued_bytes -= it->len;
		struct conn *c = conn_get(s, it->conn);
		if (c) {
			c->inflight--;
			if (buf_append(&c->out, it->ack.data, it->ack.len) != RK_OK) {
				conn_close(s, it->conn, "ACKs not read");
			} else {
				if (it->close_after)
					c->closing = true;
				flush(s, it->conn);
			}
		}
		buf_free(&it->ack);
		free(it->bytes);
		free(it);
	}
	if (s->paused && s->queued_bytes < RK_MAX_MLLP_QUEUED / 2) {
		s->paused = false;
		for (size_t i = 0; i < s->nslots; i++)
			if (s->slots[i])
				conn_set_events(s, s->slots[i], conn_id(s, s->slots[i], (uint32_t)i));
	}
}

/* A connection is ready: a TLS session may read while the socket is writable
 * (and write while it is readable), so the readiness goes where it is waited for. */
static void on_ready(struct mllp_server *s, uint64_t id, uint32_t events)
{
	struct conn *c = conn_get(s, id);
	if (!c)
		return;
	if (c->handshaking) {
		on_handshake(s, id);
		return;
	}
	bool in = events & EPOLLIN, out = events & EPOLLOUT;
	bool rd = in || (out && c->rd_wants_write), wr = out || (in && c->wr_wants_read);
	if (rd)
		on_readable(s, id);
	if (wr)
		flush(s, id);
}

/* Close connections silent for mllp.idle_timeout (nothing of theirs pending). */
static void reap_idle(struct mllp_server *s, int64_t now)
{
	int64_t limit = s->cfg->mllp_idle_timeout_s * 1000;
	for (size_t i = 0; i < s->nslots; i++) {
		struct conn *c = s->slots[i];
		if (!c || c->inflight || c->out.len > c->out_off)
			continue;
		if (c->handshaking) {
			if (now - c->opened_ms >= limit)
				conn_close(s, conn_id(s, c, (uint32_t)i), "TLS handshake not finished in time");
			continue;
		}
		if (c->frame_since && now - c->frame_since >= limit)
			conn_close(s, conn_id(s, c, (uint32_t)i), "frame not finished in time");
		else if (now - c->last_ms >= limit)
			conn_close(s, conn_id(s, c, (uint32_t)i),
				   mllp_in_frame(&c->dec) ? "frame not finished in time" : "idle");
	}
}

static void *event_main(void *arg)
{
	struct mllp_server *s = arg;
	struct epoll_event evs[256];
	int64_t scan_every = s->cfg->mllp_idle_timeout_s * 1000 / 4;
	if (scan_every > 1000)
		scan_every = 1000;
	if (scan_every < 100)
		scan_every = 100;
	int64_t last_scan = time_mono_ms(), drain_deadline = 0;
	bool draining = false;
	for (;;) {
		int n = epoll_wait(s->ep, evs, (int)(sizeof evs / sizeof evs[0]), s->kick ? 0 : (int)scan_every);
		for (int i = 0; i < n; i++) {
			uint64_t id = evs[i].data.u64;
			if (id == ID_LISTEN) {
				on_accept(s);
			} else if (id == ID_WAKE) {
				uint64_t v;
				ssize_t r = read(s->wake_fd, &v, sizeof v);
				(void)r;
				on_done(s);
			} else {
				if (evs[i].events & (EPOLLHUP | EPOLLERR)) {
					/* reset or gone both ways: nothing more to read, no one to answer */
					conn_close(s, id, "connection reset");
					continue;
				}
				on_ready(s, id, evs[i].events);
			}
		}
		if (s->kick) {
			/* decrypted bytes that no readiness event will announce */
			s->kick = false;
			for (size_t i = 0; i < s->nslots; i++) {
				if (s->slots[i] && s->slots[i]->kick) {
					s->slots[i]->kick = false;
					on_readable(s, conn_id(s, s->slots[i], (uint32_t)i));
				}
			}
		}
		int64_t now = time_mono_ms();
		if (!draining && atomic_load(&s->stopping)) {
			/* Stop accepting and reading; what was received is still stored and answered. */
			draining = true;
			epoll_ctl(s->ep, EPOLL_CTL_DEL, s->listen_fd, NULL);
			close(s->listen_fd);
			s->listen_fd = -1;
			for (size_t i = 0; i < s->nslots; i++)
				if (s->slots[i])
					conn_set_events(s, s->slots[i], conn_id(s, s->slots[i], (uint32_t)i));
			pthread_mutex_lock(&s->mu);
			s->no_more = true;
			pthread_cond_signal(&s->work);
			pthread_mutex_unlock(&s->mu);
		}
		if (draining) {
			pthread_mutex_lock(&s->mu);
			bool ingest_done = s->ingest_exit && !s->done_head;
			pthread_mutex_unlock(&s->mu);
			if (ingest_done) {
				if (!drain_deadline)
					drain_deadline = now + DRAIN_WRITE_MS;
				bool pending = false;
				for (size_t i = 0; i < s->nslots && !pending; i++)
					pending = s->slots[i] && s->slots[i]->out.len > s->slots[i]->out_off;
				if (!pending || now >= drain_deadline)
					break;
			}
		} else if (now - last_scan >= scan_every) {
			last_scan = now;
			reap_idle(s, now);
		}
	}
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i])
			conn_close(s, conn_id(s, s->slots[i], (uint32_t)i), "server stopping");
	return NULL;
}

/* ---- the ingest thread -------------------------------------------------- */

static void close_store(struct mllp_server *s)
{
	ingest_close(s->ing);
	s->ing = NULL;
	store_close(s->store);
	s->store = NULL;
}

static enum rk_status open_store(struct mllp_server *s, struct rk_err *err)
{
	if (s->ing)
		return RK_OK;
	struct store_options opt = {.busy_timeout_ms = (int)s->cfg->store_busy_timeout_ms,
				    .cache_bytes = s->cfg->store_cache};
	enum rk_status st = store_open(s->cfg->store_url, &opt, &s->store, err);
	if (st == RK_OK)
		st = ingest_open(s->store, s->cfg, &s->ing, err);
	if (st == RK_OK)
		ingest_set_audit(s->ing, s->audit, "mllp");
	if (st != RK_OK)
		close_store(s);
	return st;
}

/* Is code a registered facility? Positive answers are remembered a minute. */
static bool facility_known(struct mllp_server *s, const char *code, struct arena *a)
{
	int64_t now = time_mono_ms();
	for (size_t i = 0; i < FACILITY_CACHE; i++)
		if (strcmp(s->fac_cache[i].code, code) == 0 && now - s->fac_cache[i].at < FACILITY_CACHE_MS)
			return true;
	struct store_facility f;
	struct rk_err err;
	rk_err_clear(&err);
	if (!s->store || store_facility_get(s->store, str_c(code), a, &f, &err) != RK_OK)
		return false;
	size_t i = s->fac_next++ % FACILITY_CACHE;
	snprintf(s->fac_cache[i].code, sizeof s->fac_cache[i].code, "%s", code);
	s->fac_cache[i].at = now;
	return true;
}

/* A connection authenticated by its client certificate: the message is from
 * the certificate's facility. When its own header names a facility (through
 * mllp.senders, or a 10-digit MSH-4) that is another one, or the certificate's
 * facility is not registered, it is refused (quarantined with the reason, AR). */
static void resolve_certified(struct mllp_server *s, struct item *it, const struct hl7_msg *m, const char *named,
			      struct arena *a)
{
	const char *cert = it->cert_facility;
	memcpy(it->facility, cert, sizeof it->facility); /* never resolved again by the header (pipeline.c) */
	if (named[0] && strcmp(named, cert) != 0) {
		snprintf(
			it->unknown, sizeof it->unknown,
			"sender not covered by its client certificate: the certificate names facility %s, but MSH-3 %.*s, "
			"MSH-4 %.*s names facility %s",
			cert, (int)(m->sending_app.len > 60 ? 60 : m->sending_app.len), m->sending_app.ptr,
			(int)(m->sending_facility.len > 60 ? 60 : m->sending_facility.len), m->sending_facility.ptr,
			named);
		it->refuse = true;
	} else if (!facility_known(s, cert, a)) {
		snprintf(it->unknown, sizeof it->unknown,
			 "the client certificate names facility %s, which is not a registered facility", cert);
		it->refuse = true;
	}
}

/* The sender's source facility: mllp.senders, else MSH-4 when it is a
 * registered facility code; else it->facility stays empty with the reason.
 * Over TLS, the client certificate's facility (resolve_certified). */
static void resolve_sender(struct mllp_server *s, struct item *it, struct arena *a)
{
	struct hl7_msg m;
	struct rk_err err;
	rk_err_clear(&err);
	if (hl7_parse((struct str){it->bytes, it->len}, a, &m, &err) != RK_OK) {
		/* unparseable: the pipeline rejects it with the parser's reason */
		memcpy(it->facility, it->cert_facility, sizeof it->facility);
		return;
	}
	char code[16] = "";
	bool named = config_mllp_sender(s->cfg, m.sending_app, m.sending_facility, code) ||
		     (m.sending_facility.len == 10 && str_is_digits(m.sending_facility) &&
		      str_copy(code, sizeof code, m.sending_facility));
	if (it->cert_facility[0]) {
		resolve_certified(s, it, &m, named ? code : "", a);
		return;
	}
	if (named) {
		if (facility_known(s, code, a)) {
			memcpy(it->facility, code, sizeof code);
			return;
		}
		snprintf(it->unknown, sizeof it->unknown,
			 "sending facility %s (MSH-3 %.*s, MSH-4 %.*s) is not a registered facility", code,
			 (int)(m.sending_app.len > 60 ? 60 : m.sending_app.len), m.sending_app.ptr,
			 (int)(m.sending_facility.len > 60 ? 60 : m.sending_facility.len), m.sending_facility.ptr);
		return;
	}
	snprintf(it->unknown, sizeof it->unknown,
		 "unknown sender (MSH-3 %.*s, MSH-4 %.*s): not in mllp.senders, and MSH-4 is not a registered "
		 "10-digit facility code",
		 (int)(m.sending_app.len > 60 ? 60 : m.sending_app.len), m.sending_app.ptr,
		 (int)(m.sending_facility.len > 60 ? 60 : m.sending_facility.len), m.sending_facility.ptr);
}

/* Build it->ack: hl7_ack for the message (re-parsed; NULL when it does not
 * parse) with code and reason, framed. */
static void make_ack(struct mllp_server *s, struct item *it, enum hl7_ack_code code, const char *reason,
		     struct arena *a)
{
	struct hl7_msg m;
	const struct hl7_msg *mp = NULL;
	struct rk_err err;
	rk_err_clear(&err);
	if (it->bytes && hl7_parse((struct str){it->bytes, it->len}, a, &m, &err) == RK_OK)
		mp = &m;
	char id[32], now[16];
	snprintf(id, sizeof id, "RK%llx%llx", (unsigned long long)time_now_ms(), (unsigned long long)++s->ack_seq);
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y%m%d%H%M%S", &tm);
	struct buf ack;
	buf_init(&ack, ACK_MAX);
	rk_err_clear(&err);
	if (hl7_ack(mp, code, reason, id, now, &ack, &err) != RK_OK) {
		/* a reason too long for the ACK bound: answer without it */
		buf_reset(&ack);
		ack.overflow = false;
		rk_err_clear(&err);
		hl7_ack(NULL, code, "see the server log", id, now, &ack, &err);
	}
	buf_init(&it->ack, ACK_MAX + 8);
	rk_err_clear(&err);
	mllp_wrap(buf_str(&ack), &it->ack, &err);
	buf_free(&ack);
}

/* Store one batch and answer every item of it. */
static void run_batch(struct mllp_server *s, struct item *batch, size_t n, struct ingest_msg *msgs,
		      struct ingest_report *reports, struct arena *a)
{
	int64_t t0 = time_mono_ms();
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = open_store(s, &err); /* after a failed batch: a new connection */
	size_t k = 0;
	for (struct item *it = batch; it; it = it->next) {
		if (it->reject[0])
			continue;
		if (st == RK_OK)
			resolve_sender(s, it, a);
		arena_reset(a);
		msgs[k] = (struct ingest_msg){.origin = INGEST_MLLP,
					      .bytes = {it->bytes, it->len},
					      .facility_code = str_c(it->facility),
					      .peer = str_c(it->peer),
					      .refuse = it->refuse ? it->unknown : NULL,
					      .certificate = str_c(it->cert_subject)};
		k++;
	}
	if (k && st == RK_OK) {
		memset(reports, 0, k * sizeof *reports);
		st = ingest_batch(s->ing, msgs, k, reports, &err);
		if (st != RK_OK)
			close_store(s); /* reopened for the next batch: the connection may be what broke */
	}
	if (k && st != RK_OK)
		log_event(LOG_WARN, "mllp.batch_failed", "error", err.msg, NULL);
	int counts[5] = {0};
	size_t j = 0;
	char reason[RK_ERR_MSG_MAX + 32]; /* "not stored, resend: " and the error */
	for (struct item *it = batch; it; it = it->next) {
		if (it->reject[0]) {
			make_ack(s, it, HL7_AR, it->reject, a);
		} else if (st != RK_OK) {
			snprintf(reason, sizeof reason, "not stored, resend: %s", err.msg);
			make_ack(s, it, HL7_AE, reason, a);
			j++;
		} else {
			const struct ingest_report *r = &reports[j++];
			counts[r->outcome < 5 ? r->outcome : 0]++;
			if (r->outcome != INGEST_QUARANTINED)
				make_ack(s, it, HL7_AA, NULL, a);
			else if (it->unknown[0])
				make_ack(s, it, HL7_AR, it->unknown, a);
			else
				make_ack(s, it, r->rejected ? HL7_AR : HL7_AE, r->reason[0] ? r->reason : "quarantined",
					 a);
		}
		arena_reset(a);
	}
	if (log_enabled(LOG_DEBUG)) {
		char nb[16], sb[16], db[16], qb[16], ms[16];
		snprintf(nb, sizeof nb, "%zu", n);
		snprintf(sb, sizeof sb, "%d", counts[INGEST_STORED] + counts[INGEST_DELETED]);
		snprintf(db, sizeof db, "%d", counts[INGEST_DUPLICATE]);
		snprintf(qb, sizeof qb, "%d", counts[INGEST_QUARANTINED]);
		snprintf(ms, sizeof ms, "%lld", (long long)(time_mono_ms() - t0));
		log_event(LOG_DEBUG, "mllp.batch", "messages", nb, "stored", sb, "duplicate", db, "quarantined", qb,
			  "committed", st == RK_OK ? "true" : "false", "ms", ms, NULL);
	}
}

static void *ingest_main(void *arg)
{
	struct mllp_server *s = arg;
	struct ingest_msg *msgs = calloc(RK_MAX_INGEST_BATCH, sizeof *msgs);
	struct ingest_report *reports = calloc(RK_MAX_INGEST_BATCH, sizeof *reports);
	if (!msgs || !reports)
		rk_oom();
	struct arena a;
	arena_init(&a, (size_t)RK_MAX_HL7_MESSAGE * 4 + (1u << 20));
	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (!s->in_head && !s->no_more)
			pthread_cond_wait(&s->work, &s->mu);
		if (!s->in_head) { /* no_more and nothing left */
			s->ingest_exit = true;
			pthread_mutex_unlock(&s->mu);
			break;
		}
		/* Everything queued since the last commit, up to the batch bounds. */
		struct item *batch = s->in_head, *last = batch;
		size_t n = 1, bytes = batch->len;
		while (last->next && n < RK_MAX_INGEST_BATCH && bytes + last->next->len <= RK_MAX_INGEST_BATCH_BYTES) {
			last = last->next;
			bytes += last->len;
			n++;
		}
		s->in_head = last->next;
		if (!s->in_head)
			s->in_tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&s->mu);

		run_batch(s, batch, n, msgs, reports, &a);

		pthread_mutex_lock(&s->mu);
		if (s->done_tail)
			s->done_tail->next = batch;
		else
			s->done_head = batch;
		s->done_tail = last;
		pthread_mutex_unlock(&s->mu);
		wake(s);
	}
	wake(s);
	arena_free(&a);
	free(msgs);
	free(reports);
	close_store(s);
	return NULL;
}

/* ---- start and stop -------------------------------------------------------- */

static void server_free(struct mllp_server *s)
{
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->ep >= 0)
		close(s->ep);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	for (struct item *it = s->in_head, *nx; it; it = nx) {
		nx = it->next;
		free(it->bytes);
		free(it);
	}
	for (struct item *it = s->done_head, *nx; it; it = nx) {
		nx = it->next;
		buf_free(&it->ack);
		free(it->bytes);
		free(it);
	}
	close_store(s);
	mllp_tls_close(s->tls);
	free(s->slots);
	free(s->gens);
	free(s->free_slots);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work);
	free(s);
}

enum rk_status mllp_start(const struct config *cfg, struct audit_log *audit, int fd, struct mllp_server **out,
			  struct rk_err *err)
{
	struct mllp_server *s = calloc(1, sizeof *s);
	if (!s)
		rk_oom();
	s->cfg = cfg;
	s->audit = audit;
	s->listen_fd = fd;
	s->ep = s->wake_fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	s->nslots = (size_t)cfg->mllp_max_connections;
	s->slots = calloc(s->nslots, sizeof *s->slots);
	s->gens = calloc(s->nslots, sizeof *s->gens);
	s->free_slots = calloc(s->nslots, sizeof *s->free_slots);
	if (!s->slots || !s->gens || !s->free_slots)
		rk_oom();
	for (size_t i = 0; i < s->nslots; i++)
		s->free_slots[i] = (uint32_t)(s->nslots - 1 - i);
	s->nfree = s->nslots;
	enum rk_status st = open_store(s, err); /* fail at start, not at the first message */
	if (st != RK_OK)
		goto fail;
	if (cfg->mllp_tls && (st = mllp_tls_open(cfg, &s->tls, err)) != RK_OK)
		goto fail;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct epoll_event lev = {.events = EPOLLIN, .data.u64 = ID_LISTEN};
	struct epoll_event wev = {.events = EPOLLIN, .data.u64 = ID_WAKE};
	if (s->ep < 0 || s->wake_fd < 0 || epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &lev) != 0 ||
	    epoll_ctl(s->ep, EPOLL_CTL_ADD, s->wake_fd, &wev) != 0) {
		st = rk_fail(err, RK_IO, "mllp: epoll: %s", strerror(errno));
		goto fail;
	}
	if (pthread_create(&s->ingest_thread, NULL, ingest_main, s) != 0) {
		st = rk_fail(err, RK_IO, "mllp: cannot start the ingest thread");
		goto fail;
	}
	s->ingest_started = true;
	if (pthread_create(&s->event_thread, NULL, event_main, s) != 0) {
		st = rk_fail(err, RK_IO, "mllp: cannot start the event thread");
		goto fail;
	}
	s->event_started = true;
	*out = s;
	return RK_OK;
fail:
	if (s->ingest_started) {
		pthread_mutex_lock(&s->mu);
		s->no_more = true;
		pthread_cond_signal(&s->work);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->ingest_thread, NULL);
	}
	server_free(s);
	return st;
}

void mllp_stop(struct mllp_server *s)
{
	if (!s)
		return;
	atomic_store(&s->stopping, true);
	wake(s);
	pthread_join(s->event_thread, NULL);
	pthread_join(s->ingest_thread, NULL);
	server_free(s);
}
