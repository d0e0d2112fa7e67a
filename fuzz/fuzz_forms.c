/* fuzz_forms.c — a QuestionnaireResponse against the forms renkei ships
 * (collab/forms.h) on any bytes: the input is parsed as a request body is
 * (rk_json_parse); when it names no form, its first byte picks the face
 * sheet or the visit record. Checking it never crashes and a refusal always
 * has a message; its differences from itself are none, from nothing one per
 * answered item of the form at most; its summary line and its vital signs
 * as Observations are built whatever it holds, the summary valid UTF-8. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collab/forms.h"
#include "core/json.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_forms: invariant broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rk_err err;
	rk_err_clear(&err);
	json_t *qr = rk_json_parse((struct str){(const char *)data, size}, &err);
	if (!qr || !json_is_object(qr)) {
		json_decref(qr);
		return 0;
	}
	if (!json_object_get(qr, "questionnaire"))
		json_object_set_new(qr, "questionnaire",
				    json_string(size && (data[0] & 1) ? FORMS_VISIT_URL : FORMS_FACESHEET_URL));
	rk_err_clear(&err);
	enum rk_status st = forms_check(qr, 1796000000000LL, &err);
	check(st == RK_OK || err.msg[0] != '\0', "a refusal without a message");
	const json_t *q = forms_questionnaire_by_url(rk_json_strv(json_object_get(qr, "questionnaire")));
	struct arena a;
	arena_init(&a, 16u << 20);
	if (q) {
		json_t *same = forms_diff(q, qr, qr, &a);
		check(json_array_size(same) == 0, "a response differs from itself");
		json_decref(same);
		json_decref(forms_diff(q, NULL, qr, &a));
	}
	const char *line = forms_visit_summary(qr, &a);
	check(line && str_is_utf8(str_c(line)), "the summary is not UTF-8 text");
	for (size_t k = 0; k < forms_vitals_len; k++)
		json_decref(forms_vital_observation(qr, k, "QuestionnaireResponse/x", "Patient/p", NULL));
	arena_free(&a);
	json_decref(qr);
	return 0;
}
