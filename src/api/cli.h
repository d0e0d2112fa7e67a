/* cli.h — the operators' command line: the command table's row type and
 * machinery (the table itself is main.c's), and the handlers of accounts,
 * facilities, facility-system clients, linking, ingest, jobs and the audit
 * list. Thin like the HTTP handlers: parse arguments, call the modules,
 * print. */
#ifndef RENKEI_API_CLI_H
#define RENKEI_API_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config/config.h"
#include "store/store.h"

#define CLI_MAX_POS  8
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

/* ---- the command table (main.c holds it, as api/routes.c holds the URLs) ----
 * One row per command: its name, its subcommand (NULL: the command takes
 * none), the arguments and help `renkei --help` prints, the handler and what
 * it needs. A handler returns the exit status: 0 done, 1 failed (after
 * printing why), 2 a usage error (after printing what is wrong; the command's
 * rows are then printed). */
struct cli_call {
	const struct cli_args *a; /* pos[0] is the subcommand when the row has one */
	struct config *cfg;       /* NULL for CLI_NO_CONFIG rows */
	struct store *store;      /* the migrated store for CLI_STORE rows, else NULL */
};
typedef int (*cli_fn)(struct cli_call *c);
enum cli_flags {
	CLI_NO_CONFIG = 1 << 0, /* runs without loading the configuration */
	CLI_STORE = 1 << 1,     /* gets the migrated store (opened and closed around it) */
};
struct cli_command {
	const char *name, *sub, *synopsis, *help;
	cli_fn run;
	unsigned flags;
};

/* The row for `name sub…` (sub = the first positional word, "" when none):
 * a row with that subcommand, else the row without one when no word
 * follows; NULL when none. *known says whether name is a command at all. */
const struct cli_command *cli_find(const struct cli_command *t, size_t n, const char *name, const char *sub,
				   bool *known);
/* The table as help text (only name's rows when name is not NULL). */
void cli_print_usage(FILE *f, const struct cli_command *t, size_t n, const char *name);
/* Run the row: load nothing more than it needs, open the store for
 * CLI_STORE rows (libsodium initialised), call it. */
int cli_call_row(const struct cli_command *row, const struct cli_args *a, struct config *cfg);

/* The operators' handlers (api/cli.c, cli_ingest.c, cli_jobs.c). */
int cli_user_add(struct cli_call *c);
int cli_user_change(struct cli_call *c); /* disable, enable, reset, unlock: the subcommand says which */
int cli_user_list(struct cli_call *c);
int cli_facility_add(struct cli_call *c);
int cli_facility_list(struct cli_call *c);
int cli_client_add(struct cli_call *c);
int cli_client_list(struct cli_call *c);
int cli_client_change(struct cli_call *c); /* disable, enable */
int cli_audit_list(struct cli_call *c);
int cli_access_table(struct cli_call *c);
int cli_patient(struct cli_call *c); /* candidates, merge, reject, unmerge */
int cli_totp_code(struct cli_call *c);
int cli_import_ssmix2(struct cli_call *c);
int cli_import_ndjson(struct cli_call *c); /* cli_bulk.c */
int cli_ingest_errors(struct cli_call *c);
int cli_ingest_warnings(struct cli_call *c);
int cli_ingest_replay(struct cli_call *c);
int cli_jobs_list(struct cli_call *c);
int cli_jobs_run(struct cli_call *c);

/* Shared by the command files: the migrated store (NULL after printing why),
 * and an audit entry for an operator command (0, or 1 after printing why). */
struct store *cli_open_store(const struct config *cfg);
int cli_audit(const struct config *cfg, const char *event, const char *detail);

#endif
