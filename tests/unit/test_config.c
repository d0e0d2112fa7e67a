/* test_config.c — unit tests for config/config.h: defaults pass the cross
 * checks; unknown, repeated and out-of-range keys fail with file:line; size and
 * duration units; the listen-address and TLS rules; quoting, comments and the
 * line-length limit; and the example file, uncommented, loads back cleanly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "core/limits.h"

/* mkdir -p */
static void mkdirs(const char *dir)
{
	char tmp[512];
	int n = snprintf(tmp, sizeof tmp, "%s", dir);
	assert_true(n > 0 && (size_t)n < sizeof tmp);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
				fail_msg("mkdir %s: %s", tmp, strerror(errno));
			*p = '/';
		}
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", tmp, strerror(errno));
}

/* A per-process file name in the scratch directory. */
static void tmp_path(char *out, size_t cap, const char *name)
{
	const char *dir = getenv("RENKEI_TEST_TMP");
	if (!dir || !*dir)
		dir = "/tmp/renkei-test";
	mkdirs(dir);
	int n = snprintf(out, cap, "%s/test_config-%ld-%s", dir, (long)getpid(), name);
	assert_true(n > 0 && (size_t)n < cap);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Load text as a config file over the defaults; returns the status, err set. */
static enum rk_status load_text(struct config *cfg, const char *name, const char *text, char *path, size_t cap,
				struct rk_err *err)
{
	tmp_path(path, cap, name);
	write_file(path, text, strlen(text));
	config_defaults(cfg);
	rk_err_clear(err);
	enum rk_status st = config_load(cfg, path, err);
	unlink(path);
	return st;
}

/* The message names path:line. */
static void assert_where(const struct rk_err *err, const char *path, int line)
{
	char want[600];
	snprintf(want, sizeof want, "%s:%d", path, line);
	if (!strstr(err->msg, want))
		fail_msg("message \"%s\" does not contain \"%s\"", err->msg, want);
}

static enum rk_status set_and_finish(struct config *cfg, const char *const *sets, struct rk_err *err)
{
	config_defaults(cfg);
	rk_err_clear(err);
	for (size_t i = 0; sets[i]; i++) {
		enum rk_status st = config_set(cfg, sets[i], err);
		if (st != RK_OK)
			fail_msg("config_set(\"%s\") failed: %s", sets[i], err->msg);
	}
	return config_finish(cfg, err);
}

static void test_defaults(void **state)
{
	(void)state;
	struct config cfg;
	struct rk_err err;
	config_defaults(&cfg);
	rk_err_clear(&err);
	assert_int_equal(config_finish(&cfg, &err), RK_OK);
	assert_string_equal(cfg.http_listen, "127.0.0.1:8080");
	assert_string_equal(cfg.listen_host, "127.0.0.1");
	assert_int_equal(cfg.listen_port, 8080);
	assert_true(cfg.listen_loopback);
	assert_false(cfg.tls_enabled);
	assert_true(cfg.base_url_derived);
	assert_string_equal(cfg.fhir_base_url, "http://127.0.0.1:8080/fhir");
	assert_int_equal(cfg.http_threads, 4);
	assert_int_equal(cfg.http_timeout_s, 30);
	assert_int_equal(cfg.http_max_body, 8 << 20);
	assert_int_equal(cfg.http_max_header, 32 << 10);
	assert_int_equal(cfg.store_busy_timeout_ms, 5000);
	assert_int_equal(cfg.fhir_default_count, 20);
	assert_int_equal(cfg.fhir_max_count, 1000);
	assert_string_equal(cfg.tls_cert, "");
	assert_string_equal(cfg.tls_key, "");
	assert_string_equal(cfg.log_level, "info");
	/* Secure defaults never raise a bound from limits.h. */
	assert_true(cfg.http_max_body <= RK_MAX_BODY);
	assert_true(cfg.http_threads <= RK_MAX_HTTP_THREADS);
	assert_true(cfg.fhir_max_count <= RK_MAX_COUNT);
	config_free(&cfg);
	config_free(&cfg); /* idempotent */
}

static void test_file_basic(void **state)
{
	(void)state;
	struct config cfg;
	struct rk_err err;
	char path[512];
	const char *text = "# a comment\n"
			   "\n"
			   "   # an indented comment\n"
			   "http.threads = 8\n"
			   "http.listen=127.0.0.1:9090\r\n" /* CRLF and no spaces */
			   "\t log.level \t=\t debug \t\n"
			   "region.name = \"Demo 地域 network\"\n"
			   "fhir.base_url = \"\"\n"
			   "region.id_system = urn:oid:1.2.392.999.1\n"
			   "web.root = \"  spaced  \"\n"
			   "store.url = sqlite:/var/lib/renkei/db.sqlite"; /* no final newline */
	assert_int_equal(load_text(&cfg, "basic.conf", text, path, sizeof path, &err), RK_OK);
	assert_int_equal(cfg.http_threads, 8);
	assert_string_equal(cfg.http_listen, "127.0.0.1:9090");
	assert_string_equal(cfg.log_level, "debug");
	assert_string_equal(cfg.region_name, "Demo 地域 network");
	assert_string_equal(cfg.fhir_base_url, "");
	assert_string_equal(cfg.region_id_system, "urn:oid:1.2.392.999.1");
	assert_string_equal(cfg.web_root, "  spaced  ");
	assert_string_equal(cfg.store_url, "sqlite:/var/lib/renkei/db.sqlite");
	assert_int_equal(config_finish(&cfg, &err), RK_OK);
	assert_int_equal(cfg.listen_port, 9090);
	assert_string_equal(cfg.fhir_base_url, "http://127.0.0.1:9090/fhir");
	config_free(&cfg);

	/* An empty file changes nothing. */
	assert_int_equal(load_text(&cfg, "empty.conf", "", path, sizeof path, &err), RK_OK);
	assert_int_equal(config_finish(&cfg, &err), RK_OK);
	config_free(&cfg);

	/* A missing file is RK_IO naming the path. */
	config_defaults(&cfg);
	rk_err_clear(&err);
	tmp_path(path, sizeof path, "does-not-exist.conf");
	assert_int_equal(config_load(&cfg, path, &err), RK_IO);
	assert_non_null(strstr(err.msg, path));
	config_free(&cfg);
}

static void test_unknown_key(void **state)
{
	(void)state;
	struct config cfg;
	struct rk_err err;
	char path[512];
	assert_int_equal(
		load_text(&cfg, "unknown.conf", "# ok\nhttp.threads = 2\nhttp.thread = 3\n", path, sizeof path, &err),
		RK_INVALID);
	assert_int_equal(err.status, RK_INVALID);
	assert_where(&err, path, 3);
	assert_non_null(strstr(err.msg, "http.thread"));
	config_free(&cfg);

	/* Keys are case-sensitive and exact. */
	assert_int_equal(load_text(&cfg, "case.conf", "HTTP.THREADS = 2\n", path, sizeof path, &err), RK_INVALID);
	assert_where(&err, path, 1);
	config_free(&cfg);
	assert_int_equal(load_text(&cfg, "prefix.conf", "\n\nhttp = 2\n", path, sizeof path, &err), RK_INVALID);
	assert_where(&err, path, 3);
	config_free(&cfg);

	/* A line without '=' */
	assert_int_equal(load_text(&cfg, "noeq.conf", "http.threads 2\n", path, sizeof path, &err), RK_INVALID);
	assert_where(&err, path, 1);
	config_free(&cfg);

	/* Same through --set. */
	config_defaults(&cfg);
	rk_err_clear(&err);
	assert_int_equal(config_set(&cfg, "no.such.key=1", &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "no.such.key"));
	config_free(&cfg);
}

static void test_repeated_key(void **state)
{
	(void)state;
	struct config cfg;
	struct rk_err err;
	char path[512];
	assert_int_equal(load_text(&cfg, "twice.conf", "http.threads = 2\nlog.level = warn\nhttp.threads = 2\n", path,
				   sizeof path, &err),
			 RK_INVALID);
	assert_where(&err, path, 3);
	assert_non_null(strstr(err.msg, "http.threads"));
	config_free(&cfg);
	/* Repeated even when spelled with different spacing. */
	assert_int_equal(
		load_text(&cfg, "twice2.conf", "log.level=warn\n  log.level   =   warn\n", path, sizeof path, &err),
		RK_INVALID);
	assert_where(&err, path, 2);
	config_free(&cfg);
}

static void expect_value_error(const char *line)
{
	struct config cfg;
	struct rk_err err;
	char path[512], text[256];
	snprintf(text, sizeof text, "# line 1\n%s\n", line);
	if (load_text(&cfg, "bad-value.conf", text, path, sizeof path, &err) != RK_INVALID)
		fail_msg("\"%s\" was accepted", line);
	assert_where(&err, path, 2);
	config_free(&cfg);
}

static void test_bounds(void **state)
{
	(void)state;
	const char *bad[] = {
		"http.threads = 0",
		"http.threads = 257",
		"http.threads = -1",
		"http.threads = 4.5",
		"http.threads = ",
		"http.threads = 0x10",
		"http.threads = 99999999999999999999",
		"http.max_connections = 15",
		"http.max_connections = 65537",
		"fhir.max_count = 1001",
		"fhir.default_count = 0",
		"http.max_body = 1023",
		"http.max_body = 65M",
		"http.max_body = 1G",
		"http.max_header = 8191",
		"http.timeout = 0s",
		"http.timeout = 2h",
		"store.busy_timeout = 99ms",
		"store.busy_timeout = 11min",
		"log.level = verbose",
		"log.level = INFO",
		"log.format = xml",
		"log.level = ",
		"region.name = \xff\xfe",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_value_error(bad[i]);

	/* The bounds themselves are accepted. */
	struct config cfg;
	struct rk_err err;
	char path[512];
	assert_int_equal(load_text(&cfg, "edges.conf",
				   "http.threads = 256\nhttp.max_connections = 16\nfhir.max_count = 1000\n"
				   "fhir.default_count = 1\nhttp.max_body = 64M\nhttp.max_header = 1M\n"
				   "http.timeout = 3600s\nstore.busy_timeout = 100ms\n",
				   path, sizeof path, &err),
			 RK_OK);
	assert_int_equal(cfg.http_threads, 256);
	assert_int_equal(cfg.http_max_body, RK_MAX_BODY);
	assert_int_equal(cfg.http_max_header, RK_MAX_HEADER_MEM);
	assert_int_equal(cfg.http_timeout_s, 3600);
	assert_int_equal(cfg.store_busy_timeout_ms, 100);
	assert_int_equal(config_finish(&cfg, &err), RK_OK);
	config_free(&cfg);
}

static void test_units(void **state)
{
	(void)state;
	struct config cfg;
	struct rk_err err;
	char path[512];
	assert_int_equal(load_text(&cfg, "units.conf",
				   "http.max_body = 512K\nhttp.max_header = 16384\nhttp.timeout = 2min\n"
				   "store.busy_timeout = 2s\n",
				   path, sizeof path, &err),
			 RK_OK);
	assert_int_equal(cfg.http_max_body, 512 * 1024);
	assert_int_equal(cfg.http_max_header, 16384);
	assert_int_equal(cfg.http_timeout_s, 120);
	assert_int_equal(cfg.store_busy_timeout_ms, 2000);
	config_free(&cfg);

	assert_int_equal(load_text(&cfg, "units2.conf",
				   "http.max_body = 2048\nhttp.timeout = 1h\nstore.busy_timeout = 10min\n", path,
				   sizeof path, &err),
			 RK_OK);
	assert_int_equal(cfg.http_max_body, 2048);
	assert_int_equal(cfg.http_timeout_s, 3600);
	assert_int_equal(cfg.store_busy_timeout_ms, 600000);
	config_free(&cfg);

	assert_int_equal(load_text(&cfg, "units3.conf", "http.timeout = 5000ms\nstore.busy_timeout = 250ms\n", path,
				   sizeof path, &err),
			 RK_OK);
	assert_int_equal(cfg.http_timeout_s, 5);
	assert_int_equal(cfg.store_busy_timeout_ms, 250);
	config_free(&cfg);

	/* Unknown or malformed units, and fractions of a second where seconds are counted. */
	const char *bad[] = {"http.max_body = 8MB",    "http.max_body = 8 M",     "http.max_body = 8m",
			     "http.max_body = M",      "http.max_body = 1.5M",    "http.timeout = 1500ms",
			     "http.timeout = 30",      "http.timeout = 30 s",     "http.timeout = 30sec",
			     "store.busy_timeout = 5", "store.busy_timeout = 1d", "http.threads = 4K"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_value_error(bad[i]);
}

static void test_listen_rules(void **state)
{
	(void)state;
	struct config cfg;
	struct rk_err err;

	/* Non-loopback without TLS is refused, naming TLS. */
	const char *const lan[] = {"http.listen=192.168.1.10:8080", NULL};
	assert_int_equal(set_and_finish(&cfg, lan, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "TLS"));
	config_free(&cfg);
	const char *const any4[] = {"http.listen=0.0.0.0:8080", NULL};
	assert_int_equal(set_and_finish(&cfg, any4, &err), RK_INVALID);
	config_free(&cfg);
	const char *const any6[] = {"http.listen=[::]:8080", NULL};
	assert_int_equal(set_and_finish(&cfg, any6, &err), RK_INVALID);
	config_free(&cfg);
	const char *const mapped[] = {"http.listen=[::ffff:10.0.0.1]:8080", NULL};
	assert_int_equal(set_and_finish(&cfg, mapped, &err), RK_INVALID);
	config_free(&cfg);

	/* With TLS the same address is accepted. */
	const char *const lan_tls[] = {"http.listen=192.168.1.10:8443", "tls.cert=/etc/renkei/cert.pem",
				       "tls.key=/etc/renkei/key.pem", NULL};
	assert_int_equal(set_and_finish(&cfg, lan_tls, &err), RK_OK);
	assert_true(cfg.tls_enabled);
	assert_false(cfg.listen_loopback);
	assert_string_equal(cfg.fhir_base_url, "https://192.168.1.10:8443/fhir");
	config_free(&cfg);

	/* Loopback forms. */
	const char *const v6[] = {"http.listen=[::1]:8080", NULL};
	assert_int_equal(set_and_finish(&cfg, v6, &err), RK_OK);
	assert_true(cfg.listen_loopback);
	assert_string_equal(cfg.listen_host, "::1");
	assert_string_equal(cfg.fhir_base_url, "http://[::1]:8080/fhir");
	config_free(&cfg);
	const char *const lo2[] = {"http.listen=127.0.0.2:80", NULL};
	assert_int_equal(set_and_finish(&cfg, lo2, &err), RK_OK);
	assert_true(cfg.listen_loopback);
	assert_int_equal(cfg.listen_port, 80);
	config_free(&cfg);
	const char *const lh[] = {"http.listen=localhost:8080", NULL};
	assert_int_equal(set_and_finish(&cfg, lh, &err), RK_OK);
	assert_string_equal(cfg.listen_host, "127.0.0.1");
	config_free(&cfg);

	/* Port 0: any free port; the bound port then shows in the derived base URL. */
	const char *const p0[] = {"http.listen=127.0.0.1:0", NULL};
	assert_int_equal(set_and_finish(&cfg, p0, &err), RK_OK);
	assert_int_equal(cfg.listen_port, 0);
	config_bound_port(&cfg, 43210);
	assert_int_equal(cfg.listen_port, 43210);
	assert_string_equal(cfg.fhir_base_url, "http://127.0.0.1:43210/fhir");
	config_free(&cfg);

	/* An explicit base URL is kept (without its trailing slash) and not rewritten. */
	const char *const base[] = {"http.listen=127.0.0.1:0", "fhir.base_url=https://renkei.example.jp/fhir/", NULL};
	assert_int_equal(set_and_finish(&cfg, base, &err), RK_OK);
	assert_false(cfg.base_url_derived);
	config_bound_port(&cfg, 5555);
	assert_string_equal(cfg.fhir_base_url, "https://renkei.example.jp/fhir");
	config_free(&cfg);

	/* Malformed listen values. */
	const char *bad[] = {"127.0.0.1",
			     "127.0.0.1:",
			     ":8080",
			     "127.0.0.1:65536",
			     "127.0.0.1:-1",
			     "127.0.0.1:80a",
			     "renkei.example.jp:8080",
			     "127.0.0.256:80",
			     ""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char set[128];
		snprintf(set, sizeof set, "http.listen=%s", bad[i]);
		const char *const sets[] = {set, NULL};
		if (set_and_finish(&cfg, sets, &err) != RK_INVALID)
			fail_msg("http.listen=%s accepted", bad[i]);
		config_free(&cfg);
	}
}

/* mllp.listen: off by default, loopback only unless MLLP has its own TLS with
 * a client CA (HTTPS alone is not enough), and mllp.senders maps MSH-3^MSH-4
 * to a facility code. */
static void test_mllp(void **state)
{
	(void)state;
	struct config cfg;
	struct rk_err err;
	const char *const none[] = {NULL};
	assert_int_equal(set_and_finish(&cfg, none, &err), RK_OK);
	assert_false(cfg.mllp_enabled);
	config_free(&cfg);

	const char *const on[] = {"mllp.listen=127.0.0.1:2575",
				  "mllp.senders= HIS^HOSP1=2011000011 , LAB^X=2011100018,", NULL};
	assert_int_equal(set_and_finish(&cfg, on, &err), RK_OK);
	assert_true(cfg.mllp_enabled);
	assert_string_equal(cfg.mllp_host, "127.0.0.1");
	assert_int_equal(cfg.mllp_port, 2575);
	char code[16] = "";
	assert_true(config_mllp_sender(&cfg, STR_LIT("HIS"), STR_LIT("HOSP1"), code));
	assert_string_equal(code, "2011000011");
	assert_true(config_mllp_sender(&cfg, STR_LIT("LAB"), STR_LIT("X"), code));
	assert_string_equal(code, "2011100018");
	assert_false(config_mllp_sender(&cfg, STR_LIT("HIS"), STR_LIT("X"), code));
	assert_false(config_mllp_sender(&cfg, STR_LIT("HI"), STR_LIT("HOSP1"), code));
	config_free(&cfg);

	/* Non-loopback is refused even with TLS configured for HTTP, and says why. */
	const char *const lan[] = {"mllp.listen=192.168.1.10:2575", "http.listen=192.168.1.10:8443",
				   "tls.cert=/etc/renkei/cert.pem", "tls.key=/etc/renkei/key.pem", NULL};
	assert_int_equal(set_and_finish(&cfg, lan, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "mllp.listen"));
	assert_non_null(strstr(err.msg, "no TLS"));
	config_free(&cfg);
	const char *const any[] = {"mllp.listen=0.0.0.0:2575", NULL};
	assert_int_equal(set_and_finish(&cfg, any, &err), RK_INVALID);
	config_free(&cfg);
	/* With a client CA: TLS on MLLP, its certificate its own or the HTTPS one. */
	const char *const tls_own[] = {"mllp.listen=0.0.0.0:2575", "mllp.tls_client_ca=/etc/renkei/senders-ca.pem",
				       "mllp.tls_cert=/etc/renkei/mllp.pem", "mllp.tls_key=/etc/renkei/mllp.key", NULL};
	assert_int_equal(set_and_finish(&cfg, tls_own, &err), RK_OK);
	assert_true(cfg.mllp_tls);
	assert_string_equal(cfg.mllp_tls_cert_file, "/etc/renkei/mllp.pem");
	assert_string_equal(cfg.mllp_tls_key_file, "/etc/renkei/mllp.key");
	config_free(&cfg);
	const char *const tls_http[] = {"mllp.listen=0.0.0.0:2575", "mllp.tls_client_ca=/etc/renkei/senders-ca.pem",
					"tls.cert=/etc/renkei/cert.pem", "tls.key=/etc/renkei/key.pem", NULL};
	assert_int_equal(set_and_finish(&cfg, tls_http, &err), RK_OK);
	assert_true(cfg.mllp_tls);
	assert_string_equal(cfg.mllp_tls_cert_file, "/etc/renkei/cert.pem");
	assert_string_equal(cfg.mllp_tls_key_file, "/etc/renkei/key.pem");
	config_free(&cfg);
	/* ... and refusals that say what to set */
	const char *const no_cert[] = {"mllp.listen=0.0.0.0:2575", "mllp.tls_client_ca=/etc/renkei/senders-ca.pem",
				       NULL};
	assert_int_equal(set_and_finish(&cfg, no_cert, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "set mllp.tls_cert and mllp.tls_key"));
	config_free(&cfg);
	const char *const no_ca[] = {"mllp.listen=0.0.0.0:2575", "mllp.tls_cert=/etc/renkei/mllp.pem",
				     "mllp.tls_key=/etc/renkei/mllp.key", NULL};
	assert_int_equal(set_and_finish(&cfg, no_ca, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "need mllp.tls_client_ca"));
	config_free(&cfg);
	const char *const half[] = {
		"mllp.listen=0.0.0.0:2575",           "mllp.tls_client_ca=/etc/renkei/senders-ca.pem",
		"mllp.tls_cert=/etc/renkei/mllp.pem", "tls.cert=/etc/renkei/cert.pem",
		"tls.key=/etc/renkei/key.pem",        NULL};
	assert_int_equal(set_and_finish(&cfg, half, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "mllp.tls_cert and mllp.tls_key must be set together"));
	config_free(&cfg);
	const char *const plain_any[] = {"mllp.listen=0.0.0.0:2575", NULL};
	assert_int_equal(set_and_finish(&cfg, plain_any, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "set mllp.tls_client_ca"));
	config_free(&cfg);
	/* loopback stays plain MLLP without any of it */
	const char *const loop[] = {"mllp.listen=127.0.0.1:2575", NULL};
	assert_int_equal(set_and_finish(&cfg, loop, &err), RK_OK);
	assert_false(cfg.mllp_tls);
	config_free(&cfg);
	const char *const badhost[] = {"mllp.listen=hl7.example.jp:2575", NULL};
	assert_int_equal(set_and_finish(&cfg, badhost, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "mllp.listen"));
	config_free(&cfg);

	/* Malformed sender lists. */
	const char *bad[] = {"HIS=2011000011",
			     "HIS^HOSP1",
			     "HIS^HOSP1=201100001",
			     "HIS^HOSP1=20110000ab",
			     "^HOSP1=2011000011",
			     "HIS^=2011000011",
			     "HIS^HOSP1=2011000011,HIS^HOSP1=2011100018"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char set[200];
		snprintf(set, sizeof set, "mllp.senders=%s", bad[i]);
		const char *const sets[] = {set, NULL};
		if (set_and_finish(&cfg, sets, &err) != RK_INVALID)
			fail_msg("mllp.senders=%s accepted", bad[i]);
		assert_non_null(strstr(err.msg, "mllp.senders"));
		config_free(&cfg);
	}
	/* mllp.max_message may not exceed the parser's bound. */
	expect_value_error("mllp.max_message = 1G");
	expect_value_error("mllp.max_connections = 0");
}

static void test_tls_pairs(void **state)
{
	(void)state;
	struct config cfg;
	struct rk_err err;
	const char *const cert_only[] = {"tls.cert=/etc/renkei/cert.pem", NULL};
	assert_int_equal(set_and_finish(&cfg, cert_only, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "tls.key"));
	config_free(&cfg);
	const char *const key_only[] = {"tls.key=/etc/renkei/key.pem", NULL};
	assert_int_equal(set_and_finish(&cfg, key_only, &err), RK_INVALID);
	config_free(&cfg);
	/* TLS on loopback is fine and switches the derived URL to https. */
	const char *const both[] = {"tls.cert=c.pem", "tls.key=k.pem", NULL};
	assert_int_equal(set_and_finish(&cfg, both, &err), RK_OK);
	assert_true(cfg.tls_enabled);
	assert_string_equal(cfg.fhir_base_url, "https://127.0.0.1:8080/fhir");
	config_free(&cfg);
}

static void test_cross_checks(void **state)
{
	(void)state;
	struct config cfg;
	struct rk_err err;
	const char *const counts[] = {"fhir.default_count=500", "fhir.max_count=100", NULL};
	assert_int_equal(set_and_finish(&cfg, counts, &err), RK_INVALID);
	config_free(&cfg);
	const char *const store[] = {"store.url=mysql://db/renkei", NULL};
	assert_int_equal(set_and_finish(&cfg, store, &err), RK_INVALID);
	config_free(&cfg);
	const char *const pg[] = {"store.url=postgresql:///renkei?host=/run/postgresql", NULL};
	assert_int_equal(set_and_finish(&cfg, pg, &err), RK_OK);
	config_free(&cfg);
	const char *const sysid[] = {"region.id_system=", NULL};
	assert_int_equal(set_and_finish(&cfg, sysid, &err), RK_INVALID);
	config_free(&cfg);
}

static void test_long_line(void **state)
{
	(void)state;
	struct config cfg;
	struct rk_err err;
	char path[512];
	size_t n = RK_MAX_CONFIG_LINE + 1000;
	char *text = malloc(n + 64);
	assert_non_null(text);

	/* A comment line longer than the limit, on line 2. */
	size_t k = 0;
	k += (size_t)snprintf(text, 64, "http.threads = 2\n#");
	memset(text + k, 'x', n);
	k += n;
	memcpy(text + k, "\nlog.level = warn\n", 19);
	assert_int_equal(load_text(&cfg, "long.conf", text, path, sizeof path, &err), RK_TOO_LARGE);
	assert_where(&err, path, 2);
	config_free(&cfg);

	/* A value line exactly at the limit (newline excluded) is fine. */
	k = (size_t)snprintf(text, 64, "region.name = \"");
	size_t fill = RK_MAX_CONFIG_LINE - k - 1;
	memset(text + k, 'n', fill);
	k += fill;
	memcpy(text + k, "\"\n", 3);
	assert_int_equal(strlen(text), RK_MAX_CONFIG_LINE + 1);
	assert_int_equal(load_text(&cfg, "limit.conf", text, path, sizeof path, &err), RK_OK);
	assert_int_equal(strlen(cfg.region_name), fill);
	config_free(&cfg);

	/* One byte more is refused. */
	k = (size_t)snprintf(text, 64, "region.name = \"");
	memset(text + k, 'n', fill + 1);
	k += fill + 1;
	memcpy(text + k, "\"\n", 3);
	assert_int_equal(load_text(&cfg, "over.conf", text, path, sizeof path, &err), RK_TOO_LARGE);
	assert_where(&err, path, 1);
	config_free(&cfg);

	/* A too-long last line without a newline is refused too. */
	memset(text, '#', n);
	text[n] = '\0';
	assert_int_equal(load_text(&cfg, "over-eof.conf", text, path, sizeof path, &err), RK_TOO_LARGE);
	config_free(&cfg);
	free(text);
}

/* A '#key = value' line of the example: '#' then a lower-case key, " = ". */
static bool is_commented_option(const char *line)
{
	if (line[0] != '#' || line[1] < 'a' || line[1] > 'z')
		return false;
	const char *eq = strstr(line, " = ");
	if (!eq)
		return false;
	for (const char *p = line + 1; p < eq; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '.' || *p == '_'))
			return false;
	return true;
}

static void test_example_round_trip(void **state)
{
	(void)state;
	char ex_path[512], un_path[512];
	tmp_path(ex_path, sizeof ex_path, "example.conf");
	tmp_path(un_path, sizeof un_path, "example-uncommented.conf");
	FILE *f = fopen(ex_path, "w");
	assert_non_null(f);
	config_write_example(f);
	assert_int_equal(fclose(f), 0);

	/* As written (everything commented) it loads and finishes. */
	struct config cfg;
	struct rk_err err;
	config_defaults(&cfg);
	rk_err_clear(&err);
	assert_int_equal(config_load(&cfg, ex_path, &err), RK_OK);
	assert_int_equal(config_finish(&cfg, &err), RK_OK);
	config_free(&cfg);

	/* Uncomment every '#key = value' line. */
	f = fopen(ex_path, "r");
	assert_non_null(f);
	FILE *g = fopen(un_path, "w");
	assert_non_null(g);
	char line[RK_MAX_CONFIG_LINE + 2];
	int uncommented = 0;
	while (fgets(line, sizeof line, f)) {
		if (is_commented_option(line)) {
			fputs(line + 1, g);
			uncommented++;
		} else {
			fputs(line, g);
		}
	}
	fclose(f);
	assert_int_equal(fclose(g), 0);
	assert_true(uncommented >= 19); /* every option of the table */

	rk_err_clear(&err);
	config_defaults(&cfg);
	enum rk_status st = config_load(&cfg, un_path, &err);
	if (st != RK_OK)
		fail_msg("uncommented example does not load: %s", err.msg);
	st = config_finish(&cfg, &err);
	if (st != RK_OK)
		fail_msg("uncommented example does not finish: %s", err.msg);

	/* The values it documents are the defaults (region.name is written as an
	 * empty value plus a "(default: ...)" comment, so it is not compared). */
	struct config def;
	config_defaults(&def);
	rk_err_clear(&err);
	assert_int_equal(config_finish(&def, &err), RK_OK);
	assert_string_equal(cfg.http_listen, def.http_listen);
	assert_int_equal(cfg.http_threads, def.http_threads);
	assert_int_equal(cfg.http_max_connections, def.http_max_connections);
	assert_int_equal(cfg.http_max_connections_per_ip, def.http_max_connections_per_ip);
	assert_int_equal(cfg.http_timeout_s, def.http_timeout_s);
	assert_int_equal(cfg.http_max_body, def.http_max_body);
	assert_int_equal(cfg.http_max_header, def.http_max_header);
	assert_string_equal(cfg.tls_cert, def.tls_cert);
	assert_string_equal(cfg.tls_key, def.tls_key);
	assert_string_equal(cfg.store_url, def.store_url);
	assert_int_equal(cfg.store_busy_timeout_ms, def.store_busy_timeout_ms);
	assert_string_equal(cfg.web_root, def.web_root);
	assert_string_equal(cfg.fhir_base_url, def.fhir_base_url);
	assert_int_equal(cfg.fhir_default_count, def.fhir_default_count);
	assert_int_equal(cfg.fhir_max_count, def.fhir_max_count);
	assert_string_equal(cfg.region_id_system, def.region_id_system);
	assert_string_equal(cfg.log_level, def.log_level);
	assert_string_equal(cfg.log_format, def.log_format);
	config_free(&def);
	config_free(&cfg);
	unlink(ex_path);
	unlink(un_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),     cmocka_unit_test(test_file_basic),
		cmocka_unit_test(test_unknown_key),  cmocka_unit_test(test_repeated_key),
		cmocka_unit_test(test_bounds),       cmocka_unit_test(test_units),
		cmocka_unit_test(test_listen_rules), cmocka_unit_test(test_tls_pairs),
		cmocka_unit_test(test_mllp),         cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_long_line),    cmocka_unit_test(test_example_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
