/* cli_backup.h — the backup and restore commands (main.c's table names them). */
#ifndef RENKEI_API_CLI_BACKUP_H
#define RENKEI_API_CLI_BACKUP_H

#include "api/cli.h"

/* `renkei backup [--dir DIR]`, `backup keygen`, `backup verify FILE`,
 * `backup list [--dir DIR]`, `backup prune [--dir DIR]`. */
int cli_backup(struct cli_call *c);
/* `renkei restore --from FILE --to URL`. */
int cli_restore(struct cli_call *c);

#endif
