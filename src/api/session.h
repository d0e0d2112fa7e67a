/* session.h — handlers of login, sessions and the OAuth2 token endpoint.
 * JSON in and out; failures are OperationOutcomes with a reason code in
 * issue.details (the web UI shows them in Japanese). */
#ifndef RENKEI_API_SESSION_H
#define RENKEI_API_SESSION_H

#include "api/api.h"

void api_login(struct api_request *rq);
void api_session_get(struct api_request *rq);
void api_logout(struct api_request *rq);
void api_login_totp(struct api_request *rq);
void api_totp_enroll(struct api_request *rq);
void api_totp_confirm(struct api_request *rq);
void api_password(struct api_request *rq);
void api_reauth(struct api_request *rq);
void api_oauth_token(struct api_request *rq);
void api_oauth_revoke(struct api_request *rq);

/* Parse a JSON object body, owned by the request (freed with its arena: never
 * by the caller); on failure the reply is already set and NULL returned. */
struct json_t;
struct json_t *api_json_body(struct api_request *rq);
/* Hand v to the request: decref'd with its arena, never by the caller. NULL
 * when v is NULL, or (v freed, the reply set) when the arena is full. */
struct json_t *api_own_json(struct api_request *rq, struct json_t *v);
/* A string member of a JSON object ("" when absent or not a string). */
const char *api_json_str(const struct json_t *obj, const char *key);

#endif
