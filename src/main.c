/* main.c — argv → subcommand. Each subcommand loads the configuration, opens
 * the store and hands over to its module. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access/account.h"
#include "access/auth.h"
#include "access/decide.h"
#include "access/standby_session.h"
#include "api/api.h"
#include "api/cli.h"
#include "api/cli_backup.h"
#include "api/cli_careplan.h"
#include "api/summary_api.h"
#include "audit/audit.h"
#include "audit/spool.h"
#include "bulk/bulk.h"
#include "collab/events.h"
#include "config/config.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/time.h"
#include "fhir/capability.h"
#include "fhir/timeline.h"
#include "mllp/mllp_server.h"
#include "http/server.h"
#include "demo/demo.h"
#include "demo/ssmix2_gen.h"
#include "sched/sched.h"
#include "store/store.h"

static void usage(FILE *f);

struct cli {
	const char *command;
	const char *config_path;
	const char *sets[64];
	int n_sets;
	struct cli_args args;
};

static int parse_cli(int argc, char **argv, struct cli *cli)
{
	memset(cli, 0, sizeof *cli);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && next) {
			cli->config_path = next;
			i++;
		} else if (strcmp(a, "--set") == 0 && next) {
			if (cli->n_sets == 64) {
				fputs("renkei: too many --set options\n", stderr);
				return -1;
			}
			cli->sets[cli->n_sets++] = next;
			i++;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		} else if (strncmp(a, "--", 2) == 0 && a[2]) {
			if (cli->args.n_opts == CLI_MAX_OPTS) {
				fputs("renkei: too many options\n", stderr);
				return -1;
			}
			bool flag = cli_is_flag(a + 2);
			if (!flag && !next) {
				fprintf(stderr, "renkei: option '%s' needs a value\n", a);
				return -1;
			}
			cli->args.keys[cli->args.n_opts] = a + 2;
			cli->args.values[cli->args.n_opts++] = flag ? "" : next;
			if (!flag)
				i++;
		} else if (a[0] == '-') {
			fprintf(stderr, "renkei: unknown option '%s'\n", a);
			return -1;
		} else if (!cli->command) {
			cli->command = a;
		} else if (cli->args.n_pos < CLI_MAX_POS) {
			cli->args.pos[cli->args.n_pos++] = a;
		} else {
			fprintf(stderr, "renkei: unexpected argument '%s'\n", a);
			return -1;
		}
	}
	if (!cli->command) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int load_config(const struct cli *cli, struct config *cfg)
{
	struct rk_err err;
	rk_err_clear(&err);
	config_defaults(cfg);
	if (cli->config_path && config_load(cfg, cli->config_path, &err) != RK_OK)
		goto fail;
	for (int i = 0; i < cli->n_sets; i++)
		if (config_set(cfg, cli->sets[i], &err) != RK_OK)
			goto fail;
	if (config_finish(cfg, &err) != RK_OK)
		goto fail;
	enum log_level lv = LOG_INFO;
	log_level_parse(cfg->log_level, &lv);
	log_setup(lv, strcmp(cfg->log_format, "json") == 0);
	return 0;
fail:
	fprintf(stderr, "renkei: configuration: %s\n", err.msg);
	config_free(cfg);
	return -1;
}

static struct store *open_migrated(const struct config *cfg, int64_t min_cache)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct store_options opt = {.busy_timeout_ms = (int)cfg->store_busy_timeout_ms,
				    .cache_bytes = cfg->store_cache > min_cache ? cfg->store_cache : min_cache};
	struct store *s = NULL;
	if (store_open(cfg->store_url, &opt, &s, &err) != RK_OK || store_migrate(s, &err) != RK_OK) {
		fprintf(stderr, "renkei: database: %s\n", err.msg);
		store_close(s);
		return NULL;
	}
	return s;
}

/* The MLLP listener (mllp.listen), logged before http.listening so that a
 * watcher of the log knows both ports once the server says it is ready. */
static int start_mllp(const struct config *cfg, struct audit_log *audit, struct mllp_server **out)
{
	struct rk_err err;
	rk_err_clear(&err);
	int fd = -1, port = 0;
	if (mllp_listen(cfg, &fd, &port, &err) != RK_OK || mllp_start(cfg, audit, fd, out, &err) != RK_OK) {
		fprintf(stderr, "renkei: %s\n", err.msg);
		return -1;
	}
	char ps[16];
	snprintf(ps, sizeof ps, "%d", port);
	log_event(LOG_INFO, "mllp.listening", "host", cfg->mllp_host, "port", ps, NULL);
	return 0;
}

/* standby.mode: does this server serve read-only (docs/STANDBY.md)? on, or
 * auto and the PostgreSQL database is a hot standby. Then its schema must be
 * this binary's (it cannot migrate) and its sessions live in memory. */
static struct store *open_for_serve(struct config *cfg)
{
	struct rk_err err;
	rk_err_clear(&err);
	bool on = strcmp(cfg->standby_mode, "on") == 0, recovery = false;
	struct store_options opt = {.busy_timeout_ms = (int)cfg->store_busy_timeout_ms, .read_only = on};
	struct store *s = NULL;
	enum rk_status rc = store_open(cfg->store_url, &opt, &s, &err);
	if (rc == RK_OK && strcmp(cfg->standby_mode, "off") != 0)
		rc = store_in_recovery(s, &recovery, &err);
	if (rc == RK_OK && recovery && strcmp(cfg->standby_mode, "auto") == 0)
		on = true;
	if (rc == RK_OK && !on) {
		store_close(s);
		return open_migrated(cfg, 0);
	}
	if (rc == RK_OK && recovery && !on)
		rc = rk_fail(&err, RK_DB, "the database is a standby (in recovery) and standby.mode is off");
	if (rc == RK_OK)
		rc = store_schema_check(s, &err);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: database: %s\n", err.msg);
		store_close(s);
		return NULL;
	}
	cfg->read_only = true;
	standby_sessions_enable();
	log_event(LOG_WARN, "standby.read_only", "reason", recovery ? "the database is in recovery" : "standby.mode=on",
		  NULL);
	return s;
}

static int cmd_serve(struct cli_call *c)
{
	struct config *cfg = c->cfg;
	struct store *s = open_for_serve(cfg);
	if (!s)
		return 1;
	/* posts written by a renkei older than their facts table get their rows */
	struct rk_err berr;
	rk_err_clear(&berr);
	struct arena ba;
	arena_init(&ba, (size_t)1 << 30);
	int64_t added = 0;
	enum rk_status brc = cfg->read_only ? RK_OK : timeline_backfill(s, &ba, &added, &berr);
	arena_free(&ba);
	if (brc != RK_OK) {
		fprintf(stderr, "renkei: database: the timeline's facts: %s\n", berr.msg);
		store_close(s);
		return 1;
	}
	if (added) {
		char n[24];
		snprintf(n, sizeof n, "%lld", (long long)added);
		log_event(LOG_INFO, "collab.posts_indexed", "posts", n, NULL);
	}
	store_close(s); /* workers open their own connections */

	/* Block the stop signals in every thread; the main thread waits for them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct rk_err err;
	rk_err_clear(&err);
	int fd = -1, bound = 0;
	if (http_listen(cfg, &fd, &bound, &err) != RK_OK) {
		fprintf(stderr, "renkei: %s\n", err.msg);
		return 1;
	}
	config_bound_port(cfg, bound); /* links and the CapabilityStatement name the real port */
	struct api_env env = {.cfg = cfg, .started_at = time_now_ms()};
	/* a standby audits into its own spool (audit/spool.h) */
	struct audit_spool *spool = calloc(1, sizeof *spool);
	if (!spool)
		return 1;
	if (cfg->read_only && audit_spool_prepare(cfg, NULL, true, spool, &err) != RK_OK) {
		fprintf(stderr, "renkei: audit spool: %s\n", err.msg);
		free(spool);
		close(fd);
		return 1;
	}
	if (audit_open(cfg->read_only ? &spool->cfg : cfg, &env.audit, &err) != RK_OK) {
		fprintf(stderr, "renkei: audit log: %s\n", err.msg);
		close(fd);
		return 1;
	}
	env.capability = fhir_capability_build(cfg, env.started_at);
	struct http_server *srv = NULL;
	if (http_start(&env, fd, &srv, &err) != RK_OK) {
		fprintf(stderr, "renkei: %s\n", err.msg);
		free((char *)env.capability);
		audit_close(env.audit);
		return 1;
	}
	struct mllp_server *mllp = NULL;
	if (cfg->mllp_enabled && cfg->read_only)
		log_event(LOG_WARN, "standby.mllp_off", "reason", "a read-only standby stores no messages", NULL);
	else if (cfg->mllp_enabled && start_mllp(cfg, env.audit, &mllp) != 0) {
		http_stop(srv);
		audit_close(env.audit);
		free((char *)env.capability);
		return 1;
	}
	struct sched *sched = NULL;
	if (!cfg->read_only && sched_start(cfg, env.audit, &sched, &err) != RK_OK) { /* a standby runs no jobs */
		fprintf(stderr, "renkei: %s\n", err.msg);
		mllp_stop(mllp);
		http_stop(srv);
		audit_close(env.audit);
		free((char *)env.capability);
		return 1;
	}
	struct bulk_runner *bulk = NULL;
	if (!cfg->read_only && bulk_runner_start(cfg, env.audit, &bulk, &err) != RK_OK) {
		fprintf(stderr, "renkei: %s\n", err.msg);
		sched_stop(sched);
		mllp_stop(mllp);
		http_stop(srv);
		audit_close(env.audit);
		free((char *)env.capability);
		return 1;
	}
	if (collab_events_start(cfg, &err) != RK_OK) /* live updates are a convenience: the server serves without */
		log_event(LOG_WARN, "collab.events_not_started", "error", err.msg, NULL);
	char url[128], port[16];
	bool v6 = strchr(cfg->listen_host, ':') != NULL;
	snprintf(url, sizeof url, "%s://%s%s%s:%d/", cfg->tls_enabled ? "https" : "http", v6 ? "[" : "",
		 cfg->listen_host, v6 ? "]" : "", cfg->listen_port);
	snprintf(port, sizeof port, "%d", cfg->listen_port);
	log_event(LOG_INFO, "http.listening", "url", url, "port", port, "store",
		  strncmp(cfg->store_url, "sqlite:", 7) == 0 ? cfg->store_url : "postgresql", "mode",
		  cfg->read_only ? "read-only" : NULL, NULL);
	int sig = 0;
	sigwait(&stop, &sig);
	log_event(LOG_INFO, "http.stopping", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL);
	sched_stop(sched);    /* the job running finishes first; it audits, so before the log closes */
	mllp_stop(mllp);      /* drains: what was received is stored and acknowledged first */
	collab_events_stop(); /* ends the live-update streams, so that no connection stays suspended */
	http_stop(srv);
	bulk_runner_stop(bulk); /* after the workers: no kick-off wakes it any more */
	audit_close(env.audit);
	free(spool);
	free((char *)env.capability);
	return 0;
}

static int cmd_init(struct cli_call *c)
{
	const struct config *cfg = c->cfg;
	struct store *s = open_migrated(cfg, 0);
	if (!s)
		return 1;
	int version = 0;
	struct rk_err err;
	rk_err_clear(&err);
	store_schema_version(s, &version, &err);
	printf("database ready (schema version %d)\n", version);
	store_close(s);
	return 0;
}

static int cmd_demo(struct cli_call *c)
{
	const struct config *cfg = c->cfg;
	uint64_t seed = 20261124;
	int64_t patients = 2000, v;
	const char *o = cli_opt(c->a, "seed");
	if (o && !str_to_i64(str_c(o), 0, INT64_MAX, &v)) {
		fprintf(stderr, "renkei: --seed wants a non-negative number, not '%s'\n", o);
		return 2;
	}
	if (o)
		seed = (uint64_t)v;
	o = cli_opt(c->a, "patients");
	if (o && !str_to_i64(str_c(o), 0, RK_MAX_DEMO_PATIENTS, &patients)) {
		fprintf(stderr, "renkei: --patients wants 0..%d, not '%s'\n", RK_MAX_DEMO_PATIENTS, o);
		return 2;
	}
	int64_t today = demo_today(); /* the date in Japan */
	o = cli_opt(c->a, "today");
	if (o && !demo_parse_day(o, &today)) {
		fprintf(stderr, "renkei: --today wants a date YYYY-MM-DD (1900..2999), not '%s'\n", o);
		return 2;
	}
	struct store *s = open_migrated(cfg, (int64_t)512 << 20) /* one big write transaction */;
	if (!s)
		return 1;
	struct rk_err err;
	rk_err_clear(&err);
	struct demo_stats stats;
	struct progress bar;
	progress_init(&bar, stderr, isatty(fileno(stderr)) == 1);
	struct demo_options opts = {.seed = seed,
				    .people = patients,
				    .today = today,
				    .history = !cli_opt(c->a, "no-history"),
				    .ssmix2_dir = cli_opt(c->a, "keep-ssmix2"),
				    .progress = &bar};
	enum rk_status st = demo_build(s, cfg, &opts, &stats, &err);
	store_close(s);
	if (st != RK_OK) {
		fprintf(stderr, "renkei demo: %s\n", err.msg);
		return 1;
	}
	int64_t dy;
	unsigned dm, dd;
	time_civil_from_days(today, &dy, &dm, &dd);
	printf("demo region built (seed %llu, dated up to %04lld-%02u-%02u): %d facilities, %d staff, %d accounts, %d people (%d at more than one facility), "
	       "%d patient registrations, %d consents, %d care teams (%d posts), %lld clinical records in %.1f s\n",
	       (unsigned long long)seed, (long long)dy, dm, dd, stats.facilities, stats.staff, stats.accounts,
	       stats.people, stats.linked_people, stats.registrations, stats.consents, stats.care_teams, stats.posts,
	       (long long)stats.records, (double)stats.elapsed_ms / 1000.0);
	if (opts.history)
		printf("hospital records from SS-MIX2: %lld patients, %lld files generated; imported: %lld stored, "
		       "%lld superseded, %lld deleted, %lld quarantined; %lld resources%s%s\n",
		       (long long)stats.ssmix2_patients, (long long)stats.ssmix2_files, (long long)stats.ssmix2_stored,
		       (long long)stats.ssmix2_superseded, (long long)stats.ssmix2_deleted,
		       (long long)stats.ssmix2_quarantined, (long long)stats.ssmix2_resources,
		       opts.ssmix2_dir ? "; storages kept in " : "", opts.ssmix2_dir ? opts.ssmix2_dir : "");
	printf("demo accounts: see README.md (password %s, TOTP secret %s)\n", DEMO_PASSWORD, DEMO_TOTP_SECRET);
	return 0;
}

/* `renkei audit verify`: the chain, its keyed head and the checkpoint file.
 * Exit 0 intact, 3 tampered (what and where on stdout), 1 when it cannot
 * check (no key, another key, no database). */
static int cmd_audit_verify(struct cli_call *c)
{
	const struct config *cfg = c->cfg;
	struct rk_err err;
	rk_err_clear(&err);
	/* a hot standby's database cannot be migrated: its schema must be this binary's already */
	struct store_options opt = {.busy_timeout_ms = (int)cfg->store_busy_timeout_ms};
	struct store *s = NULL;
	bool standby = false;
	if (store_open(cfg->store_url, &opt, &s, &err) != RK_OK || store_in_recovery(s, &standby, &err) != RK_OK ||
	    (standby ? store_schema_check(s, &err) : store_migrate(s, &err)) != RK_OK) {
		fprintf(stderr, "renkei: database: %s\n", err.msg);
		store_close(s);
		return 1;
	}
	struct audit_verify_report rep;
	enum rk_status rc = audit_verify_config(cfg, s, &rep, &err);
	store_close(s);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: audit verify: %s\n", err.msg);
		return 1;
	}
	if (rep.note[0])
		fprintf(stderr, "renkei: audit verify: note: %s\n", rep.note);
	if (rep.tampered) {
		if (rep.first_bad)
			printf("audit chain BROKEN at entry %lld: %s (%lld entries checked)\n",
			       (long long)rep.first_bad, rep.problem, (long long)rep.entries);
		else
			printf("audit chain BROKEN: %s (%lld entries checked)\n", rep.problem, (long long)rep.entries);
		return 3;
	}
	if (rep.checkpoint >= 0)
		printf("audit chain intact: %lld entries (the checkpoint names entry %lld)\n", (long long)rep.entries,
		       (long long)rep.checkpoint);
	else
		printf("audit chain intact: %lld entries\n", (long long)rep.entries);
	return 0;
}

static int cmd_audit_import_spool(struct cli_call *c)
{
	const struct config *cfg = c->cfg;
	struct rk_err err;
	rk_err_clear(&err);
	struct audit_spool_import_report rep;
	const char *dir = c->a->n_pos > 1 ? c->a->pos[1] : NULL;
	enum rk_status rc = audit_spool_import(cfg, dir, &rep, &err);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: audit import-spool: %s\n", err.msg);
		if (rep.imported)
			fprintf(stderr,
				"renkei: audit import-spool: %lld entries were imported before that; run it again\n",
				(long long)rep.imported);
		return rc == RK_INVALID ? 3 : 1;
	}
	if (!rep.imported)
		printf("audit spool %s: %lld entries, all imported before; nothing to do\n", rep.log_id,
		       (long long)rep.spooled);
	else
		printf("audit spool %s: %lld entries, %lld imported now as entries %lld-%lld (%lld before); %lld "
		       "break-the-glass episodes for review\n",
		       rep.log_id, (long long)rep.spooled, (long long)rep.imported, (long long)rep.first_seq,
		       (long long)rep.last_seq, (long long)rep.before, (long long)rep.episodes);
	return 0;
}

static int cmd_gen(struct cli_call *c)
{
	const struct cli_args *a = c->a;
	if (a->n_pos > 2) {
		fprintf(stderr, "renkei gen ssmix2: one output directory, not also '%s'\n", a->pos[2]);
		return 2;
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct ssmix2_gen_options o;
	if (ssmix2_gen_parse_options(cli_opt(a, "patients"), cli_opt(a, "seed"), cli_opt(a, "facility"),
				     a->n_pos > 1 ? a->pos[1] : NULL, &o, &err) != RK_OK) {
		fprintf(stderr, "renkei gen ssmix2: %s\n", err.msg);
		return 2;
	}
	struct ssmix2_gen_stats st;
	if (ssmix2_gen_storage(&o, &st, &err) != RK_OK) {
		fprintf(stderr, "renkei gen ssmix2: %s\n", err.msg);
		return 1;
	}
	printf("ssmix2 storage %s: %lld patients, %lld files (%lld superseded, %lld deleted), %.1f MB in %.1f s (%.1f MB/s)\n",
	       o.out, (long long)st.patients, (long long)st.files, (long long)st.superseded, (long long)st.deleted,
	       (double)st.bytes / 1e6, st.seconds, st.seconds > 0 ? (double)st.bytes / 1e6 / st.seconds : 0.0);
	return 0;
}

static int cmd_version(struct cli_call *c)
{
	(void)c;
	printf("renkei %s\n", RENKEI_VERSION);
	return 0;
}

static int cmd_config_example(struct cli_call *c)
{
	(void)c;
	config_write_example(stdout);
	return 0;
}

static int cmd_config_check(struct cli_call *c)
{
	const struct config *cfg = c->cfg;
	printf("configuration ok (listen %s:%d, store %s)\n", cfg->listen_host, cfg->listen_port,
	       strncmp(cfg->store_url, "sqlite:", 7) == 0 ? cfg->store_url : "postgresql");
	return 0;
}

/* THE command table: every command renkei answers, on one screen (as
 * api/routes.c is for URLs). `renkei --help` prints it in this order. */
static const struct cli_command commands[] = {
	{"serve", NULL, "", "serve the FHIR API, the web UI and HL7 v2 over MLLP (until SIGINT/SIGTERM)", cmd_serve, 0},
	{"init", NULL, "", "create or migrate the database", cmd_init, 0},
	{"demo", NULL, "[--seed N] [--patients N] [--today YYYY-MM-DD] [--no-history] [--keep-ssmix2 DIR]",
	 "build the synthetic demo region into an empty database, dated up to --today (default: today in Japan; "
	 "the hospitals' records as SS-MIX2, imported)",
	 cmd_demo, 0},
	{"gen", "ssmix2", "[--patients N] [--seed S] [--facility CODE] OUT",
	 "write a synthetic SS-MIX2 standardized storage into OUT (new or empty)", cmd_gen, CLI_NO_CONFIG},
	{"config", "example", "", "print the annotated example configuration", cmd_config_example, CLI_NO_CONFIG},
	{"config", "check", "", "load the configuration and report problems", cmd_config_check, 0},
	{"version", NULL, "", "print the version", cmd_version, CLI_NO_CONFIG},
	{"user", "add", "ID --facility CODE --role ROLE --name NAME [--licensed] [--password PW]",
	 "a staff account (roles: doctor dentist pharmacist nurse visiting_nurse care_manager therapist care_worker "
	 "social_worker clerk facility_admin operator)",
	 cli_user_add, CLI_STORE},
	{"user", "disable", "ID", "disable an account (its sessions end)", cli_user_change, CLI_STORE},
	{"user", "enable", "ID", "enable it again", cli_user_change, CLI_STORE},
	{"user", "reset", "ID [--password PW]", "new initial password, unlock, new TOTP device", cli_user_change,
	 CLI_STORE},
	{"user", "unlock", "ID", "forget the ID's failed logins (from every address)", cli_user_change, CLI_STORE},
	{"user", "list", "[--facility CODE]", "the accounts", cli_user_list, CLI_STORE},
	{"facility", "add",
	 "CODE --name NAME --kind KIND [--state 長野県 --city 松本市 --municipality 202029 --serves 202207,...]",
	 "register a facility", cli_facility_add, CLI_STORE},
	{"facility", "list", "", "the participating facilities", cli_facility_list, CLI_STORE},
	{"client", "add", "--facility CODE --name NAME --scopes \"system/*.read\"", "a facility system (OAuth2 client)",
	 cli_client_add, CLI_STORE},
	{"client", "list", "[--facility CODE]", "facility systems: id, facility, status, live tokens, scopes",
	 cli_client_list, CLI_STORE},
	{"client", "disable", "CLIENT_ID", "disable a facility system (its live tokens are revoked)", cli_client_change,
	 CLI_STORE},
	{"client", "enable", "CLIENT_ID", "enable it again", cli_client_change, CLI_STORE},
	{"audit", "verify", "", "check the audit chain, its keyed head and checkpoint (exit 3: tampered)",
	 cmd_audit_verify, 0},
	{"audit", "list", "", "every entry, tab-separated, newest first", cli_audit_list, CLI_STORE},
	{"audit", "import-spool", "[DIR]",
	 "after failback: verify a standby's audit spool (standby.spool_dir) and append it to this chain (exit 3: "
	 "broken)",
	 cmd_audit_import_spool, 0},
	{"access", "table", "[read|write]", "the read tables (role, grant) and the write table (docs/ACCESS.md)",
	 cli_access_table, CLI_NO_CONFIG},
	{"patient", "candidates", "[--status pending|merged|rejected|unmerged|all]", "the matcher's review queue",
	 cli_patient, CLI_STORE},
	{"patient", "merge", "CANDIDATE --reason TEXT [--into REGIONAL_ID] | --from RID --into RID --reason TEXT",
	 "link registrations of one person (名寄せ)", cli_patient, CLI_STORE},
	{"patient", "reject", "CANDIDATE --reason TEXT", "not the same person", cli_patient, CLI_STORE},
	{"patient", "unmerge", "PATIENT_ID --reason TEXT", "undo the merge that moved this registration", cli_patient,
	 CLI_STORE},
	{"import", "ssmix2", "DIR --facility CODE", "SS-MIX2 standardized storage (again: only new or changed files)",
	 cli_import_ssmix2, CLI_STORE},
	{"import", "ndjson", "DIR --facility CODE",
	 "FHIR resources, one per line, from DIR/*.ndjson (a $export, a Synthea bulk set) as the facility's (again: "
	 "nothing new)",
	 cli_import_ndjson, CLI_STORE},
	{"ingest", "errors", "[--all]", "quarantined messages and files, with their reasons", cli_ingest_errors,
	 CLI_STORE},
	{"ingest", "warnings", "[--facility CODE] [--limit N]",
	 "what stored messages and files kept without mapping it fully (unknown code systems, words for numbers)",
	 cli_ingest_warnings, CLI_STORE},
	{"ingest", "replay", "ID | --all", "try quarantined messages again (after a fix)", cli_ingest_replay,
	 CLI_STORE},
	{"careplan", "check", "FILE...", "read ケアプランデータ連携 CSV files (CPLAN1_/2_/3_), say what is wrong",
	 cli_careplan, CLI_NO_CONFIG},
	{"careplan", "import", "--patient ID --facility CODE FILE...",
	 "save the CSV files as the person's care plan, the facility's record (docs/CAREPLAN_CSV.md)", cli_careplan,
	 CLI_STORE},
	{"careplan", "export", "--patient ID --table 1|2|3 [--out FILE]", "one table of the current care plan as CSV",
	 cli_careplan, CLI_STORE},
	{"jobs", NULL, "", "the scheduler's jobs: period, last run, status, next due", cli_jobs_list, CLI_STORE},
	{"jobs", "run", "NAME", "run one job now (once among all servers; audited)", cli_jobs_run, CLI_STORE},
	{"totp", "code", "[SECRET]",
	 "the current one-time code of SECRET (without: the demo accounts', in a database renkei demo built)",
	 cli_totp_code, 0},
	{"backup", NULL, "[--dir DIR]",
	 "an encrypted, consistent snapshot of the database while it serves, into backup.dir (audited)", cli_backup, 0},
	{"backup", "keygen", "", "make backup.key_file (mode 0600; never over an existing key)", cli_backup, 0},
	{"backup", "verify", "FILE",
	 "decrypt, check MAC and final tag, restore into a temporary place and check it (exit 3: not sound)",
	 cli_backup, 0},
	{"backup", "list", "[--dir DIR]", "the generations, newest first, and what the retention rule keeps",
	 cli_backup, 0},
	{"backup", "prune", "[--dir DIR]",
	 "remove the generations the retention rule does not keep (run as the backup user)", cli_backup, 0},
	{"restore", NULL, "--from FILE --to URL",
	 "restore a backup into a new SQLite file or an empty PostgreSQL database, never over anything (exit 3: refused)",
	 cli_restore, 0},
	{"kit", "sheets", "--facility CODE --out FILE.pdf [--only stale]",
	 "the 救急医療情報シート of the facility's patients (QR code, 作成日), one PDF; --only stale: those whose "
	 "summary changed since printed",
	 cli_kit, CLI_STORE},
	{"kit", "region", "--facility CODE --out FILE.html --passphrase-file FILE",
	 "the facility's patients' emergency summaries in one encrypted HTML file that opens in any browser", cli_kit,
	 CLI_STORE},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fputs("usage: renkei <command> [-c renkei.conf] [--set key=value ...]\n\ncommands:\n", f);
	cli_print_usage(f, commands, N_COMMANDS, NULL);
}

int main(int argc, char **argv)
{
	struct cli cli;
	if (parse_cli(argc, argv, &cli) != 0)
		return 2;
	bool known = false;
	const struct cli_command *row =
		cli_find(commands, N_COMMANDS, cli.command, cli.args.n_pos ? cli.args.pos[0] : "", &known);
	if (!row) {
		if (known) {
			fprintf(stderr, "renkei %s: say which, with what:\n", cli.command);
			cli_print_usage(stderr, commands, N_COMMANDS, cli.command);
		} else {
			fprintf(stderr, "renkei: unknown command '%s'\n", cli.command);
			usage(stderr);
		}
		return 2;
	}
	if (row->flags & CLI_NO_CONFIG)
		return row->run(&(struct cli_call){.a = &cli.args});
	struct config cfg;
	if (load_config(&cli, &cfg) != 0)
		return 2;
	int rc = cli_call_row(row, &cli.args, &cfg);
	if (rc == 2)
		cli_print_usage(stderr, commands, N_COMMANDS, cli.command);
	config_free(&cfg);
	return rc;
}
