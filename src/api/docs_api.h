/* docs_api.h — the care team's documents over HTTP (collab/orders.h):
 * 指示書 (訪問看護指示書, 特別訪問看護指示書, 訪問リハビリ指示書), 訪問看護計画書
 * and 訪問看護報告書 as FHIR Composition.
 *   GET  /api/collab/documents?patient=Patient/{id}   the person's documents
 *   POST /api/collab/documents?patient=Patient/{id}   a new one (a form)
 *   GET  /api/collab/documents/{id}                   one, with its fields
 *   PUT  /api/collab/documents/{id}                   a new version
 *   GET  /api/collab/documents/{id}/pdf               the printable PDF
 *   POST /api/collab/documents/{id}/sign              the author signs this version
 * Only current members of the person's care team; each document passes the
 * access decision (Composition: 文書, CAT_DOCUMENT) and is audited; a
 * document or person the caller may not see answers as a missing one.
 * Saving a document posts its summary to the team's timeline
 * (Communication, category 指示書/計画書/報告書) in the same transaction. */
#ifndef RENKEI_API_DOCS_API_H
#define RENKEI_API_DOCS_API_H

#include "api/api.h"

void api_docs_list(struct api_request *rq);
void api_docs_create(struct api_request *rq);
void api_docs_read(struct api_request *rq);
void api_docs_update(struct api_request *rq);
void api_docs_pdf(struct api_request *rq);
void api_docs_sign(struct api_request *rq);

#endif
