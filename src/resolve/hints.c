/* SPDX-License-Identifier: MIT */
/*
 * Root hints (built-in and from a named.root-style file) and the phase
 * names.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "lib/zone/scanner.h"
#include "resolve/resolve.h"

static const char *const phase_names[ODR_PH_COUNT] = {
	[ODR_PH_PRECACHE] = "pre-cache",  [ODR_PH_CACHE] = "cache",
	[ODR_PH_LOCALROOT] = "localroot", [ODR_PH_ITERATE] = "iterate",
	[ODR_PH_VALIDATE] = "validate",   [ODR_PH_POST] = "post",
	[ODR_PH_FINISH] = "finish",
};

const char *odr_phase_name(odr_phase_t ph)
{
	if ((unsigned)ph >= ODR_PH_COUNT)
		return "unknown";
	return phase_names[ph];
}

/*
 * The root servers as IANA publishes them in named.root (InterNIC
 * "named.cache", last update April 18, 2024, root zone 2024041801; the
 * most recent change was b.root-servers.net's renumbering of 2023-11-27).
 */
static const struct {
	const char *name, *v4, *v6;
} root_servers[] = {
	{ "a.root-servers.net.", "198.41.0.4", "2001:503:ba3e::2:30" },
	{ "b.root-servers.net.", "170.247.170.2", "2801:1b8:10::b" },
	{ "c.root-servers.net.", "192.33.4.12", "2001:500:2::c" },
	{ "d.root-servers.net.", "199.7.91.13", "2001:500:2d::d" },
	{ "e.root-servers.net.", "192.203.230.10", "2001:500:a8::e" },
	{ "f.root-servers.net.", "192.5.5.241", "2001:500:2f::f" },
	{ "g.root-servers.net.", "192.112.36.4", "2001:500:12::d0d" },
	{ "h.root-servers.net.", "198.97.190.53", "2001:500:1::53" },
	{ "i.root-servers.net.", "192.36.148.17", "2001:7fe::53" },
	{ "j.root-servers.net.", "192.58.128.30", "2001:503:c27::2:30" },
	{ "k.root-servers.net.", "193.0.14.129", "2001:7fd::1" },
	{ "l.root-servers.net.", "199.7.83.42", "2001:500:9f::42" },
	{ "m.root-servers.net.", "202.12.27.33", "2001:dc3::35" },
};

#define NROOT (sizeof(root_servers) / sizeof(root_servers[0]))

static void set_v4(odr_hint_t *h, const uint8_t a[4])
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&h->addr;
	memset(&h->addr, 0, sizeof(h->addr));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(53);
	memcpy(&s4->sin_addr, a, 4);
	h->addrlen = sizeof(*s4);
}

static void set_v6(odr_hint_t *h, const uint8_t a[16])
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&h->addr;
	memset(&h->addr, 0, sizeof(h->addr));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(53);
	memcpy(&s6->sin6_addr, a, 16);
	h->addrlen = sizeof(*s6);
}

int odr_hints_default(odr_hints_t *out)
{
	if (od_fails(out == NULL))
		return OD_EINVAL;
	odr_hint_t *v = calloc(2 * NROOT, sizeof(*v));
	if (v == NULL)
		return OD_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < NROOT; i++) {
		uint8_t name[OD_NAME_MAXLEN];
		int r = od_name_from_str(name, root_servers[i].name,
		                         strlen(root_servers[i].name), NULL);
		uint8_t a4[4], a6[16];
		od_require(r > 0 &&
		           inet_pton(AF_INET, root_servers[i].v4, a4) == 1 &&
		           inet_pton(AF_INET6, root_servers[i].v6, a6) == 1);
		od_name_copy(v[n].name, name);
		set_v4(&v[n++], a4);
		od_name_copy(v[n].name, name);
		set_v6(&v[n++], a6);
	}
	out->v = v;
	out->n = n;
	return 0;
}

void odr_hints_free(odr_hints_t *h)
{
	if (h == NULL)
		return;
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

/* --- loading a hints file --- */

typedef struct ns_item {
	uint8_t name[OD_NAME_MAXLEN];
	char *file; /*!< owned: where the NS record is ($INCLUDE aware) */
	unsigned line;
} ns_item_t;

typedef struct addr_item {
	uint8_t name[OD_NAME_MAXLEN];
	uint16_t type;
	uint8_t addr[16];
} addr_item_t;

typedef struct load_ctx {
	const char *path;
	ns_item_t *ns;
	size_t nns, cns;
	addr_item_t *ad;
	size_t nad, cad;
	char *err;
	size_t errlen;
	bool failed;
	int code;
} load_ctx_t;

static void set_err(load_ctx_t *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void set_err(load_ctx_t *c, const char *fmt, ...)
{
	if (c->failed)
		return;
	c->failed = true;
	if (c->err == NULL || c->errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
}

static bool grow_array(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t nc = *cap ? *cap * 2 : 16;
	void *p = realloc(*v, nc * size);
	if (p == NULL)
		return false;
	*v = p;
	*cap = nc;
	return true;
}

static int on_rec(const od_zrec_t *rec, void *ctx)
{
	load_ctx_t *c = ctx;
	const char *file = rec->file ? rec->file : c->path;
	if (rec->type == OD_TYPE_NS) {
		if (!od_name_is_root(rec->owner)) {
			char owner[OD_NAME_MAXLEN * 4 + 1];
			if (od_name_to_str(owner, sizeof(owner), rec->owner) <
			    0)
				strcpy(owner, "?");
			set_err(c,
			        "%s:%u: NS record for %s: root hints hold only "
			        "the NS records of the root (\".\")",
			        file, rec->line, owner);
			c->code = OD_ESYNTAX;
			return 1;
		}
		/* The scanner hands over validated, uncompressed RDATA. */
		for (size_t i = 0; i < c->nns; i++)
			if (od_name_equal(c->ns[i].name, rec->rdata))
				return 0;
		if (!grow_array((void **)&c->ns, &c->cns, c->nns,
		                sizeof(*c->ns))) {
			c->code = OD_ENOMEM;
			set_err(c, "%s: out of memory", c->path);
			return 1;
		}
		ns_item_t *it = &c->ns[c->nns];
		it->file = strdup(file);
		if (it->file == NULL) {
			c->code = OD_ENOMEM;
			set_err(c, "%s: out of memory", c->path);
			return 1;
		}
		od_name_copy(it->name, rec->rdata);
		od_name_lower(it->name);
		it->line = rec->line;
		c->nns++;
		return 0;
	}
	if (rec->type == OD_TYPE_A || rec->type == OD_TYPE_AAAA) {
		size_t alen = rec->type == OD_TYPE_A ? 4 : 16;
		if (od_fails(rec->rdlen != alen))
			return 0;
		for (size_t i = 0; i < c->nad; i++)
			if (c->ad[i].type == rec->type &&
			    od_name_equal(c->ad[i].name, rec->owner) &&
			    memcmp(c->ad[i].addr, rec->rdata, alen) == 0)
				return 0;
		if (!grow_array((void **)&c->ad, &c->cad, c->nad,
		                sizeof(*c->ad))) {
			c->code = OD_ENOMEM;
			set_err(c, "%s: out of memory", c->path);
			return 1;
		}
		addr_item_t *it = &c->ad[c->nad++];
		od_name_copy(it->name, rec->owner);
		it->type = rec->type;
		memset(it->addr, 0, sizeof(it->addr));
		memcpy(it->addr, rec->rdata, alen);
		return 0;
	}
	/* Other records (an SOA, comments turned records) carry nothing a
	   resolver needs to start from; named.root has none. */
	return 0;
}

static int on_zerr(const od_zerr_t *e, void *ctx)
{
	load_ctx_t *c = ctx;
	set_err(c, "%s:%u:%u: %s", e->file ? e->file : c->path, e->line, e->col,
	        e->msg ? e->msg : od_strerror(e->code));
	c->code = e->code ? e->code : OD_ESYNTAX;
	return 1;
}

int odr_hints_load(odr_hints_t *out, const char *path, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (od_fails(out == NULL || path == NULL))
		return OD_EINVAL;
	load_ctx_t c = { .path = path, .err = err, .errlen = errlen };
	static const uint8_t root[1] = { 0 };
	od_zopts_t opts = {
		.origin = root,
		.on_rec = on_rec,
		.on_err = on_zerr,
		.ctx = &c,
	};
	int ret = od_zscan_file(path, &opts, NULL);
	odr_hint_t *v = NULL;
	if (c.failed) {
		ret = c.code ? c.code : OD_ESYNTAX;
		goto done;
	}
	if (ret != 0) {
		/* Unreadable file (no record or error callback ran). */
		set_err(&c, "%s: %s", path, od_strerror(ret));
		goto done;
	}
	if (c.nns == 0) {
		set_err(&c, "%s: no NS records for the root (\".\")", path);
		ret = OD_EEMPTY;
		goto done;
	}
	v = calloc(c.nad ? c.nad : 1, sizeof(*v));
	if (v == NULL) {
		set_err(&c, "%s: out of memory", path);
		ret = OD_ENOMEM;
		goto done;
	}
	size_t n = 0;
	for (size_t i = 0; i < c.nns; i++) {
		size_t found = 0;
		for (size_t j = 0; j < c.nad; j++) {
			if (!od_name_equal(c.ad[j].name, c.ns[i].name))
				continue;
			od_name_copy(v[n].name, c.ns[i].name);
			if (c.ad[j].type == OD_TYPE_A)
				set_v4(&v[n], c.ad[j].addr);
			else
				set_v6(&v[n], c.ad[j].addr);
			n++;
			found++;
		}
		if (found == 0) {
			char name[OD_NAME_MAXLEN * 4 + 1];
			if (od_name_to_str(name, sizeof(name), c.ns[i].name) <
			    0)
				strcpy(name, "?");
			set_err(&c,
			        "%s:%u: root server %s has no A or AAAA record "
			        "in the file",
			        c.ns[i].file, c.ns[i].line, name);
			ret = OD_EEMPTY;
			goto done;
		}
	}
	out->v = v;
	out->n = n;
	v = NULL;
	ret = 0;
done:
	free(v);
	for (size_t i = 0; i < c.nns; i++)
		free(c.ns[i].file);
	free(c.ns);
	free(c.ad);
	return ret;
}
