/* ingest_api.h — the network operator's ingest quarantine over HTTP:
 * GET /api/ingest/errors, GET /api/ingest/errors/{id},
 * POST /api/ingest/errors/{id}/replay (ingest/quarantine.h, ingest/pipeline.h).
 * Reserved to ROLE_OPERATOR; each handler runs on one worker's connection. */
#ifndef RENKEI_API_INGEST_API_H
#define RENKEI_API_INGEST_API_H

#include "api/api.h"
#include "api/session.h"

void api_ingest_errors(struct api_request *rq);
void api_ingest_error_read(struct api_request *rq);
void api_ingest_error_replay(struct api_request *rq);

#endif
