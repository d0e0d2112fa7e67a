/* cli_kit.c — `renkei kit sheets` and `renkei kit region` (emergency/kit.h):
 * a facility's 救急医療情報シート as one PDF, and its encrypted region kit.
 * Each run is one audit entry naming the people whose summaries it wrote. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/summary_api.h"
#include "audit/audit.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/time.h"
#include "emergency/kit.h"
#include "emergency/sheet.h"
#include "emergency/summary_pdf.h"

struct collect {
	struct store *store;
	const struct config *cfg;
	int64_t now;
	struct buf json;     /* the patients' summaries as JSON, comma-separated */
	struct buf patients; /* the audit entry's regional IDs */
	size_t n;
};

static void note_patient(struct collect *c, const char *regional)
{
	if (!regional || !regional[0])
		return;
	if (c->patients.len)
		buf_putc(&c->patients, ',');
	buf_put_json_str(&c->patients, str_c(regional));
}

static enum rk_status one_region(void *arg, const struct summary *s)
{
	struct collect *c = arg;
	json_t *o = kit_summary_json(s);
	if (!o)
		return RK_TOO_LARGE;
	if (c->n++)
		buf_putc(&c->json, ',');
	enum rk_status st = rk_json_dump(o, &c->json);
	json_decref(o);
	note_patient(c, s->regional);
	return st == RK_OK && c->json.overflow ? RK_TOO_LARGE : st;
}

static int write_file(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0) {
		fprintf(stderr, "renkei: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	return 0;
}

static int audit_kit(const struct config *cfg, const char *event, const char *detail, const struct buf *patients)
{
	struct audit_log *log = NULL;
	struct rk_err err;
	rk_err_clear(&err);
	if (audit_open(cfg, &log, &err) != RK_OK) {
		fprintf(stderr, "renkei: audit log: %s\n", err.msg);
		return 1;
	}
	const char *user = getenv("USER");
	struct buf arr;
	buf_init(&arr, RK_MAX_RESPONSE);
	buf_putc(&arr, '[');
	buf_append(&arr, patients->data, patients->len);
	buf_putc(&arr, ']');
	struct audit_event ev = {.event = event,
				 .action = 'E',
				 .account = user ? user : "cli",
				 .role = "cli",
				 .purpose = "HOPERAT",
				 .query = "renkei command line",
				 .detail = detail,
				 .patients = buf_cstr(&arr)};
	enum rk_status rc = audit_write(log, &ev, NULL, &err);
	audit_close(log);
	buf_free(&arr);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: audit: %s\n", err.msg);
		return 1;
	}
	return 0;
}

/* The passphrase: the first line of the file (its newline dropped). */
static bool read_passphrase(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "renkei: --passphrase-file %s: %s\n", path, strerror(errno));
		return false;
	}
	bool ok = fgets(out, (int)n, f) != NULL;
	fclose(f);
	if (!ok) {
		fprintf(stderr, "renkei: --passphrase-file %s is empty\n", path);
		return false;
	}
	out[strcspn(out, "\r\n")] = '\0';
	return true;
}

static int kit_region(struct cli_call *call, const char *facility, const char *name, const char *out)
{
	const char *pf = cli_opt(call->a, "passphrase-file");
	if (!pf || !*pf) {
		fprintf(stderr, "renkei kit region: --passphrase-file FILE names the file holding the passphrase "
				"(kept apart from the kit)\n");
		return 2;
	}
	char pass[1024];
	if (!read_passphrase(pf, pass, sizeof pass))
		return 1;
	if (strlen(pass) < KIT_MIN_PASSPHRASE) {
		fprintf(stderr, "renkei kit region: the passphrase must have at least %d characters\n",
			KIT_MIN_PASSPHRASE);
		sodium_memzero(pass, sizeof pass);
		return 1;
	}
	struct collect c = {.store = call->store, .cfg = call->cfg, .now = time_now_ms()};
	buf_init(&c.json, RK_MAX_RESPONSE);
	buf_init(&c.patients, RK_MAX_RESPONSE);
	struct rk_err err;
	rk_err_clear(&err);
	buf_putc(&c.json, '[');
	size_t seen = 0;
	enum rk_status st = kit_each_summary(call->store, facility, c.now, one_region, &c, &seen, &err);
	buf_putc(&c.json, ']');
	struct buf plain, html;
	buf_init(&plain, RK_MAX_RESPONSE);
	buf_init(&html, RK_MAX_RESPONSE);
	char created[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(c.now, created);
	if (st == RK_OK) {
		buf_puts(&plain, "{\"facility\":");
		buf_put_json_str(&plain, str_c(facility));
		buf_printf(&plain, ",\"created\":\"%s\",\"patients\":", created);
		buf_append(&plain, c.json.data, c.json.len);
		buf_putc(&plain, '}');
		st = plain.overflow ? rk_fail(&err, RK_TOO_LARGE, "the kit is too large")
				    : kit_region_html((struct str){plain.data, plain.len}, pass, facility, name, c.now,
						      0, &html, &err);
	}
	sodium_memzero(pass, sizeof pass);
	if (plain.data)
		sodium_memzero(plain.data, plain.len);
	int rc = 1;
	if (st != RK_OK)
		fprintf(stderr, "renkei kit region: %s\n", err.msg);
	else if (write_file(out, &html) == 0) {
		char detail[RK_MAX_AUDIT_DETAIL];
		snprintf(detail, sizeof detail, "region kit of facility %s: %zu summaries of %zu registrations, to %s",
			 facility, c.n, seen, out);
		rc = audit_kit(call->cfg, "kit-region", detail, &c.patients);
		if (rc == 0)
			printf("%s: %zu summaries of %zu registrations of %s, encrypted (PBKDF2-SHA256 %u, AES-256-GCM)\n",
			       out, c.n, seen, facility, KIT_PBKDF2_ITERATIONS);
	}
	buf_free(&plain);
	buf_free(&html);
	buf_free(&c.json);
	buf_free(&c.patients);
	return rc;
}

struct sheets {
	struct store *store;
	const char *base;
	int64_t now;
	struct summary_pdf_writer *w;
	struct buf patients;
	struct buf printed; /* "patient_id\thash\n" of the sheets printed anew */
	bool only_stale;    /* --only stale: the sheets whose summary changed since their print */
	size_t n;
	struct rk_err *err;
};

/* One patient's sheet: its token, the print recorded, the page drawn. */
static enum rk_status one_sheet(void *arg, const struct summary *s)
{
	struct sheets *x = arg;
	struct sheet_state ss;
	enum rk_status st = sheet_get(x->store, str_c(s->patient_id), &ss, x->err);
	char hash[65];
	summary_content_hash(s, hash);
	if (st != RK_OK)
		return st;
	if (x->only_stale && !sheet_stale(&ss, hash))
		return RK_OK;
	if (sheet_stale(&ss, hash)) /* recorded once the file is written */
		buf_printf(&x->printed, "%s\t%s\n", s->patient_id, hash);
	summary_pdf_page(x->w, &(struct summary_page){.s = s, .qr_url = sheet_url(s->arena, x->base, ss.token)});
	if (x->patients.len)
		buf_putc(&x->patients, ',');
	buf_put_json_str(&x->patients, str_c(s->regional));
	x->n++;
	return RK_OK;
}

/* The sheets printed anew, in one short transaction after the file is written. */
static enum rk_status record_prints(struct store *s, const struct buf *printed, int64_t now, struct rk_err *err)
{
	enum rk_status st = store_begin(s, err);
	struct str rest = {printed->data, printed->len}, line;
	while (st == RK_OK && str_next(&rest, '\n', &line)) {
		struct str pid, hash;
		if (!str_cut(line, '\t', &pid, &hash))
			continue;
		char h[65];
		snprintf(h, sizeof h, "%.*s", STR_FMT(hash));
		st = sheet_printed(s, pid, h, now, err);
	}
	if (st == RK_OK)
		return store_commit(s, err);
	store_rollback(s);
	return st;
}

static int kit_sheets(struct cli_call *call, const char *facility, const char *out)
{
	struct rk_err err;
	rk_err_clear(&err);
	const char *only = cli_opt(call->a, "only");
	if (only && strcmp(only, "stale") != 0) {
		fprintf(stderr,
			"renkei kit sheets: --only takes 'stale' (the sheets whose summary changed since printed)\n");
		return 2;
	}
	struct sheets x = {.store = call->store,
			   .base = call->cfg->fhir_base_url,
			   .now = time_now_ms(),
			   .err = &err,
			   .only_stale = only != NULL};
	buf_init(&x.patients, RK_MAX_RESPONSE);
	buf_init(&x.printed, RK_MAX_RESPONSE);
	struct buf pdf;
	buf_init(&pdf, RK_MAX_RESPONSE);
	size_t seen = 0;
	enum rk_status st = summary_pdf_open(&x.w, "救急医療情報シート", &pdf, &err);
	if (st == RK_OK) {
		st = kit_each_summary(call->store, facility, x.now, one_sheet, &x, &seen, &err);
		struct rk_err cerr;
		rk_err_clear(&cerr);
		enum rk_status cst = summary_pdf_close(x.w, &cerr);
		if (st == RK_OK && cst != RK_OK) {
			st = cst;
			err = cerr;
		}
		if (st == RK_OK && !x.n)
			st = rk_fail(&err, RK_NOT_FOUND, "facility %s has no patient whose sheet %s", facility,
				     x.only_stale ? "is stale: every printed sheet is current" : "it may print");
	}
	int rc = 1;
	if (st == RK_OK && write_file(out, &pdf) == 0)
		st = record_prints(call->store, &x.printed, x.now, &err);
	else if (st == RK_OK)
		st = RK_IO;
	if (st != RK_OK) {
		if (st != RK_IO)
			fprintf(stderr, "renkei kit sheets: %s\n", err.msg);
	} else {
		char detail[RK_MAX_AUDIT_DETAIL];
		snprintf(detail, sizeof detail, "救急医療情報シート of facility %s: %zu sheets, to %s", facility, x.n,
			 out);
		rc = audit_kit(call->cfg, "kit-sheets", detail, &x.patients);
		if (rc == 0)
			printf("%s: %zu sheets of %zu registrations of %s\n", out, x.n, seen, facility);
	}
	buf_free(&pdf);
	buf_free(&x.patients);
	buf_free(&x.printed);
	return rc;
}

int cli_kit(struct cli_call *c)
{
	const char *sub = c->a->pos[0];
	const char *facility = cli_opt(c->a, "facility"), *out = cli_opt(c->a, "out");
	if (!facility || !*facility || !out || !*out) {
		fprintf(stderr, "renkei kit %s: --facility CODE and --out FILE are needed\n", sub);
		return 2;
	}
	struct store_facility f;
	struct rk_err err;
	rk_err_clear(&err);
	struct arena a;
	arena_init(&a, 1 << 20);
	if (store_facility_get(c->store, str_c(facility), &a, &f, &err) != RK_OK) {
		fprintf(stderr, "renkei kit %s: facility %s is not known\n", sub, facility);
		arena_reset(&a);
		return 1;
	}
	char name[256];
	snprintf(name, sizeof name, "%.*s", STR_FMT(f.name));
	arena_reset(&a);
	if (strcmp(sub, "region") == 0)
		return kit_region(c, facility, name, out);
	return kit_sheets(c, facility, out);
}
