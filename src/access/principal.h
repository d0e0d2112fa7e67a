/* principal.h — who a request comes from: a member of staff logged in with a
 * session, or a facility system with a bearer token. Filled by access/auth.c
 * before any body is read; read by the decision, the handlers and the audit.
 * A plain value; copied freely. */
#ifndef RENKEI_ACCESS_PRINCIPAL_H
#define RENKEI_ACCESS_PRINCIPAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"
#include "model/municipality.h"
#include "model/role.h"

enum principal_kind { PRINCIPAL_NONE, PRINCIPAL_STAFF, PRINCIPAL_SYSTEM };

enum session_stage { STAGE_NONE, STAGE_TOTP, STAGE_ENROLL_TOTP, STAGE_CHANGE_PASSWORD, STAGE_OK };

struct principal {
	enum principal_kind kind;
	char account[RK_MAX_ACCOUNT_ID]; /* account id, or client id of a facility system */
	char name[RK_MAX_DISPLAY_NAME];  /* display name */
	enum role role;
	bool licensed;
	char facility[RK_MAX_FACILITY_CODE]; /* facility code */
	char facility_kind[24];              /* hospital, clinic, ... */
	char facility_name[RK_MAX_DISPLAY_NAME];
	char area[RK_MAX_DISPLAY_NAME];         /* the facility's area, prefecture + city */
	char area_codes[MUNICIPALITY_LIST_CAP]; /* its municipality and those it serves (disaster mode) */
	char session_ref[24];                   /* audit reference of the session or token: never the secret */
	char session_hash[72];                  /* staff: SHA-256 of the session token (hex), to update the session */
	char csrf[48];                          /* staff: the session's CSRF token */
	enum session_stage stage;
	int64_t authenticated_at; /* staff: when the login completed */
	int64_t reauth_at;        /* staff: last explicit re-authentication (0: none) */
	int64_t expires_at;
	char scopes[RK_MAX_SCOPES]; /* system: granted scopes, space-separated */
};

const char *session_stage_code(enum session_stage s); /* "totp", "ok", ... */

#endif
