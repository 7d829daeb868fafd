/* SPDX-License-Identifier: MIT */
/*
 * onedot-auth: the authoritative server. Loads the zones, starts the
 * workers (src/net), answers with the answer engine (answer.h), and
 * reloads on SIGHUP by building a new zone database and swapping it in,
 * so queries are never dropped and a bad zone file keeps the old version
 * serving. See docs/onedot-auth.md.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <openssl/crypto.h>

#include "auth/answer.h"
#include "auth/config.h"
#include "auth/journal.h"
#include "auth/notify.h"
#include "auth/rrl.h"
#include "auth/xfr.h"
#include "auth/zonedb.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/mm.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "lib/tsig.h"
#include "lib/zone/zone.h"
#include "net/net.h"

static const char usage_text[] =
        "usage: onedot-auth [-c FILE] [--listen ADDR[@PORT]]... "
        "[--zone ORIGIN:FILE]...\n"
        "                   [--workers N] [--check-config] "
        "[--log-level LEVEL]\n"
        "\n"
        "  -c, --config FILE   YAML configuration (docs/onedot-auth.md)\n"
        "  --listen ADDR[@PORT]  serve UDP and TCP there (default\n"
        "                      127.0.0.1@53); replaces server.listen\n"
        "  --zone ORIGIN:FILE  serve the zone in FILE (repeatable; adds\n"
        "                      to the zones of the config file)\n"
        "  --workers N         worker threads (default: one per CPU)\n"
        "  --log-level LEVEL   error, warn, info (default) or debug\n"
        "  --check-config      read the config and the zones, report, "
        "exit\n"
        "  -h, --help          this text\n"
        "\n"
        "signals: SIGHUP reloads the zones, SIGTERM/SIGINT stop.\n"
        "exit: 0 stopped cleanly, 1 startup failed, 2 usage error\n";

/*
 * What the workers read, published as one pointer so a zone and its
 * journal always match: the zone set and, per configured zone (same
 * index as conf.zones), its journal of differences for IXFR.
 */
typedef struct snapshot {
	od_authdb_t *db;
	od_journal_t **journals; /* conf.nzones entries, each may be NULL */
} snapshot_t;

typedef struct server {
	od_auth_conf_t conf;
	_Atomic(snapshot_t *) snap;
	od_net_t *net;
	od_rrl_t *rrl;       /* NULL: rate limiting off */
	od_tsig_key_t *keys; /* conf.nkeys */
	od_tsig_keyring_t keyring;
	od_acl_t *acls; /* per conf zone: allow-transfer */
} server_t;

static void snapshot_free(snapshot_t *snap, size_t nzones)
{
	if (snap == NULL)
		return;
	for (size_t i = 0; snap->journals && i < nzones; i++)
		od_journal_free(snap->journals[i]);
	free(snap->journals);
	od_authdb_free(snap->db);
	free(snap);
}

static int zone_index(const server_t *s, const uint8_t *origin)
{
	for (size_t i = 0; i < s->conf.nzones; i++)
		if (od_name_cmp(s->conf.zones[i].origin, origin) == 0)
			return (int)i;
	return -1;
}

typedef struct worker {
	server_t *srv;
	unsigned idx;
	od_arena_t arena;
} worker_t;

/* Zone loading ------------------------------------------------------ */

typedef struct load_ctx {
	const char *zone; /* origin text */
	unsigned errors;
} load_ctx_t;

static int on_zone_err(const od_zerr_t *e, void *ctx)
{
	load_ctx_t *lc = ctx;
	lc->errors++;
	od_log_error("zone file error",
	             "zone=%s file=%s line=%u col=%u "
	             "error=\"%s\"",
	             lc->zone, e->file ? e->file : "-", e->line, e->col,
	             e->msg ? e->msg : od_strerror(e->code));
	return 1;
}

/* Findings that make a zone unservable; the others are logged. */
static bool finding_fatal(od_zcheck_t code)
{
	switch (code) {
	case OD_ZC_NO_SOA:
	case OD_ZC_MULTI_SOA:
	case OD_ZC_NO_APEX_NS:
	case OD_ZC_CNAME_OTHER:
	case OD_ZC_MULTI_CNAME:
	case OD_ZC_SYNTAX:
		return true;
	default:
		return false;
	}
}

/* Load one zone; logs every problem with the zone and the line. */
static int load_zone(const od_auth_zone_conf_t *zc, od_authzone_t **out)
{
	char origin[OD_NAME_STRLEN];
	od_name_to_str(origin, sizeof(origin), zc->origin);
	load_ctx_t lc = { .zone = origin };
	od_zload_opts_t lo = { .origin = zc->origin,
		               .on_err = on_zone_err,
		               .ctx = &lc };
	od_zone_t *z = NULL;
	int r = od_zone_load_file(&z, zc->file, &lo);
	if (r < 0) {
		if (lc.errors == 0)
			od_log_error("cannot load zone",
			             "zone=%s file=%s error=\"%s\"", origin,
			             zc->file, od_strerror(r));
		return r;
	}
	size_t errors = 0;
	r = od_zone_check(z, &errors);
	bool fatal = r < 0;
	for (size_t i = 0; r >= 0 && i < z->nfindings; i++) {
		const od_zfinding_t *f = &z->findings[i];
		if (f->sev == OD_ZSEV_NOTE)
			continue;
		char owner[OD_NAME_STRLEN] = "";
		if (f->owner)
			od_name_to_str(owner, sizeof(owner), f->owner);
		bool bad = f->sev == OD_ZSEV_ERROR && finding_fatal(f->code);
		fatal = fatal || bad;
		od_log(bad ? OD_LOG_ERROR : OD_LOG_WARN,
		       bad ? "zone is not servable" : "zone problem",
		       "zone=%s file=%s line=%u owner=%s check=%s "
		       "detail=\"%s\"",
		       origin, f->file ? f->file : zc->file, f->line,
		       owner[0] ? owner : "-", od_zcheck_str(f->code),
		       f->msg ? f->msg : "");
	}
	if (fatal) {
		od_zone_free(z);
		return OD_EINVAL;
	}
	uint32_t serial = 0;
	od_zone_serial(z, &serial);
	r = od_authzone_new(out, z);
	if (r < 0) {
		od_log_error("cannot index zone", "zone=%s error=\"%s\"",
		             origin, od_strerror(r));
		return r;
	}
	od_log_info("zone loaded", "zone=%s serial=%u file=%s", origin, serial,
	            zc->file);
	return 0;
}

/*
 * Build a database for conf. With old (a reload), a zone that fails to
 * load keeps its old version; without, any failure fails the whole.
 */
static int build_db(const od_auth_conf_t *conf, od_authdb_t *old,
                    od_authdb_t **out)
{
	od_authdb_t *db = od_authdb_new();
	if (db == NULL)
		return OD_ENOMEM;
	int failed = 0;
	for (size_t i = 0; i < conf->nzones; i++) {
		const od_auth_zone_conf_t *zc = &conf->zones[i];
		od_authzone_t *az = NULL;
		int r = load_zone(zc, &az);
		if (r < 0 && old) {
			od_authzone_t *prev = od_authdb_get(old, zc->origin);
			char origin[OD_NAME_STRLEN];
			od_name_to_str(origin, sizeof(origin), zc->origin);
			if (prev) {
				od_log_error("reload failed, old version "
				             "keeps serving",
				             "zone=%s serial=%u", origin,
				             od_authzone_serial(prev));
				od_authzone_ref(prev);
				az = prev;
				r = 0;
			} else {
				od_log_error("reload failed, zone not served",
				             "zone=%s", origin);
				failed++;
				continue;
			}
		}
		if (r < 0) {
			failed++;
			continue;
		}
		r = od_authdb_add(db, az);
		od_authzone_unref(az);
		if (r < 0) {
			od_authdb_free(db);
			return r;
		}
	}
	if (failed && old == NULL) {
		od_authdb_free(db);
		return OD_EINVAL;
	}
	*out = db;
	return 0;
}

/* Serving ----------------------------------------------------------- */

static void *worker_init(unsigned idx, void *ctx)
{
	worker_t *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->srv = ctx;
	w->idx = idx;
	od_arena_init(&w->arena, 16384);
	return w;
}

static void worker_free(void *wctx, void *ctx)
{
	worker_t *w = wctx;
	(void)ctx;
	if (w == NULL)
		return;
	od_arena_deinit(&w->arena);
	free(w);
}

static int emit_msg(void *ctx, const uint8_t *msg, size_t len)
{
	return od_net_emit(ctx, msg, len) < 0 ? 1 : 0;
}

static int answer_xfr(server_t *s, const snapshot_t *snap,
                      const od_net_query_t *q, const od_auth_info_t *info,
                      uint8_t *out, size_t cap)
{
	const od_zone_t *z = info->zone ? od_authzone_zone(info->zone) : NULL;
	int zi = z ? zone_index(s, z->origin) : -1;
	od_xfr_req_t req = { .query = q->wire,
		             .qlen = q->len,
		             .peer = q->peer,
		             .tcp = q->tr == OD_TR_TCP,
		             .zone = z,
		             .journal = zi >= 0 ? snap->journals[zi] : NULL,
		             .acl = zi >= 0 ? &s->acls[zi] : NULL,
		             .keys = &s->keyring,
		             .now = (uint64_t)time(NULL),
		             .emit = emit_msg,
		             .emit_ctx = (void *)q };
	od_xfr_info_t xi = { 0 };
	int len = od_xfr_answer(&req, out, cap, &xi);
	char origin[OD_NAME_STRLEN] = "-";
	if (z)
		od_name_to_str(origin, sizeof(origin), z->origin);
	static const char *const kinds[] = { "refused", "axfr", "ixfr",
		                             "up-to-date" };
	/* No client address: the transfer is named by zone and key. */
	od_log(xi.kind == OD_XFR_REFUSED ? OD_LOG_WARN : OD_LOG_INFO,
	       "zone transfer",
	       "zone=%s type=%s result=%s rcode=%s messages=%zu records=%zu "
	       "tsig=%s",
	       origin, xi.qtype == OD_TYPE_IXFR ? "IXFR" : "AXFR",
	       kinds[xi.kind <= OD_XFR_UPTODATE ? xi.kind : 0],
	       od_rcode_name(xi.rcode), xi.messages, xi.records,
	       xi.signed_ ? "yes" : (xi.tsig_error ? "bad" : "no"));
	return len;
}

/*
 * A query with a TSIG (RFC 8945): verify it, answer within the room the
 * signature leaves, sign the answer; a failed check is NOTAUTH (FORMERR
 * for a malformed MAC) carrying the TSIG error.
 */
static int answer_signed(server_t *s, const snapshot_t *snap, worker_t *w,
                         const od_net_query_t *q, const od_auth_opts_t *opts,
                         uint8_t *out, size_t cap, od_auth_info_t *info)
{
	od_pkt_t p;
	od_tsig_ctx_t ctx;
	uint64_t now = (uint64_t)time(NULL);
	if (od_pkt_parse(&p, q->wire, q->len, &w->arena.mm,
	                 OD_PKT_TRAILING_OK) != 0 ||
	    p.tsig == NULL || p.count[OD_QUESTION] != 1)
		return 0;
	int v = od_tsig_verify_query(&ctx, &s->keyring, q->wire, q->len, &p,
	                             now);
	size_t space = od_tsig_space(&ctx);
	size_t limit = cap;
	if (q->tr == OD_TR_UDP) {
		size_t client = p.opt ? p.edns.udp_size : 512;
		limit = client < 512 ? 512 : client;
		if (limit > s->conf.udp_max)
			limit = s->conf.udp_max;
	}
	if (limit <= space + OD_HDR_LEN)
		return 0;
	int len;
	if (v == 0) {
		len = od_auth_answer(snap->db, q->wire, q->len, opts, out,
		                     limit - space, &w->arena, info);
	} else {
		const od_question_t *qd = od_pkt_question(&p);
		od_hdr_t h = { .id = p.hdr.id,
			       .qr = true,
			       .opcode = p.hdr.opcode,
			       .rd = p.hdr.rd };
		od_pkt_w_t b;
		len = od_pkt_w_init(&b, out, limit - space, &h);
		if (len == 0)
			len = od_pkt_w_question(&b, qd->qname, qd->qtype,
			                        qd->qclass);
		od_pkt_w_rcode(&b, v == OD_ETSIG ? OD_RCODE_NOTAUTH
		                                 : OD_RCODE_FORMERR);
		if (len == 0)
			len = od_pkt_w_finish(&b);
		info->kind = OD_AK_ERROR;
		if (v != OD_ETSIG)
			return len > 0 ? len : 0;
	}
	if (len <= 0)
		return 0;
	len = od_tsig_sign_wire(&ctx, out, (size_t)len, limit, now);
	return len > 0 ? len : 0;
}

static int handle(void *wctx, const od_net_query_t *q, uint8_t *out, size_t cap)
{
	worker_t *w = wctx;
	server_t *s = w->srv;
	const snapshot_t *snap =
	        atomic_load_explicit(&s->snap, memory_order_acquire);
	od_auth_opts_t opts = { .udp_max = s->conf.udp_max,
		                .tcp = q->tr == OD_TR_TCP };
	od_auth_info_t info;
	int len = od_auth_answer(snap->db, q->wire, q->len, &opts, out, cap,
	                         &w->arena, &info);
	od_arena_reset(&w->arena);
	if (info.kind == OD_AK_XFR)
		return answer_xfr(s, snap, q, &info, out, cap);
	if (info.kind == OD_AK_NOTIFY)
		return od_notify_answer(q->wire, q->len, out, cap);
	if (info.tsig && len > 0) {
		len = answer_signed(s, snap, w, q, &opts, out, cap, &info);
		od_arena_reset(&w->arena);
	}
	if (s->rrl && q->tr == OD_TR_UDP && len > 12) {
		/* The response's question name is uncompressed at 12. */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		uint64_t now = (uint64_t)ts.tv_sec * 1000 +
		               (uint64_t)ts.tv_nsec / 1000000;
		const uint8_t *qname = (out[4] | out[5]) ? out + 12 : NULL;
		switch (od_rrl_check(s->rrl, q->peer, qname, &info, now)) {
		case OD_RRL_PASS:
			break;
		case OD_RRL_DROP:
			return 0;
		case OD_RRL_SLIP:
			return (int)od_rrl_slip(out, (size_t)len);
		}
	}
	return len;
}

/* Main -------------------------------------------------------------- */

/* NOTIFY one secondary (a thread of its own: it blocks on retries). */
typedef struct notify_job {
	od_notify_req_t req;
	struct sockaddr_storage to, from;
	uint8_t origin[OD_NAME_MAXLEN];
	uint8_t soa[512];
	char zone[OD_NAME_STRLEN];
	char target[80];
	uint32_t serial;
} notify_job_t;

static void *notify_thread(void *arg)
{
	notify_job_t *j = arg;
	od_notify_result_t res = { 0 };
	char err[200] = "";
	int r = od_notify_send(&j->req, &res, err, sizeof(err));
	if (r == 0)
		od_log(res.rcode == OD_RCODE_NOERROR ? OD_LOG_INFO
		                                     : OD_LOG_WARN,
		       "notify answered",
		       "zone=%s serial=%u secondary=%s "
		       "rcode=%s tries=%u",
		       j->zone, j->serial, j->target, od_rcode_name(res.rcode),
		       res.tries);
	else
		od_log_warn("notify failed",
		            "zone=%s serial=%u secondary=%s "
		            "error=\"%s\"",
		            j->zone, j->serial, j->target,
		            err[0] ? err : od_strerror(r));
	free(j);
	return NULL;
}

static void send_notifies(server_t *s, size_t zi, const od_zone_t *z)
{
	const od_auth_zone_conf_t *zc = &s->conf.zones[zi];
	const od_zrrset_t *soa = od_zone_soa(z);
	if (soa == NULL || soa->count != 1 || soa->rrs[0]->len > 512)
		return;
	for (size_t i = 0; i < zc->nnotify; i++) {
		notify_job_t *j = calloc(1, sizeof(*j));
		if (j == NULL)
			return;
		const od_listen_t *to = &zc->notify[i];
		memcpy(&j->to, &to->addr, to->len);
		memcpy(j->origin, z->origin, od_name_len(z->origin));
		memcpy(j->soa, soa->rrs[0]->data, soa->rrs[0]->len);
		od_name_to_str(j->zone, sizeof(j->zone), z->origin);
		od_sockaddr_str((const struct sockaddr *)&to->addr, j->target,
		                sizeof(j->target));
		od_zone_serial(z, &j->serial);
		j->req = (od_notify_req_t){ .to = (struct sockaddr *)&j->to,
			                    .tolen = to->len,
			                    .origin = j->origin,
			                    .soa = j->soa,
			                    .soa_len = soa->rrs[0]->len,
			                    .soa_ttl = soa->ttl };
		/* From our own listen address, so the secondary sees the
		   primary it knows (port 0: any). */
		for (size_t k = 0; k < s->conf.nlisten; k++) {
			const od_listen_t *l = &s->conf.listen[k];
			if (l->addr.ss_family != to->addr.ss_family)
				continue;
			memcpy(&j->from, &l->addr, l->len);
			if (j->from.ss_family == AF_INET)
				((struct sockaddr_in *)&j->from)->sin_port = 0;
			else
				((struct sockaddr_in6 *)&j->from)->sin6_port =
				        0;
			j->req.from = (struct sockaddr *)&j->from;
			j->req.fromlen = l->len;
			break;
		}
		pthread_t t;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &at, notify_thread, j) != 0) {
			od_log_warn("notify not sent", "zone=%s error=\"%s\"",
			            j->zone, "cannot start a thread");
			free(j);
		}
		pthread_attr_destroy(&at);
	}
}

/*
 * The journal of zone zi in the new snapshot: the old one moved over
 * when the serial is unchanged, the old one plus the difference when it
 * went up, none when it went down or the difference cannot be made (the
 * next IXFR is then answered in full). Returns whether the serial went up.
 */
static bool next_journal(server_t *s, size_t zi, snapshot_t *old,
                         snapshot_t *snap)
{
	const od_authzone_t *oaz =
	        od_authdb_get(old->db, s->conf.zones[zi].origin);
	const od_authzone_t *naz =
	        od_authdb_get(snap->db, s->conf.zones[zi].origin);
	if (naz == NULL)
		return false;
	if (oaz == NULL || oaz == naz ||
	    od_authzone_serial(oaz) == od_authzone_serial(naz)) {
		/* Same version (or one that cannot be told apart by its
		   serial): the history stays valid. */
		snap->journals[zi] = oaz ? old->journals[zi] : NULL;
		old->journals[zi] = oaz ? NULL : old->journals[zi];
		return false;
	}
	char origin[OD_NAME_STRLEN];
	od_name_to_str(origin, sizeof(origin), s->conf.zones[zi].origin);
	od_jdiff_t *d = NULL;
	int r = od_journal_diff(&d, od_authzone_zone(oaz),
	                        od_authzone_zone(naz));
	if (r == 0)
		r = od_journal_add(&snap->journals[zi], old->journals[zi], d,
		                   NULL);
	if (r == OD_ERANGE)
		od_log_warn("serial went down: secondaries keep the old "
		            "version until they transfer in full",
		            "zone=%s old=%u new=%u", origin,
		            od_authzone_serial(oaz), od_authzone_serial(naz));
	else if (r < 0)
		od_log_warn("no journal entry for this change",
		            "zone=%s error=\"%s\"", origin, od_strerror(r));
	return r != OD_ERANGE;
}

static int reload(server_t *s)
{
	od_log_info("reloading zones", NULL);
	snapshot_t *old = atomic_load(&s->snap);
	snapshot_t *snap = calloc(1, sizeof(*snap));
	if (snap == NULL ||
	    (snap->journals = calloc(s->conf.nzones + 1,
	                             sizeof(*snap->journals))) == NULL) {
		free(snap);
		od_log_error("reload failed", "error=\"%s\"",
		             od_strerror(OD_ENOMEM));
		return OD_ENOMEM;
	}
	int r = build_db(&s->conf, old->db, &snap->db);
	if (r < 0) {
		od_log_error("reload failed", "error=\"%s\"", od_strerror(r));
		snapshot_free(snap, s->conf.nzones);
		return r;
	}
	bool *changed = calloc(s->conf.nzones + 1, sizeof(bool));
	for (size_t i = 0; i < s->conf.nzones; i++) {
		bool up = next_journal(s, i, old, snap);
		if (changed)
			changed[i] = up;
	}
	atomic_store_explicit(&s->snap, snap, memory_order_release);
	od_net_synchronize(s->net);
	snapshot_free(old, s->conf.nzones);
	for (size_t i = 0; changed && i < s->conf.nzones; i++) {
		const od_authzone_t *az =
		        od_authdb_get(snap->db, s->conf.zones[i].origin);
		if (changed[i] && az)
			send_notifies(s, i, od_authzone_zone(az));
	}
	free(changed);
	od_log_info("reload done", "zones=%zu", od_authdb_count(snap->db));
	return 0;
}

/* Keys and transfer ACLs from the configuration. */
static int setup_xfr(server_t *s)
{
	char err[300];
	s->keys = calloc(s->conf.nkeys + 1, sizeof(*s->keys));
	s->acls = calloc(s->conf.nzones + 1, sizeof(*s->acls));
	if (s->keys == NULL || s->acls == NULL) {
		od_log_error("startup failed", "error=\"%s\"",
		             od_strerror(OD_ENOMEM));
		return OD_ENOMEM;
	}
	for (size_t i = 0; i < s->conf.nkeys; i++) {
		const od_auth_key_conf_t *k = &s->conf.keys[i];
		if (od_tsig_key_set(&s->keys[i], k->name, k->algorithm,
		                    k->secret, err, sizeof(err)) < 0) {
			fprintf(stderr, "onedot-auth: keys[%zu] (%s): %s\n", i,
			        k->name, err);
			return OD_EINVAL;
		}
	}
	s->keyring = (od_tsig_keyring_t){ .keys = s->keys, .n = s->conf.nkeys };
	for (size_t i = 0; i < s->conf.nzones; i++) {
		const od_auth_zone_conf_t *zc = &s->conf.zones[i];
		for (size_t a = 0; a < zc->nallow_transfer; a++) {
			if (od_acl_add(&s->acls[i], zc->allow_transfer[a], err,
			               sizeof(err)) < 0) {
				char o[OD_NAME_STRLEN];
				od_name_to_str(o, sizeof(o), zc->origin);
				fprintf(stderr,
				        "onedot-auth: zone %s: allow-transfer "
				        "'%s': %s\n",
				        o, zc->allow_transfer[a], err);
				return OD_EINVAL;
			}
		}
	}
	return 0;
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "onedot-auth: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return 2;
}

int main(int argc, char **argv)
{
	server_t s = { 0 };
	char err[600];
	const char *conf_file = NULL, *log_level = NULL, *workers_s = NULL;
	bool check_only = false;
	const char **listens = calloc((size_t)argc, sizeof(char *));
	const char **zones = calloc((size_t)argc, sizeof(char *));
	size_t nlistens = 0, nzones = 0;
	int ex = 1;
	if (listens == NULL || zones == NULL) {
		fprintf(stderr, "onedot-auth: out of memory\n");
		return 1;
	}
	od_auth_conf_init(&s.conf);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage_text, stdout);
			ex = 0;
			goto out;
		} else if (strcmp(a, "--check-config") == 0) {
			check_only = true;
			continue;
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			dst = &conf_file;
		} else if (strcmp(a, "--listen") == 0) {
			dst = &listens[nlistens++];
		} else if (strcmp(a, "--zone") == 0) {
			dst = &zones[nzones++];
		} else if (strcmp(a, "--workers") == 0) {
			dst = &workers_s;
		} else if (strcmp(a, "--log-level") == 0) {
			dst = &log_level;
		} else {
			ex = bad_usage("unknown argument '%s'", a);
			goto out;
		}
		if (++i >= argc) {
			ex = bad_usage("%s needs an argument", a);
			goto out;
		}
		*dst = argv[i];
	}
	if (conf_file &&
	    od_auth_conf_load(&s.conf, conf_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "onedot-auth: %s\n", err);
		goto out;
	}
	if (nlistens) {
		/* The command line replaces the file's listeners. */
		s.conf.nlisten = 0;
		for (size_t i = 0; i < nlistens; i++) {
			if (od_auth_conf_add_listen(&s.conf, listens[i]) < 0) {
				ex = bad_usage("--listen '%s': expected ADDR "
				               "or ADDR@PORT",
				               listens[i]);
				goto out;
			}
		}
	}
	for (size_t i = 0; i < nzones; i++) {
		if (od_auth_conf_add_zone_arg(&s.conf, zones[i], err,
		                              sizeof(err)) < 0) {
			ex = bad_usage("%s", err);
			goto out;
		}
	}
	if (workers_s) {
		char *end;
		unsigned long v = strtoul(workers_s, &end, 10);
		if (*workers_s < '0' || *workers_s > '9' || *end || v > 256) {
			ex = bad_usage("--workers '%s': expected 0..256",
			               workers_s);
			goto out;
		}
		s.conf.workers = (unsigned)v;
	}
	if (log_level) {
		od_log_level_t lvl;
		if (od_log_level_parse(log_level, &lvl) < 0) {
			ex = bad_usage("--log-level '%s': expected error, "
			               "warn, info or debug",
			               log_level);
			goto out;
		}
		s.conf.log_level = (int)lvl;
	}
	if (od_auth_conf_finish(&s.conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "onedot-auth: %s\n", err);
		goto out;
	}
	od_log_set_level((od_log_level_t)s.conf.log_level);
	if (s.conf.nzones == 0)
		od_log_warn("no zones configured: every query is refused",
		            NULL);

	if (setup_xfr(&s) < 0)
		goto out;
	snapshot_t *snap = calloc(1, sizeof(*snap));
	if (snap == NULL ||
	    (snap->journals = calloc(s.conf.nzones + 1,
	                             sizeof(*snap->journals))) == NULL) {
		free(snap);
		od_log_error("startup failed", "error=\"%s\"",
		             od_strerror(OD_ENOMEM));
		goto out;
	}
	if (build_db(&s.conf, NULL, &snap->db) < 0) {
		snapshot_free(snap, s.conf.nzones);
		od_log_error("startup failed: a zone cannot be loaded", NULL);
		goto out;
	}
	atomic_store(&s.snap, snap);
	od_authdb_t *db = snap->db;
	if (check_only) {
		printf("onedot-auth: configuration ok, %zu zones\n",
		       od_authdb_count(db));
		ex = 0;
		goto out;
	}

	if (s.conf.rrl) {
		od_rrl_conf_t rc = { .rate = s.conf.rrl_rate,
			             .slip = s.conf.rrl_slip,
			             .v4_prefix = (uint8_t)s.conf.rrl_v4_prefix,
			             .v6_prefix =
			                     (uint8_t)s.conf.rrl_v6_prefix };
		s.rrl = od_rrl_new(&rc);
		if (s.rrl == NULL) {
			od_log_error("startup failed: rate limiting", NULL);
			goto out;
		}
		od_log_info("response rate limiting on",
		            "rate=%u slip=%u ipv4-prefix=%u ipv6-prefix=%u",
		            rc.rate, rc.slip, rc.v4_prefix, rc.v6_prefix);
	}

	/* Signals go to the main thread only: block them before the
	   workers start (they inherit the mask), then wait for them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	od_net_conf_t nc = { .listen = s.conf.listen,
		             .nlisten = s.conf.nlisten,
		             .workers = s.conf.workers,
		             .tcp_idle_ms = s.conf.tcp_idle_ms,
		             .tcp_max_conns = s.conf.tcp_max_conns,
		             .handler = handle,
		             .worker_init = worker_init,
		             .worker_free = worker_free,
		             .ctx = &s };
	if (od_net_start(&s.net, &nc, err, sizeof(err)) < 0) {
		od_log_error("startup failed", "error=\"%s\"", err);
		goto out;
	}
	for (size_t i = 0; i < s.conf.nlisten; i++) {
		char a[80];
		od_sockaddr_str((struct sockaddr *)&s.conf.listen[i].addr, a,
		                sizeof(a));
		od_log_info("listening", "addr=%s transports=udp,tcp", a);
	}
	od_log_info("started", "zones=%zu workers=%u", od_authdb_count(db),
	            s.conf.workers);
	for (;;) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload(&s);
			continue;
		}
		od_log_info("stopping", "signal=%s",
		            sig == SIGTERM ? "TERM" : "INT");
		break;
	}
	od_net_stop(s.net);
	ex = 0;
out:
	snapshot_free(atomic_load(&s.snap), s.conf.nzones);
	for (size_t i = 0; s.acls && i < s.conf.nzones; i++)
		od_acl_clear(&s.acls[i]);
	free(s.acls);
	if (s.keys)
		OPENSSL_cleanse(s.keys, (s.conf.nkeys + 1) * sizeof(*s.keys));
	free(s.keys);
	od_rrl_free(s.rrl);
	od_auth_conf_free(&s.conf);
	free(listens);
	free(zones);
	return ex;
}
