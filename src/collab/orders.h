/* orders.h — the care team's documents (多職種連携): 訪問看護指示書, 特別訪問看護
 * 指示書, 訪問リハビリテーション指示書 (the doctor's), 訪問看護計画書 and 訪問看護
 * 報告書 (the station's), each a FHIR Composition typed by a code of
 * ORDERS_TYPE_SYSTEM, with one section per field of the official 様式 (別紙
 * 様式16 and its siblings; the section's code names the field, its
 * extension keeps the text as written and its narrative shows it escaped).
 * The 指示期間 is Composition.event[0].period.
 *
 * This module builds and reads those Compositions, checks a form before
 * anything is stored, gives the canonical form a signature signs
 * (collab/sign.h), keeps the signatures (collab_signature), and runs the
 * reminder job that posts to the team's timeline 14 and 3 days before a
 * 指示書's period ends. It decides nothing about access: the API checks every
 * document (api/docs_api.c), the writes go through fhir/. Composition is
 * CAT_DOCUMENT (docs/ACCESS.md). */
#ifndef RENKEI_COLLAB_ORDERS_H
#define RENKEI_COLLAB_ORDERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "collab/sign.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "sched/sched.h"
#include "store/store.h"

#define ORDERS_TYPE_SYSTEM    "urn:renkei:CodeSystem:collab-document"
#define ORDERS_FIELD_SYSTEM   "urn:renkei:CodeSystem:collab-document-field"
#define ORDERS_VALUE_EXT      "urn:renkei:StructureDefinition:document-field-value"
#define ORDERS_MAX_FIELD      2000 /* bytes of one field's text */
#define ORDERS_MAX_ORDER_DAYS 183  /* a 指示書: at most 6 months (checked by the calendar, see orders_check) */
#define ORDERS_MAX_SPECIAL    14   /* a 特別訪問看護指示書: at most 14 days */

enum orders_kind {
	ORDERS_VN_ORDER,    /* 訪問看護指示書 */
	ORDERS_VN_SPECIAL,  /* 特別訪問看護指示書 */
	ORDERS_REHAB_ORDER, /* 訪問リハビリテーション指示書 */
	ORDERS_VN_PLAN,     /* 訪問看護計画書 */
	ORDERS_VN_REPORT,   /* 訪問看護報告書 */
	ORDERS_KIND_COUNT_
};

struct orders_field {
	const char *key; /* the section code */
	const char *ja;  /* the label of the 様式 */
	size_t max;      /* bytes */
	bool required;
};

struct orders_kind_info {
	const char *code, *ja, *category; /* category: the timeline post's ("指示書", "計画書", "報告書") */
	bool is_order;                    /* a doctor's 指示 with a 指示期間 */
	const struct orders_field *fields;
	size_t n_fields;
};

const struct orders_kind_info *orders_kind_info(enum orders_kind k);
/* The kind of a code ("vn-order"); false when none. */
bool orders_kind_parse(const char *code, enum orders_kind *out);

/* "YYYY-MM-DD" or "YYYY-MM" (day 1) into its parts; false when it is not a date. */
bool orders_date(const char *s, int64_t *y, unsigned *m, unsigned *d);

/* A form as the API receives it: {"kind", "start", "end" (orders: the
 * 指示期間, YYYY-MM-DD; a report: its month as start/end of the month),
 * "visits" (a report: the visit days of its month, 1..31), "fields":
 * {key: text}}. Checked whole before anything is built: every message
 * Japanese first. */
struct orders_form {
	enum orders_kind kind;
	char start[11], end[11]; /* "" when none */
	int visits[31];
	size_t n_visits;
	const json_t *fields; /* borrowed */
};
enum rk_status orders_check(const json_t *in, struct orders_form *out, struct rk_err *err);

/* The Composition of a checked form about Patient/patient_id, by author
 * (a reference, "Practitioner/<id>" or "Organization/<id>") and its display,
 * dated now. A new reference. */
json_t *orders_build(const struct orders_form *f, const char *patient_id, const char *author,
		     const char *author_display, int64_t now);

/* A stored document read back (pointers into body or the arena). */
struct orders_value {
	const char *key, *ja, *text;
};
struct orders_doc {
	enum orders_kind kind;
	const char *title, *status, *date, *author, *author_display;
	char start[11], end[11];
	int visits[31];
	size_t n_visits;
	struct orders_value values[64];
	size_t n_values;
};
/* false when body is not one of these documents. */
bool orders_parse(const json_t *body, struct orders_doc *out);

/* The bytes a signature signs: "renkei-document-v1\nComposition/<id>\n" and
 * the stored body without meta and narrative, keys sorted, compact. */
enum rk_status orders_canonical(const json_t *body, const char *id, struct buf *out, struct rk_err *err);

/* The one-line summary posted to the timeline when a document is saved. */
void orders_summary(const struct orders_doc *d, bool updated, char *out, size_t cap);

/* A stored document row (the current version). */
struct orders_row {
	const char *id, *source, *patient_id, *body;
	int64_t version, last_updated;
};
/* The documents of these kinds about the person (every registration), newest
 * first; not access-checked. */
enum rk_status orders_list(struct store *s, const char *regional_id, struct arena *a, struct orders_row **out,
			   size_t *n, struct rk_err *err);

/* A stored signature (collab_signature). */
struct orders_sig {
	bool found;
	int64_t version, signed_at;
	const char *account, *facility, *signer, *key_id, *digest;
	struct sign_signature sig;
};
/* The latest signature of the document (of any version). */
enum rk_status orders_sig_latest(struct store *s, const char *id, struct arena *a, struct orders_sig *out,
				 struct rk_err *err);
/* Keep a signature of version; RK_CONFLICT when that version is signed already. */
enum rk_status orders_sig_put(struct store *s, const char *id, int64_t version, const char *account,
			      const char *facility, const char *signer, const char *digest,
			      const struct sign_signature *sig, int64_t now, struct rk_err *err);
/* What the signature says about the current version (body, version). */
enum rk_status orders_sig_state(const struct signer *signer, const json_t *body, const char *id, int64_t version,
				const struct orders_sig *sig, enum sign_state *out, struct rk_err *err);

/* The scheduler job (sched/jobs.c "collab-order-remind"): for each 指示書
 * whose period ends within 14 (then 3) days, one post on the team's
 * timeline, owned by the issuing facility, naming that facility and the
 * station; each threshold once per document version (collab_reminder),
 * each post audited. */
enum rk_status orders_remind(const struct sched_env *env, int64_t now, struct sched_result *res, struct rk_err *err);

#endif
