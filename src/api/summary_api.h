/* summary_api.h — the emergency summary on the API (emergency/summary.h):
 *   GET /fhir/Patient/{id}/$summary           the IPS document Bundle
 *                                             (_format=pdf: the A4 page)
 *   GET /api/summary/{id}/pdf                 the A4 page
 *   GET /api/summary/{id}/sheet               the 救急医療情報シート (PDF with QR;
 *                                             records the print)
 *   GET /api/summary/{id}/sheet-status        {stale, printed_at} of the sheet
 *   GET /api/summary/sheet/{token}            the patient a sheet's QR names,
 *                                             when the caller may read it
 *   GET /api/summary/sheets?facility=F        every registered patient's sheet
 *                                             of the caller's facility, one PDF
 *                                             (&only=stale: those whose summary
 *                                             changed since printed)
 * Every read goes through the caller's access decision and is audited like
 * $everything (each record served named in the entry); a patient the caller
 * may not see answers exactly as a missing one. */
#ifndef RENKEI_API_SUMMARY_API_H
#define RENKEI_API_SUMMARY_API_H

#include "api/api.h"
#include "api/cli.h"

void api_summary_fhir(struct api_request *rq);
void api_summary_pdf(struct api_request *rq);
void api_summary_sheet(struct api_request *rq);
void api_summary_sheet_status(struct api_request *rq);
void api_summary_sheet_resolve(struct api_request *rq);
void api_summary_sheets(struct api_request *rq);

/* `renkei kit sheets|region --facility CODE --out FILE [--passphrase-file F]`
 * (api/cli_kit.c; emergency/kit.h). */
int cli_kit(struct cli_call *c);

#endif
