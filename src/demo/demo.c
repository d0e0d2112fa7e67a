/* demo.c — generator of the demo region. The facilities are fixed (a small
 * region around 松本・安曇野・塩尻); people are drawn from the name and town
 * tables of model/demo_data.c with a seeded generator. The hospitals' records
 * are written as SS-MIX2 storages and imported through the ingest pipeline. */
#include "demo/demo.h"
#include "fhir/registry.h"

#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/rand.h"
#include "core/time.h"
#include "fhir/jpcore.h"
#include "fhir/resource.h"
#include "fhir/timeline.h"
#include "demo/demo_clinical.h"
#include "demo/demo_forms.h"
#include "demo/demo_plan.h"
#include "ingest/ssmix2.h"
#include "demo/ssmix2_gen.h"
#include "demo/demo_data.h"
#include "demo/demo_orders.h"
#include "model/regional_id.h"
#include "model/role.h"
#include "access/account.h"
#include "access/password.h"

struct demo_facility {
	const char *code; /* 10 digits */
	const char *kind; /* facility-kind code */
	const char *kind_ja;
	const char *specialty; /* what its doctors see (demo_clinical.c): general, internal, orthopedics, ... */
	const char *name;
	const char *kana;
	const char *city; /* its municipality in demo_towns */
	int town;         /* which town of that city */
	const char *phone;
	struct {
		int doctors, nurses, pharmacists, therapists, visiting_nurses, care_managers, clerks, care_workers,
			social_workers;
	} staff;               /* how many of each role (staff_roles, in its order) */
	unsigned weight;       /* how often people are registered here */
	unsigned local_digits; /* width of its local patient IDs */
};

/* 医療機関コード: 都道府県(20 長野) + 点数表(1 医科, 4 薬局, 6 訪問看護) + 7 digits;
 * 介護保険事業所番号 for the care offices. Fictional facilities. */
static const struct demo_facility facilities[] = {
	/* one facility in two lines; the staff counts in the order of staff_roles */
	// clang-format off
	{"2011000011", "hospital", "病院", "general", "信州れんけい総合病院", "シンシュウレンケイソウゴウビョウイン",
	 "松本市", 0, "0263-31-0001", {6, 6, 2, 2, 0, 0, 2, 0, 0}, 40, 8},
	{"2011000029", "hospital", "病院", "general", "あずみの中央病院", "アズミノチュウオウビョウイン", "安曇野市", 0,
	 "0263-72-0002", {5, 5, 2, 1, 0, 0, 2, 0, 0}, 30, 8},
	{"2011100018", "clinic", "診療所", "internal", "やまびこ内科クリニック", "ヤマビコナイカクリニック", "松本市",
	 5, "0263-32-1003", {2, 2, 0, 0, 0, 0, 1, 0, 0}, 14, 6},
	{"2011100026", "clinic", "診療所", "orthopedics", "城山整形外科", "ジョウヤマセイケイゲカ", "松本市", 10,
	 "0263-33-1004", {1, 2, 0, 1, 0, 0, 1, 0, 0}, 8, 6},
	{"2011100034", "clinic", "診療所", "pediatrics", "ほたか小児科医院", "ホタカショウニカイイン", "安曇野市", 2,
	 "0263-82-1005", {1, 1, 0, 0, 0, 0, 1, 0, 0}, 6, 6},
	{"2011100042", "clinic", "診療所", "ophthalmology", "桔梗ヶ原眼科", "キキョウガハラガンカ", "塩尻市", 0,
	 "0263-52-1006", {1, 1, 0, 0, 0, 0, 1, 0, 0}, 5, 6},
	{"2011100059", "clinic", "診療所", "dermatology", "しおじり皮ふ科クリニック", "シオジリヒフカクリニック",
	 "塩尻市", 2, "0263-53-1007", {1, 1, 0, 0, 0, 0, 1, 0, 0}, 5, 6},
	{"2011100067", "clinic", "診療所", "internal", "里山ファミリークリニック", "サトヤマファミリークリニック",
	 "松本市", 20, "0263-34-1008", {2, 2, 0, 0, 0, 0, 1, 0, 0}, 12, 6},
	{"2041200012", "pharmacy", "薬局", "", "みどり調剤薬局 松本駅前店",
	 "ミドリチョウザイヤッキョクマツモトエキマエテン", "松本市", 1, "0263-35-2009", {0, 0, 3, 0, 0, 0, 1, 0, 0}, 10, 7},
	{"2041200020", "pharmacy", "薬局", "", "あずさ薬局 塩尻店", "アズサヤッキョクシオジリテン", "塩尻市", 1,
	 "0263-54-2010", {0, 0, 2, 0, 0, 0, 1, 0, 0}, 6, 7},
	{"2061300019", "home_nursing", "訪問看護ステーション", "", "ひだまり訪問看護ステーション",
	 "ヒダマリホウモンカンゴステーション", "松本市", 15, "0263-36-3011", {0, 0, 0, 1, 4, 0, 1, 0, 0}, 3, 6},
	{"2070400017", "care_management", "居宅介護支援事業所", "", "こもれび居宅介護支援事業所",
	 "コモレビキョタクカイゴシエンジギョウショ", "松本市", 25, "0263-37-4012", {0, 0, 0, 0, 0, 3, 1, 0, 0}, 3, 6},
	/* a 訪問介護 office: its helpers (介護職) and its 相談員 (サービス提供責任者) join the care teams of the
	 * care office's clients, who are registered here as its 利用者 too */
	{"2070400025", "care_service", "介護サービス事業所", "", "やまなみヘルパーステーション",
	 "ヤマナミヘルパーステーション", "松本市", 30, "0263-39-4014", {0, 0, 0, 0, 0, 0, 1, 3, 1}, 0, 6},
	/* the network's operator (運営協議会事務局, run by the medical association): registers no patients */
	{"2090000015", "other", "その他", "", "まつもと医療連携ネットワーク事務局",
	 "マツモトイリョウレンケイネットワークジムキョク", "松本市", 3, "0263-38-5013", {0, 0, 0, 0, 0, 0, 1, 0, 0}, 0, 6},
	// clang-format on
};
#define N_FACILITIES (sizeof facilities / sizeof facilities[0])
/* Indexes into facilities[] that the drawing of people and the accounts use. */
#define FI_CARE_OFFICE  11 /* こもれび居宅介護支援事業所 */
#define FI_CARE_SERVICE 12 /* やまなみヘルパーステーション */
#define FI_NETWORK      13 /* the network office */

struct gen {
	struct fhir_ctx ctx;
	struct arena arena;
	struct rng rng;
	uint64_t seed; /* the region's seed (per-person generators derive from it) */
	struct demo_stats *stats;
	bool history;  /* write each person's clinical records */
	int64_t today; /* the demo's day, days since 1970-01-01 */
	unsigned next_local[N_FACILITIES];
	unsigned next_staff[N_FACILITIES];
	/* the hospitals' SS-MIX2 storages, written while the people are drawn */
	struct ssmix2_gen *ss[N_FACILITIES]; /* NULL once closed */
	bool ss_hospital[N_FACILITIES];      /* has a storage */
	char ss_root[RK_MAX_PATH - 32];      /* <root>/<facility code> is a hospital's storage (room for the code) */
	bool ss_temporary;                   /* ss_root is ours to remove */
	struct progress *progress;           /* NULL: silent */
	/* the Practitioner and name of each facility's first demo doctor or visiting nurse (demo_orders.c) */
	char author_of[N_FACILITIES][64], author_name[N_FACILITIES][96];
	char phase[48];
	struct rk_err *err;
};

int64_t demo_today(void)
{
	int64_t ms = time_now_ms() + (int64_t)9 * 3600 * 1000;
	return ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
}

bool demo_parse_day(const char *s, int64_t *days)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0')), d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > time_days_in_month(y, m))
		return false;
	*days = time_days_from_civil(y, m, d);
	return true;
}

static const struct demo_name *pick_name(struct rng *r, const struct demo_name *t, size_t n)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += t[i].weight;
	uint64_t x = rng_below(r, total);
	for (size_t i = 0; i < n; i++) {
		if (x < t[i].weight)
			return &t[i];
		x -= t[i].weight;
	}
	return &t[n - 1];
}

static json_t *name_pair_json(const char *fam, const char *given, const char *fam_kana, const char *given_kana)
{
	char text[160], kana[200];
	snprintf(text, sizeof text, "%s %s", fam, given);
	snprintf(kana, sizeof kana, "%s %s", fam_kana, given_kana);
	return json_pack("[{s:[{s:s, s:s}], s:s, s:s, s:s, s:[s]}, {s:[{s:s, s:s}], s:s, s:s, s:s, s:[s]}]",
			 "extension", "url", JP_NAME_REPRESENTATION_EXT, "valueCode", "IDE", "use", "official", "text",
			 text, "family", fam, "given", given, "extension", "url", JP_NAME_REPRESENTATION_EXT,
			 "valueCode", "SYL", "use", "official", "text", kana, "family", fam_kana, "given", given_kana);
}

static void address_text(const struct demo_town *t, unsigned chome, unsigned ban, unsigned go, char line[128],
			 char text[256])
{
	if (chome)
		snprintf(line, 128, "%s%u丁目%u番%u号", t->town, chome, ban, go);
	else
		snprintf(line, 128, "%s%u番地%u", t->town, ban, go);
	snprintf(text, 256, "%s%s%s", t->prefecture, t->city, line);
}

static json_t *address_json(const struct demo_town *t, unsigned chome, unsigned ban, unsigned go)
{
	char line[128], text[256];
	address_text(t, chome, ban, go, line, text);
	return json_pack("{s:s, s:s, s:[s], s:s, s:s, s:s, s:s}", "use", "home", "text", text, "line", line, "city",
			 t->city, "state", t->prefecture, "postalCode", t->postal, "country", "JP");
}

/* Write res as type/id through the resource service (create with this id). */
static enum rk_status put(struct gen *g, const char *type, const char *id, json_t *res)
{
	if (!res)
		return rk_fail(g->err, RK_INTERNAL, "demo: could not build %s/%s", type, id);
	json_object_set_new(res, "id", json_string(id));
	const struct fhir_resource_def *def = fhir_resource_find(type, strlen(type));
	struct fhir_result out;
	enum rk_status rc = fhir_update(&g->ctx, def, str_c(id), res, 0, &out, g->err);
	json_decref(res);
	arena_reset(&g->arena);
	return rc;
}

/* put() as the record of a facility (demo/demo_forms.h, demo/demo_orders.h). */
static enum rk_status put_as(void *arg, const char *type, const char *id, json_t *res, const char *facility)
{
	struct gen *g = arg;
	g->ctx.actor_facility = facility;
	enum rk_status rc = put(g, type, id, res);
	g->ctx.actor_facility = "";
	return rc;
}

/* The n-th town of a city (wrapping), so facilities sit in the right municipality. */
static const struct demo_town *town_of(const char *city, int n)
{
	size_t first = demo_towns_len, count = 0;
	for (size_t i = 0; i < demo_towns_len; i++) {
		if (strcmp(demo_towns[i].city, city) == 0) {
			if (first == demo_towns_len)
				first = i;
			count++;
		}
	}
	if (!count)
		return &demo_towns[0];
	size_t k = (size_t)n % count;
	for (size_t i = first; i < demo_towns_len; i++)
		if (strcmp(demo_towns[i].city, city) == 0 && k-- == 0)
			return &demo_towns[i];
	return &demo_towns[first];
}

static enum rk_status put_facility(struct gen *g, size_t i)
{
	const struct demo_facility *f = &facilities[i];
	const struct demo_town *t = town_of(f->city, f->town);
	char id[32];
	snprintf(id, sizeof id, "org-%s", f->code);
	/* care offices are numbered by 介護保険事業所番号 */
	bool care = strcmp(f->kind, "care_management") == 0 || strcmp(f->kind, "care_service") == 0 ||
		    strcmp(f->kind, "other") == 0;
	json_t *org = json_pack(
		"{s:s, s:{s:[s]}, s:[{s:s, s:s}], s:b, s:[{s:[{s:s, s:s, s:s}]}], s:s, s:[s], s:[{s:s, s:s, s:s}], s:[o]}",
		"resourceType", "Organization", "meta", "profile", JP_PROFILE_ORGANIZATION, "identifier", "system",
		care ? RK_CARE_OFFICE_CODE_SYSTEM : JP_FACILITY_CODE_SYSTEM, "value", f->code, "active", 1, "type",
		"coding", "system", RK_FACILITY_KIND_SYSTEM, "code", f->kind, "display", f->kind_ja, "name", f->name,
		"alias", f->kana, "telecom", "system", "phone", "value", f->phone, "use", "work", "address",
		address_json(t, t->max_chome ? 1 + (unsigned)i % t->max_chome : 0, 1 + (unsigned)i * 3,
			     1 + (unsigned)i));
	/* its municipality (disaster mode); a hospital serves the whole 二次医療圏 */
	json_t *addr = json_array_get(json_object_get(org, "address"), 0);
	json_object_set_new(addr, "extension",
			    json_pack("[{s:s, s:s}]", "url", REGISTRY_MUNICIPALITY_EXT, "valueCode", t->city_code));
	if (strcmp(f->kind, "hospital") == 0) {
		json_t *serves = json_array();
		for (size_t k = 0; k < demo_towns_len; k++) {
			bool seen = strcmp(demo_towns[k].city_code, t->city_code) == 0;
			for (size_t j = 0; j < k && !seen; j++)
				seen = strcmp(demo_towns[j].city_code, demo_towns[k].city_code) == 0;
			if (!seen)
				json_array_append_new(serves, json_pack("{s:s, s:s}", "url", REGISTRY_SERVES_EXT,
									"valueCode", demo_towns[k].city_code));
		}
		json_object_set_new(org, "extension", serves);
	}
	enum rk_status rc = put(g, "Organization", id, org);
	if (rc == RK_OK)
		g->stats->facilities++;
	return rc;
}

/* The staff counted in struct demo_facility, in its order. */
static const enum role staff_roles[] = {ROLE_DOCTOR,    ROLE_NURSE,          ROLE_PHARMACIST,
					ROLE_THERAPIST, ROLE_VISITING_NURSE, ROLE_CARE_MANAGER,
					ROLE_CLERK,     ROLE_CARE_WORKER,    ROLE_SOCIAL_WORKER};

/* A Practitioner of facility fi with a role; its id and kanji name go to id_out/name_out (may be NULL). */
static enum rk_status put_staff(struct gen *g, size_t fi, enum role role, char *id_out, char *name_out)
{
	const struct demo_facility *f = &facilities[fi];
	bool male = rng_chance(&g->rng, role == ROLE_DOCTOR ? 2 : 1, 3);
	const struct demo_name *fam = pick_name(&g->rng, demo_family_names, demo_family_names_len);
	const struct demo_name *giv = male ? pick_name(&g->rng, demo_given_male, demo_given_male_len)
					   : pick_name(&g->rng, demo_given_female, demo_given_female_len);
	unsigned n = ++g->next_staff[fi];
	char id[48], staff_no[16], sys[80];
	snprintf(id, sizeof id, "prac-%s-%03u", f->code, n);
	snprintf(staff_no, sizeof staff_no, "S%04u", n);
	snprintf(sys, sizeof sys, "%s%s", JP_STAFF_ID_SYSTEM_PREFIX, f->code);
	int64_t year = 1960 + (int64_t)rng_below(&g->rng, 40);
	char birth[32];
	snprintf(birth, sizeof birth, "%04lld-%02u-%02u", (long long)year, 1 + (unsigned)rng_below(&g->rng, 12),
		 1 + (unsigned)rng_below(&g->rng, 28));
	json_t *p = json_pack(
		"{s:s, s:{s:[s]}, s:[{s:s, s:s}], s:b, s:o, s:s, s:s, s:[{s:{s:[{s:s, s:s, s:s}], s:s}, s:{s:s, s:s}}]}",
		"resourceType", "Practitioner", "meta", "profile", JP_PROFILE_PRACTITIONER, "identifier", "system", sys,
		"value", staff_no, "active", 1, "name", name_pair_json(fam->kanji, giv->kanji, fam->kana, giv->kana),
		"gender", male ? "male" : "female", "birthDate", birth, "qualification", "code", "coding", "system",
		"urn:renkei:CodeSystem:staff-role", "code", role_info(role)->code, "display", role_info(role)->ja,
		"text", role_info(role)->ja, "issuer", "reference", "Organization/org-", "display", f->name);
	if (p) {
		char ref[48];
		snprintf(ref, sizeof ref, "Organization/org-%s", f->code);
		json_t *q = json_array_get(json_object_get(p, "qualification"), 0);
		json_object_set_new(json_object_get(q, "issuer"), "reference", json_string(ref));
	}
	enum rk_status rc = put(g, "Practitioner", id, p);
	if (rc == RK_OK)
		g->stats->staff++;
	if (id_out)
		snprintf(id_out, 48, "%s", id);
	if (name_out)
		snprintf(name_out, 96, "%s %s", fam->kanji, giv->kanji);
	return rc;
}

/* Age in years: the people a regional network sees are older than the population. */
static unsigned draw_age(struct rng *r)
{
	static const struct {
		unsigned lo, hi, weight;
	} bands[] = {{0, 14, 8}, {15, 39, 12}, {40, 64, 25}, {65, 74, 22}, {75, 84, 22}, {85, 99, 11}};
	unsigned x = (unsigned)rng_below(r, 100);
	for (size_t i = 0; i < sizeof bands / sizeof bands[0]; i++) {
		if (x < bands[i].weight)
			return bands[i].lo + (unsigned)rng_below(r, bands[i].hi - bands[i].lo + 1);
		x -= bands[i].weight;
	}
	return 50;
}

/* Which facilities a person is registered at: one home facility by weight,
 * more for older people (pharmacy, home nursing, care office). */
static size_t draw_facilities(struct gen *g, unsigned age, size_t out[4])
{
	size_t n = 0;
	unsigned total = 0;
	for (size_t i = 0; i < N_FACILITIES; i++)
		if (strcmp(facilities[i].kind, "hospital") == 0 || strcmp(facilities[i].kind, "clinic") == 0)
			total += facilities[i].weight;
	unsigned x = (unsigned)rng_below(&g->rng, total);
	for (size_t i = 0; i < N_FACILITIES; i++) {
		const struct demo_facility *f = &facilities[i];
		if (strcmp(f->kind, "hospital") != 0 && strcmp(f->kind, "clinic") != 0)
			continue;
		if (x < f->weight) {
			out[n++] = i;
			break;
		}
		x -= f->weight;
	}
	bool elderly = age >= 65;
	if (rng_chance(&g->rng, elderly ? 45 : 25, 100)) { /* a second medical facility */
		size_t j = (size_t)rng_below(&g->rng, 8);
		if (j != out[0])
			out[n++] = j;
	}
	if (rng_chance(&g->rng, elderly ? 40 : 15, 100))
		out[n++] = 8 + (size_t)rng_below(&g->rng, 2); /* a pharmacy */
	if (elderly && age >= 75 && rng_chance(&g->rng, 15, 100) && n < 4)
		out[n++] = rng_chance(&g->rng, 1, 2) ? 10 : FI_CARE_OFFICE; /* home nursing or care office */
	return n;
}

/* A Consent as recorded from a signed paper form. kind: individual,
 * comprehensive or refusal; source: the disclosing facility (individual). */
static json_t *consent_json(const char *patient_id, const char *kind, const char *source_code, const char *date)
{
	char patient[64];
	snprintf(patient, sizeof patient, "Patient/%s", patient_id);
	bool refusal = strcmp(kind, "refusal") == 0;
	json_t *c = json_pack("{s:s, s:s, s:{s:[{s:s, s:s}]}, s:[{s:[{s:s, s:s}]}], s:{s:s}, s:s, s:{s:s}}",
			      "resourceType", "Consent", "status", "active", "scope", "coding", "system",
			      "http://terminology.hl7.org/CodeSystem/consentscope", "code", "patient-privacy",
			      "category", "coding", "system", RK_CONSENT_KIND_SYSTEM, "code", kind, "patient",
			      "reference", patient, "dateTime", date, "provision", "type", refusal ? "deny" : "permit");
	if (c && source_code) {
		char org[48];
		snprintf(org, sizeof org, "Organization/org-%s", source_code);
		json_object_set_new(json_object_get(c, "provision"), "actor",
				    json_pack("[{s:{s:[{s:s, s:s}]}, s:{s:s}}]", "role", "coding", "system",
					      V3_PARTICIPATION_SYSTEM, "code", CONSENT_ROLE_SOURCE, "reference",
					      "reference", org));
	}
	return c;
}

/* What each kind of member writes on the team's timeline (多職種連携); {0}
 * takes a digit the post draws. mention: the profession it names (and asks,
 * with 要返信, when asks). */
static const struct {
	const char *kind, *role_ja, *text, *mention;
	bool asks; /* a question with 要返信 */
} team_lines[] = {
	{"care_management", "ケアマネジャー",
	 "@訪問看護 サービス担当者会議を来週に予定しています。ご都合のよい日時を教えてください。", "@訪問看護", true},
	{"care_management", "ケアマネジャー", "ご家族から、夜間の排泄介助が負担との相談がありました。", NULL, false},
	{"care_management", "ケアマネジャー",
	 "@ヘルパー 来月から訪問介護を週{0}回に増やします。曜日はご本人と調整済みです。", "@ヘルパー", false},
	{"care_management", "ケアマネジャー",
	 "ショートステイの利用を検討しています。体調面で注意することがあれば教えてください。", "@訪問看護", true},
	{"home_nursing", "訪問看護師", "本日訪問。血圧 1{0}2/7{0}、SpO2 9{0}%、下肢の浮腫は軽度です。", NULL, false},
	{"home_nursing", "訪問看護師", "仙骨部に発赤あり。体位変換の回数を増やしてください。", "@ヘルパー", false},
	{"home_nursing", "訪問看護師",
	 "@医師 ここ数日、食事量が半分ほどに減っています。次回の訪問診療で診ていただけますか。", "@医師", true},
	{"home_nursing", "訪問看護師", "排便コントロール良好です。下剤の調整は不要と考えます。", NULL, false},
	{"clinic", "医師", "次回の訪問診療は2週間後です。内服の変更はありません。", NULL, false},
	{"clinic", "医師", "@薬剤師 降圧薬を1剤減らしました。飲み合わせの確認をお願いします。", "@薬剤師", true},
	{"clinic", "医師", "採血の結果、腎機能は横ばいです。水分摂取を1日{0}00mL程度に保ってください。", NULL, false},
	{"hospital", "医師", "退院時の処方は継続です。症状が変わったら外来に連絡してください。", NULL, false},
	{"pharmacy", "薬剤師", "残薬を確認しました。飲み忘れは週{0}回程度で、お薬カレンダーを使い始めました。", NULL,
	 false},
	{"pharmacy", "薬剤師", "@ケアマネ 一包化に変更しました。服薬の声かけをお願いします。", "@ケアマネ", false},
	{"care_service", "介護職", "入浴介助を実施しました。皮膚の発赤はありません。", NULL, false},
	{"care_service", "介護職", "@訪問看護 今朝は声かけへの反応がいつもより鈍い様子でした。", "@訪問看護", false},
};

/* An answer to a question, by the kind of member it names. */
static const struct {
	const char *mention, *kind, *role_ja, *text;
} team_answers[] = {
	{"@訪問看護", "home_nursing", "訪問看護師", "火曜と木曜の午後なら伺えます。"},
	{"@医師", "clinic", "医師", "次回の訪問診療で診察します。それまで水分摂取を促してください。"},
	{"@薬剤師", "pharmacy", "薬剤師", "確認しました。相互作用の問題はありません。"},
};

/* The seed of a generator of the person's own for one kind of their records
 * (salt): derived from the region's seed and the regional ID, so what it
 * draws neither shifts nor is shifted by the rest of the region. */
static uint64_t person_seed(const struct gen *g, const char *regional, uint64_t salt)
{
	uint64_t h = g->seed ^ salt;
	for (const char *c = regional; *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001B3ull;
	return h;
}

/* The weeks of the team's timeline before the demo's day. */
#define TEAM_WEEKS 13

/* Three months of the team's timeline: each member facility writes about
 * every other week in its own words; questions name a profession and ask for
 * a reply, most answered in a day or two, the latest ones still open (some
 * past their due time). Posts are each member's own records. The person's
 * posts draw from a generator of their own (seeded by the demo's seed and
 * the regional ID), so they do not shift the rest of the region. */
static enum rk_status put_team_posts(struct gen *g, const char *regional, const char *patient, const size_t *at,
				     size_t n)
{
	struct rng r;
	rng_seed(&r, person_seed(g, regional, 0x9E3779B97F4A7C15ull));
	enum rk_status rc = RK_OK;
	char subject[96];
	snprintf(subject, sizeof subject, "Patient/%.47s", patient);
	int seq = 0;
	for (int week = TEAM_WEEKS; week >= 0 && rc == RK_OK; week--) {
		for (size_t k = 0; k < n && rc == RK_OK; k++) {
			const struct demo_facility *f = &facilities[at[k]];
			size_t lines[8], nl = 0;
			for (size_t l = 0; l < sizeof team_lines / sizeof team_lines[0] && nl < 8; l++)
				if (strcmp(team_lines[l].kind, f->kind) == 0)
					lines[nl++] = l;
			if (!nl || !rng_chance(&r, 1, 2))
				continue;
			size_t l = lines[rng_below(&r, nl)];
			/* a working day of that week, in working hours */
			int64_t minute = (g->today - (int64_t)week * 7 - (int64_t)rng_below(&r, 7)) * 1440 + 9 * 60 +
					 (int64_t)rng_below(&r, 8 * 60);
			if (minute / 1440 > g->today)
				minute = g->today * 1440 + 9 * 60;
			int64_t y;
			unsigned mo, d;
			time_civil_from_days(minute / 1440, &y, &mo, &d);
			char sent[40], text[512], sender[160], id[96];
			snprintf(sent, sizeof sent, "%04lld-%02u-%02uT%02u:%02u:00+09:00", (long long)y, mo, d,
				 (unsigned)(minute % 1440 / 60), (unsigned)(minute % 60));
			const char *t = team_lines[l].text, *hole = strstr(t, "{0}");
			if (hole) {
				unsigned v = (unsigned)rng_below(&r, 4) + 1;
				const char *hole2 = strstr(hole + 3, "{0}");
				snprintf(text, sizeof text, "%.*s%u%.*s%u%s", (int)(hole - t), t, v,
					 (int)(hole2 ? hole2 - hole - 3 : 0), hole + 3, (v + 3) % 10,
					 hole2 ? hole2 + 3 : "");
			} else {
				snprintf(text, sizeof text, "%s", t);
			}
			snprintf(sender, sizeof sender, "%s（%s）", f->name, team_lines[l].role_ja);
			snprintf(id, sizeof id, "post-%s-%d", regional, seq++);
			json_t *c = json_pack("{s:s, s:s, s:[{s:s}], s:{s:s}, s:s, s:{s:s}, s:[{s:s}]}", "resourceType",
					      "Communication", "status", "completed", "category", "text", "連絡",
					      "subject", "reference", subject, "sent", sent, "sender", "display",
					      sender, "payload", "contentString", text);
			if (team_lines[l].mention)
				json_object_set_new(c, "recipient",
						    json_pack("[{s:s}]", "display", team_lines[l].mention));
			if (team_lines[l].asks) {
				char due[40];
				int64_t due_day = minute / 1440 + 3;
				time_civil_from_days(due_day, &y, &mo, &d);
				snprintf(due, sizeof due, "%04lld-%02u-%02uT17:00:00+09:00", (long long)y, mo, d);
				json_object_set_new(
					c, "extension",
					json_pack("[{s:s, s:s}]", "url", TIMELINE_REPLY_BY_EXT, "valueDateTime", due));
			}
			g->ctx.actor_facility = f->code; /* the post is the writing member's record */
			rc = put(g, "Communication", id, c);
			g->ctx.actor_facility = "";
			g->stats->posts += rc == RK_OK;
			/* the question is answered in a day or two by the profession it names, when the team has
			 * one — except the latest weeks', some of which are still open */
			if (rc != RK_OK || !team_lines[l].asks || (week < 2 && rng_chance(&r, 1, 2)))
				continue;
			for (size_t q = 0; q < sizeof team_answers / sizeof team_answers[0]; q++) {
				if (strcmp(team_answers[q].mention, team_lines[l].mention) != 0)
					continue;
				size_t who = n;
				for (size_t m = 0; m < n && who == n; m++)
					if (strcmp(facilities[at[m]].kind, team_answers[q].kind) == 0)
						who = m;
				if (who == n)
					break;
				int64_t at_min = minute + 1440 + (int64_t)rng_below(&r, 1440);
				if (at_min / 1440 > g->today)
					break;
				time_civil_from_days(at_min / 1440, &y, &mo, &d);
				char re[120];
				snprintf(sent, sizeof sent, "%04lld-%02u-%02uT%02u:%02u:00+09:00", (long long)y, mo, d,
					 (unsigned)(at_min % 1440 / 60), (unsigned)(at_min % 60));
				snprintf(re, sizeof re, "Communication/%s", id);
				snprintf(sender, sizeof sender, "%s（%s）", facilities[at[who]].name,
					 team_answers[q].role_ja);
				snprintf(id, sizeof id, "post-%s-%d", regional, seq++);
				json_t *a =
					json_pack("{s:s, s:s, s:[{s:s}], s:{s:s}, s:s, s:{s:s}, s:[{s:s}], s:[{s:s}]}",
						  "resourceType", "Communication", "status", "completed", "category",
						  "text", "連絡", "subject", "reference", subject, "sent", sent,
						  "sender", "display", sender, "payload", "contentString",
						  team_answers[q].text, "inResponseTo", "reference", re);
				g->ctx.actor_facility = facilities[at[who]].code;
				rc = put(g, "Communication", id, a);
				g->ctx.actor_facility = "";
				g->stats->posts += rc == RK_OK;
				break;
			}
		}
	}
	return rc;
}

static enum rk_status put_team_documents(struct gen *g, const char *regional, char ids[][48], const size_t *at,
					 size_t n)
{
	struct demo_orders_site sites[8];
	for (size_t k = 0; k < n && k < 8; k++)
		sites[k] = (struct demo_orders_site){facilities[at[k]].code, facilities[at[k]].kind,
						     facilities[at[k]].name, ids[k],
						     g->author_of[at[k]],    g->author_name[at[k]]};
	int count = 0;
	enum rk_status rc =
		demo_orders_team(g, put_as, 0x6f72646572ULL, regional, sites, n < 8 ? n : 8, g->today, &count);
	g->stats->records += count;
	return rc;
}

/* Consent as signed on paper at the patient's facilities: most people known
 * to several facilities agreed that each may disclose to the others (個別同意);
 * the elderly cared for at home also gave comprehensive consent with a care
 * team of their facilities (包括同意); a few refused sharing. */
static enum rk_status put_consents(struct gen *g, const char *regional, char ids[][48], const size_t *at, size_t n)
{
	unsigned draw = (unsigned)rng_below(&g->rng, 100);
	char date[32], id[96];
	int64_t y;
	unsigned m, d;
	/* consented in the 27 months before the demo's day */
	time_civil_from_days(g->today - 821 + (int64_t)rng_below(&g->rng, 800), &y, &m, &d);
	snprintf(date, sizeof date, "%04lld-%02u-%02u", (long long)y, m, d);
	enum rk_status rc = RK_OK;
	if (n > 1 && draw < 3) {
		snprintf(id, sizeof id, "consent-%s-refusal", regional);
		rc = put(g, "Consent", id, consent_json(ids[0], "refusal", NULL, date));
		g->stats->consents += rc == RK_OK;
		return rc;
	}
	if (n > 1 && draw < 72) {
		for (size_t k = 0; k < n && rc == RK_OK; k++) {
			snprintf(id, sizeof id, "consent-%s-%zu", regional, k);
			rc = put(g, "Consent", id, consent_json(ids[k], "individual", facilities[at[k]].code, date));
			g->stats->consents += rc == RK_OK;
		}
	}
	bool home_care = false;
	for (size_t k = 0; k < n; k++)
		home_care |= strcmp(facilities[at[k]].kind, "home_nursing") == 0 ||
			     strcmp(facilities[at[k]].kind, "care_management") == 0;
	if (rc != RK_OK || !home_care || n < 2)
		return rc;
	snprintf(id, sizeof id, "consent-%s-team", regional);
	rc = put(g, "Consent", id, consent_json(ids[0], "comprehensive", NULL, date));
	g->stats->consents += rc == RK_OK;
	if (rc != RK_OK)
		return rc;
	char subject[96];
	snprintf(subject, sizeof subject, "Patient/%.47s", ids[0]);
	json_t *team =
		json_pack("{s:s, s:s, s:s, s:[{s:[{s:s, s:s, s:s}]}], s:{s:s}, s:{s:s}, s:[]}", "resourceType",
			  "CareTeam", "status", "active", "name", "在宅療養ケアチーム", "category", "coding", "system",
			  "http://loinc.org", "code", "LA28865-6", "display", "Home & Community Based Services",
			  "subject", "reference", subject, "period", "start", date, "participant");
	json_t *parts = json_object_get(team, "participant");
	for (size_t k = 0; k < n; k++) {
		char org[48];
		snprintf(org, sizeof org, "Organization/org-%s", facilities[at[k]].code);
		json_array_append_new(parts,
				      json_pack("{s:[{s:s}], s:{s:s, s:s}}", "role", "text", facilities[at[k]].kind_ja,
						"member", "reference", org, "display", facilities[at[k]].name));
	}
	snprintf(id, sizeof id, "careteam-%s", regional);
	rc = put(g, "CareTeam", id, team);
	g->stats->care_teams += rc == RK_OK;
	if (rc == RK_OK)
		rc = put_team_posts(g, regional, ids[0], at, n);
	if (rc == RK_OK)
		rc = demo_plan_put(&g->ctx, ids[0], regional, g->today, g->err);
	/* the face sheet and visit records (demo/demo_forms.h), from the person's own generator like the posts */
	struct rng r;
	rng_seed(&r, person_seed(g, regional, 0x5EED0F0A));
	struct demo_forms_member team_forms[N_FACILITIES];
	for (size_t k = 0; k < n && k < N_FACILITIES; k++)
		team_forms[k] = (struct demo_forms_member){facilities[at[k]].code, facilities[at[k]].kind,
							   facilities[at[k]].name, ids[k]};
	unsigned forms_written = 0;
	if (rc == RK_OK)
		rc = demo_forms_put(&r, g->today, regional, team_forms, n < N_FACILITIES ? n : N_FACILITIES, put_as, g,
				    &forms_written);
	return rc == RK_OK ? put_team_documents(g, regional, ids, at, n) : rc;
}

static enum rk_status put_record(void *g, const char *type, const char *id, json_t *res)
{
	return put(g, type, id, res);
}

/* A registration as the clinical generator sees it; the staff numbers follow
 * the order in which main put_staff numbers them (staff_roles). */
static void site_of(struct demo_site *site, size_t fi, const char *patient_id)
{
	const struct demo_facility *f = &facilities[fi];
	*site = (struct demo_site){.code = f->code, .kind = f->kind, .specialty = f->specialty, .name = f->name};
	snprintf(site->patient, sizeof site->patient, "%.47s", patient_id);
	site->doctor_first = 1;
	site->doctors = (unsigned)f->staff.doctors;
	site->nurse_first = site->doctor_first + site->doctors;
	site->nurses = (unsigned)f->staff.nurses;
	site->pharmacist_first = site->nurse_first + site->nurses;
	site->pharmacists = (unsigned)f->staff.pharmacists;
	site->vnurse_first = site->pharmacist_first + site->pharmacists + (unsigned)f->staff.therapists;
	site->vnurses = (unsigned)f->staff.visiting_nurses;
}

static enum rk_status put_person(struct gen *g, int64_t today_days)
{
	unsigned age = draw_age(&g->rng);
	bool male = rng_chance(&g->rng, 47, 100);
	const struct demo_name *fam = pick_name(&g->rng, demo_family_names, demo_family_names_len);
	const struct demo_name *giv = male ? pick_name(&g->rng, demo_given_male, demo_given_male_len)
					   : pick_name(&g->rng, demo_given_female, demo_given_female_len);
	int64_t born = today_days - (int64_t)age * 365 - (int64_t)rng_below(&g->rng, 365);
	int64_t y;
	unsigned m, d;
	time_civil_from_days(born, &y, &m, &d);
	char birth[32];
	snprintf(birth, sizeof birth, "%04lld-%02u-%02u", (long long)y, m, d);
	const struct demo_town *t = &demo_towns[rng_below(&g->rng, demo_towns_len)];
	unsigned chome = t->max_chome ? 1 + (unsigned)rng_below(&g->rng, t->max_chome) : 0;
	unsigned ban = 1 + (unsigned)rng_below(&g->rng, 30), go = 1 + (unsigned)rng_below(&g->rng, 20);
	char phone[32];
	if (age >= 20 && rng_chance(&g->rng, 1, 2))
		snprintf(phone, sizeof phone, "090-%04u-%04u", (unsigned)rng_below(&g->rng, 10000),
			 (unsigned)rng_below(&g->rng, 10000));
	else
		snprintf(phone, sizeof phone, "0263-%02u-%04u", 20 + (unsigned)rng_below(&g->rng, 80),
			 (unsigned)rng_below(&g->rng, 10000));
	char regional[REGIONAL_ID_LEN + 1];
	regional_id_new(&g->rng, regional);
	size_t at[5];
	char ids[5][48];
	size_t n = draw_facilities(g, age, at), n_clinical = n;
	/* the care office's clients use the 訪問介護 office too (no draw: the same people as without it) */
	for (size_t k = 0; k < n_clinical; k++)
		if (at[k] == FI_CARE_OFFICE)
			at[n++] = FI_CARE_SERVICE;
	for (size_t k = 0; k < n; k++) {
		const struct demo_facility *f = &facilities[at[k]];
		unsigned local = ++g->next_local[at[k]];
		char local_id[16], id[48], sys[80], org[48];
		snprintf(local_id, sizeof local_id, "%0*u", (int)f->local_digits, local);
		snprintf(id, sizeof id, "%s-%s", f->code, local_id);
		snprintf(ids[k], sizeof ids[k], "%s", id);
		snprintf(sys, sizeof sys, "%s%s", JP_LOCAL_PATIENT_SYSTEM_PREFIX, f->code);
		snprintf(org, sizeof org, "Organization/org-%s", f->code);
		json_t *p = json_pack(
			"{s:s, s:{s:[s]}, s:[{s:s, s:s}, {s:s, s:s}], s:b, s:o, s:[{s:s, s:s, s:s}], s:s, s:s, s:[o], s:{s:s, s:s}}",
			"resourceType", "Patient", "meta", "profile", JP_PROFILE_PATIENT, "identifier", "system", sys,
			"value", local_id, "system", g->ctx.cfg->region_id_system, "value", regional, "active", 1,
			"name", name_pair_json(fam->kanji, giv->kanji, fam->kana, giv->kana), "telecom", "system",
			"phone", "value", phone, "use", phone[0] == '0' && phone[1] == '9' ? "mobile" : "home",
			"gender", male ? "male" : "female", "birthDate", birth, "address",
			address_json(t, chome, ban, go), "managingOrganization", "reference", org, "display", f->name);
		enum rk_status rc = put(g, "Patient", id, p);
		if (rc != RK_OK)
			return rc;
		g->stats->registrations++;
	}
	g->stats->people++;
	if (n > 1)
		g->stats->linked_people++;
	enum rk_status rc = put_consents(g, regional, ids, at, n);
	/* The history draws from its own generator, so people are the same with or without it. */
	uint64_t history_seed = rng_next(&g->rng);
	if (rc != RK_OK || !g->history)
		return rc;
	struct rng hr;
	rng_seed(&hr, history_seed);
	char name[96];
	snprintf(name, sizeof name, "%s %s", fam->kanji, giv->kanji);
	/* the clinical history is the medical facilities' (the 訪問介護 office keeps none) */
	struct demo_person person = {
		.age = age, .male = male, .name = name, .birth = birth, .today = today_days, .n = n_clinical};
	for (size_t k = 0; k < n_clinical; k++)
		site_of(&person.sites[k], at[k], ids[k]);
	for (size_t k = 0; k < n_clinical; k++)
		person.sites[k].external = g->ss[at[k]] != NULL;
	struct demo_clinical c = {.put = put_record, .arg = g, .rng = &hr, .err = g->err};
	rc = demo_clinical_person(&c, &person);
	g->stats->records += c.records;
	/* The hospitals' records of the person: into their SS-MIX2 storages, with
	 * the demographics of the registration and the conditions followed there. */
	char line[128], address[256], pid[16], birth8[16];
	address_text(t, chome, ban, go, line, address);
	snprintf(birth8, sizeof birth8, "%.4s%.2s%.2s", birth, birth + 5, birth + 8);
	for (size_t k = 0; k < n_clinical && rc == RK_OK; k++) {
		if (!g->ss[at[k]])
			continue;
		const char *conds[DEMO_MAX_CONDITIONS + 1];
		size_t nc = 0;
		for (size_t i = 0; c.conditions[k][i]; i++)
			for (const char *const *known = ssmix2_gen_conditions(); *known; known++)
				if (strcmp(*known, c.conditions[k][i]) == 0)
					conds[nc++] = c.conditions[k][i];
		conds[nc] = NULL;
		snprintf(pid, sizeof pid, "%s", ids[k] + strlen(facilities[at[k]].code) + 1);
		struct ssmix2_person sp = {.pid = pid,
					   .family = fam->kanji,
					   .given = giv->kanji,
					   .family_kana = fam->kana,
					   .given_kana = giv->kana,
					   .birth = birth8,
					   .sex = male ? 'M' : 'F',
					   .postal = t->postal,
					   .address = address,
					   .phone = phone,
					   .conditions = conds};
		rc = ssmix2_gen_patient(g->ss[at[k]], &sp, history_seed ^ (0x9E3779B97F4A7C15ULL * (k + 1)), g->err);
	}
	return rc;
}

/* One account per role at representative facilities (README lists them). */
static const struct {
	const char *id;
	size_t facility;
	enum role role;
} demo_accounts[] = {
	// clang-format off
	{"dr.renkei", 0, ROLE_DOCTOR},          {"dent.renkei", 0, ROLE_DENTIST},
	{"ns.renkei", 0, ROLE_NURSE},           {"admin.renkei", 0, ROLE_FACILITY_ADMIN},
	{"dr.azumino", 1, ROLE_DOCTOR},         {"pt.azumino", 1, ROLE_THERAPIST},
	{"dr.yamabiko", 2, ROLE_DOCTOR},        {"clerk.yamabiko", 2, ROLE_CLERK},
	{"ph.midori", 8, ROLE_PHARMACIST},      {"vn.hidamari", 10, ROLE_VISITING_NURSE},
	{"cm.komorebi", FI_CARE_OFFICE, ROLE_CARE_MANAGER},
	{"hh.yamanami", FI_CARE_SERVICE, ROLE_CARE_WORKER}, {"sw.yamanami", FI_CARE_SERVICE, ROLE_SOCIAL_WORKER},
	{"operator", FI_NETWORK, ROLE_OPERATOR},
	// clang-format on
};

static enum rk_status put_accounts(struct gen *g)
{
	struct account a;
	memset(&a, 0, sizeof a);
	/* One Argon2id hash for the shared demo password (hashing is slow on purpose). */
	enum rk_status rc = password_hash(DEMO_PASSWORD, a.password_hash, g->err);
	for (size_t i = 0; i < sizeof demo_accounts / sizeof demo_accounts[0] && rc == RK_OK; i++) {
		char pid[48], name[96];
		rc = put_staff(g, demo_accounts[i].facility, demo_accounts[i].role, pid, name);
		if (rc != RK_OK)
			break;
		snprintf(a.id, sizeof a.id, "%s", demo_accounts[i].id);
		snprintf(a.facility, sizeof a.facility, "%s", facilities[demo_accounts[i].facility].code);
		a.role = demo_accounts[i].role;
		a.licensed = role_info(a.role)->licence;
		snprintf(a.name, sizeof a.name, "%s", name);
		snprintf(a.practitioner_id, sizeof a.practitioner_id, "%s", pid);
		size_t fi = demo_accounts[i].facility;
		if ((a.role == ROLE_DOCTOR || a.role == ROLE_VISITING_NURSE) && !g->author_of[fi][0]) {
			snprintf(g->author_of[fi], sizeof g->author_of[fi], "Practitioner/%s", pid);
			snprintf(g->author_name[fi], sizeof g->author_name[fi], "%s", name);
		}
		snprintf(a.totp_secret, sizeof a.totp_secret, "%s", DEMO_TOTP_SECRET);
		a.totp_enrolled = true;
		rc = account_insert(g->ctx.store, &a, g->ctx.now, g->err);
		g->stats->accounts += rc == RK_OK;
	}
	return rc;
}

static enum rk_status count_facilities(void *ctx, const struct store_facility *f)
{
	(void)f;
	(*(int *)ctx)++;
	return RK_OK;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* One SS-MIX2 generator per hospital, into <dir>/<code> (dir NULL: a new temporary directory). */
static enum rk_status ssmix2_open_all(struct gen *g, const char *dir, int64_t today)
{
	if (dir) {
		snprintf(g->ss_root, sizeof g->ss_root, "%s", dir);
		if (mkdir(dir, 0777) != 0 && errno != EEXIST)
			return rk_fail(g->err, RK_IO, "--keep-ssmix2 %s: %s", dir, strerror(errno));
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(g->ss_root, sizeof g->ss_root, "%s/renkei-demo-ssmix2-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(g->ss_root))
			return rk_fail(g->err, RK_IO, "demo: cannot create a temporary directory %s: %s", g->ss_root,
				       strerror(errno));
		g->ss_temporary = true;
	}
	enum rk_status rc = RK_OK;
	for (size_t i = 0; i < N_FACILITIES && rc == RK_OK; i++) {
		const struct demo_facility *f = &facilities[i];
		if (strcmp(f->kind, "hospital") != 0)
			continue;
		char out[RK_MAX_PATH];
		struct stat st;
		snprintf(out, sizeof out, "%s/%s", g->ss_root, f->code);
		if (!g->ss_temporary && stat(out, &st) == 0)
			return rk_fail(g->err, RK_CONFLICT, "--keep-ssmix2: %s already exists; give a new directory",
				       out);
		const struct demo_town *t = town_of(f->city, f->town);
		/* one year of history up to the day before the demo's day: about 25 files a
		 * patient (two years gave 40 and doubled the demo's time) */
		struct ssmix2_gen_config c = {
			.out = out,
			.facility = {.code = f->code, .name = f->name, .postal = t->postal, .phone = f->phone},
			.end_day = today - 1,
			.years = 1};
		rc = ssmix2_gen_open(&c, &g->ss[i], g->err);
		g->ss_hospital[i] = rc == RK_OK;
	}
	return rc;
}

static void ssmix2_close_all(struct gen *g)
{
	for (size_t i = 0; i < N_FACILITIES; i++) {
		if (!g->ss[i])
			continue;
		struct ssmix2_gen_stats st;
		ssmix2_gen_stats(g->ss[i], &st);
		g->stats->ssmix2_patients += st.patients;
		ssmix2_gen_close(g->ss[i]);
		g->ss[i] = NULL;
	}
}

/* The import's files as a phase of the demo's progress: the walk's first
 * report (done = 0) knows how many files there are. */
static void import_progress(void *arg, const struct ssmix2_stats *st)
{
	struct gen *g = arg;
	if (!g->progress)
		return;
	if (!g->progress->open)
		progress_phase(g->progress, g->phase, "files", st->files);
	progress_update(g->progress, st->done);
}

/* Import each hospital's storage through the real ingest path. */
static enum rk_status ssmix2_import_all(struct gen *g, struct store *s, const struct config *cfg)
{
	enum rk_status rc = RK_OK;
	for (size_t i = 0; i < N_FACILITIES && rc == RK_OK; i++) {
		if (!g->ss_hospital[i])
			continue;
		char root[RK_MAX_PATH];
		snprintf(root, sizeof root, "%s/%s", g->ss_root, facilities[i].code);
		struct ssmix2_stats st;
		snprintf(g->phase, sizeof g->phase, "import %s", facilities[i].code);
		rc = ssmix2_import(s, cfg, root, str_c(facilities[i].code), NULL, NULL, import_progress, g, &st,
				   g->err);
		if (g->progress)
			progress_end(g->progress, st.done);
		struct demo_stats *d = g->stats;
		d->ssmix2_files += st.files;
		d->ssmix2_stored += st.stored;
		d->ssmix2_superseded += st.superseded;
		d->ssmix2_deleted += st.deleted;
		d->ssmix2_quarantined += st.quarantined;
		d->ssmix2_resources += st.resources;
		if (rc == RK_OK && st.quarantined)
			rc = rk_fail(
				g->err, RK_INTERNAL,
				"demo: %lld of the %lld SS-MIX2 files of %s were quarantined (see `renkei ingest errors`); "
				"the demo's own data must all be taken",
				(long long)st.quarantined, (long long)st.files, facilities[i].code);
	}
	return rc;
}

enum rk_status demo_build(struct store *s, const struct config *cfg, const struct demo_options *o,
			  struct demo_stats *stats, struct rk_err *err)
{
	uint64_t seed = o->seed;
	int64_t people = o->people;
	bool history = o->history;
	int64_t t0 = time_mono_ms();
	memset(stats, 0, sizeof *stats);
	int existing = 0;
	enum rk_status rc = store_facility_list(s, count_facilities, &existing, err);
	if (rc != RK_OK)
		return rc;
	if (existing)
		return rk_fail(err, RK_CONFLICT,
			       "the database already holds %d facilities; build the demo region into an empty database",
			       existing);
	struct gen g = {.stats = stats, .err = err, .history = history, .progress = o->progress};
	arena_init(&g.arena, RK_MAX_REQUEST_MEM);
	rng_seed(&g.rng, seed);
	g.seed = seed;
	g.ctx = (struct fhir_ctx){.store = s,
				  .arena = &g.arena,
				  .cfg = cfg,
				  .now = time_now_ms(),
				  .rng = &g.rng,
				  .trusted = true,
				  .batch = true};
	/* Everything is counted from the demo's day, so that a seed and a day always
	 * give the same people and the same records. */
	int64_t today = o->today ? o->today : demo_today();
	g.today = today;
	if (history && people > 0)
		rc = ssmix2_open_all(&g, o->ssmix2_dir, today);
	if (rc == RK_OK)
		rc = store_begin(s, err);
	if (rc != RK_OK)
		goto out;
	for (size_t i = 0; i < N_FACILITIES && rc == RK_OK; i++)
		rc = put_facility(&g, i);
	for (size_t i = 0; i < N_FACILITIES && rc == RK_OK; i++) {
		const struct demo_facility *f = &facilities[i];
		const int counts[] = {f->staff.doctors,    f->staff.nurses,          f->staff.pharmacists,
				      f->staff.therapists, f->staff.visiting_nurses, f->staff.care_managers,
				      f->staff.clerks,     f->staff.care_workers,    f->staff.social_workers};
		_Static_assert(sizeof counts / sizeof counts[0] == sizeof staff_roles / sizeof staff_roles[0],
			       "a count per staff role");
		for (size_t role = 0; role < sizeof counts / sizeof counts[0] && rc == RK_OK; role++)
			for (int k = 0; k < counts[role] && rc == RK_OK; k++)
				rc = put_staff(&g, i, staff_roles[role], NULL, NULL);
	}
	if (rc == RK_OK)
		rc = put_accounts(&g);
	if (g.progress)
		progress_phase(g.progress, history ? "people + records" : "people", "people", people);
	for (int64_t i = 0; i < people && rc == RK_OK; i++) {
		rc = put_person(&g, today);
		if (g.progress)
			progress_update(g.progress, i + 1);
	}
	if (g.progress && rc == RK_OK)
		progress_end(g.progress, people);
	if (rc == RK_OK)
		rc = store_commit(s, err);
	else
		store_rollback(s);
	ssmix2_close_all(&g);
	if (rc == RK_OK)
		rc = ssmix2_import_all(&g, s, cfg);
	if (rc == RK_OK)
		rc = store_optimize(s, err); /* the planner needs statistics to drive searches from the index tables */
out:
	ssmix2_close_all(&g);
	if (g.ss_temporary)
		nftw(g.ss_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	arena_free(&g.arena);
	stats->elapsed_ms = time_mono_ms() - t0;
	return rc;
}
