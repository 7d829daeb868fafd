/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "lib/error.h"
#include "lib/file.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test-file-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, cap);
	close(fd);
	assert_true(n >= 0);
	return (size_t)n;
}

/* Entries in dir besides . and .. */
static int entries(void)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 &&
		     strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void test_replace(void **state)
{
	(void)state;
	char path[128], buf[64], err[256];
	snprintf(path, sizeof(path), "%s/state", dir);
	/* Created, then replaced; unique temporaries leave nothing. */
	assert_int_equal(od_file_replace(path, NULL, "one\n", 4, 0600, err,
	                                 sizeof(err)),
	                 0);
	assert_int_equal(slurp(path, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "one\n", 4);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(od_file_replace(path, NULL, "second\n", 7, 0644, err,
	                                 sizeof(err)),
	                 0);
	assert_int_equal(slurp(path, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "second\n", 7);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(entries(), 1);
	/* A named temporary, and an empty file. */
	char tmp[140];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(
	        od_file_replace(path, tmp, "", 0, 0600, err, sizeof(err)), 0);
	assert_int_equal(slurp(path, buf, sizeof(buf)), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(entries(), 1);
}

static void test_failures_keep_the_old_file(void **state)
{
	(void)state;
	char path[128], tmp[140], buf[64], err[256];
	snprintf(path, sizeof(path), "%s/keep", dir);
	assert_int_equal(od_file_replace(path, NULL, "old", 3, 0600, err,
	                                 sizeof(err)),
	                 0);
	/* The temporary cannot be created. */
	snprintf(tmp, sizeof(tmp), "%s/missing/keep.tmp", dir);
	int r = od_file_replace(path, tmp, "new", 3, 0600, err, sizeof(err));
	assert_int_equal(r, -ENOENT);
	assert_non_null(strstr(err, "cannot create"));
	assert_non_null(strstr(err, tmp));
	assert_int_equal(slurp(path, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "old", 3);
	/* The rename fails (a directory is in the way): the temporary is
	   removed. */
	char sub[140];
	snprintf(sub, sizeof(sub), "%s/adir", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	char inner[160];
	snprintf(inner, sizeof(inner), "%s/x", sub);
	int fd = open(inner, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	int before = entries();
	r = od_file_replace(sub, NULL, "new", 3, 0600, err, sizeof(err));
	assert_true(r < 0);
	assert_non_null(strstr(err, "cannot rename"));
	assert_int_equal(entries(), before);
}

static void test_read(void **state)
{
	(void)state;
	char path[128], err[256], *buf = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "%s/data", dir);
	assert_int_equal(od_file_replace(path, NULL, "hello\nzone", 10, 0600,
	                                 err, sizeof(err)),
	                 0);
	assert_int_equal(od_file_read(path, 10, &buf, &len), 0);
	assert_int_equal(len, 10);
	assert_string_equal(buf, "hello\nzone"); /* NUL-terminated */
	free(buf);
	/* One octet over the limit. */
	buf = NULL;
	assert_int_equal(od_file_read(path, 9, &buf, &len), OD_ELIMIT);
	assert_null(buf);
	/* Empty file. */
	assert_int_equal(
	        od_file_replace(path, NULL, "", 0, 0600, err, sizeof(err)), 0);
	assert_int_equal(od_file_read(path, 10, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	buf = NULL;
	/* Missing, a directory, a FIFO (refused at once, not waited on). */
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(od_file_read(path, 10, &buf, &len), -ENOENT);
	assert_int_equal(od_file_read(dir, 10, &buf, &len), OD_EINVAL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(od_file_read(path, 10, &buf, &len), OD_EINVAL);
	unlink(path);
	assert_null(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_failures_keep_the_old_file),
		cmocka_unit_test(test_read),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
