/* SPDX-License-Identifier: MIT */
/*
 * Zone file scanner. One pass over the text: the lexer cuts one entry
 * (a record or a directive, parentheses joined) into tokens that point
 * into the text, the entry parser turns them into a record and hands it
 * over. The whole file is mapped (or read) at once; per scan there are a
 * handful of allocations, none per record.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/zone/scanner.h"

#define DEF_INCLUDE_DEPTH 10
#define DEF_GENERATE_MAX 65536
#define DEF_TTL 3600
/* Tokens in one entry: 64 KiB of RDATA in one-octet hex tokens and more. */
#define MAX_TOKS (1u << 17)
/* $GENERATE: substituted owner and RDATA text, and tokens of the latter. */
#define GEN_TEXT_MAX 8192
#define GEN_TOKS_MAX 1024
/* Longest piece of a token quoted in a message. */
#define MSG_TOK_MAX 40

typedef struct tokpos {
	uint32_t line;
	uint32_t col;
} tokpos_t;

/* State of one file (the top one or an included one). */
typedef struct zfile {
	const char *name; /* as given, for messages and $INCLUDE */
	const char *text;
	size_t len;
	size_t p;       /* read position */
	size_t lstart;  /* offset of the current line */
	unsigned line;  /* current line, 1-based */
	unsigned depth; /* 0 for the top file */
	bool has_origin;
	bool ttl_set;        /* $TTL seen */
	bool last_ttl_set;   /* an explicit TTL seen */
	bool has_prev;       /* previous owner usable */
	uint32_t ttl;        /* $TTL */
	uint32_t last_ttl;   /* last explicit (or SOA-derived) TTL */
	uint16_t last_class; /* last class given, 0: none yet */
	uint8_t origin[OD_NAME_MAXLEN];
	uint8_t prev[OD_NAME_MAXLEN];
} zfile_t;

typedef struct incl_id {
	dev_t dev;
	ino_t ino;
} incl_id_t;

/* State of one od_zscan_* call, shared by the files it reads. */
typedef struct scan {
	const od_zopts_t *o;
	od_zstats_t st;
	unsigned include_depth;
	unsigned generate_max;
	uint16_t zclass;
	uint32_t default_ttl;
	int first_err;  /* code of the first error, 0: none */
	bool stop;      /* stop scanning */
	int stop_ret;   /* return value when stopped */
	od_tok_t *toks; /* owned: tokens of the current entry */
	tokpos_t *pos;  /* owned: their positions */
	size_t cap;
	od_tok_t *gtoks;     /* owned: $GENERATE RDATA tokens (lazy) */
	char *gtext;         /* owned: $GENERATE substitution buffer */
	uint8_t *rdata;      /* owned: RDATA of the current record */
	incl_id_t stack[64]; /* files being read, for include loops */
	unsigned nstack;
	char msg[512];
} scan_t;

/* Character classes of the lexer. */
enum {
	C_TOK = 0,
	C_BLANK,
	C_NL,
	C_SEMI,
	C_LPAR,
	C_RPAR,
	C_QUOTE,
	C_BSL,
	C_BAD
};

#define BAD4 C_BAD, C_BAD, C_BAD, C_BAD
static const uint8_t cclass[256] = {
	BAD4,
	BAD4, /* 0x00-0x07 */
	C_BAD,
	C_BLANK,
	C_NL,
	C_BAD, /* 0x08-0x0b */
	C_BAD,
	C_BLANK,
	C_BAD,
	C_BAD, /* 0x0c-0x0f: CRLF accepted */
	BAD4,
	BAD4,
	BAD4,
	BAD4, /* 0x10-0x1f */
	[' '] = C_BLANK,
	['"'] = C_QUOTE,
	['('] = C_LPAR,
	[')'] = C_RPAR,
	[';'] = C_SEMI,
	['\\'] = C_BSL,
	[0x7f] = C_BAD,
};
#undef BAD4

/* Printable excerpt of a token for messages. */
static const char *excerpt(char *buf, size_t cap, const char *s, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i == MSG_TOK_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(buf + o, cap - o, "\\%03u", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = 0;
	return buf;
}

/*
 * Report a problem. \return true when scanning must stop.
 */
__attribute__((format(printf, 7, 8))) static bool
report(scan_t *s, const zfile_t *f, unsigned line, unsigned col, int code,
       bool fatal, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	s->st.errors++;
	if (s->first_err == 0)
		s->first_err = code;
	od_zerr_t e = {
		.file = f && f->name ? f->name : "-",
		.line = line,
		.col = col,
		.code = code,
		.fatal = fatal,
		.msg = s->msg,
	};
	if (fatal || s->o->on_err == NULL || s->o->on_err(&e, s->o->ctx) != 0) {
		s->stop = true;
		s->stop_ret = code;
		return true;
	}
	return false;
}

/* Report at a token (index i; i == n means just after the last one). */
__attribute__((format(printf, 6, 7))) static bool
report_tok(scan_t *s, const zfile_t *f, size_t i, size_t n, int code,
           const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	unsigned line = f->line, col = 1;
	if (i < n) {
		line = s->pos[i].line;
		col = s->pos[i].col;
	} else if (n > 0) {
		const od_tok_t *t = &s->toks[n - 1];
		line = s->pos[n - 1].line;
		col = s->pos[n - 1].col + t->len + (t->quoted ? 2 : 0);
	}
	return report(s, f, line, col, code, false, "%s", buf);
}

static int grow_toks(scan_t *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 256;
	if (ncap > MAX_TOKS)
		return OD_ELIMIT;
	od_tok_t *t = realloc(s->toks, ncap * sizeof(*t));
	if (t == NULL)
		return OD_ENOMEM;
	s->toks = t;
	tokpos_t *p = realloc(s->pos, ncap * sizeof(*p));
	if (p == NULL)
		return OD_ENOMEM;
	s->pos = p;
	s->cap = ncap;
	return 0;
}

static inline void newline(scan_t *s, zfile_t *f, size_t p)
{
	f->line++;
	f->lstart = p;
	s->st.lines++;
}

/*
 * After a lexical error at p: skip to the end of the line on which the
 * parentheses open at p balance (quotes are not trusted any more).
 */
static void skip_entry(scan_t *s, zfile_t *f, size_t p, bool paren)
{
	int depth = paren ? 1 : 0;
	while (p < f->len) {
		char c = f->text[p++];
		if (c == '(') {
			depth++;
		} else if (c == ')') {
			depth--;
		} else if (c == ';') {
			const char *nl = memchr(f->text + p, '\n', f->len - p);
			p = nl ? (size_t)(nl - f->text) : f->len;
		} else if (c == '\n') {
			newline(s, f, p);
			if (depth <= 0)
				break;
		}
	}
	f->p = p;
}

/*
 * Cut the next entry into tokens. Sets *n (0 for an empty line) and
 * *indented (the entry starts with a blank: previous owner).
 * \return 0, 1 at the end of the text, or an error (already reported;
 *         the rest of the line was skipped) as OD_ESYNTAX.
 */
static int lex_entry(scan_t *s, zfile_t *f, size_t *n, bool *indented)
{
	const char *t = f->text;
	const size_t len = f->len;
	size_t p = f->p, k = 0;
	unsigned pline = 0, pcol = 0; /* where '(' was */
	bool paren = false;
	int ret;

	*n = 0;
	if (p >= len)
		return 1;
	*indented = t[p] == ' ' || t[p] == '\t';
	for (;;) {
		if (p >= len) {
			if (paren) {
				f->p = p;
				report(s, f, pline, pcol, OD_ESYNTAX, false,
				       "expected ')' to close the '(' here, "
				       "got the end of the file");
				*n = 0;
				return OD_ESYNTAX;
			}
			if (p > f->lstart)
				s->st.lines++; /* last line without newline */
			break;
		}
		unsigned char c = (unsigned char)t[p];
		switch (cclass[c]) {
		case C_BLANK:
			p++;
			continue;
		case C_NL:
			p++;
			newline(s, f, p);
			if (!paren)
				goto done;
			continue;
		case C_SEMI: {
			const char *nl = memchr(t + p, '\n', len - p);
			p = nl ? (size_t)(nl - t) : len;
			continue;
		}
		case C_LPAR:
			if (paren) {
				report(s, f, f->line,
				       (unsigned)(p - f->lstart + 1),
				       OD_ESYNTAX, false,
				       "nested '(': expected data or ')'");
				goto fail;
			}
			paren = true;
			pline = f->line;
			pcol = (unsigned)(p - f->lstart + 1);
			p++;
			continue;
		case C_RPAR:
			if (!paren) {
				report(s, f, f->line,
				       (unsigned)(p - f->lstart + 1),
				       OD_ESYNTAX, false,
				       "')' without a '(' before it");
				goto fail;
			}
			paren = false;
			p++;
			continue;
		case C_BAD:
			report(s, f, f->line, (unsigned)(p - f->lstart + 1),
			       OD_ESYNTAX, false,
			       "unexpected control character \\%03u in the text",
			       c);
			goto fail;
		default:
			break;
		}
		if (k == s->cap && (ret = grow_toks(s)) != 0) {
			report(s, f, f->line, (unsigned)(p - f->lstart + 1),
			       ret, false, "too many items in one record");
			goto fail;
		}
		s->pos[k].line = f->line;
		s->pos[k].col = (unsigned)(p - f->lstart + 1);
		size_t start;
		bool quoted = c == '"';
		if (quoted) {
			unsigned qline = f->line;
			unsigned qcol = (unsigned)(p - f->lstart + 1);
			start = ++p;
			for (;;) {
				if (p >= len) {
					report(s, f, qline, qcol, OD_ESYNTAX,
					       false,
					       "expected '\"' to close the string "
					       "here, got the end of the file");
					goto fail;
				}
				c = (unsigned char)t[p];
				if (c == '"')
					break;
				if (c == '\\' && p + 1 < len) {
					if (t[p + 1] == '\n')
						newline(s, f, p + 2);
					else if (cclass[(unsigned char)t[p + 1]] ==
					         C_BAD)
						goto bad_in_token;
					p += 2;
					continue;
				}
				if (c == '\n') {
					report(s, f, qline, qcol, OD_ESYNTAX,
					       false,
					       "expected '\"' to close the string "
					       "here before the end of the line");
					f->p = p;
					goto fail;
				}
				if (cclass[c] == C_BAD && c != '\t')
					goto bad_in_token;
				p++;
			}
		} else {
			start = p;
			for (;;) {
				if (p >= len)
					break;
				c = (unsigned char)t[p];
				uint8_t cc = cclass[c];
				if (cc == C_TOK) {
					p++;
					continue;
				}
				if (cc != C_BSL)
					break;
				if (p + 1 < len) {
					if (t[p + 1] == '\n')
						newline(s, f, p + 2);
					else if (cclass[(unsigned char)t[p + 1]] ==
					         C_BAD)
						goto bad_in_token;
					p += 2;
				} else {
					p++;
				}
			}
			if (p < len && cclass[(unsigned char)t[p]] == C_BAD)
				goto bad_in_token;
		}
		if (p - start > UINT32_MAX) {
			report(s, f, s->pos[k].line, s->pos[k].col, OD_ELIMIT,
			       false, "item too long");
			goto fail;
		}
		s->toks[k].s = t + start;
		s->toks[k].len = (uint32_t)(p - start);
		s->toks[k].quoted = quoted;
		k++;
		if (quoted)
			p++;
	}
done:
	f->p = p;
	*n = k;
	return 0;
bad_in_token:
	if (p + 1 < len && t[p] == '\\')
		p++;
	report(s, f, f->line, (unsigned)(p - f->lstart + 1), OD_ESYNTAX, false,
	       "unexpected control character \\%03u in the text",
	       (unsigned char)t[p]);
fail:
	*n = 0;
	skip_entry(s, f, p, paren);
	return OD_ESYNTAX;
}

static const char *name_problem(int code)
{
	switch (code) {
	case OD_ELABEL:
		return "a label is longer than 63 octets";
	case OD_ENAMELEN:
		return "the name is longer than 255 octets";
	case OD_EEMPTY:
		return "the name is empty";
	default:
		return "bad syntax";
	}
}

/*
 * Parse a name token into out against f's origin.
 * \return the length or an error (reported at token i).
 */
static int parse_name(scan_t *s, const zfile_t *f, size_t i, size_t n,
                      const char *what, uint8_t out[OD_NAME_MAXLEN],
                      const uint8_t *origin)
{
	const od_tok_t *t = &s->toks[i];
	char ex[MSG_TOK_MAX * 4 + 8];
	if (t->quoted) {
		report_tok(s, f, i, n, OD_ESYNTAX,
		           "expected %s, got the quoted string \"%s\"", what,
		           excerpt(ex, sizeof(ex), t->s, t->len));
		return OD_ESYNTAX;
	}
	int ret = od_name_from_str(out, t->s, t->len, origin);
	if (ret >= 0)
		return ret;
	uint8_t tmp[OD_NAME_MAXLEN];
	if (origin == NULL && ret == OD_ESYNTAX &&
	    od_name_from_str(tmp, t->s, t->len, (const uint8_t *)"") >= 0) {
		report_tok(s, f, i, n, ret,
		           "expected %s, got the relative name '%s' and no "
		           "$ORIGIN is set",
		           what, excerpt(ex, sizeof(ex), t->s, t->len));
		return ret;
	}
	report_tok(s, f, i, n, ret, "expected %s, got '%s' (%s)", what,
	           excerpt(ex, sizeof(ex), t->s, t->len), name_problem(ret));
	return ret;
}

static int type_from_tok(const od_tok_t *t, uint16_t *type)
{
	if (t->quoted)
		return OD_ETYPE;
	return od_rrtype_from_str(t->s, t->len, type);
}

static int class_from_tok(const od_tok_t *t, uint16_t *rclass)
{
	if (t->quoted)
		return OD_ECLASS;
	if (t->len == 2 && (t->s[0] | 0x20) == 'i' && (t->s[1] | 0x20) == 'n') {
		*rclass = OD_CLASS_IN;
		return 0;
	}
	return od_class_from_str(t->s, t->len, rclass);
}

static bool type_in_zone(uint16_t type)
{
	const od_rrtype_desc_t *d = od_rrtype_get(type);
	return d == NULL || !(d->flags & (OD_RRT_META | OD_RRT_QTYPE));
}

/* TTL/class/type after the owner, from token i. */
typedef struct rrhead {
	bool have_ttl;
	bool have_class;
	uint32_t ttl;
	uint16_t rclass;
	uint16_t type;
} rrhead_t;

/* \return the index of the first RDATA token, or an error (reported). */
static int parse_head(scan_t *s, const zfile_t *f, size_t i, size_t n,
                      rrhead_t *h)
{
	char ex[MSG_TOK_MAX * 4 + 8];
	memset(h, 0, sizeof(*h));
	for (;;) {
		const char *want =
		        h->have_ttl
		                ? (h->have_class ? "a type" : "a class or type")
		                : (h->have_class ? "a TTL or type"
		                                 : "a TTL, class or type");
		if (i >= n) {
			report_tok(s, f, i, n, OD_ESYNTAX,
			           "expected %s, got the end of the record",
			           want);
			return OD_ESYNTAX;
		}
		const od_tok_t *t = &s->toks[i];
		if (!t->quoted && t->s[0] >= '0' && t->s[0] <= '9' &&
		    !h->have_ttl) {
			int ret = od_ttl_from_str(t->s, t->len, &h->ttl);
			if (ret != 0) {
				report_tok(
				        s, f, i, n, ret,
				        ret == OD_ERANGE
				                ? "expected a TTL up to 4294967295 "
				                  "seconds, got '%s'"
				                : "expected a TTL (seconds or "
				                  "units s, m, h, d, w), got '%s'",
				        excerpt(ex, sizeof(ex), t->s, t->len));
				return ret;
			}
			h->have_ttl = true;
			i++;
			continue;
		}
		if (!h->have_class && class_from_tok(t, &h->rclass) == 0) {
			h->have_class = true;
			i++;
			continue;
		}
		if (type_from_tok(t, &h->type) == 0) {
			if (!type_in_zone(h->type)) {
				report_tok(
				        s, f, i, n, OD_ETYPE,
				        "expected a type that may appear in a "
				        "zone, got the meta or query type '%s'",
				        excerpt(ex, sizeof(ex), t->s, t->len));
				return OD_ETYPE;
			}
			return (int)(i + 1);
		}
		report_tok(s, f, i, n, t->quoted ? OD_ESYNTAX : OD_ETYPE,
		           "expected %s, got %s'%s'", want,
		           t->quoted ? "the quoted string " : "",
		           excerpt(ex, sizeof(ex), t->s, t->len));
		return OD_ETYPE;
	}
}

/*
 * Finish a record: class and TTL rules, RDATA, callback. rt/rn are the
 * RDATA tokens; rdi is the index of the first of them in s->toks for
 * error positions (SIZE_MAX: report at token `at` instead).
 * \return true when scanning must stop.
 */
static bool emit(scan_t *s, zfile_t *f, const uint8_t *owner, const rrhead_t *h,
                 const od_tok_t *rt, size_t rn, size_t rdi, size_t at, size_t n,
                 unsigned line)
{
	char cb[16], ex[MSG_TOK_MAX * 4 + 8];
	uint16_t rclass = h->have_class
	                          ? h->rclass
	                          : (f->last_class ? f->last_class : s->zclass);
	if (rclass != s->zclass) {
		char zb[16];
		od_class_to_str(rclass, cb, sizeof(cb));
		od_class_to_str(s->zclass, zb, sizeof(zb));
		size_t ci = at;
		for (size_t k = at; rdi != SIZE_MAX && k < rdi; k++)
			if (class_from_tok(&s->toks[k], &(uint16_t){ 0 }) == 0)
				ci = k;
		return report_tok(s, f, ci, n, OD_ECLASS,
		                  "expected class %s (the zone's), got %s", zb,
		                  cb);
	}
	od_rdata_diag_t diag = { 0, NULL };
	const uint8_t *origin = f->has_origin ? f->origin : NULL;
	int len = od_rdata_from_text(h->type, rt, rn, origin, s->rdata,
	                             OD_RDATA_MAXLEN, &diag);
	if (len < 0) {
		char tb[16];
		od_rrtype_to_str(h->type, tb, sizeof(tb));
		const char *exp = diag.expected ? diag.expected : "valid data";
		if (rdi == SIZE_MAX)
			return report_tok(s, f, at, n, len,
			                  "%s RDATA: expected %s (%s)", tb, exp,
			                  od_strerror(len));
		size_t ti = rdi + diag.tok;
		if (diag.tok >= rn)
			return report_tok(s, f, n, n, len,
			                  "%s RDATA: expected %s, got the end "
			                  "of the record",
			                  tb, exp);
		return report_tok(
		        s, f, ti, n, len,
		        "%s RDATA: expected %s, got '%s' (%s)", tb, exp,
		        excerpt(ex, sizeof(ex), s->toks[ti].s, s->toks[ti].len),
		        od_strerror(len));
	}
	/* RFC 2308 §4 and RFC 1035 §5.1, as BIND applies them */
	uint32_t ttl;
	if (h->have_ttl) {
		ttl = h->ttl;
		f->last_ttl = ttl;
		f->last_ttl_set = true;
	} else if (f->ttl_set) {
		ttl = f->ttl;
	} else if (f->last_ttl_set) {
		ttl = f->last_ttl;
	} else if (h->type == OD_TYPE_SOA && len >= 4) {
		const uint8_t *m = s->rdata + len - 4;
		ttl = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
		      (uint32_t)m[2] << 8 | m[3];
		f->last_ttl = ttl;
		f->last_ttl_set = true;
	} else {
		ttl = s->default_ttl;
	}
	f->last_class = rclass;
	od_zrec_t rec = {
		.owner = owner,
		.type = h->type,
		.rclass = rclass,
		.ttl = ttl,
		.rdlen = (uint16_t)len,
		.rdata = s->rdata,
		.file = f->name ? f->name : "-",
		.line = line,
	};
	s->st.records++;
	int ret = s->o->on_rec ? s->o->on_rec(&rec, s->o->ctx) : 0;
	if (ret != 0) {
		s->stop = true;
		s->stop_ret = ret;
		return true;
	}
	return false;
}

static bool do_record(scan_t *s, zfile_t *f, size_t n, bool indented)
{
	uint8_t owner[OD_NAME_MAXLEN];
	size_t i = 0;
	unsigned line = s->pos[0].line;
	if (indented) {
		if (!f->has_prev)
			return report_tok(s, f, 0, n, OD_ESYNTAX,
			                  "expected an owner name: no previous "
			                  "record to take it from");
		od_name_copy(owner, f->prev);
	} else {
		int ret = parse_name(s, f, 0, n, "an owner name", owner,
		                     f->has_origin ? f->origin : NULL);
		if (ret < 0) {
			/* records after a bad owner must not land elsewhere */
			f->has_prev = false;
			return s->stop;
		}
		od_name_copy(f->prev, owner);
		f->has_prev = true;
		i = 1;
	}
	rrhead_t h;
	int r = parse_head(s, f, i, n, &h);
	if (r < 0)
		return s->stop;
	return emit(s, f, owner, &h, s->toks + r, n - (size_t)r, (size_t)r, i,
	            n, line);
}

/* Unescape a file name token (\X and \DDD) into out. */
static int unescape_path(const od_tok_t *t, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->s[i];
		if (c == '\\' && i + 1 < t->len) {
			c = (unsigned char)t->s[++i];
			if (c >= '0' && c <= '9') {
				if (i + 2 >= t->len)
					return OD_ESYNTAX;
				unsigned v = 0;
				for (int k = 0; k < 3; k++) {
					unsigned char d =
					        (unsigned char)
					                t->s[i + (size_t)k];
					if (d < '0' || d > '9')
						return OD_ESYNTAX;
					v = v * 10 + (d - '0');
				}
				if (v > 255)
					return OD_ESYNTAX;
				c = (unsigned char)v;
				i += 2;
			}
		}
		if (c == 0 || o + 1 >= cap)
			return OD_ESYNTAX;
		out[o++] = (char)c;
	}
	if (o == 0)
		return OD_EEMPTY;
	out[o] = 0;
	return 0;
}

static int scan_text(scan_t *s, zfile_t *f);

static bool do_include(scan_t *s, zfile_t *f, size_t n)
{
	char ex[MSG_TOK_MAX * 4 + 8];
	if (s->o->no_include)
		return report_tok(s, f, 0, n, OD_ENOTSUP,
		                  "$INCLUDE is disabled here");
	if (n < 2)
		return report_tok(s, f, 1, n, OD_ESYNTAX,
		                  "expected a file name after $INCLUDE");
	if (n > 3)
		return report_tok(s, f, 3, n, OD_ETRAILING,
		                  "expected the end of $INCLUDE, got '%s'",
		                  excerpt(ex, sizeof(ex), s->toks[3].s,
		                          s->toks[3].len));
	char name[PATH_MAX], path[PATH_MAX];
	if (unescape_path(&s->toks[1], name, sizeof(name)) != 0)
		return report_tok(s, f, 1, n, OD_ESYNTAX,
		                  "expected a file name, got '%s'",
		                  excerpt(ex, sizeof(ex), s->toks[1].s,
		                          s->toks[1].len));
	zfile_t *c = malloc(sizeof(*c));
	if (c == NULL)
		return report(s, f, s->pos[0].line, s->pos[0].col, OD_ENOMEM,
		              true, "out of memory");
	*c = *f;
	if (n == 3) {
		int ret = parse_name(s, f, 2, n, "an origin for the file",
		                     c->origin,
		                     f->has_origin ? f->origin : NULL);
		if (ret < 0) {
			free(c);
			return s->stop;
		}
		c->has_origin = true;
	}
	/* relative to the directory of the including file */
	const char *slash = f->name ? strrchr(f->name, '/') : NULL;
	int pl;
	if (name[0] == '/' || slash == NULL)
		pl = snprintf(path, sizeof(path), "%s", name);
	else
		pl = snprintf(path, sizeof(path), "%.*s/%s",
		              (int)(slash - f->name), f->name, name);
	if (pl < 0 || (size_t)pl >= sizeof(path)) {
		free(c);
		return report_tok(s, f, 1, n, OD_ELIMIT,
		                  "expected a shorter file name");
	}
	if (f->depth + 1 > s->include_depth) {
		free(c);
		return report_tok(s, f, 1, n, OD_ELIMIT,
		                  "$INCLUDE nested more than %u deep",
		                  s->include_depth);
	}
	bool stop = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		int e = errno;
		stop = report_tok(s, f, 1, n, -e, "cannot read '%s': %s", path,
		                  strerror(e));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		stop = report_tok(s, f, 1, n, -EISDIR,
		                  "cannot read '%s': not a regular file", path);
		goto out;
	}
	for (unsigned k = 0; k < s->nstack; k++) {
		if (s->stack[k].dev == sb.st_dev &&
		    s->stack[k].ino == sb.st_ino) {
			stop = report_tok(s, f, 1, n, OD_ELIMIT,
			                  "'%s' includes itself", path);
			goto out;
		}
	}
	if (s->nstack >= sizeof(s->stack) / sizeof(s->stack[0])) {
		stop = report_tok(s, f, 1, n, OD_ELIMIT, "too many includes");
		goto out;
	}
	void *map = NULL;
	if (sb.st_size > 0) {
		map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd,
		           0);
		if (map == MAP_FAILED) {
			int e = errno;
			stop = report_tok(s, f, 1, n, -e,
			                  "cannot read '%s': %s", path,
			                  strerror(e));
			goto out;
		}
	}
	s->stack[s->nstack].dev = sb.st_dev;
	s->stack[s->nstack].ino = sb.st_ino;
	s->nstack++;
	c->name = path;
	c->text = map;
	c->len = (size_t)sb.st_size;
	c->p = 0;
	c->lstart = 0;
	c->line = 1;
	c->depth = f->depth + 1;
	/* the origin, $TTL and the previous owner revert after the file */
	scan_text(s, c);
	stop = s->stop;
	s->nstack--;
	if (map)
		munmap(map, (size_t)sb.st_size);
out:
	if (fd >= 0)
		close(fd);
	free(c);
	return stop;
}

/*
 * A directive that takes exactly one argument: report a missing or an
 * extra one. \return true when the directive line was reported (the
 * caller returns s->stop), false when it has its one argument.
 */
static bool one_arg(scan_t *s, zfile_t *f, size_t n, const char *directive,
                    const char *what)
{
	char ex[MSG_TOK_MAX * 4 + 8];
	if (n < 2) {
		report_tok(s, f, 1, n, OD_ESYNTAX, "expected %s after %s", what,
		           directive);
		return true;
	}
	if (n > 2) {
		report_tok(s, f, 2, n, OD_ETRAILING,
		           "expected the end of %s, got '%s'", directive,
		           excerpt(ex, sizeof(ex), s->toks[2].s,
		                   s->toks[2].len));
		return true;
	}
	return false;
}

static bool do_origin(scan_t *s, zfile_t *f, size_t n)
{
	if (one_arg(s, f, n, "$ORIGIN", "a domain name"))
		return s->stop;
	uint8_t o[OD_NAME_MAXLEN];
	/* a relative origin is completed with the current one (BIND) */
	if (parse_name(s, f, 1, n, "a domain name", o,
	               f->has_origin ? f->origin : NULL) < 0)
		return s->stop;
	od_name_copy(f->origin, o);
	f->has_origin = true;
	return false;
}

static bool do_ttl(scan_t *s, zfile_t *f, size_t n)
{
	if (one_arg(s, f, n, "$TTL", "a TTL"))
		return s->stop;
	char ex[MSG_TOK_MAX * 4 + 8];
	const od_tok_t *t = &s->toks[1];
	uint32_t v;
	int ret = t->quoted ? OD_ESYNTAX : od_ttl_from_str(t->s, t->len, &v);
	if (ret != 0)
		return report_tok(s, f, 1, n, ret,
		                  ret == OD_ERANGE
		                          ? "expected a TTL up to 4294967295 "
		                            "seconds, got '%s'"
		                          : "expected a TTL (seconds or units "
		                            "s, m, h, d, w), got '%s'",
		                  excerpt(ex, sizeof(ex), t->s, t->len));
	f->ttl = v;
	f->ttl_set = true;
	return false;
}

/* $GENERATE */

typedef struct gen_range {
	uint32_t start, stop, step;
} gen_range_t;

static int parse_u31(const char **p, const char *end, uint32_t *out)
{
	uint64_t v = 0;
	const char *s = *p;
	if (s >= end || *s < '0' || *s > '9')
		return OD_ESYNTAX;
	while (s < end && *s >= '0' && *s <= '9') {
		v = v * 10 + (uint64_t)(*s++ - '0');
		if (v > INT32_MAX)
			return OD_ERANGE;
	}
	*p = s;
	*out = (uint32_t)v;
	return 0;
}

static int parse_range(const od_tok_t *t, gen_range_t *r)
{
	const char *p = t->s, *end = t->s + t->len;
	if (t->quoted || parse_u31(&p, end, &r->start) != 0 || p >= end ||
	    *p++ != '-' || parse_u31(&p, end, &r->stop) != 0)
		return OD_ESYNTAX;
	r->step = 1;
	if (p < end && *p == '/') {
		p++;
		if (parse_u31(&p, end, &r->step) != 0 || r->step == 0)
			return OD_ESYNTAX;
	}
	if (p != end || r->start > r->stop)
		return OD_ESYNTAX;
	return 0;
}

/*
 * Substitute the iterator into src: "$" is the value, "${offset[,width
 * [,base]]}" changes it (base d, o, x, X, or n / N for nibbles in
 * reverse order with dots, width then counting the characters), "\$"
 * and "$$" are a literal "$"; other escapes stay for the field parsers.
 * \return the output length, or OD_ESYNTAX / OD_ERANGE / OD_ESPACE.
 */
static int gen_subst(const char *src, size_t len, int64_t it, char *out,
                     size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		if (c == '\\' && i + 1 < len) {
			if (o + 2 > cap)
				return OD_ESPACE;
			if (src[i + 1] != '$')
				out[o++] = c;
			out[o++] = src[++i];
			continue;
		}
		if (c != '$') {
			if (o + 1 > cap)
				return OD_ESPACE;
			out[o++] = c;
			continue;
		}
		if (i + 1 < len && src[i + 1] == '$') {
			if (o + 1 > cap)
				return OD_ESPACE;
			out[o++] = '$';
			i++;
			continue;
		}
		int64_t off = 0;
		unsigned width = 0;
		char base = 'd';
		if (i + 1 < len && src[i + 1] == '{') {
			size_t j = i + 2;
			bool neg = false;
			if (j < len && (src[j] == '-' || src[j] == '+'))
				neg = src[j++] == '-';
			if (j >= len || src[j] < '0' || src[j] > '9')
				return OD_ESYNTAX;
			while (j < len && src[j] >= '0' && src[j] <= '9') {
				off = off * 10 + (src[j++] - '0');
				if (off > INT32_MAX)
					return OD_ERANGE;
			}
			if (neg)
				off = -off;
			if (j < len && src[j] == ',') {
				j++;
				if (j >= len || src[j] < '0' || src[j] > '9')
					return OD_ESYNTAX;
				while (j < len && src[j] >= '0' &&
				       src[j] <= '9') {
					width = width * 10 +
					        (unsigned)(src[j++] - '0');
					if (width > 255)
						return OD_ERANGE;
				}
				if (j < len && src[j] == ',') {
					j++;
					if (j >= len ||
					    !strchr("doxXnN", src[j]) ||
					    src[j] == 0)
						return OD_ESYNTAX;
					base = src[j++];
				}
			}
			if (j >= len || src[j] != '}')
				return OD_ESYNTAX;
			i = j;
		}
		int64_t v = it + off;
		if (v < 0 || v > UINT32_MAX)
			return OD_ERANGE;
		char num[300];
		int nl;
		if (base == 'n' || base == 'N') {
			const char *digits = base == 'n' ? "0123456789abcdef"
			                                 : "0123456789ABCDEF";
			uint64_t x = (uint64_t)v;
			nl = 0;
			/* at least one nibble, then up to width characters */
			do {
				if (nl > 0)
					num[nl++] = '.';
				num[nl++] = digits[x & 15];
				x >>= 4;
			} while ((x != 0 || (unsigned)nl + 2 <= width) &&
			         nl < 290);
		} else {
			const char *fmt = base == 'o'   ? "%0*llo"
			                  : base == 'x' ? "%0*llx"
			                  : base == 'X' ? "%0*llX"
			                                : "%0*llu";
			nl = snprintf(num, sizeof(num), fmt, (int)width,
			              (unsigned long long)v);
		}
		if (nl < 0 || o + (size_t)nl > cap)
			return OD_ESPACE;
		memcpy(out + o, num, (size_t)nl);
		o += (size_t)nl;
	}
	return (int)o;
}

static bool do_generate(scan_t *s, zfile_t *f, size_t n)
{
	char ex[MSG_TOK_MAX * 4 + 8];
	gen_range_t r;
	if (n < 2 || parse_range(&s->toks[1], &r) != 0)
		return report_tok(s, f, 1, n, OD_ESYNTAX,
		                  "expected a range start-stop[/step] (0 to "
		                  "2147483647, start <= stop), got '%s'",
		                  n < 2 ? ""
		                        : excerpt(ex, sizeof(ex), s->toks[1].s,
		                                  s->toks[1].len));
	uint64_t count = (uint64_t)(r.stop - r.start) / r.step + 1;
	if (count > s->generate_max)
		return report_tok(s, f, 1, n, OD_ELIMIT,
		                  "$GENERATE of %llu records, more than the "
		                  "limit of %u",
		                  (unsigned long long)count, s->generate_max);
	if (n < 3)
		return report_tok(s, f, 2, n, OD_ESYNTAX,
		                  "expected an owner name after the range");
	rrhead_t h;
	int ri = parse_head(s, f, 3, n, &h);
	if (ri < 0)
		return s->stop;
	if ((size_t)ri >= n)
		return report_tok(s, f, n, n, OD_ESYNTAX,
		                  "expected the RDATA of $GENERATE");
	if (s->gtext == NULL) {
		s->gtext = malloc(2 * GEN_TEXT_MAX);
		s->gtoks = malloc(GEN_TOKS_MAX * sizeof(*s->gtoks));
		if (s->gtext == NULL || s->gtoks == NULL)
			return report(s, f, s->pos[0].line, s->pos[0].col,
			              OD_ENOMEM, true, "out of memory");
	}
	/* the RDATA template: its tokens joined by one space */
	char *tpl = s->gtext + GEN_TEXT_MAX, *out = s->gtext;
	size_t tl = 0;
	for (size_t k = (size_t)ri; k < n; k++) {
		const od_tok_t *t = &s->toks[k];
		if (tl + t->len + 1 > GEN_TEXT_MAX)
			return report_tok(s, f, k, n, OD_ELIMIT,
			                  "$GENERATE RDATA too long");
		if (tl)
			tpl[tl++] = ' ';
		memcpy(tpl + tl, t->s, t->len);
		tl += t->len;
	}
	const od_tok_t *lhs = &s->toks[2];
	unsigned line = s->pos[0].line;
	for (uint64_t v = r.start; v <= r.stop; v += r.step) {
		uint8_t owner[OD_NAME_MAXLEN];
		int ol = lhs->quoted ? OD_ESYNTAX
		                     : gen_subst(lhs->s, lhs->len, (int64_t)v,
		                                 out, GEN_TEXT_MAX);
		if (ol < 0)
			return report_tok(
			        s, f, 2, n, ol,
			        "expected an owner template with $, "
			        "${offset,width,base} or \\$, got '%s'",
			        excerpt(ex, sizeof(ex), lhs->s, lhs->len));
		int ret = od_name_from_str(owner, out, (size_t)ol,
		                           f->has_origin ? f->origin : NULL);
		if (ret < 0)
			return report_tok(
			        s, f, 2, n, ret,
			        "expected an owner name, got '%s' for "
			        "%llu (%s)",
			        excerpt(ex, sizeof(ex), out, (size_t)ol),
			        (unsigned long long)v, name_problem(ret));
		int rl = gen_subst(tpl, tl, (int64_t)v, out, GEN_TEXT_MAX);
		if (rl < 0)
			return report_tok(s, f, (size_t)ri, n, rl,
			                  "expected an RDATA template with $, "
			                  "${offset,width,base} or \\$");
		int nt = od_tok_split(out, (size_t)rl, s->gtoks, GEN_TOKS_MAX);
		if (nt < 0)
			return report_tok(
			        s, f, (size_t)ri, n, nt,
			        "$GENERATE RDATA: unbalanced quotes or "
			        "too many items");
		size_t errs = s->st.errors;
		if (emit(s, f, owner, &h, s->gtoks, (size_t)nt, SIZE_MAX,
		         (size_t)ri, n, line))
			return true;
		if (s->st.errors != errs)
			break; /* one report per $GENERATE is enough */
		if (v + r.step > r.stop)
			break;
	}
	return false;
}

static bool do_directive(scan_t *s, zfile_t *f, size_t n)
{
	const od_tok_t *t = &s->toks[0];
	char ex[MSG_TOK_MAX * 4 + 8];
#define IS(d) (t->len == sizeof(d) - 1 && strncasecmp(t->s, d, t->len) == 0)
	if (IS("$ORIGIN"))
		return do_origin(s, f, n);
	if (IS("$TTL"))
		return do_ttl(s, f, n);
	if (IS("$INCLUDE"))
		return do_include(s, f, n);
	if (IS("$GENERATE"))
		return do_generate(s, f, n);
#undef IS
	return report_tok(s, f, 0, n, OD_ESYNTAX,
	                  "expected $ORIGIN, $TTL, $INCLUDE or $GENERATE, got "
	                  "'%s'",
	                  excerpt(ex, sizeof(ex), t->s, t->len));
}

static int scan_text(scan_t *s, zfile_t *f)
{
	while (!s->stop) {
		size_t n;
		bool indented;
		int ret = lex_entry(s, f, &n, &indented);
		if (ret == 1)
			break;
		if (ret < 0 || n == 0)
			continue;
		const od_tok_t *t = &s->toks[0];
		if (!indented && !t->quoted && t->s[0] == '$')
			do_directive(s, f, n);
		else
			do_record(s, f, n, indented);
	}
	return 0;
}

static int scan(const char *text, size_t len, const char *name,
                const od_zopts_t *opts, od_zstats_t *st, dev_t dev, ino_t ino,
                bool have_id)
{
	if (opts == NULL || (text == NULL && len > 0))
		return OD_EINVAL;
	scan_t *s = calloc(1, sizeof(*s));
	zfile_t *f = calloc(1, sizeof(*f));
	uint8_t *rdata = malloc(OD_RDATA_MAXLEN);
	int ret;
	if (s == NULL || f == NULL || rdata == NULL) {
		ret = OD_ENOMEM;
		goto out;
	}
	s->o = opts;
	s->rdata = rdata;
	s->include_depth = opts->include_depth ? opts->include_depth
	                                       : DEF_INCLUDE_DEPTH;
	if (s->include_depth >= sizeof(s->stack) / sizeof(s->stack[0]))
		s->include_depth = sizeof(s->stack) / sizeof(s->stack[0]) - 1;
	s->generate_max = opts->generate_max ? opts->generate_max
	                                     : DEF_GENERATE_MAX;
	s->zclass = opts->rclass ? opts->rclass : OD_CLASS_IN;
	s->default_ttl = opts->default_ttl ? opts->default_ttl : DEF_TTL;
	if (have_id) {
		s->stack[0].dev = dev;
		s->stack[0].ino = ino;
		s->nstack = 1;
	}
	f->name = name;
	f->text = text;
	f->len = len;
	f->line = 1;
	if (opts->origin) {
		if (od_name_check(opts->origin, OD_NAME_MAXLEN) < 0) {
			ret = OD_EINVAL;
			goto out;
		}
		od_name_copy(f->origin, opts->origin);
		f->has_origin = true;
	}
	scan_text(s, f);
	if (s->stop)
		ret = s->stop_ret;
	else
		ret = s->first_err;
	if (st)
		*st = s->st;
out:
	if (s) {
		free(s->toks);
		free(s->pos);
		free(s->gtoks);
		free(s->gtext);
	}
	free(rdata);
	free(s);
	free(f);
	return ret;
}

int od_zscan_mem(const char *text, size_t len, const char *name,
                 const od_zopts_t *opts, od_zstats_t *st)
{
	return scan(text, len, name, opts, st, 0, 0, false);
}

int od_zscan_file(const char *path, const od_zopts_t *opts, od_zstats_t *st)
{
	if (path == NULL || opts == NULL)
		return OD_EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	void *map = NULL;
	size_t len = (size_t)sb.st_size;
	if (len > 0) {
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			int e = errno;
			close(fd);
			return -e;
		}
		/* one sequential pass */
		madvise(map, len, MADV_SEQUENTIAL);
	}
	close(fd);
	int ret = scan(map, len, path, opts, st, sb.st_dev, sb.st_ino, true);
	if (map)
		munmap(map, len);
	return ret;
}
