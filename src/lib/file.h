/* SPDX-License-Identifier: MIT */
/*
 * Files that must never be seen half-written (state files, snapshots):
 * written next to their final name, synced, renamed over it, and the
 * directory synced, so that after a crash the path holds either the old
 * contents or the new ones; and read back whole, within a size limit.
 */
#ifndef OD_LIB_FILE_H
#define OD_LIB_FILE_H

#include <stddef.h>
#include <sys/types.h>

/*!
 * Replace the file at path with len octets of data. The data goes to a
 * temporary file first: tmp when it is not NULL (created or truncated,
 * with mode), else a new unique name "PATH.XXXXXX" (mode too); it is
 * written, fsync'ed and renamed to path, then path's directory is
 * fsync'ed. On failure the temporary file is removed and path is left as
 * it was (unless only the directory sync failed: then path has the new
 * contents, which may not survive a crash).
 * \return 0, OD_ENOMEM, or -errno of the failing call, with a message
 *         naming the file and the reason in err ("cannot create ...",
 *         "cannot write ...", "cannot rename ... to ...", "cannot sync
 *         directory ...").
 */
int od_file_replace(const char *path, const char *tmp, const void *data,
                    size_t len, mode_t mode, char *err, size_t errlen);

/*!
 * Read the whole regular file at path, at most max octets (a FIFO or a
 * device named there does not hang the caller: it is refused). *out is
 * a malloc'ed buffer (the caller frees it) with a NUL after the *len
 * octets read.
 * \return 0, -errno of a failing open or read, OD_EINVAL (not a regular
 *         file), OD_ELIMIT (larger than max), OD_ENOMEM.
 */
int od_file_read(const char *path, size_t max, char **out, size_t *len);

#endif
