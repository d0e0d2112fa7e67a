/* bulk_api.h — FHIR Bulk Data $export over HTTP (bulk/bulk.h): the kick-off
 * at three levels, status polling, the manifest, the files and cancellation.
 * Thin: parse, ask bulk/, answer, name it in the audit entry. */
#ifndef RENKEI_API_BULK_API_H
#define RENKEI_API_BULK_API_H

#include "api/api.h"

void api_bulk_export_system(struct api_request *rq);  /* GET /fhir/$export */
void api_bulk_export_patient(struct api_request *rq); /* GET /fhir/Patient/$export */
void api_bulk_export_group(struct api_request *rq);   /* GET /fhir/Group/{id}/$export */
void api_bulk_status(struct api_request *rq);         /* GET /fhir/$export-status/{id} */
void api_bulk_cancel(struct api_request *rq);         /* DELETE /fhir/$export-status/{id} */
void api_bulk_file(struct api_request *rq);           /* GET /fhir/$export-file/{id}/{file} */

#endif
