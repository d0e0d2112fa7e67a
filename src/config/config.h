/* config.h — renkei's configuration: a typed option table with bounds and
 * secure defaults, loaded from `key = value` files. Unknown keys, repeated
 * keys and out-of-range values fail with file:line. A configuration is built
 * once at start and read-only afterwards (safe to share between threads). */
#ifndef RENKEI_CONFIG_CONFIG_H
#define RENKEI_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/str.h"

struct config {
	/* http */
	char *http_listen;    /* host:port; loopback unless TLS is configured */
	int64_t http_threads; /* worker threads, each with its own store connection */
	int64_t http_max_connections;
	int64_t http_max_connections_per_ip;
	int64_t http_timeout_s;  /* idle connection time-out */
	int64_t http_max_body;   /* bytes */
	int64_t http_max_header; /* bytes of request line + headers per connection */
	/* tls */
	char *tls_cert;
	char *tls_key;
	/* store */
	char *store_url;
	int64_t store_busy_timeout_ms;
	int64_t store_cache; /* bytes */
	/* web */
	char *web_root;
	/* fhir */
	char *fhir_base_url; /* empty: derived from http.listen */
	int64_t fhir_default_count;
	int64_t fhir_max_count;
	/* region */
	char *region_name;
	char *region_id_system; /* identifier system of the regional patient ID */
	/* log */
	char *log_level;
	char *log_format;
	/* auth */
	int64_t session_idle_ms;      /* idle time-out */
	int64_t session_absolute_ms;  /* absolute time-out */
	int64_t reauth_ms;            /* how fresh a login must be for break-the-glass */
	int64_t totp_required;        /* 1: every interactive account uses TOTP (admins always do) */
	int64_t lockout_threshold;    /* failures of one login ID from one client address before it locks there */
	int64_t lockout_id_threshold; /* failures of one login ID from all addresses before it locks everywhere */
	int64_t lockout_base_ms;      /* first lock; doubles with each further failure */
	int64_t lockout_max_ms;
	int64_t token_lifetime_s;      /* OAuth2 bearer tokens */
	int64_t emergency_duration_ms; /* break-the-glass episode length */
	int64_t emergency_review_ms;   /* review deadline after an episode starts */
	/* audit */
	char *audit_key_file; /* empty: <sqlite db>.audit.key, or var/audit.key */
	int64_t audit_retention_days;
	char *audit_checkpoint_file;          /* empty: beside the key file (<key file minus .key>.checkpoint) */
	int64_t audit_checkpoint_entries;     /* a checkpoint after about this many entries ... */
	int64_t audit_checkpoint_interval_ms; /* ... or this long, whichever comes first */
	/* sched */
	int64_t sched_enabled;              /* 1: `renkei serve` runs the scheduler thread (sched/) */
	int64_t sched_tick_ms;              /* how often it wakes; the expiry jobs run every tick */
	int64_t sched_session_retention_ms; /* ended sessions are deleted this long after they ended */
	int64_t sched_token_retention_ms;   /* expired or revoked OAuth2 tokens are deleted this long after */
	/* bulk */
	char *disaster_report_dir; /* the disaster-report job's files; empty: <sqlite db>.disaster/, or var/disaster */
	char *bulk_dir;            /* where $export writes its files; empty: <sqlite db>.bulk/, or var/bulk */
	int64_t bulk_expiry_ms;    /* an export's files are deleted this long after it ended */
	/* collab */
	char *collab_digest_command; /* the daily digest's hook: run with one JSON line per member on stdin; empty: off */
	char *collab_digest_link;    /* the link the digest carries; empty: the server's own team page */
	/* mllp */
	char *mllp_listen; /* host:port of the HL7 v2 listener; empty: off; beyond loopback only with TLS */
	int64_t mllp_max_connections;
	int64_t mllp_idle_timeout_s; /* a connection without a byte (or a finished frame) for this long is closed */
	int64_t mllp_max_message;    /* bytes of one framed message */
	char *mllp_senders;          /* "APP^FACILITY=CODE, ...": MSH-3^MSH-4 → source facility code */
	char *mllp_tls_client_ca;    /* PEM CA bundle of the senders' client certificates; set: MLLP over TLS */
	char *mllp_tls_cert;         /* PEM chain of the MLLP listener; empty: tls.cert */
	char *mllp_tls_key;          /* its key; empty: tls.key */
	/* backup */
	char *backup_dir;            /* where backups go (append-only for the server; docs/OPERATIONS.md) */
	char *backup_key_file;       /* the 32-byte key, kept apart from backup.dir */
	char *backup_command;        /* hook run with each finished file ($1 and stdin); empty: none */
	int64_t backup_interval_ms;  /* the scheduler's backup job's period */
	int64_t backup_keep_last;    /* retention: the newest N ... */
	int64_t backup_keep_daily;   /* ... plus the newest of each of the last D days ... */
	int64_t backup_keep_monthly; /* ... plus the newest of each of the last M months */
	/* standby */
	char *standby_mode;      /* auto|on|off: serve read-only (docs/STANDBY.md) */
	char *standby_spool_dir; /* the standby's audit spool; empty: var/standby-spool */

	/* derived by config_finish */
	char listen_host[64];
	int listen_port;
	bool listen_loopback;
	bool tls_enabled;
	bool base_url_derived; /* fhir.base_url was empty: follows the bound port */
	char mllp_host[64];    /* mllp.listen split (mllp_enabled false when mllp.listen is empty) */
	int mllp_port;
	bool mllp_enabled;
	bool mllp_tls;                  /* mllp.tls_client_ca is set: TLS 1.2+ with client certificates */
	const char *mllp_tls_cert_file; /* mllp.tls_cert, else tls.cert (points into this struct) */
	const char *mllp_tls_key_file;  /* mllp.tls_key, else tls.key */
	bool read_only;                 /* set by `renkei serve` when it serves as a standby (standby.mode) */
};

/* Fill cfg with the defaults of the option table. Aborts only on OOM. */
void config_defaults(struct config *cfg);
/* Read path and apply its options over cfg. RK_IO when unreadable; RK_INVALID
 * with "path:line: ..." for an unknown/repeated key or a bad value. */
enum rk_status config_load(struct config *cfg, const char *path, struct rk_err *err);
/* Apply one `key=value` (command-line --set). Same checks as a file line. */
enum rk_status config_set(struct config *cfg, const char *assignment, struct rk_err *err);
/* Cross-option checks and derived fields: refuses a non-loopback listen
 * address without TLS (for mllp.listen: without TLS and a client CA), default
 * page size above the maximum, and so on. */
enum rk_status config_finish(struct config *cfg, struct rk_err *err);
void config_free(struct config *cfg);
/* The server bound port (differs from listen_port when that was 0): updates
 * listen_port and a derived fhir.base_url. Call before threads start. */
void config_bound_port(struct config *cfg, int port);

/* The source facility of an MLLP sender named in mllp.senders: app and
 * facility are MSH-3.1 and MSH-4.1 (compared exactly). Returns true and fills
 * code (NUL-terminated, 10 digits) when the pair is listed. Thread-safe. */
bool config_mllp_sender(const struct config *cfg, struct str app, struct str facility, char code[16]);

/* Write the annotated example file (every option, default, bounds, why). */
void config_write_example(FILE *f);

#endif
