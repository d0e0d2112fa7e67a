/* purge.h — attachments uploaded for a post that was never written: a photo
 * chosen on the tablet and then not sent stays in collab_attachment, served
 * to nobody but its uploader. The scheduler's job collab-attachment-purge
 * deletes those a day old that no record of the person names — no post, no
 * visit record, no form, in any version (the history keeps what it named).
 * One audit entry per run names how many were deleted. */
#ifndef RENKEI_COLLAB_PURGE_H
#define RENKEI_COLLAB_PURGE_H

#include "sched/sched.h"

#define COLLAB_ATTACHMENT_GRACE_MS ((int64_t)24 * 3600 * 1000) /* an upload is kept this long unnamed */

enum rk_status collab_attachment_purge_run(const struct sched_env *env, int64_t now, struct sched_result *res,
					   struct rk_err *err);

#endif
