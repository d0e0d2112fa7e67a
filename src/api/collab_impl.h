/* collab_impl.h — what the handlers of 多職種連携 (collab_api.c,
 * collab_inbox.c) share. Internal to api/. */
#ifndef RENKEI_API_COLLAB_IMPL_H
#define RENKEI_API_COLLAB_IMPL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"

/* Staff whose role reads the collaboration data; else the reply is set. */
bool collab_staff(struct api_request *rq);
/* A JSON string, or null for NULL or "". */
json_t *jstr_or_null(const char *s);
/* An RFC 3339 time, or null for ms <= 0. */
json_t *ms_json(int64_t ms);
/* The name of a Patient: kanji (or the first name) and kana ("" when none). */
void names_of(const json_t *p, const char **kanji, const char **kana);
/* The registrations of the person the principal may see ("Patient/<id>",
 * into regs_out) and the first of them as a Patient body (owned by the
 * request), or *body NULL when it may see none. */
enum rk_status visible_registrations(struct api_request *rq, const char *regional, const char **pid, json_t **body,
				     json_t *regs_out, struct rk_err *err);

#endif
