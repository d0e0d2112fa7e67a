/* category.h — record categories: what kind of patient data a record is.
 * Access decisions (access/decide.c) are made per category; the resource
 * type decides the category. Pure; thread-safe. */
#ifndef RENKEI_MODEL_CATEGORY_H
#define RENKEI_MODEL_CATEGORY_H

#include <stdbool.h>
#include <stddef.h>

enum record_category {
	CAT_DEMOGRAPHICS, /* 患者基本情報: Patient */
	CAT_ALLERGY,      /* アレルギー・薬剤禁忌 */
	CAT_CONDITION,    /* 病名・感染症 */
	CAT_MEDICATION,   /* 処方・注射 */
	CAT_LAB,          /* 検査結果 */
	CAT_CLINICAL,     /* 受診・処置・予防接種などの診療記録 */
	CAT_IMAGING,      /* 画像 */
	CAT_DOCUMENT,     /* 文書 (診療情報提供書, 退院時サマリー ...) */
	CAT_COLLAB,       /* 多職種連携: messages, visit records, care plans */
	CAT_CONSENT,      /* 同意・ケアチーム */
	CAT_COUNT_,
	CAT_NONE = -1 /* not patient data (facility and staff directory) */
};

struct category_info {
	const char *code; /* "allergy" */
	const char *ja;
	const char *en;
};

const struct category_info *category_info(enum record_category c);
/* The category of a FHIR resource type; CAT_NONE for directory types. */
enum record_category category_of_type(const char *type, size_t len);

#endif
