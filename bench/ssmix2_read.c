/* ssmix2_read.c — a bound for bench/ingest: walk a directory tree and read
 * every regular file whole, doing nothing else (openat + one read per file +
 * close; readdir for the folders). No ingest can take files faster than this
 * machine can hand them over. Prints one JSON line. Not installed.
 *   ssmix2_read DIR */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long files, bytes;
static char buf[8 << 20]; /* the largest file renkei takes (RK_MAX_SSMIX2_FILE) */

static int walk(int dfd)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (e->d_type == DT_DIR) {
			int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			rc = sub < 0 ? -1 : walk(sub);
		} else if (e->d_type == DT_REG) {
			int fd = openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				rc = -1;
				break;
			}
			ssize_t n;
			while ((n = read(fd, buf, sizeof buf)) > 0)
				bytes += n;
			files++;
			close(fd);
		}
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int root = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || walk(root) != 0) {
		perror(argv[1]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("{\"files\": %lld, \"bytes\": %lld, \"seconds\": %.3f}\n", files, bytes, s);
	return 0;
}
