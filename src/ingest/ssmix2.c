/* ssmix2.c — walk an SS-MIX2 standardized storage and import it through the
 * ingest pipeline. The walk lists every file first (for the progress bar and
 * a stable order: sorted paths put each document's versions in timestamp
 * order), then reads and ingests them in batches, one transaction each. */
#include "ingest/ssmix2.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/time.h"
#include "ingest/pipeline.h"

/* ---- file names ---------------------------------------------------------- */

static bool all_digits(struct str s, size_t n)
{
	return s.len == n && str_is_digits(s);
}

/* PIDs and order numbers become folder names and FHIR ids: letters, digits, '-', '.'. */
static bool id_chars(struct str s, size_t max)
{
	if (s.len == 0 || s.len > max)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
		      c == '.'))
			return false;
	}
	return !str_eq_c(s, ".") && !str_eq_c(s, "..");
}

enum rk_status ssmix2_parse_name(struct str name, struct ssmix2_name *out, struct rk_err *err)
{
	struct str f[8];
	size_t n = 0;
	struct str rest = name, part;
	while (n < 8 && str_next(&rest, '_', &part))
		f[n++] = part;
	if (n != 7)
		return rk_fail(err, RK_INVALID,
			       "file name '%.*s' does not have the 7 SS-MIX2 fields "
			       "(PID_date_type_order_timestamp_department_condition)",
			       STR_FMT(name));
	if (!id_chars(f[0], 20))
		return rk_fail(err, RK_INVALID, "file name '%.*s': patient ID '%.*s' is not 1-20 letters or digits",
			       STR_FMT(name), STR_FMT(f[0]));
	if (!str_eq_c(f[1], "-") && !all_digits(f[1], 8))
		return rk_fail(err, RK_INVALID, "file name '%.*s': date '%.*s' is not YYYYMMDD or '-'", STR_FMT(name),
			       STR_FMT(f[1]));
	if (!id_chars(f[2], 16))
		return rk_fail(err, RK_INVALID, "file name '%.*s': data type '%.*s' is not a data type", STR_FMT(name),
			       STR_FMT(f[2]));
	if (!str_eq_c(f[3], "-") && !id_chars(f[3], 32))
		return rk_fail(err, RK_INVALID, "file name '%.*s': order number '%.*s' is not letters or digits",
			       STR_FMT(name), STR_FMT(f[3]));
	if (!all_digits(f[4], 17))
		return rk_fail(err, RK_INVALID, "file name '%.*s': timestamp '%.*s' is not YYYYMMDDHHMMSSfff",
			       STR_FMT(name), STR_FMT(f[4]));
	if (!str_eq_c(f[5], "-") && !id_chars(f[5], 16))
		return rk_fail(err, RK_INVALID, "file name '%.*s': department '%.*s' is not a code or '-'",
			       STR_FMT(name), STR_FMT(f[5]));
	if (f[6].len != 1 || (f[6].ptr[0] != '0' && f[6].ptr[0] != '1' && f[6].ptr[0] != '2'))
		return rk_fail(err, RK_INVALID, "file name '%.*s': condition flag '%.*s' is not 0, 1 or 2",
			       STR_FMT(name), STR_FMT(f[6]));
	*out = (struct ssmix2_name){f[0], f[1], f[2], f[3], f[4], f[5], f[6].ptr[0]};
	return RK_OK;
}

/* ---- the walk ------------------------------------------------------------ */

/* A file found: its path relative to the root, and why it cannot be taken
 * (NULL when it can). */
struct entry {
	char *rel;
	char *refuse;
};

struct walk {
	const char *root; /* as given */
	char root_real[PATH_MAX];
	struct entry *e;
	size_t n, cap;
	struct rk_err *err;
};

static void add(struct walk *w, const char *rel, const char *refuse)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		w->e = realloc(w->e, w->cap * sizeof *w->e);
		if (!w->e)
			rk_oom();
	}
	w->e[w->n].rel = strdup(rel);
	w->e[w->n].refuse = refuse ? strdup(refuse) : NULL;
	if (!w->e[w->n].rel || (refuse && !w->e[w->n].refuse))
		rk_oom();
	w->n++;
}

/* A symbolic link is followed only to a regular file inside the root. */
static const char *check_link(struct walk *w, const char *full)
{
	char real[PATH_MAX];
	if (!realpath(full, real))
		return "symbolic link to nothing";
	size_t rl = strlen(w->root_real);
	if (strncmp(real, w->root_real, rl) != 0 || real[rl] != '/')
		return "refused: symbolic link leaves the storage";
	struct stat st;
	if (stat(real, &st) != 0 || !S_ISREG(st.st_mode))
		return "refused: symbolic link to something other than a file";
	return NULL;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->rel, ((const struct entry *)b)->rel);
}

/* depth 0 = root; files belong at depth 6. */
static enum rk_status walk_dir(struct walk *w, const char *rel, int depth)
{
	char full[PATH_MAX];
	int n = snprintf(full, sizeof full, "%s%s%s", w->root, rel[0] ? "/" : "", rel);
	if (n < 0 || (size_t)n >= sizeof full)
		return rk_fail(w->err, RK_INVALID, "path too long: %s", rel);
	DIR *d = opendir(full);
	if (!d)
		return rk_fail(w->err, RK_IO, "cannot read directory %s: %s", full, strerror(errno));
	enum rk_status rc = RK_OK;
	struct dirent *de;
	while (rc == RK_OK && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue; /* ".", "..", and hidden files are not part of the layout */
		char crel[PATH_MAX], cfull[PATH_MAX];
		n = snprintf(crel, sizeof crel, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
		if (n < 0 || (size_t)n >= sizeof crel)
			continue;
		n = snprintf(cfull, sizeof cfull, "%s/%s", w->root, crel);
		if (n < 0 || (size_t)n >= sizeof cfull)
			continue;
		struct stat st;
		if (lstat(cfull, &st) != 0)
			continue;
		if (w->n >= RK_MAX_SSMIX2_FILES) {
			rc = rk_fail(w->err, RK_TOO_LARGE, "more than %u files in the storage", RK_MAX_SSMIX2_FILES);
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			const char *why = check_link(w, cfull);
			if (why || depth + 1 != 6)
				add(w, crel, why ? why : "refused: symbolic link outside the file level of the layout");
			else
				add(w, crel, NULL);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth + 1 < 6)
				rc = walk_dir(w, crel, depth + 1);
			else
				add(w, crel, "directory where the SS-MIX2 layout has files");
		} else if (S_ISREG(st.st_mode)) {
			add(w, crel,
			    depth + 1 == 6
				    ? NULL
				    : "file outside the layout <PID[0:3]>/<PID[3:6]>/<PID>/<date>/<type>/<file>");
		}
	}
	closedir(d);
	return rc;
}

/* The file name's fields against its folders; NULL when they agree. */
static char *check_place(const char *rel, struct ssmix2_name *nm, struct rk_err *err)
{
	struct str parts[7], rest = str_c(rel), p;
	size_t n = 0;
	while (n < 7 && str_next(&rest, '/', &p))
		parts[n++] = p;
	if (n != 6)
		return strdup("file outside the SS-MIX2 layout");
	struct rk_err e;
	rk_err_clear(&e);
	if (ssmix2_parse_name(parts[5], nm, &e) != RK_OK)
		return strdup(e.msg);
	(void)err;
	struct str pid = nm->patient_id;
	struct str p1 = {pid.ptr, pid.len < 3 ? pid.len : 3};
	struct str p2 = {pid.ptr + p1.len, pid.len - p1.len < 3 ? pid.len - p1.len : 3};
	char msg[RK_ERR_MSG_MAX];
	if (!str_eq(parts[2], pid) || !str_eq(parts[0], p1) || (p2.len && !str_eq(parts[1], p2)))
		snprintf(msg, sizeof msg, "file name says patient %.*s but the file is in folder %.*s/%.*s/%.*s",
			 STR_FMT(pid), STR_FMT(parts[0]), STR_FMT(parts[1]), STR_FMT(parts[2]));
	else if (!str_eq(parts[3], nm->date))
		snprintf(msg, sizeof msg, "file name says date %.*s but the file is in folder %.*s", STR_FMT(nm->date),
			 STR_FMT(parts[3]));
	else if (!str_eq(parts[4], nm->data_type))
		snprintf(msg, sizeof msg, "file name says data type %.*s but the file is in folder %.*s",
			 STR_FMT(nm->data_type), STR_FMT(parts[4]));
	else
		return NULL;
	return strdup(msg);
}

/* A misplaced file whose content is no HL7 message either: say both (the
 * place is checked first, but a broken file should not look merely moved). */
static char *also_content(const char *root, const char *rel, char *why)
{
	char full[PATH_MAX];
	snprintf(full, sizeof full, "%s/%s", root, rel);
	int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return why;
	char head[3];
	struct stat st;
	ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, head, sizeof head) : -1;
	close(fd);
	if (n < 0 || (n == 3 && memcmp(head, "MSH", 3) == 0))
		return why;
	char msg[RK_ERR_MSG_MAX];
	snprintf(msg, sizeof msg, "%s; and its %lld bytes are not an HL7 message (no MSH segment)", why,
		 (long long)st.st_size);
	free(why);
	return strdup(msg);
}

/* Read a whole file (bounded). NULL with *why set when it cannot be read. */
static char *read_file(const char *full, size_t *len, const char **why)
{
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = "cannot open the file";
		return NULL;
	}
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
	} else if ((uint64_t)st.st_size > RK_MAX_SSMIX2_FILE) {
		*why = "file larger than the largest message renkei takes (8 MB)";
	} else {
		buf = malloc((size_t)st.st_size + 1);
		if (!buf)
			rk_oom();
		size_t got = 0;
		while (got < (size_t)st.st_size) {
			ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (got != (size_t)st.st_size) {
			*why = "file changed or unreadable while reading";
			free(buf);
			buf = NULL;
		}
		*len = got;
	}
	close(fd);
	return buf;
}

struct pending {
	struct ingest_msg msg[RK_MAX_INGEST_BATCH];
	struct ingest_report rep[RK_MAX_INGEST_BATCH];
	struct ssmix2_name name[RK_MAX_INGEST_BATCH];
	char *data[RK_MAX_INGEST_BATCH];
	char *why[RK_MAX_INGEST_BATCH];
	char digest[RK_MAX_INGEST_BATCH][65];
	size_t n, bytes;
};

static void pending_clear(struct pending *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->data[i]);
		free(p->why[i]);
	}
	p->n = 0;
	p->bytes = 0;
}

static enum rk_status flush(struct ingest *ing, struct pending *p, struct ssmix2_stats *st, struct rk_err *err)
{
	if (!p->n)
		return RK_OK;
	enum rk_status rc = ingest_batch(ing, p->msg, p->n, p->rep, err);
	if (rc == RK_OK) {
		for (size_t i = 0; i < p->n; i++) {
			switch (p->rep[i].outcome) {
			case INGEST_STORED: st->stored++; break;
			case INGEST_DELETED: st->deleted++; break;
			case INGEST_DUPLICATE: st->unchanged++; break;
			case INGEST_SKIPPED: st->superseded++; break;
			case INGEST_QUARANTINED: st->quarantined++; break;
			}
			st->resources += p->rep[i].resources;
			st->warned += p->rep[i].outcome == INGEST_STORED && p->rep[i].warnings > 0;
		}
		st->done += (int64_t)p->n;
	}
	pending_clear(p);
	return rc;
}

enum rk_status ssmix2_import(struct store *s, const struct config *cfg, const char *root, struct str facility,
			     struct audit_log *audit, const char *actor, ssmix2_progress_fn progress, void *arg,
			     struct ssmix2_stats *stats, struct rk_err *err)
{
	struct ssmix2_stats st = {.started_ms = time_mono_ms()};
	struct walk w = {.root = root, .err = err};
	struct stat rs;
	if (stat(root, &rs) != 0 || !S_ISDIR(rs.st_mode) || !realpath(root, w.root_real))
		return rk_fail(err, RK_INVALID, "%s is not a directory", root);
	struct store_facility fac;
	struct arena a;
	arena_init(&a, 1u << 20);
	enum rk_status rc = store_facility_get(s, facility, &a, &fac, err);
	arena_reset(&a);
	if (rc == RK_NOT_FOUND)
		return rk_fail(err, RK_INVALID, "facility %.*s is not a participating facility (renkei facility add)",
			       STR_FMT(facility));
	if (rc != RK_OK)
		return rc;
	struct ingest *ing = NULL;
	struct pending *p = calloc(1, sizeof *p);
	if (!p)
		rk_oom();
	rc = walk_dir(&w, "", 0);
	if (rc != RK_OK)
		goto out;
	if (w.n) /* an empty storage has no entries at all (qsort takes no NULL) */
		qsort(w.e, w.n, sizeof *w.e, cmp_entry);
	st.files = (int64_t)w.n;
	if (progress)
		progress(arg, &st);
	if ((rc = ingest_open(s, cfg, &ing, err)) != RK_OK)
		goto out;
	if (audit)
		ingest_set_audit(ing, audit, actor);
	for (size_t i = 0; i < w.n && rc == RK_OK; i++) {
		struct entry *e = &w.e[i];
		size_t k = p->n;
		struct ssmix2_name *nm = &p->name[k];
		memset(nm, 0, sizeof *nm);
		char *why = e->refuse ? strdup(e->refuse) : check_place(e->rel, nm, err);
		char *data = NULL;
		size_t len = 0;
		if (why && !e->refuse)
			why = also_content(root, e->rel, why);
		if (!why) {
			char full[PATH_MAX];
			snprintf(full, sizeof full, "%s/%s", root, e->rel);
			const char *rwhy = NULL;
			data = read_file(full, &len, &rwhy);
			if (!data)
				why = strdup(rwhy);
		}
		{ /* a refused file is remembered by its place (its bytes were not read) */
			bool seen = false;
			rc = ingest_seen(ing, facility, str_c(e->rel), why ? str_c("") : (struct str){data, len},
					 p->digest[k], &seen, err);
			if (rc != RK_OK) {
				free(data);
				free(why);
				break;
			}
			if (seen) {
				free(why); /* unchanged since the last import (or still in quarantine) */
				free(data);
				st.unchanged++;
				st.done++;
				continue;
			}
		}
		p->data[k] = data;
		p->why[k] = why;
		p->msg[k] = (struct ingest_msg){
			.origin = INGEST_SSMIX2,
			.bytes = {data ? data : "", len},
			.facility_code = facility,
			.peer = str_c(root),
			.path = str_c(e->rel),
			.patient_id = nm->patient_id,
			.date = nm->date,
			.data_type = nm->data_type,
			.order_no = nm->order_no,
			.timestamp = nm->timestamp,
			.department = nm->department,
			.condition = nm->condition ? nm->condition : '1',
			.refuse = why,
			.digest = p->digest[k],
		};
		p->n++;
		p->bytes += len;
		st.bytes += (int64_t)len;
		if (p->n == RK_MAX_INGEST_BATCH || p->bytes >= RK_MAX_INGEST_BATCH_BYTES) {
			rc = flush(ing, p, &st, err);
			st.elapsed_ms = time_mono_ms() - st.started_ms;
			if (progress && rc == RK_OK)
				progress(arg, &st);
		}
	}
	if (rc == RK_OK)
		rc = flush(ing, p, &st, err);
	st.elapsed_ms = time_mono_ms() - st.started_ms;
	if (progress && rc == RK_OK)
		progress(arg, &st);
out:
	pending_clear(p);
	free(p);
	ingest_close(ing);
	for (size_t i = 0; i < w.n; i++) {
		free(w.e[i].rel);
		free(w.e[i].refuse);
	}
	free(w.e);
	*stats = st;
	return rc;
}
