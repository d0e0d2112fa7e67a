/* static.h — the web UI's files from web.root: no path ever leaves the root
 * (.., hidden files, symlinks out and encoded forms of them are refused),
 * only regular files, a content type by extension. Thread-safe. */
#ifndef RENKEI_HTTP_STATIC_H
#define RENKEI_HTTP_STATIC_H

#include <sys/types.h>

#include "core/err.h"
#include "core/str.h"

struct static_file {
	int fd;
	off_t size;
	const char *content_type;
	bool html;
};

/* Open the file for the decoded URL path (which starts with '/'). root_real
 * is the realpath of web.root. RK_NOT_FOUND for anything that is not a
 * regular file inside the root (including refused paths). */
enum rk_status static_open(const char *root_real, struct str path, struct static_file *out, struct rk_err *err);

#endif
