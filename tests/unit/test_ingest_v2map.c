/* test_ingest_v2map.c — unit tests for ingest/v2map.h: synthetic UTF-8 HL7
 * v2.5 messages of every SS-MIX2 data type mapped field by field (codes,
 * values, units, ranges, flags, ids, references, meta.source), structural
 * validation of every served type, determinism, each bad-input message, and
 * the shared SS-MIX2 sample (patient 9999013) when ../shared/testdata exists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>

#include "core/json.h"
#include "fhir/jpcore.h"
#include "fhir/types.h"
#include "fhir/validate.h"
#include "hl7/hl7.h"
#include "ingest/v2map.h"
#include "model/codes.h"

#define FAC "2011000011"
#define SRC "ssmix2:test/file"

/* ---- building messages: seg("PV1", 2, "I", 44, "2024...", 0) ---- */

static char msgbuf[16384];

static void add(const char *text)
{
	size_t n = strlen(msgbuf);
	snprintf(msgbuf + n, sizeof msgbuf - n, "%s\r", text);
}

/* A segment with the given fields (pairs of number and text, ended by 0). */
static void seg(const char *name, ...)
{
	char s[4096];
	int last = 0;
	size_t n = (size_t)snprintf(s, sizeof s, "%s", name);
	va_list ap;
	va_start(ap, name);
	for (;;) {
		int f = va_arg(ap, int);
		if (!f)
			break;
		const char *v = va_arg(ap, const char *);
		while (last < f) {
			s[n++] = '|';
			last++;
		}
		n += (size_t)snprintf(s + n, sizeof s - n, "%s", v);
	}
	va_end(ap);
	s[n] = '\0';
	add(s);
}

static void msh(const char *type)
{
	msgbuf[0] = '\0';
	char s[256];
	snprintf(s, sizeof s, "MSH|^~\\&|HIS|SEND|GW|RCV|20240401090000||%s|CTRL0001|P|2.5", type);
	add(s);
}

static void pid(const char *id)
{
	char f3[64];
	snprintf(f3, sizeof f3, "%s^^^^PI", id);
	seg("PID", 1, "0001", 3, f3, 5, "山田^花子^^^^^L^I~ヤマダ^ハナコ^^^^^L^P", 7, "19800102", 8, "F", 11,
	    "^^^^390-0001^JPN^H^長野県松本市中央１－１", 13, "^PRN^PH^^^^^^^^^0263-00-0000", 14,
	    "^WPN^PH^^^^^^^^^0263-11-1111", 0);
}

/* ---- mapping ---- */

struct run {
	struct arena a;
	struct hl7_msg m;
	struct v2map_result r;
	struct rk_err err;
	enum rk_status rc;
};

static enum rk_status run_in(struct run *t, const char *text, size_t len, const char *dt, const char *pidv,
			     const char *date, const char *order)
{
	memset(t, 0, sizeof *t);
	arena_init(&t->a, 64u << 20);
	t->rc = hl7_parse((struct str){text, len}, &t->a, &t->m, &t->err);
	if (t->rc != RK_OK)
		return t->rc;
	struct v2map_input in = {.facility_code = str_c(FAC),
				 .data_type = str_c(dt),
				 .patient_id = str_c(pidv),
				 .date = str_c(date),
				 .order_no = str_c(order),
				 .meta_source = str_c(SRC)};
	t->rc = v2map_message(&t->m, &in, &t->a, &t->r, &t->err);
	return t->rc;
}

static enum rk_status run(struct run *t, const char *dt, const char *pidv)
{
	return run_in(t, msgbuf, strlen(msgbuf), dt, pidv, "", "");
}

static void done(struct run *t)
{
	if (t->rc == RK_OK)
		v2map_free(&t->r);
	arena_free(&t->a);
}

/* JSON at a path "a.b[1].c" (indexes in brackets). */
static json_t *at(json_t *v, const char *path)
{
	char key[64];
	const char *p = path;
	while (v && *p) {
		size_t n = strcspn(p, ".[");
		if (n) {
			snprintf(key, sizeof key, "%.*s", (int)n, p);
			v = json_object_get(v, key);
			p += n;
		}
		if (*p == '[') {
			v = json_array_get(v, (size_t)strtoul(p + 1, NULL, 10));
			p = strchr(p, ']') + 1;
		}
		if (*p == '.')
			p++;
	}
	return v;
}

static const char *s_at(json_t *v, const char *path)
{
	return json_string_value(at(v, path));
}

static double n_at(json_t *v, const char *path)
{
	double d = 0;
	return rk_json_number_value(at(v, path), &d) ? d : 0;
}

/* Every resource of the result: its type, id == body id, meta.source, the
 * patient reference, and the structural validator for served types. */
static void check_common(struct run *t)
{
	struct rk_err err;
	rk_err_clear(&err);
	const struct fhir_resource_def *pd = fhir_resource_find("Patient", 7);
	if (fhir_validate(pd, t->r.patient, NULL, NULL, &err) != RK_OK)
		fail_msg("Patient invalid: %s at %s", err.msg, err.where);
	assert_string_equal(s_at(t->r.patient, "id"), FAC "-"
							  "00012345");
	for (size_t i = 0; i < t->r.n; i++) {
		json_t *b = t->r.res[i].body;
		assert_string_equal(s_at(b, "resourceType"), t->r.res[i].type);
		assert_true(str_eq_c(t->r.res[i].id, s_at(b, "id")));
		assert_true(t->r.res[i].id.len <= 64 && fhir_id_valid(t->r.res[i].id));
		assert_string_equal(s_at(b, "meta.source"), SRC);
		const char *pref = s_at(b, "subject.reference")   ? s_at(b, "subject.reference")
				   : s_at(b, "patient.reference") ? s_at(b, "patient.reference")
								  : s_at(b, "beneficiary.reference");
		assert_non_null(pref);
		assert_string_equal(pref, "Patient/" FAC "-00012345");
		const struct fhir_resource_def *d = fhir_resource_find(t->r.res[i].type, strlen(t->r.res[i].type));
		rk_err_clear(&err);
		if (d && fhir_validate(d, b, NULL, NULL, &err) != RK_OK)
			fail_msg("%s invalid: %s at %s", t->r.res[i].type, err.msg, err.where);
	}
}

static json_t *res_of(struct run *t, const char *type, size_t k)
{
	for (size_t i = 0; i < t->r.n; i++)
		if (strcmp(t->r.res[i].type, type) == 0 && k-- == 0)
			return t->r.res[i].body;
	fail_msg("no %s #%zu", type, k);
	return NULL;
}

static size_t count_of(struct run *t, const char *type)
{
	size_t n = 0;
	for (size_t i = 0; i < t->r.n; i++)
		n += strcmp(t->r.res[i].type, type) == 0;
	return n;
}

static void expect_fail(const char *dt, const char *pidv, const char *needle)
{
	struct run t;
	enum rk_status rc = run(&t, dt, pidv);
	if (rc == RK_OK)
		fail_msg("expected failure containing '%s', got success", needle);
	if (!strstr(t.err.msg, needle))
		fail_msg("expected '%s' in '%s'", needle, t.err.msg);
	done(&t);
}

/* ---- ADT-00 ---- */

static void build_adt00(void)
{
	msh("ADT^A08^ADT_A01");
	seg("EVN", 2, "20240401090000", 0);
	pid("00012345");
	seg("OBX", 1, "1", 2, "NM", 3, "9N001000000000001^身長^JC10", 5, "158.2", 6, "cm^cm^ISO+", 11, "F", 0);
	seg("OBX", 1, "2", 2, "NM", 3, "9N006000000000001^体重^JC10", 5, "51.5", 6, "kg^kg^ISO+", 11, "F", 0);
	seg("AL1", 1, "1", 2, "DA^薬剤アレルギー^HL70127", 3, "110626901^パンスポリンＴ錠１００^HOT9", 4,
	    "SV^重度^HL70128", 5, "発疹", 6, "20200301", 0);
	seg("IN1", 1, "1", 2, "67^国民健康保険退職者^JHSD0001", 3, "67999991", 4, "松本市", 10, "松国", 11, "1234567",
	    12, "20091201", 17, "SEL^本人^HL70063", 0);
}

static void test_adt00(void **state)
{
	(void)state;
	build_adt00();
	struct run t;
	assert_int_equal(run(&t, "ADT-00", ""), RK_OK);
	check_common(&t);
	json_t *p = t.r.patient;
	assert_true(t.r.patient_authoritative);
	assert_false(t.r.cancel);
	assert_true(str_eq_c(t.r.patient_ref, FAC "-00012345"));
	assert_true(str_eq_c(t.r.doc_key, FAC "-00012345.-.ADT-00.CTRL0001"));
	assert_string_equal(s_at(p, "identifier[0].system"), JP_LOCAL_PATIENT_SYSTEM_PREFIX FAC);
	assert_string_equal(s_at(p, "identifier[0].value"), "00012345");
	assert_string_equal(s_at(p, "meta.profile[0]"), JP_PROFILE_PATIENT);
	assert_string_equal(s_at(p, "meta.source"), SRC);
	assert_string_equal(s_at(p, "name[0].family"), "山田");
	assert_string_equal(s_at(p, "name[0].given[0]"), "花子");
	assert_string_equal(s_at(p, "name[0].extension[0].valueCode"), "IDE");
	assert_string_equal(s_at(p, "name[0].extension[0].url"), JP_NAME_REPRESENTATION_EXT);
	assert_string_equal(s_at(p, "name[1].family"), "ヤマダ");
	assert_string_equal(s_at(p, "name[1].extension[0].valueCode"), "SYL");
	assert_string_equal(s_at(p, "gender"), "female");
	assert_string_equal(s_at(p, "birthDate"), "1980-01-02");
	assert_string_equal(s_at(p, "address[0].postalCode"), "390-0001");
	assert_string_equal(s_at(p, "address[0].text"), "長野県松本市中央１－１");
	assert_string_equal(s_at(p, "address[0].use"), "home");
	assert_string_equal(s_at(p, "address[0].country"), "JP");
	assert_string_equal(s_at(p, "telecom[0].value"), "0263-00-0000");
	assert_string_equal(s_at(p, "telecom[0].use"), "home");
	assert_string_equal(s_at(p, "telecom[1].use"), "work");
	assert_int_equal(t.r.n, 4);
	/* IN1 → Coverage */
	json_t *cv = res_of(&t, "Coverage", 0);
	assert_string_equal(s_at(cv, "status"), "active");
	assert_string_equal(s_at(cv, "type.coding[0].code"), "67");
	assert_string_equal(s_at(cv, "type.text"), "国民健康保険退職者");
	assert_string_equal(s_at(cv, "payor[0].identifier.system"), JP_INSURER_NUMBER_SYSTEM);
	assert_string_equal(s_at(cv, "payor[0].identifier.value"), "67999991");
	assert_string_equal(s_at(cv, "payor[0].display"), "松本市");
	assert_string_equal(s_at(cv, "extension[0].url"),
			    "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonSymbol");
	assert_string_equal(s_at(cv, "extension[0].valueString"), "松国");
	assert_string_equal(s_at(cv, "extension[1].url"),
			    "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonNumber");
	assert_string_equal(s_at(cv, "extension[1].valueString"), "1234567");
	assert_string_equal(s_at(cv, "subscriberId"), "1234567");
	assert_string_equal(s_at(cv, "period.start"), "2009-12-01");
	assert_string_equal(s_at(cv, "relationship.coding[0].code"), "self");
	assert_string_equal(s_at(cv, "subscriber.reference"), "Patient/" FAC "-00012345");
	json_t *h = res_of(&t, "Observation", 0);
	assert_string_equal(s_at(h, "code.coding[0].system"), JP_JLAC10_SYSTEM);
	assert_string_equal(s_at(h, "code.coding[0].code"), "9N001000000000001");
	assert_string_equal(s_at(h, "category[0].coding[0].code"), "vital-signs");
	assert_float_equal(n_at(h, "valueQuantity.value"), 158.2, 1e-9);
	assert_string_equal(s_at(h, "valueQuantity.system"), CODES_UCUM_SYSTEM);
	assert_string_equal(s_at(h, "valueQuantity.code"), "cm");
	assert_string_equal(s_at(h, "effectiveDateTime"), "2024-04-01T09:00:00+09:00");
	assert_string_equal(s_at(h, "id"), FAC "-00012345.-.ADT-00.CTRL0001.3");
	json_t *a = res_of(&t, "AllergyIntolerance", 0);
	assert_string_equal(s_at(a, "category[0]"), "medication");
	assert_string_equal(s_at(a, "code.coding[0].system"), JP_HOT9_SYSTEM);
	assert_string_equal(s_at(a, "code.coding[0].code"), "110626901");
	assert_string_equal(s_at(a, "reaction[0].severity"), "severe");
	assert_string_equal(s_at(a, "reaction[0].manifestation[0].text"), "発疹");
	assert_string_equal(s_at(a, "recordedDate"), "2020-03-01");
	assert_string_equal(s_at(a, "patient.reference"), "Patient/" FAC "-00012345");
	done(&t);
}

static void test_determinism(void **state)
{
	(void)state;
	build_adt00();
	struct run t1, t2;
	assert_int_equal(run(&t1, "ADT-00", ""), RK_OK);
	assert_int_equal(run(&t2, "ADT-00", ""), RK_OK);
	assert_true(json_equal(t1.r.patient, t2.r.patient));
	assert_int_equal(t1.r.n, t2.r.n);
	for (size_t i = 0; i < t1.r.n; i++) {
		assert_true(str_eq(t1.r.res[i].id, t2.r.res[i].id));
		assert_true(json_equal(t1.r.res[i].body, t2.r.res[i].body));
	}
	done(&t1);
	done(&t2);
}

/* ---- ADT-22 / ADT-52 / ADT-42: Encounter ---- */

static void test_encounters(void **state)
{
	(void)state;
	msh("ADT^A01^ADT_A01");
	seg("EVN", 2, "20240401100000", 0);
	pid("00012345");
	seg("PV1", 1, "0001", 2, "I", 3, "3W^305^2^^^N", 7, "D001^信州^一郎^^^^^^^L^^^^^I", 19, "V0099", 44,
	    "202404011000", 0);
	struct run t;
	assert_int_equal(run(&t, "ADT-22", ""), RK_OK);
	check_common(&t);
	assert_int_equal(t.r.n, 1);
	json_t *e = res_of(&t, "Encounter", 0);
	assert_string_equal(s_at(e, "status"), "arrived");
	assert_string_equal(s_at(e, "class.code"), "IMP");
	assert_string_equal(s_at(e, "period.start"), "2024-04-01T10:00:00+09:00");
	assert_string_equal(s_at(e, "participant[0].individual.display"), "信州 一郎");
	assert_string_equal(s_at(e, "participant[0].type[0].coding[0].code"), "ATND");
	assert_string_equal(s_at(e, "identifier[0].value"), "V0099");
	assert_string_equal(s_at(e, "location[0].status"), "active");
	assert_non_null(strstr(s_at(e, "location[0].location.display"), "305"));
	assert_true(str_eq_c(t.r.data_type, "ADT-22"));
	/* one Encounter per visit number: the admission's id is the stay's */
	assert_string_equal(s_at(e, "id"), FAC "-00012345.enc-vV0099");
	assert_true(t.r.res[0].shared);
	done(&t);

	msh("ADT^A03^ADT_A03");
	seg("EVN", 2, "20240410100000", 6, "20240410100000", 0);
	pid("00012345");
	seg("PV1", 1, "0001", 2, "I", 3, "3W^305^2", 36, "01", 44, "20240401100000", 45, "20240410100000", 0);
	assert_int_equal(run(&t, "", ""), RK_OK); /* inferred */
	assert_true(str_eq_c(t.r.data_type, "ADT-52"));
	e = res_of(&t, "Encounter", 0);
	assert_string_equal(s_at(e, "status"), "finished");
	assert_string_equal(s_at(e, "period.end"), "2024-04-10T10:00:00+09:00");
	assert_string_equal(s_at(e, "hospitalization.dischargeDisposition.coding[0].code"), "01");
	assert_string_equal(s_at(e, "location[0].status"), "completed");
	/* no visit number: keyed on the admission time (PV1-44) */
	assert_string_equal(s_at(e, "id"), FAC "-00012345.enc-a202404011000");
	check_common(&t);
	done(&t);

	msh("ADT^A02^ADT_A02");
	seg("EVN", 2, "20240405100000", 6, "202404051000", 0);
	pid("00012345");
	seg("PV1", 1, "0001", 2, "I", 3, "4E^401^1", 6, "3W^305^2", 0);
	assert_int_equal(run(&t, "ADT-42", ""), RK_OK);
	e = res_of(&t, "Encounter", 0);
	assert_string_equal(s_at(e, "status"), "in-progress");
	assert_string_equal(s_at(e, "location[0].period.start"), "2024-04-05T10:00:00+09:00");
	assert_string_equal(s_at(e, "location[1].status"), "completed");
	assert_string_equal(s_at(e, "location[1].period.end"), "2024-04-05T10:00:00+09:00");
	assert_false(t.r.res[0].shared); /* neither visit number nor admission time: the message's own */
	check_common(&t);
	done(&t);

	/* an outpatient visit without PV1-44: dated by its event (EVN-2, else MSH-7) */
	msh("ADT^A04^ADT_A01");
	seg("EVN", 2, "20240402091500", 0);
	pid("00012345");
	seg("PV1", 1, "0001", 2, "O", 3, "01^^^^^C", 0);
	assert_int_equal(run(&t, "ADT-12", ""), RK_OK);
	e = res_of(&t, "Encounter", 0);
	assert_string_equal(s_at(e, "class.code"), "AMB");
	assert_string_equal(s_at(e, "period.start"), "2024-04-02T09:15:00+09:00");
	check_common(&t);
	done(&t);
	msh("ADT^A04^ADT_A01");
	pid("00012345");
	seg("PV1", 1, "0001", 2, "O", 0);
	assert_int_equal(run(&t, "ADT-12", ""), RK_OK);
	assert_string_equal(s_at(res_of(&t, "Encounter", 0), "period.start"), "2024-04-01T09:00:00+09:00"); /* MSH-7 */
	done(&t);
	/* a discharge without PV1-45 ends at its event */
	msh("ADT^A03^ADT_A03");
	seg("EVN", 2, "20240410110000", 6, "20240410100000", 0);
	pid("00012345");
	seg("PV1", 1, "0001", 2, "I", 19, "V0099", 0);
	assert_int_equal(run(&t, "ADT-52", ""), RK_OK);
	e = res_of(&t, "Encounter", 0);
	assert_string_equal(s_at(e, "period.end"), "2024-04-10T10:00:00+09:00");
	assert_string_equal(s_at(e, "id"), FAC "-00012345.enc-vV0099");
	done(&t);

	/* no class, or one FHIR has no code for: the visit is kept, its class unknown, with a warning */
	msh("ADT^A01^ADT_A01");
	pid("00012345");
	seg("PV1", 1, "0001", 0);
	assert_int_equal(run(&t, "ADT-22", ""), RK_OK);
	e = res_of(&t, "Encounter", 0);
	assert_string_equal(s_at(e, "class.system"), "http://terminology.hl7.org/CodeSystem/v3-NullFlavor");
	assert_string_equal(s_at(e, "class.code"), "UNK");
	assert_non_null(strstr(t.r.warnings[0], "PV1-2: patient class missing"));
	done(&t);
	msh("ADT^A01^ADT_A01");
	pid("00012345");
	seg("PV1", 1, "0001", 2, "U", 0);
	assert_int_equal(run(&t, "ADT-22", ""), RK_OK);
	assert_non_null(strstr(t.r.warnings[0], "PV1-2: patient class 'U' has no FHIR equivalent"));
	done(&t);
	msh("ADT^A01^ADT_A01"); /* R, a recurring patient: outpatient visits */
	pid("00012345");
	seg("PV1", 1, "0001", 2, "R", 0);
	assert_int_equal(run(&t, "ADT-22", ""), RK_OK);
	assert_string_equal(s_at(res_of(&t, "Encounter", 0), "class.code"), "AMB");
	done(&t);
}

/* ---- ADT-61: AllergyIntolerance per IAM ---- */

static void test_adt61(void **state)
{
	(void)state;
	msh("ADT^A60^ADT_A60");
	seg("EVN", 2, "20240401", 0);
	pid("00012345");
	seg("IAM", 1, "1", 2, "DA^薬剤アレルギー^HL70127", 3, "103299401^ノルバスク錠５ｍｇ^HOT9", 4,
	    "MO^中等度^HL70128", 5, "浮腫", 6, "A^追加^HL70323", 11, "20230710", 0);
	seg("IAM", 1, "2", 2, "FA^食物アレルギー^HL70127", 3, "F001^そば^99XYZ", 4, "SV^重度^HL70128", 6, "A", 12,
	    "小児期", 0);
	struct run t;
	assert_int_equal(run(&t, "ADT-61", ""), RK_OK);
	check_common(&t);
	assert_int_equal(count_of(&t, "AllergyIntolerance"), 2);
	json_t *a = res_of(&t, "AllergyIntolerance", 0);
	assert_string_equal(s_at(a, "category[0]"), "medication");
	assert_string_equal(s_at(a, "code.coding[0].code"), "103299401");
	assert_string_equal(s_at(a, "code.coding[0].system"), JP_HOT9_SYSTEM);
	assert_string_equal(s_at(a, "reaction[0].severity"), "moderate");
	assert_string_equal(s_at(a, "onsetDateTime"), "2023-07-10");
	assert_string_equal(s_at(a, "clinicalStatus.coding[0].code"), "active");
	a = res_of(&t, "AllergyIntolerance", 1);
	assert_string_equal(s_at(a, "category[0]"), "food");
	assert_string_equal(s_at(a, "code.coding[0].system"), "urn:renkei:CodeSystem:v2-local:" FAC ":99XYZ");
	assert_string_equal(s_at(a, "onsetString"), "小児期");
	assert_string_equal(s_at(a, "reaction[0].manifestation[0].text"), "アレルギー反応情報なし");
	done(&t);
}

/* ---- PPR-01: Condition ---- */

static void test_ppr01(void **state)
{
	(void)state;
	msh("PPR^ZD1^PPR_ZD1");
	pid("00012345");
	seg("PRB", 1, "AD", 2, "20240401", 3, "20087549^２型糖尿病^MDCDX2", 4, "P0001", 7, "20240401", 10,
	    "E11.9^^I10^O^外来時^JHSD0004", 14, "N^回復せず^HL70241", 16, "20230105", 17, "２型糖尿病", 18,
	    "1^主診断^JHSD0007", 0);
	seg("ZPR", 2, "20087549^２型糖尿病^MDCDX2", 5, "BA0Q^２型糖尿病^MDCDX2", 0);
	seg("ORC", 1, "NW", 2, "DX0001", 12, "D001^信州^一郎", 0);
	struct run t;
	assert_int_equal(run(&t, "PPR-01", ""), RK_OK);
	check_common(&t);
	json_t *c = res_of(&t, "Condition", 0);
	assert_string_equal(s_at(c, "code.coding[0].system"), JP_MEDIS_DISEASE_SYSTEM);
	assert_string_equal(s_at(c, "code.coding[0].code"), "BA0Q");
	assert_string_equal(s_at(c, "code.coding[2].system"), JP_ICD10_SYSTEM);
	assert_string_equal(s_at(c, "code.coding[2].code"), "E119");
	assert_string_equal(s_at(c, "code.text"), "２型糖尿病");
	assert_string_equal(s_at(c, "onsetDateTime"), "2023-01-05");
	assert_string_equal(s_at(c, "clinicalStatus.coding[0].code"), "active");
	assert_string_equal(s_at(c, "verificationStatus.coding[0].code"), "confirmed");
	assert_string_equal(s_at(c, "category[1].coding[0].display"), "主診断");
	assert_string_equal(s_at(c, "recorder.display"), "信州 一郎");
	assert_string_equal(s_at(c, "identifier[0].value"), "P0001");
	done(&t);

	msh("PPR^ZD1^PPR_ZD1");
	pid("00012345");
	seg("PRB", 1, "AD", 3, "ABC^糖尿病^MDCDX2", 10, "E11.9.9.9^^I10", 0);
	/* a code of the wrong shape is kept as sent, under the sender's system name, with a
	 * warning: a diagnosis is not lost for its code (JAMI: local codes are valid) */
	assert_int_equal(run(&t, "PPR-01", ""), RK_OK);
	c = res_of(&t, "Condition", 0);
	assert_string_equal(s_at(c, "code.coding[0].system"), "urn:renkei:CodeSystem:v2:I10");
	assert_string_equal(s_at(c, "code.coding[0].code"), "E11999");
	assert_int_equal(t.r.nwarn, 2); /* and the MDCDX2 code of the wrong shape, kept as text */
	assert_non_null(strstr(t.r.warnings[1], "PRB-3: ICD-10 code 'E11999'"));
	done(&t);

	/* PRB-13 疑い: a suspected diagnosis is provisional, not confirmed (JAMI's mapping) */
	msh("PPR^ZD1^PPR_ZD1");
	pid("00012345");
	seg("PRB", 1, "AD", 3, "20054174^胃炎^MDCDX2", 4, "P0002", 13, "P^疑い^99SPC", 17, "胃炎", 0);
	seg("PRB", 1, "AD", 3, "20063485^胃潰瘍^MDCDX2", 4, "P0003", 17, "胃潰瘍の疑い", 0);
	seg("PRB", 1, "AD", 3, "20087549^２型糖尿病^MDCDX2", 4, "P0004", 13, "C^確定^99SPC", 17, "２型糖尿病", 0);
	seg("PRB", 1, "AD", 3, "20059627^肺炎^MDCDX2", 4, "P0005", 13, "疑い", 0);
	assert_int_equal(run(&t, "PPR-01", ""), RK_OK);
	check_common(&t);
	assert_string_equal(s_at(res_of(&t, "Condition", 0), "verificationStatus.coding[0].code"), "provisional");
	assert_string_equal(s_at(res_of(&t, "Condition", 1), "verificationStatus.coding[0].code"), "provisional");
	assert_string_equal(s_at(res_of(&t, "Condition", 2), "verificationStatus.coding[0].code"), "confirmed");
	assert_string_equal(s_at(res_of(&t, "Condition", 3), "verificationStatus.coding[0].code"), "provisional");
	done(&t);
}

/* ---- OMP-01 / OMP-02: MedicationRequest ---- */

static void build_omp01(const char *control, const char *hot9)
{
	msh("RDE^O11^RDE_O11");
	pid("00012345");
	seg("PV1", 1, "0001", 2, "O", 0);
	seg("ORC", 1, control, 2, "RX0001", 4, "1", 9, "20240401103000", 10, "N01^入力^花子", 12, "D001^信州^一郎", 0);
	char f2[64];
	snprintf(f2, sizeof f2, "%s^ノルバスク錠５ｍｇ^HOT9", hot9);
	seg("RXE", 2, f2, 3, "1", 5, "TAB^錠^MR9P", 10, "14", 11, "TAB^錠^MR9P", 19, "1^TAB&錠&MR9P", 21,
	    "OHO^院外処方^MR9P", 0);
	seg("TQ1", 1, "1", 3, "1011000400000000&内服・経口・１日１回朝食後&JAMISDP01", 6, "14^d", 7, "20240401", 0);
	seg("RXR", 1, "PO^口^HL70162", 0);
}

static void test_omp01(void **state)
{
	(void)state;
	build_omp01("NW", "103299401");
	struct run t;
	assert_int_equal(run(&t, "OMP-01", ""), RK_OK);
	check_common(&t);
	assert_int_equal(t.r.n, 1);
	json_t *m = res_of(&t, "MedicationRequest", 0);
	assert_string_equal(s_at(m, "id"), FAC "-00012345.20240401.OMP-01.RX0001.4");
	assert_true(str_eq_c(t.r.doc_key, FAC "-00012345.20240401.OMP-01.RX0001"));
	assert_string_equal(s_at(m, "status"), "active");
	assert_string_equal(s_at(m, "intent"), "order");
	assert_string_equal(s_at(m, "medicationCodeableConcept.coding[0].system"), JP_HOT9_SYSTEM);
	assert_string_equal(s_at(m, "medicationCodeableConcept.coding[0].code"), "103299401");
	assert_string_equal(s_at(m, "category[0].coding[0].code"), "1"); /* 内服 */
	assert_string_equal(s_at(m, "category[1].coding[0].system"), CODES_MERIT9_CATEGORY_SYSTEM);
	assert_string_equal(s_at(m, "category[1].coding[0].code"), "OHO");
	assert_string_equal(s_at(m, "identifier[0].system"), CODES_RP_NUMBER_SYSTEM);
	assert_string_equal(s_at(m, "identifier[0].value"), "1");
	assert_string_equal(s_at(m, "identifier[1].system"),
			    "http://jpfhir.jp/fhir/core/mhlw/IdSystem/MedicationAdministrationIndex"); /* order in Rp */
	assert_string_equal(s_at(m, "identifier[1].value"), "1");
	assert_string_equal(s_at(m, "identifier[2].value"), FAC "-RX0001");
	assert_string_equal(s_at(m, "authoredOn"), "2024-04-01T10:30:00+09:00");
	assert_string_equal(s_at(m, "requester.display"), "信州 一郎");
	json_t *d = at(m, "dosageInstruction[0]");
	assert_string_equal(s_at(d, "timing.code.coding[0].system"), CODES_JAMI_USAGE_SYSTEM);
	assert_string_equal(s_at(d, "timing.code.coding[0].code"), "1011000400000000");
	assert_float_equal(n_at(d, "timing.repeat.boundsDuration.value"), 14, 0);
	/* the start (TQ1-7) is kept although a day count (TQ1-6) is there: JP Core's extensions */
	assert_string_equal(s_at(d, "extension[0].url"), "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/"
							 "JP_MedicationRequest_DosageInstruction_PeriodOfUse");
	assert_string_equal(s_at(d, "extension[0].valuePeriod.start"), "2024-04-01");
	assert_string_equal(s_at(d, "extension[1].url"), "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/"
							 "JP_MedicationRequest_DosageInstruction_UsageDuration");
	assert_float_equal(n_at(d, "extension[1].valueDuration.value"), 14, 0);
	assert_string_equal(s_at(d, "extension[1].valueDuration.unit"), "日");
	assert_string_equal(s_at(d, "text"), "内服・経口・１日１回朝食後");
	assert_string_equal(s_at(d, "method.coding[0].system"), CODES_JAMI_DETAIL_USAGE_SYSTEM);
	assert_string_equal(s_at(d, "method.coding[0].code"), "10"); /* 経口 */
	assert_string_equal(s_at(d, "timing.repeat.boundsDuration.code"), "d");
	assert_string_equal(s_at(d, "route.coding[0].code"), "PO");
	assert_float_equal(n_at(d, "doseAndRate[0].doseQuantity.value"), 1, 0);
	assert_string_equal(s_at(d, "doseAndRate[0].doseQuantity.system"), CODES_MERIT9_UNIT_SYSTEM);
	assert_string_equal(s_at(d, "doseAndRate[0].doseQuantity.code"), "TAB");
	assert_string_equal(s_at(d, "doseAndRate[0].doseQuantity.unit"), "錠");
	assert_float_equal(n_at(d, "doseAndRate[0].rateRatio.numerator.value"), 1, 0);
	assert_float_equal(n_at(m, "dispenseRequest.quantity.value"), 14, 0);
	assert_string_equal(s_at(m, "dispenseRequest.quantity.code"), "TAB");
	assert_float_equal(n_at(m, "dispenseRequest.expectedSupplyDuration.value"), 14, 0);
	done(&t);

	build_omp01("CA", "103299401"); /* the order withdrawn */
	assert_int_equal(run(&t, "OMP-01", ""), RK_OK);
	assert_true(t.r.cancel);
	assert_int_equal(t.r.n, 0);
	done(&t);

	/* a drug code of the wrong shape, or of a local table: kept as sent, with a warning */
	build_omp01("NW", "12345");
	assert_int_equal(run(&t, "OMP-01", ""), RK_OK);
	check_common(&t);
	m = res_of(&t, "MedicationRequest", 0);
	assert_string_equal(s_at(m, "medicationCodeableConcept.coding[0].system"), "urn:renkei:CodeSystem:v2:HOT9");
	assert_string_equal(s_at(m, "medicationCodeableConcept.coding[0].code"), "12345");
	assert_non_null(strstr(t.r.warnings[0], "RXE-2: HOT9 code '12345' is not 9 digits (HOT9)"));
	done(&t);
	build_omp01("NW", "103299401");
	char *p = strstr(msgbuf, "^HOT9");
	memcpy(p, "^99XX", 5);
	assert_int_equal(run(&t, "OMP-01", ""), RK_OK);
	m = res_of(&t, "MedicationRequest", 0);
	assert_string_equal(s_at(m, "medicationCodeableConcept.coding[0].system"),
			    "urn:renkei:CodeSystem:v2-local:" FAC ":99XX");
	assert_non_null(strstr(t.r.warnings[0], "not HOT, YJ or 一般名; kept as sent"));
	done(&t);
	/* a dose in words ("適量", topicals) joins the dosage's text; the line is kept */
	build_omp01("NW", "103299401");
	p = strstr(msgbuf, "RXE|");
	p = strstr(p, "|1||TAB");
	assert_non_null(p);
	memmove(p + 7, p + 2, strlen(p + 2) + 1);
	memcpy(p + 1, "適量", 6);
	assert_int_equal(run(&t, "OMP-01", ""), RK_OK);
	m = res_of(&t, "MedicationRequest", 0);
	assert_null(at(m, "dosageInstruction[0].doseAndRate[0].doseQuantity"));
	assert_string_equal(s_at(m, "dosageInstruction[0].text"), "適量 錠 内服・経口・１日１回朝食後");
	assert_non_null(strstr(t.r.warnings[0], "RXE-3: '適量' is not a number; kept as text"));
	done(&t);
	build_omp01("NW", "103299401");
	p = strstr(msgbuf, "20240401103000");
	memcpy(p, "2024133", 7);
	expect_fail("OMP-01", "", "ORC-9:");
}

/* Every drug line is kept with the code and system it was sent with: HOT13,
 * HOT7, HOT (by length), YJ, 一般名 under JP Core's systems, a local table
 * (99xxx) under the sender's own system, an unknown system with a warning.
 * None of them drops the message or a line. */
static void test_drug_codes(void **state)
{
	(void)state;
	static const struct {
		const char *rxe2, *system, *code;
	} lines[] = {
		{"1234567010101^アムロジピン錠５ｍｇ「Ａ」^HOT13", JP_HOT13_SYSTEM, "1234567010101"},
		{"1234567^アムロジピン錠５ｍｇ^HOT7", JP_HOT7_SYSTEM, "1234567"},
		{"1234567010102^アムロジピン錠５ｍｇ「Ｂ」^HOT", JP_HOT13_SYSTEM, "1234567010102"},
		{"2171022F1020^ノルバスク錠５ｍｇ^YJ", JP_YJ_SYSTEM, "2171022F1020"},
		{"2171022F1ZZZ^【般】アムロジピン錠５ｍｇ^IPPAN", JP_GENERIC_NAME_SYSTEM, "2171022F1ZZZ"},
		{"99012^院内製剤軟膏^99YKZ", "urn:renkei:CodeSystem:v2-local:" FAC ":99YKZ", "99012"},
		{"A-77^治験薬^ZZDRUG", "urn:renkei:CodeSystem:v2:ZZDRUG", "A-77"},
	};
	size_t n = sizeof lines / sizeof lines[0];
	msh("RDE^O11^RDE_O11");
	pid("00012345");
	for (size_t i = 0; i < n; i++) {
		seg("ORC", 1, "NW", 2, "RX0002", 4, i < 4 ? "1" : "2", 9, "20240401103000", 0);
		seg("RXE", 2, lines[i].rxe2, 3, "1", 5, "TAB^錠^MR9P", 10, "7", 11, "TAB^錠^MR9P", 0);
		seg("TQ1", 1, "1", 3, "1011000400000000&内服・経口・１日１回朝食後&JAMISDP01", 6, "7^d", 7, "20240401",
		    0);
	}
	seg("ORC", 1, "NW", 2, "RX0002", 4, "3", 9, "20240401103000", 0);
	seg("RXE", 2, "^ビタミン剤（院内名称）", 3, "1", 5, "TAB^錠^MR9P", 0); /* a name without a code */
	struct run t;
	assert_int_equal(run(&t, "OMP-01", ""), RK_OK);
	check_common(&t);
	assert_int_equal(count_of(&t, "MedicationRequest"), n + 1);
	for (size_t i = 0; i < n; i++) {
		json_t *m = res_of(&t, "MedicationRequest", i);
		assert_string_equal(s_at(m, "medicationCodeableConcept.coding[0].system"), lines[i].system);
		assert_string_equal(s_at(m, "medicationCodeableConcept.coding[0].code"), lines[i].code);
		/* the order within its Rp: lines 1-4 are Rp 1, lines 5-7 Rp 2 */
		char want[4];
		snprintf(want, sizeof want, "%zu", i < 4 ? i + 1 : i - 3);
		assert_string_equal(s_at(m, "identifier[1].value"), want);
	}
	assert_string_equal(s_at(res_of(&t, "MedicationRequest", n), "medicationCodeableConcept.text"),
			    "ビタミン剤（院内名称）");
	assert_int_equal(t.r.nwarn, 2); /* the local and the unknown system */
	assert_non_null(strstr(t.r.warnings[0], "'99012' of the local system '99YKZ'"));
	assert_non_null(strstr(t.r.warnings[1], "'A-77' of the code system 'ZZDRUG'"));
	done(&t);

	/* an administration (RXA-5) of a HOT13 drug and of a local one */
	msh("RAS^O17^RAS_O17");
	pid("00012345");
	seg("ORC", 1, "NW", 2, "INJ0002", 0);
	seg("RXA", 1, "0", 2, "1", 3, "20240402100500", 5, "1234567010101^アムロジピン錠５ｍｇ「Ａ」^HOT13", 6, "1", 7,
	    "TAB^錠^MR9P", 0);
	seg("RXA", 1, "0", 2, "2", 3, "20240402100500", 5, "99013^院内製剤^99YKZ", 6, "1", 7, "TAB^錠^MR9P", 0);
	assert_int_equal(run(&t, "OMP-11", ""), RK_OK);
	assert_int_equal(count_of(&t, "MedicationAdministration"), 2);
	assert_string_equal(
		s_at(res_of(&t, "MedicationAdministration", 0), "medicationCodeableConcept.coding[0].system"),
		JP_HOT13_SYSTEM);
	assert_string_equal(s_at(res_of(&t, "MedicationAdministration", 1), "medicationCodeableConcept.coding[0].code"),
			    "99013");
	done(&t);
	/* only a line with neither code nor name is refused, and says so */
	msh("RDE^O11^RDE_O11");
	pid("00012345");
	seg("ORC", 1, "NW", 2, "RX0003", 0);
	seg("RXE", 3, "1", 0);
	expect_fail("OMP-01", "", "RXE-2: medicine missing");
}

static void test_omp02(void **state)
{
	(void)state;
	msh("RDE^O11^RDE_O11");
	pid("00012345");
	seg("ORC", 1, "NW", 2, "INJ0001", 9, "20240402090000", 12, "D001^信州^一郎", 0);
	seg("RXE", 2, "00^一般^99I02", 3, "500", 5, "ML^ミリリットル^MR9P", 21, "IHP^入院処方^MR9P", 23, "100", 24,
	    "ml/hr^ミリリットル/時間^ISO+", 0);
	seg("TQ1", 1, "1", 7, "202404021000", 8, "202404021500", 0);
	seg("RXR", 1, "IV^静脈内^HL70162", 0);
	seg("RXC", 1, "B", 2, "107673801^大塚生食注^HOT9", 3, "1", 4, "HON^本^MR9P", 0);
	seg("RXC", 1, "A", 2, "111073903^ロセフィン静注用１ｇ^HOT9", 3, "1", 4, "VIA^瓶^MR9P", 0);
	struct run t;
	assert_int_equal(run(&t, "", ""), RK_OK); /* RDE with RXC: inferred OMP-02 */
	assert_true(str_eq_c(t.r.data_type, "OMP-02"));
	check_common(&t);
	assert_int_equal(count_of(&t, "MedicationRequest"), 2);
	json_t *m = res_of(&t, "MedicationRequest", 1);
	assert_string_equal(s_at(m, "medicationCodeableConcept.coding[0].code"), "111073903");
	assert_string_equal(s_at(m, "category[0].coding[0].code"), "3"); /* 注射 */
	assert_string_equal(s_at(m, "groupIdentifier.value"), FAC "-INJ0001");
	assert_string_equal(s_at(m, "dosageInstruction[0].route.coding[0].code"), "IV");
	assert_string_equal(s_at(m, "dosageInstruction[0].doseAndRate[0].doseQuantity.code"), "VIA");
	assert_float_equal(n_at(m, "dosageInstruction[0].doseAndRate[0].rateQuantity.value"), 100, 0);
	assert_string_equal(s_at(m, "dosageInstruction[0].timing.repeat.boundsPeriod.end"),
			    "2024-04-02T15:00:00+09:00");
	done(&t);
}

/* ---- OMP-12: MedicationAdministration ---- */

static void test_omp12(void **state)
{
	(void)state;
	msh("RAS^O17^RAS_O17");
	pid("00012345");
	seg("ORC", 1, "NW", 2, "INJ0001", 0);
	seg("RXA", 1, "0", 2, "1", 3, "20240402100500", 4, "20240402150000", 5, "111073903^ロセフィン静注用１ｇ^HOT9",
	    6, "1", 7, "VIA^瓶^MR9P", 9, "^左手に実施^99IC2", 10, "N02^看護^次郎", 20, "CP", 0);
	seg("RXR", 1, "IV^静脈内^HL70162", 0);
	struct run t;
	assert_int_equal(run(&t, "", ""), RK_OK);
	assert_true(str_eq_c(t.r.data_type, "OMP-12"));
	check_common(&t);
	json_t *a = res_of(&t, "MedicationAdministration", 0);
	assert_string_equal(s_at(a, "status"), "completed");
	assert_string_equal(s_at(a, "medicationCodeableConcept.coding[0].code"), "111073903");
	assert_string_equal(s_at(a, "effectivePeriod.start"), "2024-04-02T10:05:00+09:00");
	assert_string_equal(s_at(a, "effectivePeriod.end"), "2024-04-02T15:00:00+09:00");
	assert_string_equal(s_at(a, "dosage.route.coding[0].code"), "IV");
	assert_float_equal(n_at(a, "dosage.dose.value"), 1, 0);
	assert_string_equal(s_at(a, "performer[0].actor.display"), "看護 次郎");
	assert_string_equal(s_at(a, "request.identifier.value"), FAC "-INJ0001");
	assert_string_equal(s_at(a, "note[0].text"), "左手に実施");
	done(&t);
}

/* ---- OML-11: Observation + DiagnosticReport ---- */

static void build_oml11(const char *value, const char *code)
{
	msh("OUL^R22^OUL_R22");
	pid("00012345");
	seg("SPM", 1, "1", 2, "SP0001", 4, "023^血清^JC10", 0);
	seg("OBR", 1, "1", 2, "LB0001", 3, "SP0001", 4, "E001^生化学^99O03", 7, "20240401090000", 22, "20240401113000",
	    25, "F", 0);
	seg("ORC", 1, "SC", 2, "LB0001", 5, "CM", 0);
	char f3[64];
	snprintf(f3, sizeof f3, "%s^HbA1c(NGSP)^JC10", code);
	seg("OBX", 1, "1", 2, "NM", 3, f3, 5, value, 6, "%^%^ISO+", 7, "4.9-6.0", 8, "H", 11, "F", 14, "20240401090000",
	    0);
	seg("OBX", 1, "2", 2, "NM", 3, "3F077000002327101^LDLコレステロール^JC10", 5, "58", 6, "mg/dL^mg/dL^ISO+", 7,
	    "65-163", 8, "L", 11, "F", 0);
}

static void test_oml11(void **state)
{
	(void)state;
	build_oml11("7.4", "3D046000001906202");
	struct run t;
	assert_int_equal(run(&t, "OML-11", ""), RK_OK);
	check_common(&t);
	assert_int_equal(t.r.n, 4);
	/* SPM → Specimen, first, referred to by the results */
	json_t *sp = res_of(&t, "Specimen", 0);
	assert_string_equal(t.r.res[0].type, "Specimen");
	assert_string_equal(s_at(sp, "type.coding[0].code"), "023");
	assert_string_equal(s_at(sp, "type.text"), "血清");
	assert_string_equal(s_at(sp, "identifier[0].value"), "SP0001");
	assert_string_equal(s_at(sp, "subject.reference"), "Patient/" FAC "-00012345");
	json_t *o = res_of(&t, "Observation", 0);
	char spref[128];
	snprintf(spref, sizeof spref, "Specimen/%s", s_at(sp, "id"));
	assert_string_equal(s_at(o, "specimen.reference"), spref);
	assert_string_equal(s_at(o, "code.coding[0].system"), JP_JLAC10_SYSTEM);
	assert_string_equal(s_at(o, "code.coding[0].code"), "3D046000001906202");
	assert_float_equal(n_at(o, "valueQuantity.value"), 7.4, 1e-9);
	assert_string_equal(s_at(o, "valueQuantity.unit"), "%");
	assert_float_equal(n_at(o, "referenceRange[0].low.value"), 4.9, 1e-9);
	assert_float_equal(n_at(o, "referenceRange[0].high.value"), 6.0, 1e-9);
	char lex[24]; /* the digits as the laboratory sent them: 6.0 is not 6 */
	struct str hl = rk_json_number_lexeme(at(o, "referenceRange[0].high.value"), lex);
	assert_true(str_eq_c(hl, "6.0"));
	assert_string_equal(s_at(o, "interpretation[0].coding[0].code"), "H");
	assert_string_equal(s_at(o, "status"), "final");
	assert_string_equal(s_at(o, "category[0].coding[0].code"), "laboratory");
	assert_string_equal(s_at(o, "effectiveDateTime"), "2024-04-01T09:00:00+09:00");
	assert_string_equal(s_at(o, "issued"), "2024-04-01T11:30:00+09:00");
	assert_string_equal(s_at(o, "specimen.display"), "血清");
	o = res_of(&t, "Observation", 1);
	assert_string_equal(s_at(o, "interpretation[0].coding[0].code"), "L");
	assert_string_equal(s_at(o, "effectiveDateTime"), "2024-04-01T09:00:00+09:00"); /* from OBR-7 */
	json_t *r = res_of(&t, "DiagnosticReport", 0);
	assert_string_equal(s_at(r, "category[0].coding[0].code"), "LAB");
	assert_string_equal(s_at(r, "status"), "final");
	assert_int_equal(json_array_size(at(r, "result")), 2);
	char ref[128];
	snprintf(ref, sizeof ref, "Observation/%s", s_at(res_of(&t, "Observation", 0), "id"));
	assert_string_equal(s_at(r, "result[0].reference"), ref);
	/* the report comes after what it refers to */
	assert_string_equal(t.r.res[t.r.n - 1].type, "DiagnosticReport");
	done(&t);

	build_oml11("abc", "3D046000001906202"); /* NM "abc": kept as text, with a warning */
	assert_int_equal(run(&t, "OML-11", ""), RK_OK);
	assert_string_equal(s_at(res_of(&t, "Observation", 0), "valueString"), "abc %");
	assert_non_null(strstr(t.r.warnings[0], "OBX-5 (NM): 'abc' is not a number; kept as text"));
	done(&t);
	build_oml11("7.4", "3D0460000"); /* a local or truncated lab code: the result is kept with it, and a warning */
	assert_int_equal(run(&t, "OML-11", ""), RK_OK);
	json_t *kept = res_of(&t, "Observation", 0);
	assert_string_equal(s_at(kept, "code.coding[0].system"), "urn:renkei:CodeSystem:v2:JC10");
	assert_string_equal(s_at(kept, "code.coding[0].code"), "3D0460000");
	assert_non_null(strstr(t.r.warnings[0], "OBX-3: JLAC10 code '3D0460000' is not 17"));
	done(&t);
}

/* ---- OMG-01 / OMG-11 / OMD ---- */

static void test_omg_omd(void **state)
{
	(void)state;
	msh("OMG^O19^OMG_O19");
	pid("00012345");
	seg("ORC", 1, "NW", 2, "XR0001", 9, "20240403090000", 12, "D001^信州^一郎", 0);
	seg("TQ1", 1, "1", 9, "S^^HL70485", 0);
	seg("OBR", 2, "XR0001", 4, "1000000000000000^Ｘ線単純撮影^JJ1017", 0);
	seg("OBX", 2, "TX", 3, "MS3-34^臨床病名^JSHR", 5, "肺炎の疑い", 11, "F", 0);
	seg("ORC", 1, "CH", 2, "XR0002", 8, "XR0001", 9, "20240403090000", 0);
	seg("OBR", 2, "XR0002", 4, "10000002000102000000010000000000^胸部.立位正面^JJ1017", 0);
	struct run t;
	assert_int_equal(run(&t, "", ""), RK_OK);
	assert_true(str_eq_c(t.r.data_type, "OMG-01"));
	check_common(&t);
	assert_int_equal(count_of(&t, "ServiceRequest"), 2);
	json_t *s0 = res_of(&t, "ServiceRequest", 0), *s1 = res_of(&t, "ServiceRequest", 1);
	assert_string_equal(s_at(s0, "priority"), "stat");
	assert_string_equal(s_at(s0, "category[0].text"), "放射線検査");
	assert_string_equal(s_at(s0, "code.coding[0].code"), "1000000000000000");
	assert_string_equal(s_at(s0, "note[0].text"), "臨床病名: 肺炎の疑い");
	char ref[128];
	snprintf(ref, sizeof ref, "ServiceRequest/%s", s_at(s0, "id"));
	assert_string_equal(s_at(s1, "basedOn[0].reference"), ref);
	done(&t);

	msh("OMI^Z23^OMI_Z23");
	pid("00012345");
	seg("ORC", 1, "NW", 2, "US0001", 9, "20240403100000", 0);
	seg("OBR", 2, "US0001", 4, "99A000000000000^経皮的超音波検査^JJ1017", 7, "20240403101500", 0);
	seg("IPC", 1, "ACC0001", 2, "P1", 3, "1.2.392.200036.9999.1", 5, "US^^DCM", 0);
	seg("IPC", 1, "ACC0001", 2, "P1", 3, "1.2.392.200036.9999.1", 5, "US^^DCM", 0);
	assert_int_equal(run(&t, "", ""), RK_OK);
	assert_true(str_eq_c(t.r.data_type, "OMG-11"));
	check_common(&t);
	assert_int_equal(t.r.n, 1);
	json_t *img = res_of(&t, "ImagingStudy", 0);
	assert_string_equal(s_at(img, "identifier[0].value"), "urn:oid:1.2.392.200036.9999.1");
	assert_string_equal(s_at(img, "identifier[1].value"), "ACC0001");
	assert_string_equal(s_at(img, "modality[0].code"), "US");
	assert_string_equal(s_at(img, "started"), "2024-04-03T10:15:00+09:00");
	done(&t);

	msh("OMD^O03^OMD_O03");
	pid("00012345");
	seg("ORC", 1, "NW", 2, "DT0001", 9, "20240404080000", 12, "D001^信州^一郎", 0);
	seg("TQ1", 1, "1", 3, "TID&１日３回&HL70335", 7, "2024040407", 0);
	seg("ODS", 1, "D", 3, "001^常食^99XY3", 4, "塩分控えめ", 0);
	assert_int_equal(run(&t, "OMD", ""), RK_OK);
	check_common(&t);
	json_t *n = res_of(&t, "NutritionOrder", 0);
	assert_string_equal(s_at(n, "status"), "active");
	assert_string_equal(s_at(n, "dateTime"), "2024-04-04T08:00:00+09:00");
	assert_string_equal(s_at(n, "oralDiet.type[0].coding[0].code"), "001");
	assert_string_equal(s_at(n, "oralDiet.instruction"), "塩分控えめ");
	assert_string_equal(s_at(n, "oralDiet.schedule[0].repeat.boundsPeriod.start"), "2024-04-04T07:00:00+09:00");
	assert_string_equal(s_at(n, "orderer.display"), "信州 一郎");
	done(&t);
}

/* ---- what clinicians read: contacts, allergy criticality, J-FAGY, bounded results ---- */

static void test_details(void **state)
{
	(void)state;
	msh("ADT^A08^ADT_A01");
	seg("EVN", 2, "20240401090000", 0);
	pid("00012345");
	seg("NK1", 1, "1", 2, "山田^太郎^^^^^L^I~ヤマダ^タロウ^^^^^L^P", 3, "SPO^配偶者^HL70063", 4,
	    "^^^^390-0001^JPN^H^長野県松本市中央１－１", 5, "^PRN^PH^^^^^^^^^0263-22-2222", 13, "松本商事^D", 0);
	seg("AL1", 1, "1", 2, "DA^薬剤アレルギー^HL70127", 3, "110626901^パンスポリンＴ錠１００^HOT9", 4,
	    "SV^重度^HL70128", 5, "アナフィラキシーショック", 0);
	seg("AL1", 1, "2", 2, "FA^食物アレルギー^HL70127", 3, "J9FA19140000^そば^JFAGY", 4, "MI^軽度^HL70128", 5,
	    "じんま疹", 0);
	seg("AL1", 1, "3", 2, "EA^環境アレルギー^HL70127", 3, "J9NB11000000^ハウスダスト^JFAGY", 5, "アナフィラキシー",
	    0);
	struct run t;
	assert_int_equal(run(&t, "ADT-00", ""), RK_OK);
	check_common(&t);
	json_t *ct = at(t.r.patient, "contact[0]");
	assert_non_null(ct);
	assert_string_equal(s_at(ct, "relationship[0].coding[0].code"), "SPO");
	assert_string_equal(s_at(ct, "relationship[0].coding[0].system"),
			    "http://terminology.hl7.org/CodeSystem/v2-0063");
	assert_string_equal(s_at(ct, "name.family"), "山田");
	assert_string_equal(s_at(ct, "telecom[0].value"), "0263-22-2222");
	assert_string_equal(s_at(ct, "address.postalCode"), "390-0001");
	assert_string_equal(s_at(ct, "organization.display"), "松本商事");
	json_t *a0 = res_of(&t, "AllergyIntolerance", 0), *a1 = res_of(&t, "AllergyIntolerance", 1),
	       *a2 = res_of(&t, "AllergyIntolerance", 2);
	assert_string_equal(s_at(a0, "criticality"), "high");
	assert_string_equal(s_at(a1, "criticality"), "low");
	assert_string_equal(s_at(a2, "criticality"), "high"); /* anaphylaxis, whatever AL1-4 says */
	assert_string_equal(s_at(a2, "reaction[0].severity"), "severe");
	assert_string_equal(s_at(a1, "code.coding[0].system"), CODES_JFAGY_FOOD_SYSTEM);
	assert_string_equal(s_at(a2, "code.coding[0].system"), CODES_JFAGY_OTHER_SYSTEM);
	done(&t);

	/* a result below the limit of detection keeps its comparator and unit */
	msh("OUL^R22^OUL_R22");
	pid("00012345");
	seg("OBR", 1, "1", 2, "LB0002", 4, "E001^生化学^99O03", 7, "20240401090000", 0);
	seg("OBX", 1, "1", 2, "ST", 3, "5C070000002399101^ＣＲＰ^JC10", 5, "<0.03", 6, "mg/dL^mg/dL^ISO+", 11, "F", 0);
	seg("OBX", 1, "2", 2, "NM", 3, "5C095000002399101^ＰＣＴ^JC10", 5, ">=100", 6, "ng/mL^ng/mL^ISO+", 11, "F", 0);
	seg("OBX", 1, "3", 2, "SN", 3, "3D046000001906202^HbA1c^JC10", 5, "<^4.0", 6, "%^%^ISO+", 11, "F", 0);
	seg("OBX", 1, "4", 2, "ST", 3, "1A020000000191111^尿蛋白^JC10", 5, "陰性", 11, "F", 0);
	/* a word where NM wants a number: kept as text with a warning, the file is not dropped */
	seg("OBX", 1, "5", 2, "NM", 3, "3B035000002327201^ＡＳＴ^JC10", 5, "溶血", 6, "U/L^U/L^ISO+", 11, "F", 0);
	/* SS-MIX2's own examples: a 5-character JLAC10 分析物コード with a sub-component suffix */
	seg("OBX", 1, "6", 2, "TX", 3, "9A100&IMP^心電図所見^JC10", 5, "洞調律", 11, "F", 0);
	assert_int_equal(run(&t, "OML-11", ""), RK_OK);
	check_common(&t);
	assert_int_equal(t.r.nwarn, 1);
	assert_non_null(strstr(t.r.warnings[0], "OBX-5 (NM): '溶血' is not a number; kept as text"));
	assert_string_equal(s_at(res_of(&t, "Observation", 4), "valueString"), "溶血 U/L");
	assert_string_equal(s_at(res_of(&t, "Observation", 5), "code.coding[0].system"),
			    "urn:renkei:CodeSystem:jlac10-analyte");
	assert_string_equal(s_at(res_of(&t, "Observation", 5), "code.coding[0].code"), "9A100");
	json_t *o = res_of(&t, "Observation", 0);
	assert_string_equal(s_at(o, "valueQuantity.comparator"), "<");
	assert_float_equal(n_at(o, "valueQuantity.value"), 0.03, 1e-12);
	assert_string_equal(s_at(o, "valueQuantity.unit"), "mg/dL");
	assert_string_equal(s_at(o, "valueQuantity.code"), "mg/dL");
	o = res_of(&t, "Observation", 1);
	assert_string_equal(s_at(o, "valueQuantity.comparator"), ">=");
	assert_string_equal(s_at(o, "valueQuantity.unit"), "ng/mL");
	o = res_of(&t, "Observation", 2);
	assert_string_equal(s_at(o, "valueQuantity.comparator"), "<");
	assert_string_equal(s_at(o, "valueQuantity.unit"), "%");
	assert_string_equal(s_at(res_of(&t, "Observation", 3), "valueString"), "陰性");
	done(&t);

	/* blood pressure 136/75: one Observation with two components */
	msh("ADT^A08^ADT_A01");
	seg("EVN", 2, "20240401090000", 0);
	pid("00012345");
	seg("OBX", 1, "1", 2, "NM", 3, "8480-6^収縮期血圧^LN", 5, "136", 6, "mm[Hg]^mmHg^ISO+", 11, "F", 0);
	seg("OBX", 1, "2", 2, "NM", 3, "8462-4^拡張期血圧^LN", 5, "75", 6, "mm[Hg]^mmHg^ISO+", 11, "F", 0);
	seg("OBX", 1, "3", 2, "NM", 3, "9N006000000000001^体重^JC10", 5, "51.5", 6, "kg^kg^ISO+", 11, "F", 0);
	assert_int_equal(run(&t, "ADT-00", ""), RK_OK);
	check_common(&t);
	assert_int_equal(count_of(&t, "Observation"), 2);
	o = res_of(&t, "Observation", 0);
	assert_string_equal(s_at(o, "code.coding[0].code"), "85354-9");
	assert_string_equal(s_at(o, "category[0].coding[0].code"), "vital-signs");
	assert_null(at(o, "valueQuantity"));
	assert_string_equal(s_at(o, "component[0].code.coding[0].code"), "8480-6");
	assert_float_equal(n_at(o, "component[0].valueQuantity.value"), 136, 0);
	assert_string_equal(s_at(o, "component[0].valueQuantity.code"), "mm[Hg]");
	assert_string_equal(s_at(o, "component[1].code.coding[0].code"), "8462-4");
	assert_float_equal(n_at(o, "component[1].valueQuantity.value"), 75, 0);
	assert_string_equal(s_at(o, "effectiveDateTime"), "2024-04-01T09:00:00+09:00");
	assert_float_equal(n_at(res_of(&t, "Observation", 1), "valueQuantity.value"), 51.5, 1e-9);
	done(&t);
}

/* ---- bad input, ids ---- */

static void test_bad_input(void **state)
{
	(void)state;
	msh("ZZZ^Z99");
	pid("00012345");
	expect_fail("", "", "unknown message type ZZZ^Z99");
	build_adt00();
	expect_fail("OMP-01", "", "unknown message type ADT^A08 for data type OMP-01");
	expect_fail("XYZ-99", "", "data type 'XYZ-99' is not mapped");
	expect_fail("ADT-00", "12/34", "patient ID '12/34'");
	msh("ADT^A08^ADT_A01");
	expect_fail("ADT-00", "", "PID missing");
	msh("ADT^A08^ADT_A01");
	seg("PID", 1, "0001", 3, "12 34^^^^PI", 0);
	expect_fail("ADT-00", "", "PID-3: patient ID");
	msh("ADT^A08^ADT_A01");
	seg("PID", 1, "0001", 5, "山田^花子", 0);
	expect_fail("ADT-00", "", "PID-3 missing");
	msh("ADT^A08^ADT_A01");
	seg("PID", 1, "0001", 3, "00012345", 7, "19801340", 0);
	expect_fail("ADT-00", "", "PID-7: '19801340' is not an HL7 date/time");
	msh("ADT^A60^ADT_A60");
	pid("00012345");
	expect_fail("ADT-61", "", "IAM missing");
	msh("ADT^A60^ADT_A60");
	pid("00012345");
	seg("IAM", 1, "1", 2, "DA", 0);
	expect_fail("ADT-61", "", "IAM-3: allergen missing");
	build_omp01("NW", "103299401");
	struct run t;
	struct v2map_input in = {.facility_code = str_c("123"), .data_type = str_c("OMP-01")};
	arena_init(&t.a, 1u << 20);
	rk_err_clear(&t.err);
	assert_int_equal(hl7_parse((struct str){msgbuf, strlen(msgbuf)}, &t.a, &t.m, &t.err), RK_OK);
	assert_int_equal(v2map_message(&t.m, &in, &t.a, &t.r, &t.err), RK_INVALID);
	assert_non_null(strstr(t.err.msg, "facility code '123' is not 10 digits"));
	in.facility_code = str_c(FAC);
	in.date = str_c("2024-01-01");
	rk_err_clear(&t.err);
	assert_int_equal(v2map_message(&t.m, &in, &t.a, &t.r, &t.err), RK_INVALID);
	assert_non_null(strstr(t.err.msg, "date '2024-01-01' is not YYYYMMDD or -"));
	arena_free(&t.a);
}

static void test_ids_and_warnings(void **state)
{
	(void)state;
	build_omp01("NW", "103299401");
	struct run t;
	/* PID-3 must be the storage folder's patient: another patient's file is refused */
	assert_int_equal(
		run_in(&t, msgbuf, strlen(msgbuf), "OMP-01", "9999013", "20240401", "123456789012345678901234567890"),
		RK_INVALID);
	assert_non_null(strstr(t.err.msg, "PID-3 patient 00012345 does not match the storage folder 9999013"));
	done(&t);
	char *pid3 = strstr(msgbuf, "00012345^^^^PI");
	memcpy(pid3, "09999013", 8);
	assert_int_equal(
		run_in(&t, msgbuf, strlen(msgbuf), "OMP-01", "9999013", "20240401", "123456789012345678901234567890"),
		RK_INVALID); /* not the same ID with a leading zero */
	done(&t);
	memcpy(pid3, "09999013", 8);
	memmove(pid3, pid3 + 1, strlen(pid3 + 1) + 1);
	assert_int_equal(
		run_in(&t, msgbuf, strlen(msgbuf), "OMP-01", "9999013", "20240401", "123456789012345678901234567890"),
		RK_OK);
	assert_true(str_eq_c(t.r.patient_id, "9999013"));
	assert_string_equal(s_at(t.r.patient, "id"), FAC "-9999013");
	assert_int_equal(t.r.nwarn, 0);
	/* long order number: the hashed id form, stable */
	const char *id = s_at(res_of(&t, "MedicationRequest", 0), "id");
	assert_true(strlen(id) <= 64);
	assert_true(strncmp(id, FAC "-9999013.h", strlen(FAC "-9999013.h")) == 0);
	assert_string_equal(id + strlen(id) - 2, ".4");
	assert_string_equal(s_at(res_of(&t, "MedicationRequest", 0), "subject.reference"), "Patient/" FAC "-9999013");
	char first[80];
	snprintf(first, sizeof first, "%s", id);
	done(&t);
	assert_int_equal(
		run_in(&t, msgbuf, strlen(msgbuf), "OMP-01", "9999013", "20240401", "123456789012345678901234567890"),
		RK_OK);
	assert_string_equal(s_at(res_of(&t, "MedicationRequest", 0), "id"), first);
	done(&t);
	const char *const *names;
	size_t n = v2map_data_types(&names);
	assert_true(n >= 20);
	assert_string_equal(names[0], "ADT-00");
}

/* ---- the shared SS-MIX2 sample ---- */

static char sample_dir[512];

static bool sample_present(void)
{
	char here[400];
	snprintf(here, sizeof here, "%s", __FILE__);
	char *cut = strstr(here, "/tests/unit/");
	if (!cut)
		return false;
	*cut = '\0';
	snprintf(sample_dir, sizeof sample_dir, "%s/../shared/testdata/ssmix2-sample/sampleData", here);
	DIR *d = opendir(sample_dir);
	if (d)
		closedir(d);
	return d != NULL;
}

/* Map one sample file with the names its path gives (data type, patient, date, order). */
static enum rk_status map_sample_as(struct run *t, const char *rel, char **text, const char *patient);

static enum rk_status map_sample(struct run *t, const char *rel, char **text)
{
	return map_sample_as(t, rel, text, NULL);
}

/* patient NULL: the folder's; "": none (the message's own PID-3, as MLLP). */
static enum rk_status map_sample_as(struct run *t, const char *rel, char **text, const char *patient)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", sample_dir, rel);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	*text = malloc(1 << 20);
	size_t n = fread(*text, 1, 1 << 20, f);
	fclose(f);
	char parts[8][64] = {{0}};
	const char *p = rel;
	int k = 0;
	while (*p && k < 8) { /* PID[0:3]/PID[3:6]/PID/date/type/file */
		size_t len = strcspn(p, "/");
		snprintf(parts[k++], 64, "%.*s", (int)len, p);
		p += len + (p[len] == '/');
	}
	char order[64] = "";
	const char *file = strrchr(rel, '/') + 1; /* PID_date_type_order_... */
	const char *u = file;
	for (int i = 0; i < 3 && u; i++)
		u = strchr(u, '_') ? strchr(u, '_') + 1 : NULL;
	if (u)
		snprintf(order, sizeof order, "%.*s", (int)strcspn(u, "_"), u);
	return run_in(t, *text, n, parts[4], patient ? patient : parts[2], parts[3], order);
}

static bool has_code(struct run *t, const char *type, const char *path, const char *code)
{
	for (size_t i = 0; i < t->r.n; i++) {
		if (strcmp(t->r.res[i].type, type) != 0)
			continue;
		json_t *cc = at(t->r.res[i].body, path);
		size_t k;
		json_t *c;
		json_array_foreach(json_object_get(cc, "coding"), k,
				   c) if (strcmp(json_string_value(json_object_get(c, "code")), code) == 0) return true;
	}
	return false;
}

static void sample_ok(const char *rel, void (*check)(struct run *))
{
	struct run t;
	char *text;
	enum rk_status rc = map_sample(&t, rel, &text);
	if (rc != RK_OK)
		fail_msg("%s: %s", rel, t.err.msg);
	struct rk_err err;
	for (size_t i = 0; i < t.r.n; i++) {
		const struct fhir_resource_def *d = fhir_resource_find(t.r.res[i].type, strlen(t.r.res[i].type));
		rk_err_clear(&err);
		if (d && fhir_validate(d, t.r.res[i].body, NULL, NULL, &err) != RK_OK)
			fail_msg("%s: %s invalid: %s at %s", rel, t.r.res[i].type, err.msg, err.where);
		assert_string_equal(s_at(t.r.res[i].body, "meta.source"), SRC);
	}
	assert_string_equal(s_at(t.r.patient, "id"), FAC "-9999013");
	if (check)
		check(&t);
	done(&t);
	free(text);
}

/* A file whose PID-3 names another patient than its folder: refused with
 * that reason; its content still maps (as it would by MLLP) and is checked. */
static void sample_refused(const char *rel, const char *pid3, void (*check)(struct run *))
{
	struct run t;
	char *text;
	assert_int_equal(map_sample(&t, rel, &text), RK_INVALID);
	char want[160];
	snprintf(want, sizeof want, "PID-3 patient %s does not match the storage folder 9999013", pid3);
	if (!strstr(t.err.msg, want))
		fail_msg("%s: expected '%s', got '%s'", rel, want, t.err.msg);
	done(&t);
	free(text);
	if (map_sample_as(&t, rel, &text, "") != RK_OK)
		fail_msg("%s: %s", rel, t.err.msg);
	struct rk_err err;
	for (size_t i = 0; i < t.r.n; i++) {
		const struct fhir_resource_def *d = fhir_resource_find(t.r.res[i].type, strlen(t.r.res[i].type));
		rk_err_clear(&err);
		if (d && fhir_validate(d, t.r.res[i].body, NULL, NULL, &err) != RK_OK)
			fail_msg("%s: %s invalid: %s at %s", rel, t.r.res[i].type, err.msg, err.where);
	}
	if (check)
		check(&t);
	done(&t);
	free(text);
}

static void check_adt00(struct run *t)
{
	assert_string_equal(s_at(t->r.patient, "name[0].family"), "患者");
	assert_string_equal(s_at(t->r.patient, "birthDate"), "1948-04-05");
	assert_true(has_code(t, "Observation", "code", "9N001000000000001"));
	assert_float_equal(n_at(res_of(t, "Observation", 0), "valueQuantity.value"), 167.8, 1e-9);
	assert_string_equal(s_at(res_of(t, "AllergyIntolerance", 0), "code.text"), "ペニシリン");
	/* IN1: 国民健康保険退職者, insurer 67999991 since 2009-12-01, the patient insured himself */
	json_t *cv = res_of(t, "Coverage", 0);
	assert_string_equal(s_at(cv, "payor[0].identifier.value"), "67999991");
	assert_string_equal(s_at(cv, "payor[0].display"), "国民健康保険退職者");
	assert_string_equal(s_at(cv, "period.start"), "2009-12-01");
	assert_string_equal(s_at(cv, "relationship.coding[0].code"), "self");
	/* NK1: the patient himself, with his employer */
	assert_string_equal(s_at(t->r.patient, "contact[0].organization.display"), "鹿ノ門商事株式会社");
}

static void check_adt61(struct run *t)
{
	assert_int_equal(count_of(t, "AllergyIntolerance"), 4);
	assert_true(has_code(t, "AllergyIntolerance", "code", "106824501")); /* アリナミン HOT9 */
	assert_string_equal(s_at(res_of(t, "AllergyIntolerance", 3), "category[0]"), "medication");
	assert_string_equal(s_at(res_of(t, "AllergyIntolerance", 0), "code.text"), "スギ");
}

static void check_ppr01(struct run *t)
{
	assert_true(has_code(t, "Condition", "code", "TSQF"));
	assert_true(has_code(t, "Condition", "code", "K297"));
	assert_string_equal(s_at(res_of(t, "Condition", 0), "onsetDateTime"), "2011-08-31");
	/* no PRB-13 and 胃炎 as written: a confirmed diagnosis */
	assert_string_equal(s_at(res_of(t, "Condition", 0), "verificationStatus.coding[0].code"), "confirmed");
}

/* One prescription line as the sample's OMP-01 carries it. */
static void check_rx(json_t *m, const char *hot9, double dose, const char *unit, const char *usage,
		     const char *usage_text, double days, double total, const char *rp, const char *in_rp)
{
	assert_string_equal(s_at(m, "medicationCodeableConcept.coding[0].code"), hot9);
	json_t *d = at(m, "dosageInstruction[0]");
	assert_float_equal(n_at(d, "doseAndRate[0].doseQuantity.value"), dose, 0);
	assert_string_equal(s_at(d, "doseAndRate[0].doseQuantity.code"), unit);
	assert_string_equal(s_at(d, "timing.code.coding[0].code"), usage);
	assert_string_equal(s_at(d, "text"), usage_text);
	assert_float_equal(n_at(d, "timing.repeat.boundsDuration.value"), days, 0);
	assert_float_equal(n_at(d, "extension[1].valueDuration.value"), days, 0);
	assert_string_equal(s_at(d, "extension[0].valuePeriod.start"), "2011-07-01T00:00:00+09:00"); /* TQ1-7 */
	assert_string_equal(s_at(d, "route.coding[0].code"), "PO");
	assert_float_equal(n_at(m, "dispenseRequest.quantity.value"), total, 0);
	assert_string_equal(s_at(m, "dispenseRequest.quantity.code"), unit);
	assert_float_equal(n_at(m, "dispenseRequest.expectedSupplyDuration.value"), days, 0);
	assert_string_equal(s_at(m, "identifier[0].value"), rp);
	assert_string_equal(s_at(m, "identifier[1].value"), in_rp);
}

static void check_omp01(struct run *t)
{
	assert_int_equal(count_of(t, "MedicationRequest"), 3);
	/* ダーゼン錠 1 錠, パンスポリンＴ錠 2 錠: Rp 1, 毎食後 5 日分; アレピアチン 50 mg: Rp 2, 朝夕食後 14 日分 */
	check_rx(res_of(t, "MedicationRequest", 0), "108665201", 1, "TAB", "1013044400000000",
		 "内服・経口・１日３回朝昼夕食後", 5, 15, "1", "1");
	check_rx(res_of(t, "MedicationRequest", 1), "110626901", 2, "TAB", "1013044400000000",
		 "内服・経口・１日３回朝昼夕食後", 5, 30, "1", "2");
	check_rx(res_of(t, "MedicationRequest", 2), "100607002", 50, "MG", "1012040400000000",
		 "内服・経口・１日２回朝夕食後", 14, 1400, "2", "1");
	assert_float_equal(n_at(res_of(t, "MedicationRequest", 0),
				"dosageInstruction[0].doseAndRate[0].rateRatio.numerator.value"),
			   3, 0);
}

static void check_omp02(struct run *t)
{
	assert_int_equal(count_of(t, "MedicationRequest"), 6);
	assert_true(has_code(t, "MedicationRequest", "medicationCodeableConcept", "620007329"));
	assert_true(has_code(t, "MedicationRequest", "medicationCodeableConcept", "620002559"));
	/* the first drip: ソリタ－Ｔ３号 1 本 and アドナ 1 アンプル, Rp 123456789012345_01_001, 08:00 to 13:00 at 102 ml/hr */
	json_t *base = res_of(t, "MedicationRequest", 0), *add = res_of(t, "MedicationRequest", 1);
	assert_string_equal(s_at(base, "identifier[0].value"), "123456789012345_01_001");
	assert_string_equal(s_at(base, "identifier[1].value"), "1");
	assert_string_equal(s_at(add, "identifier[1].value"), "2");
	assert_string_equal(s_at(add, "medicationCodeableConcept.coding[0].code"), "620002559");
	assert_string_equal(s_at(add, "dosageInstruction[0].doseAndRate[0].doseQuantity.code"), "AMP");
	json_t *d = at(base, "dosageInstruction[0]");
	assert_string_equal(s_at(d, "extension[0].valuePeriod.start"), "2011-07-01T08:00:00+09:00");
	assert_string_equal(s_at(d, "timing.repeat.boundsPeriod.end"), "2011-07-01T13:00:00+09:00");
	assert_float_equal(n_at(d, "doseAndRate[0].rateQuantity.value"), 102, 0);
	assert_string_equal(s_at(d, "route.coding[0].code"), "IV");
	assert_string_equal(s_at(d, "text"), "５時間一定速度で");
}

static void check_oml11(struct run *t)
{
	assert_int_equal(count_of(t, "Observation"), 3);
	assert_true(has_code(t, "Observation", "code", "3A010000002327101"));
	assert_float_equal(n_at(res_of(t, "Observation", 1), "valueQuantity.value"), 7.2, 1e-9);
	assert_float_equal(n_at(res_of(t, "Observation", 1), "referenceRange[0].low.value"), 6.7, 1e-9);
	assert_float_equal(n_at(res_of(t, "Observation", 2), "valueQuantity.value"), 4.9, 1e-9);
	assert_int_equal(json_array_size(at(res_of(t, "DiagnosticReport", 0), "result")), 3);
}

static void test_sample(void **state)
{
	(void)state;
	if (!sample_present())
		skip();
#define P "999/901/9999013/"
	sample_ok(P "-/ADT-00/9999013_-_ADT-00_999999999999999_20111220224447339_-_1", check_adt00);
	sample_ok(P "20110630/OMP-11/9999013_20110630_OMP-11_123456789012345_20110701113813225_01_1", NULL);
	sample_ok(P "20110701/OMP-01/9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1", check_omp01);
	sample_ok(P "20110701/OMP-02/9999013_20110701_OMP-02_123456789012345_20110701224603984_01_1", check_omp02);
	sample_ok(P "20110701/OMP-12/9999013_20110701_OMP-12_123456789012345_20110701113813225_01_1", NULL);
	sample_ok(P "20111120/ADT-22/9999013_20111120_ADT-22_999999999999999_20111220224447339_01_1", NULL);
	sample_ok(P "20111220/ADT-42/9999013_20111220_ADT-42_999999999999999_20111220224447339_10_1", NULL);
	sample_ok(P "20111220/ADT-52/9999013_20111220_ADT-52_999999999999999_20111220224447339_08_1", NULL);
	sample_ok(P "20111220/OML-01/9999013_20111220_OML-01_000000011000354_20111220103059123_15_1", NULL);
	/* the sample's other files of folder 9999013 carry other patients in PID-3 */
	sample_refused(P "-/ADT-61/9999013_-_ADT-61_999999999999999_20111014232213000_-_1", "12345678", check_adt61);
	sample_refused(P "-/PPR-01/9999013_-_PPR-01_999999999999999_20111209163030000_01_1", "1234567890", check_ppr01);
	sample_refused(P "20111013/OMD/9999013_20111013_OMD_123456789012345_20111014232213000_01_1", "1234567890",
		       NULL);
	sample_refused(P "20111220/OMG-01/9999013_20111220_OMG-01_000201101200100_20111220224447339_-_1", "12345678",
		       NULL);
	sample_refused(P "20111220/OMG-02/9999013_20111220_OMG-02_201212201252100_20111220224447339_01_1", "10345678",
		       NULL);
	sample_refused(P "20111220/OMG-03/9999013_20111220_OMG-03_201112200089100_20111220224447339_01_1", "12345678",
		       NULL);
	sample_refused(P "20111220/OMG-11/9999013_20111220_OMG-11_2011122000300_20111220224447339_24_1", "3330000333",
		       NULL);
	sample_refused(P "20111220/OMG-12/9999013_20111220_OMG-12_201112201656100_20111220224447339_01_1", "10345678",
		       NULL);
	sample_refused(P "20111220/OMG-13/9999013_20111220_OMG-13_999999999999999_20111220224447339_01_1", "12345678",
		       NULL);
	sample_refused(P "20111220/OML-11/9999013_20111220_OML-11_000000011000354_20111220103059000_01_1", "0001000052",
		       check_oml11);
#undef P
	/* the known oddities: a file of patient 9999013 in folder 0000001, a 2-byte file */
	struct run t;
	char *text;
	assert_int_equal(
		map_sample(
			&t,
			"000/000/0000001/20000401/OMP-11/0000001_20000401_OMP-11_123456789012345_20110701113813225_01_1",
			&text),
		RK_INVALID);
	assert_non_null(strstr(t.err.msg, "PID-3 patient 9999013 does not match the storage folder 0000001"));
	done(&t);
	free(text);
	assert_int_equal(
		map_sample(
			&t,
			"000/000/0000001/20000401/ADT-31/9999013_20110630_OMP-11_123456789012345_20110701113813225_01_1",
			&text),
		RK_INVALID);
	done(&t);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adt00),      cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_encounters), cmocka_unit_test(test_adt61),
		cmocka_unit_test(test_ppr01),      cmocka_unit_test(test_omp01),
		cmocka_unit_test(test_omp02),      cmocka_unit_test(test_omp12),
		cmocka_unit_test(test_drug_codes), cmocka_unit_test(test_details),
		cmocka_unit_test(test_oml11),      cmocka_unit_test(test_omg_omd),
		cmocka_unit_test(test_bad_input),  cmocka_unit_test(test_ids_and_warnings),
		cmocka_unit_test(test_sample),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
