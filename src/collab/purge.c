/* purge.c — deleting the attachments no record names (see purge.h). */
#include "collab/purge.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"

#define PURGE_BATCH 200

struct doomed {
	char id[72], regional[64];
};

/* Up to PURGE_BATCH attachments past the grace time that no version of any
 * record of their person names. */
static enum rk_status find_unnamed(struct store *s, int64_t before, struct doomed *out, size_t *n, struct rk_err *err)
{
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT a.id, a.regional_id FROM collab_attachment a WHERE a.created_at < ? AND NOT EXISTS (SELECT 1 "
		"FROM patient_link l JOIN resource r ON r.patient_id = l.patient_id WHERE l.regional_id = a.regional_id "
		"AND r.body LIKE '%/api/collab/attachments/' || a.id || '%') AND NOT EXISTS (SELECT 1 FROM patient_link l "
		"JOIN resource_history h ON h.patient_id = l.patient_id WHERE l.regional_id = a.regional_id AND h.body "
		"LIKE '%/api/collab/attachments/' || a.id || '%') ORDER BY a.created_at, a.id LIMIT ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, before);
	store_bind_i64(st, 2, PURGE_BATCH);
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row && *n < PURGE_BATCH) {
		str_copy(out[*n].id, sizeof out[*n].id, store_col_text(st, 0));
		str_copy(out[*n].regional, sizeof out[*n].regional, store_col_text(st, 1));
		(*n)++;
	}
	store_done(st);
	return rc;
}

enum rk_status collab_attachment_purge_run(const struct sched_env *env, int64_t now, struct sched_result *res,
					   struct rk_err *err)
{
	static struct doomed batch[PURGE_BATCH]; /* one scheduler thread runs a job at a time */
	int64_t total = 0;
	size_t n = 0;
	enum rk_status rc;
	do {
		if ((rc = store_begin(env->store, err)) != RK_OK)
			break;
		rc = find_unnamed(env->store, now - COLLAB_ATTACHMENT_GRACE_MS, batch, &n, err);
		struct buf patients;
		buf_init(&patients, (size_t)PURGE_BATCH * 80);
		buf_putc(&patients, '[');
		int64_t deleted = 0;
		for (size_t i = 0; rc == RK_OK && i < n; i++) {
			struct store_stmt *st;
			if ((rc = store_prepare(env->store, "DELETE FROM collab_attachment WHERE id = ?", &st, err)) !=
			    RK_OK)
				break;
			store_bind_text(st, 1, str_c(batch[i].id));
			rc = store_run(st, err);
			deleted += rc == RK_OK ? store_changes(st) : 0;
			store_done(st);
			bool listed = false;
			for (size_t k = 0; k < i && !listed; k++)
				listed = strcmp(batch[k].regional, batch[i].regional) == 0;
			if (!listed) {
				if (patients.len > 1)
					buf_putc(&patients, ',');
				buf_put_json_str(&patients, str_c(batch[i].regional));
			}
		}
		buf_putc(&patients, ']');
		buf_putc(&patients, '\0');
		if (rc == RK_OK && deleted) {
			char detail[160];
			snprintf(detail, sizeof detail,
				 "%lld attachment(s) uploaded more than a day ago and named by no record deleted",
				 (long long)deleted);
			struct audit_event ev = {.event = "collab-attachment-purge",
						 .action = 'D',
						 .account = "scheduler",
						 .role = "system",
						 .facility = "",
						 .purpose = "HOPERAT",
						 .patients = patients.overflow ? "[]" : patients.data,
						 .entities = "[]",
						 .query = "scheduler job collab-attachment-purge",
						 .detail = detail};
			rc = audit_append(env->audit, env->store, &ev, NULL, err);
		}
		if (rc == RK_OK)
			rc = store_commit(env->store, err);
		else
			store_rollback(env->store);
		buf_free(&patients);
		if (rc == RK_OK)
			total += deleted;
	} while (rc == RK_OK && n == PURGE_BATCH);
	res->count = total;
	snprintf(res->message, sizeof res->message, "%lld unnamed attachment(s) deleted%s", (long long)total,
		 rc == RK_OK ? "" : ", then stopped");
	return rc;
}
