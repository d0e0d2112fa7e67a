/* role.c — the role and facility-kind tables. */
#include "model/role.h"

static const struct role_info roles[ROLE_COUNT_] = {
	[ROLE_DOCTOR] = {"doctor", "医師", "Doctor", true, true, false},
	[ROLE_DENTIST] = {"dentist", "歯科医師", "Dentist", true, true, false},
	[ROLE_PHARMACIST] = {"pharmacist", "薬剤師", "Pharmacist", true, true, false},
	[ROLE_NURSE] = {"nurse", "看護師", "Nurse", true, true, false},
	[ROLE_VISITING_NURSE] = {"visiting_nurse", "訪問看護師", "Home-care nurse", true, true, false},
	[ROLE_CARE_MANAGER] = {"care_manager", "ケアマネジャー", "Care manager", true, true, false},
	[ROLE_THERAPIST] = {"therapist", "リハビリ職", "Therapist", true, true, false},
	/* 介護福祉士 is a national qualification, not a licence to treat: no licence flag. */
	[ROLE_CARE_WORKER] = {"care_worker", "介護職・ヘルパー", "Care worker", false, true, false},
	[ROLE_SOCIAL_WORKER] = {"social_worker", "相談員", "Care counsellor", false, true, false},
	[ROLE_CLERK] = {"clerk", "事務", "Clerk", false, false, false},
	[ROLE_FACILITY_ADMIN] = {"facility_admin", "施設管理者", "Facility administrator", false, false, true},
	[ROLE_OPERATOR] = {"operator", "運用管理者", "Network operator", false, false, true},
	[ROLE_SYSTEM] = {"system", "施設システム", "Facility system", false, false, false},
};

const struct role_info *role_info(enum role r)
{
	return (unsigned)r < ROLE_COUNT_ ? &roles[r] : &roles[ROLE_CLERK];
}

bool role_parse(struct str code, enum role *out)
{
	for (int i = 0; i < ROLE_SYSTEM; i++) {
		if (str_eq_c(code, roles[i].code)) {
			*out = (enum role)i;
			return true;
		}
	}
	return false;
}

static const struct facility_kind_info kinds[FACILITY_KIND_COUNT_] = {
	[FACILITY_HOSPITAL] = {"hospital", "病院", "Hospital"},
	[FACILITY_CLINIC] = {"clinic", "診療所", "Clinic"},
	[FACILITY_PHARMACY] = {"pharmacy", "薬局", "Pharmacy"},
	[FACILITY_HOME_NURSING] = {"home_nursing", "訪問看護ステーション", "Home-nursing station"},
	[FACILITY_CARE_MANAGEMENT] = {"care_management", "居宅介護支援事業所", "Care-management office"},
	[FACILITY_CARE_SERVICE] = {"care_service", "介護サービス事業所", "Care service office"},
	[FACILITY_COMMUNITY_SUPPORT] = {"community_support", "地域包括支援センター", "Community support centre"},
	[FACILITY_OTHER] = {"other", "その他", "Other"},
};

const struct facility_kind_info *facility_kind_info(enum facility_kind k)
{
	return (unsigned)k < FACILITY_KIND_COUNT_ ? &kinds[k] : &kinds[FACILITY_OTHER];
}

bool facility_kind_parse(struct str code, enum facility_kind *out)
{
	for (int i = 0; i < FACILITY_KIND_COUNT_; i++) {
		if (str_eq_c(code, kinds[i].code)) {
			*out = (enum facility_kind)i;
			return true;
		}
	}
	return false;
}
