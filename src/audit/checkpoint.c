/* checkpoint.c — reading and writing the signed checkpoint file of the audit
 * chain. One line of text:
 *   renkei-audit-checkpoint 1 <log id> <seq> <hash> <recorded_at> <written_at> <mac>
 * mac = HMAC-SHA-256(key, "renkei audit checkpoint\n" log id "\n" seq "\n"
 * hash "\n" recorded_at "\n" written_at), hex. */
#include "audit/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/str.h"

#define MAGIC          "renkei-audit-checkpoint"
#define LINE_MAX_BYTES 512

void checkpoint_path(const struct config *cfg, const char *key_path, char *out, size_t cap)
{
	if (cfg->audit_checkpoint_file && cfg->audit_checkpoint_file[0]) {
		snprintf(out, cap, "%s", cfg->audit_checkpoint_file);
		return;
	}
	size_t n = strlen(key_path);
	if (n > 4 && strcmp(key_path + n - 4, ".key") == 0)
		n -= 4;
	snprintf(out, cap, "%.*s.checkpoint", (int)n, key_path);
}

static void sign(const unsigned char key[AUDIT_CHECKPOINT_KEY_BYTES], const struct audit_checkpoint *cp, char out[65])
{
	char msg[256];
	int len = snprintf(msg, sizeof msg, "renkei audit checkpoint\n%s\n%lld\n%s\n%lld\n%lld", cp->log_id,
			   (long long)cp->seq, cp->hash, (long long)cp->recorded_at, (long long)cp->written_at);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)len, key);
	sodium_bin2hex(out, 65, mac, sizeof mac);
}

static bool is_hex(struct str s, size_t len)
{
	if (s.len != len)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (str_hexval(s.ptr[i]) < 0)
			return false;
	return true;
}

enum rk_status checkpoint_read(const char *path, const unsigned char key[AUDIT_CHECKPOINT_KEY_BYTES],
			       struct audit_checkpoint *out, bool *found, struct rk_err *err)
{
	*found = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return RK_OK;
	if (fd < 0)
		return rk_fail(err, RK_IO, "cannot read the audit checkpoint %s: %s", path, strerror(errno));
	char line[LINE_MAX_BYTES];
	ssize_t n = read(fd, line, sizeof line - 1);
	close(fd);
	if (n < 0)
		return rk_fail(err, RK_IO, "cannot read the audit checkpoint %s: %s", path, strerror(errno));
	line[n] = '\0';
	*found = true;
	struct str rest = {line, (size_t)n}, f[8];
	if (rest.len && rest.ptr[rest.len - 1] == '\n')
		rest.len--;
	size_t k = 0;
	while (k < 8 && str_next(&rest, ' ', &f[k]))
		k++;
	struct audit_checkpoint cp = {0};
	bool ok = k == 8 && !rest.len && str_eq_c(f[0], MAGIC) && str_eq_c(f[1], "1") && is_hex(f[2], 32) &&
		  str_to_i64(f[3], 0, INT64_MAX, &cp.seq) && (is_hex(f[4], 64) || (cp.seq == 0 && f[4].len == 0)) &&
		  str_to_i64(f[5], 0, INT64_MAX, &cp.recorded_at) && str_to_i64(f[6], 0, INT64_MAX, &cp.written_at) &&
		  is_hex(f[7], 64);
	if (!ok)
		return rk_fail(err, RK_INVALID, "the audit checkpoint %s is malformed", path);
	str_copy(cp.log_id, sizeof cp.log_id, f[2]);
	str_copy(cp.hash, sizeof cp.hash, f[4]);
	char want[65];
	sign(key, &cp, want);
	if (sodium_memcmp(want, f[7].ptr, 64) != 0)
		return rk_fail(err, RK_INVALID,
			       "the audit checkpoint %s is not signed by the audit key (altered, or written "
			       "under another key)",
			       path);
	*out = cp;
	return RK_OK;
}

enum rk_status checkpoint_write(const char *path, const unsigned char key[AUDIT_CHECKPOINT_KEY_BYTES],
				const struct audit_checkpoint *cp, struct rk_err *err)
{
	static atomic_uint counter;
	char mac[65], line[LINE_MAX_BYTES], tmp[1100], dir[1024];
	sign(key, cp, mac);
	int len = snprintf(line, sizeof line, MAGIC " 1 %s %lld %s %lld %lld %s\n", cp->log_id, (long long)cp->seq,
			   cp->hash, (long long)cp->recorded_at, (long long)cp->written_at, mac);
	/* unique per process and call: several writers (servers on one host, the
	 * command line) may replace the same file; rename keeps it whole */
	snprintf(tmp, sizeof tmp, "%s.%ld.%u.tmp", path, (long)getpid(), atomic_fetch_add(&counter, 1));
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return rk_fail(err, RK_IO, "cannot write the audit checkpoint %s: %s", tmp, strerror(errno));
	bool ok = write(fd, line, (size_t)len) == len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return rk_fail(err, RK_IO, "cannot write the audit checkpoint %s: %s", path, strerror(e));
	}
	const char *slash = strrchr(path, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) { /* the rename itself durable */
		fsync(dfd);
		close(dfd);
	}
	return RK_OK;
}
