/* demo_data.h — static tables for the synthetic demo region: Japanese family and
 * given names with katakana readings and frequency weights, and the towns of the
 * demo region's area. Read-only; thread-safe. */
#ifndef RENKEI_DEMO_DEMO_DATA_H
#define RENKEI_DEMO_DEMO_DATA_H
#include <stddef.h>

struct demo_name {
	const char *kanji; /* e.g. "佐藤" */
	const char *kana;  /* full-width katakana reading, e.g. "サトウ" */
	unsigned weight;   /* relative frequency, > 0 */
};

struct demo_town {
	const char *prefecture; /* "長野県" */
	const char *city;       /* "松本市" */
	const char *town;       /* "中央" (the 町名 without 丁目) */
	const char *postal;     /* "390-0811" */
	const char *city_code;  /* 6-digit 全国地方公共団体コード of the city, e.g. "202029" */
	unsigned max_chome;     /* 0 when the town has no 丁目, else 1..9 */
};

extern const struct demo_name demo_family_names[];
extern const size_t demo_family_names_len;
extern const struct demo_name demo_given_male[];
extern const size_t demo_given_male_len;
extern const struct demo_name demo_given_female[];
extern const size_t demo_given_female_len;
extern const struct demo_town demo_towns[];
extern const size_t demo_towns_len;
#endif
