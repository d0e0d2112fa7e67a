/* test_core_time.c — unit tests for core/time.h: FHIR date / dateTime /
 * instant / search parsing (valid and invalid forms, zones, the [lo, hi) range
 * of every precision), HL7 v2 TS parsing with and without a zone, RFC 3339
 * formatting (negative epoch, year 9999) and the civil-day conversions. Expected
 * epoch values were computed independently (Python datetime). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/time.h"

#define DAY_MS  86400000LL
#define HOUR_MS 3600000LL
#define MIN_MS  60000LL

static void expect_fhir(const char *s, enum time_kind kind, int64_t lo, int64_t hi, enum time_precision prec)
{
	struct time_range r = {0, 0, TP_YEAR};
	if (!time_parse_fhir(str_c(s), kind, &r))
		fail_msg("time_parse_fhir(\"%s\", kind %d) refused a valid value", s, (int)kind);
	if (r.lo != lo || r.hi != hi || r.prec != prec)
		fail_msg("time_parse_fhir(\"%s\", kind %d): got [%lld, %lld) prec %d, want [%lld, %lld) prec %d", s,
			 (int)kind, (long long)r.lo, (long long)r.hi, (int)r.prec, (long long)lo, (long long)hi,
			 (int)prec);
}

static void reject_fhir(const char *s, enum time_kind kind)
{
	struct time_range r = {111, 222, TP_MILLI};
	if (time_parse_fhir(str_c(s), kind, &r))
		fail_msg("time_parse_fhir(\"%s\", kind %d) accepted an invalid value", s, (int)kind);
	/* out untouched on failure */
	assert_int_equal(r.lo, 111);
	assert_int_equal(r.hi, 222);
	assert_int_equal(r.prec, TP_MILLI);
}

static void expect_hl7(const char *s, int off, int64_t lo, int64_t hi, enum time_precision prec)
{
	struct time_range r = {0, 0, TP_YEAR};
	if (!time_parse_hl7(str_c(s), off, &r))
		fail_msg("time_parse_hl7(\"%s\", %d) refused a valid value", s, off);
	if (r.lo != lo || r.hi != hi || r.prec != prec)
		fail_msg("time_parse_hl7(\"%s\", %d): got [%lld, %lld) prec %d, want [%lld, %lld) prec %d", s, off,
			 (long long)r.lo, (long long)r.hi, (int)r.prec, (long long)lo, (long long)hi, (int)prec);
}

static void reject_hl7(const char *s)
{
	struct time_range r = {111, 222, TP_MILLI};
	if (time_parse_hl7(str_c(s), 540, &r))
		fail_msg("time_parse_hl7(\"%s\") accepted an invalid value", s);
	assert_int_equal(r.lo, 111);
	assert_int_equal(r.hi, 222);
}

static void test_fhir_date_ranges(void **state)
{
	(void)state;
	/* Year: leap and common years. */
	expect_fhir("2024", TIME_DATE, 1704067200000LL, 1735689600000LL, TP_YEAR);
	expect_fhir("2023", TIME_DATE, 1672531200000LL, 1704067200000LL, TP_YEAR);
	/* Month: the header's own example, and February of a leap year. */
	expect_fhir("1980-05", TIME_DATE, 325987200000LL, 328665600000LL, TP_MONTH);
	expect_fhir("2024-02", TIME_DATE, 1706745600000LL, 1709251200000LL, TP_MONTH);
	/* Day */
	expect_fhir("2000-02-29", TIME_DATE, 951782400000LL, 951868800000LL, TP_DAY);
	expect_fhir("1970-01-01", TIME_DATE, 0, DAY_MS, TP_DAY);
	expect_fhir("1969-12-31", TIME_DATE, -DAY_MS, 0, TP_DAY);
	/* Extremes of the four-digit year. */
	expect_fhir("0001", TIME_DATE, RK_TIME_MIN_MS, RK_TIME_MIN_MS + 365 * DAY_MS, TP_YEAR);
	expect_fhir("9999-12-31", TIME_DATE, 253402214400000LL, RK_TIME_MAX_MS, TP_DAY);
	expect_fhir("9999", TIME_DATE, RK_TIME_MAX_MS - 365 * DAY_MS, RK_TIME_MAX_MS, TP_YEAR);
	/* The same dates are valid dateTime, search and (not) instant values. */
	expect_fhir("2024", TIME_DATETIME, 1704067200000LL, 1735689600000LL, TP_YEAR);
	expect_fhir("1980-05", TIME_DATETIME, 325987200000LL, 328665600000LL, TP_MONTH);
	expect_fhir("2000-02-29", TIME_SEARCH, 951782400000LL, 951868800000LL, TP_DAY);
}

static void test_fhir_date_invalid(void **state)
{
	(void)state;
	const char *bad[] = {
		"",
		"2",
		"202",
		"20230",
		"2023-",
		"2023-1",
		"2023-01-",
		"2023-01-1",
		"2023-1-01",
		"2023-13",
		"2023-00",
		"2023-13-01",
		"2023-00-10",
		"2023-01-00",
		"2023-01-32",
		"2023-04-31",
		"2023-06-31",
		"2023-02-29",
		"1900-02-29",
		"2100-02-29",
		"2024-02-30",
		"0000",
		"0000-01-01",
		"+2023",
		"-2023",
		" 2023",
		"2023 ",
		"2023/01/01",
		"20230101",
		"2023-01-01Z",
		"2023-01-01T",
		"２０２３",
		"2023-01-01T10:00:00Z", /* a date has no time */
		"2023x",
		"２023",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		reject_fhir(bad[i], TIME_DATE);
		if (strchr(bad[i], 'T') == NULL)
			reject_fhir(bad[i], TIME_DATETIME);
	}
	struct time_range r;
	assert_false(time_parse_fhir(STR_NULL, TIME_DATE, &r));
	/* Embedded NUL: the slice is longer than the C string. */
	assert_false(time_parse_fhir((struct str){"2023\0", 5}, TIME_DATE, &r));
	/* Only the slice is read. */
	assert_true(time_parse_fhir((struct str){"2023-05-99", 7}, TIME_DATE, &r));
	assert_int_equal(r.prec, TP_MONTH);
}

static void test_fhir_datetime(void **state)
{
	(void)state;
	const int64_t t = 1795504622000LL; /* 2026-11-24T07:17:02Z */
	expect_fhir("2026-11-24T07:17:02Z", TIME_DATETIME, t, t + 1000, TP_SECOND);
	expect_fhir("2026-11-24T07:17:02+00:00", TIME_DATETIME, t, t + 1000, TP_SECOND);
	expect_fhir("2026-11-24T07:17:02-00:00", TIME_DATETIME, t, t + 1000, TP_SECOND);
	expect_fhir("2026-11-24T16:17:02+09:00", TIME_DATETIME, t, t + 1000, TP_SECOND);
	expect_fhir("2026-11-23T21:47:02-09:30", TIME_DATETIME, t, t + 1000, TP_SECOND);
	/* Zone extremes ±14:00 */
	expect_fhir("2026-11-24T07:17:02+14:00", TIME_DATETIME, 1795454222000LL, 1795454223000LL, TP_SECOND);
	expect_fhir("2026-11-24T07:17:02-14:00", TIME_DATETIME, 1795555022000LL, 1795555023000LL, TP_SECOND);
	/* A zone may carry the range across a day boundary. */
	expect_fhir("2026-01-01T00:00:00+09:00", TIME_DATETIME, 1767193200000LL, 1767193201000LL, TP_SECOND);
	/* Fractional seconds: 1 to 9 digits, milliseconds kept. */
	expect_fhir("2026-11-24T07:17:02.123Z", TIME_DATETIME, t + 123, t + 124, TP_MILLI);
	expect_fhir("2026-11-24T07:17:02.1Z", TIME_DATETIME, t + 100, t + 101, TP_MILLI);
	expect_fhir("2026-11-24T07:17:02.12Z", TIME_DATETIME, t + 120, t + 121, TP_MILLI);
	expect_fhir("2026-11-24T07:17:02.000Z", TIME_DATETIME, t, t + 1, TP_MILLI);
	expect_fhir("2026-11-24T07:17:02.999999Z", TIME_DATETIME, t + 999, t + 1000, TP_MILLI);
	expect_fhir("2026-11-24T07:17:02.123456789+09:00", TIME_DATETIME, t + 123 - 9 * HOUR_MS, t + 124 - 9 * HOUR_MS,
		    TP_MILLI);
	/* Midnight and the last second of a day. */
	expect_fhir("2000-02-29T00:00:00Z", TIME_DATETIME, 951782400000LL, 951782401000LL, TP_SECOND);
	expect_fhir("2000-02-29T23:59:59Z", TIME_DATETIME, 951868799000LL, 951868800000LL, TP_SECOND);
}

static void test_fhir_datetime_invalid(void **state)
{
	(void)state;
	const char *bad[] = {
		/* missing zone on a dateTime with a time: FHIR says SHALL */
		"2026-11-24T07:17:02",
		"2026-11-24T07:17:02.123",
		/* a dateTime time carries seconds */
		"2026-11-24T07:17Z",
		"2026-11-24T07:17+09:00",
		"2026-11-24T07Z",
		"2026-11-24T07",
		/* bad zones */
		"2026-11-24T07:17:02+15:00",
		"2026-11-24T07:17:02-15:00",
		"2026-11-24T07:17:02+14:01",
		"2026-11-24T07:17:02-14:30",
		"2026-11-24T07:17:02+09:60",
		"2026-11-24T07:17:02+0900",
		"2026-11-24T07:17:02+9:00",
		"2026-11-24T07:17:02+09",
		"2026-11-24T07:17:02+",
		"2026-11-24T07:17:02z",
		"2026-11-24T07:17:02UTC",
		"2026-11-24T07:17:02 Z",
		"2026-11-24T07:17:02ZZ",
		"2026-11-24T07:17:02Z+09:00",
		/* bad times */
		"2026-11-24T24:00:00Z",
		"2026-11-24T07:60:00Z",
		"2026-11-24T07:17:61Z",
		"2026-11-24T7:17:02Z",
		"2026-11-24T07:17:2Z",
		"2026-11-24t07:17:02Z",
		"2026-11-24 07:17:02Z",
		"2026-11-24T07-17-02Z",
		"2026-11-24T07:17:02.Z",
		"2026-11-24T07:17:02.1234567890Z",
		"2026-11-24T07:17:02,5Z",
		"2026-11-24T07:17:02.12aZ",
		/* a time on a partial date, or an impossible date */
		"2026-11T07:17:02Z",
		"2026T07:17:02Z",
		"2023-02-29T10:00:00Z",
		"1900-02-29T10:00:00Z",
		"2026-13-01T00:00:00Z",
		/* trailing garbage */
		"2026-11-24T07:17:02Z ",
		"2026-11-24T07:17:02Zx",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		reject_fhir(bad[i], TIME_DATETIME);
		reject_fhir(bad[i], TIME_INSTANT);
	}
}

static void test_fhir_instant(void **state)
{
	(void)state;
	const int64_t t = 1795504622000LL;
	expect_fhir("2026-11-24T07:17:02Z", TIME_INSTANT, t, t + 1000, TP_SECOND);
	expect_fhir("2026-11-24T07:17:02.123Z", TIME_INSTANT, t + 123, t + 124, TP_MILLI);
	expect_fhir("2026-11-24T16:17:02.5+09:00", TIME_INSTANT, t + 500, t + 501, TP_MILLI);
	/* An instant is a full time: no partial dates, no minutes-only times, a zone. */
	const char *bad[] = {
		"2026", "2026-11", "2026-11-24", "2026-11-24T07:17Z", "2026-11-24T07:17:02", "2026-11-24T07:17"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		reject_fhir(bad[i], TIME_INSTANT);
}

static void test_fhir_search(void **state)
{
	(void)state;
	const int64_t t = 1795504620000LL; /* 2026-11-24T07:17Z */
	/* Minute precision exists only in search values; zone optional (UTC). */
	expect_fhir("2026-11-24T07:17", TIME_SEARCH, t, t + MIN_MS, TP_MINUTE);
	expect_fhir("2026-11-24T07:17Z", TIME_SEARCH, t, t + MIN_MS, TP_MINUTE);
	expect_fhir("2026-11-24T16:17+09:00", TIME_SEARCH, t, t + MIN_MS, TP_MINUTE);
	expect_fhir("2026-11-24T07:17:02", TIME_SEARCH, t + 2000, t + 3000, TP_SECOND);
	expect_fhir("2026-11-24T07:17:02.5", TIME_SEARCH, t + 2500, t + 2501, TP_MILLI);
	expect_fhir("2026-11-24T07:17:02-14:00", TIME_SEARCH, t + 2000 + 14 * HOUR_MS, t + 3000 + 14 * HOUR_MS,
		    TP_SECOND);
	expect_fhir("2026-11-24", TIME_SEARCH, 1795478400000LL, 1795478400000LL + DAY_MS, TP_DAY);
	expect_fhir("2026-11", TIME_SEARCH, 1793491200000LL, 1796083200000LL, TP_MONTH);
	expect_fhir("2026", TIME_SEARCH, 1767225600000LL, 1798761600000LL, TP_YEAR);
	const char *bad[] = {"2026-11-24T07",    "2026-11-24T", "2026-11-24T07:17+15:00", "2026-11-24T07:1",
			     "2026-11-24T25:00", "2026-02-29",  "2026-11-24T07:17:02.Z"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		reject_fhir(bad[i], TIME_SEARCH);
}

/* Every range is non-empty and contiguous with the next value at its precision. */
static void test_fhir_ranges_adjacent(void **state)
{
	(void)state;
	struct time_range a, b;
	const char *pairs[][2] = {
		{"2023", "2024"},
		{"2024-02", "2024-03"},
		{"2023-02", "2023-03"},
		{"2023-12", "2024-01"},
		{"2024-02-28", "2024-02-29"},
		{"2024-02-29", "2024-03-01"},
		{"2023-12-31", "2024-01-01"},
		{"2024-03-01T10:59", "2024-03-01T11:00"},
		{"2024-03-01T23:59:59Z", "2024-03-02T00:00:00Z"},
		{"2024-03-01T23:59:59.999Z", "2024-03-02T00:00:00.000Z"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		assert_true(time_parse_fhir(str_c(pairs[i][0]), TIME_SEARCH, &a));
		assert_true(time_parse_fhir(str_c(pairs[i][1]), TIME_SEARCH, &b));
		assert_true(a.lo < a.hi);
		assert_int_equal(a.hi, b.lo);
		assert_int_equal(a.prec, b.prec);
	}
}

static void test_hl7(void **state)
{
	(void)state;
	/* Without a zone: Japan (+09:00) by default. */
	expect_hl7("2020", 540, 1577804400000LL, 1577804400000LL + 366 * DAY_MS, TP_YEAR);
	expect_hl7("202002", 540, 1580482800000LL, 1580482800000LL + 29 * DAY_MS, TP_MONTH);
	expect_hl7("20200101", 540, 1577804400000LL, 1577804400000LL + DAY_MS, TP_DAY);
	expect_hl7("2020010112", 540, 1577847600000LL, 1577847600000LL + HOUR_MS, TP_HOUR);
	expect_hl7("202001011230", 540, 1577849400000LL, 1577849400000LL + MIN_MS, TP_MINUTE);
	expect_hl7("20200101123045", 540, 1577849445000LL, 1577849446000LL, TP_SECOND);
	expect_hl7("20200101123045.1", 540, 1577849445100LL, 1577849445101LL, TP_MILLI);
	expect_hl7("20200101123045.1234", 540, 1577849445123LL, 1577849445124LL, TP_MILLI);
	/* Another default offset. */
	expect_hl7("20200101", 0, 1577836800000LL, 1577836800000LL + DAY_MS, TP_DAY);
	expect_hl7("20200101", -300, 1577854800000LL, 1577854800000LL + DAY_MS, TP_DAY);
	/* An explicit zone wins over the default. */
	expect_hl7("202001011230+0000", 540, 1577881800000LL, 1577881800000LL + MIN_MS, TP_MINUTE);
	expect_hl7("202001011230+0900", 0, 1577849400000LL, 1577849400000LL + MIN_MS, TP_MINUTE);
	expect_hl7("20200101123045.1234-0500", 540, 1577899845123LL, 1577899845124LL, TP_MILLI);
	expect_hl7("20200101+0000", 540, 1577836800000LL, 1577836800000LL + DAY_MS, TP_DAY);
	expect_hl7("20200101-1400", 540, 1577836800000LL + 14 * HOUR_MS, 1577836800000LL + 14 * HOUR_MS + DAY_MS,
		   TP_DAY);
	/* Leap day */
	expect_hl7("20000229", 0, 951782400000LL, 951868800000LL, TP_DAY);
}

static void test_hl7_invalid(void **state)
{
	(void)state;
	const char *bad[] = {
		"",
		"202",
		"20201",
		"2020013",
		"202001011",
		"20201301",
		"20200001",
		"20200100",
		"20200230",
		"19000229",
		"20230229",
		"2020010124",
		"202001011260",
		"20200101123061",
		"20200101+09",
		"20200101+090",
		"20200101+1500",
		"20200101+0960",
		"20200101Z",
		"2020010112.5",
		"20200101123045.",
		"20200101123045.12345",
		"2020-01-01",
		"20200101 ",
		" 20200101",
		"20200101123045.1+",
		"abcd",
		"00000101",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		reject_hl7(bad[i]);
}

static void expect_rfc3339(int64_t ms, const char *want)
{
	char out[RK_TIME_RFC3339_LEN];
	memset(out, 'X', sizeof out);
	time_format_rfc3339(ms, out);
	assert_string_equal(out, want);
}

static void test_format(void **state)
{
	(void)state;
	expect_rfc3339(0, "1970-01-01T00:00:00.000Z");
	expect_rfc3339(1, "1970-01-01T00:00:00.001Z");
	expect_rfc3339(-1, "1969-12-31T23:59:59.999Z");
	expect_rfc3339(-999, "1969-12-31T23:59:59.001Z");
	expect_rfc3339(-1000, "1969-12-31T23:59:59.000Z");
	expect_rfc3339(-DAY_MS, "1969-12-31T00:00:00.000Z");
	expect_rfc3339(-DAY_MS - 1, "1969-12-30T23:59:59.999Z");
	expect_rfc3339(1795504622123LL, "2026-11-24T07:17:02.123Z");
	expect_rfc3339(951868799999LL, "2000-02-29T23:59:59.999Z");
	expect_rfc3339(RK_TIME_MAX_MS - 1, "9999-12-31T23:59:59.999Z");
	expect_rfc3339(253402214400000LL, "9999-12-31T00:00:00.000Z");
	expect_rfc3339(RK_TIME_MIN_MS, "0001-01-01T00:00:00.000Z");
	expect_rfc3339(-2208988800000LL, "1900-01-01T00:00:00.000Z");

	char d[RK_TIME_RFC3339_LEN];
	time_format_date(-1, d);
	assert_string_equal(d, "1969-12-31");
	time_format_date(0, d);
	assert_string_equal(d, "1970-01-01");
	time_format_date(RK_TIME_MAX_MS - 1, d);
	assert_string_equal(d, "9999-12-31");
	time_format_date(951868799999LL, d);
	assert_string_equal(d, "2000-02-29");
}

/* What time_format_rfc3339 writes, time_parse_fhir reads back as an instant. */
static void test_format_parse_round_trip(void **state)
{
	(void)state;
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	const uint64_t span = (uint64_t)(RK_TIME_MAX_MS - RK_TIME_MIN_MS);
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t ms = RK_TIME_MIN_MS + (int64_t)(x % span);
		char out[RK_TIME_RFC3339_LEN];
		time_format_rfc3339(ms, out);
		assert_int_equal(strlen(out), 24);
		struct time_range r;
		if (!time_parse_fhir(str_c(out), TIME_INSTANT, &r))
			fail_msg("formatted %lld as %s, which does not parse back", (long long)ms, out);
		assert_int_equal(r.lo, ms);
		assert_int_equal(r.hi, ms + 1);
	}
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void test_civil_known(void **state)
{
	(void)state;
	assert_int_equal(time_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(time_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(time_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(time_days_from_civil(2000, 2, 29), 11016);
	assert_int_equal(time_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(time_days_from_civil(9999, 12, 31), 2932896);
	assert_int_equal(time_days_from_civil(0, 3, 1), -719468);
	assert_int_equal(time_days_from_civil(-1, 12, 31), -719529);
	assert_int_equal(time_days_in_month(2000, 2), 29);
	assert_int_equal(time_days_in_month(1900, 2), 28);
	assert_int_equal(time_days_in_month(2024, 2), 29);
	assert_int_equal(time_days_in_month(2023, 2), 28);
	assert_int_equal(time_days_in_month(2023, 4), 30);
	assert_int_equal(time_days_in_month(2023, 12), 31);
	assert_int_equal(time_days_in_month(2023, 0), 0);
	assert_int_equal(time_days_in_month(2023, 13), 0);
}

/* Walk every day from year -2000 to 12000 with an independent calendar and
 * check both directions, then sample far-away day numbers. */
static void test_civil_round_trip(void **state)
{
	(void)state;
	static const unsigned dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t y = -2000;
	unsigned m = 1, d = 1;
	int64_t days = time_days_from_civil(y, m, d);
	while (y < 12000) {
		assert_int_equal(time_days_from_civil(y, m, d), days);
		int64_t yy;
		unsigned mm, dd;
		time_civil_from_days(days, &yy, &mm, &dd);
		if (yy != y || mm != m || dd != d)
			fail_msg("day %lld: got %lld-%u-%u, want %lld-%u-%u", (long long)days, (long long)yy, mm, dd,
				 (long long)y, m, d);
		unsigned last = dim[m - 1] + (m == 2 && leap(y));
		assert_int_equal(time_days_in_month(y, m), last);
		days++;
		if (++d > last) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t z = (int64_t)(x % 2000000000000ULL) - 1000000000000LL; /* ±2.7 billion years */
		int64_t yy;
		unsigned mm, dd;
		time_civil_from_days(z, &yy, &mm, &dd);
		assert_true(mm >= 1 && mm <= 12);
		assert_true(dd >= 1 && dd <= time_days_in_month(yy, mm));
		assert_int_equal(time_days_from_civil(yy, mm, dd), z);
	}
}

static void test_clock(void **state)
{
	(void)state;
	/* Only sanity: after 2020 and before 10000; monotonic does not go back. */
	int64_t now = time_now_ms();
	assert_true(now > 1577836800000LL);
	assert_true(now < RK_TIME_MAX_MS);
	int64_t m1 = time_mono_ms(), m2 = time_mono_ms();
	assert_true(m2 >= m1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fhir_date_ranges),
		cmocka_unit_test(test_fhir_date_invalid),
		cmocka_unit_test(test_fhir_datetime),
		cmocka_unit_test(test_fhir_datetime_invalid),
		cmocka_unit_test(test_fhir_instant),
		cmocka_unit_test(test_fhir_search),
		cmocka_unit_test(test_fhir_ranges_adjacent),
		cmocka_unit_test(test_hl7),
		cmocka_unit_test(test_hl7_invalid),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_parse_round_trip),
		cmocka_unit_test(test_civil_known),
		cmocka_unit_test(test_civil_round_trip),
		cmocka_unit_test(test_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
