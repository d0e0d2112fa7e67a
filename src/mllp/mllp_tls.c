/* mllp_tls.c — GnuTLS under the MLLP event thread: credentials loaded once,
 * one non-blocking session per connection (GNUTLS_NONBLOCK: every call returns
 * GNUTLS_E_AGAIN instead of waiting, gnutls_record_get_direction says for
 * what), a client certificate required and verified during the handshake,
 * and its subject CN taken as the sending facility's code. */
#include "mllp/mllp_tls.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"

/* TLS 1.2 and 1.3 only (SECURITY.md), the same list as the HTTPS listener. */
#define MLLP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct mllp_tls {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	bool global_init;
};

struct mllp_tls_session {
	gnutls_session_t g;
	bool established;
	size_t send_pending; /* bytes handed to the last gnutls_record_send that said AGAIN */
	char facility[16];
	char subject[MLLP_TLS_SUBJECT_MAX];
};

enum rk_status mllp_tls_open(const struct config *cfg, struct mllp_tls **out, struct rk_err *err)
{
	struct mllp_tls *t = calloc(1, sizeof *t);
	if (!t)
		rk_oom();
	enum rk_status st = RK_OK;
	int rc = gnutls_global_init();
	if (rc < 0) {
		st = rk_fail(err, RK_IO, "mllp: GnuTLS: %s", gnutls_strerror(rc));
		goto out_free;
	}
	t->global_init = true;
	if ((rc = gnutls_certificate_allocate_credentials(&t->cred)) < 0) {
		st = rk_fail(err, RK_IO, "mllp: GnuTLS credentials: %s", gnutls_strerror(rc));
		goto out_free;
	}
	rc = gnutls_certificate_set_x509_key_file2(t->cred, cfg->mllp_tls_cert_file, cfg->mllp_tls_key_file,
						   GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc < 0) {
		st = rk_fail(err, RK_IO, "%s: cannot use certificate %s with key %s: %s",
			     cfg->mllp_tls_cert[0] ? "mllp.tls_cert/mllp.tls_key" : "tls.cert/tls.key (for MLLP)",
			     cfg->mllp_tls_cert_file, cfg->mllp_tls_key_file, gnutls_strerror(rc));
		goto out_free;
	}
	rc = gnutls_certificate_set_x509_trust_file(t->cred, cfg->mllp_tls_client_ca, GNUTLS_X509_FMT_PEM);
	if (rc <= 0) {
		st = rk_fail(err, RK_IO, "mllp.tls_client_ca: no CA certificate read from %s%s%s",
			     cfg->mllp_tls_client_ca, rc < 0 ? ": " : "", rc < 0 ? gnutls_strerror(rc) : "");
		goto out_free;
	}
	const char *pos = NULL;
	if ((rc = gnutls_priority_init(&t->prio, MLLP_TLS_PRIORITIES, &pos)) < 0) {
		st = rk_fail(err, RK_INTERNAL, "mllp: TLS priorities at '%s': %s", pos ? pos : "?",
			     gnutls_strerror(rc));
		goto out_free;
	}
	*out = t;
	return RK_OK;
out_free:
	mllp_tls_close(t);
	return st;
}

void mllp_tls_close(struct mllp_tls *t)
{
	if (!t)
		return;
	if (t->prio)
		gnutls_priority_deinit(t->prio);
	if (t->cred)
		gnutls_certificate_free_credentials(t->cred);
	if (t->global_init)
		gnutls_global_deinit(); /* reference-counted: libmicrohttpd keeps its own */
	free(t);
}

enum rk_status mllp_tls_session_new(struct mllp_tls *t, int fd, struct mllp_tls_session **out, struct rk_err *err)
{
	struct mllp_tls_session *s = calloc(1, sizeof *s);
	if (!s)
		rk_oom();
	/* No session tickets and no session cache: every connection shows its
	 * certificate again, none is resumed on an earlier verification. */
	int rc = gnutls_init(&s->g, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS);
	if (rc < 0) {
		free(s);
		return rk_fail(err, RK_IO, "TLS session: %s", gnutls_strerror(rc));
	}
	static gnutls_typed_vdata_st client_purpose = {.type = GNUTLS_DT_KEY_PURPOSE_OID,
						       .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT};
	if ((rc = gnutls_priority_set(s->g, t->prio)) < 0 ||
	    (rc = gnutls_credentials_set(s->g, GNUTLS_CRD_CERTIFICATE, t->cred)) < 0) {
		gnutls_deinit(s->g);
		free(s);
		return rk_fail(err, RK_IO, "TLS session: %s", gnutls_strerror(rc));
	}
	gnutls_certificate_server_set_request(s->g, GNUTLS_CERT_REQUIRE);
	/* Verified inside the handshake (chain to mllp.tls_client_ca, validity
	 * dates, key purpose when the certificate states one); no host name. */
	gnutls_session_set_verify_cert2(s->g, &client_purpose, 1, 0);
	gnutls_transport_set_int(s->g, fd);
	*out = s;
	return RK_OK;
}

void mllp_tls_session_free(struct mllp_tls_session *s)
{
	if (!s)
		return;
	if (s->established)
		(void)gnutls_bye(s->g, GNUTLS_SHUT_WR); /* non-blocking: one try, the socket closes anyway */
	gnutls_deinit(s->g);
	free(s);
}

bool mllp_tls_wants_write(const struct mllp_tls_session *s)
{
	return gnutls_record_get_direction(s->g) == 1;
}

bool mllp_tls_pending(const struct mllp_tls_session *s)
{
	return s->established && gnutls_record_check_pending(s->g) > 0;
}

const char *mllp_tls_facility(const struct mllp_tls_session *s)
{
	return s->facility;
}

const char *mllp_tls_subject(const struct mllp_tls_session *s)
{
	return s->subject;
}

/* The verified peer certificate's CN must be one 10-digit facility code. */
static enum rk_status take_identity(struct mllp_tls_session *s, struct rk_err *err)
{
	unsigned status = 0, n = 0;
	int rc = gnutls_certificate_verify_peers2(s->g, &status);
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(s->g, &n);
	if (rc < 0 || status != 0 || !certs || n == 0)
		return rk_fail(err, RK_FORBIDDEN, "client certificate not verified");
	gnutls_x509_crt_t crt;
	if (gnutls_x509_crt_init(&crt) < 0)
		rk_oom();
	enum rk_status st = RK_OK;
	if ((rc = gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER)) < 0) {
		st = rk_fail(err, RK_FORBIDDEN, "client certificate unreadable: %s", gnutls_strerror(rc));
		goto out_crt;
	}
	gnutls_datum_t dn = {NULL, 0};
	char serial_hex[2 * 20 + 1] = "";
	unsigned char serial[20];
	size_t sl = sizeof serial;
	if (gnutls_x509_crt_get_serial(crt, serial, &sl) == 0)
		for (size_t i = 0; i < sl && i < sizeof serial; i++)
			snprintf(serial_hex + 2 * i, 3, "%02x", serial[i]);
	if (gnutls_x509_crt_get_dn3(crt, &dn, 0) == 0) {
		snprintf(s->subject, sizeof s->subject, "%.*s serial=%s", (int)(dn.size > 200 ? 200 : dn.size),
			 (const char *)dn.data, serial_hex);
		gnutls_free(dn.data);
	}
	char cn[64], extra[8];
	size_t cl = sizeof cn, el = sizeof extra;
	rc = gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cl);
	if (rc < 0) {
		st = rk_fail(err, RK_FORBIDDEN, "client certificate (%s) has no subject CN naming the sending facility",
			     s->subject);
		goto out_crt;
	}
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 1, 0, extra, &el) !=
	    GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
		st = rk_fail(err, RK_FORBIDDEN, "client certificate (%s) has more than one CN", s->subject);
		goto out_crt;
	}
	struct str c = {cn, strnlen(cn, sizeof cn)};
	if (c.len != 10 || !str_is_digits(c)) {
		st = rk_fail(err, RK_FORBIDDEN,
			     "client certificate CN '%.*s' is not a 10-digit facility code (医療機関コード)",
			     (int)(c.len > 40 ? 40 : c.len), cn);
		goto out_crt;
	}
	str_copy(s->facility, sizeof s->facility, c);
out_crt:
	gnutls_x509_crt_deinit(crt);
	return st;
}

/* A failed handshake's status and reason. */
static enum rk_status handshake_failed(struct mllp_tls_session *s, int rc, struct rk_err *err)
{
	switch (rc) {
	case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR: {
		gnutls_datum_t why = {NULL, 0};
		unsigned status = gnutls_session_get_verify_cert_status(s->g);
		enum rk_status st;
		if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0) == 0) {
			size_t n = strlen((const char *)why.data);
			while (n && why.data[n - 1] == ' ')
				n--;
			st = rk_fail(err, RK_FORBIDDEN, "client certificate refused: %.*s", (int)n,
				     (const char *)why.data);
			gnutls_free(why.data);
		} else {
			st = rk_fail(err, RK_FORBIDDEN, "client certificate refused (status 0x%x)", status);
		}
		return st;
	}
	case GNUTLS_E_NO_CERTIFICATE_FOUND:
	case GNUTLS_E_CERTIFICATE_REQUIRED:
	case GNUTLS_E_CERTIFICATE_ERROR:
		return rk_fail(err, RK_FORBIDDEN, "no valid client certificate: %s", gnutls_strerror(rc));
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PUSH_ERROR:
	case GNUTLS_E_PULL_ERROR:
		return rk_fail(err, RK_GONE, "closed during the TLS handshake: %s", gnutls_strerror(rc));
	default: return rk_fail(err, RK_INVALID, "TLS handshake failed: %s", gnutls_strerror(rc));
	}
}

enum rk_status mllp_tls_handshake(struct mllp_tls_session *s, struct rk_err *err)
{
	int rc;
	do {
		rc = gnutls_handshake(s->g);
	} while (rc < 0 && rc != GNUTLS_E_AGAIN && !gnutls_error_is_fatal(rc)); /* a warning alert: go on */
	if (rc == GNUTLS_E_AGAIN)
		return RK_BUSY;
	if (rc < 0) {
		enum rk_status st = handshake_failed(s, rc, err);
		(void)gnutls_alert_send_appropriate(s->g, rc); /* tell the client why, if the socket takes it now */
		return st;
	}
	enum rk_status st = take_identity(s, err);
	if (st != RK_OK) {
		(void)gnutls_alert_send(s->g, GNUTLS_AL_FATAL, GNUTLS_A_ACCESS_DENIED);
		return st;
	}
	s->established = true;
	return RK_OK;
}

enum rk_status mllp_tls_read(struct mllp_tls_session *s, char *buf, size_t cap, size_t *got, struct rk_err *err)
{
	for (;;) {
		ssize_t n = gnutls_record_recv(s->g, buf, cap);
		if (n > 0) {
			*got = (size_t)n;
			return RK_OK;
		}
		if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
			return rk_fail(err, RK_GONE, "closed by peer");
		if (n == GNUTLS_E_AGAIN)
			return RK_BUSY;
		if (n == GNUTLS_E_REHANDSHAKE) /* a TLS 1.2 client asking to renegotiate: not offered */
			return rk_fail(err, RK_INVALID, "TLS renegotiation is not supported");
		if (gnutls_error_is_fatal((int)n))
			return rk_fail(err, RK_IO, "TLS read: %s", gnutls_strerror((int)n));
		/* GNUTLS_E_INTERRUPTED, a warning alert: try again */
	}
}

enum rk_status mllp_tls_write(struct mllp_tls_session *s, const char *p, size_t n, size_t *sent, struct rk_err *err)
{
	/* GnuTLS keeps the record it could not send whole; a retry must offer
	 * the same bytes, and reports their count once they are out. */
	if (s->send_pending && n > s->send_pending)
		n = s->send_pending;
	for (;;) {
		ssize_t w = gnutls_record_send(s->g, p, n);
		if (w > 0) {
			s->send_pending = 0;
			*sent = (size_t)w;
			return RK_OK;
		}
		if (w == GNUTLS_E_AGAIN) {
			s->send_pending = n;
			return RK_BUSY;
		}
		if (w == 0 || gnutls_error_is_fatal((int)w))
			return rk_fail(err, RK_IO, "TLS write: %s", w ? gnutls_strerror((int)w) : "nothing written");
	}
}
