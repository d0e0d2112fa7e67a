/* narrative.h — a FHIR R4 narrative (Narrative.div) checked before it is
 * stored and served to other clients: well-formed XHTML (parsed by libxml2
 * with no DTD, no entities, no network, bounded size and depth), one <div>
 * root in the XHTML namespace, only the basic HTML formatting elements and
 * attributes (txt-1: no scripts, forms, frames, objects, event attributes or
 * active URL schemes; images and style attributes that load nothing), and
 * some non-whitespace content (txt-2). Thread-safe. */
#ifndef RENKEI_FHIR_NARRATIVE_H
#define RENKEI_FHIR_NARRATIVE_H

#include "core/err.h"
#include "core/str.h"

#define FHIR_XHTML_NS "http://www.w3.org/1999/xhtml"

/* RK_OK, or RK_INVALID with "<where>: <what is wrong>" in err->msg and where
 * (the element's FHIRPath, e.g. "Patient.text.div") in err->where. */
enum rk_status fhir_narrative_check(struct str div, const char *where, struct rk_err *err);

#endif
