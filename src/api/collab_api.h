/* collab_api.h — 多職種連携 over HTTP (collab/collab.h): 担当患者一覧 with
 * unread and overdue counts (GET /api/collab/patients), read receipts
 * (POST /api/collab/read, GET /api/collab/receipts/{id}), the members of a
 * patient's teams (GET /api/collab/members?patient=Patient/{id}). The posts
 * themselves are FHIR Communication (/fhir/Communication). Staff whose role
 * reads the collaboration data; every patient and post passes the access
 * check and is audited. */
#ifndef RENKEI_API_COLLAB_API_H
#define RENKEI_API_COLLAB_API_H

#include "api/api.h"

void api_collab_patients(struct api_request *rq);
void api_collab_read(struct api_request *rq);
void api_collab_receipts(struct api_request *rq);
void api_collab_members(struct api_request *rq);
/* GET /api/collab/events: Server-Sent Events naming the people of my teams
 * whose timelines changed (collab/events.h). */
void api_collab_events(struct api_request *rq);
/* POST /api/collab/attachments?patient=Patient/{id}[&title=…] (the bytes as
 * the body, with their Content-Type): checked and cleaned (collab/attach.h),
 * kept, and answered with the URL a post names; GET
 * /api/collab/attachments/{id}[?thumb=1]: to its uploader and to whoever may
 * read a post of the person that names it. */
void api_collab_attachment_upload(struct api_request *rq);
void api_collab_attachment_get(struct api_request *rq);
/* GET /api/collab/inbox[?limit=N]: 受信箱, the posts of my teams that name me
 * (a mention of me, my profession or my facility), answer my posts, or ask
 * the team for a reply, newest first, with whether I have read each and
 * whether a reply is overdue (collab_inbox.c). */
void api_collab_inbox(struct api_request *rq);
/* GET /api/collab/timeline?patient=Patient/{id}[&_count=N][&before=<cursor>]:
 * the person's timeline (Communication, withdrawn posts too), newest first,
 * a page at a time ({"posts": [...], "next": cursor or null}); a page costs
 * the same however long the timeline. The FHIR search serves the same posts. */
void api_collab_timeline(struct api_request *rq);

#endif
