/* SPDX-License-Identifier: MIT */
#include "auth/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "conf/listen.h"
#include "conf/yconf.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/tsig.h"

void od_auth_conf_init(od_auth_conf_t *c)
{
	*c = (od_auth_conf_t){
		.udp_max = 1232,
		.tcp_idle_ms = 10000,
		.tcp_max_conns = 1024,
		.rrl_rate = 20,
		.rrl_slip = 2,
		.rrl_v4_prefix = 24,
		.rrl_v6_prefix = 56,
		.log_level = OD_LOG_INFO,
	};
}

static void zone_conf_free(od_auth_zone_conf_t *z)
{
	free(z->file);
	free(z->notify);
	for (size_t i = 0; i < z->nallow_transfer; i++)
		free(z->allow_transfer[i]);
	free(z->allow_transfer);
}

void od_auth_conf_free(od_auth_conf_t *c)
{
	free(c->listen);
	free(c->state_dir);
	free(c->control);
	for (size_t i = 0; i < c->nzones; i++)
		zone_conf_free(&c->zones[i]);
	free(c->zones);
	for (size_t i = 0; i < c->nkeys; i++) {
		free(c->keys[i].name);
		free(c->keys[i].algorithm);
		free(c->keys[i].secret);
	}
	free(c->keys);
	od_auth_conf_init(c);
}

static int grow(void **arr, size_t n, size_t size)
{
	/* Arrays grow one element at a time: configs are small. */
	void *p = realloc(*arr, (n + 1) * size);
	if (p == NULL)
		return OD_ENOMEM;
	*arr = p;
	memset((char *)p + n * size, 0, size);
	return 0;
}

int od_auth_conf_add_listen(od_auth_conf_t *c, const char *s)
{
	return od_listen_append(&c->listen, &c->nlisten, s, 53);
}

static int add_zone(od_auth_conf_t *c, const uint8_t *origin, const char *file)
{
	if (grow((void **)&c->zones, c->nzones, sizeof(*c->zones)) < 0)
		return OD_ENOMEM;
	od_auth_zone_conf_t *z = &c->zones[c->nzones];
	memcpy(z->origin, origin, od_name_len(origin));
	z->file = strdup(file);
	if (z->file == NULL)
		return OD_ENOMEM;
	c->nzones++;
	return 0;
}

int od_auth_conf_add_zone_arg(od_auth_conf_t *c, const char *arg, char *err,
                              size_t errlen)
{
	const char *colon = strchr(arg, ':');
	uint8_t origin[OD_NAME_MAXLEN];
	if (colon == NULL || colon == arg || colon[1] == '\0') {
		snprintf(err, errlen, "--zone '%s': expected ORIGIN:FILE", arg);
		return OD_EINVAL;
	}
	if (od_name_from_str(origin, arg, (size_t)(colon - arg),
	                     (const uint8_t *)"") < 0) {
		snprintf(err, errlen, "--zone '%s': bad origin", arg);
		return OD_EINVAL;
	}
	int r = add_zone(c, origin, colon + 1);
	if (r < 0)
		snprintf(err, errlen, "%s", od_strerror(r));
	return r;
}

static int str_list(od_yc_t *yc, const od_ycn_t *n, char ***out, size_t *cnt)
{
	int len = od_yc_seq_len(yc, n);
	if (len < 0)
		return len;
	for (int i = 0; i < len; i++) {
		od_ycn_t it;
		const char *s;
		od_yc_seq_at(yc, n, i, &it);
		if (od_yc_str(yc, &it, &s) < 0)
			return OD_EINVAL;
		if (grow((void **)out, *cnt, sizeof(char *)) < 0)
			return OD_ENOMEM;
		if (((*out)[*cnt] = strdup(s)) == NULL)
			return OD_ENOMEM;
		(*cnt)++;
	}
	return 0;
}

static int load_server(od_auth_conf_t *c, od_yc_t *yc, const od_ycn_t *m)
{
	static const char *const keys[] = { "listen",
		                            "workers",
		                            "udp-max-size",
		                            "tcp-idle-timeout",
		                            "tcp-max-connections",
		                            "log-level",
		                            "log-target",
		                            "rrl",
		                            "state-dir",
		                            "control",
		                            "metrics",
		                            NULL };
	od_ycn_t v;
	uint64_t u;
	if (od_yc_keys(yc, m, keys) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, m, "listen", &v) &&
	    od_yc_listen_list(yc, &v, 53, &c->listen, &c->nlisten) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, m, "workers", &v)) {
		if (od_yc_uint(yc, &v, 0, 256, &u) < 0)
			return OD_EINVAL;
		c->workers = (unsigned)u;
	}
	if (od_yc_get(yc, m, "udp-max-size", &v)) {
		if (od_yc_uint(yc, &v, 512, 4096, &u) < 0)
			return OD_EINVAL;
		c->udp_max = (uint16_t)u;
	}
	if (od_yc_get(yc, m, "tcp-idle-timeout", &v)) {
		if (od_yc_duration_ms(yc, &v, 1000, 100, 3600000, &u) < 0)
			return OD_EINVAL;
		c->tcp_idle_ms = (unsigned)u;
	}
	if (od_yc_get(yc, m, "tcp-max-connections", &v)) {
		if (od_yc_uint(yc, &v, 1, 1000000, &u) < 0)
			return OD_EINVAL;
		c->tcp_max_conns = (unsigned)u;
	}
	if (od_yc_get(yc, m, "log-level", &v)) {
		const char *s;
		od_log_level_t lvl;
		if (od_yc_str(yc, &v, &s) < 0)
			return OD_EINVAL;
		if (od_log_level_parse(s, &lvl) < 0)
			return od_yc_fail(
			        yc, &v, "expected error, warn, info or debug");
		c->log_level = (int)lvl;
	}
	if (od_yc_get(yc, m, "log-target", &v)) {
		const char *s;
		od_log_target_t t;
		if (od_yc_str(yc, &v, &s) < 0)
			return OD_EINVAL;
		if (od_log_target_parse(s, &t) < 0)
			return od_yc_fail(yc, &v, "expected stderr or syslog");
		c->log_target = (int)t;
	}
	const struct {
		const char *key;
		char **dst;
	} paths[] = { { "state-dir", &c->state_dir },
		      { "control", &c->control } };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *s;
		char e[200];
		if (!od_yc_get(yc, m, paths[i].key, &v))
			continue;
		if (od_yc_str(yc, &v, &s) < 0)
			return OD_EINVAL;
		int r = od_auth_conf_set_path(c, paths[i].dst, s, e, sizeof(e));
		if (r == OD_ENOMEM)
			return r;
		if (r < 0)
			return od_yc_fail(yc, &v, "%s", e);
	}
	if (od_yc_get(yc, m, "metrics", &v)) {
		const char *s;
		char e[200];
		if (od_yc_str(yc, &v, &s) < 0)
			return OD_EINVAL;
		if (od_auth_conf_set_metrics(c, s, e, sizeof(e)) < 0)
			return od_yc_fail(yc, &v, "%s", e);
	}
	if (od_yc_get(yc, m, "rrl", &v)) {
		static const char *const rk[] = { "enable",      "rate",
			                          "slip",        "ipv4-prefix",
			                          "ipv6-prefix", NULL };
		od_ycn_t x;
		if (od_yc_keys(yc, &v, rk) < 0)
			return OD_EINVAL;
		if (od_yc_get(yc, &v, "enable", &x) &&
		    od_yc_bool(yc, &x, &c->rrl) < 0)
			return OD_EINVAL;
		struct {
			const char *key;
			uint64_t min, max;
			unsigned *dst;
		} f[] = {
			{ "rate", 1, 1000000, &c->rrl_rate },
			{ "slip", 0, 10, &c->rrl_slip },
			{ "ipv4-prefix", 8, 32, &c->rrl_v4_prefix },
			{ "ipv6-prefix", 16, 128, &c->rrl_v6_prefix },
		};
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			if (!od_yc_get(yc, &v, f[i].key, &x))
				continue;
			if (od_yc_uint(yc, &x, f[i].min, f[i].max, &u) < 0)
				return OD_EINVAL;
			*f[i].dst = (unsigned)u;
		}
	}
	return 0;
}

static int load_zones(od_auth_conf_t *c, od_yc_t *yc, const od_ycn_t *n)
{
	static const char *const keys[] = { "origin", "file", "notify",
		                            "allow-transfer", NULL };
	int len = od_yc_seq_len(yc, n);
	if (len < 0)
		return len;
	if (n->node->type != YAML_SEQUENCE_NODE)
		return od_yc_fail(yc, n, "expected a list of zones");
	for (int i = 0; i < len; i++) {
		od_ycn_t z, v;
		const char *origin_s, *file;
		uint8_t origin[OD_NAME_MAXLEN];
		od_yc_seq_at(yc, n, i, &z);
		if (od_yc_keys(yc, &z, keys) < 0)
			return OD_EINVAL;
		if (!od_yc_get(yc, &z, "origin", &v))
			return od_yc_fail(yc, &z, "'origin' is missing");
		if (od_yc_str(yc, &v, &origin_s) < 0)
			return OD_EINVAL;
		if (od_name_from_str(origin, origin_s, strlen(origin_s),
		                     (const uint8_t *)"") < 0)
			return od_yc_fail(yc, &v, "'%s' is not a domain name",
			                  origin_s);
		if (!od_yc_get(yc, &z, "file", &v))
			return od_yc_fail(yc, &z, "'file' is missing");
		if (od_yc_str(yc, &v, &file) < 0)
			return OD_EINVAL;
		if (add_zone(c, origin, file) < 0)
			return OD_ENOMEM;
		od_auth_zone_conf_t *zc = &c->zones[c->nzones - 1];
		if (od_yc_get(yc, &z, "notify", &v) &&
		    od_yc_listen_list(yc, &v, 53, &zc->notify, &zc->nnotify) <
		            0)
			return OD_EINVAL;
		if (od_yc_get(yc, &z, "allow-transfer", &v) &&
		    str_list(yc, &v, &zc->allow_transfer,
		             &zc->nallow_transfer) < 0)
			return OD_EINVAL;
		/* keys come first in od_auth_conf_load: a reference to a key
		   that does not exist names its line. */
		for (size_t a = 0; a < zc->nallow_transfer; a++) {
			const char *at = zc->allow_transfer[a];
			const char *kn = strstr(at, " key ");
			if (kn == NULL)
				continue;
			kn += 5;
			while (*kn == ' ')
				kn++;
			bool found = false;
			for (size_t j = 0; j < c->nkeys && !found; j++)
				found = strcmp(c->keys[j].name, kn) == 0;
			if (!found)
				return od_yc_fail(yc, &v,
				                  "'%s': no key named '%s' in "
				                  "keys",
				                  at, kn);
		}
	}
	return 0;
}

static int load_keys(od_auth_conf_t *c, od_yc_t *yc, const od_ycn_t *n)
{
	static const char *const keys[] = { "name", "algorithm", "secret",
		                            NULL };
	int len = od_yc_seq_len(yc, n);
	if (len < 0)
		return len;
	if (n->node->type != YAML_SEQUENCE_NODE)
		return od_yc_fail(yc, n, "expected a list of keys");
	for (int i = 0; i < len; i++) {
		od_ycn_t k, v;
		od_yc_seq_at(yc, n, i, &k);
		if (od_yc_keys(yc, &k, keys) < 0)
			return OD_EINVAL;
		if (grow((void **)&c->keys, c->nkeys, sizeof(*c->keys)) < 0)
			return OD_ENOMEM;
		od_auth_key_conf_t *kc = &c->keys[c->nkeys++];
		const char *names[] = { "name", "algorithm", "secret" };
		char **dst[] = { &kc->name, &kc->algorithm, &kc->secret };
		for (int j = 0; j < 3; j++) {
			const char *s;
			if (!od_yc_get(yc, &k, names[j], &v)) {
				if (j == 1) {
					s = "hmac-sha256";
				} else {
					return od_yc_fail(yc, &k,
					                  "'%s' is missing",
					                  names[j]);
				}
			} else if (od_yc_str(yc, &v, &s) < 0) {
				return OD_EINVAL;
			}
			if ((*dst[j] = strdup(s)) == NULL)
				return OD_ENOMEM;
		}
		/* Checked here, so that a bad key names its line. */
		od_tsig_key_t t;
		char msg[200];
		int r = od_tsig_key_set(&t, kc->name, kc->algorithm, kc->secret,
		                        msg, sizeof(msg));
		if (r < 0) {
			const char *at = r == OD_ESYNTAX   ? "name"
			                 : r == OD_ENOTSUP ? "algorithm"
			                                   : "secret";
			if (!od_yc_get(yc, &k, at, &v))
				v = k;
			return od_yc_fail(yc, &v, "%s", msg);
		}
	}
	return 0;
}

int od_auth_conf_load(od_auth_conf_t *c, const char *path, char *err,
                      size_t errlen)
{
	static const char *const top[] = { "server", "zones", "keys", NULL };
	od_yc_t yc;
	od_ycn_t root, v;
	int r = od_yc_load(&yc, path, &root);
	if (r == 0)
		r = od_yc_keys(&yc, &root, top);
	if (r == 0 && od_yc_get(&yc, &root, "server", &v))
		r = load_server(c, &yc, &v);
	if (r == 0 && od_yc_get(&yc, &root, "keys", &v))
		r = load_keys(c, &yc, &v);
	if (r == 0 && od_yc_get(&yc, &root, "zones", &v))
		r = load_zones(c, &yc, &v);
	if (r == OD_ENOMEM && yc.err[0] == '\0')
		snprintf(yc.err, sizeof(yc.err), "%s: out of memory", path);
	if (r < 0)
		snprintf(err, errlen, "%s", yc.err);
	od_yc_free(&yc);
	return r;
}

int od_auth_conf_set_metrics(od_auth_conf_t *c, const char *s, char *err,
                             size_t errlen)
{
	od_listen_t l;
	if (od_listen_parse_endpoint(s, &l, err, errlen) < 0)
		return OD_EINVAL;
	c->metrics = l;
	c->metrics_on = true;
	return 0;
}

int od_auth_conf_set_path(od_auth_conf_t *c, char **which, const char *s,
                          char *err, size_t errlen)
{
	bool ctl = which == &c->control;
	if (*s == '\0') {
		snprintf(err, errlen, "expected a %s, not an empty string",
		         ctl ? "socket path" : "directory");
		return OD_EINVAL;
	}
	/* The default path (STATE_DIR/control.sock) is checked at start. */
	if (ctl && strlen(s) > ODA_CONTROL_PATH_MAX) {
		snprintf(err, errlen,
		         "'%s': a socket path has at most %d octets", s,
		         ODA_CONTROL_PATH_MAX);
		return OD_EINVAL;
	}
	char *d = strdup(s);
	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		return OD_ENOMEM;
	}
	free(*which);
	*which = d;
	return 0;
}

int od_auth_conf_finish(od_auth_conf_t *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nzones; i++) {
		for (size_t j = 0; j < i; j++) {
			if (od_name_cmp(c->zones[i].origin,
			                c->zones[j].origin) == 0) {
				char o[OD_NAME_STRLEN];
				od_name_to_str(o, sizeof(o),
				               c->zones[i].origin);
				snprintf(err, errlen, "zone %s is given twice",
				         o);
				return OD_EINVAL;
			}
		}
	}
	for (size_t i = 0; i < c->nzones; i++) {
		for (size_t a = 0; a < c->zones[i].nallow_transfer; a++) {
			const char *s = c->zones[i].allow_transfer[a];
			const char *k = strstr(s, " key ");
			if (k == NULL)
				continue;
			k += 5;
			while (*k == ' ')
				k++;
			bool found = false;
			for (size_t j = 0; j < c->nkeys; j++)
				found = found ||
				        strcmp(c->keys[j].name, k) == 0;
			if (!found) {
				snprintf(err, errlen,
				         "allow-transfer '%s': no key named "
				         "'%s' in keys",
				         s, k);
				return OD_EINVAL;
			}
		}
	}
	if (c->nlisten == 0 && od_auth_conf_add_listen(c, "127.0.0.1@53") < 0) {
		snprintf(err, errlen, "out of memory");
		return OD_ENOMEM;
	}
	return 0;
}
