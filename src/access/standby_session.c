/* standby_session.c — the standby's in-memory sessions, failure counts and
 * used one-time codes: small arrays under one mutex (a standby serves a
 * region's emergency staff, not its whole day's traffic). */
#include "access/standby_session.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define MAX_FAILURES 8192
#define MAX_STEPS    4096

struct failure_row {
	char login_id[RK_MAX_ACCOUNT_ID + 8];
	char addr[64];
	struct standby_failures f;
};

struct step_row {
	char account[RK_MAX_ACCOUNT_ID];
	int64_t step;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool enabled;
static struct standby_session sessions[STANDBY_MAX_SESSIONS];
static size_t n_sessions;
static struct failure_row failures[MAX_FAILURES];
static size_t n_failures;
static struct step_row steps[MAX_STEPS];
static size_t n_steps;
static struct standby_episode episodes[STANDBY_MAX_EPISODES];
static size_t n_episodes;

void standby_sessions_enable(void)
{
	atomic_store(&enabled, true);
}

bool standby_sessions_on(void)
{
	return atomic_load(&enabled);
}

static struct standby_session *session_find(const char *hash)
{
	for (size_t i = 0; i < n_sessions; i++)
		if (strcmp(sessions[i].hash, hash) == 0)
			return &sessions[i];
	return NULL;
}

bool standby_session_get(const char *hash, struct standby_session *out)
{
	pthread_mutex_lock(&mu);
	struct standby_session *s = session_find(hash);
	if (s)
		*out = *s;
	pthread_mutex_unlock(&mu);
	return s != NULL;
}

void standby_session_put(const struct standby_session *s)
{
	pthread_mutex_lock(&mu);
	struct standby_session *slot = session_find(s->hash);
	if (!slot && n_sessions < STANDBY_MAX_SESSIONS)
		slot = &sessions[n_sessions++];
	if (!slot) { /* full: the ended one, else the least recently used */
		slot = &sessions[0];
		for (size_t i = 1; i < n_sessions && !slot->ended; i++)
			if (sessions[i].ended || sessions[i].last_seen < slot->last_seen)
				slot = &sessions[i];
	}
	*slot = *s;
	pthread_mutex_unlock(&mu);
}

static struct failure_row *failure_find(const char *login_id, const char *addr)
{
	for (size_t i = 0; i < n_failures; i++)
		if (strcmp(failures[i].login_id, login_id) == 0 && strcmp(failures[i].addr, addr) == 0)
			return &failures[i];
	return NULL;
}

void standby_failures_get(const char *login_id, const char *addr, struct standby_failures *out)
{
	pthread_mutex_lock(&mu);
	struct failure_row *r = failure_find(login_id, addr);
	*out = r ? r->f : (struct standby_failures){0};
	pthread_mutex_unlock(&mu);
}

void standby_failures_put(const char *login_id, const char *addr, const struct standby_failures *f)
{
	pthread_mutex_lock(&mu);
	struct failure_row *r = failure_find(login_id, addr);
	if (!r && n_failures < MAX_FAILURES)
		r = &failures[n_failures++];
	if (!r) { /* full: the oldest failure makes room */
		r = &failures[0];
		for (size_t i = 1; i < n_failures; i++)
			if (failures[i].f.last < r->f.last)
				r = &failures[i];
	}
	snprintf(r->login_id, sizeof r->login_id, "%s", login_id);
	snprintf(r->addr, sizeof r->addr, "%s", addr);
	r->f = *f;
	pthread_mutex_unlock(&mu);
}

void standby_failures_clear(const char *login_id)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < n_failures;) {
		if (strcmp(failures[i].login_id, login_id) == 0)
			failures[i] = failures[--n_failures];
		else
			i++;
	}
	pthread_mutex_unlock(&mu);
}

bool standby_totp_claim(const char *account, int64_t step, int64_t db_last)
{
	pthread_mutex_lock(&mu);
	struct step_row *r = NULL;
	for (size_t i = 0; i < n_steps && !r; i++)
		if (strcmp(steps[i].account, account) == 0)
			r = &steps[i];
	bool ok = step > db_last && (!r || step > r->step);
	if (ok) {
		if (!r && n_steps < MAX_STEPS)
			r = &steps[n_steps++];
		if (!r) { /* full: forget the oldest step (the database's last step still guards) */
			r = &steps[0];
			for (size_t i = 1; i < n_steps; i++)
				if (steps[i].step < r->step)
					r = &steps[i];
		}
		snprintf(r->account, sizeof r->account, "%s", account);
		r->step = step;
	}
	pthread_mutex_unlock(&mu);
	return ok;
}

void standby_episode_add(const struct standby_episode *e)
{
	pthread_mutex_lock(&mu);
	size_t slot = n_episodes;
	if (n_episodes < STANDBY_MAX_EPISODES) {
		n_episodes++;
	} else { /* full: the one that ended first makes room */
		slot = 0;
		for (size_t i = 1; i < n_episodes; i++)
			if (episodes[i].expires_at < episodes[slot].expires_at)
				slot = i;
	}
	episodes[slot] = *e;
	pthread_mutex_unlock(&mu);
}

size_t standby_episodes_of(const char *account, int64_t now, struct standby_episode *out, size_t max)
{
	size_t n = 0;
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < n_episodes && n < max; i++)
		if (strcmp(episodes[i].account, account) == 0 && episodes[i].started_at <= now &&
		    episodes[i].expires_at > now)
			out[n++] = episodes[i];
	pthread_mutex_unlock(&mu);
	return n;
}

bool standby_reauth_consume(const char *hash, int64_t now, int64_t fresh_ms)
{
	pthread_mutex_lock(&mu);
	struct standby_session *s = session_find(hash);
	bool ok = s && !s->ended && s->reauth_at > 0 && s->reauth_at >= now - fresh_ms;
	if (ok)
		s->reauth_at = 0;
	pthread_mutex_unlock(&mu);
	return ok;
}
