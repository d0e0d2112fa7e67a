/* v2map_tables.h — the data behind ingest/v2map.c: which SS-MIX2 data type
 * accepts which HL7 message types and which mapper handles it, the meaning of
 * each ADT event, HL7 coding-system names → FHIR system URIs, and the small
 * value tables (HL7 tables 0001, 0003, 0004, 0078, 0085, 0127, 0128, ...).
 * Internal to ingest/v2map; read-only; thread-safe. */
#ifndef RENKEI_INGEST_V2MAP_TABLES_H
#define RENKEI_INGEST_V2MAP_TABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

/* Which mapper handles a data type (v2map.c dispatches on it). */
enum v2map_mapper {
	V2M_PATIENT,     /* ADT-00: Patient with NK1 contacts (+ AL1 allergies, OBX body measurements, IN1 Coverage) */
	V2M_ENCOUNTER,   /* ADT-12 .. ADT-52: Encounter */
	V2M_ALLERGY,     /* ADT-61: AllergyIntolerance per IAM */
	V2M_CONDITION,   /* PPR-01: Condition per PRB */
	V2M_MED_ORDER,   /* OMP-01 / OMP-02: MedicationRequest per RXE (injection: per RXC) */
	V2M_MED_ADMIN,   /* OMP-11 / OMP-12: MedicationAdministration per RXA */
	V2M_LAB_ORDER,   /* OML-01: Specimen per SPM, ServiceRequest per OBR */
	V2M_LAB_RESULT,  /* OML-11: Specimen per SPM, Observation per OBX + DiagnosticReport per OBR */
	V2M_EXAM_ORDER,  /* OMG-01/02/03: ServiceRequest per ORC/OBR */
	V2M_EXAM_DONE,   /* OMG-11/12: ImagingStudy per study (IPC) */
	V2M_EXAM_RESULT, /* OMG-13: Observation per OBX + DiagnosticReport per OBR */
	V2M_DIET,        /* OMD: NutritionOrder per ODS group */
};

/* One row per SS-MIX2 data type. */
struct v2map_kind {
	const char *data_type; /* "OMP-01" */
	const char *msg_types; /* accepted MSH-9.1^MSH-9.2, space-separated: "RDE^O11 RDE^O25" */
	enum v2map_mapper mapper;
	bool no_date;         /* stored under "-" (not tied to a day of care) */
	bool injection;       /* OMP-02 / OMP-12 */
	const char *category; /* ServiceRequest / report category text, or NULL */
	const char *doc;      /* 日本語: what the data type is */
};

extern const struct v2map_kind v2map_kinds[];
extern const size_t v2map_kinds_len;
extern const char *const v2map_kind_names[]; /* the data_type of each row, in order */
const struct v2map_kind *v2map_kind_find(struct str data_type);

/* ADT event (MSH-9.2) → Encounter status (JAMI ConceptMap v2-0003 → EncounterStatus). */
struct v2map_event {
	const char *event;      /* "A01" */
	const char *status;     /* Encounter.status */
	const char *loc_status; /* Encounter.location.status, or NULL */
	const char *ja;         /* 入院実施 */
};
const struct v2map_event *v2map_event_find(struct str event);

/* HL7 coding-system name (CWE-3) → FHIR system. */
struct v2map_system {
	const char *v2;   /* "HOT9" */
	const char *uri;  /* JP Core system URI */
	const char *what; /* for messages: "HOT9" */
};
const struct v2map_system *v2map_system_find(struct str v2name);

/* A code → code/display table (HL7 or JAHIS user tables). */
struct v2map_code {
	const char *from;
	const char *to;
	const char *display;
};
/* The row of table t whose `from` is s, or NULL. */
const struct v2map_code *v2map_code_find(const struct v2map_code *t, struct str s);

extern const struct v2map_code v2map_gender[];         /* 0001 → AdministrativeGender */
extern const struct v2map_code v2map_patient_class[];  /* 0004 → v3-ActCode */
extern const struct v2map_code v2map_allergy_cat[];    /* 0127 → AllergyIntolerance.category */
extern const struct v2map_code v2map_severity[];       /* 0128 → reaction.severity */
extern const struct v2map_code v2map_interpretation[]; /* 0078 → v3-ObservationInterpretation */
extern const struct v2map_code v2map_obs_status[];     /* 0085 → Observation.status */
extern const struct v2map_code v2map_report_status[];  /* 0123 → DiagnosticReport.status */
extern const struct v2map_code v2map_admin_status[];   /* 0322 → MedicationAdministration.status */
extern const struct v2map_code v2map_telecom_use[];    /* 0201 → ContactPoint.use */
extern const struct v2map_code v2map_name_rep[];       /* 0465 → iso21090-EN-representation */
extern const struct v2map_code v2map_priority[];       /* 0485 → request priority */
extern const struct v2map_code v2map_outcome[];        /* 0241 → Condition.clinicalStatus */

/* ORC-1 order control: true when it withdraws the order (CA, DC, OC, OD, CR, ...). */
bool v2map_control_cancels(struct str control);

#endif
