/* time.h — UTC clock, RFC 3339 formatting, and parsing of FHIR date/dateTime/
 * instant and HL7 v2 TS values into half-open millisecond ranges [lo, hi).
 * A partial date is the range it denotes ("1980-05" = all of May 1980 UTC),
 * which is what FHIR date search compares against. Pure except time_now_ms;
 * thread-safe. Always include as "core/time.h". */
#ifndef RENKEI_CORE_TIME_H
#define RENKEI_CORE_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "core/str.h"

#define RK_TIME_RFC3339_LEN 32                  /* "2026-11-24T07:17:02.123Z" plus room */
#define RK_TIME_MIN_MS      (-62135596800000LL) /* 0001-01-01T00:00:00Z */
#define RK_TIME_MAX_MS      (253402300800000LL) /* 10000-01-01T00:00:00Z */

enum time_kind {
	TIME_DATE,     /* FHIR date: YYYY, YYYY-MM, YYYY-MM-DD */
	TIME_DATETIME, /* FHIR dateTime: a date, or a full time with seconds and zone */
	TIME_INSTANT,  /* FHIR instant: full time with seconds and zone */
	TIME_SEARCH,   /* search value: any dateTime prefix, zone optional (UTC if absent) */
};

enum time_precision { TP_YEAR, TP_MONTH, TP_DAY, TP_HOUR, TP_MINUTE, TP_SECOND, TP_MILLI };

struct time_range {
	int64_t lo; /* inclusive, ms since the epoch, UTC */
	int64_t hi; /* exclusive */
	enum time_precision prec;
};

/* Wall-clock milliseconds since the epoch (CLOCK_REALTIME). */
int64_t time_now_ms(void);
/* Monotonic milliseconds, for durations. */
int64_t time_mono_ms(void);

/* "2026-11-24T07:17:02.123Z" into out (NUL-terminated). */
void time_format_rfc3339(int64_t ms, char out[RK_TIME_RFC3339_LEN]);
/* "2026-11-24" (UTC calendar date) into out. */
void time_format_date(int64_t ms, char out[RK_TIME_RFC3339_LEN]);

/* Parse a FHIR value of the given kind. Returns false (out untouched) when the
 * text does not match the FHIR R4 format or names an impossible date/time. */
bool time_parse_fhir(struct str s, enum time_kind kind, struct time_range *out);

/* Parse an HL7 v2 TS/DTM: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].
 * Without a zone the value is read at default_offset_min from UTC (Japan: 540). */
bool time_parse_hl7(struct str s, int default_offset_min, struct time_range *out);

/* Days since 1970-01-01 of a proleptic Gregorian date (no validation). */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Calendar date of a day number. */
void time_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* Days in month m (1..12) of year y. */
unsigned time_days_in_month(int64_t y, unsigned m);

#endif
