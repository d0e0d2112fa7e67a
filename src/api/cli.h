/* cli.h — the operators' command line: accounts, facilities, facility-system
 * clients, the demo region, and the audit chain check. Thin like the HTTP
 * handlers: parse arguments, call the modules, print. */
#ifndef RENKEI_API_CLI_H
#define RENKEI_API_CLI_H

#include <stdbool.h>

#include "config/config.h"

#define CLI_MAX_POS 8
#define CLI_MAX_OPTS 16

struct cli_args {
	const char *pos[CLI_MAX_POS]; /* positional words after the command */
	int n_pos;
	const char *keys[CLI_MAX_OPTS]; /* --key value, or --flag (value "") */
	const char *values[CLI_MAX_OPTS];
	int n_opts;
};

/* Value of --key (a flag gives ""), or NULL. */
const char *cli_opt(const struct cli_args *a, const char *key);
/* Does the command take --key as a flag without a value? */
bool cli_is_flag(const char *key);

/* Run an operator command (user, facility, client, audit, access, demo);
 * returns the exit status, or -1 when command is not one of them. */
int cli_run(const char *command, const struct cli_args *a, struct config *cfg);
void cli_usage(void);

/* Shared by the command files: the migrated store (NULL after printing why),
 * and an audit entry for an operator command (0, or 1 after printing why). */
struct store *cli_open_store(const struct config *cfg);
int cli_audit(const struct config *cfg, const char *event, const char *detail);

/* api/cli_ingest.c: import ssmix2, ingest errors|replay; -1 when not its command. */
int cli_ingest_run(const char *command, const struct cli_args *a, struct config *cfg);
/* api/cli_jobs.c: jobs, jobs run NAME; -1 when not its command. */
int cli_jobs_run(const char *command, const struct cli_args *a, struct config *cfg);

#endif
