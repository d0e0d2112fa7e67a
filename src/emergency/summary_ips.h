/* summary_ips.h — the emergency summary (emergency/summary.h) rendered as
 * an IPS-shaped FHIR document Bundle, and the small text helpers the PDF and
 * the sheet share. */
#ifndef RENKEI_EMERGENCY_SUMMARY_IPS_H
#define RENKEI_EMERGENCY_SUMMARY_IPS_H

#include <jansson.h>

#include "core/time.h"
#include "emergency/summary.h"

/* The extension on each section entry (a Reference) that says what the
 * line shows: detail, facility, facilityCode, date, flag (sub-extensions). */
#define SUMMARY_LINE_EXT "urn:renkei:summary-line"

/* The document Bundle (new reference; NULL on allocation failure): the
 * Composition (LOINC 60591-5, one section per summary section, the required
 * ones always, with emptyReason "unavailable" when empty, every section
 * "withheld" for a refused patient), the Patient and the records. base is
 * the server's FHIR base URL for the fullUrls. */
json_t *summary_ips_bundle(const struct summary *s, const char *base);

/* The date of a line in Japan ("2026-12-01"; "日付不明" when unknown). */
void summary_date_text(int64_t ms, char out[RK_TIME_RFC3339_LEN]);
/* The highlight of a line (アナフィラキシー, 感染症, 透析, ...), "" none. */
const char *summary_flag_text(unsigned flags);

#endif
