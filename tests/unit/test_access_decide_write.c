/* test_access_decide_write.c — unit tests for access/decide_write.h against
 * an oracle written here, flatly, from the write rules of issue 11 and
 * docs/ACCESS.md: every role × kind of record × action × the writer's
 * relation to the stored and the new owner × registration of the patient ×
 * the changes nobody may make; then the cases the issue found, by hand; the
 * reason codes and statuses; and the Markdown table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "access/decide_write.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char F[] = "1310000001"; /* the writer's facility */
static const char O[] = "1310000002"; /* another facility */
static const char X[] = "1310000003"; /* a third one */
static const char RID[] = "1000000000009";
static const char RID2[] = "1000000000017";

/* ---- the oracle ------------------------------------------------------------- */

/* Columns of the read table, in enum record_category order:
 * demographics allergy condition medication lab clinical imaging document collab consent. */
static const char *const ROLE_READS[] = {
	[ROLE_DOCTOR] = "xxxxxxxxxx",    [ROLE_DENTIST] = "xxxxxxxxxx",        [ROLE_PHARMACIST] = "xxxxx..xxx",
	[ROLE_NURSE] = "xxxxxxxxxx",     [ROLE_VISITING_NURSE] = "xxxxxx.xxx", [ROLE_CARE_MANAGER] = "xxxx....xx",
	[ROLE_THERAPIST] = "xxxxxxx.xx", [ROLE_CARE_WORKER] = "xx......xx",    [ROLE_SOCIAL_WORKER] = "xx......xx",
	[ROLE_CLERK] = "x........x",     [ROLE_FACILITY_ADMIN] = "x........x", [ROLE_OPERATOR] = "x........x",
	[ROLE_SYSTEM] = "xxxxxxxxxx",
};

static bool oracle_role(enum role r, enum write_kind k, enum record_category cat)
{
	bool op = r == ROLE_OPERATOR, admin = r == ROLE_FACILITY_ADMIN, sys = r == ROLE_SYSTEM;
	switch (k) {
	case WK_CLINICAL: return !op && !admin && r != ROLE_CLERK && ROLE_READS[r][cat] == 'x';
	case WK_REGISTRATION: return !op;
	case WK_LINK: return op;
	case WK_CONSENT:
	case WK_COMPREHENSIVE:
	case WK_REFUSAL:
	case WK_CARE_TEAM: return true;
	case WK_FACILITY:
	case WK_ORGANIZATION: return op || admin;
	case WK_PRACTITIONER: return op || admin || sys;
	default: return false;
	}
}

struct scenario {
	enum role role;
	enum write_kind kind;
	enum write_action act;
	bool stored_own, fresh_own;  /* the stored / new owner is the writer's facility */
	bool registered;             /* the patient is registered at the writer's facility */
	bool fresh_owner_registered; /* ... and at the new owner (a care team handed over) */
	int change;                  /* 0 none, 1 kind, 2 patient, 3 names a regional ID, 4 withdraws a refusal
				     * without a new form, 5 with a new form, 6 a facility's kept field */
};

static bool oracle(const struct scenario *s)
{
	enum record_category cat = s->kind == WK_CLINICAL ? CAT_LAB : CAT_CONSENT;
	if (s->kind == WK_REGISTRATION)
		cat = CAT_DEMOGRAPHICS;
	if (!oracle_role(s->role, s->kind, cat))
		return false;
	bool update = s->act == WRITE_UPDATE;
	if (update && s->change == 1)
		return false; /* the kind: the new kind is the stored one's next (see build) */
	if (update && s->change == 2)
		return false;
	if (s->act != WRITE_DELETE && s->change == 3)
		return false;
	if (update && s->kind != WK_CARE_TEAM && s->stored_own != s->fresh_own)
		return false; /* the owner moved */
	if (update && s->kind == WK_REFUSAL && s->change == 4)
		return false;
	if (s->role == ROLE_OPERATOR)
		return true;
	switch (s->act) {
	case WRITE_CREATE:
		if (s->kind == WK_LINK || s->kind == WK_FACILITY || !s->fresh_own)
			return false;
		if ((s->kind == WK_CONSENT || s->kind == WK_COMPREHENSIVE || s->kind == WK_REFUSAL ||
		     s->kind == WK_CARE_TEAM) &&
		    !s->registered)
			return false;
		return true;
	case WRITE_UPDATE:
		if (s->kind == WK_LINK || !s->stored_own)
			return false;
		if (s->kind == WK_CARE_TEAM && !s->fresh_own && !s->fresh_owner_registered)
			return false;
		if (s->kind == WK_FACILITY && s->change == 6)
			return false;
		return true;
	case WRITE_DELETE:
		if (s->kind == WK_LINK || s->kind == WK_FACILITY || s->kind == WK_REFUSAL)
			return false;
		return s->stored_own;
	default: return false;
	}
}

/* ---- building the two sides ---------------------------------------------------- */

static void fill(struct write_record *w, enum write_kind k, const char *owner, const char *rid)
{
	memset(w, 0, sizeof *w);
	w->kind = k;
	w->cat = k == WK_CLINICAL ? CAT_LAB : k == WK_REGISTRATION ? CAT_DEMOGRAPHICS : CAT_CONSENT;
	w->owner = owner;
	w->regional_id = (k == WK_FACILITY || k == WK_ORGANIZATION || k == WK_PRACTITIONER || k == WK_LINK) ? "" : rid;
	w->active = true;
	w->attachment = "form-1";
	w->facility_kind = "clinic";
	w->facility_area = "長野県松本市";
}

static bool decide(const struct scenario *s, enum write_reason *why)
{
	struct write_record stored, fresh;
	const char *fresh_owner = s->fresh_own ? F : (s->kind == WK_CARE_TEAM && s->fresh_owner_registered ? X : O);
	fill(&stored, s->kind, s->stored_own ? F : O, RID);
	fill(&fresh, s->kind, fresh_owner, RID);
	switch (s->change) {
	case 1:
		fresh.kind = (enum write_kind)((s->kind + 1) % WK_COUNT_);
		fresh.cat = stored.cat;
		break;
	case 2:
		if (stored.regional_id[0])
			fresh.regional_id = RID2;
		else
			fresh.kind =
				(enum write_kind)((s->kind + 1) % WK_COUNT_); /* no patient to move: make it fail */
		break;
	case 3: fresh.names_regional = true; break;
	case 4: fresh.active = false; break;
	case 5:
		fresh.active = false;
		fresh.attachment = "form-2";
		break;
	case 6: fresh.facility_kind = "hospital"; break;
	}
	/* The patient is registered at a fourth facility, at F when s->registered,
	 * and at X (the new owner of a care team handed over) when
	 * s->fresh_owner_registered; never at O. */
	const char *reg[3] = {"1310000004"};
	struct access_patient p = {.regional_id = RID, .registered = reg, .n_registered = 1};
	if (s->registered)
		reg[p.n_registered++] = F;
	if (s->fresh_owner_registered)
		reg[p.n_registered++] = X;
	struct access_principal who = {.role = s->role, .facility = F, .account = "acct"};
	struct write_decision d = access_decide_write(&who, s->act, &p, s->act == WRITE_CREATE ? NULL : &stored,
						      s->act == WRITE_DELETE ? NULL : &fresh);
	*why = d.reason;
	if (d.permit != (d.reason == WR_PERMIT))
		fail_msg("permit and reason disagree");
	return d.permit;
}

static void test_matrix(void **state)
{
	(void)state;
	int checked = 0;
	for (int r = 0; r < ROLE_COUNT_; r++)
		for (int k = 0; k < WK_COUNT_; k++)
			for (int a = 0; a < WRITE_ACTION_COUNT_; a++)
				for (int bits = 0; bits < 16; bits++)
					for (int change = 0; change <= 6; change++) {
						struct scenario s = {
							.role = (enum role)r,
							.kind = (enum write_kind)k,
							.act = (enum write_action)a,
							.stored_own = bits & 1,
							.fresh_own = (bits >> 1) & 1,
							.registered = (bits >> 2) & 1,
							.fresh_owner_registered = (bits >> 3) & 1,
							.change = change,
						};
						if (s.act == WRITE_CREATE &&
						    (s.stored_own || change == 1 || change == 2 || change >= 4))
							continue; /* no stored side */
						if (s.act == WRITE_DELETE && (s.fresh_own || change))
							continue; /* no new side */
						if (change == 6 && s.kind != WK_FACILITY)
							continue;
						if ((change == 4 || change == 5) && s.kind != WK_REFUSAL)
							continue;
						enum write_reason why;
						bool got = decide(&s, &why), want = oracle(&s);
						checked++;
						if (got != want)
							fail_msg(
								"role %s kind %s %s stored_own=%d fresh_own=%d registered=%d "
								"fresh_owner_registered=%d change=%d: got %s (%s), want %s",
								role_info(s.role)->code, write_kind_code(s.kind),
								write_action_code(s.act), s.stored_own, s.fresh_own,
								s.registered, s.fresh_owner_registered, change,
								got ? "permit" : "deny", write_reason_code(why),
								want ? "permit" : "deny");
					}
	assert_true(checked > 5000);
}

/* ---- the findings, by hand ---------------------------------------------- */

static struct write_decision one(enum role r, const char *facility, enum write_action act,
				 const struct write_record *stored, const struct write_record *fresh,
				 const char *const *registered, size_t n)
{
	struct access_patient p = {.regional_id = RID, .registered = registered, .n_registered = n};
	struct access_principal who = {.role = r, .facility = facility, .account = "acct"};
	return access_decide_write(&who, act, &p, stored, fresh);
}

static void test_findings(void **state)
{
	(void)state;
	const char *const at_f_and_o[] = {F, O};
	struct write_record stored, fresh;

	/* 1. A clinic names someone's regional ID in a new registration. */
	fill(&fresh, WK_REGISTRATION, F, RID);
	fresh.names_regional = true;
	struct write_decision d = one(ROLE_CLERK, F, WRITE_CREATE, NULL, &fresh, at_f_and_o, 2);
	assert_false(d.permit);
	assert_int_equal(d.reason, WR_REGIONAL_ID);
	d = one(ROLE_SYSTEM, F, WRITE_CREATE, NULL, &fresh, at_f_and_o, 2);
	assert_int_equal(d.reason, WR_REGIONAL_ID);

	/* 2. A pharmacy rewrites another patient's refusal to one of its own patients. */
	fill(&stored, WK_REFUSAL, O, RID);
	fill(&fresh, WK_REFUSAL, F, RID2);
	d = one(ROLE_PHARMACIST, F, WRITE_UPDATE, &stored, &fresh, at_f_and_o, 2);
	assert_false(d.permit);
	/* ... or empties another facility's care team. */
	fill(&stored, WK_CARE_TEAM, O, RID);
	fill(&fresh, WK_CARE_TEAM, O, RID);
	d = one(ROLE_PHARMACIST, F, WRITE_UPDATE, &stored, &fresh, at_f_and_o, 2);
	assert_int_equal(d.reason, WR_NOT_OWNER);

	/* 3. A care manager where the patient is registered withdraws O's refusal. */
	fill(&stored, WK_REFUSAL, O, RID);
	fill(&fresh, WK_REFUSAL, O, RID);
	fresh.active = false;
	fresh.attachment = "withdrawal";
	d = one(ROLE_CARE_MANAGER, F, WRITE_UPDATE, &stored, &fresh, at_f_and_o, 2);
	assert_int_equal(d.reason, WR_NOT_OWNER);
	/* O itself, without the signed withdrawal: refused; with it: permitted. */
	fresh.attachment = stored.attachment;
	d = one(ROLE_CLERK, O, WRITE_UPDATE, &stored, &fresh, at_f_and_o, 2);
	assert_int_equal(d.reason, WR_NEEDS_FORM);
	d = one(ROLE_OPERATOR, "", WRITE_UPDATE, &stored, &fresh, at_f_and_o, 2);
	assert_int_equal(d.reason, WR_NEEDS_FORM);
	fresh.attachment = "withdrawal";
	assert_true(one(ROLE_CLERK, O, WRITE_UPDATE, &stored, &fresh, at_f_and_o, 2).permit);
	assert_true(one(ROLE_OPERATOR, "", WRITE_UPDATE, &stored, &fresh, at_f_and_o, 2).permit);
	/* Narrowing a refusal in force (its terms change, it stays active) also needs a new form;
	 * a change that leaves its terms alone (a note) does not. */
	fill(&fresh, WK_REFUSAL, O, RID);
	stored.terms = "refuses-all";
	fresh.terms = "refuses-one-viewer";
	assert_int_equal(one(ROLE_CLERK, O, WRITE_UPDATE, &stored, &fresh, at_f_and_o, 2).reason, WR_NEEDS_FORM);
	fresh.attachment = "new-form";
	assert_true(one(ROLE_CLERK, O, WRITE_UPDATE, &stored, &fresh, at_f_and_o, 2).permit);
	fresh.attachment = stored.attachment;
	fresh.terms = stored.terms;
	assert_true(one(ROLE_CLERK, O, WRITE_UPDATE, &stored, &fresh, at_f_and_o, 2).permit);
	stored.terms = fresh.terms = NULL;
	/* ... nor records an individual consent from O to itself. */
	fill(&fresh, WK_CONSENT, O, RID);
	d = one(ROLE_CARE_MANAGER, F, WRITE_CREATE, NULL, &fresh, at_f_and_o, 2);
	assert_int_equal(d.reason, WR_NOT_OWNER);
	/* ... nor deletes the refusal; the operator may. */
	d = one(ROLE_CLERK, O, WRITE_DELETE, &stored, NULL, at_f_and_o, 2);
	assert_int_equal(d.reason, WR_DELETE_REFUSAL);
	assert_true(one(ROLE_OPERATOR, "", WRITE_DELETE, &stored, NULL, at_f_and_o, 2).permit);

	/* 4. A clinic's administrator makes the clinic a hospital; or takes over O's Practitioner. */
	fill(&stored, WK_FACILITY, F, "");
	fill(&fresh, WK_FACILITY, F, "");
	fresh.facility_kind = "hospital";
	d = one(ROLE_FACILITY_ADMIN, F, WRITE_UPDATE, &stored, &fresh, NULL, 0);
	assert_int_equal(d.reason, WR_OPERATOR_ONLY);
	fresh.facility_kind = stored.facility_kind;
	fresh.facility_area = "東京都千代田区";
	assert_int_equal(one(ROLE_FACILITY_ADMIN, F, WRITE_UPDATE, &stored, &fresh, NULL, 0).reason, WR_OPERATOR_ONLY);
	fresh.facility_area = stored.facility_area;
	fresh.active = false;
	assert_int_equal(one(ROLE_FACILITY_ADMIN, F, WRITE_UPDATE, &stored, &fresh, NULL, 0).reason, WR_OPERATOR_ONLY);
	fresh.active = true;
	assert_true(one(ROLE_FACILITY_ADMIN, F, WRITE_UPDATE, &stored, &fresh, NULL, 0).permit); /* its name, phone */
	fill(&stored, WK_PRACTITIONER, O, "");
	fill(&fresh, WK_PRACTITIONER, F, "");
	d = one(ROLE_FACILITY_ADMIN, F, WRITE_UPDATE, &stored, &fresh, NULL, 0);
	assert_false(d.permit);

	/* Links are the operator's. */
	fill(&stored, WK_LINK, "", "");
	for (int r = 0; r < ROLE_COUNT_; r++)
		assert_int_equal(one((enum role)r, F, WRITE_UPDATE, &stored, &stored, NULL, 0).permit,
				 r == ROLE_OPERATOR);

	/* A care team's lead hands it to a facility where the patient is registered. */
	fill(&stored, WK_CARE_TEAM, F, RID);
	fill(&fresh, WK_CARE_TEAM, O, RID);
	assert_true(one(ROLE_CARE_MANAGER, F, WRITE_UPDATE, &stored, &fresh, at_f_and_o, 2).permit);
	const char *const at_f[] = {F};
	assert_int_equal(one(ROLE_CARE_MANAGER, F, WRITE_UPDATE, &stored, &fresh, at_f, 1).reason, WR_NOT_REGISTERED);

	/* 介護職 and 相談員 write what they read, at their own office: an allergy, the
	 * team's data, registrations, consents and care teams; not a condition, a
	 * result or a clinical record, nor the directory. */
	static const enum role care_roles[] = {ROLE_CARE_WORKER, ROLE_SOCIAL_WORKER};
	for (size_t i = 0; i < N_ELEMS(care_roles); i++) {
		enum role r = care_roles[i];
		static const enum record_category reads[] = {CAT_ALLERGY, CAT_COLLAB};
		static const enum record_category not_read[] = {CAT_CONDITION, CAT_MEDICATION, CAT_LAB,
								CAT_CLINICAL,  CAT_IMAGING,    CAT_DOCUMENT};
		fill(&fresh, WK_CLINICAL, F, RID);
		for (size_t c = 0; c < N_ELEMS(reads); c++) {
			fresh.cat = reads[c];
			assert_true(one(r, F, WRITE_CREATE, NULL, &fresh, at_f, 1).permit);
			assert_int_equal(one(r, O, WRITE_CREATE, NULL, &fresh, at_f, 1).reason, WR_NOT_OWNER);
		}
		for (size_t c = 0; c < N_ELEMS(not_read); c++) {
			fresh.cat = not_read[c];
			assert_int_equal(one(r, F, WRITE_CREATE, NULL, &fresh, at_f, 1).reason, WR_ROLE);
		}
		static const enum write_kind staff_kinds[] = {WK_REGISTRATION, WK_CONSENT, WK_COMPREHENSIVE, WK_REFUSAL,
							      WK_CARE_TEAM};
		for (size_t k = 0; k < N_ELEMS(staff_kinds); k++) {
			fill(&fresh, staff_kinds[k], F, RID);
			assert_true(one(r, F, WRITE_CREATE, NULL, &fresh, at_f, 1).permit);
		}
		static const enum write_kind directory[] = {WK_FACILITY, WK_ORGANIZATION, WK_PRACTITIONER, WK_LINK};
		for (size_t k = 0; k < N_ELEMS(directory); k++) {
			fill(&stored, directory[k], F, "");
			assert_int_equal(one(r, F, WRITE_UPDATE, &stored, &stored, at_f, 1).reason, WR_ROLE);
		}
	}

	/* Malformed calls are denied, never permitted. */
	assert_false(one(ROLE_OPERATOR, "", WRITE_CREATE, &stored, &fresh, at_f, 1).permit);
	assert_false(one(ROLE_OPERATOR, "", WRITE_UPDATE, NULL, &fresh, at_f, 1).permit);
	assert_false(one(ROLE_OPERATOR, "", WRITE_DELETE, &stored, &fresh, at_f, 1).permit);
	assert_false(one(ROLE_OPERATOR, "", WRITE_DELETE, NULL, NULL, at_f, 1).permit);
	assert_false(one(ROLE_OPERATOR, "", (enum write_action)7, NULL, &fresh, at_f, 1).permit);
	assert_false(one((enum role)99, F, WRITE_CREATE, NULL, &fresh, at_f, 1).permit);
}

static void test_reasons(void **state)
{
	(void)state;
	for (int r = 0; r < WR_COUNT_; r++) {
		assert_true(write_reason_code((enum write_reason)r)[0] != '\0');
		assert_true(strlen(write_reason_text((enum write_reason)r)) > 5);
		enum rk_status st = write_reason_status((enum write_reason)r);
		assert_true(r == WR_PERMIT ? st == RK_OK : st == RK_FORBIDDEN || st == RK_INVALID);
	}
	assert_string_equal(write_reason_code(WR_NOT_OWNER), "not_owner");
	assert_int_equal(write_reason_status(WR_NOT_OWNER), RK_FORBIDDEN);
	assert_int_equal(write_reason_status(WR_NEEDS_FORM), RK_INVALID);
	assert_string_equal(write_reason_code((enum write_reason)99), "");
}

static void test_table(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	access_write_write_table(f);
	fclose(f);
	for (int k = 0; k < WK_COUNT_; k++)
		if (!strstr(text, write_kind_ja((enum write_kind)k)))
			fail_msg("the table lacks %s", write_kind_code((enum write_kind)k));
	int rows = 0;
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		rows++;
	assert_int_equal(rows, WK_COUNT_ + 2);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
