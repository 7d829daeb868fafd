/* SPDX-License-Identifier: MIT */
#include "auth/control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/error.h"
#include "lib/log.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"

/* Longest message of a failed reload (the control reply carries it). */
#define RELOAD_MSG 4096

static const char *const rcode_names[16] = {
	"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "RCODE11",
	"RCODE12",  "RCODE13", "RCODE14",  "RCODE15",
};

static const char *const xfr_names[ODA_XFR_KINDS] = { "refused", "axfr", "ixfr",
	                                              "up_to_date" };

static const char *dnssec_name(od_authzone_dnssec_t d)
{
	switch (d) {
	case OD_AZ_NSEC:
		return "nsec";
	case OD_AZ_NSEC3:
		return "nsec3";
	default:
		return "unsigned";
	}
}

static int bad_args(char *err, size_t errlen, const char *usage)
{
	snprintf(err, errlen, "usage: %s", usage);
	return OD_EINVAL;
}

static void put_name(od_sbuf_t *out, const uint8_t *name)
{
	char s[OD_NAME_STRLEN];
	if (od_name_to_str(s, sizeof(s), name) < 0)
		snprintf(s, sizeof(s), "?");
	od_ctl_json_str(out, s);
}

/* A wall clock time, or null for 0 (never). */
static void put_time(od_sbuf_t *out, int64_t t)
{
	if (t)
		od_sbuf_printf(out, "%lld", (long long)t);
	else
		od_sbuf_puts(out, "null");
}

/* The configured zone named by s (presentation form, the final dot
   optional), its name into name. Call under reload_lock.
   \return its index, or OD_EINVAL with err set. */
static int arg_zone(oda_server_t *s, const char *arg, uint8_t *name, char *err,
                    size_t errlen)
{
	static const uint8_t root[1] = { 0 };
	int r = od_name_from_str(name, arg, strlen(arg), root);
	if (r < 0) {
		snprintf(err, errlen, "'%s': not a domain name (%s)", arg,
		         od_strerror(r));
		return OD_EINVAL;
	}
	for (size_t i = 0; i < s->conf.nzones; i++)
		if (od_name_cmp(s->conf.zones[i].origin, name) == 0)
			return (int)i;
	snprintf(err, errlen, "no zone %s is configured", arg);
	return OD_EINVAL;
}

/* status ------------------------------------------------------------- */

static int cmd_status(void *ctx, int argc, char **argv, od_sbuf_t *out,
                      char *err, size_t errlen)
{
	oda_server_t *s = ctx;
	(void)argv;
	if (argc != 1)
		return bad_args(err, errlen, "status");
	int64_t now = (int64_t)time(NULL);
	pthread_mutex_lock(&s->reload_lock);
	oda_snapshot_t *snap = oda_snap(s);
	size_t failing = 0;
	for (size_t i = 0; i < s->conf.nzones; i++)
		failing += s->zstate[i]->result < 0;
	od_sbuf_printf(out,
	               ",\"version\":\"%s\",\"uptime\":%lld,\"workers\":%u,"
	               "\"zones\":%zu,\"zones_configured\":%zu,"
	               "\"zones_failing\":%zu,\"rrl\":%s,\"metrics\":%s,"
	               "\"reloads\":{\"ok\":%llu,\"failed\":%llu,"
	               "\"last\":",
	               ONEDOT_VERSION, (long long)(now - s->started),
	               s->nwstats, od_authdb_count(snap->db), s->conf.nzones,
	               failing, s->rt->rrl ? "true" : "false",
	               s->metrics_on ? "true" : "false",
	               (unsigned long long)s->reloads_ok,
	               (unsigned long long)s->reloads_failed);
	put_time(out, s->reload_last);
	od_sbuf_printf(out, ",\"last_result\":%s}",
	               s->reload_last == 0          ? "null"
	               : s->reload_last_result == 0 ? "\"ok\""
	                                            : "\"failed\"");
	pthread_mutex_unlock(&s->reload_lock);
	return 0;
}

/* stats -------------------------------------------------------------- */

typedef struct sums {
	uint64_t queries, dropped, rcode[16], udp, tcp;
	uint64_t rrl_dropped, rrl_slipped, notify_in, outside;
} sums_t;

static void sum_workers(oda_server_t *s, sums_t *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < s->nwstats; i++) {
		oda_wstats_t *w = &s->wstats[i];
		t->queries += oda_rd(&w->queries);
		t->dropped += oda_rd(&w->dropped);
		for (int k = 0; k < 16; k++)
			t->rcode[k] += oda_rd(&w->rcode[k]);
		for (int k = 0; k < ODA_QT_COUNT; k++) {
			t->udp += oda_rd(&w->qtype[0][k]);
			t->tcp += oda_rd(&w->qtype[1][k]);
		}
		t->rrl_dropped += oda_rd(&w->rrl_dropped);
		t->rrl_slipped += oda_rd(&w->rrl_slipped);
		t->notify_in += oda_rd(&w->notify_in);
	}
	t->outside = oda_outside_queries(s);
}

static int cmd_stats(void *ctx, int argc, char **argv, od_sbuf_t *out,
                     char *err, size_t errlen)
{
	oda_server_t *s = ctx;
	(void)argv;
	if (argc != 1)
		return bad_args(err, errlen, "stats");
	sums_t t;
	pthread_mutex_lock(&s->reload_lock);
	sum_workers(s, &t);
	uint64_t xfr[ODA_XFR_KINDS] = { 0 }, nok = 0, nfail = 0;
	/* Zones removed by a reload count too: totals never go down. */
	for (size_t i = 0; i < s->conf.nzones + s->nretired; i++) {
		oda_zstate_t *zs = i < s->conf.nzones
		                           ? s->zstate[i]
		                           : s->retired[i - s->conf.nzones];
		for (int k = 0; k < ODA_XFR_KINDS; k++)
			xfr[k] += oda_rd(&zs->xfr[k]);
		nok += oda_rd(&zs->notify_ok);
		nfail += oda_rd(&zs->notify_failed);
	}
	od_sbuf_printf(out,
	               ",\"queries\":%llu,\"udp\":%llu,\"tcp\":%llu,"
	               "\"outside_zones\":%llu,\"no_answer\":%llu,"
	               "\"answers\":{",
	               (unsigned long long)t.queries, (unsigned long long)t.udp,
	               (unsigned long long)t.tcp, (unsigned long long)t.outside,
	               (unsigned long long)t.dropped);
	bool first = true;
	for (int i = 0; i < 16; i++) {
		/* The usual ones always, the rest when seen. */
		if (t.rcode[i] == 0 && i > 5 && i != 9)
			continue;
		od_sbuf_printf(out, "%s\"%s\":%llu", first ? "" : ",",
		               rcode_names[i], (unsigned long long)t.rcode[i]);
		first = false;
	}
	od_sbuf_puts(out, "},\"transfers_out\":{");
	for (int k = 0; k < ODA_XFR_KINDS; k++)
		od_sbuf_printf(out, "%s\"%s\":%llu", k ? "," : "", xfr_names[k],
		               (unsigned long long)xfr[k]);
	od_sbuf_printf(out,
	               "},\"notify\":{\"received\":%llu,\"sent_answered\":"
	               "%llu,\"sent_failed\":%llu},\"rrl\":",
	               (unsigned long long)t.notify_in, (unsigned long long)nok,
	               (unsigned long long)nfail);
	if (s->rt->rrl)
		od_sbuf_printf(out, "{\"dropped\":%llu,\"slipped\":%llu}",
		               (unsigned long long)t.rrl_dropped,
		               (unsigned long long)t.rrl_slipped);
	else
		od_sbuf_puts(out, "null");
	pthread_mutex_unlock(&s->reload_lock);
	return 0;
}

/* reload ------------------------------------------------------------- */

/*
 * Run a reload (config: of the configuration too) of zone (NULL: all)
 * and report: what the configuration changed and the zones read, or an
 * error: the configuration refused (nothing changed), or every zone that
 * failed and why (the old versions keep serving).
 */
static int do_reload(oda_server_t *s, const uint8_t *zone, bool config,
                     od_sbuf_t *out, char *err, size_t errlen)
{
	err[0] = '\0';
	int r = s->reload(s, zone, config, out, err, errlen);
	if (r < 0 && err[0])
		return r;
	pthread_mutex_lock(&s->reload_lock);
	uint64_t gen = s->reload_gen;
	size_t tried = 0, failed = 0;
	for (size_t i = 0; i < s->conf.nzones; i++) {
		if (s->zstate[i]->attempt_gen != gen)
			continue;
		tried++;
		failed += s->zstate[i]->result < 0;
	}
	if (r == 0) {
		od_sbuf_printf(out, ",\"zones_loaded\":%zu,\"zones\":[", tried);
		size_t n = 0;
		oda_snapshot_t *snap = oda_snap(s);
		for (size_t i = 0; i < s->conf.nzones; i++) {
			if (s->zstate[i]->attempt_gen != gen)
				continue;
			const od_authzone_t *az = od_authdb_get(
			        snap->db, s->conf.zones[i].origin);
			od_sbuf_puts(out, n++ ? ",{\"name\":" : "{\"name\":");
			put_name(out, s->conf.zones[i].origin);
			od_sbuf_printf(out, ",\"serial\":%u}",
			               az ? od_authzone_serial(az) : 0);
		}
		od_sbuf_putc(out, ']');
		pthread_mutex_unlock(&s->reload_lock);
		return 0;
	}
	if (failed == 0) {
		pthread_mutex_unlock(&s->reload_lock);
		snprintf(err, errlen, "reload failed: %s", od_strerror(r));
		return r;
	}
	char *msg = malloc(RELOAD_MSG);
	if (msg == NULL) {
		pthread_mutex_unlock(&s->reload_lock);
		return OD_ENOMEM;
	}
	od_sbuf_t m;
	od_sbuf_init(&m, msg, RELOAD_MSG);
	od_sbuf_printf(&m, "%zu of %zu zones failed to load", failed, tried);
	oda_snapshot_t *snap = oda_snap(s);
	for (size_t i = 0; i < s->conf.nzones; i++) {
		const oda_zstate_t *zs = s->zstate[i];
		if (zs->attempt_gen != gen || zs->result >= 0)
			continue;
		char o[OD_NAME_STRLEN];
		od_name_to_str(o, sizeof(o), s->conf.zones[i].origin);
		const od_authzone_t *az =
		        od_authdb_get(snap->db, s->conf.zones[i].origin);
		od_sbuf_printf(&m, "; zone %s: %s", o, zs->error);
		if (az)
			od_sbuf_printf(&m, " (serial %u keeps serving)",
			               od_authzone_serial(az));
		else
			od_sbuf_puts(&m, " (not served)");
	}
	pthread_mutex_unlock(&s->reload_lock);
	snprintf(err, errlen, "%s", msg);
	free(msg);
	return OD_EINVAL;
}

static int cmd_reload(void *ctx, int argc, char **argv, od_sbuf_t *out,
                      char *err, size_t errlen)
{
	(void)argv;
	if (argc != 1)
		return bad_args(err, errlen, "reload");
	return do_reload(ctx, NULL, true, out, err, errlen);
}

/* zone --------------------------------------------------------------- */

static const char zone_usage[] =
        "zone list | zone reload [NAME] | zone status NAME";

static void put_load(od_sbuf_t *out, const oda_zstate_t *zs)
{
	od_sbuf_puts(out, ",\"loaded\":");
	put_time(out, zs->loaded);
	od_sbuf_puts(out, ",\"last_load\":{\"time\":");
	put_time(out, zs->attempted);
	od_sbuf_printf(out, ",\"result\":\"%s\",\"error\":",
	               zs->result < 0 ? "failed" : "ok");
	if (zs->result < 0)
		od_ctl_json_str(out, zs->error);
	else
		od_sbuf_puts(out, "null");
	od_sbuf_putc(out, '}');
}

static void zone_list(oda_server_t *s, od_sbuf_t *out)
{
	oda_snapshot_t *snap = oda_snap(s);
	od_sbuf_puts(out, ",\"zones\":[");
	for (size_t i = 0; i < s->conf.nzones; i++) {
		const od_auth_zone_conf_t *zc = &s->conf.zones[i];
		const od_authzone_t *az = od_authdb_get(snap->db, zc->origin);
		od_sbuf_puts(out, i ? ",{\"name\":" : "{\"name\":");
		put_name(out, zc->origin);
		if (az)
			od_sbuf_printf(out, ",\"serial\":%u,\"dnssec\":\"%s\"",
			               od_authzone_serial(az),
			               dnssec_name(od_authzone_dnssec(az)));
		else
			od_sbuf_puts(out, ",\"serial\":null,\"dnssec\":null");
		od_sbuf_puts(out, ",\"file\":");
		od_ctl_json_str(out, zc->file);
		put_load(out, s->zstate[i]);
		od_sbuf_putc(out, '}');
	}
	od_sbuf_putc(out, ']');
}

/* RRSIG RDATA: type covered (2), algorithm, labels, original TTL (4),
   expiration (4), inception (4), ... (RFC 4034 §3.1). */
#define RRSIG_EXPIRATION 8

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_dnssec(od_sbuf_t *out, const od_authzone_t *az)
{
	const od_zone_t *z = od_authzone_zone(az);
	od_authzone_dnssec_t d = od_authzone_dnssec(az);
	od_sbuf_printf(out, ",\"dnssec\":{\"state\":\"%s\"", dnssec_name(d));
	if (d == OD_AZ_UNSIGNED) {
		od_sbuf_putc(out, '}');
		return;
	}
	const od_zrrset_t *keys =
	        z->apex ? od_znode_rrset(z->apex, OD_TYPE_DNSKEY) : NULL;
	size_t nkeys = keys ? keys->count : 0, nsep = 0;
	for (size_t i = 0; i < nkeys; i++)
		nsep += keys->rrs[i]->len >= 2 && (keys->rrs[i]->data[1] & 1);
	/* Pre-signed: the signatures are the zone file's; the first to
	   expire says when the zone must be signed again. */
	size_t nsigs = 0;
	uint32_t first = 0;
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < z->nnodes; i++) {
		const od_zrrset_t *sigs =
		        od_znode_rrset(z->nodes[i], OD_TYPE_RRSIG);
		for (size_t k = 0; sigs && k < sigs->count; k++) {
			if (sigs->rrs[k]->len < RRSIG_EXPIRATION + 4)
				continue;
			uint32_t e =
			        get32(sigs->rrs[k]->data + RRSIG_EXPIRATION);
			/* RFC 4034 §3.1.5: serial arithmetic around now. */
			if (nsigs++ == 0 ||
			    (int32_t)(e - (uint32_t)now) <
			            (int32_t)(first - (uint32_t)now))
				first = e;
		}
	}
	od_sbuf_printf(out,
	               ",\"signing\":\"pre-signed\",\"dnskeys\":%zu,"
	               "\"sep_keys\":%zu,\"rrsigs\":%zu,"
	               "\"first_expiration\":",
	               nkeys, nsep, nsigs);
	if (nsigs)
		od_sbuf_printf(
		        out, "%lld",
		        (long long)(now + (int32_t)(first - (uint32_t)now)));
	else
		od_sbuf_puts(out, "null");
	const od_nsec3_params_t *p = od_authzone_nsec3_params(az);
	if (p) {
		od_sbuf_printf(out,
		               ",\"nsec3\":{\"algorithm\":%u,\"iterations\":"
		               "%u,\"salt\":\"",
		               p->alg, p->iterations);
		if (p->salt_len == 0)
			od_sbuf_putc(out, '-');
		else
			od_sbuf_hex(out, p->salt, p->salt_len, true, false);
		od_sbuf_puts(out, "\"}");
	}
	od_sbuf_putc(out, '}');
}

static void zone_status(oda_server_t *s, size_t zi, od_sbuf_t *out)
{
	const od_auth_zone_conf_t *zc = &s->conf.zones[zi];
	oda_zstate_t *zs = s->zstate[zi];
	oda_snapshot_t *snap = oda_snap(s);
	const od_authzone_t *az = od_authdb_get(snap->db, zc->origin);
	od_sbuf_puts(out, ",\"name\":");
	put_name(out, zc->origin);
	od_sbuf_puts(out, ",\"source\":\"file\",\"file\":");
	od_ctl_json_str(out, zc->file);
	od_sbuf_puts(out, ",\"served\":");
	if (az) {
		const od_zone_t *z = od_authzone_zone(az);
		od_sbuf_printf(out,
		               "true,\"serial\":%u,\"records\":%zu,"
		               "\"names\":%zu",
		               od_authzone_serial(az), z->stats.records,
		               z->nnodes);
	} else {
		od_sbuf_puts(out, "false,\"serial\":null");
	}
	put_load(out, zs);
	if (az)
		put_dnssec(out, az);
	else
		od_sbuf_puts(out, ",\"dnssec\":null");
	od_sbuf_printf(out, ",\"queries\":%llu",
	               (unsigned long long)oda_zone_queries(s, zi));
	/* The differences kept for IXFR. */
	const od_journal_t *j = snap->journals[zs->slot];
	size_t nj = od_journal_count(j);
	od_sbuf_printf(out, ",\"journal\":{\"differences\":%zu", nj);
	if (nj)
		od_sbuf_printf(out,
		               ",\"oldest_serial\":%u,\"newest_serial\":%u",
		               od_journal_at(j, 0)->serial_from,
		               od_journal_at(j, nj - 1)->serial_to);
	od_sbuf_puts(out, "},\"transfers_out\":{");
	for (int k = 0; k < ODA_XFR_KINDS; k++)
		od_sbuf_printf(out, "%s\"%s\":%llu", k ? "," : "", xfr_names[k],
		               (unsigned long long)oda_rd(&zs->xfr[k]));
	int64_t t = atomic_load_explicit(&zs->xfr_last, memory_order_relaxed);
	od_sbuf_puts(out, ",\"last\":");
	if (t) {
		int kind = atomic_load_explicit(&zs->xfr_last_kind,
		                                memory_order_relaxed);
		int rc = atomic_load_explicit(&zs->xfr_last_rcode,
		                              memory_order_relaxed);
		od_sbuf_printf(
		        out,
		        "{\"time\":%lld,\"result\":\"%s\","
		        "\"rcode\":",
		        (long long)t,
		        xfr_names[kind >= 0 && kind < ODA_XFR_KINDS ? kind : 0]);
		od_ctl_json_str(out, od_rcode_name((uint16_t)rc));
		od_sbuf_putc(out, '}');
	} else {
		od_sbuf_puts(out, "null");
	}
	od_sbuf_puts(out, "},\"allow_transfer\":[");
	for (size_t i = 0; i < zc->nallow_transfer; i++) {
		if (i)
			od_sbuf_putc(out, ',');
		od_ctl_json_str(out, zc->allow_transfer[i]);
	}
	od_sbuf_puts(out, "],\"notify\":{\"secondaries\":[");
	for (size_t i = 0; i < zc->nnotify; i++) {
		char a[80];
		if (od_sockaddr_str((const struct sockaddr *)&zc->notify[i].addr,
		                    a, sizeof(a)) < 0)
			snprintf(a, sizeof(a), "?");
		if (i)
			od_sbuf_putc(out, ',');
		od_ctl_json_str(out, a);
	}
	od_sbuf_printf(out, "],\"answered\":%llu,\"failed\":%llu,\"last\":",
	               (unsigned long long)oda_rd(&zs->notify_ok),
	               (unsigned long long)oda_rd(&zs->notify_failed));
	t = atomic_load_explicit(&zs->notify_last, memory_order_relaxed);
	if (t) {
		int rc = atomic_load_explicit(&zs->notify_last_rcode,
		                              memory_order_relaxed);
		od_sbuf_printf(out, "{\"time\":%lld,\"serial\":%u,\"rcode\":",
		               (long long)t,
		               atomic_load_explicit(&zs->notify_last_serial,
		                                    memory_order_relaxed));
		if (rc < 0)
			od_sbuf_puts(out, "null");
		else
			od_ctl_json_str(out, od_rcode_name((uint16_t)rc));
		od_sbuf_putc(out, '}');
	} else {
		od_sbuf_puts(out, "null");
	}
	od_sbuf_putc(out, '}');
}

static int cmd_zone(void *ctx, int argc, char **argv, od_sbuf_t *out, char *err,
                    size_t errlen)
{
	oda_server_t *s = ctx;
	if (argc < 2)
		return bad_args(err, errlen, zone_usage);
	if (strcmp(argv[1], "list") == 0 && argc == 2) {
		pthread_mutex_lock(&s->reload_lock);
		zone_list(s, out);
		pthread_mutex_unlock(&s->reload_lock);
		return 0;
	}
	if (strcmp(argv[1], "reload") == 0 && argc <= 3) {
		uint8_t name[OD_NAME_MAXLEN];
		if (argc == 3) {
			pthread_mutex_lock(&s->reload_lock);
			int zi = arg_zone(s, argv[2], name, err, errlen);
			pthread_mutex_unlock(&s->reload_lock);
			if (zi < 0)
				return zi;
		}
		/* The zone files only: the configuration stays. */
		return do_reload(s, argc == 3 ? name : NULL, false, out, err,
		                 errlen);
	}
	if (strcmp(argv[1], "status") == 0 && argc == 3) {
		uint8_t name[OD_NAME_MAXLEN];
		pthread_mutex_lock(&s->reload_lock);
		int zi = arg_zone(s, argv[2], name, err, errlen);
		if (zi >= 0)
			zone_status(s, (size_t)zi, out);
		pthread_mutex_unlock(&s->reload_lock);
		return zi < 0 ? zi : 0;
	}
	if (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "reload") != 0 &&
	    strcmp(argv[1], "status") != 0) {
		snprintf(err, errlen, "unknown zone command '%.40s' (%s)",
		         argv[1], zone_usage);
		return OD_EINVAL;
	}
	return bad_args(err, errlen, zone_usage);
}

static const od_ctl_cmd_t commands[] = {
	{ "status", cmd_status },
	{ "stats", cmd_stats },
	{ "reload", cmd_reload },
	{ "zone", cmd_zone },
};

int oda_control_path(const od_auth_conf_t *conf, char *out, size_t cap,
                     char *err, size_t errlen)
{
	return od_ctl_path(conf->control,
	                   conf->state_dir ? conf->state_dir
	                                   : ODA_STATE_DIR_DEFAULT,
	                   out, cap, err, errlen);
}

int oda_control_start(od_ctl_t **out, oda_server_t *s, const char *path,
                      char *err, size_t errlen)
{
	return od_ctl_start(out, path, commands,
	                    sizeof(commands) / sizeof(commands[0]), s, err,
	                    errlen);
}
