/* access_api.h — handlers of break-the-glass episodes and their review,
 * disaster mode, the auditors' AuditEvent search, and the patient access
 * report ("who looked at my record"). */
#ifndef RENKEI_API_ACCESS_API_H
#define RENKEI_API_ACCESS_API_H

#include "api/api.h"

void api_emergency_start(struct api_request *rq);
void api_emergency_list(struct api_request *rq);
void api_emergency_end(struct api_request *rq);
void api_emergency_review_list(struct api_request *rq);
void api_emergency_review(struct api_request *rq);
void api_disaster_declare(struct api_request *rq);
void api_disaster_list(struct api_request *rq);
void api_disaster_end(struct api_request *rq);
void api_disaster_extend(struct api_request *rq);
void api_disaster_report(struct api_request *rq);
/* finding a patient for break-the-glass or disaster mode by ID or the 4情報 */
void api_emergency_search(struct api_request *rq);
void api_audit_search(struct api_request *rq);
void api_audit_read(struct api_request *rq);
void api_access_report(struct api_request *rq);

#endif
