/* write.h — what a write changes, as the write decision sees it: the kind of
 * record (a clinical record, a registration, a consent of each kind, a care
 * team, a facility, ...), the facility that owns it and the patient it is
 * about. fhir/ describes the stored version and the version being written in
 * these terms; access/decide_write.c decides on them. Plain values; pure. */
#ifndef RENKEI_MODEL_WRITE_H
#define RENKEI_MODEL_WRITE_H

#include <stdbool.h>

#include "model/category.h"

enum write_action { WRITE_CREATE, WRITE_UPDATE, WRITE_DELETE, WRITE_ACTION_COUNT_ };

enum write_kind {
	WK_CLINICAL,      /* a clinical record (its category says which): its source facility's */
	WK_REGISTRATION,  /* 患者登録: a Patient, one facility's registration of a person */
	WK_LINK,          /* 名寄せ: linking registrations to one regional ID (merge, unmerge, review) */
	WK_CONSENT,       /* 個別同意: lets its disclosing facility S disclose */
	WK_COMPREHENSIVE, /* 包括同意 */
	WK_REFUSAL,       /* 拒否 */
	WK_CARE_TEAM,     /* ケアチーム: led by its managing organisation */
	WK_FACILITY,      /* 参加施設: an Organization with a facility code */
	WK_ORGANIZATION,  /* an organisation outside the network (紹介先など) */
	WK_PRACTITIONER,  /* 職員: a Practitioner, by the staff ID of its facility */
	WK_COUNT_
};

/* One version of a record: the stored one, or the one being written. */
struct write_record {
	enum write_kind kind;
	enum record_category cat;  /* WK_CLINICAL: the record's category */
	const char *owner;         /* the facility that owns it ("" none): the source facility of a
				   * clinical record, registration or Practitioner; the disclosing
				   * facility of an individual consent; the facility that recorded a
				   * comprehensive consent or a refusal; a care team's lead; a
				   * facility itself; the facility that registered an outside
				   * organisation */
	const char *regional_id;   /* the patient's regional ID ("" none) */
	bool active;               /* a consent in force (status active); a facility taking part */
	const char *attachment;    /* a consent: fingerprint of its signed form (sourceAttachment), "" none */
	const char *terms;         /* a consent: fingerprint of what it says (status, period, provision) */
	const char *facility_kind; /* WK_FACILITY: hospital, clinic, ... */
	const char *facility_area; /* WK_FACILITY: prefecture + city (disaster mode) */
	bool names_regional;       /* WK_REGISTRATION: the body names a regional ID it is not linked to */
};

/* Name of a kind ("consent") and its Japanese and English labels. */
const char *write_kind_code(enum write_kind k);
const char *write_kind_ja(enum write_kind k);
const char *write_kind_en(enum write_kind k);
const char *write_action_code(enum write_action a); /* "create", "update", "delete" */

#endif
