/* static.c — static file lookup with path confinement. */
#include "http/static.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".jpg", "image/jpeg"},
	{".ico", "image/x-icon"},
	{".woff2", "font/woff2"},
	{".txt", "text/plain; charset=utf-8"},
	{".webmanifest", "application/manifest+json"},
};

/* Every segment must be an ordinary name: no "..", ".", hidden files, backslashes or control bytes. */
static bool path_safe(struct str path)
{
	struct str rest = {path.ptr + 1, path.len - 1}, seg;
	while (str_next(&rest, '/', &seg)) {
		if (seg.len && seg.ptr[0] == '.')
			return false;
		for (size_t i = 0; i < seg.len; i++) {
			unsigned char c = (unsigned char)seg.ptr[i];
			if (c < 0x20 || c == '\\' || c == 0x7f)
				return false;
		}
	}
	return true;
}

enum rk_status static_open(const char *root_real, struct str path, struct static_file *out, struct rk_err *err)
{
	if (!path.len || path.ptr[0] != '/' || path.len > 1024 || !path_safe(path))
		return rk_fail(err, RK_NOT_FOUND, "no such file");
	char want[PATH_MAX], real[PATH_MAX];
	bool dir = path.ptr[path.len - 1] == '/';
	int n = snprintf(want, sizeof want, "%s%.*s%s", root_real, STR_FMT(path), dir ? "index.html" : "");
	if (n < 0 || (size_t)n >= sizeof want || !realpath(want, real))
		return rk_fail(err, RK_NOT_FOUND, "no such file");
	size_t rl = strlen(root_real);
	if (strncmp(real, root_real, rl) != 0 || real[rl] != '/')
		return rk_fail(err, RK_NOT_FOUND, "no such file"); /* a symlink pointing out of the root */
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return rk_fail(err, RK_NOT_FOUND, "no such file");
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return rk_fail(err, RK_NOT_FOUND, "no such file");
	}
	out->fd = fd;
	out->size = sb.st_size;
	out->content_type = "application/octet-stream";
	out->html = false;
	size_t rlen = strlen(real);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t el = strlen(types[i].ext);
		if (rlen > el && strcmp(real + rlen - el, types[i].ext) == 0) {
			out->content_type = types[i].type;
			out->html = i == 0;
		}
	}
	return RK_OK;
}
