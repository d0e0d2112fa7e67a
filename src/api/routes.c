/* routes.c — every route renkei serves, on one screen. Order matters: the
 * first pattern that matches wins, so literal segments come before {captures}.
 * Anything else under GET is a static file of web/. Every route but the
 * ROUTE_PUBLIC ones authenticates before its body is read; every route but
 * the ROUTE_NO_AUDIT ones leaves one durable audit entry (event, action).
 * Every method but GET runs in one transaction with its audit entry, unless
 * ROUTE_READ says it changes nothing; a ROUTE_STEPS route (a password check)
 * counts the attempt and runs the slow hash outside it, then joins it for
 * its final writes (docs/ACCESS.md, Audit). A read-only standby refuses every
 * change but the ROUTE_STANDBY ones (docs/STANDBY.md). */
#include "api/routes.h"

#include "api/access_api.h"
#include "api/bulk_api.h"
#include "api/careplan_api.h"
#include "api/collab_api.h"
#include "api/docs_api.h"
#include "api/fhir_bundle.h"
#include "api/fhir_rest.h"
#include "api/forms_api.h"
#include "api/ingest_api.h"
#include "api/linking_api.h"
#include "api/session.h"
#include "api/summary_api.h"

#define P ROUTE_PUBLIC
#define B ROUTE_BODY
#define L ROUTE_LOGIN
#define N ROUTE_NO_AUDIT
#define R ROUTE_READ
#define S ROUTE_STEPS
#define O ROUTE_STANDBY

const struct api_route api_routes[] = {
	// clang-format off: one route per line, in columns
	/* method  pattern                                 handler                    flags  event  action */
	{"GET", "/healthz", api_healthz, P | N, "health", 'E', "liveness and database check"},
	{"GET", "/fhir/metadata", api_fhir_metadata, P | N, "metadata", 'R', "CapabilityStatement"},
	/* login, sessions, facility systems */
	{"POST", "/api/session", api_login, P | B | S | O, "login", 'E', "log in with ID and password"},
	{"GET", "/api/session", api_session_get, L | N, "session", 'R', "the current session"},
	{"DELETE", "/api/session", api_logout, L | O, "logout", 'E', "log out"},
	{"POST", "/api/session/totp", api_login_totp, L | B | O, "login-totp", 'E', "the one-time code"},
	{"POST", "/api/totp/enroll", api_totp_enroll, L, "totp-enroll", 'E', "start TOTP enrolment"},
	{"POST", "/api/totp/confirm", api_totp_confirm, L | B, "totp-confirm", 'E', "confirm TOTP enrolment"},
	{"POST", "/api/password", api_password, L | B | S, "password-change", 'E', "change the password"},
	{"POST", "/api/reauth", api_reauth, B | S | O, "reauth", 'E', "fresh re-authentication"},
	{"POST", "/oauth2/token", api_oauth_token, P | B, "token", 'E', "client credentials grant"},
	{"POST", "/oauth2/revoke", api_oauth_revoke, P | B, "token-revoke", 'E', "revoke a bearer token"},
	/* emergency and disaster */
	{"POST", "/api/emergency/search", api_emergency_search, B | O, "emergency-search", 'R',
	 "find a patient by regional ID, local ID or the 4情報 (close matches only)"},
	{"POST", "/api/emergency", api_emergency_start, B | O, "emergency-start", 'E', "start break-the-glass"},
	{"GET", "/api/emergency", api_emergency_list, 0, "emergency-list", 'R', "my active episodes"},
	{"GET", "/api/emergency/review", api_emergency_review_list, 0, "emergency-review-list", 'R',
	 "episodes to review"},
	{"POST", "/api/emergency/{id}/end", api_emergency_end, 0, "emergency-end", 'E', "end an episode early"},
	{"POST", "/api/emergency/{id}/review", api_emergency_review, B, "emergency-review", 'U', "record a review"},
	{"POST", "/api/disaster", api_disaster_declare, B, "disaster-declare", 'E', "declare disaster mode"},
	{"GET", "/api/disaster", api_disaster_list, 0, "disaster-list", 'R', "active declarations"},
	{"POST", "/api/disaster/{id}/end", api_disaster_end, 0, "disaster-end", 'E', "end disaster mode early"},
	{"POST", "/api/disaster/{id}/extend", api_disaster_extend, B, "disaster-extend", 'E',
	 "extend disaster mode for one facility past its end"},
	{"GET", "/api/disaster/{id}/report", api_disaster_report, 0, "disaster-report", 'R',
	 "the accesses made under a declaration on one day (CSV)"},
	/* the emergency summary's PDF and the 救急医療情報シート (api/summary_api.h) */
	{"GET", "/api/summary/sheets", api_summary_sheets, ROUTE_GET_WRITES, "summary-sheets", 'R',
	 "救急医療情報シート of a facility's patients, one PDF"},
	{"GET", "/api/summary/sheet/{token}", api_summary_sheet_resolve, 0, "summary-sheet-link", 'R',
	 "the patient a sheet's QR code names"},
	{"GET", "/api/summary/{id}/pdf", api_summary_pdf, 0, "summary", 'R', "the emergency summary, one A4 page"},
	{"GET", "/api/summary/{id}/sheet", api_summary_sheet, ROUTE_GET_WRITES, "summary-sheet", 'R',
	 "the 救急医療情報シート (PDF with QR code)"},
	{"GET", "/api/summary/{id}/sheet-status", api_summary_sheet_status, 0, "summary-sheet-status", 'R',
	 "is the printed sheet stale"},
	/* patient linking (the operator) */
	{"GET", "/api/patient-match", api_match_list, 0, "patient-match-list", 'R', "candidate pairs of regional IDs"},
	{"POST", "/api/patient-match/{id}/merge", api_match_merge, B, "patient-merge", 'U', "merge a candidate pair"},
	{"POST", "/api/patient-match/{id}/reject", api_match_reject, B, "patient-match-reject", 'U',
	 "not the same person"},
	{"POST", "/api/patient-link/merge", api_link_merge, B, "patient-merge", 'U', "merge two regional IDs"},
	{"POST", "/api/patient-link/{id}/unmerge", api_link_unmerge, B, "patient-unmerge", 'U',
	 "undo the merge that moved a registration"},
	/* ingest quarantine (the operator) */
	{"GET", "/api/ingest/errors", api_ingest_errors, 0, "ingest-errors", 'R', "quarantined messages"},
	{"GET", "/api/ingest/errors/{id}", api_ingest_error_read, 0, "ingest-error-read", 'R',
	 "one quarantined message, as text"},
	{"POST", "/api/ingest/errors/{id}/replay", api_ingest_error_replay, B, "ingest-replay", 'E',
	 "try a quarantined message again"},
	/* 多職種連携: the care team's workspace (the posts are FHIR Communication) */
	{"GET", "/api/collab/patients", api_collab_patients, 0, "collab-patients", 'R',
	 "担当患者一覧: my teams' patients, unread and overdue"},
	{"POST", "/api/collab/read", api_collab_read, B, "collab-read", 'U', "mark posts as read"},
	{"GET", "/api/collab/receipts/{id}", api_collab_receipts, 0, "collab-receipts", 'R',
	 "who of the team has read a post"},
	{"GET", "/api/collab/members", api_collab_members, 0, "collab-members", 'R',
	 "the members of a patient's teams"},
	{"GET", "/api/collab/events", api_collab_events, 0, "collab-events", 'R',
	 "live updates: which of my teams' timelines changed (Server-Sent Events)"},
	{"POST", "/api/collab/attachments", api_collab_attachment_upload, B, "collab-attach", 'C',
	 "a photo, PDF or short video for a post"},
	{"GET", "/api/collab/timeline", api_collab_timeline, 0, "collab-timeline", 'R',
	 "a person's timeline, a page at a time"},
	{"GET", "/api/collab/inbox", api_collab_inbox, 0, "collab-inbox", 'R',
	 "受信箱: posts that name me, answer me or ask for a reply"},
	{"GET", "/api/collab/attachments/{id}", api_collab_attachment_get, 0, "collab-attachment", 'R',
	 "an attachment of a post"},
	{"GET", "/api/collab/careplan", api_careplan_get, 0, "careplan-read", 'R', "the person's current care plan"},
	{"POST", "/api/collab/careplan", api_careplan_save, B, "careplan-save", 'U',
	 "save a care plan (第1表・第2表・第3表) and post its summary"},
	{"POST", "/api/collab/careplan/import", api_careplan_import, B, "careplan-import", 'U',
	 "save a care plan from ケアプランデータ連携 CSV files"},
	{"GET", "/api/collab/careplan/export", api_careplan_export, 0, "careplan-export", 'R',
	 "one table of the care plan as a ケアプランデータ連携 CSV file"},
	/* the team's forms: フェースシート and 訪問記録 (QuestionnaireResponse; api/forms_api.h) */
	{"GET", "/api/collab/facesheet", api_collab_facesheet_get, 0, "collab-facesheet", 'R',
	 "a person's current face sheet and its versions"},
	{"PUT", "/api/collab/facesheet", api_collab_facesheet_put, B, "collab-facesheet-write", 'U',
	 "a new version of a person's face sheet"},
	{"GET", "/api/collab/forms/{id}/diff", api_collab_form_diff, 0, "collab-form-diff", 'R',
	 "what changed between two versions of a form (変更点)"},
	{"GET", "/api/collab/visits", api_collab_visits_list, 0, "collab-visits", 'R', "a person's visit records"},
	{"POST", "/api/collab/visits", api_collab_visit_create, B, "collab-visit", 'C',
	 "a visit record with its vital signs and its timeline post"},
	{"PUT", "/api/collab/visits/{id}", api_collab_visit_update, B, "collab-visit", 'U', "edit a visit record"},
	{"DELETE", "/api/collab/visits/{id}", api_collab_visit_withdraw, 0, "collab-visit-withdraw", 'D',
	 "withdraw a visit record with its vital signs and its post"},
	/* 多職種連携: 指示書・計画書・報告書 (FHIR Composition, api/docs_api.h) */
	{"GET", "/api/collab/documents", api_docs_list, 0, "collab-documents", 'R',
	 "the care team's 指示書・計画書・報告書 of a patient"},
	{"POST", "/api/collab/documents", api_docs_create, B, "collab-document-create", 'C',
	 "a new 指示書, 計画書 or 報告書 (posts its summary to the timeline)"},
	{"GET", "/api/collab/documents/{id}", api_docs_read, 0, "collab-document", 'R', "one document with its fields"},
	{"PUT", "/api/collab/documents/{id}", api_docs_update, B, "collab-document-update", 'U',
	 "a new version of a document"},
	{"GET", "/api/collab/documents/{id}/pdf", api_docs_pdf, 0, "collab-document-pdf", 'R',
	 "the printable PDF of a document"},
	{"POST", "/api/collab/documents/{id}/sign", api_docs_sign, B, "collab-document-sign", 'U',
	 "the author signs this version of a document"},
	/* FHIR */
	{"POST", "/fhir", api_fhir_bundle, B, "transaction", 'E', "transaction or batch Bundle"},
	{"GET", "/fhir/Questionnaire", api_questionnaire_search, 0, "search", 'E', "the forms renkei ships"},
	{"GET", "/fhir/Questionnaire/{id}", api_questionnaire_read, 0, "read", 'R', "a form renkei ships"},
	{"GET", "/fhir/AuditEvent", api_audit_search, 0, "audit-search", 'E', "auditors: search the audit log"},
	{"GET", "/fhir/AuditEvent/{id}", api_audit_read, 0, "audit-read", 'E', "auditors: one audit entry"},
	/* FHIR Bulk Data $export (docs/ACCESS.md, Bulk export) */
	{"GET", "/fhir/$export", api_bulk_export_system, ROUTE_GET_WRITES, "bulk-export", 'E',
	 "bulk export of the region (operator)"},
	{"GET", "/fhir/Patient/$export", api_bulk_export_patient, ROUTE_GET_WRITES, "bulk-export", 'E',
	 "bulk export of every patient (operator)"},
	{"GET", "/fhir/Group/{id}/$export", api_bulk_export_group, ROUTE_GET_WRITES, "bulk-export", 'E',
	 "bulk export of a facility's patients (its system, the operator)"},
	{"GET", "/fhir/$export-status/{id}", api_bulk_status, 0, "bulk-status", 'R',
	 "an export's progress or manifest"},
	{"DELETE", "/fhir/$export-status/{id}", api_bulk_cancel, 0, "bulk-cancel", 'D', "cancel an export"},
	{"GET", "/fhir/$export-file/{id}/{file}", api_bulk_file, 0, "bulk-file", 'R', "one ndjson file of an export"},
	{"GET", "/fhir/_history", api_fhir_history_system, 0, "history", 'R', "history of every resource"},
	{"GET", "/fhir/Patient/$ihe-pix", api_fhir_pix, 0, "pix", 'R', "PIX: local/regional ID cross-reference"},
	{"GET", "/fhir/Patient/{id}/$everything", api_fhir_everything, 0, "everything", 'R',
	 "the patient's regional record"},
	{"GET", "/fhir/Patient/{id}/$summary", api_summary_fhir, 0, "summary", 'R',
	 "the emergency summary (IPS document Bundle; _format=pdf)"},
	{"GET", "/fhir/Patient/{id}/$access-report", api_access_report, 0, "access-report", 'R',
	 "who looked at this patient's record"},
	{"GET", "/fhir/{type}", api_fhir_search, 0, "search", 'E', "search"},
	{"POST", "/fhir/{type}/_search", api_fhir_search_post, B | R, "search", 'E', "search with a form body"},
	{"POST", "/fhir/{type}", api_fhir_create, B, "create", 'C', "create"},
	{"GET", "/fhir/{type}/_history", api_fhir_history_type, 0, "history", 'R', "history of a type"},
	{"GET", "/fhir/{type}/{id}", api_fhir_read, 0, "read", 'R', "read"},
	{"PUT", "/fhir/{type}", api_fhir_update_conditional, B, "update", 'U', "conditional update (?search)"},
	{"DELETE", "/fhir/{type}", api_fhir_delete_conditional, 0, "delete", 'D', "conditional delete (?search)"},
	{"PUT", "/fhir/{type}/{id}", api_fhir_update, B, "update", 'U', "update (or create with this id)"},
	{"PATCH", "/fhir/{type}/{id}", api_fhir_patch, B, "patch", 'U', "JSON Patch"},
	{"DELETE", "/fhir/{type}/{id}", api_fhir_delete, 0, "delete", 'D', "delete"},
	{"GET", "/fhir/{type}/{id}/_history", api_fhir_history_instance, 0, "history", 'R', "history of a resource"},
	{"GET", "/fhir/{type}/{id}/_history/{vid}", api_fhir_vread, 0, "vread", 'R', "read a version"},
	// clang-format on
};

const unsigned api_routes_len = sizeof api_routes / sizeof api_routes[0];
