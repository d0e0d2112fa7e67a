/* backup.c — making, checking and restoring backups (backup.h), and the
 * scheduler's backup job. */
#include "backup/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/log.h"
#include "core/str.h"
#include "core/time.h"
#include "store/store.h"

extern char **environ;

/* ---- small file helpers ------------------------------------------------------- */

static ssize_t fd_read(void *ctx, void *buf, size_t cap)
{
	return read(*(int *)ctx, buf, cap);
}

struct fd_sink {
	int fd;
	int64_t written;
};

static enum rk_status fd_write(void *ctx, const void *buf, size_t len, struct rk_err *err)
{
	struct fd_sink *s = ctx;
	const char *p = buf;
	while (len) {
		ssize_t w = write(s->fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return rk_fail(err, RK_IO, "writing: %s", strerror(w < 0 ? errno : EIO));
		p += w;
		len -= (size_t)w;
		s->written += w;
	}
	return RK_OK;
}

static void fsync_dir_of(const char *path)
{
	char dir[RK_MAX_PATH];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* A private directory for plaintext (mode 0700) under base ("" : $TMPDIR or /tmp). */
static enum rk_status private_dir(const char *base, char *out, size_t cap, struct rk_err *err)
{
	const char *t = base && base[0] ? base : getenv("TMPDIR");
	if (!t || !t[0])
		t = "/tmp";
	snprintf(out, cap, "%s/.renkei-backup-XXXXXX", t);
	if (!mkdtemp(out))
		return rk_fail(err, RK_IO, "cannot make a private temporary directory in %s: %s", t, strerror(errno));
	return RK_OK;
}

/* Remove the private directory and the files renkei put in it. */
static void private_dir_remove(const char *dir)
{
	static const char *const names[] = {"snapshot", "snapshot-wal", "snapshot-shm", "snapshot-journal"};
	char p[RK_MAX_PATH];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%.4000s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

static const char *sqlite_path(const char *url)
{
	return strncmp(url, "sqlite:", 7) == 0 ? url + 7 : NULL;
}

/* The directory part of a path ("." when none). */
static void dir_of(const char *path, char *out, size_t cap)
{
	snprintf(out, cap, "%s", path);
	char *slash = strrchr(out, '/');
	if (slash == out)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(out, cap, ".");
}

/* ---- the key ----------------------------------------------------------------------- */

enum rk_status backup_key_load(const struct config *cfg, unsigned char key[BACKUP_KEY_BYTES], struct rk_err *err)
{
	const char *path = cfg->backup_key_file;
	if (!path || !path[0])
		return rk_fail(err, RK_INVALID,
			       "backup.key_file is not set (make one with `renkei backup keygen`, kept apart from the "
			       "backups)");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rk_fail(err, RK_IO, "backup key %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
		close(fd);
		return rk_fail(err, RK_INVALID, "backup key %s is readable by others (chmod 600 it)", path);
	}
	unsigned char buf[BACKUP_KEY_BYTES + 1];
	ssize_t n = read(fd, buf, sizeof buf);
	close(fd);
	if (n != BACKUP_KEY_BYTES) {
		sodium_memzero(buf, sizeof buf);
		return rk_fail(err, RK_INVALID, "backup key %s is not %d bytes", path, BACKUP_KEY_BYTES);
	}
	memcpy(key, buf, BACKUP_KEY_BYTES);
	sodium_memzero(buf, sizeof buf);
	return RK_OK;
}

enum rk_status backup_keygen(const struct config *cfg, char *key_id, struct rk_err *err)
{
	const char *path = cfg->backup_key_file;
	if (!path || !path[0])
		return rk_fail(err, RK_INVALID,
			       "set backup.key_file to where the key is to be kept (apart from backup.dir)");
	if (sodium_init() < 0)
		return rk_fail(err, RK_INTERNAL, "libsodium could not be initialised");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return rk_fail(err, RK_IO, "backup key %s: %s%s", path, strerror(errno),
			       errno == EEXIST ? " (a key is never replaced: backups made with it need it)" : "");
	unsigned char key[BACKUP_KEY_BYTES];
	crypto_secretstream_xchacha20poly1305_keygen(key);
	struct fd_sink sink = {.fd = fd};
	enum rk_status rc = fd_write(&sink, key, sizeof key, err);
	if (rc == RK_OK && fsync(fd) != 0)
		rc = rk_fail(err, RK_IO, "backup key %s: fsync: %s", path, strerror(errno));
	close(fd);
	if (rc != RK_OK) {
		unlink(path);
	} else {
		fsync_dir_of(path);
		backup_key_id(key, key_id);
	}
	sodium_memzero(key, sizeof key);
	return rc;
}

/* ---- snapshots ------------------------------------------------------------------------ */

static enum rk_status sqlite_fail(sqlite3 *db, const char *what, struct rk_err *err)
{
	return rk_fail(err, RK_DB, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

/* The audit head and schema version, in the source's open read transaction. */
static enum rk_status sqlite_head(sqlite3 *db, struct backup_header *h, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit_head WHERE id = 1", -1, &st, NULL) != SQLITE_OK)
		return sqlite_fail(db, "reading the audit head", err);
	if (sqlite3_step(st) == SQLITE_ROW) {
		h->audit_seq = sqlite3_column_int64(st, 0);
		const unsigned char *t = sqlite3_column_text(st, 1);
		snprintf(h->audit_hash, sizeof h->audit_hash, "%s", t ? (const char *)t : "");
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "SELECT MAX(version) FROM schema_migration", -1, &st, NULL) != SQLITE_OK)
		return sqlite_fail(db, "reading the schema version", err);
	if (sqlite3_step(st) == SQLITE_ROW)
		h->schema = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return RK_OK;
}

/* Copy the SQLite database at src into dst (a new file): the online backup
 * API, BACKUP_STEP_PAGES at a time, all of it inside one read transaction of
 * the source — one snapshot however much the server writes meanwhile (WAL:
 * the writers are not blocked; a copy without the transaction would restart
 * at every write). The audit head read in that transaction goes into h. */
#define BACKUP_STEP_PAGES 1024
static enum rk_status sqlite_snapshot(const char *src, const char *dst, int busy_ms, struct backup_header *h,
				      struct rk_err *err)
{
	sqlite3 *s = NULL, *d = NULL;
	enum rk_status rc = RK_OK;
	if (sqlite3_open_v2(src, &s, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = rk_fail(err, RK_IO, "cannot open the database %s: %s", src,
			     s ? sqlite3_errmsg(s) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(s, busy_ms);
	if (sqlite3_exec(s, "BEGIN; SELECT COUNT(*) FROM sqlite_schema;", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sqlite_fail(s, "starting the snapshot", err);
		goto out;
	}
	if ((rc = sqlite_head(s, h, err)) != RK_OK)
		goto out;
	if (sqlite3_open_v2(dst, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		rc = sqlite_fail(d, "creating the snapshot file", err);
		goto out;
	}
	/* a scratch copy, read back at once and then removed: no journal, no fsync
	 * (the encrypted file is the one made durable) */
	if (sqlite3_exec(d, "PRAGMA synchronous=OFF; PRAGMA journal_mode=OFF", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sqlite_fail(d, "setting up the snapshot file", err);
		goto out;
	}
	sqlite3_backup *b = sqlite3_backup_init(d, "main", s, "main");
	if (!b) {
		rc = sqlite_fail(d, "starting the online backup", err);
		goto out;
	}
	int r;
	do {
		r = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
		if (r == SQLITE_BUSY || r == SQLITE_LOCKED)
			sqlite3_sleep(10);
	} while (r == SQLITE_OK || r == SQLITE_BUSY || r == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (r != SQLITE_DONE) {
		rc = rk_fail(err, RK_DB, "the online backup failed: %s", sqlite3_errstr(r));
		goto out;
	}
	/* the copy keeps everything in its one file */
	if (sqlite3_exec(d, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
		rc = sqlite_fail(d, "finishing the snapshot", err);
out:
	if (s)
		sqlite3_exec(s, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(s);
	sqlite3_close(d);
	return rc;
}

/* Spawn argv with stdout to a new pipe (*out_fd); stdin from in_fd (-1: /dev/null). */
static enum rk_status spawn_cmd(char *const argv[], int in_fd, int *out_fd, pid_t *pid, struct rk_err *err)
{
	int fds[2] = {-1, -1};
	if (out_fd && pipe(fds) != 0)
		return rk_fail(err, RK_INTERNAL, "pipe: %s", strerror(errno));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (in_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_fd) {
		posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
		posix_spawn_file_actions_addclose(&fa, fds[0]);
		posix_spawn_file_actions_addclose(&fa, fds[1]);
	} else {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	}
	/* the server blocks SIGTERM/SIGINT and ignores SIGPIPE in every thread:
	 * the child starts with the defaults */
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none, dflt;
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGINT);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	int e = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (out_fd)
		close(fds[1]);
	if (e != 0) {
		if (out_fd)
			close(fds[0]);
		return rk_fail(err, RK_INTERNAL, "cannot run %s: %s", argv[0], strerror(e));
	}
	if (out_fd)
		*out_fd = fds[0];
	return RK_OK;
}

/* Wait for pid; RK_OK when it exited 0. */
static enum rk_status wait_cmd(pid_t pid, const char *what, struct rk_err *err)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return RK_OK;
	return rk_fail(err, RK_IO, "%s failed (%s %d)", what, WIFEXITED(status) ? "exit status" : "signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* PostgreSQL: a REPEATABLE READ transaction whose snapshot pg_dump shares
 * (--snapshot); the audit head is read in it, so the header describes
 * exactly the dump. */
struct pg_snap {
	PGconn *conn;
	char id[128];
};

static enum rk_status pg_one(PGconn *c, const char *sql, char *out, size_t cap, struct rk_err *err)
{
	PGresult *r = PQexec(c, sql);
	enum rk_status rc = RK_OK;
	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = rk_fail(err, RK_DB, "PostgreSQL: %s", PQerrorMessage(c));
	else if (out)
		snprintf(out, cap, "%s", PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return rc;
}

static enum rk_status pg_snapshot_begin(const char *url, struct pg_snap *p, struct backup_header *h, struct rk_err *err)
{
	p->conn = PQconnectdb(url);
	if (PQstatus(p->conn) != CONNECTION_OK)
		return rk_fail(err, RK_BUSY, "cannot connect to PostgreSQL: %s", PQerrorMessage(p->conn));
	char v[128];
	enum rk_status rc = pg_one(p->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, 0, err);
	if (rc == RK_OK)
		rc = pg_one(p->conn, "SELECT pg_export_snapshot()", p->id, sizeof p->id, err);
	if (rc == RK_OK && (rc = pg_one(p->conn, "SELECT seq FROM audit_head WHERE id = 1", v, sizeof v, err)) == RK_OK)
		str_to_i64(str_c(v), 0, INT64_MAX, &h->audit_seq);
	if (rc == RK_OK)
		rc = pg_one(p->conn, "SELECT hash FROM audit_head WHERE id = 1", h->audit_hash, sizeof h->audit_hash,
			    err);
	if (rc == RK_OK &&
	    (rc = pg_one(p->conn, "SELECT MAX(version) FROM schema_migration", v, sizeof v, err)) == RK_OK)
		str_to_i64(str_c(v), 0, INT64_MAX, &h->schema);
	return rc;
}

/* ---- making one ----------------------------------------------------------------------- */

/* Run backup.command with the finished file as $1 and on standard input. */
static enum rk_status run_hook(const char *cmd, const char *path, char *said, size_t cap, struct rk_err *err)
{
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return rk_fail(err, RK_IO, "backup.command: cannot open %s: %s", path, strerror(errno));
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, "renkei-backup-command", (char *)path, NULL};
	pid_t pid;
	enum rk_status rc = spawn_cmd(argv, in, NULL, &pid, err);
	close(in);
	if (rc == RK_OK)
		rc = wait_cmd(pid, "backup.command", err);
	snprintf(said, cap, "backup.command %s", rc == RK_OK ? "done" : "FAILED (the file is kept)");
	return rc;
}

enum rk_status backup_create(const struct config *cfg, const char *dir, struct backup_result *res, struct rk_err *err)
{
	memset(res, 0, sizeof *res);
	if (!dir || !dir[0])
		dir = cfg->backup_dir;
	if (!dir || !dir[0])
		return rk_fail(err, RK_INVALID,
			       "backup.dir is not set (docs/OPERATIONS.md: a directory the server can "
			       "add to but not delete from)");
	if (sodium_init() < 0)
		return rk_fail(err, RK_INTERNAL, "libsodium could not be initialised");
	unsigned char key[BACKUP_KEY_BYTES];
	enum rk_status rc = backup_key_load(cfg, key, err);
	if (rc != RK_OK)
		return rc;
	int64_t t0 = time_mono_ms();
	struct backup_header *h = &res->header;
	h->created_ms = time_now_ms();
	backup_key_id(key, h->key_id);
	snprintf(h->renkei, sizeof h->renkei, "%s", RENKEI_VERSION);
	char name[96], part[RK_MAX_PATH], tmpdir[RK_MAX_PATH] = "", snap[RK_MAX_PATH];
	backup_file_name(h->created_ms, name, sizeof name);
	snprintf(res->path, sizeof res->path, "%s/%s", dir, name);
	snprintf(part, sizeof part, "%s/.%s.part", dir, name);
	int out = -1, in = -1;
	pid_t dump = -1;
	struct pg_snap pg = {0};
	const char *db = sqlite_path(cfg->store_url);
	if (db) {
		snprintf(h->backend, sizeof h->backend, "sqlite");
		snprintf(h->payload, sizeof h->payload, "sqlite3-database");
		char dbdir[RK_MAX_PATH];
		dir_of(db, dbdir, sizeof dbdir);
		/* the plaintext copy stays beside the database, with its permissions */
		if ((rc = private_dir(dbdir, tmpdir, sizeof tmpdir, err)) != RK_OK)
			goto out;
		snprintf(snap, sizeof snap, "%s/snapshot", tmpdir);
		if ((rc = sqlite_snapshot(db, snap, (int)cfg->store_busy_timeout_ms, h, err)) != RK_OK)
			goto out;
		if ((in = open(snap, O_RDONLY | O_CLOEXEC)) < 0) {
			rc = rk_fail(err, RK_IO, "reading the snapshot: %s", strerror(errno));
			goto out;
		}
	} else {
		snprintf(h->backend, sizeof h->backend, "postgresql");
		snprintf(h->payload, sizeof h->payload, "pg_dump-custom");
		if ((rc = pg_snapshot_begin(cfg->store_url, &pg, h, err)) != RK_OK)
			goto out;
		char snapshot_opt[160];
		snprintf(snapshot_opt, sizeof snapshot_opt, "--snapshot=%s", pg.id);
		char *argv[] = {"pg_dump", "--format=custom", snapshot_opt, "--no-owner", "--no-privileges",
				"-d",      cfg->store_url,    NULL};
		if ((rc = spawn_cmd(argv, -1, &in, &dump, err)) != RK_OK)
			goto out;
	}
	out = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = rk_fail(err, RK_IO, "cannot create %s: %s", part, strerror(errno));
		goto out;
	}
	struct fd_sink sink = {.fd = out};
	rc = backup_encrypt(h, key, fd_read, &in, fd_write, &sink, &res->payload_bytes, err);
	close(in);
	in = -1;
	if (dump > 0) {
		enum rk_status drc = wait_cmd(dump, "pg_dump", err);
		dump = -1;
		if (rc == RK_OK)
			rc = drc;
	}
	if (rc == RK_OK && fsync(out) != 0)
		rc = rk_fail(err, RK_IO, "fsync %s: %s", part, strerror(errno));
	if (rc == RK_OK && fchmod(out, 0440) != 0)
		rc = rk_fail(err, RK_IO, "chmod %s: %s", part, strerror(errno));
	res->file_bytes = sink.written;
	close(out);
	out = -1;
	if (rc != RK_OK)
		goto out;
	/* the finished file appears under its name at once, never over another */
	if (link(part, res->path) != 0) {
		rc = rk_fail(err, RK_IO, "cannot name the backup %s: %s", res->path, strerror(errno));
		goto out;
	}
	unlink(part);
	fsync_dir_of(res->path);
	res->ms = time_mono_ms() - t0;
	if (cfg->backup_command && cfg->backup_command[0])
		rc = run_hook(cfg->backup_command, res->path, res->hook, sizeof res->hook, err);
	sodium_memzero(key, sizeof key);
	if (tmpdir[0])
		private_dir_remove(tmpdir);
	if (pg.conn)
		PQfinish(pg.conn);
	return rc;
out:
	if (in >= 0)
		close(in);
	if (dump > 0) {
		kill(dump, SIGTERM);
		waitpid(dump, NULL, 0);
	}
	if (out >= 0)
		close(out);
	unlink(part);
	if (tmpdir[0])
		private_dir_remove(tmpdir);
	if (pg.conn)
		PQfinish(pg.conn);
	sodium_memzero(key, sizeof key);
	return rc;
}

/* ---- checking one --------------------------------------------------------------------- */

/* Decrypt path completely into plain (a new file); nothing is trusted, and
 * on a failure the caller removes plain. */
static enum rk_status decrypt_to(const struct config *cfg, const char *path, const char *plain, bool durable,
				 struct backup_check *out, struct rk_err *err)
{
	unsigned char key[BACKUP_KEY_BYTES];
	enum rk_status rc = backup_key_load(cfg, key, err);
	if (rc != RK_OK)
		return rc;
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		sodium_memzero(key, sizeof key);
		return rk_fail(err, RK_IO, "cannot open %s: %s", path, strerror(errno));
	}
	int fd = open(plain, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		close(in);
		sodium_memzero(key, sizeof key);
		return rk_fail(err, RK_IO, "cannot create %s: %s", plain, strerror(errno));
	}
	struct fd_sink sink = {.fd = fd};
	rc = backup_decrypt(key, fd_read, &in, &out->header, fd_write, &sink, &out->payload_bytes, err);
	sodium_memzero(key, sizeof key);
	if (rc == RK_OK && durable && fsync(fd) != 0)
		rc = rk_fail(err, RK_IO, "fsync %s: %s", plain, strerror(errno));
	close(fd);
	close(in);
	return rc;
}

/* The audit chain of the store at url with cfg's audit key, and its head
 * against the header. A missing key is a note, not a failure. */
static enum rk_status check_audit(const struct config *cfg, const char *url, struct backup_check *out,
				  struct rk_err *err)
{
	char kpath[RK_MAX_PATH];
	audit_key_path(cfg, kpath, sizeof kpath);
	unsigned char akey[AUDIT_KEY_BYTES];
	struct rk_err kerr;
	rk_err_clear(&kerr);
	struct store_options opt = {.busy_timeout_ms = (int)cfg->store_busy_timeout_ms};
	struct store *s = NULL;
	enum rk_status rc = store_open(url, &opt, &s, err);
	if (rc != RK_OK)
		return rc;
	struct store_stmt *st;
	int64_t seq = -1;
	char hash[65] = "";
	if ((rc = store_prepare(s, "SELECT seq, hash FROM audit_head WHERE id = 1", &st, err)) == RK_OK) {
		bool row = false;
		if ((rc = store_step(st, &row, err)) == RK_OK && row) {
			seq = store_col_i64(st, 0);
			str_copy(hash, sizeof hash, store_col_text(st, 1));
		}
		store_done(st);
	}
	if (rc == RK_OK && (seq != out->header.audit_seq || strcmp(hash, out->header.audit_hash) != 0))
		rc = rk_fail(
			err, RK_INVALID,
			"the restored audit chain ends at entry %lld, but the backup's header says %lld: the snapshot "
			"is not what was backed up",
			(long long)seq, (long long)out->header.audit_seq);
	if (rc == RK_OK && audit_key_load(kpath, false, akey, &kerr) != RK_OK) {
		snprintf(out->note, sizeof out->note, "the audit chain was not verified: %s", kerr.msg);
	} else if (rc == RK_OK) {
		rc = audit_verify(s, akey, &out->audit, err);
		sodium_memzero(akey, sizeof akey);
		out->audit_checked = rc == RK_OK;
		if (rc == RK_OK && out->audit.tampered)
			rc = rk_fail(err, RK_INVALID, "the audit chain in the backup is broken at entry %lld: %s",
				     (long long)out->audit.first_bad, out->audit.problem);
	}
	store_close(s);
	return rc;
}

static enum rk_status sqlite_check(const char *file, struct rk_err *err)
{
	sqlite3 *db = NULL;
	enum rk_status rc = RK_OK;
	if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = sqlite_fail(db, "opening the restored copy", err);
	} else {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
			rc = sqlite_fail(db, "PRAGMA integrity_check", err);
		} else {
			int r = sqlite3_step(st);
			const unsigned char *t = r == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
			if (!t || strcmp((const char *)t, "ok") != 0)
				rc = rk_fail(err, RK_INVALID, "PRAGMA integrity_check of the restored copy: %s",
					     t ? (const char *)t : sqlite3_errmsg(db));
			sqlite3_finalize(st);
		}
	}
	sqlite3_close(db);
	return rc;
}

static enum rk_status pg_list(const char *file, struct rk_err *err)
{
	char *argv[] = {"pg_restore", "--list", (char *)file, NULL};
	pid_t pid;
	enum rk_status rc = spawn_cmd(argv, -1, NULL, &pid, err);
	return rc == RK_OK ? wait_cmd(pid, "pg_restore --list (reading the archive)", err) : rc;
}

/* url with its database name replaced by db (the path of a libpq URI). */
static bool pg_url_with_db(const char *url, const char *db, char *out, size_t cap)
{
	const char *auth = strstr(url, "://");
	if (!auth)
		return false;
	auth += 3;
	const char *q = strchr(auth, '?'), *end = q ? q : auth + strlen(auth);
	const char *slash = memchr(auth, '/', (size_t)(end - auth));
	size_t head = (size_t)((slash ? slash : end) - url);
	int n = snprintf(out, cap, "%.*s/%s%s", (int)head, url, db, q ? q : "");
	return n > 0 && (size_t)n < cap;
}

/* A trial restore of a PostgreSQL archive into a scratch database of the
 * configured server (created, checked, dropped). Without a server to do it
 * on (or the right to create a database) a note says what was not checked. */
static enum rk_status pg_trial(const struct config *cfg, const char *plain, struct backup_check *out,
			       struct rk_err *err)
{
	unsigned char r[4];
	randombytes_buf(r, sizeof r);
	char name[64], sql[128], url[RK_MAX_PATH];
	snprintf(name, sizeof name, "renkei_verify_%ld_%02x%02x%02x%02x", (long)getpid(), r[0], r[1], r[2], r[3]);
	PGconn *c = strncmp(cfg->store_url, "postgres", 8) == 0 ? PQconnectdb(cfg->store_url) : NULL;
	struct rk_err cerr;
	rk_err_clear(&cerr);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
	if (!c || PQstatus(c) != CONNECTION_OK || pg_one(c, sql, NULL, 0, &cerr) != RK_OK ||
	    !pg_url_with_db(cfg->store_url, name, url, sizeof url)) {
		snprintf(
			out->note, sizeof out->note,
			"the archive was checked (MAC, pg_restore --list) but not restored: %.200s; a trial restore into "
			"an empty database (`renkei restore --from FILE --to URL`) checks the database and its audit chain",
			!c            ? "store.url is not a PostgreSQL server"
			: cerr.msg[0] ? cerr.msg
				      : PQerrorMessage(c));
		PQfinish(c);
		return RK_OK;
	}
	char *argv[] = {
		"pg_restore",  "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "-d", url,
		(char *)plain, NULL};
	pid_t pid;
	enum rk_status rc = spawn_cmd(argv, -1, NULL, &pid, err);
	if (rc == RK_OK)
		rc = wait_cmd(pid, "pg_restore into a scratch database", err);
	if (rc == RK_OK) {
		out->restored_checked = true;
		rc = check_audit(cfg, url, out, err);
	}
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	rk_err_clear(&cerr);
	if (pg_one(c, sql, NULL, 0, &cerr) != RK_OK)
		log_event(LOG_WARN, "backup.scratch_not_dropped", "database", name, "error", cerr.msg, NULL);
	PQfinish(c);
	return rc;
}

enum rk_status backup_verify(const struct config *cfg, const char *path, struct backup_check *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	out->audit.checkpoint = -1;
	if (sodium_init() < 0)
		return rk_fail(err, RK_INTERNAL, "libsodium could not be initialised");
	char dir[RK_MAX_PATH], plain[RK_MAX_PATH];
	enum rk_status rc = private_dir(NULL, dir, sizeof dir, err);
	if (rc != RK_OK)
		return rc;
	snprintf(plain, sizeof plain, "%.4000s/snapshot", dir);
	rc = decrypt_to(cfg, path, plain, false, out, err);
	if (rc == RK_OK && strcmp(out->header.backend, "sqlite") == 0) {
		rc = sqlite_check(plain, err);
		out->restored_checked = rc == RK_OK;
		if (rc == RK_OK) {
			char url[RK_MAX_PATH + 8];
			snprintf(url, sizeof url, "sqlite:%s", plain);
			rc = check_audit(cfg, url, out, err);
		}
	} else if (rc == RK_OK) {
		rc = pg_list(plain, err);
		if (rc == RK_OK)
			rc = pg_trial(cfg, plain, out, err);
	}
	private_dir_remove(dir);
	return rc;
}

/* ---- restoring one --------------------------------------------------------------------- */

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 || errno != ENOENT;
}

/* Is the PostgreSQL database at url empty (no relation outside the system schemas)? */
static enum rk_status pg_empty(const char *url, bool *empty, int64_t *n, struct rk_err *err)
{
	PGconn *c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		enum rk_status rc = rk_fail(err, RK_BUSY, "cannot connect to the target: %s", PQerrorMessage(c));
		PQfinish(c);
		return rc;
	}
	char v[32];
	enum rk_status rc = pg_one(c,
				   "SELECT COUNT(*) FROM pg_class k JOIN pg_namespace s ON s.oid = k.relnamespace"
				   " WHERE s.nspname NOT IN ('pg_catalog', 'information_schema')"
				   " AND s.nspname NOT LIKE 'pg_toast%' AND s.nspname NOT LIKE 'pg_temp%'",
				   v, sizeof v, err);
	PQfinish(c);
	*n = 0;
	if (rc == RK_OK)
		str_to_i64(str_c(v), 0, INT64_MAX, n);
	*empty = rc == RK_OK && *n == 0;
	return rc;
}

enum rk_status backup_restore(const struct config *cfg, const char *path, const char *target, struct backup_check *out,
			      struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	out->audit.checkpoint = -1;
	if (sodium_init() < 0)
		return rk_fail(err, RK_INTERNAL, "libsodium could not be initialised");
	const char *db = sqlite_path(target);
	bool pg = strncmp(target, "postgresql:", 11) == 0 || strncmp(target, "postgres:", 9) == 0;
	if (!db && !pg)
		return rk_fail(err, RK_INVALID,
			       "--to wants a store URL: sqlite:PATH (a new file) or postgresql://... (an "
			       "empty database)");
	char plain[RK_MAX_PATH], dir[RK_MAX_PATH] = "";
	enum rk_status rc;
	if (db) {
		static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
		for (size_t i = 0; i < 4; i++) {
			char p[RK_MAX_PATH];
			snprintf(p, sizeof p, "%s%s", db, sfx[i]);
			if (exists(p))
				return rk_fail_code(err, RK_CONFLICT, "not_empty",
						    "%s exists: a restore writes only a new database file, never over "
						    "one (nothing was written)",
						    p);
		}
		char ddir[RK_MAX_PATH];
		dir_of(db, ddir, sizeof ddir);
		/* the plaintext goes where the database will be, with its permissions */
		if ((rc = private_dir(ddir, dir, sizeof dir, err)) != RK_OK)
			return rc;
	} else {
		bool empty = false;
		int64_t n = 0;
		if ((rc = pg_empty(target, &empty, &n, err)) != RK_OK)
			return rc;
		if (!empty)
			return rk_fail_code(err, RK_CONFLICT, "not_empty",
					    "the target database is not empty (%lld tables, sequences or indexes): a "
					    "restore goes only into an empty database (nothing was written)",
					    (long long)n);
		if ((rc = private_dir(NULL, dir, sizeof dir, err)) != RK_OK)
			return rc;
	}
	snprintf(plain, sizeof plain, "%.4000s/snapshot", dir);
	/* everything is decrypted and authenticated before the target is touched */
	rc = decrypt_to(cfg, path, plain, db != NULL, out, err);
	if (rc == RK_OK && (strcmp(out->header.backend, "sqlite") == 0) != (db != NULL))
		rc = rk_fail(err, RK_INVALID, "this is a %s backup; restore it into a %s target", out->header.backend,
			     out->header.backend[0] == 's' ? "sqlite:PATH" : "postgresql://");
	if (rc == RK_OK && db) {
		rc = sqlite_check(plain, err);
		char url[RK_MAX_PATH + 8];
		snprintf(url, sizeof url, "sqlite:%s", plain);
		if (rc == RK_OK)
			rc = check_audit(cfg, url, out, err);
		out->restored_checked = rc == RK_OK;
		/* a hard link appears whole and never replaces a file that turned up meanwhile */
		if (rc == RK_OK && link(plain, db) != 0)
			rc = rk_fail(err, errno == EEXIST ? RK_CONFLICT : RK_IO,
				     "cannot create %s: %s (nothing was "
				     "written)",
				     db, strerror(errno));
		if (rc == RK_OK)
			fsync_dir_of(db);
	} else if (rc == RK_OK) {
		/* one transaction: a failure leaves the target as empty as it was */
		char *argv[] = {"pg_restore",
				"--no-owner",
				"--no-privileges",
				"--single-transaction",
				"--exit-on-error",
				"-d",
				(char *)target,
				plain,
				NULL};
		pid_t pid;
		if ((rc = spawn_cmd(argv, -1, NULL, &pid, err)) == RK_OK)
			rc = wait_cmd(pid, "pg_restore (the target is left as it was)", err);
		if (rc == RK_OK) {
			out->restored_checked = true;
			rc = check_audit(cfg, target, out, err);
		}
	}
	private_dir_remove(dir);
	return rc;
}

/* ---- generations ------------------------------------------------------------------------ */

static int gen_cmp(const void *a, const void *b)
{
	const struct backup_generation *x = a, *y = b;
	return x->created_ms < y->created_ms ? 1 : x->created_ms > y->created_ms ? -1 : 0;
}

enum rk_status backup_list(const struct config *cfg, const char *dir, struct backup_generation **out, size_t *n,
			   struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	if (!dir || !dir[0])
		dir = cfg->backup_dir;
	if (!dir || !dir[0])
		return rk_fail(err, RK_INVALID, "backup.dir is not set");
	DIR *d = opendir(dir);
	if (!d)
		return rk_fail(err, RK_IO, "cannot read %s: %s", dir, strerror(errno));
	size_t cap = 0;
	struct backup_generation *g = NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		int64_t ms;
		if (!backup_name_time(e->d_name, &ms))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			g = realloc(g, cap * sizeof *g);
			if (!g)
				rk_oom();
		}
		struct backup_generation *x = &g[(*n)++];
		memset(x, 0, sizeof *x);
		snprintf(x->name, sizeof x->name, "%.95s", e->d_name);
		x->created_ms = ms;
		char p[RK_MAX_PATH];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		x->bytes = stat(p, &st) == 0 ? (int64_t)st.st_size : -1;
	}
	closedir(d);
	if (*n) {
		qsort(g, *n, sizeof *g, gen_cmp);
		int64_t *times = malloc(*n * sizeof *times);
		bool *keep = malloc(*n * sizeof *keep);
		if (!times || !keep)
			rk_oom();
		for (size_t i = 0; i < *n; i++)
			times[i] = g[i].created_ms;
		struct backup_rule rule = {cfg->backup_keep_last, cfg->backup_keep_daily, cfg->backup_keep_monthly};
		backup_retain(times, *n, time_now_ms(), &rule, keep);
		for (size_t i = 0; i < *n; i++)
			g[i].keep = keep[i];
		free(times);
		free(keep);
	}
	*out = g;
	return RK_OK;
}

enum rk_status backup_prune(const struct config *cfg, const char *dir, bool dry_run, int64_t *removed,
			    struct rk_err *err)
{
	*removed = 0;
	if (!dir || !dir[0])
		dir = cfg->backup_dir;
	struct backup_generation *g = NULL;
	size_t n = 0;
	enum rk_status rc = backup_list(cfg, dir, &g, &n, err);
	for (size_t i = 0; rc == RK_OK && i < n; i++) {
		if (g[i].keep || dry_run)
			continue;
		char p[RK_MAX_PATH];
		snprintf(p, sizeof p, "%s/%s", dir, g[i].name);
		if (unlink(p) != 0)
			rc = rk_fail(err, RK_IO, "cannot remove %s: %s%s", p, strerror(errno),
				     errno == EPERM || errno == EACCES
					     ? " (backup.dir is append-only for this user, as it should be for the "
					       "server's: prune as the backup user)"
					     : "");
		else
			(*removed)++;
	}
	free(g);
	return rc;
}

/* ---- the scheduler's job ---------------------------------------------------------------- */

enum rk_status backup_job_run(const struct sched_env *env, int64_t now, struct sched_result *res, struct rk_err *err)
{
	(void)now;
	const struct config *cfg = env->cfg;
	if (!cfg->backup_dir || !cfg->backup_dir[0]) {
		snprintf(res->message, sizeof res->message, "off: backup.dir is not set");
		return RK_OK;
	}
	struct backup_result r;
	enum rk_status rc = backup_create(cfg, NULL, &r, err);
	char detail[RK_MAX_AUDIT_DETAIL];
	if (rc == RK_OK || r.path[0])
		snprintf(detail, sizeof detail, "backup %.1000s: %lld bytes, audit entry %lld, %s%.300s", r.path,
			 (long long)r.file_bytes, (long long)r.header.audit_seq,
			 rc == RK_OK ? "done" : "FAILED: ", rc == RK_OK ? "" : err->msg);
	struct audit_event ev = {.event = "backup",
				 .action = 'E',
				 .outcome = rc == RK_OK ? 0 : 8,
				 .account = "scheduler",
				 .role = "system",
				 .purpose = "HOPERAT",
				 .patients = "[]",
				 .entities = "[]",
				 .query = "scheduler job backup",
				 .detail = rc == RK_OK ? detail : err->msg};
	struct rk_err aerr;
	rk_err_clear(&aerr);
	enum rk_status arc = audit_write(env->audit, &ev, NULL, &aerr);
	res->count = rc == RK_OK;
	snprintf(res->message, sizeof res->message, "%.255s", rc == RK_OK ? detail : "backup failed");
	if (rc == RK_OK && arc != RK_OK) {
		*err = aerr;
		return arc;
	}
	return rc;
}
