/* collab.h — 多職種連携, the care team's workspace on a patient: whose teams a
 * member of staff belongs to (担当患者), the posts of a patient's timeline
 * (Communication) with their thread, mentions and 要返信, and read receipts.
 * The posts themselves are FHIR Communication resources written through
 * fhir/ (validated, versioned, guarded, audited); this module reads them and
 * keeps the receipts. It decides nothing about access: callers pass each
 * post through access_check() before it counts or shows. Thread-compatible
 * (the caller's store connection). */
#ifndef RENKEI_COLLAB_COLLAB_H
#define RENKEI_COLLAB_COLLAB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

/* The regional IDs of the patients whose care teams include the account now:
 * as a member in person, or through its facility (a member without a person
 * named), within the member's period, the team active. */
struct collab_team_patient {
	const char *regional_id;
	const char *careteam_id;
	int64_t joined; /* ms: the member's period start */
};
enum rk_status collab_my_patients(struct store *s, const char *facility, const char *account, int64_t now,
				  struct arena *a, struct collab_team_patient **out, size_t *n, struct rk_err *err);

/* Is the account on one of the person's care teams now (as collab_my_patients
 * counts it)? */
enum rk_status collab_on_team(struct store *s, const char *facility, const char *account, const char *regional_id,
			      int64_t now, bool *out, struct rk_err *err);

/* Unread, overdue and latest posts about a person, in groups of one source
 * facility and one registration, for the caller to keep the groups its
 * principal may see (a post's access decision depends on nothing else).
 * Withdrawn posts do not count. me: the principal's "Practitioner/<id>" ("" when
 * none); its own posts are neither unread nor overdue to it. Overdue: 要返信
 * past its due time that no post (not withdrawn) answers. */
struct collab_count {
	const char *source, *patient_id;
	int64_t unread, overdue, latest; /* latest: ms of the newest post's sent */
};
enum rk_status collab_counts(struct store *s, const char *regional_id, const char *account, const char *me, int64_t now,
			     struct arena *a, struct collab_count **out, size_t *n, struct rk_err *err);

/* The inbox (受信箱) of a member of staff: the posts of the teams it belongs
 * to now that may need it — a post that names someone or asks for a reply,
 * and every reply — newest first, sent at or after since, not its own
 * (me), not withdrawn; at most limit. Not access-checked, and not yet
 * matched to the account: the caller keeps what names it (collab_names_me)
 * and what its principal may see. parent_sender: the sender of the post a
 * reply answers. */
struct collab_inbox_row {
	const char *comm_id, *source, *patient_id, *regional_id;
	const char *sender, *reply_to, *parent_sender, *mentions;
	int64_t sent, reply_by;
	bool read, answered;
};
enum rk_status collab_inbox(struct store *s, const char *facility, const char *account, const char *me, int64_t now,
			    int64_t since, size_t limit, struct arena *a, struct collab_inbox_row **out, size_t *n,
			    struct rk_err *err);

/* Whom a post's mentions (' '-separated, as collab_post keeps them) name: a
 * reference to the member of staff (me, "Practitioner/<id>") or to its
 * facility (org, "Organization/<id>"), or an @name that begins the person's
 * name, its profession (role_ja: "@訪問看護" names 訪問看護師) or its
 * facility's name. Spaces are not compared. */
bool collab_names_me(const char *mentions, const char *me, const char *org, const char *name, const char *role_ja,
		     const char *facility_name);

/* The Organization id of a facility ("" when none). */
enum rk_status collab_facility_org(struct store *s, const char *facility, struct arena *a, const char **out,
				   struct rk_err *err);

/* The latest visit record (訪問記録: a QuestionnaireResponse of the visit
 * form, not withdrawn) about a person, by source facility and registration
 * (for the caller to keep the groups its principal may see): when it was
 * written (authored), ms. form_url: the visit form's canonical URL. */
struct collab_visit_group {
	const char *source, *patient_id;
	int64_t latest;
};
enum rk_status collab_latest_visits(struct store *s, const char *regional_id, const char *form_url, struct arena *a,
				    struct collab_visit_group **out, size_t *n, struct rk_err *err);

/* Record that account read post comm_id (about patient_id) at now; reading
 * again keeps the first time. */
enum rk_status collab_mark_read(struct store *s, const char *account, struct str comm_id, struct str patient_id,
				int64_t now, struct rk_err *err);

/* The people the post's team is made of now, and when each read it: the
 * named members, and every active account of a member facility (a member
 * without a person named) whose role reads the collaboration data. */
struct collab_reader {
	const char *account, *name, *role, *facility, *facility_name;
	int64_t read_at; /* 0: not read */
};
enum rk_status collab_readers(struct store *s, const char *regional_id, struct str comm_id, int64_t now,
			      struct arena *a, struct collab_reader **out, size_t *n, struct rk_err *err);

/* The members of the person's care teams, current and former, by team:
 * facility (and the person, when one is named), period, whether the facility
 * leads the team. Ordered by team, then seq. */
struct collab_member {
	const char *careteam_id, *facility, *facility_name, *facility_kind;
	const char *account, *name, *role; /* "" when the whole facility is the member */
	int64_t start, end;                /* ms; RK_TIME_MIN_MS / RK_TIME_MAX_MS when open */
	bool active, lead;
};
enum rk_status collab_members(struct store *s, const char *regional_id, struct arena *a, struct collab_member **out,
			      size_t *n, struct rk_err *err);

/* A page of the person's timeline, newest first: the posts (Communication,
 * withdrawn ones too) sent before (before_ms, before_id) — (0, "") for the
 * newest — with their stored JSON; at most limit; not access-checked. Read
 * by the facts' index (collab_post: patient, sent), so a page costs the
 * same in a timeline of 50 posts or of 50,000. */
struct collab_timeline_row {
	const char *id, *source, *patient_id;
	int64_t sent, version;
	struct str body;
};
enum rk_status collab_timeline(struct store *s, const char *regional_id, int64_t before_ms, const char *before_id,
			       size_t limit, struct arena *a, struct collab_timeline_row **out, size_t *n,
			       struct rk_err *err);

/* The family and other contacts of a person (RelatedPerson, not deleted)
 * as stored, in the order written; not access-checked. body: the JSON. */
struct collab_contact {
	const char *id, *source, *patient_id;
	struct str body;
	int64_t version;
};
enum rk_status collab_contacts(struct store *s, const char *regional_id, struct arena *a, struct collab_contact **out,
			       size_t *n, struct rk_err *err);

/* The registrations (Patient ids and their facilities) of a person. */
struct collab_registration {
	const char *patient_id, *facility;
};
enum rk_status collab_registrations(struct store *s, const char *regional_id, struct arena *a,
				    struct collab_registration **out, size_t *n, struct rk_err *err);

/* An attachment of the team's posts, as kept (see attach.h). */
struct collab_attachment {
	const char *id, *regional_id, *account, *facility, *content_type, *title, *sha1;
	int64_t size, created_at;
	struct str bytes, thumb; /* base64 */
};
enum rk_status collab_attachment_put(struct store *s, const struct collab_attachment *a, struct rk_err *err);
/* RK_NOT_FOUND when there is none. with_bytes: also the bytes (else empty). */
enum rk_status collab_attachment_get(struct store *s, struct str id, bool with_bytes, struct arena *a,
				     struct collab_attachment *out, struct rk_err *err);
/* The current records of the person (posts, visit records, forms, of any
 * type) whose JSON names the attachment's URL — whoever may read one of them
 * may fetch it; not access-checked. At most RK_MAX_COLLAB_NAMING. */
struct collab_record {
	const char *type, *id, *source, *patient_id;
	int64_t version;
};
enum rk_status collab_attachment_records(struct store *s, const char *regional_id, const char *url, struct arena *a,
					 struct collab_record **out, size_t *n, struct rk_err *err);

/* The Practitioner id of an account ("" when none). */
enum rk_status collab_practitioner_of(struct store *s, const char *account, struct arena *a, const char **out,
				      struct rk_err *err);

#endif
