/* time.c — calendar arithmetic (Howard Hinnant's civil algorithms), RFC 3339
 * output and strict FHIR / HL7 time parsing. */
#include "core/time.h"

#include <stdio.h>
#include <time.h>

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void time_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

unsigned time_days_in_month(int64_t y, unsigned m)
{
	static const unsigned dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

void time_format_rfc3339(int64_t ms, char out[RK_TIME_RFC3339_LEN])
{
	int64_t days = floor_div(ms, 86400000);
	int64_t rem = ms - days * 86400000;
	int64_t y;
	unsigned m, d;
	time_civil_from_days(days, &y, &m, &d);
	snprintf(out, RK_TIME_RFC3339_LEN, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, m, d,
		 (unsigned)(rem / 3600000), (unsigned)(rem / 60000 % 60), (unsigned)(rem / 1000 % 60),
		 (unsigned)(rem % 1000));
}

void time_format_date(int64_t ms, char out[RK_TIME_RFC3339_LEN])
{
	int64_t y;
	unsigned m, d;
	time_civil_from_days(floor_div(ms, 86400000), &y, &m, &d);
	snprintf(out, RK_TIME_RFC3339_LEN, "%04lld-%02u-%02u", (long long)y, m, d);
}

/* A fixed-width run of digits at s[*i]; advances *i. */
static bool take_digits(struct str s, size_t *i, size_t n, unsigned *out)
{
	if (s.len - *i < n)
		return false;
	unsigned v = 0;
	for (size_t k = 0; k < n; k++) {
		char c = s.ptr[*i + k];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	*i += n;
	*out = v;
	return true;
}

static bool take_char(struct str s, size_t *i, char c)
{
	if (*i < s.len && s.ptr[*i] == c) {
		(*i)++;
		return true;
	}
	return false;
}

struct tparts {
	unsigned y, mo, d, h, mi, sec, ms;
	enum time_precision prec;
	bool has_zone;
	int zone_min; /* offset east of UTC */
	bool frac;
};

/* Fractional seconds after the '.': 1..max_digits digits, kept to the millisecond. */
static bool take_fraction(struct str s, size_t *i, size_t max_digits, struct tparts *p)
{
	size_t start = *i;
	unsigned digit;
	while (*i < s.len && s.ptr[*i] >= '0' && s.ptr[*i] <= '9') {
		take_digits(s, i, 1, &digit);
		if (*i - start <= 3)
			p->ms = p->ms * 10 + digit;
	}
	size_t n = *i - start;
	if (n == 0 || n > max_digits)
		return false;
	for (size_t k = n; k < 3; k++)
		p->ms *= 10;
	p->prec = TP_MILLI;
	return true;
}

static int64_t parts_to_ms(const struct tparts *p)
{
	int64_t days = time_days_from_civil(p->y, p->mo ? p->mo : 1, p->d ? p->d : 1);
	return days * 86400000 + (int64_t)p->h * 3600000 + (int64_t)p->mi * 60000 + (int64_t)p->sec * 1000 + p->ms -
	       (int64_t)p->zone_min * 60000;
}

static int64_t range_end(const struct tparts *p, int64_t lo)
{
	switch (p->prec) {
	case TP_YEAR: return lo + (time_days_from_civil(p->y + 1, 1, 1) - time_days_from_civil(p->y, 1, 1)) * 86400000;
	case TP_MONTH: return lo + (int64_t)time_days_in_month(p->y, p->mo) * 86400000;
	case TP_DAY: return lo + 86400000;
	case TP_HOUR: return lo + 3600000;
	case TP_MINUTE: return lo + 60000;
	case TP_SECOND: return lo + 1000;
	case TP_MILLI: return lo + 1;
	}
	return lo + 1;
}

static bool parts_valid(const struct tparts *p)
{
	if (p->y < 1)
		return false;
	if (p->prec >= TP_MONTH && (p->mo < 1 || p->mo > 12))
		return false;
	if (p->prec >= TP_DAY && (p->d < 1 || p->d > time_days_in_month(p->y, p->mo)))
		return false;
	if (p->h > 23 || p->mi > 59 || p->sec > 60)
		return false;
	if (p->zone_min < -14 * 60 || p->zone_min > 14 * 60)
		return false;
	return true;
}

/* "Z" or "+hh:mm" / "-hh:mm" (FHIR) */
static bool take_fhir_zone(struct str s, size_t *i, struct tparts *p)
{
	if (take_char(s, i, 'Z')) {
		p->has_zone = true;
		return true;
	}
	if (*i < s.len && (s.ptr[*i] == '+' || s.ptr[*i] == '-')) {
		int sign = s.ptr[*i] == '-' ? -1 : 1;
		(*i)++;
		unsigned zh, zm;
		if (!take_digits(s, i, 2, &zh) || !take_char(s, i, ':') || !take_digits(s, i, 2, &zm))
			return false;
		if (zh > 14 || zm > 59)
			return false;
		p->zone_min = sign * (int)(zh * 60 + zm);
		p->has_zone = true;
		return true;
	}
	return true; /* absent */
}

bool time_parse_fhir(struct str s, enum time_kind kind, struct time_range *out)
{
	struct tparts p = {0};
	size_t i = 0;
	if (!take_digits(s, &i, 4, &p.y))
		return false;
	p.prec = TP_YEAR;
	if (take_char(s, &i, '-')) {
		if (!take_digits(s, &i, 2, &p.mo))
			return false;
		p.prec = TP_MONTH;
		if (take_char(s, &i, '-')) {
			if (!take_digits(s, &i, 2, &p.d))
				return false;
			p.prec = TP_DAY;
		}
	}
	if (kind != TIME_DATE && p.prec == TP_DAY && take_char(s, &i, 'T')) {
		if (!take_digits(s, &i, 2, &p.h) || !take_char(s, &i, ':') || !take_digits(s, &i, 2, &p.mi))
			return false;
		p.prec = TP_MINUTE;
		if (take_char(s, &i, ':')) {
			if (!take_digits(s, &i, 2, &p.sec))
				return false;
			p.prec = TP_SECOND;
			if (take_char(s, &i, '.') && !take_fraction(s, &i, 9, &p))
				return false;
		} else if (kind != TIME_SEARCH) {
			return false; /* FHIR dateTime/instant times carry seconds */
		}
		if (!take_fhir_zone(s, &i, &p))
			return false;
		if (!p.has_zone && kind != TIME_SEARCH)
			return false; /* FHIR: "If hours and minutes are specified, a time zone SHALL be populated" */
	}
	if (i != s.len)
		return false;
	if (kind == TIME_INSTANT && p.prec < TP_SECOND)
		return false;
	if (!parts_valid(&p))
		return false;
	out->lo = parts_to_ms(&p);
	out->hi = range_end(&p, out->lo);
	out->prec = p.prec;
	return true;
}

bool time_parse_hl7(struct str s, int default_offset_min, struct time_range *out)
{
	struct tparts p = {0};
	size_t i = 0;
	static const enum time_precision steps[] = {TP_MONTH, TP_DAY, TP_HOUR, TP_MINUTE, TP_SECOND};
	unsigned *fields[] = {&p.mo, &p.d, &p.h, &p.mi, &p.sec};
	if (!take_digits(s, &i, 4, &p.y))
		return false;
	p.prec = TP_YEAR;
	for (int k = 0; k < 5; k++) {
		if (i >= s.len || s.ptr[i] < '0' || s.ptr[i] > '9')
			break;
		if (!take_digits(s, &i, 2, fields[k]))
			return false;
		p.prec = steps[k];
	}
	if (p.prec == TP_SECOND && take_char(s, &i, '.') && !take_fraction(s, &i, 4, &p))
		return false;
	p.zone_min = default_offset_min;
	if (i < s.len && (s.ptr[i] == '+' || s.ptr[i] == '-')) {
		int sign = s.ptr[i] == '-' ? -1 : 1;
		i++;
		unsigned zh, zm;
		if (!take_digits(s, &i, 2, &zh) || !take_digits(s, &i, 2, &zm) || zh > 14 || zm > 59)
			return false;
		p.zone_min = sign * (int)(zh * 60 + zm);
	}
	if (i != s.len || !parts_valid(&p))
		return false;
	out->lo = parts_to_ms(&p);
	out->hi = range_end(&p, out->lo);
	out->prec = p.prec;
	return true;
}
