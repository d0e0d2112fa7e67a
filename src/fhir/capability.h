/* capability.h — the server's CapabilityStatement, generated from the tables
 * of types.h/resources.c, so it always lists exactly what is implemented. */
#ifndef RENKEI_FHIR_CAPABILITY_H
#define RENKEI_FHIR_CAPABILITY_H

#include <stdint.h>

#include "config/config.h"

/* JSON text (malloc'd; the caller frees it). Built once at start. */
char *fhir_capability_build(const struct config *cfg, int64_t now);

#endif
