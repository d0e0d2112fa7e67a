/* mllp_tls.h — TLS for the MLLP listener (GnuTLS): the listener's credentials
 * (its certificate and key, the CA that signs the senders' client
 * certificates) and one non-blocking session per connection. Handshake, reads
 * and writes never wait: a step that needs the socket answers RK_BUSY and
 * mllp_tls_wants_write says which readiness to wait for. A session names its
 * sender only after a verified handshake: the facility code that is its client
 * certificate's subject CN (docs/ARCHITECTURE.md "MLLP"). */
#ifndef RENKEI_MLLP_MLLP_TLS_H
#define RENKEI_MLLP_MLLP_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "core/err.h"

/* Room for a certificate's subject DN in the log ("CN=...,O=...", cut). */
#define MLLP_TLS_SUBJECT_MAX 256

struct mllp_tls;         /* credentials: read-only once open, shared by every session */
struct mllp_tls_session; /* one connection's TLS state; one thread at a time */

/* Load cfg's MLLP TLS credentials (cfg->mllp_tls must be true): the server
 * certificate chain and key, the client CA bundle, TLS 1.2+ priorities.
 * RK_IO / RK_INVALID naming the option and file when one cannot be used. */
enum rk_status mllp_tls_open(const struct config *cfg, struct mllp_tls **out, struct rk_err *err);
void mllp_tls_close(struct mllp_tls *t);

/* A server session on the connected non-blocking socket fd (not owned: the
 * caller closes it after mllp_tls_session_free). RK_IO when GnuTLS refuses. */
enum rk_status mllp_tls_session_new(struct mllp_tls *t, int fd, struct mllp_tls_session **out, struct rk_err *err);

/* Close the session: a close_notify when the handshake finished (one try,
 * never waits), then free. NULL is fine. */
void mllp_tls_session_free(struct mllp_tls_session *s);

/* Advance the handshake. RK_OK: finished, the client certificate verified
 * against mllp.tls_client_ca and its subject CN a 10-digit facility code
 * (mllp_tls_facility). RK_BUSY: call again on readiness (mllp_tls_wants_write).
 * RK_FORBIDDEN: no certificate, one not signed by the CA, expired, or not
 * naming a facility; RK_GONE: the peer closed; RK_INVALID: not TLS 1.2+ or
 * broken; err says which. */
enum rk_status mllp_tls_handshake(struct mllp_tls_session *s, struct rk_err *err);

/* After RK_BUSY: true when the session waits for the socket to be writable,
 * false when for it to be readable. */
bool mllp_tls_wants_write(const struct mllp_tls_session *s);

/* Read up to cap decrypted bytes. RK_OK with *got > 0; RK_BUSY: nothing now;
 * RK_GONE: the peer closed (close_notify or end of stream); another status:
 * the connection is broken (err says why). */
enum rk_status mllp_tls_read(struct mllp_tls_session *s, char *buf, size_t cap, size_t *got, struct rk_err *err);

/* True when decrypted bytes wait inside the session (the socket may not be
 * readable again for them: read them without waiting for readiness). */
bool mllp_tls_pending(const struct mllp_tls_session *s);

/* Write up to n bytes as TLS records. RK_OK with *sent > 0; RK_BUSY: call
 * again on readiness, starting with the same bytes (more may follow them);
 * another status: broken. */
enum rk_status mllp_tls_write(struct mllp_tls_session *s, const char *p, size_t n, size_t *sent, struct rk_err *err);

/* The verified client certificate, after mllp_tls_handshake returned RK_OK:
 * the facility code of its CN, and its subject DN and serial for the log. */
const char *mllp_tls_facility(const struct mllp_tls_session *s);
const char *mllp_tls_subject(const struct mllp_tls_session *s);

#endif
