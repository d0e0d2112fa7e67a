/* cli_backup.c — `renkei backup` (make one), `backup keygen`, `backup verify
 * FILE`, `backup list`, `backup prune` and `renkei restore --from FILE --to
 * URL`
 * (backup/backup.h; docs/OPERATIONS.md is the runbook). Making a backup is
 * audited in the database backed up. */
#include "api/cli_backup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backup/backup.h"
#include "core/limits.h"
#include "core/time.h"

/* An audit entry in the configured database, when it exists; never creates
 * one (a SQLite file that is not there) and never fails the command. */
static void audit_if_present(const struct config *cfg, const char *event, const char *detail)
{
	struct stat st;
	if (strncmp(cfg->store_url, "sqlite:", 7) == 0 && stat(cfg->store_url + 7, &st) != 0) {
		fprintf(stderr, "renkei: note: not audited (no database at %s)\n", cfg->store_url + 7);
		return;
	}
	if (cli_audit(cfg, event, detail) != 0)
		fputs("renkei: note: the audit entry of this command could not be written (above)\n", stderr);
}

static void print_header(const struct backup_header *h)
{
	char at[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(h->created_ms, at);
	printf("  backend %s (%s), created %s by renkei %s\n  schema version %lld, audit chain of %lld entries (head %.16s…), "
	       "key id %s\n",
	       h->backend, h->payload, at, h->renkei, (long long)h->schema, (long long)h->audit_seq,
	       h->audit_hash[0] ? h->audit_hash : "-", h->key_id);
}

static int backup_make(struct cli_call *c)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct backup_result r;
	enum rk_status rc = backup_create(c->cfg, cli_opt(c->a, "dir"), &r, &err);
	char detail[RK_MAX_AUDIT_DETAIL];
	if (rc == RK_OK) {
		printf("backup %s: %.1f MB snapshot, %.1f MB file, in %.2f s%s%s\n", r.path,
		       (double)r.payload_bytes / 1e6, (double)r.file_bytes / 1e6, (double)r.ms / 1000.0,
		       r.hook[0] ? "; " : "", r.hook);
		print_header(&r.header);
		snprintf(detail, sizeof detail, "backup %.1000s: %lld bytes, audit entry %lld", r.path,
			 (long long)r.file_bytes, (long long)r.header.audit_seq);
	} else {
		fprintf(stderr, "renkei backup: %s%s%s\n", err.msg, r.hook[0] ? "; " : "", r.hook);
		snprintf(detail, sizeof detail, "backup failed: %s", err.msg);
	}
	int arc = cli_audit(c->cfg, "backup", detail);
	return rc != RK_OK ? 1 : arc;
}

static int backup_keygen_cmd(struct cli_call *c)
{
	struct rk_err err;
	rk_err_clear(&err);
	char id[BACKUP_KEY_ID_LEN];
	if (backup_keygen(c->cfg, id, &err) != RK_OK) {
		fprintf(stderr, "renkei backup keygen: %s\n", err.msg);
		return 1;
	}
	printf("backup key %s written (mode 0600, key id %s): keep a copy offline, apart from the backups\n",
	       c->cfg->backup_key_file, id);
	return 0;
}

static void print_check(const struct backup_check *k)
{
	print_header(&k->header);
	printf("  payload %.1f MB decrypted: MAC of every chunk and the final tag verified\n",
	       (double)k->payload_bytes / 1e6);
	if (k->restored_checked)
		printf("  restored copy: %s\n",
		       strcmp(k->header.backend, "sqlite") == 0 ? "PRAGMA integrity_check ok" : "pg_restore done");
	if (k->audit_checked)
		printf("  audit chain intact: %lld entries, its head the one the header names\n",
		       (long long)k->audit.entries);
	if (k->note[0])
		printf("  note: %s\n", k->note);
}

/* Exit 0 sound, 3 not sound (what is wrong on stderr), 1 cannot check. */
static int backup_verify_cmd(struct cli_call *c)
{
	if (c->a->n_pos != 2) {
		fputs("renkei backup verify: name one backup file\n", stderr);
		return 2;
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct backup_check k;
	enum rk_status rc = backup_verify(c->cfg, c->a->pos[1], &k, &err);
	char detail[RK_MAX_AUDIT_DETAIL];
	snprintf(detail, sizeof detail, "backup verify %.1000s: %.300s", c->a->pos[1], rc == RK_OK ? "sound" : err.msg);
	audit_if_present(c->cfg, "backup-verify", detail);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei backup verify: %s: %s\n", c->a->pos[1], err.msg);
		return rc == RK_INVALID ? 3 : 1;
	}
	printf("backup %s is sound\n", c->a->pos[1]);
	print_check(&k);
	return 0;
}

static int backup_list_cmd(struct cli_call *c)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct backup_generation *g = NULL;
	size_t n = 0;
	if (backup_list(c->cfg, cli_opt(c->a, "dir"), &g, &n, &err) != RK_OK) {
		fprintf(stderr, "renkei backup list: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		printf("%s\t%lld\t%s\n", g[i].name, (long long)g[i].bytes, g[i].keep ? "keep" : "prune");
	free(g);
	return 0;
}

static int backup_prune_cmd(struct cli_call *c)
{
	struct rk_err err;
	rk_err_clear(&err);
	int64_t removed = 0;
	enum rk_status rc = backup_prune(c->cfg, cli_opt(c->a, "dir"), false, &removed, &err);
	printf("%lld backup(s) removed (rule: the newest %lld, one a day for %lld days, one a month for %lld months)\n",
	       (long long)removed, (long long)c->cfg->backup_keep_last, (long long)c->cfg->backup_keep_daily,
	       (long long)c->cfg->backup_keep_monthly);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei backup prune: %s\n", err.msg);
		return 1;
	}
	return 0;
}

int cli_backup(struct cli_call *c)
{
	const char *sub = c->a->n_pos ? c->a->pos[0] : "";
	if (!sub[0])
		return backup_make(c);
	if (strcmp(sub, "keygen") == 0)
		return backup_keygen_cmd(c);
	if (strcmp(sub, "verify") == 0)
		return backup_verify_cmd(c);
	if (strcmp(sub, "list") == 0)
		return backup_list_cmd(c);
	if (strcmp(sub, "prune") == 0)
		return backup_prune_cmd(c);
	fprintf(stderr, "renkei backup: no subcommand %s\n", sub);
	return 2;
}

/* Exit 0 restored, 3 the file is not sound or the target not empty (nothing
 * written), 1 another failure. */
int cli_restore(struct cli_call *c)
{
	const char *to = cli_opt(c->a, "to"), *from = cli_opt(c->a, "from");
	if (c->a->n_pos != 0 || !to || !to[0] || !from || !from[0]) {
		fputs("renkei restore: --from FILE --to URL (sqlite:NEW_PATH or an empty postgresql:// database)\n",
		      stderr);
		return 2;
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct backup_check k;
	enum rk_status rc = backup_restore(c->cfg, from, to, &k, &err);
	char detail[RK_MAX_AUDIT_DETAIL];
	snprintf(detail, sizeof detail, "restore %.900s into %.100s: %.300s", from,
		 strncmp(to, "sqlite:", 7) == 0 ? to : "a PostgreSQL database", rc == RK_OK ? "done" : err.msg);
	audit_if_present(c->cfg, "restore", detail);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei restore: %s\n", err.msg);
		return rc == RK_INVALID || rc == RK_CONFLICT ? 3 : 1;
	}
	printf("restored %s into %s\n", from, strncmp(to, "sqlite:", 7) == 0 ? to : "the PostgreSQL database");
	print_check(&k);
	printf("next: start renkei with store.url set to it and audit.key_file the original audit key; give it an "
	       "audit.checkpoint_file of its own (the original's names entries written after this backup)\n");
	return 0;
}
