/* events.h — live updates of the care team's timelines (多職種連携): a hub in
 * `renkei serve` that notices new and changed posts (Communication) in the
 * database — whichever server wrote them — and tells the subscribers whose
 * teams include the person, as Server-Sent Events. An event carries only the
 * person's regional ID ("data: {\"patient\":\"…\"}"): the page then reads
 * what changed through the audited, access-checked API. A subscription lists
 * the people at its start and ends after COLLAB_STREAM_MS (the browser
 * reconnects), so a member who leaves a team stops hearing of it.
 * Thread-safe. */
#ifndef RENKEI_COLLAB_EVENTS_H
#define RENKEI_COLLAB_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"

#define COLLAB_STREAM_MS    (5 * 60 * 1000) /* a subscription's life; the browser reconnects */
#define COLLAB_HEARTBEAT_MS 20000           /* a comment line keeps idle connections open */
#define COLLAB_POLL_MS      500             /* how often the hub looks for new posts */
#define COLLAB_MAX_QUEUE    64              /* events waiting for a slow subscriber; more are dropped */

/* Start the hub's thread (its own database connection); RK_OK or why not. */
enum rk_status collab_events_start(const struct config *cfg, struct rk_err *err);
/* End every subscription (their connections are resumed and finish) and
 * stop the thread. Call before the HTTP server stops. */
void collab_events_stop(void);

/* How the transport suspends a connection with nothing to send and resumes
 * it when something arrives; both are called under the subscription's lock. */
struct collab_transport {
	void (*suspend)(void *w);
	void (*resume)(void *w);
	void *w;
};

struct collab_sub;
/* A subscription to the people whose regional IDs are listed (copied). NULL
 * when the hub is not running. */
struct collab_sub *collab_subscribe(const char *const *regional_ids, size_t n, int64_t now);
/* Attach the transport before the first read. */
void collab_sub_attach(struct collab_sub *s, const struct collab_transport *t);
/* Copy up to max bytes of the stream into buf: the count, 0 when nothing is
 * ready (the transport has been asked to suspend), -1 when the stream ends. */
long collab_sub_read(struct collab_sub *s, char *buf, size_t max);
/* The connection ended: forget the subscription. */
void collab_unsubscribe(struct collab_sub *s);

#endif
