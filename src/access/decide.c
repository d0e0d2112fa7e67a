/* decide.c — the access decision, pure: tables and a few comparisons.
 *
 * For patient P, a record from source facility S and a principal at facility
 * F, in order:
 *   1. the role must allow the category at all;
 *   2. own data (F = S) is permitted;
 *   3. consent records: staff of a facility P is registered with (and the
 *      operator) may read them; the operator also sees demographics;
 *   4. an active refusal by P that covers S → F ("*": any F) denies everything below
 *      (consents, care team, emergency, disaster: REFUSAL_BLOCKS_EMERGENCY);
 *   5. individual consent S → F (or → every facility P is registered with);
 *   6. comprehensive consent and F on P's care team, for the summary, the
 *      documents and the collaboration categories;
 *   (5 and 6 after a merge: a consent or membership given under one of the
 *      merged regional IDs covers only the facilities of that ID's
 *      registrations — the scope; a refusal always covers the whole person);
 *   7. an active break-the-glass episode of this principal for P;
 *   8. disaster mode declared for F's area, for the emergency summary
 *      (7 and 8 are for people: never for a facility system). */
#include "access/decide.h"

#include <string.h>

/* Policy: a patient's refusal also holds in an emergency (SECURITY.md: "unless
 * policy says otherwise"). */
#define REFUSAL_BLOCKS_EMERGENCY true

#define C(cat)       (1u << (cat))
#define SUMMARY      (C(CAT_DEMOGRAPHICS) | C(CAT_ALLERGY) | C(CAT_CONDITION) | C(CAT_MEDICATION) | C(CAT_LAB))
#define CLINICAL_ALL (SUMMARY | C(CAT_CLINICAL) | C(CAT_IMAGING) | C(CAT_DOCUMENT))
#define EVERYTHING   ((1u << CAT_COUNT_) - 1)

/* Role × category: what each role may ever see. */
static const unsigned role_cats[ROLE_COUNT_] = {
	[ROLE_DOCTOR] = EVERYTHING,
	[ROLE_DENTIST] = EVERYTHING,
	[ROLE_PHARMACIST] = SUMMARY | C(CAT_DOCUMENT) | C(CAT_COLLAB) | C(CAT_CONSENT),
	[ROLE_NURSE] = EVERYTHING,
	[ROLE_VISITING_NURSE] = SUMMARY | C(CAT_CLINICAL) | C(CAT_DOCUMENT) | C(CAT_COLLAB) | C(CAT_CONSENT),
	[ROLE_CARE_MANAGER] = C(CAT_DEMOGRAPHICS) | C(CAT_ALLERGY) | C(CAT_CONDITION) | C(CAT_MEDICATION) |
			      C(CAT_COLLAB) | C(CAT_CONSENT),
	[ROLE_THERAPIST] = SUMMARY | C(CAT_CLINICAL) | C(CAT_IMAGING) | C(CAT_COLLAB) | C(CAT_CONSENT),
	/* 介護職・相談員: the team's collaboration data, the care team and consents, who
	 * the person is and what they must not be given (food allergies at meals);
	 * never the clinical record. */
	[ROLE_CARE_WORKER] = C(CAT_DEMOGRAPHICS) | C(CAT_ALLERGY) | C(CAT_COLLAB) | C(CAT_CONSENT),
	[ROLE_SOCIAL_WORKER] = C(CAT_DEMOGRAPHICS) | C(CAT_ALLERGY) | C(CAT_COLLAB) | C(CAT_CONSENT),
	[ROLE_CLERK] = C(CAT_DEMOGRAPHICS) | C(CAT_CONSENT),
	[ROLE_FACILITY_ADMIN] = C(CAT_DEMOGRAPHICS) | C(CAT_CONSENT),
	[ROLE_OPERATOR] = C(CAT_DEMOGRAPHICS) | C(CAT_CONSENT),
	[ROLE_SYSTEM] = EVERYTHING, /* narrowed by the client's scopes before the decision */
};

/* Grant × category: what each kind of grant opens. */
static const unsigned grant_cats[GRANT_COUNT_] = {
	[GRANT_NONE] = 0,
	[GRANT_OWN] = EVERYTHING,
	[GRANT_INDIVIDUAL] = CLINICAL_ALL,                                 /* the regional clinical exchange */
	[GRANT_COMPREHENSIVE] = SUMMARY | C(CAT_COLLAB) | C(CAT_DOCUMENT), /* the team's data, summary and documents */
	[GRANT_EMERGENCY] = CLINICAL_ALL,                                  /* break-the-glass: the clinical record */
	[GRANT_DISASTER] = SUMMARY,                                        /* the emergency summary (6情報) */
	[GRANT_REGISTERED] = C(CAT_CONSENT),
	[GRANT_OPERATOR] = C(CAT_DEMOGRAPHICS) | C(CAT_CONSENT),
};

bool access_role_allows(enum role r, enum record_category cat)
{
	return (unsigned)r < ROLE_COUNT_ && (unsigned)cat < CAT_COUNT_ && (role_cats[r] & C(cat));
}

bool access_grant_covers(enum access_grant g, enum record_category cat)
{
	return (unsigned)g < GRANT_COUNT_ && (unsigned)cat < CAT_COUNT_ && (grant_cats[g] & C(cat));
}

bool access_emergency_eligible(enum role r, const char *facility_kind)
{
	/* SECURITY.md default: physicians and nurses of participating hospitals. */
	return (r == ROLE_DOCTOR || r == ROLE_NURSE) && facility_kind && strcmp(facility_kind, "hospital") == 0;
}

static bool eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static bool in_period(int64_t start, int64_t end, int64_t now)
{
	return start <= now && now < end;
}

static bool in_list(const char *const *list, size_t n, const char *facility)
{
	for (size_t i = 0; i < n; i++)
		if (eq(list[i], facility))
			return true;
	return false;
}

static bool registered_at(const struct access_patient *p, const char *facility)
{
	return in_list(p->registered, p->n_registered, facility);
}

/* Does consent c (of kind) let S disclose to F now? */
static bool consent_covers(const struct access_patient *p, const struct consent_fact *c, enum consent_kind kind,
			   const char *source, const char *viewer, int64_t now)
{
	if (c->kind != kind || !c->active || !in_period(c->start, c->end, now))
		return false;
	bool src_ok = (c->source_facility && c->source_facility[0] == '\0') || eq(c->source_facility, source);
	/* "*": a consent opens to every facility the patient is registered with;
	 * a refusal closes to every facility at all. */
	bool scoped = c->scoped && kind != CONSENT_REFUSAL;
	bool star_ok =
		kind == CONSENT_REFUSAL || (scoped ? in_list(c->scope, c->n_scope, viewer) : registered_at(p, viewer));
	bool view_ok = eq(c->viewer_facility, viewer) || (eq(c->viewer_facility, "*") && star_ok);
	if (scoped && !in_list(c->scope, c->n_scope, source))
		return false; /* given under a merged ID: not for another identity's records */
	return src_ok && view_ok;
}

static struct access_decision permit(enum access_grant g, const char *ref)
{
	return (struct access_decision){true, g, ref, REASON_PERMIT};
}

static struct access_decision deny(enum access_reason r)
{
	return (struct access_decision){false, GRANT_NONE, NULL, r};
}

struct access_decision access_decide(const struct access_principal *who, const struct access_patient *p,
				     const char *source_facility, enum record_category cat,
				     const struct access_emergency *em, int64_t now)
{
	if (!access_role_allows(who->role, cat))
		return deny(REASON_ROLE);
	const char *F = who->facility, *S = source_facility;
	if (eq(F, S))
		return permit(GRANT_OWN, NULL);
	if (cat == CAT_CONSENT && registered_at(p, F))
		return permit(GRANT_REGISTERED, NULL);
	if (who->role == ROLE_OPERATOR && access_grant_covers(GRANT_OPERATOR, cat))
		return permit(GRANT_OPERATOR, NULL);

	bool refused = false;
	for (size_t i = 0; i < p->n_consents && !refused; i++)
		refused = consent_covers(p, &p->consents[i], CONSENT_REFUSAL, S, F, now);

	if (!refused) {
		if (access_grant_covers(GRANT_INDIVIDUAL, cat))
			for (size_t i = 0; i < p->n_consents; i++)
				if (consent_covers(p, &p->consents[i], CONSENT_INDIVIDUAL, S, F, now))
					return permit(GRANT_INDIVIDUAL, p->consents[i].id);
		if (access_grant_covers(GRANT_COMPREHENSIVE, cat)) {
			const char *comprehensive = NULL;
			for (size_t i = 0; i < p->n_consents && !comprehensive; i++) {
				const struct consent_fact *c = &p->consents[i];
				if (c->kind == CONSENT_COMPREHENSIVE && c->active && in_period(c->start, c->end, now) &&
				    (!c->scoped || in_list(c->scope, c->n_scope, S)))
					comprehensive = c->id;
			}
			for (size_t i = 0; comprehensive && i < p->n_team; i++) {
				const struct team_fact *t = &p->team[i];
				if (t->scoped && !in_list(t->scope, t->n_scope, S))
					continue;
				if (t->active && in_period(t->start, t->end, now) && eq(t->facility, F) &&
				    (t->account[0] == '\0' || eq(t->account, who->account)))
					return permit(GRANT_COMPREHENSIVE, comprehensive);
			}
		}
	}
	if (refused && REFUSAL_BLOCKS_EMERGENCY)
		return deny(REASON_REFUSED);
	/* Emergency access is for people, who say why and are reviewed; a facility
	 * system has no episode and no part in disaster mode. */
	if (who->role == ROLE_SYSTEM)
		return deny(refused ? REASON_REFUSED : REASON_NO_GRANT);
	if (em && em->episode_id && access_grant_covers(GRANT_EMERGENCY, cat))
		return permit(GRANT_EMERGENCY, em->episode_id);
	if (em && em->disaster_id && access_grant_covers(GRANT_DISASTER, cat))
		return permit(GRANT_DISASTER, em->disaster_id);
	return deny(refused ? REASON_REFUSED : REASON_NO_GRANT);
}

const char *access_grant_code(enum access_grant g)
{
	static const char *const codes[GRANT_COUNT_] = {"",          "own",      "individual", "comprehensive",
							"emergency", "disaster", "registered", "operator"};
	return (unsigned)g < GRANT_COUNT_ ? codes[g] : "";
}

const char *access_reason_code(enum access_reason r)
{
	static const char *const codes[REASON_COUNT_] = {"permit", "role", "no_grant", "refused"};
	return (unsigned)r < REASON_COUNT_ ? codes[r] : "";
}

void access_write_tables(FILE *f)
{
	fputs("| role | ", f);
	for (int c = 0; c < CAT_COUNT_; c++)
		fprintf(f, "%s | ", category_info((enum record_category)c)->ja);
	fputs("\n|---|", f);
	for (int c = 0; c < CAT_COUNT_; c++)
		fputs(":-:|", f);
	fputc('\n', f);
	for (int r = 0; r < ROLE_COUNT_; r++) {
		fprintf(f, "| %s (%s) | ", role_info((enum role)r)->ja, role_info((enum role)r)->code);
		for (int c = 0; c < CAT_COUNT_; c++)
			fputs(access_role_allows((enum role)r, (enum record_category)c) ? "✓ | " : "· | ", f);
		fputc('\n', f);
	}
	fputs("\n| grant | ", f);
	for (int c = 0; c < CAT_COUNT_; c++)
		fprintf(f, "%s | ", category_info((enum record_category)c)->ja);
	fputs("\n|---|", f);
	for (int c = 0; c < CAT_COUNT_; c++)
		fputs(":-:|", f);
	fputc('\n', f);
	for (int g = 1; g < GRANT_COUNT_; g++) {
		fprintf(f, "| %s | ", access_grant_code((enum access_grant)g));
		for (int c = 0; c < CAT_COUNT_; c++)
			fputs(access_grant_covers((enum access_grant)g, (enum record_category)c) ? "✓ | " : "· | ", f);
		fputc('\n', f);
	}
}
