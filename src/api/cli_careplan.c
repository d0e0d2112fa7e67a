/* cli_careplan.c — `renkei careplan check|import|export` (see cli_careplan.h). */
#include "api/cli_careplan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collab/careplan.h"
#include "collab/careplan_store.h"
#include "core/limits.h"
#include "core/time.h"

/* The whole file (at most CP_MAX_FILE + 1 bytes, so that an oversized one is
 * refused by cp_read); NULL after saying why. */
static unsigned char *slurp(const char *path, struct arena *a, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "renkei: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	unsigned char *buf = arena_alloc(a, CP_MAX_FILE + 2);
	*len = buf ? fread(buf, 1, CP_MAX_FILE + 1, f) : 0;
	bool bad = ferror(f) != 0;
	fclose(f);
	if (!buf || bad) {
		fprintf(stderr, "renkei: %s: cannot read it\n", path);
		return NULL;
	}
	return buf;
}

/* Read the files of positional words 1.. into plan; false after saying why. */
static bool read_files(const struct cli_args *args, struct arena *a, struct cp_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	plan->quoting = CP_QUOTE_ALL;
	if (args->n_pos < 2) {
		fputs("renkei: careplan: name the CSV files (CPLAN1_….CSV, CPLAN2_….CSV, CPLAN3_….CSV)\n", stderr);
		return false;
	}
	for (int i = 1; i < args->n_pos; i++) {
		enum cp_table t;
		if (!cp_table_of_name(args->pos[i], &t)) {
			fprintf(stderr,
				"renkei: %s: どの表のファイルか分かりません（CPLAN1_, CPLAN2_, CPLAN3_ で始まる名前）\n",
				args->pos[i]);
			return false;
		}
		size_t len;
		unsigned char *data = slurp(args->pos[i], a, &len);
		if (!data)
			return false;
		struct rk_err err;
		rk_err_clear(&err);
		const char *base = strrchr(args->pos[i], '/');
		if (cp_read(t, base ? base + 1 : args->pos[i], data, len, a, plan, &err) != RK_OK) {
			fprintf(stderr, "renkei: %s\n", err.msg);
			return false;
		}
	}
	return true;
}

/* The person of --patient (a Patient id); false after saying why. */
static bool person_of(struct cli_call *c, struct arena *a, struct store_patient_link *link)
{
	const char *pid = cli_opt(c->a, "patient");
	if (pid && strncmp(pid, "Patient/", 8) == 0)
		pid += 8;
	if (!pid || !*pid) {
		fputs("renkei: careplan: --patient PATIENT_ID (a registration of the person)\n", stderr);
		return false;
	}
	struct rk_err err;
	rk_err_clear(&err);
	if (store_link_by_patient(c->store, str_c(pid), a, link, &err) != RK_OK) {
		fprintf(stderr, "renkei: Patient/%s is not known\n", pid);
		return false;
	}
	return true;
}

/* The person's current plan (any facility's), or found false. */
static enum rk_status current(struct cli_call *c, const char *regional, struct arena *a, struct careplan_stored *out,
			      json_t **body, bool *found, struct rk_err *err)
{
	*found = false;
	*body = NULL;
	struct careplan_stored *list;
	size_t n;
	enum rk_status rc = careplan_list(c->store, regional, a, &list, &n, err);
	for (size_t i = 0; rc == RK_OK && i < n && !*found; i++) {
		json_t *b = json_loads(list[i].body, 0, NULL);
		const char *st = json_string_value(json_object_get(b, "status"));
		if (b && st && strcmp(st, "active") == 0 && careplan_is_kyotaku(b)) {
			*out = list[i];
			*body = b;
			*found = true;
		} else {
			json_decref(b);
		}
	}
	return rc;
}

static int check(struct cli_call *c)
{
	struct arena a;
	arena_init(&a, RK_MAX_REQUEST_MEM);
	struct cp_plan plan;
	bool ok = read_files(c->a, &a, &plan);
	if (ok)
		printf("第1表 %s, 第2表 %zu 行, 第3表 %zu 行 (週間 %zu コマ): 読めます\n",
		       plan.has_t1 ? "1 行" : "なし", plan.n[CP_T2], plan.n[CP_T3], cp_week_blocks(&plan));
	arena_reset(&a);
	return ok ? 0 : 1;
}

static int import(struct cli_call *c)
{
	const char *facility = cli_opt(c->a, "facility");
	if (!facility || !*facility) {
		fputs("renkei: careplan import: --facility CODE (the 居宅介護支援事業所 whose record the plan becomes)\n",
		      stderr);
		return 2;
	}
	struct arena a;
	arena_init(&a, RK_MAX_REQUEST_MEM);
	struct cp_plan plan;
	struct store_patient_link link;
	struct rk_err err;
	rk_err_clear(&err);
	int rc_exit = 1;
	if (!person_of(c, &a, &link) || !read_files(c->a, &a, &plan))
		goto out;
	if (!plan.has_t1) {
		fputs("renkei: 第1表（CPLAN1_）のファイルがありません\n", stderr);
		goto out;
	}
	char *regional = arena_strndup(&a, link.regional_id.ptr, link.regional_id.len);
	int64_t now = time_now_ms();
	/* the facility must be a current member of the person's care team */
	struct store_stmt *st;
	bool member = false;
	enum rk_status rc = store_prepare(c->store,
					  "SELECT 1 FROM care_team_member WHERE regional_id = ? AND facility_code = ? "
					  "AND active = 1 AND period_start <= ? AND ? < period_end",
					  &st, &err);
	if (rc == RK_OK) {
		store_bind_text(st, 1, str_c(regional));
		store_bind_text(st, 2, str_c(facility));
		store_bind_i64(st, 3, now);
		store_bind_i64(st, 4, now);
		rc = store_step(st, &member, &err);
		store_done(st);
	}
	if (rc == RK_OK && !member) {
		fprintf(stderr, "renkei: facility %s is not a current member of the person's care team\n", facility);
		goto out;
	}
	struct careplan_stored cur;
	json_t *body = NULL;
	bool found = false;
	if (rc == RK_OK)
		rc = current(c, regional, &a, &cur, &body, &found, &err);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: careplan import: %s\n", err.msg);
		json_decref(body);
		goto out;
	}
	bool ours = found && strcmp(cur.facility, facility) == 0;
	json_t *old = ours ? careplan_goal_refs(body) : json_array();
	char sent[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(now, sent);
	char *subject = arena_printf(&a, "Patient/%.*s", STR_FMT(link.patient_id));
	char *replaces = found && !ours ? arena_printf(&a, "CarePlan/%s", cur.id) : NULL;
	char *summary = careplan_summary(&plan, !found, &a);
	json_t *doc = careplan_bundle(&plan, subject, ours ? cur.id : NULL, replaces, old, NULL,
				      "ケアプランデータ連携 CSV の取り込み", sent, summary);
	json_decref(old);
	json_decref(body);
	if (!doc) {
		fputs("renkei: careplan import: out of memory\n", stderr);
		goto out;
	}
	struct fhir_ctx ctx = {.store = c->store,
			       .arena = &a,
			       .cfg = c->cfg,
			       .now = now,
			       .trusted = true,
			       .batch = true,
			       .actor_facility = facility,
			       .actor_account = ""};
	const char *plan_id = "";
	rc = store_begin(c->store, &err);
	if (rc == RK_OK && (rc = careplan_write(&ctx, doc, &plan_id, &err)) == RK_OK)
		rc = store_commit(c->store, &err);
	else if (rc != RK_OK)
		store_rollback(c->store);
	json_decref(doc);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: careplan import: %s\n", err.msg);
		goto out;
	}
	printf("CarePlan/%s: %s\n", plan_id, summary);
	char detail[RK_MAX_AUDIT_DETAIL];
	snprintf(detail, sizeof detail, "care plan CarePlan/%s of the person %s imported from CSV as facility %s",
		 plan_id, regional, facility);
	rc_exit = cli_audit(c->cfg, "careplan-import", detail);
out:
	arena_reset(&a);
	return rc_exit;
}

static int export(struct cli_call *c)
{
	const char *table = cli_opt(c->a, "table"), *path = cli_opt(c->a, "out");
	if (!table || strlen(table) != 1 || table[0] < '1' || table[0] > '3') {
		fputs("renkei: careplan export: --table 1|2|3\n", stderr);
		return 2;
	}
	struct arena a;
	arena_init(&a, RK_MAX_REQUEST_MEM);
	struct store_patient_link link;
	struct rk_err err;
	rk_err_clear(&err);
	int rc_exit = 1;
	struct careplan_stored cur;
	json_t *body = NULL;
	bool found = false;
	struct buf out;
	buf_init(&out, 16u << 20);
	if (!person_of(c, &a, &link))
		goto done;
	char *regional = arena_strndup(&a, link.regional_id.ptr, link.regional_id.len);
	if (current(c, regional, &a, &cur, &body, &found, &err) != RK_OK || !found) {
		fprintf(stderr, "renkei: %s\n", found ? err.msg : "この方のケアプランはまだありません");
		goto done;
	}
	struct cp_plan plan;
	if (careplan_from_fhir(body, &a, &plan, &err) != RK_OK ||
	    cp_write(&plan, (enum cp_table)(table[0] - '1'), &out, &err) != RK_OK) {
		fprintf(stderr, "renkei: careplan export: %s\n", err.msg);
		goto done;
	}
	FILE *f = path && *path ? fopen(path, "wb") : stdout;
	if (!f || fwrite(out.data, 1, out.len, f) != out.len || (f != stdout && fclose(f) != 0)) {
		fprintf(stderr, "renkei: %s: %s\n", path ? path : "stdout", strerror(errno));
		goto done;
	}
	if (f == stdout)
		fflush(stdout);
	char detail[RK_MAX_AUDIT_DETAIL];
	snprintf(detail, sizeof detail, "第%s表 of CarePlan/%s of the person %s exported as CSV", table, cur.id,
		 regional);
	rc_exit = cli_audit(c->cfg, "careplan-export", detail);
done:
	json_decref(body);
	buf_free(&out);
	arena_reset(&a);
	return rc_exit;
}

int cli_careplan(struct cli_call *c)
{
	const char *sub = c->a->n_pos ? c->a->pos[0] : "";
	if (strcmp(sub, "check") == 0)
		return check(c);
	if (strcmp(sub, "import") == 0)
		return import(c);
	if (strcmp(sub, "export") == 0)
		return export(c);
	return 2;
}
