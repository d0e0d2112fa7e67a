/* ndjson.c — splitting newline-delimited JSON into lines (LF or CRLF; blank
 * lines skipped and counted). Pure. */
#include "bulk/bulk.h"

#include <string.h>

bool bulk_ndjson_next(struct str *rest, struct str *line, int64_t *lineno)
{
	while (rest->len) {
		const char *nl = memchr(rest->ptr, '\n', rest->len);
		size_t n = nl ? (size_t)(nl - rest->ptr) : rest->len;
		struct str l = {rest->ptr, n};
		rest->ptr += nl ? n + 1 : n;
		rest->len -= nl ? n + 1 : n;
		(*lineno)++;
		while (l.len && l.ptr[l.len - 1] == '\r') /* CRLF, and stray CRs before it */
			l.len--;
		bool blank = true;
		for (size_t i = 0; i < l.len && blank; i++)
			blank = l.ptr[i] == ' ' || l.ptr[i] == '\t' || l.ptr[i] == '\r';
		if (!blank) {
			*line = l;
			return true;
		}
	}
	*line = STR_NULL;
	return false;
}
