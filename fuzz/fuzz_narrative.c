/* fuzz_narrative.c — fhir_narrative_check (libxml2 under renkei's options and
 * SAX hooks, then the allow-list walk) on arbitrary bytes. Invariants: the
 * answer is RK_OK or RK_INVALID, the same twice; a refusal names the path
 * first (message "<where>: ...", err.where) in valid UTF-8; an accepted
 * narrative is within the size bound, begins with its <div> and holds no
 * DTD, CDATA section or processing instruction. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "fhir/narrative.h"

#define WHERE "Composition.section[0].text.div"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_narrative: invariant broken: %s\n", what);
		abort();
	}
}

static bool holds(struct str s, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= s.len; i++)
		if (memcmp(s.ptr + i, needle, n) == 0)
			return true;
	return false;
}

/* needle outside comments (which may say anything but "--"): an XML comment
 * ends at the first "-->", as it does for an HTML parser. */
static bool holds_outside_comments(struct str s, const char *needle)
{
	size_t n = strlen(needle), i = 0;
	while (i + n <= s.len) {
		if (i + 4 <= s.len && memcmp(s.ptr + i, "<!--", 4) == 0) {
			size_t j = i + 4;
			while (j + 3 <= s.len && memcmp(s.ptr + j, "-->", 3) != 0)
				j++;
			i = j + 3;
			continue;
		}
		if (memcmp(s.ptr + i, needle, n) == 0)
			return true;
		i++;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str in = {(const char *)data, size};
	struct rk_err e1, e2;
	rk_err_clear(&e1);
	rk_err_clear(&e2);
	enum rk_status s1 = fhir_narrative_check(in, WHERE, &e1);
	enum rk_status s2 = fhir_narrative_check(in, WHERE, &e2);
	check(s1 == RK_OK || s1 == RK_INVALID, "status other than RK_OK or RK_INVALID");
	check(s1 == s2 && strcmp(e1.msg, e2.msg) == 0, "two checks of the same input disagree");
	if (s1 == RK_INVALID) {
		check(strncmp(e1.msg, WHERE ": ", strlen(WHERE) + 2) == 0, "refusal does not begin with the path");
		check(strlen(e1.msg) > strlen(WHERE) + 10, "refusal says nothing");
		check(strcmp(e1.where, WHERE) == 0, "err.where is not the path");
		check(str_is_utf8(str_c(e1.msg)), "refusal is not valid UTF-8");
		return 0;
	}
	check(e1.msg[0] == '\0', "accepted with a message");
	check(size <= RK_MAX_NARRATIVE_BYTES, "accepted above the size bound");
	check(str_starts_with(str_trim(in), "<div"), "accepted without beginning with <div");
	check(holds(in, FHIR_XHTML_NS), "accepted without the XHTML namespace");
	check(!holds_outside_comments(in, "<!DOCTYPE") && !holds_outside_comments(in, "<![CDATA[") &&
		      !holds_outside_comments(in, "<?"),
	      "accepted a DTD, CDATA section or processing instruction");
	return 0;
}
