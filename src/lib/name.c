/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "lib/name.h"

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int od_name_check(const uint8_t *buf, size_t maxlen)
{
	size_t pos = 0;
	for (;;) {
		if (pos >= maxlen)
			return OD_ETRUNC;
		uint8_t l = buf[pos];
		if (l == 0)
			break;
		if ((l & 0xc0) == 0xc0)
			return OD_ECOMPPTR;
		if (l > OD_LABEL_MAXLEN)
			return OD_ELABEL;
		pos += 1 + (size_t)l;
		if (pos + 1 > OD_NAME_MAXLEN)
			return OD_ENAMELEN;
	}
	return (int)pos + 1;
}

int od_name_unpack(od_rd_t *r, uint8_t out[OD_NAME_MAXLEN])
{
	if (r->err)
		return r->err;
	size_t pos = r->pos;
	size_t end = r->end;      /* bound for the first (in-place) labels */
	size_t resume = SIZE_MAX; /* where r continues after a pointer */
	size_t len = 0;
	/*
	 * Every pointer must point strictly before the pointer that holds
	 * it; the target bound shrinks with each hop, so loops are
	 * impossible and the walk is bounded by the message length.
	 */
	size_t limit = r->pos;
	int err = 0;

	for (;;) {
		if (pos >= end) {
			err = OD_ETRUNC;
			goto fail;
		}
		uint8_t l = r->msg[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= end) {
				err = OD_ETRUNC;
				goto fail;
			}
			size_t target = (size_t)(l & 0x3f) << 8 |
			                r->msg[pos + 1];
			if (resume == SIZE_MAX)
				resume = pos + 2;
			if (target >= limit) {
				/* Into the labels already walked: a loop;
				 * past the pointer itself: a forward pointer. */
				err = target <= pos ? OD_ECOMPLOOP
				                    : OD_ECOMPPTR;
				goto fail;
			}
			limit = target;
			pos = target;
			/* Targets lie before the name: read the message. */
			end = r->msg_len;
			continue;
		}
		if (l & 0xc0) {
			err = OD_EMALF; /* 0x40 / 0x80: reserved label types */
			goto fail;
		}
		if (l > OD_LABEL_MAXLEN) {
			err = OD_ELABEL;
			goto fail;
		}
		/* This label, plus the root label still to come. */
		if (len + 1 + l + (l ? 1 : 0) > OD_NAME_MAXLEN) {
			err = OD_ENAMELEN;
			goto fail;
		}
		if (end - pos < (size_t)l + 1) {
			err = OD_ETRUNC;
			goto fail;
		}
		memcpy(out + len, r->msg + pos, (size_t)l + 1);
		len += (size_t)l + 1;
		pos += (size_t)l + 1;
		if (l == 0)
			break;
	}
	r->pos = resume == SIZE_MAX ? pos : resume;
	return (int)len;
fail:
	od_rd_fail(r, err);
	return err;
}

size_t od_name_len(const uint8_t *name)
{
	const uint8_t *p = name;
	while (*p)
		p += *p + 1;
	return (size_t)(p - name) + 1;
}

int od_name_labels(const uint8_t *name)
{
	int n = 0;
	while (*name) {
		name += *name + 1;
		n++;
	}
	return n;
}

const uint8_t *od_name_parent(const uint8_t *name)
{
	return *name ? name + *name + 1 : NULL;
}

const uint8_t *od_name_suffix(const uint8_t *name, int labels)
{
	int skip = od_name_labels(name) - labels;
	while (skip-- > 0)
		name += *name + 1;
	return name;
}

bool od_name_is_wildcard(const uint8_t *name)
{
	return name[0] == 1 && name[1] == '*';
}

bool od_name_equal(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		if (*a != *b)
			return false;
		uint8_t l = *a;
		if (l == 0)
			return true;
		for (uint8_t i = 1; i <= l; i++)
			if (lower(a[i]) != lower(b[i]))
				return false;
		a += l + 1;
		b += l + 1;
	}
}

bool od_name_in(const uint8_t *name, const uint8_t *parent)
{
	int diff = od_name_labels(name) - od_name_labels(parent);
	if (diff < 0)
		return false;
	return od_name_equal(od_name_suffix(name, od_name_labels(parent)),
	                     parent);
}

bool od_name_below(const uint8_t *name, const uint8_t *parent)
{
	return od_name_labels(name) > od_name_labels(parent) &&
	       od_name_in(name, parent);
}

static int label_cmp(const uint8_t *a, const uint8_t *b)
{
	uint8_t la = a[0], lb = b[0];
	uint8_t n = la < lb ? la : lb;
	for (uint8_t i = 1; i <= n; i++) {
		int d = (int)lower(a[i]) - (int)lower(b[i]);
		if (d)
			return d;
	}
	return (int)la - (int)lb;
}

int od_name_cmp(const uint8_t *a, const uint8_t *b)
{
	const uint8_t *la[128], *lb[128];
	int na = 0, nb = 0;
	for (const uint8_t *p = a; *p; p += *p + 1)
		la[na++] = p;
	for (const uint8_t *p = b; *p; p += *p + 1)
		lb[nb++] = p;
	while (na > 0 && nb > 0) {
		int d = label_cmp(la[--na], lb[--nb]);
		if (d)
			return d;
	}
	return na - nb;
}

void od_name_lower(uint8_t *name)
{
	while (*name) {
		uint8_t l = *name;
		for (uint8_t i = 1; i <= l; i++)
			name[i] = lower(name[i]);
		name += l + 1;
	}
}

size_t od_name_copy(uint8_t *out, const uint8_t *name)
{
	size_t len = od_name_len(name);
	memmove(out, name, len);
	return len;
}

uint32_t od_name_hash(const uint8_t *name)
{
	/* FNV-1a over the lower-cased wire form. */
	uint32_t h = 2166136261u;
	size_t len = od_name_len(name);
	for (size_t i = 0; i < len; i++) {
		h ^= lower(name[i]);
		h *= 16777619u;
	}
	return h;
}

int od_name_from_str(uint8_t out[OD_NAME_MAXLEN], const char *str, size_t len,
                     const uint8_t *origin)
{
	if (len == 0)
		return OD_EEMPTY;
	if (len == 1 && str[0] == '@') {
		if (origin == NULL)
			return OD_ESYNTAX;
		return (int)od_name_copy(out, origin);
	}
	if (len == 1 && str[0] == '.') {
		out[0] = 0;
		return 1;
	}

	size_t pos = 0;  /* write position in out */
	size_t lpos = 0; /* position of the current label's length octet */
	size_t llen = 0; /* octets in the current label */
	bool absolute = false;

	out[0] = 0;
	pos = 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)str[i];
		if (c == '.') {
			if (llen == 0)
				return OD_ESYNTAX; /* empty label */
			out[lpos] = (uint8_t)llen;
			if (i + 1 == len) {
				absolute = true;
				break;
			}
			lpos = pos;
			if (pos >= OD_NAME_MAXLEN)
				return OD_ENAMELEN;
			out[pos++] = 0;
			llen = 0;
			continue;
		}
		if (c == '\\') {
			if (i + 1 >= len)
				return OD_ESYNTAX;
			unsigned char n = (unsigned char)str[i + 1];
			if (n >= '0' && n <= '9') {
				if (len - i < 4)
					return OD_ESYNTAX;
				unsigned v = 0;
				for (int k = 1; k <= 3; k++) {
					unsigned char d =
					        (unsigned char)str[i + k];
					if (d < '0' || d > '9')
						return OD_ESYNTAX;
					v = v * 10 + (d - '0');
				}
				if (v > 255)
					return OD_ESYNTAX;
				c = (unsigned char)v;
				i += 3;
			} else {
				c = n;
				i += 1;
			}
		}
		if (llen == OD_LABEL_MAXLEN)
			return OD_ELABEL;
		if (pos >= OD_NAME_MAXLEN)
			return OD_ENAMELEN;
		out[pos++] = c;
		llen++;
	}

	if (!absolute) {
		/* The last label has no dot after it yet. */
		out[lpos] = (uint8_t)llen;
		if (origin == NULL)
			return OD_ESYNTAX;
		size_t olen = od_name_len(origin);
		if (pos + olen > OD_NAME_MAXLEN)
			return OD_ENAMELEN;
		memcpy(out + pos, origin, olen);
		return (int)(pos + olen);
	}
	if (pos + 1 > OD_NAME_MAXLEN)
		return OD_ENAMELEN;
	out[pos++] = 0;
	return (int)pos;
}

int od_name_to_str(char *out, size_t outlen, const uint8_t *name)
{
	size_t pos = 0;
#define PUT(ch)                                                                \
	do {                                                                   \
		if (pos + 1 >= outlen)                                         \
			return OD_ESPACE;                                      \
		out[pos++] = (ch);                                             \
	} while (0)

	if (outlen == 0)
		return OD_ESPACE;
	if (*name == 0) {
		PUT('.');
		out[pos] = '\0';
		return (int)pos;
	}
	while (*name) {
		uint8_t l = *name;
		for (uint8_t i = 1; i <= l; i++) {
			uint8_t c = name[i];
			switch (c) {
			case '.':
			case '\\':
			case '"':
			case '(':
			case ')':
			case ';':
			case '@':
			case '$':
				PUT('\\');
				PUT((char)c);
				break;
			default:
				if (c <= 0x20 || c >= 0x7f) {
					PUT('\\');
					PUT((char)('0' + c / 100));
					PUT((char)('0' + c / 10 % 10));
					PUT((char)('0' + c % 10));
				} else {
					PUT((char)c);
				}
			}
		}
		PUT('.');
		name += l + 1;
	}
	out[pos] = '\0';
	return (int)pos;
#undef PUT
}

/*
 * Compare the suffix of `name` starting at label `lab` with the name
 * written in the message at offset `off`, following pointers there.
 * Returns true when they are equal (case-insensitively).
 */
static bool msg_name_equal(const uint8_t *msg, size_t off, const uint8_t *lab)
{
	int hops = 0;
	for (;;) {
		uint8_t l = msg[off];
		if ((l & 0xc0) == 0xc0) {
			/* Written by us: pointers always go backwards. */
			off = (size_t)(l & 0x3f) << 8 | msg[off + 1];
			if (++hops > 127)
				return false;
			continue;
		}
		if (l != *lab)
			return false;
		if (l == 0)
			return true;
		for (uint8_t i = 1; i <= l; i++)
			if (lower(msg[off + i]) != lower(lab[i]))
				return false;
		off += l + 1;
		lab += l + 1;
	}
}

int od_name_pack(od_wr_t *w, const uint8_t *name, od_compr_t *c)
{
	if (w->err)
		return w->err;
	/* Find the longest suffix already in the message. */
	const uint8_t *lab = name;
	long ptr = -1;
	if (c != NULL) {
		for (; *lab; lab += *lab + 1) {
			for (uint16_t i = 0; i < c->count; i++) {
				if (msg_name_equal(c->msg, c->off[i], lab)) {
					ptr = c->off[i];
					break;
				}
			}
			if (ptr >= 0)
				break;
		}
	} else {
		lab = name + od_name_len(name) - 1;
	}
	/* Write the labels before that suffix, remembering their offsets. */
	uint16_t count0 = c != NULL ? c->count : 0;
	for (const uint8_t *p = name; p != lab; p += *p + 1) {
		size_t off = w->pos;
		od_wr_bytes(w, p, (size_t)*p + 1);
		if (w->err)
			break;
		if (c != NULL && off < 0x4000 && c->count < OD_COMPR_MAX)
			c->off[c->count++] = (uint16_t)off;
	}
	if (ptr >= 0)
		od_wr_u16(w, (uint16_t)(0xc000 | ptr));
	else
		od_wr_u8(w, 0);
	/* A name cut short must not be a compression target. */
	if (w->err && c != NULL)
		c->count = count0;
	return w->err;
}
