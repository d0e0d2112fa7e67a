/* cli_careplan.h — `renkei careplan …` (collab/careplan.h, docs/CAREPLAN_CSV.md):
 *   careplan check FILE...                                 read the CSV files, say what is wrong
 *   careplan import --patient ID --facility CODE FILE...   save them as the person's plan, the
 *                                                          facility's (a current member of the
 *                                                          person's care team) record
 *   careplan export --patient ID --table 1|2|3 [--out FILE] one table of the current plan as CSV
 * The operator's; audited. */
#ifndef RENKEI_API_CLI_CAREPLAN_H
#define RENKEI_API_CLI_CAREPLAN_H

#include "api/cli.h"

int cli_careplan(struct cli_call *c);

#endif
