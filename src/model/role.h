/* role.h — staff roles (職種) and kinds of facility (施設種別), with their
 * Japanese and English names: one table each. Pure; thread-safe. */
#ifndef RENKEI_MODEL_ROLE_H
#define RENKEI_MODEL_ROLE_H

#include <stdbool.h>

#include "core/str.h"

/* Stored data (accounts, audit, bulk jobs) names a role by its code, never by
 * its number, so the order is free; the staff roles come before ROLE_SYSTEM,
 * which role_parse does not find. */
enum role {
	ROLE_DOCTOR,         /* 医師 */
	ROLE_DENTIST,        /* 歯科医師 */
	ROLE_PHARMACIST,     /* 薬剤師 */
	ROLE_NURSE,          /* 看護師 */
	ROLE_VISITING_NURSE, /* 訪問看護師 */
	ROLE_CARE_MANAGER,   /* ケアマネジャー */
	ROLE_THERAPIST,      /* リハビリ職 */
	ROLE_CARE_WORKER,    /* 介護職・ヘルパー (介護サービス事業所) */
	ROLE_SOCIAL_WORKER,  /* 相談員 (生活相談員・支援相談員 of a 介護サービス事業所) */
	ROLE_CLERK,          /* 事務 */
	ROLE_FACILITY_ADMIN, /* 施設管理者 */
	ROLE_OPERATOR,       /* 運用管理者 (the network's operator: 医師会 / 行政) */
	ROLE_SYSTEM,         /* a facility system (OAuth2 client), not a person */
	ROLE_COUNT_
};

struct role_info {
	const char *code; /* "doctor" */
	const char *ja;   /* "医師" */
	const char *en;   /* "Doctor" */
	bool licence;     /* a national licence applies (医師免許 ...) */
	bool clinical;    /* treats or cares for patients */
	bool admin;       /* administers the network or a facility: TOTP is always required */
};

const struct role_info *role_info(enum role r);
/* Role by code; false when unknown. ROLE_SYSTEM is not a staff role and is not found. */
bool role_parse(struct str code, enum role *out);

enum facility_kind {
	FACILITY_HOSPITAL,          /* 病院 */
	FACILITY_CLINIC,            /* 診療所 */
	FACILITY_PHARMACY,          /* 薬局 */
	FACILITY_HOME_NURSING,      /* 訪問看護ステーション */
	FACILITY_CARE_MANAGEMENT,   /* 居宅介護支援事業所 */
	FACILITY_CARE_SERVICE,      /* 介護サービス事業所 (訪問介護, 通所介護, ...) */
	FACILITY_COMMUNITY_SUPPORT, /* 地域包括支援センター */
	FACILITY_OTHER,
	FACILITY_KIND_COUNT_
};

struct facility_kind_info {
	const char *code; /* "hospital": the code in urn:renkei:CodeSystem:facility-kind */
	const char *ja;
	const char *en;
};

const struct facility_kind_info *facility_kind_info(enum facility_kind k);
bool facility_kind_parse(struct str code, enum facility_kind *out);

#endif
