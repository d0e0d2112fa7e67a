/* codes.c — the code lists of codes.h. Sources, checked for every row:
 * - system URIs: JP Core v1.1.2 (jami-fhir-jp-wg/jp-core-v1x, tag v1.1.2,
 *   input/fsh/aliases*.fsh and the MedicationRequest/Condition/Immunization
 *   pages); ICD-10 and J-FAGY URIs: JAMI clinical-core aliases.
 * - HOT9 ↔ YJ ↔ 販売名: MEDIS HOT9 master (2003-02-28 release as mirrored by
 *   shiro46mt/jp-medicine-master-data), each YJ code checked against the MHLW
 *   NHI price list of 2025-07-16 (still listed, same product); 124045001
 *   (タケキャブ錠２０ｍｇ) and 100558502 (ホリゾン注射液１０ｍｇ) from the JP
 *   Core examples.
 * - JLAC10: CLINS 検体検査項目セット (JAMI clinical-core JLAC10 CoreLabo
 *   CodeSystem) and the 特定健診 JLAC10 item list; reference intervals: JCCLS
 *   共用基準範囲.
 * - MEDIS 病名交換用コード: only codes found in JP Core / JAMI / SS-MIX2
 *   examples (TQ7A, TSQF, HR19, CJTR, ES0L, S9VN, VSES); other rows carry
 *   ICD-10 only until the MEDIS master is at hand.
 * - JAMI 標準用法: JP Core examples and JAHIS 処方データ交換規約 examples.
 * - J-FAGY: JFAGY_J9FN_20250401_R01.csv (jami-fhir-jp-wg/JFAGY).
 * - document codes: JP_DocumentCodes_CS (SS-MIX2 標準文書コード表), LOINC. */
#include "model/codes.h"

#include <string.h>

#define N(a) (sizeof a / sizeof a[0])
#define FINDER(type, name)                                 \
	const size_t name##_len = N(name);                 \
	const struct type *name##_find(const char *key)    \
	{                                                  \
		for (size_t i = 0; i < N(name); i++)       \
			if (strcmp(name[i].key, key) == 0) \
				return &name[i];           \
		return NULL;                               \
	}

/* {key, code, ja, per_day} */
const struct codes_usage codes_usages[] = {
	{"morning", "1011000400000000", "内服・経口・１日１回朝食後", 1},
	{"evening", "1011040000000000", "内服・経口・１日１回夕食後", 1},
	{"bedtime", "1011100000000000", "内服・経口・１日１回就寝前", 1},
	{"twice", "1012040400000000", "内服・経口・１日２回朝夕食後", 2},
	{"thrice", "1013044400000000", "内服・経口・１日３回朝昼夕食後", 3},
};
FINDER(codes_usage, codes_usages)

#define ORAL(key, hot9, yj, name, generic, strength, dose, unit, unit_ja, usage, days)               \
	{                                                                                            \
		key, hot9, yj, name, generic, strength, CODES_ORAL, dose, unit, unit_ja, usage, days \
	}
#define INJ(key, hot9, yj, name, generic, strength, dose, unit, unit_ja)                              \
	{                                                                                             \
		key, hot9, yj, name, generic, strength, CODES_INJECTION, dose, unit, unit_ja, NULL, 0 \
	}

const struct codes_medicine codes_medicines[] = {
	/* hypertension, heart failure */
	ORAL("amlodipine", "103299401", "2171022F2025", "ノルバスク錠５ｍｇ", "アムロジピンベシル酸塩", "５ｍｇ１錠", 1,
	     "TAB", "錠", "morning", 0),
	ORAL("candesartan", "103023501", "2149040F3029", "ブロプレス錠８", "カンデサルタン シレキセチル", "８ｍｇ１錠",
	     1, "TAB", "錠", "morning", 0),
	ORAL("valsartan", "113673901", "2149041F3023", "ディオバン錠８０ｍｇ", "バルサルタン", "８０ｍｇ１錠", 1, "TAB",
	     "錠", "morning", 0),
	ORAL("enalapril", "102809601", "2144002F2020", "レニベース錠５", "エナラプリルマレイン酸塩", "５ｍｇ１錠", 1,
	     "TAB", "錠", "morning", 0),
	ORAL("nifedipine", "103216101", "2171014G4029", "アダラートＣＲ錠２０ｍｇ", "ニフェジピン", "２０ｍｇ１錠", 1,
	     "TAB", "錠", "twice", 0),
	ORAL("carvedilol", "102997001", "2149032F1021", "アーチスト錠１０ｍｇ", "カルベジロール", "１０ｍｇ１錠", 1,
	     "TAB", "錠", "twice", 0),
	ORAL("torasemide", "102709901", "2139009F1026", "ルプラック錠４ｍｇ", "トラセミド", "４ｍｇ１錠", 1, "TAB",
	     "錠", "morning", 0),
	/* diabetes, dyslipidemia, hyperuricemia */
	ORAL("glimepiride", "113247201", "3961008F1020", "アマリール１ｍｇ錠", "グリメピリド", "１ｍｇ１錠", 1, "TAB",
	     "錠", "morning", 0),
	ORAL("pioglitazone", "108756701", "3969007F1024", "アクトス錠１５", "ピオグリタゾン塩酸塩", "１５ｍｇ１錠", 1,
	     "TAB", "錠", "morning", 0),
	ORAL("pravastatin", "103465301", "2189010F2027", "メバロチン錠１０", "プラバスタチンナトリウム", "１０ｍｇ１錠",
	     1, "TAB", "錠", "evening", 0),
	ORAL("atorvastatin", "112561001", "2189015F2020", "リピトール錠１０ｍｇ", "アトルバスタチンカルシウム水和物",
	     "１０ｍｇ１錠", 1, "TAB", "錠", "evening", 0),
	ORAL("allopurinol", "108567902", "3943001F1314", "ザイロリック錠１００", "アロプリノール", "１００ｍｇ１錠", 1,
	     "TAB", "錠", "twice", 0),
	/* stomach */
	ORAL("famotidine", "104312901", "2325003F2020", "ガスター錠２０ｍｇ", "ファモチジン", "２０ｍｇ１錠", 1, "TAB",
	     "錠", "twice", 0),
	ORAL("lansoprazole", "114962301", "2329023F1020", "タケプロンＯＤ錠１５", "ランソプラゾール", "１５ｍｇ１錠", 1,
	     "TAB", "錠", "morning", 0),
	ORAL("vonoprazan", "124045001", "2329030F2027", "タケキャブ錠２０ｍｇ", "ボノプラザンフマル酸塩",
	     "２０ｍｇ１錠", 1, "TAB", "錠", "morning", 0),
	ORAL("clostridium", "104195801", "2316009F1022", "ミヤＢＭ錠", "酪酸菌", "１錠", 1, "TAB", "錠", "thrice", 7),
	/* neurology, sleep, bones, anaemia */
	ORAL("donepezil", "101636901", "1190012F2022", "アリセプト錠５ｍｇ", "ドネペジル塩酸塩", "５ｍｇ１錠", 1, "TAB",
	     "錠", "morning", 0),
	ORAL("zolpidem", "113616601", "1129009F1025", "マイスリー錠５ｍｇ", "ゾルピデム酒石酸塩", "５ｍｇ１錠", 1,
	     "TAB", "錠", "bedtime", 28),
	ORAL("mecobalamin", "107087301", "3136004F2138", "メチコバール錠５００μｇ", "メコバラミン", "０．５ｍｇ１錠", 1,
	     "TAB", "錠", "thrice", 0),
	ORAL("alfacalcidol", "106765101", "3112001M2069", "アルファロールカプセル０．５μｇ", "アルファカルシドール",
	     "０．５μｇ１カプセル", 1, "CAP", "カプセル", "morning", 0),
	ORAL("eperisone", "101933901", "1249009F1090", "ミオナール錠５０ｍｇ", "エペリゾン塩酸塩", "５０ｍｇ１錠", 1,
	     "TAB", "錠", "thrice", 14),
	ORAL("ferrous", "107296901", "3222013F1025", "フェロミア錠５０ｍｇ", "クエン酸第一鉄ナトリウム",
	     "鉄５０ｍｇ１錠", 1, "TAB", "錠", "evening", 28),
	/* infections, cough, allergy, skin */
	ORAL("cefcapene", "110937501", "6132016F2020", "フロモックス錠１００ｍｇ", "セフカペン ピボキシル塩酸塩水和物",
	     "１００ｍｇ１錠", 1, "TAB", "錠", "thrice", 5),
	ORAL("clarithromycin", "111222101", "6149003F2038", "クラリス錠２００", "クラリスロマイシン", "２００ｍｇ１錠",
	     1, "TAB", "錠", "twice", 7),
	ORAL("carbocisteine", "103835401", "2233002F1174", "ムコダイン錠２５０ｍｇ", "Ｌ－カルボシステイン",
	     "２５０ｍｇ１錠", 2, "TAB", "錠", "thrice", 7),
	ORAL("dextromethorphan", "103745601", "2223001F2099", "メジコン錠１５ｍｇ",
	     "デキストロメトルファン臭化水素酸塩水和物", "１５ｍｇ１錠", 2, "TAB", "錠", "thrice", 5),
	ORAL("oseltamivir", "113888702", "6250021M1027", "タミフルカプセル７５", "オセルタミビルリン酸塩",
	     "７５ｍｇ１カプセル", 1, "CAP", "カプセル", "twice", 5),
	ORAL("valaciclovir", "113543501", "6250019F1020", "バルトレックス錠５００", "バラシクロビル塩酸塩",
	     "５００ｍｇ１錠", 2, "TAB", "錠", "thrice", 7),
	ORAL("fexofenadine", "113807801", "4490023F1024", "アレグラ錠６０ｍｇ", "フェキソフェナジン塩酸塩",
	     "６０ｍｇ１錠", 1, "TAB", "錠", "twice", 14),
	/* injections */
	INJ("ceftriaxone", "111073903", "6132419F2026", "ロセフィン静注用１ｇ", "セフトリアキソンナトリウム水和物",
	    "１ｇ１瓶", 1, "G", "g"),
	INJ("cefmetazole", "111017301", "6132408F3059", "セフメタゾン静注用１ｇ", "セフメタゾールナトリウム",
	    "１ｇ１瓶", 1, "G", "g"),
	INJ("saline", "107673801", "3311401A9020", "大塚生食注", "生理食塩液", "５００ｍＬ１袋", 500, "ML", "mL"),
	INJ("lactated_ringer", "107826801", "3319534A4046", "ラクテック注", "乳酸リンゲル", "５００ｍＬ１袋", 500, "ML",
	    "mL"),
	INJ("tranexamic", "108087201", "3327401A1127", "トランサミン注５％", "トラネキサム酸", "５％５ｍＬ１管", 1,
	    "AMP", "アンプル"),
	INJ("diazepam", "100558502", "1124402A2045", "ホリゾン注射液１０ｍｇ", "ジアゼパム", "１０ｍｇ１管", 1, "AMP",
	    "アンプル"),
	INJ("hydroxyzine", "101583601", "1179401A1026", "アタラックス－Ｐ注射液（２５ｍｇ／ｍｌ）",
	    "ヒドロキシジン塩酸塩", "２．５％１ｍＬ１管", 1, "AMP", "アンプル"),
};
FINDER(codes_medicine, codes_medicines)

/* {key, jlac10, ja, unit, ucum, low_m, high_m, low_f, high_f, typical, spread, decimals} */
const struct codes_lab codes_labs[] = {
	{"wbc", "2A010000001930101", "白血球数", "10^3/μL", "10*3/uL", 3.3, 8.6, 3.3, 8.6, 5.8, 0.8, 1},
	{"rbc", "2A020000001930101", "赤血球数", "10^4/μL", "10*4/uL", 435, 555, 386, 492, 460, 18, 0},
	{"hb", "2A030000001930101", "ヘモグロビン", "g/dL", "g/dL", 13.7, 16.8, 11.6, 14.8, 14.0, 0.5, 1},
	{"ht", "2A040000001930102", "ヘマトクリット", "%", "%", 40.7, 50.1, 35.1, 44.4, 42.0, 1.3, 1},
	{"plt", "2A050000001930101", "血小板数", "10^4/μL", "10*4/uL", 15.8, 34.8, 15.8, 34.8, 24.0, 2.5, 1},
	{"tp", "3A010000002327101", "総蛋白", "g/dL", "g/dL", 6.6, 8.1, 6.6, 8.1, 7.2, 0.2, 1},
	{"alb", "3A015000002327101", "アルブミン", "g/dL", "g/dL", 4.1, 5.1, 4.1, 5.1, 4.4, 0.15, 1},
	{"ast", "3B035000002327201", "AST(GOT)", "U/L", "U/L", 13, 30, 13, 30, 21, 3, 0},
	{"alt", "3B045000002327201", "ALT(GPT)", "U/L", "U/L", 10, 42, 7, 23, 18, 4, 0},
	{"ld", "3B050000002327201", "LD(LDH)", "U/L", "U/L", 124, 222, 124, 222, 175, 15, 0},
	{"alp", "3B070000002327501", "ALP(IFCC)", "U/L", "U/L", 38, 113, 38, 113, 72, 9, 0},
	{"ggt", "3B090000002327101", "γ-GTP", "U/L", "U/L", 13, 64, 9, 32, 24, 6, 0},
	{"ck", "3B010000002327201", "CK", "U/L", "U/L", 59, 248, 41, 153, 110, 25, 0},
	{"amy", "3B160000002327101", "アミラーゼ", "U/L", "U/L", 44, 132, 44, 132, 80, 10, 0},
	{"bun", "3C025000002327201", "尿素窒素", "mg/dL", "mg/dL", 8, 20, 8, 20, 14, 2, 1},
	{"cre", "3C015000002327101", "クレアチニン", "mg/dL", "mg/dL", 0.65, 1.07, 0.46, 0.79, 0.75, 0.04, 2},
	{"ua", "3C020000002327101", "尿酸", "mg/dL", "mg/dL", 3.7, 7.8, 2.6, 5.5, 5.0, 0.4, 1},
	{"egfr", "8A065000002391901", "eGFR", "mL/min/1.73m2", "mL/min/{1.73_m2}", 60, -1, 60, -1, 80, 3, 1},
	{"glucose", "3D010000001926101", "血糖", "mg/dL", "mg/dL", 73, 109, 73, 109, 95, 7, 0},
	{"hba1c", "3D046000001906202", "HbA1c(NGSP)", "%", "%", 4.9, 6.0, 4.9, 6.0, 5.5, 0.1, 1},
	{"tc", "3F050000002327101", "総コレステロール", "mg/dL", "mg/dL", 142, 248, 142, 248, 200, 12, 0},
	{"tg", "3F015000002327101", "中性脂肪", "mg/dL", "mg/dL", 40, 234, 30, 117, 110, 25, 0},
	{"hdl", "3F070000002327101", "HDLコレステロール", "mg/dL", "mg/dL", 38, 90, 48, 103, 58, 5, 0},
	{"ldl", "3F077000002327101", "LDLコレステロール", "mg/dL", "mg/dL", 65, 163, 65, 163, 115, 10, 0},
	{"na", "3H010000002326101", "ナトリウム", "mmol/L", "mmol/L", 138, 145, 138, 145, 141, 1.2, 0},
	{"k", "3H015000002326101", "カリウム", "mmol/L", "mmol/L", 3.6, 4.8, 3.6, 4.8, 4.2, 0.2, 1},
	{"cl", "3H020000002326101", "クロール", "mmol/L", "mmol/L", 101, 108, 101, 108, 104, 1.2, 0},
	{"ca", "3H030000002327101", "カルシウム", "mg/dL", "mg/dL", 8.8, 10.1, 8.8, 10.1, 9.4, 0.2, 1},
	{"crp", "5C070000002306201", "CRP", "mg/dL", "mg/dL", 0, 0.14, 0, 0.14, 0.05, 0.03, 2},
	{"bnp", "4Z271000002205201", "BNP", "pg/mL", "pg/mL", 0, 18.4, 0, 18.4, 12, 4, 1},
};
FINDER(codes_lab, codes_labs)

void codes_lab_range(const struct codes_lab *lab, bool male, double *low, double *high)
{
	*low = male ? lab->low_m : lab->low_f;
	*high = male ? lab->high_m : lab->high_f;
}

/* {key, medis 交換用コード or NULL, ICD-10, 病名, chronic} */
const struct codes_diagnosis codes_diagnoses[] = {
	{"hypertension", NULL, "I10", "高血圧症", true},
	{"diabetes", NULL, "E119", "２型糖尿病", true},
	{"dyslipidemia", NULL, "E785", "脂質異常症", true},
	{"ckd", NULL, "N183", "慢性腎臓病（ステージ３）", true},
	{"heart_failure", NULL, "I500", "うっ血性心不全", true},
	{"angina", NULL, "I209", "狭心症", true},
	{"cerebral_infarction_sequela", NULL, "I693", "脳梗塞後遺症", true},
	{"alzheimer", NULL, "G309", "アルツハイマー型認知症", true},
	{"hyperuricemia", NULL, "E790", "高尿酸血症", true},
	{"reflux_esophagitis", NULL, "K210", "逆流性食道炎", true},
	{"gastritis", "TSQF", "K297", "胃炎", false},
	{"osteoporosis", NULL, "M819", "骨粗鬆症", true},
	{"knee_oa", NULL, "M179", "変形性膝関節症", true},
	{"lumbago", NULL, "M545", "腰痛症", false},
	{"insomnia", NULL, "G470", "不眠症", true},
	{"iron_deficiency_anemia", NULL, "D509", "鉄欠乏性貧血", false},
	{"copd", NULL, "J449", "慢性閉塞性肺疾患", true},
	{"asthma", NULL, "J459", "気管支喘息", true},
	{"bph", NULL, "N40", "前立腺肥大症", true},
	{"cataract", NULL, "H259", "老人性白内障", true},
	{"allergic_rhinitis", NULL, "J304", "アレルギー性鼻炎", false},
	{"atopic_dermatitis", NULL, "L209", "アトピー性皮膚炎", true},
	{"urticaria", NULL, "L509", "じんま疹", false},
	{"herpes_zoster", NULL, "B029", "帯状疱疹", false},
	{"upper_respiratory_infection", NULL, "J069", "急性上気道炎", false},
	{"acute_bronchitis", "TQ7A", "J209", "急性気管支炎", false},
	{"influenza", "ES0L", "J111", "インフルエンザ", false},
	{"covid19", "S9VN", "U071", "ＣＯＶＩＤ－１９", false},
	{"pneumonia", NULL, "J189", "肺炎", false},
	{"colitis", "VSES", "K529", "大腸炎", false},
	{"constipation", NULL, "K590", "便秘症", false},
	{"appendicitis", "HR19", "K358", "急性化膿性虫垂炎", false},
	{"distal_radius_fracture", "CJTR", "S525", "橈骨遠位端骨折", false},
	{"femoral_neck_fracture", NULL, "S720", "大腿骨頚部骨折", false},
};
FINDER(codes_diagnosis, codes_diagnoses)

/* {key, system, code, ja, category, high, reaction} */
const struct codes_allergen codes_allergens[] = {
	{"egg", CODES_JFAGY_FOOD_SYSTEM, "J9FB13110000", "鶏卵", "food", false, "じんま疹"},
	{"milk", CODES_JFAGY_FOOD_SYSTEM, "J9FB12110011", "牛乳", "food", false, "腹痛・下痢"},
	{"wheat", CODES_JFAGY_FOOD_SYSTEM, "J9FA15000000", "小麦", "food", true, "アナフィラキシー"},
	{"buckwheat", CODES_JFAGY_FOOD_SYSTEM, "J9FA19140000", "そば", "food", true, "アナフィラキシー"},
	{"peanut", CODES_JFAGY_FOOD_SYSTEM, "J9FA21180000", "落花生", "food", true, "アナフィラキシー"},
	{"shrimp", CODES_JFAGY_FOOD_SYSTEM, "J9FC15110000", "えび", "food", true, "じんま疹・呼吸困難"},
	{"crab", CODES_JFAGY_FOOD_SYSTEM, "J9FC15120000", "かに", "food", false, "じんま疹"},
	{"mackerel", CODES_JFAGY_FOOD_SYSTEM, "J9FC11310000", "さば", "food", false, "じんま疹"},
	{"kiwi", CODES_JFAGY_FOOD_SYSTEM, "J9FA32540000", "キウイフルーツ", "food", false, "口腔アレルギー症候群"},
	{"latex", CODES_JFAGY_OTHER_SYSTEM, "J9NP14110000", "ラテックス（天然ゴム）", "environment", true,
	 "接触じんま疹"},
	{"cedar_pollen", CODES_JFAGY_OTHER_SYSTEM, "J9NK13320000", "スギ", "environment", false, "鼻汁・くしゃみ"},
	{"cefcapene", CODES_YJ_SYSTEM, "6132016F2020", "フロモックス錠１００ｍｇ（セフェム系抗菌薬）", "medication",
	 true, "薬疹・呼吸困難"},
	{"clarithromycin", CODES_YJ_SYSTEM, "6149003F2038", "クラリス錠２００（マクロライド系抗菌薬）", "medication",
	 false, "薬疹"},
};
FINDER(codes_allergen, codes_allergens)

/* {DICOM modality, ja, report document code, report ja} */
const struct codes_modality codes_modalities[] = {
	{"CT", "CT", "18747-6", "CT検査報告書"},
	{"MR", "MRI", "18755-9", "MRI検査報告書"},
	{"CR", "単純X線撮影", "18748-4", "画像検査報告書"},
	{"US", "超音波検査", "12132-7", "超音波検査報告書"},
};
const size_t codes_modalities_len = N(codes_modalities);
const struct codes_modality *codes_modalities_find(const char *key)
{
	for (size_t i = 0; i < N(codes_modalities); i++)
		if (strcmp(codes_modalities[i].code, key) == 0)
			return &codes_modalities[i];
	return NULL;
}

/* {key, SS-MIX2 標準文書コード (= LOINC), ja as in JP_DocumentCodes_CS} */
const struct codes_document codes_documents[] = {
	{"referral", "57133-1", "診療情報提供書"},
	{"discharge_summary", "18842-5", "退院時サマリ"},
	{"lab_report", "11502-2", "検体検査報告書"},
	{"checkup_report", "53576-5", "検診・健診報告書"},
};
FINDER(codes_document, codes_documents)

/* {key, LOINC, display, ja, unit, UCUM} */
const struct codes_vital codes_vitals[] = {
	{"bp", "85354-9", "Blood pressure panel with all children optional", "血圧", "mmHg", "mm[Hg]", 0},
	{"sbp", "8480-6", "Systolic blood pressure", "収縮期血圧", "mmHg", "mm[Hg]", 0},
	{"dbp", "8462-4", "Diastolic blood pressure", "拡張期血圧", "mmHg", "mm[Hg]", 0},
	{"hr", "8867-4", "Heart rate", "脈拍数", "/分", "/min", 0},
	{"temp", "8310-5", "Body temperature", "体温", "℃", "Cel", 1},
	{"weight", "29463-7", "Body weight", "体重", "kg", "kg", 1},
	{"height", "8302-2", "Body height", "身長", "cm", "cm", 1},
	{"spo2", "2708-6", "Oxygen saturation in Arterial blood", "SpO2", "%", "%", 0},
};
FINDER(codes_vital, codes_vitals)

/* {key, HOT9, 販売名, target disease}: コミナティ筋注 as in the JP Core Immunization example. */
const struct codes_vaccine codes_vaccines[] = {
	{"covid19_comirnaty", "182110901", "コミナティ筋注", "covid19"},
};
FINDER(codes_vaccine, codes_vaccines)
