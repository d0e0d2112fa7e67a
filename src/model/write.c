/* write.c — names of the kinds of record a write changes (model/write.h). */
#include "model/write.h"

static const struct {
	const char *code, *ja, *en;
} kinds[WK_COUNT_] = {
	[WK_CLINICAL] = {"clinical", "診療記録 (病名・処方・検査など)", "clinical record"},
	[WK_REGISTRATION] = {"registration", "患者登録", "patient registration"},
	[WK_LINK] = {"link", "名寄せ (地域共通患者IDの紐付け)", "link of registrations"},
	[WK_CONSENT] = {"consent", "個別同意", "individual consent"},
	[WK_COMPREHENSIVE] = {"comprehensive", "包括同意", "comprehensive consent"},
	[WK_REFUSAL] = {"refusal", "拒否", "refusal"},
	[WK_CARE_TEAM] = {"care_team", "ケアチーム", "care team"},
	[WK_FACILITY] = {"facility", "参加施設 (種別・コード・地域)", "participating facility"},
	[WK_ORGANIZATION] = {"organization", "外部の組織 (紹介先など)", "outside organisation"},
	[WK_PRACTITIONER] = {"practitioner", "職員", "practitioner"},
};

const char *write_kind_code(enum write_kind k)
{
	return (unsigned)k < WK_COUNT_ ? kinds[k].code : "";
}

const char *write_kind_ja(enum write_kind k)
{
	return (unsigned)k < WK_COUNT_ ? kinds[k].ja : "";
}

const char *write_kind_en(enum write_kind k)
{
	return (unsigned)k < WK_COUNT_ ? kinds[k].en : "";
}

const char *write_action_code(enum write_action a)
{
	static const char *const codes[WRITE_ACTION_COUNT_] = {"create", "update", "delete"};
	return (unsigned)a < WRITE_ACTION_COUNT_ ? codes[a] : "";
}
