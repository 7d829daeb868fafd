/* SPDX-License-Identifier: MIT */
#include "daemon/qlog.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/log.h"
#include "lib/name.h"
#include "lib/rrtype.h"

/* Bytes of each worker's ring (a power of two): at the flush period,
   some 60 000 lines a second per worker before lines are dropped. */
#define RING_SIZE ((uint64_t)1 << 20)
/* Length of the rotation stamp, YYYYMMDDTHHMMSS. */
#define STAMP_LEN 15

/* Addresses ----------------------------------------------------------- */

void odd_qlog_addr(const struct sockaddr *sa, odd_qlog_addr_t *out)
{
	memset(out, 0, sizeof(*out));
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		out->family = AF_INET;
		memcpy(out->a, &s4->sin_addr, ODD_QLOG_V4_PREFIX / 8);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		const uint8_t *b = s6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			/* A /56 would keep the whole IPv4 address. */
			out->family = AF_INET;
			memcpy(out->a, b + 12, ODD_QLOG_V4_PREFIX / 8);
		} else if (b[0] == 0x20 && b[1] == 0x02) {
			/* 6to4 (2002:V4ADDR::/48, RFC 3056): a /56 would
			   keep the whole IPv4 address; its /24 is kept. */
			out->family = AF_INET6;
			memcpy(out->a, b, 2 + ODD_QLOG_V4_PREFIX / 8);
		} else {
			out->family = AF_INET6;
			memcpy(out->a, b, ODD_QLOG_V6_PREFIX / 8);
		}
	}
}

int odd_qlog_addr_str(const odd_qlog_addr_t *a, char *out, size_t cap)
{
	const char *s;
	if (a->family == AF_INET || a->family == AF_INET6)
		s = inet_ntop(a->family, a->a, out, (socklen_t)cap);
	else
		s = cap >= 2 ? strcpy(out, "-") : NULL;
	return s ? (int)strlen(out) : -1;
}

/* Lines --------------------------------------------------------------- */

static const char *const rcode_names[16] = {
	"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "DSOTYPENI",
	"RCODE12",  "RCODE13", "RCODE14",  "RCODE15",
};

static bool plain_octet(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '*';
}

/* The question name at msg[12] in presentation form, every octet but
   plain_octet() ones as \DDD; "-" when there is none or it is not a
   valid uncompressed name. \return the length. */
static size_t qname_str(const uint8_t *msg, size_t len, char *out, size_t cap)
{
	size_t n = 0, p = 12;
	if (len < 12 || (msg[4] | msg[5]) == 0 ||
	    od_name_check(msg + 12, len - 12) < 0)
		goto none;
	while (msg[p] != 0) {
		uint8_t l = msg[p++];
		for (uint8_t i = 0; i < l; i++) {
			uint8_t c = msg[p++];
			if (n + 6 > cap)
				goto none;
			if (plain_octet(c))
				out[n++] = (char)c;
			else
				n += (size_t)snprintf(out + n, cap - n,
				                      "\\%03u", c);
		}
		if (n + 2 > cap)
			goto none;
		out[n++] = '.';
	}
	if (n == 0)
		out[n++] = '.';
	out[n] = '\0';
	return n;
none:
	out[0] = '-';
	out[1] = '\0';
	return 1;
}

int odd_qlog_format(char *out, size_t cap, const struct timespec *now,
                    const odd_qlog_entry_t *e)
{
	if (cap < ODD_QLOG_LINE_MAX)
		return -1;
	char addr[INET6_ADDRSTRLEN];
	char qname[OD_NAME_MAXLEN * 4 + 2];
	char qtype[16] = "-";
	const uint8_t *m = e->msg;
	struct tm tm;
	if (odd_qlog_addr_str(e->client, addr, sizeof(addr)) < 0)
		strcpy(addr, "-");
	(void)qname_str(m, e->len, qname, sizeof(qname));
	if (qname[0] != '-') {
		size_t at = 12 + (size_t)od_name_check(m + 12, e->len - 12);
		if (at + 2 <= e->len)
			(void)od_rrtype_to_str((uint16_t)(m[at] << 8 |
			                                  m[at + 1]),
			                       qtype, sizeof(qtype));
	}
	bool ad = e->len >= 4 && (m[3] & 0x20);
	bool tc = e->len >= 4 && (m[2] & 0x02);
	gmtime_r(&now->tv_sec, &tm);
	size_t n = strftime(out, cap, "ts=%Y-%m-%dT%H:%M:%S", &tm);
	int k = snprintf(out + n, cap - n,
	                 ".%03ldZ client=%s transport=%s qname=%s qtype=%s "
	                 "rcode=%s flags=%s",
	                 now->tv_nsec / 1000000, addr, e->tcp ? "tcp" : "udp",
	                 qname, qtype,
	                 e->len >= 4 ? rcode_names[m[3] & 0x0f] : "-",
	                 ad && tc ? "AD,TC"
	                 : ad     ? "AD"
	                 : tc     ? "TC"
	                          : "-");
	n += (size_t)k;
	if (e->ede >= 0)
		n += (size_t)snprintf(out + n, cap - n, " ede=%d", e->ede);
	n += (size_t)snprintf(out + n, cap - n, " cached=%s latency-us=%llu\n",
	                      e->cached ? "true" : "false",
	                      (unsigned long long)e->latency_us);
	return (int)n;
}

/* The log ------------------------------------------------------------- */

/* One worker's lines. head: bytes published by the worker (release);
   tail: bytes taken by the writer (release). Both only grow. */
typedef struct ring {
	_Atomic uint64_t head;
	_Atomic uint64_t dropped; /* lines; written by the worker */
	char pad1[48];
	_Atomic uint64_t tail;
	char pad2[56];
	char *buf; /* owned: RING_SIZE */
} __attribute__((aligned(64))) ring_t;

struct odd_qlog {
	char *file;   /* owned */
	char *dir;    /* owned: the directory of file */
	char *base;   /* owned: the last component of file */
	int fd;       /* -1 while none could be opened */
	bool regular; /* a regular file: rotated */
	bool failing; /* the last write or open failed (logged once) */
	bool midline; /* the file ends in the middle of a line (a write
	                 that failed part way) */
	uint32_t rotate_s;
	unsigned keep;
	uint64_t opened_ms; /* monotonic */
	ring_t *rings;      /* owned: nrings */
	unsigned nrings;
	pthread_t thread;
	pthread_mutex_t lock; /* stop and cond */
	pthread_cond_t cond;
	bool stop;
	_Atomic uint64_t lines, dropped, errors, rotations;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void bump(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

void odd_qlog_write(odd_qlog_t *ql, unsigned worker, const odd_qlog_entry_t *e)
{
	if (ql == NULL || worker >= ql->nrings)
		return;
	ring_t *r = &ql->rings[worker];
	char line[ODD_QLOG_LINE_MAX];
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int n = odd_qlog_format(line, sizeof(line), &now, e);
	if (n <= 0)
		return;
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (RING_SIZE - (head - tail) < (uint64_t)n) {
		/* One writer per counter: no locked instruction. */
		atomic_store_explicit(
		        &r->dropped,
		        atomic_load_explicit(&r->dropped,
		                             memory_order_relaxed) +
		                1,
		        memory_order_relaxed);
		return;
	}
	size_t at = (size_t)(head & (RING_SIZE - 1));
	size_t first = (size_t)RING_SIZE - at;
	if (first > (size_t)n)
		first = (size_t)n;
	memcpy(r->buf + at, line, first);
	memcpy(r->buf, line + first, (size_t)n - first);
	atomic_store_explicit(&r->head, head + (uint64_t)n,
	                      memory_order_release);
}

static size_t count_lines(const char *p, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += p[i] == '\n';
	return c;
}

static void write_failed(odd_qlog_t *ql, const char *what, int err)
{
	bump(&ql->errors, 1);
	if (ql->failing)
		return;
	ql->failing = true;
	od_log_error("query log failing", "file=%s op=%s error=\"%s\"",
	             ql->file, what, strerror(err));
}

/* Write iov (n entries) whole to the file; on error the rest is lost
   (counted). */
static void write_all(odd_qlog_t *ql, struct iovec *iov, int n)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	/* End the line a failed write cut, so that the next one does not
	   run on from it. */
	if (ql->midline && ql->fd >= 0 && total > 0 &&
	    write(ql->fd, "\n", 1) == 1)
		ql->midline = false;
	while (n > 0) {
		if (ql->fd < 0) {
			size_t lost = 0;
			for (int i = 0; i < n; i++)
				lost += count_lines(iov[i].iov_base,
				                    iov[i].iov_len);
			bump(&ql->dropped, lost);
			return;
		}
		ssize_t w = writev(ql->fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			size_t lost = 0;
			for (int i = 0; i < n; i++)
				lost += count_lines(iov[i].iov_base,
				                    iov[i].iov_len);
			bump(&ql->dropped, lost);
			write_failed(ql, "write", w < 0 ? errno : ENOSPC);
			return;
		}
		size_t left = (size_t)w;
		const char *last = NULL; /* the last octet written */
		while (n > 0 && left >= iov[0].iov_len) {
			bump(&ql->lines,
			     count_lines(iov[0].iov_base, iov[0].iov_len));
			if (iov[0].iov_len > 0)
				last = (const char *)iov[0].iov_base +
				       iov[0].iov_len - 1;
			left -= iov[0].iov_len;
			iov++;
			n--;
		}
		if (n > 0 && left > 0) {
			bump(&ql->lines, count_lines(iov[0].iov_base, left));
			last = (const char *)iov[0].iov_base + left - 1;
			iov[0].iov_base = (char *)iov[0].iov_base + left;
			iov[0].iov_len -= left;
		}
		if (last != NULL)
			ql->midline = *last != '\n';
	}
	if (total > 0 && ql->failing) {
		ql->failing = false;
		od_log_info("query log: writing again", "file=%s", ql->file);
	}
}

/* Empty every ring into the file. */
static void drain(odd_qlog_t *ql)
{
	for (unsigned i = 0; i < ql->nrings; i++) {
		ring_t *r = &ql->rings[i];
		uint64_t head =
		        atomic_load_explicit(&r->head, memory_order_acquire);
		uint64_t tail =
		        atomic_load_explicit(&r->tail, memory_order_relaxed);
		if (head == tail)
			continue;
		size_t at = (size_t)(tail & (RING_SIZE - 1));
		size_t len = (size_t)(head - tail);
		struct iovec iov[2];
		int n = 1;
		iov[0].iov_base = r->buf + at;
		iov[0].iov_len = len;
		if (at + len > RING_SIZE) {
			iov[0].iov_len = (size_t)RING_SIZE - at;
			iov[1].iov_base = r->buf;
			iov[1].iov_len = len - iov[0].iov_len;
			n = 2;
		}
		write_all(ql, iov, n);
		atomic_store_explicit(&r->tail, head, memory_order_release);
	}
}

static int open_file(odd_qlog_t *ql)
{
	/* O_NONBLOCK: a pipe without a reader is an error, not a hang. */
	int fd = open(ql->file,
	              O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK,
	              0640);
	if (fd < 0)
		return -errno;
	struct stat st;
	int fl = fcntl(fd, F_GETFL);
	if (fstat(fd, &st) != 0 || fl < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	ql->fd = fd;
	ql->midline = false;
	ql->regular = S_ISREG(st.st_mode);
	ql->opened_ms = mono_ms();
	return 0;
}

static bool is_stamp(const char *s)
{
	for (int i = 0; i < STAMP_LEN; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';
		if (i == 8 ? s[i] != 'T' : !digit)
			return false;
	}
	return s[STAMP_LEN] == '\0';
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Remove the oldest rotated files beyond keep (the stamps sort in time
   order). */
static void prune(odd_qlog_t *ql)
{
	DIR *d = opendir(ql->dir);
	if (d == NULL)
		return;
	size_t bl = strlen(ql->base), n = 0, cap = 0;
	char **names = NULL;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, ql->base, bl) != 0 ||
		    de->d_name[bl] != '.' || !is_stamp(de->d_name + bl + 1))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			char **nn = realloc(names, nc * sizeof(*names));
			if (nn == NULL)
				break;
			names = nn;
			cap = nc;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (n > ql->keep)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i + ql->keep < n) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", ql->dir,
			         names[i]);
			if (unlink(path) != 0 && errno != ENOENT)
				od_log_warn("query log: cannot remove an old "
				            "file",
				            "file=%s error=\"%s\"", path,
				            strerror(errno));
		}
		free(names[i]);
	}
	free(names);
}

/* Rename the file to FILE.STAMP and open a new one. \return 0, 1 when
   it must wait (the name is taken), or -errno. */
static int rotate(odd_qlog_t *ql)
{
	char path[4096], stamp[STAMP_LEN + 1];
	struct tm tm;
	time_t t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	int k = snprintf(path, sizeof(path), "%s.%s", ql->file, stamp);
	if (k < 0 || (size_t)k >= sizeof(path))
		return -ENAMETOOLONG;
	struct stat st;
	/* Never over an older file: a clock stepped back, or two
	   rotations within a second; try again at the next flush. */
	if (lstat(path, &st) == 0)
		return 1;
	/* A file removed from outside is simply opened anew. */
	if (rename(ql->file, path) != 0 && errno != ENOENT)
		return -errno;
	int old = ql->fd;
	ql->fd = -1;
	int r = open_file(ql);
	if (old >= 0)
		close(old);
	bump(&ql->rotations, 1);
	prune(ql);
	return r;
}

static void maybe_rotate(odd_qlog_t *ql)
{
	if (ql->fd >= 0 &&
	    (!ql->regular ||
	     mono_ms() - ql->opened_ms < (uint64_t)ql->rotate_s * 1000))
		return;
	int r = ql->fd >= 0 ? rotate(ql) : open_file(ql);
	if (r < 0) {
		/* Writes go on to the old file (or are lost without one);
		   the next flush tries again. */
		write_failed(ql, ql->fd >= 0 ? "rotate" : "open", -r);
		if (ql->fd >= 0)
			ql->opened_ms = mono_ms();
	}
}

static void *writer(void *arg)
{
	odd_qlog_t *ql = arg;
	pthread_mutex_lock(&ql->lock);
	while (!ql->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)ODD_QLOG_FLUSH_MS * 1000000;
		ts.tv_sec += ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		(void)pthread_cond_timedwait(&ql->cond, &ql->lock, &ts);
		if (ql->stop)
			break;
		pthread_mutex_unlock(&ql->lock);
		drain(ql);
		maybe_rotate(ql);
		pthread_mutex_lock(&ql->lock);
	}
	pthread_mutex_unlock(&ql->lock);
	drain(ql);
	return NULL;
}

static void qlog_free(odd_qlog_t *ql)
{
	if (ql->fd >= 0)
		close(ql->fd);
	if (ql->rings) {
		for (unsigned i = 0; i < ql->nrings; i++)
			free(ql->rings[i].buf);
		free(ql->rings);
	}
	free(ql->file);
	free(ql->dir);
	free(ql->base);
	free(ql);
}

int odd_qlog_open(odd_qlog_t **out, const char *file, uint32_t rotate_s,
                  unsigned keep, unsigned nworkers, char *err, size_t errlen)
{
	if (file == NULL || *file == '\0' || rotate_s < ODD_QLOG_ROTATE_MIN ||
	    rotate_s > ODD_QLOG_ROTATE_MAX || keep > ODD_QLOG_KEEP_MAX ||
	    nworkers == 0) {
		snprintf(err, errlen, "query log: bad parameters");
		return OD_EINVAL;
	}
	odd_qlog_t *ql = calloc(1, sizeof(*ql));
	if (ql == NULL)
		goto nomem;
	ql->fd = -1;
	ql->rotate_s = rotate_s;
	ql->keep = keep;
	ql->nrings = nworkers;
	ql->file = strdup(file);
	const char *slash = strrchr(file, '/');
	ql->dir = slash == NULL   ? strdup(".")
	          : slash == file ? strdup("/")
	                          : strndup(file, (size_t)(slash - file));
	ql->base = strdup(slash ? slash + 1 : file);
	ql->rings = aligned_alloc(_Alignof(ring_t), nworkers * sizeof(ring_t));
	if (ql->file == NULL || ql->dir == NULL || ql->base == NULL ||
	    ql->rings == NULL) {
		free(ql->rings);
		ql->rings = NULL;
		qlog_free(ql);
		goto nomem;
	}
	memset(ql->rings, 0, nworkers * sizeof(ring_t));
	for (unsigned i = 0; i < nworkers; i++) {
		if ((ql->rings[i].buf = malloc(RING_SIZE)) == NULL) {
			qlog_free(ql);
			goto nomem;
		}
	}
	if (*ql->base == '\0') {
		snprintf(err, errlen, "query log '%s': expected a file name",
		         file);
		qlog_free(ql);
		return OD_EINVAL;
	}
	int r = open_file(ql);
	struct stat st;
	/* A file left by an earlier run keeps its own period. */
	if (r == 0 && ql->regular && fstat(ql->fd, &st) == 0 &&
	    st.st_size > 0 && (r = rotate(ql)) > 0)
		r = 0; /* the name is taken: append this time */
	if (r == 0 && ql->fd >= 0 && ql->regular)
		prune(ql);
	if (r < 0 || ql->fd < 0) {
		snprintf(err, errlen, "query log: cannot open '%s': %s", file,
		         strerror(r < 0 ? -r : EIO));
		qlog_free(ql);
		return r < 0 ? r : OD_EINVAL;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ql->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&ql->lock, NULL);
	if (pthread_create(&ql->thread, NULL, writer, ql) != 0) {
		pthread_cond_destroy(&ql->cond);
		pthread_mutex_destroy(&ql->lock);
		snprintf(err, errlen, "query log: cannot start its thread");
		qlog_free(ql);
		return OD_ENOMEM;
	}
	*out = ql;
	return 0;
nomem:
	snprintf(err, errlen, "query log: out of memory");
	return OD_ENOMEM;
}

void odd_qlog_stats(const odd_qlog_t *ql, odd_qlog_stats_t *out)
{
	odd_qlog_t *q = (odd_qlog_t *)ql;
	uint64_t dropped = atomic_load(&q->dropped);
	for (unsigned i = 0; i < q->nrings; i++)
		dropped += atomic_load_explicit(&q->rings[i].dropped,
		                                memory_order_relaxed);
	*out = (odd_qlog_stats_t){ .lines = atomic_load(&q->lines),
		                   .dropped = dropped,
		                   .errors = atomic_load(&q->errors),
		                   .rotations = atomic_load(&q->rotations) };
}

void odd_qlog_close(odd_qlog_t *ql)
{
	if (ql == NULL)
		return;
	pthread_mutex_lock(&ql->lock);
	ql->stop = true;
	pthread_cond_signal(&ql->cond);
	pthread_mutex_unlock(&ql->lock);
	pthread_join(ql->thread, NULL);
	odd_qlog_stats_t st;
	odd_qlog_stats(ql, &st);
	if (st.dropped || st.errors)
		od_log_warn("query log: lines lost",
		            "file=%s lines=%llu lost=%llu errors=%llu",
		            ql->file, (unsigned long long)st.lines,
		            (unsigned long long)st.dropped,
		            (unsigned long long)st.errors);
	pthread_cond_destroy(&ql->cond);
	pthread_mutex_destroy(&ql->lock);
	qlog_free(ql);
}
