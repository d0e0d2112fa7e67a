/* config.c — the option table (one screen), the line parser and the checks.
 * Defaults go through the same parser as file values, so they are checked too. */
#include "config/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/str.h"

enum cfg_type { CFG_STRING, CFG_INT, CFG_SIZE, CFG_DURATION_S, CFG_DURATION_MS, CFG_ENUM, CFG_BOOL };

struct cfg_option {
	const char *key;
	enum cfg_type type;
	size_t offset;
	const char *def;
	int64_t min, max;    /* numeric bounds (after unit conversion) */
	const char *choices; /* CFG_ENUM: "a|b|c" */
	const char *doc;
};

#define OPT(k, t, field, d, lo, hi, ch, doc)                             \
	{                                                                \
		k, t, offsetof(struct config, field), d, lo, hi, ch, doc \
	}

static const struct cfg_option options[] = {
	OPT("http.listen", CFG_STRING, http_listen, "127.0.0.1:8080", 0, 0, NULL,
	    "Address and port of the web UI and FHIR API. A non-loopback address needs tls.cert and tls.key."),
	OPT("http.threads", CFG_INT, http_threads, "4", 1, RK_MAX_HTTP_THREADS, NULL,
	    "Worker threads; each owns one database connection."),
	OPT("http.max_connections", CFG_INT, http_max_connections, "4096", 16, RK_MAX_CONNECTIONS, NULL,
	    "Concurrent connections accepted; more are refused at once."),
	OPT("http.max_connections_per_ip", CFG_INT, http_max_connections_per_ip, "1024", 1, RK_MAX_CONNECTIONS, NULL,
	    "Concurrent connections from one client address."),
	OPT("http.timeout", CFG_DURATION_S, http_timeout_s, "30s", 1, 3600, NULL,
	    "An idle or slow connection is closed after this long."),
	OPT("http.max_body", CFG_SIZE, http_max_body, "8M", 1024, RK_MAX_BODY, NULL,
	    "Largest request body; larger ones get 413 before any of it is read."),
	OPT("http.max_header", CFG_SIZE, http_max_header, "32K", 8192, RK_MAX_HEADER_MEM, NULL,
	    "Memory per connection for the request line and headers; larger ones get 431."),
	OPT("tls.cert", CFG_STRING, tls_cert, "", 0, 0, NULL,
	    "PEM certificate chain. With tls.key, the server speaks HTTPS (TLS 1.2+) only."),
	OPT("tls.key", CFG_STRING, tls_key, "", 0, 0, NULL, "PEM private key for tls.cert."),
	OPT("store.url", CFG_STRING, store_url, "sqlite:var/renkei.db", 0, 0, NULL,
	    "Database: sqlite:PATH (embedded, default) or postgresql://... (libpq URI)."),
	OPT("store.busy_timeout", CFG_DURATION_MS, store_busy_timeout_ms, "5s", 100, 600000, NULL,
	    "How long a writer waits for another writer's lock before failing with 503."),
	OPT("store.cache", CFG_SIZE, store_cache, "32M", 1 << 20, (int64_t)1 << 34, NULL,
	    "SQLite page cache of each connection (each HTTP worker has one). Bulk loads (renkei demo) use at least 512M."),
	OPT("web.root", CFG_STRING, web_root, "web", 0, 0, NULL,
	    "Directory of the web UI's static files; nothing outside it is ever served."),
	OPT("fhir.base_url", CFG_STRING, fhir_base_url, "", 0, 0, NULL,
	    "Public base URL of the FHIR API used in links (empty: http(s)://<http.listen>/fhir)."),
	OPT("fhir.default_count", CFG_INT, fhir_default_count, "20", 1, RK_MAX_COUNT, NULL,
	    "Search page size when _count is absent."),
	OPT("fhir.max_count", CFG_INT, fhir_max_count, "1000", 1, RK_MAX_COUNT, NULL,
	    "Largest _count accepted; above it a search fails with 400."),
	OPT("region.name", CFG_STRING, region_name, "renkei demo region", 0, 0, NULL,
	    "Name of the regional network, shown in the UI and the CapabilityStatement."),
	OPT("region.id_system", CFG_STRING, region_id_system, "urn:renkei:regional-patient-id", 0, 0, NULL,
	    "Identifier system (URI) of the regional patient ID (地域共通患者ID)."),
	OPT("log.level", CFG_ENUM, log_level, "info", 0, 0, "debug|info|warn|error", "Least severe level logged."),
	OPT("log.format", CFG_ENUM, log_format, "logfmt", 0, 0, "logfmt|json", "One line per event, logfmt or JSON."),
	OPT("auth.session_idle", CFG_DURATION_MS, session_idle_ms, "15min", 1000, 86400000, NULL,
	    "A session unused for this long ends (MHLW guideline: short idle time-outs)."),
	OPT("auth.session_absolute", CFG_DURATION_MS, session_absolute_ms, "12h", 2000, 172800000, NULL,
	    "A session ends this long after login, however busy."),
	OPT("auth.reauth", CFG_DURATION_MS, reauth_ms, "5min", 60000, 3600000, NULL,
	    "Break-the-glass needs a password and TOTP check this recent."),
	OPT("auth.totp_required", CFG_BOOL, totp_required, "true", 0, 1, NULL,
	    "Two-factor login (TOTP, RFC 6238) for every interactive account; administrators always use it."),
	OPT("auth.lockout_threshold", CFG_INT, lockout_threshold, "5", 1, 100, NULL,
	    "Failed logins (password or one-time code) of one login ID from one client address (an IPv6 /64) before "
	    "that address is locked out of that ID; other addresses are not. Known and unknown IDs count alike."),
	OPT("auth.lockout_id_threshold", CFG_INT, lockout_id_threshold, "50", 1, 10000, NULL,
	    "Failed logins of one login ID from all addresses together before it is locked for every address: "
	    "a guesser spread over many addresses. Keep it well above auth.lockout_threshold."),
	OPT("auth.lockout_base", CFG_DURATION_MS, lockout_base_ms, "1min", 1000, 86400000, NULL,
	    "The first lock (of an address, or of an ID everywhere); each further failure doubles it."),
	OPT("auth.lockout_max", CFG_DURATION_MS, lockout_max_ms, "1h", 1000, 604800000, NULL, "The longest lock."),
	OPT("auth.token_lifetime", CFG_DURATION_S, token_lifetime_s, "10min", 1, 86400, NULL,
	    "Lifetime of OAuth2 bearer tokens of facility systems."),
	OPT("emergency.duration", CFG_DURATION_MS, emergency_duration_ms, "60min", 1000, 86400000, NULL,
	    "A break-the-glass episode ends by itself after this long."),
	OPT("emergency.review_within", CFG_DURATION_MS, emergency_review_ms, "168h", 3600000, 2592000000, NULL,
	    "Each episode is to be reviewed by the privacy officer within this time."),
	OPT("audit.key_file", CFG_STRING, audit_key_file, "", 0, 0, NULL,
	    "Key of the audit chain's HMAC, kept outside the database (empty: <sqlite db>.audit.key, or var/audit.key)."),
	OPT("audit.retention_days", CFG_INT, audit_retention_days, "1825", 1825, 36500, NULL,
	    "Audit entries are kept at least this long (5 years by default; never less)."),
	OPT("audit.checkpoint_file", CFG_STRING, audit_checkpoint_file, "", 0, 0, NULL,
	    "Signed checkpoint of the audit chain's end, kept outside the database so that removing the newest entries "
	    "and restoring an older chain head is detected (empty: beside audit.key_file, <name>.checkpoint). Keep it "
	    "with the key, where the database's administrators cannot write."),
	OPT("audit.checkpoint_entries", CFG_INT, audit_checkpoint_entries, "1000", 1, 100000000, NULL,
	    "A new checkpoint after about this many audit entries ..."),
	OPT("audit.checkpoint_interval", CFG_DURATION_MS, audit_checkpoint_interval_ms, "10s", 100, 3600000, NULL,
	    "... or after this long when entries were added (and when the server stops)."),
	OPT("sched.enabled", CFG_BOOL, sched_enabled, "true", 0, 1, NULL,
	    "Run the scheduler in `renkei serve`: break-the-glass episodes and disaster declarations are closed (and "
	    "audited) when their time is up, ended sessions and old tokens deleted. Several servers on one database "
	    "share the work: each job runs once per period among them. Access checks never depend on it."),
	OPT("sched.tick", CFG_DURATION_MS, sched_tick_ms, "30s", 100, 3600000, NULL,
	    "How often the scheduler wakes; the expiry jobs run every tick, the clean-ups hourly (`renkei jobs`)."),
	OPT("sched.session_retention", CFG_DURATION_MS, sched_session_retention_ms, "2160h", 0, 315360000000, NULL,
	    "Ended sessions (logged out, timed out) are deleted this long after they ended (90 days by default); the "
	    "audit log keeps who did what under them."),
	OPT("sched.token_retention", CFG_DURATION_MS, sched_token_retention_ms, "2160h", 0, 315360000000, NULL,
	    "Expired or revoked OAuth2 tokens are deleted this long after they expired (90 days by default)."),
	OPT("disaster.report_dir", CFG_STRING, disaster_report_dir, "", 0, 0, NULL,
	    "Where the daily disaster-report job writes, per declaration, the CSV of every access made under disaster "
	    "mode the day before (empty: beside the SQLite database, <db>.disaster/, or var/disaster for PostgreSQL)."),
	OPT("bulk.dir", CFG_STRING, bulk_dir, "", 0, 0, NULL,
	    "Where FHIR Bulk Data $export writes its ndjson files (empty: beside the SQLite database, <db>.bulk/, or "
	    "var/bulk for PostgreSQL). Servers sharing one database need it on a shared file system."),
	OPT("bulk.expiry", CFG_DURATION_MS, bulk_expiry_ms, "24h", 1000, 2592000000, NULL,
	    "An export's files are deleted this long after it finished (the scheduler's bulk-export-purge job)."),
	OPT("collab.digest_command", CFG_STRING, collab_digest_command, "", 0, 0, NULL,
	    "The daily digest of the care teams (多職種連携): a command run by /bin/sh with one JSON line per member "
	    "who has unread or overdue posts on its standard input — account, name, facility, the two counts and a "
	    "link, never a patient's data — e.g. a script that mails or posts to a webhook. Empty: no digest."),
	OPT("collab.digest_link", CFG_STRING, collab_digest_link, "", 0, 0, NULL,
	    "The link the digest carries (the 担当患者一覧 page as members reach it); empty: this server's "
	    "/team.html."),
	OPT("mllp.listen", CFG_STRING, mllp_listen, "", 0, 0, NULL,
	    "Address and port of the HL7 v2 MLLP listener (e.g. 127.0.0.1:2575; empty: off). A non-loopback address "
	    "(e.g. 0.0.0.0:2575) needs mllp.tls_client_ca: MLLP over TLS, each sender authenticated by its client "
	    "certificate. On loopback without it, plain MLLP (for a VPN or an stunnel/TLS proxy on this host)."),
	OPT("mllp.max_connections", CFG_INT, mllp_max_connections, "1024", 1, RK_MAX_MLLP_CONNECTIONS, NULL,
	    "Concurrent MLLP connections; more are closed at once."),
	OPT("mllp.idle_timeout", CFG_DURATION_S, mllp_idle_timeout_s, "5min", 1, 86400, NULL,
	    "An MLLP connection that sends nothing, or never finishes a frame, for this long is closed."),
	OPT("mllp.max_message", CFG_SIZE, mllp_max_message, "8M", 1024, RK_MAX_HL7_MESSAGE, NULL,
	    "Largest HL7 message in one MLLP frame; a larger one is answered AR and its connection closed."),
	OPT("mllp.senders", CFG_STRING, mllp_senders, "", 0, 0, NULL,
	    "MLLP senders and their source facility: comma-separated MSH-3^MSH-4=facility code (10 digits), e.g. "
	    "HIS^HOSP1=2011000011. A sender whose MSH-4 is itself a registered facility code needs no entry; any other "
	    "sender is answered AR and its message quarantined."),
	OPT("mllp.tls_client_ca", CFG_STRING, mllp_tls_client_ca, "", 0, 0, NULL,
	    "PEM bundle of the CA that signs the sending systems' client certificates (use a CA for this alone). Set: "
	    "the MLLP listener speaks TLS 1.2+ only and requires a client certificate signed by it, whose subject CN "
	    "is the sending facility's 10-digit code (医療機関コード): every message of that connection is stored as "
	    "from that facility, and one whose MSH-4 (or mllp.senders entry) names another facility is answered AR."),
	OPT("mllp.tls_cert", CFG_STRING, mllp_tls_cert, "", 0, 0, NULL,
	    "PEM certificate chain the MLLP listener presents (empty: tls.cert). Only with mllp.tls_client_ca."),
	OPT("mllp.tls_key", CFG_STRING, mllp_tls_key, "", 0, 0, NULL,
	    "PEM private key for mllp.tls_cert (empty: tls.key)."),
	OPT("backup.dir", CFG_STRING, backup_dir, "", 0, 0, NULL,
	    "Where `renkei backup` and the scheduler's backup job write encrypted snapshots, one file per "
	    "generation (empty: no scheduled backups). Make it a directory the server's user can add to but not delete "
	    "from (docs/OPERATIONS.md), or copy each file away with backup.command."),
	OPT("backup.key_file", CFG_STRING, backup_key_file, "", 0, 0, NULL,
	    "The 32-byte key the backups are encrypted with (`renkei backup keygen` makes it, mode 0600). Keep it apart "
	    "from backup.dir, and a copy offline: without it no backup can be restored."),
	OPT("backup.command", CFG_STRING, backup_command, "", 0, 0, NULL,
	    "Run by /bin/sh after each backup with the finished file as $1 and on standard input: copy it to offline "
	    "media or object storage. Empty: none."),
	OPT("backup.interval", CFG_DURATION_MS, backup_interval_ms, "24h", 60000, 2592000000, NULL,
	    "How often the scheduler's backup job runs (when backup.dir is set): the RPO (docs/OPERATIONS.md)."),
	OPT("backup.keep_last", CFG_INT, backup_keep_last, "7", 1, 100000, NULL,
	    "Retention (`renkei backup prune`): keep the newest N backups ..."),
	OPT("backup.keep_daily", CFG_INT, backup_keep_daily, "30", 0, 100000, NULL,
	    "... and the newest of each of the last D days (Japan time) ..."),
	OPT("backup.keep_monthly", CFG_INT, backup_keep_monthly, "12", 0, 100000, NULL,
	    "... and the newest of each of the last M months."),
	OPT("standby.mode", CFG_ENUM, standby_mode, "auto", 0, 0, "auto|on|off",
	    "Serve read-only as a standby (待機系; docs/STANDBY.md): every write is refused with 503 and reads, "
	    "logins and their audit go on. auto: when the PostgreSQL database is a hot standby (pg_is_in_recovery); "
	    "on: always (e.g. a copy of the database); off: never."),
	OPT("standby.spool_dir", CFG_STRING, standby_spool_dir, "", 0, 0, NULL,
	    "Where a standby keeps its audit spool (a hash-chained SQLite log, audit-spool.db, with its checkpoint) "
	    "while the primary is gone; `renkei audit import-spool` appends it to the primary's chain after failback. "
	    "Empty: var/standby-spool. A local disk of the standby, kept with the audit key."),
};

#define N_OPTIONS (sizeof options / sizeof options[0])

static const struct cfg_option *option_find(struct str key)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (str_eq_c(key, options[i].key))
			return &options[i];
	return NULL;
}

/* Number with an optional unit suffix; mult_of gives the multiplier of a unit. */
static bool parse_number_unit(struct str v, const char *const *units, const int64_t *mults, int64_t *out)
{
	size_t n = 0;
	while (n < v.len && v.ptr[n] >= '0' && v.ptr[n] <= '9')
		n++;
	int64_t num;
	if (!str_to_i64((struct str){v.ptr, n}, 0, INT64_MAX / (1LL << 30), &num))
		return false;
	struct str unit = {v.ptr + n, v.len - n};
	for (size_t i = 0; units[i]; i++) {
		if (str_eq_c(unit, units[i])) {
			*out = num * mults[i];
			return true;
		}
	}
	return false;
}

static enum rk_status option_apply(struct config *cfg, const struct cfg_option *o, struct str v, const char *where,
				   struct rk_err *err)
{
	void *field = (char *)cfg + o->offset;
	int64_t num = 0;
	switch (o->type) {
	case CFG_STRING:
	case CFG_ENUM: {
		if (o->type == CFG_ENUM) {
			bool ok = false;
			struct str rest = str_c(o->choices), c;
			while (str_next(&rest, '|', &c))
				if (str_eq(c, v))
					ok = true;
			if (!ok)
				return rk_fail_at(err, RK_INVALID, where, "%s%s: '%.*s' is not one of %s", where,
						  o->key, STR_FMT(v), o->choices);
		}
		if (!str_is_utf8(v))
			return rk_fail_at(err, RK_INVALID, where, "%s%s: value is not valid UTF-8", where, o->key);
		char **s = field;
		char *copy = strndup(v.ptr ? v.ptr : "", v.len);
		if (!copy)
			rk_oom();
		free(*s);
		*s = copy;
		return RK_OK;
	}
	case CFG_BOOL:
		if (str_eq_c(v, "true") || str_eq_c(v, "on") || str_eq_c(v, "yes"))
			num = 1;
		else if (str_eq_c(v, "false") || str_eq_c(v, "off") || str_eq_c(v, "no"))
			num = 0;
		else
			return rk_fail_at(err, RK_INVALID, where, "%s%s: '%.*s' is not true or false", where, o->key,
					  STR_FMT(v));
		break;
	case CFG_INT: {
		static const char *const u[] = {"", NULL};
		static const int64_t m[] = {1};
		if (!parse_number_unit(v, u, m, &num))
			return rk_fail_at(err, RK_INVALID, where, "%s%s: '%.*s' is not a whole number", where, o->key,
					  STR_FMT(v));
		break;
	}
	case CFG_SIZE: {
		static const char *const u[] = {"", "K", "M", "G", NULL};
		static const int64_t m[] = {1, 1LL << 10, 1LL << 20, 1LL << 30};
		if (!parse_number_unit(v, u, m, &num))
			return rk_fail_at(err, RK_INVALID, where,
					  "%s%s: '%.*s' is not a size (a number with optional K, M or G)", where,
					  o->key, STR_FMT(v));
		break;
	}
	case CFG_DURATION_S:
	case CFG_DURATION_MS: {
		static const char *const u[] = {"ms", "s", "min", "h", NULL};
		static const int64_t m[] = {1, 1000, 60000, 3600000};
		if (!parse_number_unit(v, u, m, &num))
			return rk_fail_at(err, RK_INVALID, where,
					  "%s%s: '%.*s' is not a duration (a number with ms, s, min or h)", where,
					  o->key, STR_FMT(v));
		if (o->type == CFG_DURATION_S) {
			if (num % 1000)
				return rk_fail_at(err, RK_INVALID, where, "%s%s: give whole seconds", where, o->key);
			num /= 1000;
		}
		break;
	}
	}
	if (num < o->min || num > o->max)
		return rk_fail_at(err, RK_INVALID, where, "%s%s: %lld is outside the allowed range %lld..%lld", where,
				  o->key, (long long)num, (long long)o->min, (long long)o->max);
	*(int64_t *)field = num;
	return RK_OK;
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	for (size_t i = 0; i < N_OPTIONS; i++) {
		struct rk_err err;
		rk_err_clear(&err);
		if (option_apply(cfg, &options[i], str_c(options[i].def), "default ", &err) != RK_OK)
			abort(); /* a bad default is a programming error caught by the unit tests */
	}
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < N_OPTIONS; i++) {
		if (options[i].type == CFG_STRING || options[i].type == CFG_ENUM) {
			char **s = (char **)((char *)cfg + options[i].offset);
			free(*s);
			*s = NULL;
		}
	}
}

/* Parse "key = value" (value may be "quoted"); where is "path:line: ". */
static enum rk_status apply_line(struct config *cfg, struct str line, const char *where, bool *seen, struct rk_err *err)
{
	struct str key, value;
	if (!str_cut(line, '=', &key, &value))
		return rk_fail_at(err, RK_INVALID, where, "%sexpected 'key = value'", where);
	key = str_trim(key);
	value = str_trim(value);
	if (value.len >= 2 && value.ptr[0] == '"' && value.ptr[value.len - 1] == '"') {
		value.ptr++;
		value.len -= 2;
	}
	const struct cfg_option *o = option_find(key);
	if (!o)
		return rk_fail_at(err, RK_INVALID, where, "%sunknown option '%.*s'", where, STR_FMT(key));
	if (seen) {
		size_t idx = (size_t)(o - options);
		if (seen[idx])
			return rk_fail_at(err, RK_INVALID, where, "%soption '%s' is set twice", where, o->key);
		seen[idx] = true;
	}
	return option_apply(cfg, o, value, where, err);
}

enum rk_status config_load(struct config *cfg, const char *path, struct rk_err *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return rk_fail(err, RK_IO, "%s: cannot open configuration: %s", path, strerror(errno));
	enum rk_status st = RK_OK;
	bool seen[N_OPTIONS] = {0};
	char line[RK_MAX_CONFIG_LINE + 2];
	char where[300];
	size_t total = 0;
	for (int lineno = 1; fgets(line, sizeof line, f); lineno++) {
		size_t n = strlen(line);
		total += n;
		snprintf(where, sizeof where, "%s:%d: ", path, lineno);
		if (total > RK_MAX_CONFIG_BYTES) {
			st = rk_fail_at(err, RK_TOO_LARGE, where, "%sconfiguration file is larger than %u bytes", where,
					(unsigned)RK_MAX_CONFIG_BYTES);
			goto out_close;
		}
		if (n && line[n - 1] != '\n' && !feof(f)) {
			st = rk_fail_at(err, RK_TOO_LARGE, where, "%sline longer than %d bytes", where,
					RK_MAX_CONFIG_LINE);
			goto out_close;
		}
		struct str l = str_trim((struct str){line, n});
		if (l.len == 0 || l.ptr[0] == '#')
			continue;
		st = apply_line(cfg, l, where, seen, err);
		if (st != RK_OK)
			goto out_close;
	}
	if (ferror(f))
		st = rk_fail(err, RK_IO, "%s: read error", path);
out_close:
	fclose(f);
	return st;
}

enum rk_status config_set(struct config *cfg, const char *assignment, struct rk_err *err)
{
	return apply_line(cfg, str_trim(str_c(assignment)), "--set: ", NULL, err);
}

/* host:port, [v6]:port of option `name`; fills host/port and whether the host is loopback. */
static enum rk_status parse_hostport(const char *name, const char *value, char host_out[64], int *port_out,
				     bool *loopback, struct rk_err *err)
{
	struct str v = str_c(value), host, port;
	long colon = -1;
	for (size_t i = 0; i < v.len; i++)
		if (v.ptr[i] == ':')
			colon = (long)i;
	if (colon <= 0)
		return rk_fail(err, RK_INVALID, "%s: '%s' is not host:port", name, value);
	host = (struct str){v.ptr, (size_t)colon};
	port = (struct str){v.ptr + colon + 1, v.len - (size_t)colon - 1};
	if (host.len >= 2 && host.ptr[0] == '[' && host.ptr[host.len - 1] == ']') {
		host.ptr++;
		host.len -= 2;
	}
	int64_t p;
	if (!str_to_i64(port, 0, 65535, &p))
		return rk_fail(err, RK_INVALID, "%s: port '%.*s' is not 0..65535 (0: any free port)", name,
			       STR_FMT(port));
	if (!str_copy(host_out, 64, host))
		return rk_fail(err, RK_INVALID, "%s: host is too long", name);
	*port_out = (int)p;
	if (strcmp(host_out, "localhost") == 0)
		snprintf(host_out, 64, "127.0.0.1");
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, host_out, &a4) == 1) {
		*loopback = (ntohl(a4.s_addr) >> 24) == 127;
	} else if (inet_pton(AF_INET6, host_out, &a6) == 1) {
		*loopback = IN6_IS_ADDR_LOOPBACK(&a6);
	} else {
		return rk_fail(err, RK_INVALID,
			       "%s: '%s' is not an IP address (give 127.0.0.1, ::1 or an interface address)", name,
			       host_out);
	}
	return RK_OK;
}

/* "APP^FAC=CODE, ...": each entry well-formed, the code 10 digits, no pair twice. */
static enum rk_status check_senders(const char *value, struct rk_err *err)
{
	struct str rest = str_c(value), entry;
	while (str_next(&rest, ',', &entry)) {
		entry = str_trim(entry);
		if (entry.len == 0)
			continue;
		struct str sender, code, app, fac;
		if (!str_cut(entry, '=', &sender, &code) || !str_cut(str_trim(sender), '^', &app, &fac) ||
		    str_trim(app).len == 0 || str_trim(fac).len == 0)
			return rk_fail(err, RK_INVALID, "mllp.senders: '%.*s' is not MSH-3^MSH-4=facility code",
				       STR_FMT(entry));
		code = str_trim(code);
		if (code.len != 10 || !str_is_digits(code))
			return rk_fail(err, RK_INVALID, "mllp.senders: '%.*s': the facility code must be 10 digits",
				       STR_FMT(entry));
		struct str before = {value, (size_t)(entry.ptr - value)};
		/* an earlier entry for the same pair would shadow this one */
		struct str r2 = before, e2;
		while (str_next(&r2, ',', &e2)) {
			struct str s2, c2, a2, f2;
			if (str_cut(str_trim(e2), '=', &s2, &c2) && str_cut(str_trim(s2), '^', &a2, &f2) &&
			    str_eq(str_trim(a2), str_trim(app)) && str_eq(str_trim(f2), str_trim(fac)))
				return rk_fail(err, RK_INVALID, "mllp.senders: sender %.*s^%.*s is listed twice",
					       STR_FMT(str_trim(app)), STR_FMT(str_trim(fac)));
		}
	}
	return RK_OK;
}

bool config_mllp_sender(const struct config *cfg, struct str app, struct str facility, char code[16])
{
	struct str rest = str_c(cfg->mllp_senders), entry;
	while (str_next(&rest, ',', &entry)) {
		struct str sender, c, a, f;
		if (!str_cut(str_trim(entry), '=', &sender, &c) || !str_cut(str_trim(sender), '^', &a, &f))
			continue;
		if (str_eq(str_trim(a), app) && str_eq(str_trim(f), facility))
			return str_copy(code, 16, str_trim(c));
	}
	return false;
}

/* MLLP over TLS: on with mllp.tls_client_ca (never TLS without client
 * certificates); its certificate and key are mllp.tls_cert/key, else the
 * HTTPS listener's tls.cert/key. */
static enum rk_status check_mllp_tls(struct config *cfg, struct rk_err *err)
{
	bool own_cert = cfg->mllp_tls_cert[0] != '\0', own_key = cfg->mllp_tls_key[0] != '\0';
	cfg->mllp_tls = cfg->mllp_tls_client_ca[0] != '\0';
	if (!cfg->mllp_tls) {
		if (own_cert || own_key)
			return rk_fail(
				err, RK_INVALID,
				"mllp.tls_cert/mllp.tls_key need mllp.tls_client_ca: MLLP over TLS always authenticates "
				"each sender by its client certificate");
		return RK_OK;
	}
	if (own_cert != own_key)
		return rk_fail(err, RK_INVALID, "mllp.tls_cert and mllp.tls_key must be set together");
	if (!own_cert && !cfg->tls_enabled)
		return rk_fail(
			err, RK_INVALID,
			"mllp.tls_client_ca needs the listener's own certificate: set mllp.tls_cert and mllp.tls_key "
			"(or tls.cert and tls.key)");
	cfg->mllp_tls_cert_file = own_cert ? cfg->mllp_tls_cert : cfg->tls_cert;
	cfg->mllp_tls_key_file = own_cert ? cfg->mllp_tls_key : cfg->tls_key;
	return RK_OK;
}

enum rk_status config_finish(struct config *cfg, struct rk_err *err)
{
	enum rk_status st = parse_hostport("http.listen", cfg->http_listen, cfg->listen_host, &cfg->listen_port,
					   &cfg->listen_loopback, err);
	if (st != RK_OK)
		return st;
	bool has_cert = cfg->tls_cert[0] != '\0', has_key = cfg->tls_key[0] != '\0';
	if (has_cert != has_key)
		return rk_fail(err, RK_INVALID, "tls.cert and tls.key must be set together");
	cfg->tls_enabled = has_cert;
	st = check_mllp_tls(cfg, err);
	if (st != RK_OK)
		return st;
	cfg->mllp_enabled = cfg->mllp_listen[0] != '\0';
	if (cfg->mllp_enabled) {
		bool loopback = false;
		st = parse_hostport("mllp.listen", cfg->mllp_listen, cfg->mllp_host, &cfg->mllp_port, &loopback, err);
		if (st != RK_OK)
			return st;
		if (!loopback && !cfg->mllp_tls)
			return rk_fail(
				err, RK_INVALID,
				"mllp.listen: refusing to listen on non-loopback address %s with no TLS and no sender "
				"authentication; set mllp.tls_client_ca (PEM CA that signs the senders' client "
				"certificates) and mllp.tls_cert + mllp.tls_key (or tls.cert + tls.key), or listen on "
				"127.0.0.1 behind a VPN or TLS tunnel (stunnel)",
				cfg->mllp_host);
	}
	st = check_senders(cfg->mllp_senders, err);
	if (st != RK_OK)
		return st;
	if (!cfg->listen_loopback && !cfg->tls_enabled)
		return rk_fail(
			err, RK_INVALID,
			"http.listen: refusing to listen on non-loopback address %s without TLS; set tls.cert and tls.key",
			cfg->listen_host);
	if (cfg->fhir_default_count > cfg->fhir_max_count)
		return rk_fail(err, RK_INVALID, "fhir.default_count (%lld) is above fhir.max_count (%lld)",
			       (long long)cfg->fhir_default_count, (long long)cfg->fhir_max_count);
	if (!str_starts_with(str_c(cfg->store_url), "sqlite:") &&
	    !str_starts_with(str_c(cfg->store_url), "postgresql://") &&
	    !str_starts_with(str_c(cfg->store_url), "postgres://"))
		return rk_fail(err, RK_INVALID, "store.url: '%s' must start with sqlite: or postgresql://",
			       cfg->store_url);
	if (cfg->region_id_system[0] == '\0')
		return rk_fail(err, RK_INVALID, "region.id_system must not be empty");
	size_t bl = strlen(cfg->fhir_base_url);
	if (bl && cfg->fhir_base_url[bl - 1] == '/')
		cfg->fhir_base_url[bl - 1] = '\0';
	if (cfg->fhir_base_url[0] == '\0') {
		cfg->base_url_derived = true;
		config_bound_port(cfg, cfg->listen_port);
	}
	return RK_OK;
}

void config_bound_port(struct config *cfg, int port)
{
	cfg->listen_port = port;
	if (!cfg->base_url_derived)
		return;
	char tmp[160];
	bool v6 = strchr(cfg->listen_host, ':') != NULL;
	snprintf(tmp, sizeof tmp, "%s://%s%s%s:%d/fhir", cfg->tls_enabled ? "https" : "http", v6 ? "[" : "",
		 cfg->listen_host, v6 ? "]" : "", port);
	free(cfg->fhir_base_url);
	cfg->fhir_base_url = strdup(tmp);
	if (!cfg->fhir_base_url)
		rk_oom();
}

void config_write_example(FILE *f)
{
	fputs("# renkei.conf — every option with its default, its bounds and why.\n"
	      "# Syntax: `key = value`, one per line; a line starting with `#` is a comment (a `#`\n"
	      "# after a value is part of the value). Values may be \"quoted\". Unknown keys are an\n"
	      "# error (with file:line), so a typo never silently falls back to a default.\n"
	      "# Sizes take K, M or G; durations take ms, s, min or h.\n",
	      f);
	const char *section = "";
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct cfg_option *o = &options[i];
		const char *dot = strchr(o->key, '.');
		size_t sl = dot ? (size_t)(dot - o->key) : strlen(o->key);
		if (strncmp(section, o->key, sl) != 0 || section[sl] != '.') {
			fprintf(f, "\n# --- %.*s ---\n", (int)sl, o->key);
			section = o->key;
		}
		fprintf(f, "\n# %s\n", o->doc);
		if (o->type == CFG_INT || o->type == CFG_SIZE)
			fprintf(f, "# bounds: %lld..%lld%s\n", (long long)o->min, (long long)o->max,
				o->type == CFG_SIZE ? " bytes" : "");
		else if (o->type == CFG_DURATION_S)
			fprintf(f, "# bounds: %llds..%llds\n", (long long)o->min, (long long)o->max);
		else if (o->type == CFG_DURATION_MS)
			fprintf(f, "# bounds: %lldms..%lldms\n", (long long)o->min, (long long)o->max);
		else if (o->type == CFG_ENUM)
			fprintf(f, "# one of: %s\n", o->choices);
		else if (o->type == CFG_BOOL)
			fputs("# true or false\n", f);
		if (strchr(o->def, ' '))
			fprintf(f, "#%s = \"%s\"\n", o->key, o->def);
		else
			fprintf(f, "#%s = %s\n", o->key, o->def);
	}
}
