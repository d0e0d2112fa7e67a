/* decide_write.c — the write decision, pure: one table row per kind of
 * record, then a few comparisons of the stored version with the new one.
 *
 * In order:
 *   1. the role must write the kind at all (the operator only the kinds the
 *      operator keeps);
 *   2. what no one may do: turn a record into another kind, move it to
 *      another patient or another facility, name a regional ID in a
 *      registration, withdraw a refusal without the patient's signed form;
 *   3. the operator may do the rest;
 *   4. a facility writes what it owns: it creates records it will own (some
 *      only for a patient registered there), changes and deletes the records
 *      it owns (the stored version's owner), and nothing of what only the
 *      operator keeps (a facility's kind, area and taking part; links). */
#include "access/decide_write.h"

#include <string.h>

#define R(role) (1u << (role))
#define STAFF                                                                                                     \
	(R(ROLE_DOCTOR) | R(ROLE_DENTIST) | R(ROLE_PHARMACIST) | R(ROLE_NURSE) | R(ROLE_VISITING_NURSE) |         \
	 R(ROLE_CARE_MANAGER) | R(ROLE_THERAPIST) | R(ROLE_CARE_WORKER) | R(ROLE_SOCIAL_WORKER) | R(ROLE_CLERK) | \
	 R(ROLE_FACILITY_ADMIN))

enum who {
	NOBODY,     /* no facility: only the operator */
	OWNER,      /* the facility that owns the record (for a create: the one the new record names) */
	REGISTERED, /* a facility where the patient is registered, which then owns it */
};

struct write_rule {
	unsigned roles; /* roles that write it at the owning facility (facility systems: ROLE_SYSTEM) */
	bool readers;   /* roles: those that read the record's category (docs/ACCESS.md table 1) */
	enum who create, change, del;
	bool operator;      /* the network operator creates, changes and deletes it on anyone's behalf */
	bool at_registered; /* the owner must be a facility where the patient is registered */
	bool handover;      /* the owner may hand it to another facility (a care team's lead) */
	bool kept_fields;   /* kind, area and taking part are the operator's (a facility) */
};

static const struct write_rule rules[WK_COUNT_] =
	{
		[WK_CLINICAL] = {.readers = true, .create = OWNER, .change = OWNER, .del = OWNER},
		[WK_REGISTRATION] = {.roles = STAFF | R(ROLE_SYSTEM), .create = OWNER, .change = OWNER, .del = OWNER},
		[WK_LINK] = {.roles = 0, .create = NOBODY, .change = NOBODY, .del = NOBODY, .operator= true },
			     [WK_CONSENT] = {.roles = STAFF | R(ROLE_SYSTEM),
					     .create = OWNER,
					     .change = OWNER,
					     .del = OWNER,
					     .operator= true,
					     .at_registered = true},
			     [WK_COMPREHENSIVE] = {.roles = STAFF | R(ROLE_SYSTEM),
						   .create = REGISTERED,
						   .change = OWNER,
						   .del = OWNER,
						   .operator= true,
						   .at_registered = true},
			     [WK_REFUSAL] = {.roles = STAFF | R(ROLE_SYSTEM),
					     .create = REGISTERED,
					     .change = OWNER,
					     .del = NOBODY,
					     .operator= true,
					     .at_registered = true},
			     [WK_CARE_TEAM] = {.roles = STAFF | R(ROLE_SYSTEM),
					       .create = REGISTERED,
					       .change = OWNER,
					       .del = OWNER,
					       .operator= true,
					       .at_registered = true,
					       .handover = true},
			     [WK_FACILITY] = {.roles = R(ROLE_FACILITY_ADMIN),
					      .create = NOBODY,
					      .change = OWNER,
					      .del = NOBODY,
					      .operator= true,
					      .kept_fields = true},
			     [WK_ORGANIZATION] = {.roles = R(ROLE_FACILITY_ADMIN),
						  .create = OWNER,
						  .change = OWNER,
						  .del = OWNER,
						  .operator= true },
						  [WK_PRACTITIONER] =
							  {
								  .roles = R(ROLE_FACILITY_ADMIN) | R(ROLE_SYSTEM),
								  .create = OWNER,
								  .change = OWNER,
								  .del = OWNER,
								  .operator= true },
						  };

static const char *nz(const char *s)
{
	return s ? s : "";
}

static bool same(const char *a, const char *b)
{
	return strcmp(nz(a), nz(b)) == 0;
}

static bool registered_at(const struct access_patient *p, const char *facility)
{
	if (!p || !facility || !facility[0])
		return false;
	for (size_t i = 0; i < p->n_registered; i++)
		if (same(p->registered[i], facility))
			return true;
	return false;
}

bool access_role_writes(enum role r, enum write_kind k, enum record_category cat)
{
	if ((unsigned)k >= WK_COUNT_ || (unsigned)r >= ROLE_COUNT_)
		return false;
	const struct write_rule *rule = &rules[k];
	if (r == ROLE_OPERATOR)
		return rule->operator;
	if (rule->readers)
		return access_role_allows(r, cat) && r != ROLE_FACILITY_ADMIN && r != ROLE_CLERK;
	return (rule->roles & R(r)) != 0;
}

static struct write_decision deny(enum write_reason r)
{
	return (struct write_decision){false, r};
}

/* The new version of a refusal carries a signed form the stored one did not. */
static bool new_form(const struct write_record *stored, const struct write_record *fresh)
{
	return fresh && fresh->attachment && fresh->attachment[0] && !same(fresh->attachment, stored->attachment);
}

/* Rule 2: what nobody may do. */
static enum write_reason content_rules(const struct write_rule *rule, enum write_action act,
				       const struct write_record *stored, const struct write_record *fresh)
{
	if (stored && fresh && stored->kind != fresh->kind)
		return WR_KIND_CHANGE;
	if (stored && fresh && nz(stored->regional_id)[0] && !same(stored->regional_id, fresh->regional_id))
		return WR_PATIENT_CHANGE;
	if (fresh && fresh->names_regional)
		return WR_REGIONAL_ID;
	if (stored && fresh && !rule->handover && !same(stored->owner, fresh->owner))
		return WR_OWNER_CHANGE;
	/* A refusal in force is withdrawn, narrowed or otherwise changed only with
	 * the patient's signed form; its notes and the like may change freely. */
	if (act == WRITE_UPDATE && stored->kind == WK_REFUSAL && stored->active &&
	    (!fresh->active || !same(stored->terms, fresh->terms)) && !new_form(stored, fresh))
		return WR_NEEDS_FORM;
	return WR_PERMIT;
}

/* Rule 4: a facility writes what it owns. */
static enum write_reason facility_rules(const struct write_rule *rule, const char *F, enum write_action act,
					const struct access_patient *p, const struct write_record *stored,
					const struct write_record *fresh)
{
	switch (act) {
	case WRITE_CREATE:
		if (rule->create == NOBODY)
			return WR_OPERATOR_ONLY;
		if (!same(fresh->owner, F))
			return WR_NOT_OWNER;
		if ((rule->create == REGISTERED || rule->at_registered) && !registered_at(p, F))
			return WR_NOT_REGISTERED;
		return WR_PERMIT;
	case WRITE_UPDATE:
		if (rule->change == NOBODY)
			return WR_OPERATOR_ONLY;
		if (!same(stored->owner, F))
			return WR_NOT_OWNER;
		if (!same(fresh->owner, F) && rule->at_registered && !registered_at(p, fresh->owner))
			return WR_NOT_REGISTERED; /* a care team handed to a facility the patient is not registered at */
		if (rule->kept_fields &&
		    (!same(stored->facility_kind, fresh->facility_kind) ||
		     !same(stored->facility_area, fresh->facility_area) || stored->active != fresh->active))
			return WR_OPERATOR_ONLY;
		return WR_PERMIT;
	case WRITE_DELETE:
		if (rule->del == NOBODY)
			return stored->kind == WK_REFUSAL ? WR_DELETE_REFUSAL : WR_OPERATOR_ONLY;
		return same(stored->owner, F) ? WR_PERMIT : WR_NOT_OWNER;
	default: return WR_ROLE;
	}
}

struct write_decision access_decide_write(const struct access_principal *who, enum write_action act,
					  const struct access_patient *p, const struct write_record *stored,
					  const struct write_record *fresh)
{
	/* A create has no stored version, a delete no new one, an update both. */
	if ((act == WRITE_CREATE && (stored || !fresh)) || (act == WRITE_UPDATE && (!stored || !fresh)) ||
	    (act == WRITE_DELETE && (!stored || fresh)) || (unsigned)act >= WRITE_ACTION_COUNT_)
		return deny(WR_ROLE);
	const struct write_record *any = fresh ? fresh : stored;
	if ((unsigned)any->kind >= WK_COUNT_ || (stored && fresh && (unsigned)stored->kind >= WK_COUNT_))
		return deny(WR_ROLE);
	const struct write_rule *rule = &rules[stored ? stored->kind : fresh->kind];
	if (!access_role_writes(who->role, stored ? stored->kind : fresh->kind, any->cat) ||
	    (stored && fresh && !access_role_writes(who->role, fresh->kind, fresh->cat)))
		return deny(WR_ROLE);
	enum write_reason r = content_rules(rule, act, stored, fresh);
	if (r == WR_PERMIT && who->role != ROLE_OPERATOR)
		r = facility_rules(rule, nz(who->facility), act, p, stored, fresh);
	return r == WR_PERMIT ? (struct write_decision){true, WR_PERMIT} : deny(r);
}

const char *write_reason_code(enum write_reason r)
{
	static const char *const codes[WR_COUNT_] = {
		"permit",         "role",         "not_owner",  "not_registered", "operator_only",  "kind_change",
		"patient_change", "owner_change", "needs_form", "regional_id",    "delete_refusal",
	};
	return (unsigned)r < WR_COUNT_ ? codes[r] : "";
}

const char *write_reason_text(enum write_reason r)
{
	static const char *const texts[WR_COUNT_] = {
		[WR_PERMIT] = "permitted",
		[WR_ROLE] = "this role does not write this kind of record",
		[WR_NOT_OWNER] = "only the facility that owns this record may write it",
		[WR_NOT_REGISTERED] = "the patient is not registered at this facility",
		[WR_OPERATOR_ONLY] = "only the network operator (運用管理者) may do this",
		[WR_KIND_CHANGE] = "a record cannot become another kind of record; withdraw it and record a new one",
		[WR_PATIENT_CHANGE] = "a record cannot move to another patient; create a new one for that patient",
		[WR_OWNER_CHANGE] = "a record cannot move to another facility; the owning facility records a new one",
		[WR_NEEDS_FORM] = "withdrawing or changing a refusal in force needs the patient's signed form attached "
				  "(Consent.sourceAttachment, a new attachment)",
		[WR_REGIONAL_ID] = "a registration cannot name a regional patient ID: registrations of one person are "
				   "linked by the operator's review; omit it (the network assigns one, and queues a "
				   "candidate for review when the person looks registered elsewhere)",
		[WR_DELETE_REFUSAL] = "a refusal is not deleted: withdraw it (status inactive) with the patient's "
				      "signed withdrawal form attached",
	};
	return (unsigned)r < WR_COUNT_ ? texts[r] : "";
}

enum rk_status write_reason_status(enum write_reason r)
{
	switch (r) {
	case WR_PERMIT: return RK_OK;
	case WR_ROLE:
	case WR_NOT_OWNER:
	case WR_NOT_REGISTERED:
	case WR_OPERATOR_ONLY:
	case WR_DELETE_REFUSAL: return RK_FORBIDDEN;
	default: return RK_INVALID;
	}
}

/* ---- the table in docs/ACCESS.md ---------------------------------------- */

static const char *who_text(const struct write_rule *rule, enum who w, bool create)
{
	switch (w) {
	case NOBODY: return "— (運用管理者のみ / operator only)";
	case REGISTERED: return "患者が登録された施設 (a facility where the patient is registered), which then owns it";
	default:
		return create && rule->at_registered ? "所有施設 (its owner), where the patient is registered"
						     : "所有施設 (its owner)";
	}
}

static void roles_text(FILE *f, const struct write_rule *rule)
{
	if (rule->readers) {
		fputs("the roles that read its category (table 1), but 事務 and 施設管理者", f);
		return;
	}
	bool first = true;
	for (int r = 0; r < ROLE_COUNT_; r++)
		if (rule->roles & R(r)) {
			fprintf(f, "%s%s", first ? "" : ", ", role_info((enum role)r)->ja);
			first = false;
		}
	if (first)
		fputs("—", f);
}

void access_write_write_table(FILE *f)
{
	static const char *const owner_of[WK_COUNT_] = {
		[WK_CLINICAL] = "its source facility (the registration it belongs to)",
		[WK_REGISTRATION] = "the facility of its local patient ID",
		[WK_LINK] = "—",
		[WK_CONSENT] = "the disclosing facility S",
		[WK_COMPREHENSIVE] = "the facility that recorded it",
		[WK_REFUSAL] = "the facility that recorded it",
		[WK_CARE_TEAM] = "its lead (managingOrganization)",
		[WK_FACILITY] = "the facility itself",
		[WK_ORGANIZATION] = "the facility that registered it",
		[WK_PRACTITIONER] = "the facility of its staff ID",
	};
	fputs("| record | owner | create | change, withdraw | delete | roles | 運用管理者 (operator) |\n"
	      "|---|---|---|---|---|---|:-:|\n",
	      f);
	for (int k = 0; k < WK_COUNT_; k++) {
		const struct write_rule *rule = &rules[k];
		fprintf(f, "| %s (%s) | %s | %s | %s%s | %s | ", write_kind_ja((enum write_kind)k),
			write_kind_en((enum write_kind)k), owner_of[k], who_text(rule, rule->create, true),
			who_text(rule, rule->change, false),
			rule->handover      ? "; may hand it to another such facility"
			: rule->kept_fields ? "; kind, area and taking part: operator only"
			: k == WK_REFUSAL   ? "; withdrawal with the signed form"
					    : "",
			who_text(rule, rule->del, false));
		roles_text(f, rule);
		fprintf(f, " | %s |\n", rule->operator? "✓" : "·");
	}
}
