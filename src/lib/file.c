/* SPDX-License-Identifier: MIT */
#include "lib/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/error.h"

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The directory part of path ("." when it has none); malloc'ed. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int od_file_replace(const char *path, const char *tmp, const void *data,
                    size_t len, mode_t mode, char *err, size_t errlen)
{
	char *tname = NULL, *dir = NULL;
	int fd, ret = 0;
	if (tmp != NULL) {
		tname = strdup(tmp);
		if (tname == NULL)
			goto nomem;
		fd = open(tname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		          mode);
	} else {
		size_t plen = strlen(path);
		tname = malloc(plen + 8);
		if (tname == NULL)
			goto nomem;
		memcpy(tname, path, plen);
		memcpy(tname + plen, ".XXXXXX", 8);
		fd = mkostemp(tname, O_CLOEXEC);
	}
	if (fd < 0) {
		ret = -errno;
		seterr(err, errlen, "cannot create %s: %s", tname,
		       strerror(-ret));
		goto out;
	}
	/* mkostemp makes the file 0600; an existing tmp keeps its mode. */
	if (fchmod(fd, mode) != 0)
		ret = -errno;
	if (ret == 0)
		ret = write_all(fd, data, len);
	if (ret == 0 && fsync(fd) != 0)
		ret = -errno;
	if (close(fd) != 0 && ret == 0)
		ret = -errno;
	if (ret < 0) {
		seterr(err, errlen, "cannot write %s: %s", tname,
		       strerror(-ret));
		unlink(tname);
		goto out;
	}
	if (rename(tname, path) != 0) {
		ret = -errno;
		seterr(err, errlen, "cannot rename %s to %s: %s", tname, path,
		       strerror(-ret));
		unlink(tname);
		goto out;
	}
	/* The rename is durable only once the directory is on disk. */
	dir = dir_of(path);
	if (dir == NULL)
		goto nomem;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		ret = -errno;
		seterr(err, errlen, "cannot sync directory %s: %s", dir,
		       strerror(-ret));
	}
	if (dfd >= 0)
		close(dfd);
	goto out;
nomem:
	ret = OD_ENOMEM;
	seterr(err, errlen, "cannot write %s: %s", path, od_strerror(ret));
out:
	free(dir);
	free(tname);
	return ret;
}

int od_file_read(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	int ret = 0;
	char *buf = NULL;
	size_t cap = 0, got = 0;
	if (fstat(fd, &st) != 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = OD_EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		ret = OD_ELIMIT;
		goto out;
	}
	/* Read to the end even when the file grew since fstat, within the
	 * limit. */
	/* Room for one octet more than expected, to see the end (or the
	 * growth) at once, and for the NUL. */
	cap = (size_t)st.st_size + 2;
	for (;;) {
		if (buf == NULL || got + 1 >= cap) {
			if (buf != NULL) {
				if (got > max) {
					ret = OD_ELIMIT;
					goto out;
				}
				cap *= 2;
			}
			char *nb = realloc(buf, cap);
			if (nb == NULL) {
				ret = OD_ENOMEM;
				goto out;
			}
			buf = nb;
		}
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max) {
		ret = OD_ELIMIT;
		goto out;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return ret;
}
