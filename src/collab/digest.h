/* digest.h — the daily digest of the care teams (多職種連携): once a period
 * (the scheduler's job collab-digest), every member of staff on a team who
 * has unread or overdue posts gets one line through the operator's hook
 * (collab.digest_command: a command run by /bin/sh, one JSON line per member
 * on its standard input — it mails them or posts them to a webhook). A line
 * carries the account, its name and facility, the two counts and a link to
 * 担当患者一覧; never a patient's name, ID or post: what needs the member is
 * read in renkei, behind its login, its access decision and its audit.
 *
 * The counts are what 担当患者一覧 would show the member now: each person's
 * posts pass the access decision as that member. One audit entry per run
 * (event collab-digest) names how many members the hook was given. */
#ifndef RENKEI_COLLAB_DIGEST_H
#define RENKEI_COLLAB_DIGEST_H

#include "sched/sched.h"

/* The job (sched/jobs.c): RK_OK with "no collab.digest_command" when no hook
 * is configured; a hook that fails (exit status not 0) fails the run, which
 * the scheduler reports and tries again at the next period. */
enum rk_status collab_digest_run(const struct sched_env *env, int64_t now, struct sched_result *res,
				 struct rk_err *err);

#endif
