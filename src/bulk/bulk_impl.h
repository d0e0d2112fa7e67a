/* bulk_impl.h — what export.c and runner.c share inside bulk/. */
#ifndef RENKEI_BULK_BULK_IMPL_H
#define RENKEI_BULK_BULK_IMPL_H

#include "bulk/bulk.h"

/* The principal stored with an export (false when damaged). */
bool bulk_principal_parse(struct str js, struct principal *who);
/* Delete an export's files and its folder. */
void bulk_remove_files(const struct config *cfg, const char *id);
/* Wake the runner of this process, when there is one. */
void bulk_runner_wake(void);

#endif
