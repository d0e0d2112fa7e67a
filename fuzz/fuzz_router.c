/* fuzz_router.c — request routing and static-file confinement. The first byte
 * picks the method, the rest is the (decoded) path: router_match against the
 * route table, and static_open against a web root made once under /tmp that
 * holds index.html, a few files, a hidden file, symlinks inside, symlinks out
 * of it (to a sibling directory whose name starts with the root's, to /etc)
 * and a symlink loop. Invariant: a file static_open opens always resolves
 * (realpath of /proc/self/fd/N) to a regular file inside the root. */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/routes.h"
#include "http/router.h"
#include "http/static.h"

static char base_dir[PATH_MAX];  /* mkdtemp directory holding root/ and root-outside/ */
static char root_real[PATH_MAX]; /* realpath of base_dir/root */

/* Created in order, removed in reverse: name, NULL for a directory, or a
 * symlink target ("=content" makes a regular file with that content). */
static const struct {
	const char *name;
	const char *what;
} tree[] = {
	{"root", NULL},
	{"root-outside", NULL},
	{"root-outside/secret.txt", "=outside the web root\n"},
	{"root/index.html", "=<!doctype html><title>renkei</title>\n"},
	{"root/app.js", "=export {};\n"},
	{"root/style.css", "=body{}\n"},
	{"root/.hidden", "=hidden\n"},
	{"root/sub", NULL},
	{"root/sub/index.html", "=<p>sub</p>\n"},
	{"root/sub/page.html", "=<p>page</p>\n"},
	{"root/link.html", "index.html"},                  /* inside: allowed */
	{"root/sub/up.html", "../index.html"},             /* inside: allowed */
	{"root/secret.txt", "../root-outside/secret.txt"}, /* sibling with the root's prefix */
	{"root/outside", "../root-outside"},               /* a directory outside */
	{"root/passwd", "/etc/passwd"},                    /* absolute, outside */
	{"root/etc", "/etc"},
	{"root/loop", "loop"},
};
#define N_TREE (sizeof tree / sizeof tree[0])

static void fail_setup(const char *what, const char *path)
{
	fprintf(stderr, "fuzz_router: setup failed: %s %s\n", what, path);
	abort();
}

static void remove_tree(void)
{
	char p[PATH_MAX + 64];
	for (size_t i = N_TREE; i-- > 0;) {
		snprintf(p, sizeof p, "%s/%s", base_dir, tree[i].name);
		if (tree[i].what)
			unlink(p);
		else
			rmdir(p);
	}
	rmdir(base_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");
	snprintf(base_dir, sizeof base_dir, "%s/renkei-fuzz-static-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base_dir))
		fail_setup("mkdtemp", base_dir);
	atexit(remove_tree);
	char p[PATH_MAX + 64];
	for (size_t i = 0; i < N_TREE; i++) {
		snprintf(p, sizeof p, "%s/%s", base_dir, tree[i].name);
		if (!tree[i].what) {
			if (mkdir(p, 0700) != 0)
				fail_setup("mkdir", p);
		} else if (tree[i].what[0] == '=') {
			FILE *f = fopen(p, "w");
			if (!f || fputs(tree[i].what + 1, f) < 0 || fclose(f) != 0)
				fail_setup("write", p);
		} else if (symlink(tree[i].what, p) != 0) {
			fail_setup("symlink", p);
		}
	}
	snprintf(p, sizeof p, "%s/root", base_dir);
	if (!realpath(p, root_real))
		fail_setup("realpath", p);
	return 0;
}

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_router: invariant broken: %s\n", what);
		abort();
	}
}

static void fuzz_route(const char *method, struct str path)
{
	const struct api_route *route = NULL;
	struct str args[API_MAX_ARGS];
	char allow[128];
	enum router_result r = router_match(method, path, &route, args, allow, sizeof allow);
	check(memchr(allow, '\0', sizeof allow) != NULL, "allow list not terminated");
	switch (r) {
	case ROUTER_MATCH:
		check(route >= api_routes && route < api_routes + api_routes_len, "route outside the table");
		check(strcmp(route->method, method) == 0, "route of another method");
		for (int i = 0; i < API_MAX_ARGS; i++) {
			if (!args[i].ptr)
				continue;
			check(args[i].ptr >= path.ptr && args[i].ptr + args[i].len <= path.ptr + path.len,
			      "capture outside the path");
			check(args[i].len > 0 && !memchr(args[i].ptr, '/', args[i].len),
			      "capture empty or spans segments");
		}
		break;
	case ROUTER_BAD_METHOD: check(allow[0] != '\0', "405 without an Allow list"); break;
	case ROUTER_NO_ROUTE: break;
	default: check(0, "unknown router result");
	}
}

static void fuzz_static(struct str path)
{
	struct static_file sf;
	struct rk_err err;
	rk_err_clear(&err);
	if (static_open(root_real, path, &sf, &err) != RK_OK) {
		check(err.status == RK_NOT_FOUND, "static_open failed with another status than NOT_FOUND");
		return;
	}
	char link[64], real[PATH_MAX];
	snprintf(link, sizeof link, "/proc/self/fd/%d", sf.fd);
	check(realpath(link, real) != NULL, "realpath of the opened fd failed");
	size_t rl = strlen(root_real);
	if (strncmp(real, root_real, rl) != 0 || real[rl] != '/') {
		fprintf(stderr, "fuzz_router: '%.*s' opened %s outside %s\n", STR_FMT(path), real, root_real);
		check(0, "static_open opened a file outside the web root");
	}
	struct stat sb;
	check(fstat(sf.fd, &sb) == 0 && S_ISREG(sb.st_mode), "static_open opened something else than a regular file");
	check(sf.size == sb.st_size, "static_open reported a wrong size");
	check(sf.content_type != NULL, "no content type");
	close(sf.fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "get"};
	if (size == 0)
		return 0;
	const char *method = methods[data[0] % (sizeof methods / sizeof methods[0])];
	struct str path = {(const char *)data + 1, size - 1};
	fuzz_route(method, path);
	fuzz_static(path);
	return 0;
}
