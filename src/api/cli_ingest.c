/* cli_ingest.c — the operators' ingest commands: `import ssmix2 DIR --facility
 * CODE` with a progress bar (rate, ETA) and a summary, `ingest errors` (the
 * quarantine) and `ingest replay` (try quarantined messages again). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/cli.h"
#include "audit/audit.h"
#include "core/limits.h"
#include "core/progress.h"
#include "core/time.h"
#include "ingest/pipeline.h"
#include "ingest/quarantine.h"
#include "ingest/ssmix2.h"
#include "store/store.h"

/* The import's files as one phase of a progress report: the walk's first
 * report (done = 0) knows how many there are. */
static void show_progress(void *arg, const struct ssmix2_stats *st)
{
	struct progress *p = arg;
	if (!p->open)
		progress_phase(p, "import", "files", st->files);
	progress_update(p, st->done);
}

int cli_import_ssmix2(struct cli_call *c)
{
	struct store *s = c->store;
	const struct config *cfg = c->cfg;
	const struct cli_args *a = c->a;
	const char *dir = a->n_pos > 1 ? a->pos[1] : NULL, *facility = cli_opt(a, "facility");
	if (!dir || !facility || !*facility) {
		fputs("renkei: import ssmix2 DIR --facility CODE (the facility whose storage it is)\n", stderr);
		return 2;
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct audit_log *log = NULL;
	if (audit_open(cfg, &log, &err) != RK_OK) {
		fprintf(stderr, "renkei: audit log: %s\n", err.msg);
		return 1;
	}
	char actor[RK_MAX_ACTOR];
	snprintf(actor, sizeof actor, "ssmix2-import:%s", getenv("USER") ? getenv("USER") : "cli");
	struct progress bar;
	progress_init(&bar, stderr, isatty(fileno(stderr)) == 1);
	struct ssmix2_stats st;
	enum rk_status rc = ssmix2_import(s, cfg, dir, str_c(facility), log, actor, show_progress, &bar, &st, &err);
	progress_end(&bar, st.done);
	audit_close(log);
	double secs = st.elapsed_ms / 1000.0;
	printf("import ssmix2 %s (facility %s): %lld files: %lld stored, %lld deleted, %lld unchanged, %lld superseded, "
	       "%lld quarantined; %lld resources; %.1f MB in %.1f s (%.0f files/s, %.1f MB/s)\n",
	       dir, facility, (long long)st.files, (long long)st.stored, (long long)st.deleted, (long long)st.unchanged,
	       (long long)st.superseded, (long long)st.quarantined, (long long)st.resources, st.bytes / 1e6, secs,
	       secs > 0 ? st.done / secs : 0, secs > 0 ? st.bytes / secs / 1e6 : 0);
	if (st.warned)
		printf("%lld files were stored with warnings (kept, not fully mapped): `renkei ingest warnings "
		       "--facility %s`\n",
		       (long long)st.warned, facility);
	if (st.quarantined)
		printf("quarantined files are listed by `renkei ingest errors`\n");
	char detail[RK_MAX_AUDIT_DETAIL];
	snprintf(detail, sizeof detail,
		 "ssmix2 import of %s for facility %s: %lld stored, %lld deleted, %lld quarantined", dir, facility,
		 (long long)st.stored, (long long)st.deleted, (long long)st.quarantined);
	int arc = cli_audit(cfg, "ingest-import", detail);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: import ssmix2: %s\n", err.msg);
		return 1;
	}
	return arc;
}

static enum rk_status print_error(void *arg, const struct ingest_error *e, struct rk_err *err)
{
	(void)err;
	int *n = arg;
	char at[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(e->at, at);
	printf("%lld\t%s\t%.*s\t%.*s\t%.*s\t%.*s%s\n", (long long)e->id, at, STR_FMT(e->origin),
	       STR_FMT(e->facility_code), STR_FMT(e->location), STR_FMT(e->reason),
	       e->resolved_at ? "\t(resolved)" : "");
	(*n)++;
	return RK_OK;
}

struct ids {
	int64_t v[4096];
	size_t n;
};

static enum rk_status collect_id(void *arg, const struct ingest_error *e, struct rk_err *err)
{
	(void)err;
	struct ids *ids = arg;
	if (ids->n < sizeof ids->v / sizeof *ids->v)
		ids->v[ids->n++] = e->id;
	return RK_OK;
}

static int replay(struct store *s, struct ingest *ing, const struct config *cfg, const struct cli_args *a)
{
	struct rk_err err;
	rk_err_clear(&err);
	static struct ids ids;
	ids.n = 0;
	const char *which = a->n_pos > 1 ? a->pos[1] : NULL;
	if (cli_opt(a, "all")) {
		if (ingest_errors(s, false, collect_id, &ids, &err) != RK_OK)
			goto fail;
	} else {
		int64_t id;
		if (!which || !str_to_i64(str_c(which), 1, INT64_MAX, &id)) {
			fputs("renkei: ingest replay ID | --all\n", stderr);
			return 2;
		}
		ids.v[ids.n++] = id;
	}
	int stored = 0, still = 0;
	for (size_t i = 0; i < ids.n; i++) {
		struct ingest_report r;
		if (ingest_replay(ing, ids.v[i], &r, &err) != RK_OK)
			goto fail;
		if (r.outcome == INGEST_QUARANTINED) {
			printf("%lld\tstill quarantined\t%s\n", (long long)ids.v[i], r.reason);
			still++;
		} else {
			printf("%lld\t%s\t%d resources\n", (long long)ids.v[i], ingest_outcome_name(r.outcome),
			       r.resources);
			stored++;
		}
	}
	char detail[128];
	snprintf(detail, sizeof detail, "ingest replay: %d stored, %d still quarantined", stored, still);
	return cli_audit(cfg, "ingest-replay", detail) ? 1 : (still ? 1 : 0);
fail:
	fprintf(stderr, "renkei: ingest replay: %s\n", err.msg);
	return 1;
}

/* The quarantine's pipeline with its audit log (the replays' entries), for errors and replay. */
static int with_ingest(struct cli_call *c, int (*fn)(struct cli_call *c, struct ingest *ing))
{
	struct ingest *ing = NULL;
	struct rk_err err;
	rk_err_clear(&err);
	struct audit_log *log = NULL;
	if (audit_open(c->cfg, &log, &err) != RK_OK) {
		fprintf(stderr, "renkei: audit log: %s\n", err.msg);
		return 1;
	}
	ingest_open(c->store, c->cfg, &ing, &err);
	char actor[RK_MAX_ACTOR];
	snprintf(actor, sizeof actor, "ingest-replay:%s", getenv("USER") ? getenv("USER") : "cli");
	ingest_set_audit(ing, log, actor);
	int rc = fn(c, ing);
	ingest_close(ing);
	audit_close(log);
	return rc;
}

static int errors(struct cli_call *c, struct ingest *ing)
{
	(void)ing;
	struct rk_err err;
	rk_err_clear(&err);
	int n = 0;
	printf("id\tat\torigin\tfacility\tlocation\treason\n");
	if (ingest_errors(c->store, cli_opt(c->a, "all") != NULL, print_error, &n, &err) != RK_OK) {
		fprintf(stderr, "renkei: ingest errors: %s\n", err.msg);
		return 1;
	}
	fprintf(stderr, "%d quarantined\n", n);
	return 0;
}

static int replay_with(struct cli_call *c, struct ingest *ing)
{
	return replay(c->store, ing, c->cfg, c->a);
}

static enum rk_status print_warning(void *arg, const struct ingest_warning *w, struct rk_err *err)
{
	(void)err;
	int *n = arg;
	char at[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(w->at, at);
	struct str rest = w->warnings, line;
	while (str_next(&rest, '\n', &line))
		printf("%s\t%.*s\t%.*s\t%.*s\t%.*s\n", at, STR_FMT(w->origin), STR_FMT(w->facility_code),
		       STR_FMT(w->location), STR_FMT(line));
	(*n)++;
	return RK_OK;
}

/* `renkei ingest warnings [--facility CODE] [--limit N]`: one line per warning. */
int cli_ingest_warnings(struct cli_call *c)
{
	const char *fac = cli_opt(c->a, "facility"), *lim = cli_opt(c->a, "limit");
	char *end = NULL;
	long long limit = lim ? strtoll(lim, &end, 10) : 1000;
	if (lim && (!*lim || *end || limit < 1)) {
		fprintf(stderr, "renkei: ingest warnings: --limit takes a positive number\n");
		return 2;
	}
	struct rk_err err;
	rk_err_clear(&err);
	int n = 0;
	printf("at\torigin\tfacility\tlocation\twarning\n");
	if (ingest_warnings(c->store, str_c(fac ? fac : ""), limit, print_warning, &n, &err) != RK_OK) {
		fprintf(stderr, "renkei: ingest warnings: %s\n", err.msg);
		return 1;
	}
	fprintf(stderr, "%d files or messages stored with warnings%s\n", n, n == limit ? " (more: --limit)" : "");
	return 0;
}

int cli_ingest_errors(struct cli_call *c)
{
	return with_ingest(c, errors);
}

int cli_ingest_replay(struct cli_call *c)
{
	return with_ingest(c, replay_with);
}
