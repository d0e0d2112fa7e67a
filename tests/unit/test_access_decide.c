/* test_access_decide.c — unit tests for access/decide.h against an oracle
 * written here, independently, from the access rules (DESIGN §5): every role
 * × category × source × consent/care-team state × emergency state, period
 * boundaries, NULL emergency, break-the-glass eligibility,
 * the grant and reason codes and the Markdown tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "access/decide.h"
#include "model/role.h"

#define NOW        INT64_C(1700000000000)
#define HOUR       INT64_C(3600000)
#define DAY        (24 * HOUR)
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char FAC_F[] = "1310000001";   /* the principal's facility */
static const char FAC_O[] = "1310000002";   /* the record's source when it is not F */
static const char FAC_X[] = "1310000003";   /* a third facility */
static const char ACCOUNT[] = "acct-alice"; /* the principal's account */
static const char EPISODE[] = "btg-7";
static const char DISASTER[] = "dis-3";

/* ---- the oracle's tables, written out from the specification ------------- */

/* Columns, in enum order: demographics allergy condition medication lab
 * clinical imaging document collab consent; 'x' = yes. 介護職・ヘルパー and
 * 相談員: demographics, allergies, the team's data and consents; no clinical record. */
static const char *const ROLE_SEES[] = {
	[ROLE_DOCTOR] = "xxxxxxxxxx",    [ROLE_DENTIST] = "xxxxxxxxxx",        [ROLE_PHARMACIST] = "xxxxx..xxx",
	[ROLE_NURSE] = "xxxxxxxxxx",     [ROLE_VISITING_NURSE] = "xxxxxx.xxx", [ROLE_CARE_MANAGER] = "xxxx....xx",
	[ROLE_THERAPIST] = "xxxxxxx.xx", [ROLE_CARE_WORKER] = "xx......xx",    [ROLE_SOCIAL_WORKER] = "xx......xx",
	[ROLE_CLERK] = "x........x",     [ROLE_FACILITY_ADMIN] = "x........x", [ROLE_OPERATOR] = "x........x",
	[ROLE_SYSTEM] = "xxxxxxxxxx",
};

/* What each grant opens (rules 2, 3, 4, 6, 7, 8, 9). */
static const char *const GRANT_OPENS[] = {
	[GRANT_NONE] = "..........",          [GRANT_OWN] = "xxxxxxxxxx",       [GRANT_INDIVIDUAL] = "xxxxxxxx..",
	[GRANT_COMPREHENSIVE] = "xxxxx..xx.", [GRANT_EMERGENCY] = "xxxxxxxx..", [GRANT_DISASTER] = "xxxxx.....",
	[GRANT_REGISTERED] = ".........x",    [GRANT_OPERATOR] = "x........x",
};

static const char *const ROLE_CODE[] = {
	[ROLE_DOCTOR] = "doctor",
	[ROLE_DENTIST] = "dentist",
	[ROLE_PHARMACIST] = "pharmacist",
	[ROLE_NURSE] = "nurse",
	[ROLE_VISITING_NURSE] = "visiting_nurse",
	[ROLE_CARE_MANAGER] = "care_manager",
	[ROLE_THERAPIST] = "therapist",
	[ROLE_CARE_WORKER] = "care_worker",
	[ROLE_SOCIAL_WORKER] = "social_worker",
	[ROLE_CLERK] = "clerk",
	[ROLE_FACILITY_ADMIN] = "facility_admin",
	[ROLE_OPERATOR] = "operator",
	[ROLE_SYSTEM] = "system",
};
static const char *const CAT_CODE[] = {"demographics", "allergy", "condition", "medication", "lab",
				       "clinical",     "imaging", "document",  "collab",     "consent"};
/* The codes access_grant_code / access_reason_code document. */
static const char *const GRANT_CODE[] = {
	[GRANT_NONE] = NULL, /* unspecified */
	[GRANT_OWN] = "own",
	[GRANT_INDIVIDUAL] = "individual",
	[GRANT_COMPREHENSIVE] = "comprehensive",
	[GRANT_EMERGENCY] = "emergency",
	[GRANT_DISASTER] = "disaster",
	[GRANT_REGISTERED] = "registered",
	[GRANT_OPERATOR] = "operator",
};
static const char *const REASON_CODE[] = {
	[REASON_PERMIT] = "permit",
	[REASON_ROLE] = "role",
	[REASON_NO_GRANT] = "no_grant",
	[REASON_REFUSED] = "refused",
};

static bool marked(const char *row, enum record_category cat)
{
	return row[cat] == 'x';
}

/* ---- the oracle --------------------------------------------------------- */

struct verdict {
	bool permit;
	enum access_grant grant;
	const char *ref;
	enum access_reason reason;
	bool ref_loose; /* the specification does not fix grant_ref: NULL or ref */
};

static struct verdict v_permit(enum access_grant g, const char *ref)
{
	return (struct verdict){true, g, ref, REASON_PERMIT, false};
}

static struct verdict v_deny(enum access_reason r)
{
	return (struct verdict){false, GRANT_NONE, NULL, r, false};
}

static bool o_registered(const struct access_patient *p, const char *fac)
{
	for (size_t i = 0; i < p->n_registered; i++)
		if (strcmp(p->registered[i], fac) == 0)
			return true;
	return false;
}

static bool o_in_period(int64_t start, int64_t end, int64_t now)
{
	return start <= now && now < end;
}

/* Rules 5 and 6: kind, active, period, source "" or S, viewer F or "*" ("*" in a
 * consent: F registered with the patient; in a refusal: any F). */
static bool o_consent_applies(const struct access_patient *p, const struct consent_fact *c, enum consent_kind kind,
			      const char *src, const char *fac, int64_t now)
{
	if (c->kind != kind || !c->active || !o_in_period(c->start, c->end, now))
		return false;
	if (!(strcmp(c->source_facility, "") == 0 || strcmp(c->source_facility, src) == 0))
		return false;
	return strcmp(c->viewer_facility, fac) == 0 ||
	       (strcmp(c->viewer_facility, "*") == 0 && (kind == CONSENT_REFUSAL || o_registered(p, fac)));
}

static struct verdict oracle(const struct access_principal *who, const struct access_patient *p, const char *src,
			     enum record_category cat, const struct access_emergency *em, int64_t now)
{
	const char *fac = who->facility;
	if (!marked(ROLE_SEES[who->role], cat)) /* 1 */
		return v_deny(REASON_ROLE);
	if (strcmp(fac, src) == 0) /* 2 */
		return v_permit(GRANT_OWN, NULL);
	if (cat == CAT_CONSENT && o_registered(p, fac)) /* 3 */
		return v_permit(GRANT_REGISTERED, NULL);
	if (who->role == ROLE_OPERATOR && (cat == CAT_DEMOGRAPHICS || cat == CAT_CONSENT)) /* 4 */
		return v_permit(GRANT_OPERATOR, NULL);
	for (size_t i = 0; i < p->n_consents; i++) /* 5 */
		if (o_consent_applies(p, &p->consents[i], CONSENT_REFUSAL, src, fac, now))
			return v_deny(REASON_REFUSED);
	if (marked(GRANT_OPENS[GRANT_INDIVIDUAL], cat)) /* 6 */
		for (size_t i = 0; i < p->n_consents; i++)
			if (o_consent_applies(p, &p->consents[i], CONSENT_INDIVIDUAL, src, fac, now))
				return v_permit(GRANT_INDIVIDUAL, p->consents[i].id);
	if (marked(GRANT_OPENS[GRANT_COMPREHENSIVE], cat)) { /* 7 */
		const char *comp = NULL;
		for (size_t i = 0; i < p->n_consents && !comp; i++) {
			const struct consent_fact *c = &p->consents[i];
			if (c->kind == CONSENT_COMPREHENSIVE && c->active && o_in_period(c->start, c->end, now))
				comp = c->id;
		}
		for (size_t i = 0; comp && i < p->n_team; i++) {
			const struct team_fact *t = &p->team[i];
			if (t->active && o_in_period(t->start, t->end, now) && strcmp(t->facility, fac) == 0 &&
			    (strcmp(t->account, "") == 0 || strcmp(t->account, who->account) == 0))
				return v_permit(GRANT_COMPREHENSIVE, comp);
		}
	}
	if (who->role == ROLE_SYSTEM) /* 8 and 9 are for people, never for a facility system */
		return v_deny(REASON_NO_GRANT);
	if (em && em->episode_id && marked(GRANT_OPENS[GRANT_EMERGENCY], cat)) /* 8 */
		return v_permit(GRANT_EMERGENCY, em->episode_id);
	if (em && em->disaster_id && marked(GRANT_OPENS[GRANT_DISASTER], cat)) { /* 9 */
		struct verdict v = v_permit(GRANT_DISASTER, em->disaster_id);
		v.ref_loose = true;
		return v;
	}
	return v_deny(REASON_NO_GRANT); /* 10 */
}

static bool same_ref(const struct verdict *want, const char *got)
{
	if (want->ref_loose && !got)
		return true;
	if (!want->ref || !got)
		return want->ref == got;
	return strcmp(want->ref, got) == 0;
}

static bool same(const struct verdict *want, const struct access_decision *got)
{
	return want->permit == got->permit && want->grant == got->grant && want->reason == got->reason &&
	       same_ref(want, got->grant_ref);
}

static const char *grant_name(enum access_grant g)
{
	return (unsigned)g < N_ELEMS(GRANT_CODE) && GRANT_CODE[g] ? GRANT_CODE[g] : "none";
}

static const char *reason_name(enum access_reason r)
{
	return (unsigned)r < N_ELEMS(REASON_CODE) ? REASON_CODE[r] : "?";
}

/* ---- consent / care-team states, as templates ---------------------------- */

enum place { AT_UNUSED, AT_S, AT_F, AT_X, AT_ANY, AT_STAR };
enum period { P_NOW, P_EXPIRED, P_ENDS_NOW, P_FUTURE, P_STARTS_NOW };

struct consent_tmpl {
	const char *id; /* NULL: unused slot */
	enum consent_kind kind;
	bool active;
	enum period per;
	enum place src, view;
};

struct team_tmpl {
	enum place fac; /* AT_UNUSED: unused slot */
	const char *account;
	bool active;
	enum period per;
};

/* A decision written by hand, for a doctor at F reading demographics from FAC_O
 * with no emergency: cross-checks the oracle and the state definitions. */
struct hand {
	enum access_grant grant; /* GRANT_NONE: denied with reason */
	const char *ref;
	enum access_reason reason;
};

#define MAX_C 3
#define MAX_T 2

struct state {
	const char *name;
	struct consent_tmpl c[MAX_C];
	struct team_tmpl t[MAX_T];
	struct hand unreg, reg; /* F not registered / registered with the patient */
};

#define IND(id, act, per, s, v)                        \
	{                                              \
		id, CONSENT_INDIVIDUAL, act, per, s, v \
	}
#define COMP(id, act, per)                                           \
	{                                                            \
		id, CONSENT_COMPREHENSIVE, act, per, AT_ANY, AT_STAR \
	}
#define REFUSE(id, act, per, s, v)                  \
	{                                           \
		id, CONSENT_REFUSAL, act, per, s, v \
	}
#define TEAM(fac, acct, act, per)   \
	{                           \
		fac, acct, act, per \
	}
#define H_OK(g, ref)                  \
	{                             \
		g, ref, REASON_PERMIT \
	}
#define H_NO(r)                     \
	{                           \
		GRANT_NONE, NULL, r \
	}
#define H_IND  H_OK(GRANT_INDIVIDUAL, "ind-1")
#define H_COMP H_OK(GRANT_COMPREHENSIVE, "comp-1")
#define H_NONE H_NO(REASON_NO_GRANT)
#define H_REF  H_NO(REASON_REFUSED)
#define TEAM_F TEAM(AT_F, "", true, P_NOW)

static const struct state STATES[] = {
	{"none", {{0}}, {{0}}, H_NONE, H_NONE},
	{"individual S->F", {IND("ind-1", true, P_NOW, AT_S, AT_F)}, {{0}}, H_IND, H_IND},
	{"individual S->other facility", {IND("ind-1", true, P_NOW, AT_S, AT_X)}, {{0}}, H_NONE, H_NONE},
	{"individual S->*", {IND("ind-1", true, P_NOW, AT_S, AT_STAR)}, {{0}}, H_NONE, H_IND},
	{"individual \"\"->F", {IND("ind-1", true, P_NOW, AT_ANY, AT_F)}, {{0}}, H_IND, H_IND},
	{"individual other source->F", {IND("ind-1", true, P_NOW, AT_X, AT_F)}, {{0}}, H_NONE, H_NONE},
	{"individual S->F withdrawn", {IND("ind-1", false, P_NOW, AT_S, AT_F)}, {{0}}, H_NONE, H_NONE},
	{"individual S->F expired", {IND("ind-1", true, P_EXPIRED, AT_S, AT_F)}, {{0}}, H_NONE, H_NONE},
	{"individual S->F ends now", {IND("ind-1", true, P_ENDS_NOW, AT_S, AT_F)}, {{0}}, H_NONE, H_NONE},
	{"individual S->F future", {IND("ind-1", true, P_FUTURE, AT_S, AT_F)}, {{0}}, H_NONE, H_NONE},
	{"individual S->F starts now", {IND("ind-1", true, P_STARTS_NOW, AT_S, AT_F)}, {{0}}, H_IND, H_IND},
	{"individual S->X then S->F",
	 {IND("ind-a", true, P_NOW, AT_S, AT_X), IND("ind-b", true, P_NOW, AT_S, AT_F)},
	 {{0}},
	 H_OK(GRANT_INDIVIDUAL, "ind-b"),
	 H_OK(GRANT_INDIVIDUAL, "ind-b")},
	{"comprehensive + F team (all staff)", {COMP("comp-1", true, P_NOW)}, {TEAM_F}, H_COMP, H_COMP},
	{"comprehensive + F team, principal's account",
	 {COMP("comp-1", true, P_NOW)},
	 {TEAM(AT_F, ACCOUNT, true, P_NOW)},
	 H_COMP,
	 H_COMP},
	{"comprehensive + F team, other account",
	 {COMP("comp-1", true, P_NOW)},
	 {TEAM(AT_F, "acct-bob", true, P_NOW)},
	 H_NONE,
	 H_NONE},
	{"comprehensive, no team", {COMP("comp-1", true, P_NOW)}, {{0}}, H_NONE, H_NONE},
	{"comprehensive + team at another facility",
	 {COMP("comp-1", true, P_NOW)},
	 {TEAM(AT_X, "", true, P_NOW)},
	 H_NONE,
	 H_NONE},
	{"F team without comprehensive", {{0}}, {TEAM_F}, H_NONE, H_NONE},
	{"comprehensive + F team inactive",
	 {COMP("comp-1", true, P_NOW)},
	 {TEAM(AT_F, "", false, P_NOW)},
	 H_NONE,
	 H_NONE},
	{"comprehensive + F team expired",
	 {COMP("comp-1", true, P_NOW)},
	 {TEAM(AT_F, "", true, P_EXPIRED)},
	 H_NONE,
	 H_NONE},
	{"comprehensive + F team ends now",
	 {COMP("comp-1", true, P_NOW)},
	 {TEAM(AT_F, "", true, P_ENDS_NOW)},
	 H_NONE,
	 H_NONE},
	{"comprehensive + F team future",
	 {COMP("comp-1", true, P_NOW)},
	 {TEAM(AT_F, "", true, P_FUTURE)},
	 H_NONE,
	 H_NONE},
	{"comprehensive + F team starts now",
	 {COMP("comp-1", true, P_NOW)},
	 {TEAM(AT_F, "", true, P_STARTS_NOW)},
	 H_COMP,
	 H_COMP},
	{"comprehensive withdrawn + F team", {COMP("comp-1", false, P_NOW)}, {TEAM_F}, H_NONE, H_NONE},
	{"comprehensive expired + F team", {COMP("comp-1", true, P_EXPIRED)}, {TEAM_F}, H_NONE, H_NONE},
	{"comprehensive X->X + F team",
	 {{"comp-1", CONSENT_COMPREHENSIVE, true, P_NOW, AT_X, AT_X}},
	 {TEAM_F},
	 H_COMP,
	 H_COMP},
	{"refusal \"\"->*", {REFUSE("ref-1", true, P_NOW, AT_ANY, AT_STAR)}, {{0}}, H_REF, H_REF},
	{"refusal other source->*", {REFUSE("ref-1", true, P_NOW, AT_X, AT_STAR)}, {{0}}, H_NONE, H_NONE},
	{"refusal S->F", {REFUSE("ref-1", true, P_NOW, AT_S, AT_F)}, {{0}}, H_REF, H_REF},
	{"refusal \"\"->other facility", {REFUSE("ref-1", true, P_NOW, AT_ANY, AT_X)}, {{0}}, H_NONE, H_NONE},
	{"refusal \"\"->F withdrawn", {REFUSE("ref-1", false, P_NOW, AT_ANY, AT_F)}, {{0}}, H_NONE, H_NONE},
	{"refusal \"\"->F expired", {REFUSE("ref-1", true, P_EXPIRED, AT_ANY, AT_F)}, {{0}}, H_NONE, H_NONE},
	{"refusal \"\"->F ends now", {REFUSE("ref-1", true, P_ENDS_NOW, AT_ANY, AT_F)}, {{0}}, H_NONE, H_NONE},
	{"refusal \"\"->F starts now", {REFUSE("ref-1", true, P_STARTS_NOW, AT_ANY, AT_F)}, {{0}}, H_REF, H_REF},
	{"refusal \"\"->* + individual S->F",
	 {REFUSE("ref-1", true, P_NOW, AT_ANY, AT_STAR), IND("ind-1", true, P_NOW, AT_S, AT_F)},
	 {{0}},
	 H_REF,
	 H_REF},
	{"individual S->F + refusal \"\"->F",
	 {IND("ind-1", true, P_NOW, AT_S, AT_F), REFUSE("ref-1", true, P_NOW, AT_ANY, AT_F)},
	 {{0}},
	 H_REF,
	 H_REF},
	{"refusal \"\"->F + comprehensive + F team",
	 {REFUSE("ref-1", true, P_NOW, AT_ANY, AT_F), COMP("comp-1", true, P_NOW)},
	 {TEAM_F},
	 H_REF,
	 H_REF},
	{"refusal other source->F + individual S->F",
	 {REFUSE("ref-1", true, P_NOW, AT_X, AT_F), IND("ind-1", true, P_NOW, AT_S, AT_F)},
	 {{0}},
	 H_IND,
	 H_IND},
	{"individual S->F + comprehensive + F team",
	 {IND("ind-1", true, P_NOW, AT_S, AT_F), COMP("comp-1", true, P_NOW)},
	 {TEAM_F},
	 H_IND,
	 H_IND},
	{"comprehensive + F team + individual S->F",
	 {COMP("comp-1", true, P_NOW), IND("ind-1", true, P_NOW, AT_S, AT_F)},
	 {TEAM_F},
	 H_IND,
	 H_IND},
	{"individual S->X + comprehensive + F team",
	 {IND("ind-1", true, P_NOW, AT_S, AT_X), COMP("comp-1", true, P_NOW)},
	 {TEAM_F},
	 H_COMP,
	 H_COMP},
};
#define N_STATES 41
_Static_assert(N_ELEMS(STATES) == N_STATES, "the matrix has 41 consent states");

static const struct {
	const char *name;
	struct access_emergency em;
} EMERGENCIES[] = {
	{"none", {NULL, NULL}},
	{"episode", {EPISODE, NULL}},
	{"disaster", {NULL, DISASTER}},
	{"episode+disaster", {EPISODE, DISASTER}},
};

/* ---- building a patient from a state ------------------------------------ */

struct world {
	struct consent_fact c[MAX_C];
	struct team_fact t[MAX_T];
	const char *reg[3];
	struct access_patient p;
};

static const char *place_code(enum place pl, const char *src)
{
	switch (pl) {
	case AT_S: return src;
	case AT_F: return FAC_F;
	case AT_X: return FAC_X;
	case AT_ANY: return "";
	case AT_STAR: return "*";
	case AT_UNUSED: break;
	}
	return "?";
}

static void period_of(enum period per, int64_t *start, int64_t *end)
{
	switch (per) {
	case P_NOW: *start = NOW - DAY, *end = NOW + DAY; return;
	case P_EXPIRED: *start = NOW - 2 * DAY, *end = NOW - HOUR; return;
	case P_ENDS_NOW: *start = NOW - DAY, *end = NOW; return;
	case P_FUTURE: *start = NOW + HOUR, *end = NOW + DAY; return;
	case P_STARTS_NOW: *start = NOW, *end = NOW + DAY; return;
	}
}

/* The patient is registered at FAC_O and FAC_X, and at F when f_registered. */
static void build(struct world *w, const struct state *st, const char *src, bool f_registered)
{
	memset(w, 0, sizeof *w);
	w->reg[0] = FAC_O;
	w->reg[1] = FAC_X;
	w->reg[2] = FAC_F;
	size_t nc = 0, nt = 0;
	for (size_t i = 0; i < MAX_C && st->c[i].id; i++, nc++) {
		const struct consent_tmpl *ct = &st->c[i];
		w->c[i] = (struct consent_fact){.id = ct->id,
						.kind = ct->kind,
						.active = ct->active,
						.source_facility = place_code(ct->src, src),
						.viewer_facility = place_code(ct->view, src)};
		period_of(ct->per, &w->c[i].start, &w->c[i].end);
	}
	for (size_t i = 0; i < MAX_T && st->t[i].fac != AT_UNUSED; i++, nt++) {
		const struct team_tmpl *tt = &st->t[i];
		w->t[i] = (struct team_fact){
			.facility = place_code(tt->fac, src), .account = tt->account, .active = tt->active};
		period_of(tt->per, &w->t[i].start, &w->t[i].end);
	}
	w->p = (struct access_patient){.regional_id = "R0000000001",
				       .registered = w->reg,
				       .n_registered = f_registered ? 3 : 2,
				       .consents = w->c,
				       .n_consents = nc,
				       .team = w->t,
				       .n_team = nt};
}

static struct access_principal principal(enum role r)
{
	return (struct access_principal){.role = r, .facility = FAC_F, .account = ACCOUNT};
}

/* ---- the matrix --------------------------------------------------------- */

#define MAX_SHOWN       12 /* mismatches printed in all, */
#define MAX_SHOWN_STATE 2  /* per consent state */
#define MAX_SHOWN_ROLE  4  /* and per role, so that different faults show */

struct tally {
	size_t cases, mismatches, shown;
	size_t shown_state[N_STATES], shown_role[ROLE_COUNT_];
};

static void check_one(struct tally *t, const struct access_principal *who, const struct world *w, const char *src,
		      enum record_category cat, const struct access_emergency *em,
		      const struct access_emergency *em_oracle, size_t k, bool f_registered, const char *em_name)
{
	struct verdict want = oracle(who, &w->p, src, cat, em_oracle, NOW);
	struct access_decision got = access_decide(who, &w->p, src, cat, em, NOW);
	t->cases++;
	if (same(&want, &got))
		return;
	t->mismatches++;
	if (t->shown == MAX_SHOWN || t->shown_state[k] == MAX_SHOWN_STATE || t->shown_role[who->role] == MAX_SHOWN_ROLE)
		return;
	t->shown++, t->shown_state[k]++, t->shown_role[who->role]++;
	print_message("mismatch: role=%s cat=%s source=%s state='%s' F-registered=%s em=%s\n"
		      "   want permit=%d grant=%s ref=%s%s reason=%s\n"
		      "    got permit=%d grant=%s ref=%s reason=%s\n",
		      ROLE_CODE[who->role], CAT_CODE[cat], strcmp(src, FAC_F) == 0 ? "own" : "other", STATES[k].name,
		      f_registered ? "yes" : "no", em_name, want.permit, grant_name(want.grant),
		      want.ref ? want.ref : "(null)", want.ref_loose ? " (or null)" : "", reason_name(want.reason),
		      got.permit, grant_name(got.grant), got.grant_ref ? got.grant_ref : "(null)",
		      reason_name(got.reason));
}

static void test_matrix(void **state)
{
	(void)state;
	static const char *const sources[] = {FAC_F, FAC_O};
	struct tally t = {0};
	assert_int_equal(N_ELEMS(STATES), N_STATES);
	for (size_t s = 0; s < N_ELEMS(sources); s++)
		for (size_t k = 0; k < N_ELEMS(STATES); k++)
			for (int reg = 0; reg < 2; reg++) {
				struct world w;
				build(&w, &STATES[k], sources[s], reg);
				for (int r = ROLE_DOCTOR; r <= ROLE_SYSTEM; r++) {
					struct access_principal who = principal((enum role)r);
					for (int c = CAT_DEMOGRAPHICS; c <= CAT_CONSENT; c++)
						for (size_t e = 0; e < N_ELEMS(EMERGENCIES); e++)
							check_one(&t, &who, &w, sources[s], (enum record_category)c,
								  &EMERGENCIES[e].em, &EMERGENCIES[e].em, k, reg,
								  EMERGENCIES[e].name);
				}
			}
	/* 13 roles × 10 categories × 2 sources × 41 states × 2 registrations × 4 emergencies. */
	assert_int_equal(t.cases, 85280);
	if (t.mismatches)
		fail_msg("%zu of %zu decisions differ from the specification", t.mismatches, t.cases);
}

/* NULL em is the same as no emergency, for every case of the matrix. */
static void test_null_emergency(void **state)
{
	(void)state;
	static const struct access_emergency none = {NULL, NULL};
	static const char *const sources[] = {FAC_F, FAC_O};
	struct tally t = {0};
	for (size_t s = 0; s < N_ELEMS(sources); s++)
		for (size_t k = 0; k < N_ELEMS(STATES); k++)
			for (int reg = 0; reg < 2; reg++) {
				struct world w;
				build(&w, &STATES[k], sources[s], reg);
				for (int r = ROLE_DOCTOR; r <= ROLE_SYSTEM; r++) {
					struct access_principal who = principal((enum role)r);
					for (int c = CAT_DEMOGRAPHICS; c <= CAT_CONSENT; c++)
						check_one(&t, &who, &w, sources[s], (enum record_category)c, NULL,
							  &none, k, reg, "NULL");
				}
			}
	assert_int_equal(t.cases, 21320);
	if (t.mismatches)
		fail_msg("%zu of %zu decisions with em = NULL differ from the specification for no emergency",
			 t.mismatches, t.cases);
}

/* The hand-written decision of each state (doctor, demographics, from FAC_O,
 * no emergency) against the oracle and against the module. */
static void test_states_by_hand(void **state)
{
	(void)state;
	static const struct access_emergency none = {NULL, NULL};
	struct access_principal who = principal(ROLE_DOCTOR);
	size_t bad = 0;
	for (size_t k = 0; k < N_ELEMS(STATES); k++)
		for (int reg = 0; reg < 2; reg++) {
			const struct hand *h = reg ? &STATES[k].reg : &STATES[k].unreg;
			struct verdict want = h->grant == GRANT_NONE ? v_deny(h->reason) : v_permit(h->grant, h->ref);
			struct world w;
			build(&w, &STATES[k], FAC_O, reg);
			struct verdict o = oracle(&who, &w.p, FAC_O, CAT_DEMOGRAPHICS, &none, NOW);
			struct access_decision got = access_decide(&who, &w.p, FAC_O, CAT_DEMOGRAPHICS, &none, NOW);
			bool oracle_ok = o.permit == want.permit && o.grant == want.grant && o.reason == want.reason &&
					 same_ref(&want, o.ref);
			if (!oracle_ok || !same(&want, &got)) {
				bad++;
				print_message("state '%s' F-registered=%s: by hand %s/%s/%s, oracle %s/%s, "
					      "module %s/%s/%s\n",
					      STATES[k].name, reg ? "yes" : "no", grant_name(want.grant),
					      want.ref ? want.ref : "-", reason_name(want.reason), grant_name(o.grant),
					      reason_name(o.reason), grant_name(got.grant),
					      got.grant_ref ? got.grant_ref : "-", reason_name(got.reason));
			}
		}
	assert_int_equal(bad, 0);
}

/* ---- period boundaries --------------------------------------------------- */

static struct access_decision decide_with(const struct consent_fact *c, size_t nc, const struct team_fact *t, size_t nt,
					  enum record_category cat)
{
	static const char *const reg[] = {FAC_O, FAC_F};
	struct access_patient p = {.regional_id = "R0000000001",
				   .registered = reg,
				   .n_registered = 2,
				   .consents = c,
				   .n_consents = nc,
				   .team = t,
				   .n_team = nt};
	struct access_principal who = principal(ROLE_DOCTOR);
	static const struct access_emergency none = {NULL, NULL};
	struct verdict o = oracle(&who, &p, FAC_O, cat, &none, NOW);
	struct access_decision d = access_decide(&who, &p, FAC_O, cat, &none, NOW);
	/* The oracle and the module must agree here too. */
	assert_true(same(&o, &d));
	return d;
}

static void expect(struct access_decision d, bool permit, enum access_grant g, enum access_reason r)
{
	assert_int_equal(d.permit, permit);
	assert_int_equal(d.grant, g);
	assert_int_equal(d.reason, r);
}

static void test_period_boundaries(void **state)
{
	(void)state;
	struct consent_fact ind = {"ind-1", CONSENT_INDIVIDUAL, true, NOW, NOW + DAY, FAC_O, FAC_F};
	expect(decide_with(&ind, 1, NULL, 0, CAT_LAB), true, GRANT_INDIVIDUAL, REASON_PERMIT); /* start == now */
	assert_string_equal(decide_with(&ind, 1, NULL, 0, CAT_LAB).grant_ref, "ind-1");
	ind.start = NOW + 1;
	expect(decide_with(&ind, 1, NULL, 0, CAT_LAB), false, GRANT_NONE, REASON_NO_GRANT);
	ind.start = NOW - DAY, ind.end = NOW; /* end == now */
	expect(decide_with(&ind, 1, NULL, 0, CAT_LAB), false, GRANT_NONE, REASON_NO_GRANT);
	ind.end = NOW + 1;
	expect(decide_with(&ind, 1, NULL, 0, CAT_LAB), true, GRANT_INDIVIDUAL, REASON_PERMIT);

	struct consent_fact comp = {"comp-1", CONSENT_COMPREHENSIVE, true, NOW, NOW + DAY, "", "*"};
	struct team_fact team = {FAC_F, "", true, NOW, NOW + DAY};
	expect(decide_with(&comp, 1, &team, 1, CAT_COLLAB), true, GRANT_COMPREHENSIVE, REASON_PERMIT);
	comp.start = NOW - DAY, comp.end = NOW;
	expect(decide_with(&comp, 1, &team, 1, CAT_COLLAB), false, GRANT_NONE, REASON_NO_GRANT);
	comp.end = NOW + DAY, team.start = NOW - DAY, team.end = NOW;
	expect(decide_with(&comp, 1, &team, 1, CAT_COLLAB), false, GRANT_NONE, REASON_NO_GRANT);
	team.end = NOW + 1;
	expect(decide_with(&comp, 1, &team, 1, CAT_COLLAB), true, GRANT_COMPREHENSIVE, REASON_PERMIT);
	team.start = NOW + 1;
	expect(decide_with(&comp, 1, &team, 1, CAT_COLLAB), false, GRANT_NONE, REASON_NO_GRANT);

	struct consent_fact both[2] = {{"ref-1", CONSENT_REFUSAL, true, NOW, NOW + DAY, "", "*"},
				       {"ind-1", CONSENT_INDIVIDUAL, true, NOW - DAY, NOW + DAY, FAC_O, FAC_F}};
	expect(decide_with(both, 2, NULL, 0, CAT_LAB), false, GRANT_NONE, REASON_REFUSED); /* start == now */
	both[0].start = NOW - DAY, both[0].end = NOW;                                      /* end == now */
	expect(decide_with(both, 2, NULL, 0, CAT_LAB), true, GRANT_INDIVIDUAL, REASON_PERMIT);
}

/* ---- tables and codes ----------------------------------------------------- */

static void test_tables(void **state)
{
	(void)state;
	assert_int_equal(ROLE_COUNT_, 13);
	assert_int_equal(CAT_COUNT_, 10);
	assert_int_equal(GRANT_COUNT_, 8);
	assert_int_equal(REASON_COUNT_, 4);
	assert_int_equal(N_ELEMS(ROLE_SEES), ROLE_COUNT_);
	assert_int_equal(N_ELEMS(GRANT_OPENS), GRANT_COUNT_);
	assert_int_equal(N_ELEMS(CAT_CODE), CAT_COUNT_);
	for (int r = 0; r < ROLE_COUNT_; r++) {
		assert_non_null(ROLE_SEES[r]);
		assert_int_equal(strlen(ROLE_SEES[r]), CAT_COUNT_);
		for (int c = 0; c < CAT_COUNT_; c++)
			assert_int_equal(access_role_allows((enum role)r, (enum record_category)c),
					 marked(ROLE_SEES[r], (enum record_category)c));
		assert_false(access_role_allows((enum role)r, CAT_NONE));
	}
	for (int g = 0; g < GRANT_COUNT_; g++) {
		assert_int_equal(strlen(GRANT_OPENS[g]), CAT_COUNT_);
		for (int c = 0; c < CAT_COUNT_; c++)
			assert_int_equal(access_grant_covers((enum access_grant)g, (enum record_category)c),
					 marked(GRANT_OPENS[g], (enum record_category)c));
	}
}

static void test_codes(void **state)
{
	(void)state;
	for (int g = 0; g < GRANT_COUNT_; g++) {
		const char *code = access_grant_code((enum access_grant)g);
		assert_non_null(code);
		if (GRANT_CODE[g])
			assert_string_equal(code, GRANT_CODE[g]);
		for (int h = 0; h < g; h++)
			assert_string_not_equal(code, access_grant_code((enum access_grant)h));
	}
	for (int r = 0; r < REASON_COUNT_; r++)
		assert_string_equal(access_reason_code((enum access_reason)r), REASON_CODE[r]);
	assert_non_null(access_grant_code(GRANT_COUNT_));
	assert_non_null(access_reason_code(REASON_COUNT_));
}

/* Splits a table row "| head | a | b | ... | " into its cells after the head,
 * trimmed; returns how many there are (at most max are stored). */
static size_t row_cells(const char *line, const char **cells, size_t *lens, size_t max)
{
	size_t n = 0, seg = 0;
	for (const char *p = line; *p == '|'; seg++) {
		const char *q = p + 1 + strcspn(p + 1, "|");
		const char *a = p + 1, *b = q;
		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		if (seg >= 1 && *q == '|') { /* segment 0 is the head; the text after the last '|' is no cell */
			if (n < max)
				cells[n] = a, lens[n] = (size_t)(b - a);
			n++;
		}
		p = q;
	}
	return n;
}

static bool cell_is(const char *cell, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(cell, want, len) == 0;
}

static void check_table_rows(char **lines, size_t n_lines, const char *heading, size_t n_rows,
			     const char *const *names_in_row, const char *const *expected_rows)
{
	size_t i = 0;
	while (i < n_lines && strncmp(lines[i], heading, strlen(heading)) != 0)
		i++;
	assert_true(i < n_lines);
	assert_true(i + 1 < n_lines && strncmp(lines[i + 1], "|---|", 5) == 0);
	size_t rows = 0;
	for (i += 2; i < n_lines && strncmp(lines[i], "| ", 2) == 0; i++, rows++) {
		assert_true(rows < n_rows);
		assert_non_null(strstr(lines[i], names_in_row[rows]));
		const char *cells[CAT_COUNT_];
		size_t lens[CAT_COUNT_];
		assert_int_equal(row_cells(lines[i], cells, lens, CAT_COUNT_), CAT_COUNT_);
		for (int c = 0; c < CAT_COUNT_; c++) {
			bool yes = marked(expected_rows[rows], (enum record_category)c);
			if (!cell_is(cells[c], lens[c], yes ? "✓" : "·"))
				fail_msg("row %zu ('%s'), category %s: want %s in: %s", rows, names_in_row[rows],
					 CAT_CODE[c], yes ? "✓" : "·", lines[i]);
		}
	}
	assert_int_equal(rows, n_rows);
}

static void test_write_tables(void **state)
{
	(void)state;
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	assert_non_null(f);
	access_write_tables(f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(text);

	char *lines[128];
	size_t n_lines = 0, pipe_rows = 0;
	for (char *l = text; l < text + size && n_lines < N_ELEMS(lines);) {
		char *nl = l + strcspn(l, "\n");
		bool last = *nl == '\0';
		*nl = '\0';
		lines[n_lines++] = l;
		pipe_rows += strncmp(l, "| ", 2) == 0;
		if (last)
			break;
		l = nl + 1;
	}
	/* The role table: a heading and one row per role; then the grant table:
	 * a heading and one row per grant but GRANT_NONE. */
	assert_int_equal(pipe_rows, 1 + ROLE_COUNT_ + 1 + (GRANT_COUNT_ - 1));

	const char *role_names[ROLE_COUNT_];
	char role_buf[ROLE_COUNT_][40];
	for (int r = 0; r < ROLE_COUNT_; r++) {
		snprintf(role_buf[r], sizeof role_buf[r], "(%s) |", ROLE_CODE[r]);
		role_names[r] = role_buf[r];
	}
	check_table_rows(lines, n_lines, "| role |", ROLE_COUNT_, role_names, ROLE_SEES);
	const char *grant_names[GRANT_COUNT_ - 1];
	char grant_buf[GRANT_COUNT_ - 1][40];
	for (int g = 1; g < GRANT_COUNT_; g++) {
		snprintf(grant_buf[g - 1], sizeof grant_buf[g - 1], "| %s |", GRANT_CODE[g]);
		grant_names[g - 1] = grant_buf[g - 1];
	}
	check_table_rows(lines, n_lines, "| grant |", GRANT_COUNT_ - 1, grant_names, GRANT_OPENS + 1);
	free(text);
}

/* ---- the care roles, by hand ------------------------------------------------ */

/* A helper (介護職) or a 相談員 of a care-team member facility under 包括同意:
 * the allergies, demographics and the team's data of the hospital's record,
 * never its conditions, medication, results or clinical record; the consent
 * records only where the patient is registered; no break-the-glass. */
static void test_care_roles(void **state)
{
	(void)state;
	static const char *const reg[] = {FAC_O, FAC_F};
	static const struct consent_fact comp[] = {
		{.id = "c-comp", .kind = CONSENT_COMPREHENSIVE, .active = true, .start = NOW - DAY, .end = NOW + DAY}};
	static const struct team_fact team[] = {
		{.facility = FAC_F, .account = "", .active = true, .start = NOW - DAY, .end = NOW + DAY}};
	static const struct access_emergency btg = {EPISODE, DISASTER};
	static const enum role roles[] = {ROLE_CARE_WORKER, ROLE_SOCIAL_WORKER};
	for (size_t i = 0; i < N_ELEMS(roles); i++) {
		struct access_principal who = principal(roles[i]);
		struct access_patient p = {.regional_id = "R0000000001",
					   .registered = reg,
					   .n_registered = 1, /* at O only */
					   .consents = comp,
					   .n_consents = 1,
					   .team = team,
					   .n_team = 1};
		struct access_decision d = access_decide(&who, &p, FAC_O, CAT_ALLERGY, NULL, NOW);
		expect(d, true, GRANT_COMPREHENSIVE, REASON_PERMIT);
		assert_string_equal(d.grant_ref, "c-comp");
		expect(access_decide(&who, &p, FAC_O, CAT_DEMOGRAPHICS, NULL, NOW), true, GRANT_COMPREHENSIVE,
		       REASON_PERMIT);
		expect(access_decide(&who, &p, FAC_O, CAT_COLLAB, NULL, NOW), true, GRANT_COMPREHENSIVE, REASON_PERMIT);
		static const enum record_category clinical[] = {CAT_CONDITION, CAT_MEDICATION, CAT_LAB,
								CAT_CLINICAL,  CAT_IMAGING,    CAT_DOCUMENT};
		for (size_t c = 0; c < N_ELEMS(clinical); c++) {
			/* not by consent, not in an emergency or a disaster, not even its own facility's */
			expect(access_decide(&who, &p, FAC_O, clinical[c], &btg, NOW), false, GRANT_NONE, REASON_ROLE);
			expect(access_decide(&who, &p, FAC_F, clinical[c], NULL, NOW), false, GRANT_NONE, REASON_ROLE);
		}
		/* consent records: where the patient is registered */
		expect(access_decide(&who, &p, FAC_O, CAT_CONSENT, NULL, NOW), false, GRANT_NONE, REASON_NO_GRANT);
		p.n_registered = 2;
		expect(access_decide(&who, &p, FAC_O, CAT_CONSENT, NULL, NOW), true, GRANT_REGISTERED, REASON_PERMIT);
		/* a member who left sees nothing of O's */
		p.n_team = 0;
		expect(access_decide(&who, &p, FAC_O, CAT_ALLERGY, NULL, NOW), false, GRANT_NONE, REASON_NO_GRANT);
		assert_false(access_emergency_eligible(roles[i], "hospital"));
		assert_false(role_info(roles[i])->licence);
		assert_true(role_info(roles[i])->clinical);
		assert_false(role_info(roles[i])->admin);
	}
	enum role r;
	assert_true(role_parse(str_c("care_worker"), &r) && r == ROLE_CARE_WORKER);
	assert_true(role_parse(str_c("social_worker"), &r) && r == ROLE_SOCIAL_WORKER);
	enum facility_kind k;
	assert_true(facility_kind_parse(str_c("care_service"), &k) && k == FACILITY_CARE_SERVICE);
	assert_string_equal(facility_kind_info(k)->ja, "介護サービス事業所");
}

/* ---- break-the-glass eligibility ------------------------------------------ */

static void test_emergency_eligible(void **state)
{
	(void)state;
	static const char *const kinds[] = {
		"hospital",
		"clinic",
		"pharmacy",
		"home_nursing",
		"care_management",
		"care_service",
		"community_support",
		"other",
		"",
		"Hospital",
		"hospital ",
		"hospitals",
		NULL,
	};
	for (int r = 0; r < ROLE_COUNT_; r++)
		for (size_t k = 0; k < N_ELEMS(kinds); k++) {
			bool want =
				(r == ROLE_DOCTOR || r == ROLE_NURSE) && kinds[k] && strcmp(kinds[k], "hospital") == 0;
			if (access_emergency_eligible((enum role)r, kinds[k]) != want)
				fail_msg("access_emergency_eligible(%s, %s): want %d", ROLE_CODE[r],
					 kinds[k] ? kinds[k] : "NULL", want);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_states_by_hand),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_null_emergency),
		cmocka_unit_test(test_period_boundaries),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_write_tables),
		cmocka_unit_test(test_emergency_eligible),
		cmocka_unit_test(test_care_roles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
