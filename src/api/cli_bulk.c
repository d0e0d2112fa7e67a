/* cli_bulk.c — `renkei import ndjson DIR --facility CODE` (bulk/bulk.h): a
 * progress report (a bar on a terminal, lines otherwise) and a summary. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api/cli.h"
#include "audit/audit.h"
#include "bulk/bulk.h"
#include "core/limits.h"
#include "core/progress.h"

static void show_progress(void *arg, const struct bulk_import_stats *st)
{
	struct progress *p = arg;
	if (!p->open)
		progress_phase(p, "import", "resources", st->lines);
	progress_update(p, st->done);
}

int cli_import_ndjson(struct cli_call *c)
{
	const struct cli_args *a = c->a;
	const char *dir = a->n_pos > 1 ? a->pos[1] : NULL, *facility = cli_opt(a, "facility");
	if (!dir || !facility || !*facility) {
		fputs("renkei: import ndjson DIR --facility CODE (the facility the resources become the records of)\n",
		      stderr);
		return 2;
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct audit_log *log = NULL;
	if (audit_open(c->cfg, &log, &err) != RK_OK) {
		fprintf(stderr, "renkei: audit log: %s\n", err.msg);
		return 1;
	}
	char actor[RK_MAX_ACTOR];
	snprintf(actor, sizeof actor, "ndjson-import:%s", getenv("USER") ? getenv("USER") : "cli");
	struct progress bar;
	progress_init(&bar, stderr, isatty(fileno(stderr)) == 1);
	struct bulk_import_stats st;
	enum rk_status rc =
		bulk_import_ndjson(c->store, c->cfg, dir, str_c(facility), log, actor, show_progress, &bar, &st, &err);
	progress_end(&bar, st.done);
	audit_close(log);
	double secs = st.elapsed_ms / 1000.0;
	printf("import ndjson %s (facility %s): %lld files, %lld resources: %lld stored, %lld unchanged, %lld "
	       "quarantined; %.1f MB in %.1f s (%.0f resources/s)\n",
	       dir, facility, (long long)st.files, (long long)st.lines, (long long)st.stored, (long long)st.unchanged,
	       (long long)st.quarantined, st.bytes / 1e6, secs, secs > 0 ? st.done / secs : 0);
	if (st.quarantined)
		printf("quarantined lines are listed by `renkei ingest errors`\n");
	char detail[RK_MAX_AUDIT_DETAIL];
	snprintf(detail, sizeof detail,
		 "ndjson import of %s for facility %s: %lld stored, %lld unchanged, %lld quarantined", dir, facility,
		 (long long)st.stored, (long long)st.unchanged, (long long)st.quarantined);
	int arc = cli_audit(c->cfg, "ingest-import", detail);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: import ndjson: %s\n", err.msg);
		return 1;
	}
	return arc;
}
