/* demo_plan.h — internal to the demo generator: a care plan (ケアプラン 第1表・
 * 第2表・第3表, collab/careplan.h) for a person whose care team has a
 * 居宅介護支援事業所, written as that office's record with its summary post
 * on the team's timeline. Deterministic from the person's regional ID (it
 * draws nothing from the generator's random stream). */
#ifndef RENKEI_DEMO_DEMO_PLAN_H
#define RENKEI_DEMO_DEMO_PLAN_H

#include <stdint.h>

#include "core/err.h"
#include "fhir/resource.h"

/* The plan of the person (patient: the Patient id its records name) when
 * their team has a care management office (none: nothing is written).
 * today: the demo's day (days since 1970-01-01). */
enum rk_status demo_plan_put(struct fhir_ctx *ctx, const char *patient, const char *regional, int64_t today,
			     struct rk_err *err);

#endif
