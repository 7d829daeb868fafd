/* SPDX-License-Identifier: MIT */
#include "conf/yconf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/error.h"

/* Child path: "parent.key" or "parent[idx]", cut to fit. */
static void node_path(od_ycn_t *out, const od_ycn_t *parent, const char *key,
                      int idx)
{
	char tail[48];
	size_t plen = strnlen(parent->path, sizeof(parent->path) - 1);
	if (key) {
		size_t klen = strnlen(key, sizeof(tail) - 2);
		size_t t = 0;
		if (plen)
			tail[t++] = '.';
		memcpy(tail + t, key, klen);
		tail[t + klen] = '\0';
	} else {
		snprintf(tail, sizeof(tail), "[%d]", idx);
	}
	size_t tlen = strlen(tail);
	if (plen + tlen >= sizeof(out->path))
		plen = sizeof(out->path) - 1 - tlen;
	memmove(out->path, parent->path, plen);
	memcpy(out->path + plen, tail, tlen + 1);
}

static int load_parser(od_yc_t *yc, yaml_parser_t *p, od_ycn_t *root)
{
	yaml_node_t *top;
	if (!yaml_parser_load(p, &yc->doc)) {
		snprintf(yc->err, sizeof(yc->err), "%s:%zu:%zu: %s%s%s",
		         yc->file, p->problem_mark.line + 1,
		         p->problem_mark.column + 1,
		         p->problem ? p->problem : "YAML syntax error",
		         p->context ? " " : "", p->context ? p->context : "");
		yaml_parser_delete(p);
		return OD_ESYNTAX;
	}
	yaml_parser_delete(p);
	yc->loaded = true;
	top = yaml_document_get_root_node(&yc->doc);
	root->path[0] = '\0';
	if (top == NULL) {
		/* An empty file: an empty mapping. */
		int id = yaml_document_add_mapping(&yc->doc, NULL,
		                                   YAML_BLOCK_MAPPING_STYLE);
		top = id ? yaml_document_get_node(&yc->doc, id) : NULL;
		if (top == NULL) {
			snprintf(yc->err, sizeof(yc->err), "%s: out of memory",
			         yc->file);
			return OD_ENOMEM;
		}
	}
	root->node = top;
	if (top->type != YAML_MAPPING_NODE)
		return od_yc_fail(yc, root, "expected a mapping of keys");
	return 0;
}

int od_yc_load(od_yc_t *yc, const char *path, od_ycn_t *root)
{
	memset(yc, 0, sizeof(*yc));
	yc->file = path;
	FILE *fp = fopen(path, "rb");
	if (fp == NULL) {
		int e = errno;
		snprintf(yc->err, sizeof(yc->err), "%s: %s", path, strerror(e));
		return -e;
	}
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		fclose(fp);
		snprintf(yc->err, sizeof(yc->err), "%s: out of memory", path);
		return OD_ENOMEM;
	}
	yaml_parser_set_input_file(&p, fp);
	int r = load_parser(yc, &p, root);
	fclose(fp);
	return r;
}

int od_yc_load_mem(od_yc_t *yc, const char *text, size_t len, const char *name,
                   od_ycn_t *root)
{
	memset(yc, 0, sizeof(*yc));
	yc->file = name;
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		snprintf(yc->err, sizeof(yc->err), "%s: out of memory", name);
		return OD_ENOMEM;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	return load_parser(yc, &p, root);
}

void od_yc_free(od_yc_t *yc)
{
	if (yc->loaded)
		yaml_document_delete(&yc->doc);
	yc->loaded = false;
}

int od_yc_fail(od_yc_t *yc, const od_ycn_t *n, const char *fmt, ...)
{
	char msg[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n && n->node)
		snprintf(yc->err, sizeof(yc->err), "%s:%zu:%zu: %s%s%s",
		         yc->file, n->node->start_mark.line + 1,
		         n->node->start_mark.column + 1, n->path,
		         n->path[0] ? ": " : "", msg);
	else
		snprintf(yc->err, sizeof(yc->err), "%s: %s%s%s", yc->file,
		         n ? n->path : "", n && n->path[0] ? ": " : "", msg);
	return OD_EINVAL;
}

static const char *scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
	                                   : NULL;
}

int od_yc_keys(od_yc_t *yc, const od_ycn_t *m, const char *const *allowed)
{
	if (m->node->type != YAML_MAPPING_NODE)
		return od_yc_fail(yc, m, "expected a mapping of keys");
	for (yaml_node_pair_t *p = m->node->data.mapping.pairs.start;
	     p < m->node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&yc->doc, p->key);
		const char *ks = k ? scalar(k) : NULL;
		od_ycn_t kn = { .node = k };
		snprintf(kn.path, sizeof(kn.path), "%s", m->path);
		if (ks == NULL)
			return od_yc_fail(yc, &kn, "keys must be plain words");
		bool ok = false;
		for (size_t i = 0; allowed[i]; i++)
			ok = ok || strcmp(allowed[i], ks) == 0;
		if (!ok)
			return od_yc_fail(yc, &kn, "unknown key '%s'", ks);
		for (yaml_node_pair_t *q = m->node->data.mapping.pairs.start;
		     q < p; q++) {
			yaml_node_t *k2 =
			        yaml_document_get_node(&yc->doc, q->key);
			const char *k2s = k2 ? scalar(k2) : NULL;
			if (k2s && strcmp(k2s, ks) == 0)
				return od_yc_fail(yc, &kn,
				                  "key '%s' given twice", ks);
		}
	}
	return 0;
}

bool od_yc_get(od_yc_t *yc, const od_ycn_t *m, const char *key, od_ycn_t *out)
{
	if (m->node->type != YAML_MAPPING_NODE)
		return false;
	for (yaml_node_pair_t *p = m->node->data.mapping.pairs.start;
	     p < m->node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&yc->doc, p->key);
		const char *ks = k ? scalar(k) : NULL;
		if (ks && strcmp(ks, key) == 0) {
			out->node = yaml_document_get_node(&yc->doc, p->value);
			node_path(out, m, key, 0);
			return out->node != NULL;
		}
	}
	return false;
}

int od_yc_str(od_yc_t *yc, const od_ycn_t *n, const char **out)
{
	const char *s = scalar(n->node);
	if (s == NULL)
		return od_yc_fail(yc, n, "expected a single value");
	*out = s;
	return 0;
}

int od_yc_bool(od_yc_t *yc, const od_ycn_t *n, bool *out)
{
	const char *s = scalar(n->node);
	if (s && (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 ||
	          strcasecmp(s, "on") == 0)) {
		*out = true;
		return 0;
	}
	if (s && (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0 ||
	          strcasecmp(s, "off") == 0)) {
		*out = false;
		return 0;
	}
	return od_yc_fail(yc, n, "expected true or false");
}

static int parse_u64(const char *s, uint64_t *v, const char **end)
{
	if (*s < '0' || *s > '9')
		return -1;
	uint64_t x = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	*end = s;
	return 0;
}

int od_yc_uint(od_yc_t *yc, const od_ycn_t *n, uint64_t min, uint64_t max,
               uint64_t *out)
{
	const char *s = scalar(n->node), *end = NULL;
	uint64_t v;
	if (s == NULL || parse_u64(s, &v, &end) < 0 || *end != '\0')
		return od_yc_fail(yc, n,
		                  "expected a whole number from %" PRIu64
		                  " to %" PRIu64,
		                  min, max);
	if (v < min || v > max)
		return od_yc_fail(yc, n,
		                  "%" PRIu64 " is out of range (%" PRIu64
		                  "..%" PRIu64 ")",
		                  v, min, max);
	*out = v;
	return 0;
}

int od_yc_duration_ms(od_yc_t *yc, const od_ycn_t *n, uint64_t unit_ms,
                      uint64_t min_ms, uint64_t max_ms, uint64_t *out)
{
	const char *s = scalar(n->node), *end = NULL;
	uint64_t v, mul = unit_ms;
	if (s == NULL || parse_u64(s, &v, &end) < 0)
		goto bad;
	if (*end == '\0')
		mul = unit_ms;
	else if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else if (strcmp(end, "h") == 0)
		mul = 3600000;
	else if (strcmp(end, "d") == 0)
		mul = 86400000;
	else
		goto bad;
	if (v > max_ms / (mul ? mul : 1) + 1 || v * mul < min_ms ||
	    v * mul > max_ms)
		return od_yc_fail(yc, n,
		                  "'%s' is out of range (%" PRIu64
		                  "ms..%" PRIu64 "ms)",
		                  s, min_ms, max_ms);
	*out = v * mul;
	return 0;
bad:
	return od_yc_fail(yc, n,
	                  "expected a duration such as 500ms, 10s, 5m, 1h "
	                  "or 1d");
}

int od_yc_seq_len(od_yc_t *yc, const od_ycn_t *n)
{
	if (n->node->type == YAML_SCALAR_NODE)
		return 1;
	if (n->node->type != YAML_SEQUENCE_NODE)
		return od_yc_fail(yc, n, "expected a list");
	return (int)(n->node->data.sequence.items.top -
	             n->node->data.sequence.items.start);
}

void od_yc_seq_at(od_yc_t *yc, const od_ycn_t *n, int i, od_ycn_t *out)
{
	if (n->node->type == YAML_SCALAR_NODE) {
		*out = *n;
		return;
	}
	out->node = yaml_document_get_node(
	        &yc->doc, n->node->data.sequence.items.start[i]);
	node_path(out, n, NULL, i);
}
