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

/* The extension of a post that asks for a reply (要返信) by a time:
 * valueDateTime is the due time. */
#define COLLAB_REPLY_BY_EXT "urn:renkei:StructureDefinition:reply-requested-by"

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

/* A post of a patient's timeline, as stored (not yet access-checked). */
struct collab_post {
	const char *id;
	const char *source;     /* source facility */
	const char *patient_id; /* the Patient registration */
	const char *sender;     /* "Practitioner/<id>" ("" when none) */
	const char *reply_to;   /* "Communication/<id>" of inResponseTo[0] ("" when none) */
	const char *status;
	int64_t sent;     /* ms (last_updated when sent is absent) */
	int64_t reply_by; /* ms of 要返信's due time; 0 when no reply is asked */
	bool read;        /* the account has a receipt */
};
/* Every post about the person's registrations (not deleted), newest first,
 * with whether account has read it. At most RK_MAX_COLLAB_POSTS. */
enum rk_status collab_posts(struct store *s, const char *regional_id, const char *account, struct arena *a,
			    struct collab_post **out, size_t *n, struct rk_err *err);

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
/* The posts about the person that name the attachment's URL (to decide who
 * may fetch it); not access-checked. */
enum rk_status collab_attachment_posts(struct store *s, const char *regional_id, const char *url, struct arena *a,
				       struct collab_post **out, size_t *n, struct rk_err *err);

/* The Practitioner id of an account ("" when none). */
enum rk_status collab_practitioner_of(struct store *s, const char *account, struct arena *a, const char **out,
				      struct rk_err *err);

#endif
