/* fuzz_config.c — the input as a renkei.conf file → config_defaults,
 * config_load, config_finish, config_free; and as one --set assignment →
 * config_set. The file is one per-process path under /tmp, rewritten for
 * each input and removed at exit. Checks the bounds config_finish promises. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "core/limits.h"

static char conf_path[64];

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_config: invariant broken: %s\n", what);
		abort();
	}
}

static void remove_conf(void)
{
	if (conf_path[0])
		unlink(conf_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(conf_path, sizeof conf_path, "/tmp/renkei-fuzz-config-%ld.conf", (long)getpid());
	atexit(remove_conf);
	return 0;
}

static void check_config(const struct config *c)
{
	check(c->http_threads >= 1 && c->http_threads <= RK_MAX_HTTP_THREADS, "http.threads out of bounds");
	check(c->http_max_body >= 1024 && c->http_max_body <= RK_MAX_BODY, "http.max_body out of bounds");
	check(c->http_max_header <= RK_MAX_HEADER_MEM, "http.max_header above the bound");
	check(c->fhir_max_count >= 1 && c->fhir_max_count <= RK_MAX_COUNT, "fhir.max_count out of bounds");
	check(c->fhir_default_count >= 1 && c->fhir_default_count <= c->fhir_max_count,
	      "fhir.default_count out of bounds");
	check(c->listen_port >= 0 && c->listen_port <= 65535, "listen port out of range");
	check(c->listen_loopback || c->tls_enabled, "non-loopback listener without TLS");
	check(c->fhir_base_url != NULL && c->store_url != NULL && c->log_level != NULL, "string option is NULL");
	check(c->region_id_system != NULL && c->region_id_system[0], "empty region.id_system accepted");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(conf_path, "w");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();

	struct config cfg;
	struct rk_err err;
	rk_err_clear(&err);
	config_defaults(&cfg);
	enum rk_status st = config_load(&cfg, conf_path, &err);
	if (st == RK_OK) {
		st = config_finish(&cfg, &err);
		if (st == RK_OK)
			check_config(&cfg);
	}
	check(st == RK_OK || err.msg[0], "configuration failure without a message");
	config_free(&cfg);

	/* The same bytes as a command-line --set (up to the first NUL). */
	char *line = malloc(size + 1);
	if (!line)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	rk_err_clear(&err);
	config_defaults(&cfg);
	if (config_set(&cfg, line, &err) == RK_OK && config_finish(&cfg, &err) == RK_OK)
		check_config(&cfg);
	config_free(&cfg);
	free(line);
	return 0;
}
