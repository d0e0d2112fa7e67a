/* fuzz_time.c — time_parse_fhir for every time_kind and time_parse_hl7 on the
 * input. What core/time.c guarantees on success: years 0001..9999 and zone
 * offsets within ±14:00 (seconds up to 60 for a leap second), so lo/hi lie
 * within RK_TIME_MIN_MS..RK_TIME_MAX_MS widened by 14 h (+1 s for hi); the
 * range is the one its precision denotes; and a lo inside the bounds formats
 * as an RFC 3339 instant that parses back to the same millisecond. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/time.h"

#define DAY_MS        86400000LL
#define ZONE_SLACK_MS (14LL * 3600000)

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_time: invariant broken: %s\n", what);
		abort();
	}
}

static void check_range(const struct time_range *r)
{
	check(r->lo < r->hi, "lo >= hi");
	check(r->lo >= RK_TIME_MIN_MS - ZONE_SLACK_MS, "lo below 0001-01-01 minus 14 h");
	check(r->hi <= RK_TIME_MAX_MS + ZONE_SLACK_MS + 1000, "hi above 10000-01-01 plus 14 h and a leap second");
	int64_t w = r->hi - r->lo;
	switch (r->prec) {
	case TP_YEAR: check(w == 365 * DAY_MS || w == 366 * DAY_MS, "year range is not a year"); break;
	case TP_MONTH: check(w >= 28 * DAY_MS && w <= 31 * DAY_MS, "month range is not a month"); break;
	case TP_DAY: check(w == DAY_MS, "day range is not a day"); break;
	case TP_HOUR: check(w == 3600000, "hour range is not an hour"); break;
	case TP_MINUTE: check(w == 60000, "minute range is not a minute"); break;
	case TP_SECOND: check(w == 1000, "second range is not a second"); break;
	case TP_MILLI: check(w == 1, "millisecond range is not a millisecond"); break;
	default: check(0, "unknown precision");
	}
	if (r->lo >= RK_TIME_MIN_MS && r->lo < RK_TIME_MAX_MS) {
		char text[RK_TIME_RFC3339_LEN];
		time_format_rfc3339(r->lo, text);
		struct time_range back;
		check(time_parse_fhir(str_c(text), TIME_INSTANT, &back), "formatted instant does not parse");
		check(back.lo == r->lo && back.hi == r->lo + 1 && back.prec == TP_MILLI,
		      "formatted instant parses to another time");
		time_format_date(r->lo, text);
		check(time_parse_fhir(str_c(text), TIME_DATE, &back), "formatted date does not parse");
		check(back.lo <= r->lo && r->lo < back.hi, "formatted date does not contain the time");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str s = {(const char *)data, size};
	static const enum time_kind kinds[] = {TIME_DATE, TIME_DATETIME, TIME_INSTANT, TIME_SEARCH};
	struct time_range r;
	bool ok[4];
	for (size_t k = 0; k < 4; k++) {
		ok[k] = time_parse_fhir(s, kinds[k], &r);
		if (ok[k])
			check_range(&r);
	}
	/* Each kind accepts a subset of the next-wider one. */
	check(!ok[0] || ok[1], "a valid date is not a valid dateTime");
	check(!ok[2] || ok[1], "a valid instant is not a valid dateTime");
	check(!ok[1] || ok[3], "a valid dateTime is not a valid search value");

	if (time_parse_hl7(s, 540, &r))
		check_range(&r);
	if (time_parse_hl7(s, 0, &r))
		check_range(&r);
	/* A default offset from the first byte (about -15 h .. +15 h, some out of bounds). */
	if (size >= 1) {
		int off = (int)data[0] * 7 - 900;
		struct str rest = {s.ptr + 1, size - 1};
		if (time_parse_hl7(rest, off, &r)) {
			bool zone = memchr(rest.ptr, '+', rest.len) || memchr(rest.ptr, '-', rest.len);
			check(zone || (off >= -14 * 60 && off <= 14 * 60), "default offset beyond ±14 h accepted");
			check_range(&r);
		}
	}
	return 0;
}
