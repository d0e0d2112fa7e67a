/* timeline.h — the facts of the care team's posts (FHIR Communication) that
 * 担当患者一覧, the inbox and the digest count: kept in collab_post by the
 * write hooks below, inside the write's transaction, the way consent.c keeps
 * care_team_member. collab/collab.c reads them. */
#ifndef RENKEI_FHIR_TIMELINE_H
#define RENKEI_FHIR_TIMELINE_H

#include "fhir/resource.h"

/* The extension of a post that asks for a reply (要返信) by a time:
 * valueDateTime is the due time. */
#define TIMELINE_REPLY_BY_EXT "urn:renkei:StructureDefinition:reply-requested-by"

/* The after-write and after-delete hooks of Communication. */
enum rk_status timeline_after(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
enum rk_status timeline_after_delete(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);

/* Fill collab_post for the posts written before it existed (a database of
 * an older renkei): each current Communication without its row gets one.
 * *added: how many. Safe to run again; a no-op once every post has its row. */
enum rk_status timeline_backfill(struct store *s, struct arena *a, int64_t *added, struct rk_err *err);

#endif
