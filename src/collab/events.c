/* events.c — the live-update hub of the care team's timelines (see events.h).
 * One thread polls the resource table for Communication versions newer than
 * its watermark (with an overlap for commits that land late, and a short
 * memory of what was announced, so each version is announced once), maps
 * each to the person's regional ID, and appends an event to every
 * subscription that lists the person. A subscription's reader gives what is
 * queued, or asks the transport to suspend the connection until more is. */
#include "collab/events.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/time.h"
#include "store/store.h"

#define OVERLAP_MS  2000        /* commits may land this late behind their last_updated */
#define SEEN_MAX    8192        /* versions remembered to announce each once */
#define QUEUE_BYTES (16u << 10) /* what waits for one slow subscriber */
#define POLL_ROWS   500         /* posts read per page of a look */
#define POLL_PAGES  40          /* pages per look: a burst beyond is read at the next look */
#define POLL_PEOPLE 4096        /* people announced per look (more: the rest at the next) */

struct collab_sub {
	pthread_mutex_t mu;
	char **ids; /* regional IDs, sorted */
	size_t n;
	struct buf out; /* SSE text not yet read (at most QUEUE_BYTES) */
	bool waiting, ended;
	int64_t expires;
	struct collab_transport t;
	struct collab_sub *prev, *next;
};

struct seen {
	char id[72];
	int64_t version_ms;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool running, stopping;
	const struct config *cfg;
	struct collab_sub *subs;
	int64_t watermark, last_beat;
	struct seen seen[SEEN_MAX];
	size_t n_seen;
} hub = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append text to s and wake its connection; under s->mu. */
static void push_locked(struct collab_sub *s, const char *text)
{
	if (s->ended)
		return;
	if (s->out.len + strlen(text) <= QUEUE_BYTES)
		buf_puts(&s->out, text); /* past the bound a slow reader misses events; the page reloads on reconnect */
	if (s->waiting) {
		s->waiting = false;
		s->t.resume(s->t.w);
	}
}

static void end_locked(struct collab_sub *s)
{
	s->ended = true;
	if (s->waiting) {
		s->waiting = false;
		s->t.resume(s->t.w);
	}
}

struct collab_sub *collab_subscribe(const char *const *regional_ids, size_t n, int64_t now)
{
	pthread_mutex_lock(&hub.mu);
	bool running = hub.running && !hub.stopping;
	pthread_mutex_unlock(&hub.mu);
	if (!running)
		return NULL;
	struct collab_sub *s = calloc(1, sizeof *s);
	if (!s)
		rk_oom();
	pthread_mutex_init(&s->mu, NULL);
	s->ids = calloc(n + 1, sizeof *s->ids);
	if (!s->ids)
		rk_oom();
	for (size_t i = 0; i < n; i++)
		if (!(s->ids[i] = strdup(regional_ids[i])))
			rk_oom();
	s->n = n;
	qsort(s->ids, n, sizeof *s->ids, cmp_str);
	buf_init(&s->out, QUEUE_BYTES + 256);
	/* reconnect after 3 s; the first bytes open the stream at once */
	buf_puts(&s->out, "retry: 3000\n: subscribed\n\n");
	s->expires = now + COLLAB_STREAM_MS;
	pthread_mutex_lock(&hub.mu);
	s->next = hub.subs;
	if (hub.subs)
		hub.subs->prev = s;
	hub.subs = s;
	pthread_mutex_unlock(&hub.mu);
	return s;
}

void collab_sub_attach(struct collab_sub *s, const struct collab_transport *t)
{
	pthread_mutex_lock(&s->mu);
	s->t = *t;
	pthread_mutex_unlock(&s->mu);
}

long collab_sub_read(struct collab_sub *s, char *buf, size_t max)
{
	pthread_mutex_lock(&s->mu);
	long n = 0;
	if (s->out.len) {
		size_t k = s->out.len < max ? s->out.len : max;
		memcpy(buf, s->out.data, k);
		memmove(s->out.data, s->out.data + k, s->out.len - k); /* what is left moves to the front */
		s->out.len -= k;
		s->out.data[s->out.len] = '\0';
		n = (long)k;
	} else if (s->ended) {
		n = -1;
	} else {
		s->waiting = true; /* under the lock: a push cannot resume before the suspend */
		s->t.suspend(s->t.w);
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}

void collab_unsubscribe(struct collab_sub *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&hub.mu);
	if (s->prev)
		s->prev->next = s->next;
	else if (hub.subs == s)
		hub.subs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	pthread_mutex_unlock(&hub.mu);
	for (size_t i = 0; i < s->n; i++)
		free(s->ids[i]);
	free(s->ids);
	buf_free(&s->out);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static bool seen_before(const char *id, int64_t version_ms)
{
	for (size_t i = 0; i < hub.n_seen; i++)
		if (hub.seen[i].version_ms == version_ms && strcmp(hub.seen[i].id, id) == 0)
			return true;
	return false;
}

static void remember(const char *id, int64_t version_ms)
{
	if (hub.n_seen == SEEN_MAX) { /* forget what fell behind the overlap, else the oldest half */
		size_t k = 0;
		for (size_t i = 0; i < hub.n_seen; i++)
			if (hub.seen[i].version_ms >= hub.watermark - OVERLAP_MS && k < SEEN_MAX / 2)
				hub.seen[k++] = hub.seen[i];
		hub.n_seen = k;
	}
	snprintf(hub.seen[hub.n_seen].id, sizeof hub.seen[hub.n_seen].id, "%s", id);
	hub.seen[hub.n_seen++].version_ms = version_ms;
}

/* Tell the subscribers of regional that its timeline changed; under hub.mu. */
static void announce(const char *regional)
{
	char ev[160];
	snprintf(ev, sizeof ev, "event: post\ndata: {\"patient\":\"%s\"}\n\n", regional);
	const char *key = regional;
	for (struct collab_sub *s = hub.subs; s; s = s->next) {
		if (!bsearch(&key, s->ids, s->n, sizeof *s->ids, cmp_str))
			continue;
		pthread_mutex_lock(&s->mu);
		push_locked(s, ev);
		pthread_mutex_unlock(&s->mu);
	}
}

/* One look at the database: announce the people whose posts were written
 * since the watermark, each person once per look. The rows are read in pages
 * by (last_updated, id), so a burst larger than a page (a transaction Bundle
 * of hundreds of posts, all of one millisecond) is read through instead of
 * being read again at every look. */
static void poll_once(struct store *st)
{
	struct rk_err err;
	rk_err_clear(&err);
	int64_t top = hub.watermark, cursor_at = hub.watermark - OVERLAP_MS;
	char cursor_id[72] = "";
	char(*people)[64] = calloc(POLL_PEOPLE, sizeof *people);
	size_t n_people = 0;
	bool full = false;
	if (!people)
		return;
	for (int page = 0; page < POLL_PAGES; page++) {
		struct store_stmt *q;
		if (store_prepare(
			    st,
			    "SELECT r.id, r.last_updated, l.regional_id FROM resource r JOIN patient_link l "
			    "ON l.patient_id = r.patient_id WHERE r.type = 'Communication' AND (r.last_updated > ? "
			    "OR (r.last_updated = ? AND r.id > ?)) ORDER BY r.last_updated, r.id LIMIT ?",
			    &q, &err) != RK_OK) {
			log_event(LOG_WARN, "collab.events_poll", "error", err.msg, NULL);
			break;
		}
		store_bind_i64(q, 1, cursor_at);
		store_bind_i64(q, 2, cursor_at);
		store_bind_text(q, 3, str_c(cursor_id));
		store_bind_i64(q, 4, POLL_ROWS);
		bool row = false;
		int rows = 0;
		while (store_step(q, &row, &err) == RK_OK && row) {
			char id[72], regional[64];
			struct str v = store_col_text(q, 0), r = store_col_text(q, 2);
			int64_t at = store_col_i64(q, 1);
			snprintf(id, sizeof id, "%.*s", (int)v.len, v.ptr ? v.ptr : "");
			snprintf(regional, sizeof regional, "%.*s", (int)r.len, r.ptr ? r.ptr : "");
			size_t k = 0;
			while (k < n_people && strcmp(people[k], regional) != 0)
				k++;
			if (k == POLL_PEOPLE) {
				full = true; /* this row and the rest: at the next look */
				break;
			}
			rows++;
			cursor_at = at;
			snprintf(cursor_id, sizeof cursor_id, "%s", id);
			if (at > top)
				top = at;
			pthread_mutex_lock(&hub.mu);
			bool fresh = !seen_before(id, at);
			if (fresh)
				remember(id, at);
			pthread_mutex_unlock(&hub.mu);
			if (fresh && k == n_people)
				snprintf(people[n_people++], sizeof people[0], "%s", regional);
		}
		store_done(q);
		if (full || rows < POLL_ROWS)
			break;
	}
	pthread_mutex_lock(&hub.mu);
	for (size_t k = 0; k < n_people; k++)
		announce(people[k]);
	pthread_mutex_unlock(&hub.mu);
	free(people);
	hub.watermark = top;
}

/* Heartbeats, and the end of subscriptions past their life; under hub.mu. */
static void tend(int64_t now)
{
	bool beat = now - hub.last_beat >= COLLAB_HEARTBEAT_MS;
	if (beat)
		hub.last_beat = now;
	for (struct collab_sub *s = hub.subs; s; s = s->next) {
		pthread_mutex_lock(&s->mu);
		if (now >= s->expires)
			end_locked(s);
		else if (beat)
			push_locked(s, ": keepalive\n\n");
		pthread_mutex_unlock(&s->mu);
	}
}

static void *hub_main(void *arg)
{
	(void)arg;
	struct store *st = NULL;
	pthread_mutex_lock(&hub.mu);
	while (!hub.stopping) {
		pthread_mutex_unlock(&hub.mu);
		if (!st) {
			struct rk_err err;
			rk_err_clear(&err);
			struct store_options opt = {.busy_timeout_ms = (int)hub.cfg->store_busy_timeout_ms};
			if (store_open(hub.cfg->store_url, &opt, &st, &err) != RK_OK) {
				log_event(LOG_WARN, "collab.events_store", "error", err.msg, NULL);
				st = NULL;
			}
		}
		bool any;
		pthread_mutex_lock(&hub.mu);
		any = hub.subs != NULL;
		pthread_mutex_unlock(&hub.mu);
		if (st && any)
			poll_once(st);
		else
			hub.watermark = time_now_ms() - OVERLAP_MS; /* nobody listens: nothing to announce later */
		pthread_mutex_lock(&hub.mu);
		tend(time_now_ms());
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)COLLAB_POLL_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		if (!hub.stopping)
			pthread_cond_timedwait(&hub.cv, &hub.mu, &until);
	}
	pthread_mutex_unlock(&hub.mu);
	store_close(st);
	return NULL;
}

enum rk_status collab_events_start(const struct config *cfg, struct rk_err *err)
{
	pthread_mutex_lock(&hub.mu);
	hub.cfg = cfg;
	hub.stopping = false;
	hub.watermark = time_now_ms();
	hub.last_beat = hub.watermark;
	hub.n_seen = 0;
	int rc = pthread_create(&hub.thread, NULL, hub_main, NULL);
	hub.running = rc == 0;
	pthread_mutex_unlock(&hub.mu);
	return rc == 0 ? RK_OK : rk_fail(err, RK_INTERNAL, "cannot start the live-update thread");
}

void collab_events_stop(void)
{
	pthread_mutex_lock(&hub.mu);
	if (!hub.running) {
		pthread_mutex_unlock(&hub.mu);
		return;
	}
	hub.stopping = true;
	for (struct collab_sub *s = hub.subs; s; s = s->next) {
		pthread_mutex_lock(&s->mu);
		end_locked(s);
		pthread_mutex_unlock(&s->mu);
	}
	pthread_cond_broadcast(&hub.cv);
	pthread_mutex_unlock(&hub.mu);
	pthread_join(hub.thread, NULL);
	pthread_mutex_lock(&hub.mu);
	hub.running = false;
	pthread_mutex_unlock(&hub.mu);
}
