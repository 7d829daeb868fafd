/* SPDX-License-Identifier: MIT */
/*
 * onedotctl: the control command of onedot and onedot-auth
 * (docs/onedotctl.md). Sends one request line over the daemon's control
 * socket and prints the JSON
 * response: as it is with --json, else as indented "key: value" lines
 * (cache show: the records in zone file form).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "auth/config.h"
#include "ctl/ctl.h"
#include "daemon/config.h"

/* Seconds to wait for the daemon's response. */
#define REPLY_WAIT 30

static const char usage_text[] =
        "usage: onedotctl [-s PATH | --state-dir DIR] [--json] COMMAND "
        "[ARG]...\n"
        "\n"
        "Controls onedot (the resolver) or onedot-auth (the authoritative\n"
        "server) through the daemon's control socket.\n"
        "\n"
        "  -s, --socket PATH   the daemon's control socket (default: "
        "onedot's,\n"
        "                      " ODD_STATE_DIR_DEFAULT "/" ODD_CONTROL_FILE
        "; onedot-auth's is\n"
        "                      " ODA_STATE_DIR_DEFAULT "/" ODA_CONTROL_FILE
        ")\n"
        "  --state-dir DIR     the socket is DIR/" ODD_CONTROL_FILE "\n"
        "  --json              print the daemon's JSON response as it is\n"
        "  -h, --help          this text\n"
        "\n"
        "commands of onedot:\n"
        "  status                        version, uptime, validation, "
        "trust anchors\n"
        "  stats                         query, cache and NSEC "
        "counters\n"
        "  cache show NAME [TYPE]        what the cache holds for NAME\n"
        "  cache flush NAME [--subtree]  forget NAME (and below it)\n"
        "  nta add NAME [DURATION]       negative trust anchor (RFC 7646)\n"
        "  nta remove NAME\n"
        "  nta list\n"
        "  trust-anchors                 RFC 5011 state of every key\n"
        "  localroot status              the local root copy: state, "
        "serial, expiry\n"
        "  localroot refresh             fetch a new copy now\n"
        "  localroot disable|enable      stop or resume answering from "
        "the copy\n"
        "  reload                        read the configuration again "
        "(as SIGHUP)\n"
        "\n"
        "commands of onedot-auth:\n"
        "  status                        version, uptime, zones, "
        "reloads\n"
        "  stats                         query, transfer, NOTIFY and RRL "
        "counters\n"
        "  reload                        read every zone file again\n"
        "  zone list                     zones with serial and load "
        "result\n"
        "  zone reload [NAME]            read NAME's file again (without "
        "NAME: all)\n"
        "  zone status NAME              serial, file, load result, "
        "DNSSEC, journal,\n"
        "                                transfers, NOTIFY\n"
        "\n"
        "exit: 0 done, 1 the daemon refused or cannot be reached, "
        "2 usage error\n";

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "onedotctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return 2;
}

/* JSON --------------------------------------------------------------- */

enum jtype {
	J_NULL,
	J_BOOL,
	J_NUM,
	J_STR,
	J_ARR,
	J_OBJ
};

typedef struct jval jval_t;
struct jval {
	enum jtype t;
	char *s;      /* J_STR: the string; J_NUM, J_BOOL: the text */
	char *key;    /* member name, in an object */
	jval_t *kids; /* J_ARR, J_OBJ: first element */
	jval_t *next; /* next sibling */
};

typedef struct jp {
	const char *p;
	int depth;
} jp_t;

static void jfree(jval_t *v)
{
	while (v) {
		jval_t *n = v->next;
		jfree(v->kids);
		free(v->s);
		free(v->key);
		free(v);
		v = n;
	}
}

static void skip_ws(jp_t *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static char *jstring(jp_t *j)
{
	if (*j->p != '"')
		return NULL;
	j->p++;
	size_t cap = strlen(j->p) + 1, n = 0;
	char *s = malloc(cap);
	if (s == NULL)
		return NULL;
	while (*j->p && *j->p != '"') {
		char c = *j->p++;
		if (c == '\\') {
			c = *j->p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'u': {
				unsigned u;
				if (sscanf(j->p, "%4x", &u) != 1)
					goto fail;
				j->p += 4;
				c = u < 0x80 ? (char)u : '?';
				break;
			}
			case '"':
			case '\\':
			case '/':
				break;
			default:
				goto fail;
			}
		}
		s[n++] = c;
	}
	if (*j->p != '"')
		goto fail;
	j->p++;
	s[n] = '\0';
	return s;
fail:
	free(s);
	return NULL;
}

static jval_t *jvalue(jp_t *j)
{
	skip_ws(j);
	if (++j->depth > 32)
		return NULL;
	jval_t *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return NULL;
	char c = *j->p;
	if (c == '{' || c == '[') {
		v->t = c == '{' ? J_OBJ : J_ARR;
		char end = c == '{' ? '}' : ']';
		jval_t **tail = &v->kids;
		j->p++;
		skip_ws(j);
		if (*j->p == end) {
			j->p++;
			goto done;
		}
		for (;;) {
			char *key = NULL;
			skip_ws(j);
			if (v->t == J_OBJ) {
				key = jstring(j);
				skip_ws(j);
				if (key == NULL || *j->p != ':') {
					free(key);
					goto fail;
				}
				j->p++;
			}
			jval_t *k = jvalue(j);
			if (k == NULL) {
				free(key);
				goto fail;
			}
			k->key = key;
			*tail = k;
			tail = &k->next;
			skip_ws(j);
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p != end)
				goto fail;
			j->p++;
			goto done;
		}
	}
	if (c == '"') {
		v->t = J_STR;
		if ((v->s = jstring(j)) == NULL)
			goto fail;
		goto done;
	}
	size_t n = strspn(j->p, "-+.0123456789eEtruefalsn");
	if (n == 0)
		goto fail;
	v->s = strndup(j->p, n);
	if (v->s == NULL)
		goto fail;
	j->p += n;
	if (strcmp(v->s, "null") == 0)
		v->t = J_NULL;
	else if (strcmp(v->s, "true") == 0 || strcmp(v->s, "false") == 0)
		v->t = J_BOOL;
	else if (strchr("-0123456789", v->s[0]))
		v->t = J_NUM;
	else
		goto fail;
done:
	j->depth--;
	return v;
fail:
	jfree(v);
	return NULL;
}

static jval_t *jget(const jval_t *obj, const char *key)
{
	for (jval_t *k = obj ? obj->kids : NULL; k; k = k->next)
		if (k->key && strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

/* Human output ------------------------------------------------------- */

static void indent(int n)
{
	for (int i = 0; i < n; i++)
		fputs("  ", stdout);
}

static bool scalar(const jval_t *v)
{
	return v->t != J_ARR && v->t != J_OBJ;
}

static void print_scalar(const jval_t *v)
{
	fputs(v->t == J_NULL ? "-" : v->s, stdout);
}

/* Objects as "key: value" lines, arrays as "- " items; the first member
   of an object in a list goes on its "- " line. */
static void print_tree(const jval_t *v, int depth, bool inline_first)
{
	for (const jval_t *k = v->kids; k; k = k->next) {
		if (!(inline_first && k == v->kids))
			indent(depth);
		if (v->t == J_ARR)
			fputs("- ", stdout);
		else
			printf("%s:", k->key);
		if (scalar(k)) {
			if (v->t == J_OBJ)
				putchar(' ');
			print_scalar(k);
			putchar('\n');
		} else if (k->kids == NULL) {
			puts(k->t == J_ARR ? " (none)" : " {}");
		} else if (v->t == J_ARR && k->t == J_OBJ) {
			print_tree(k, depth + 1, true);
		} else {
			putchar('\n');
			print_tree(k, depth + 1, false);
		}
	}
}

static void print_records(const jval_t *arr, const char *prefix)
{
	for (const jval_t *r = arr ? arr->kids : NULL; r; r = r->next)
		if (r->t == J_STR)
			printf("%s%s\n", prefix, r->s);
}

static const char *str_of(const jval_t *obj, const char *key)
{
	const jval_t *v = jget(obj, key);
	return v && v->s ? v->s : "-";
}

/* cache show: one header line per entry, then its records. */
static void print_cache_show(const jval_t *root)
{
	const jval_t *entries = jget(root, "entries");
	printf("%s: ", str_of(root, "name"));
	if (entries == NULL || entries->kids == NULL) {
		puts("nothing cached");
		return;
	}
	putchar('\n');
	for (const jval_t *e = entries->kids; e; e = e->next) {
		const jval_t *neg = jget(e, "negative");
		bool negative = neg && neg->s && strcmp(neg->s, "true") == 0;
		printf("  %s%s ttl=%s rank=%s security=%s",
		       negative ? "negative " : "",
		       jget(e, "type") && jget(e, "type")->s ? str_of(e, "type")
		                                             : "(any type)",
		       str_of(e, "ttl"), str_of(e, "rank"),
		       str_of(e, "security"));
		if (strcmp(str_of(e, "ede"), "0") != 0)
			printf(" ede=%s", str_of(e, "ede"));
		if (negative)
			printf(" rcode=%s zone=%s", str_of(e, "rcode"),
			       str_of(e, "zone"));
		putchar('\n');
		print_records(jget(e, "records"), "    ");
		print_records(jget(e, "rrsigs"), "    ");
		print_records(jget(e, "proof"), "    ");
	}
}

/* Main --------------------------------------------------------------- */

static int transact(const char *path, const char *req, char **resp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "onedotctl: socket path too long: %s\n", path);
		return 2;
	}
	memcpy(sa.sun_path, path, strlen(path));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr,
		        "onedotctl: the daemon is not running: cannot connect to "
		        "%s: %s\n",
		        path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	struct timeval tv = { .tv_sec = REPLY_WAIT };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	size_t len = strlen(req), off = 0;
	while (off < len) {
		ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (w <= 0) {
			fprintf(stderr, "onedotctl: %s: sending: %s\n", path,
			        strerror(errno));
			close(fd);
			return 1;
		}
		off += (size_t)w;
	}
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (buf && n + 1 == cap) {
			char *b = cap < OD_CTL_REPLY_MAX * 2
			                  ? realloc(buf, cap * 2)
			                  : NULL;
			if (b == NULL) {
				free(buf);
				buf = NULL;
			}
			buf = b;
			cap *= 2;
		}
		if (buf == NULL) {
			fprintf(stderr, "onedotctl: response too large\n");
			close(fd);
			return 1;
		}
		ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "onedotctl: %s: no response: %s\n",
			        path, strerror(errno));
			free(buf);
			close(fd);
			return 1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*resp = buf;
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = NULL, *state = NULL;
	bool json = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0 ||
		           strcmp(a, "--state-dir") == 0) {
			if (i + 1 >= argc)
				return bad_usage("%s needs an argument", a);
			if (strcmp(a, "--state-dir") == 0)
				state = argv[++i];
			else
				path = argv[++i];
		} else {
			return bad_usage("unknown option '%s'", a);
		}
	}
	if (i >= argc)
		return bad_usage("%s", "no command");
	char sock[ODD_CONTROL_PATH_MAX + 64];
	if (path == NULL) {
		snprintf(sock, sizeof(sock), "%s/%s",
		         state ? state : ODD_STATE_DIR_DEFAULT,
		         ODD_CONTROL_FILE);
		path = sock;
	}
	/* The request line: the words as given, blank-separated. */
	char req[OD_CTL_LINE_MAX + 1];
	size_t n = 0;
	for (int k = i; k < argc; k++) {
		size_t l = strlen(argv[k]);
		if (l == 0 || strpbrk(argv[k], " \t\r\n"))
			return bad_usage("argument '%s': empty or with blanks",
			                 argv[k]);
		if (n + l + 2 > sizeof(req))
			return bad_usage("%s", "request too long");
		memcpy(req + n, argv[k], l);
		n += l;
		req[n++] = k + 1 < argc ? ' ' : '\n';
	}
	req[n] = '\0';
	char *resp = NULL;
	int ex = transact(path, req, &resp);
	if (ex)
		return ex;
	jp_t jp = { .p = resp };
	jval_t *root = jvalue(&jp);
	const jval_t *ok = jget(root, "ok");
	if (root == NULL || root->t != J_OBJ || ok == NULL || ok->t != J_BOOL) {
		fprintf(stderr, "onedotctl: %s: malformed response: %.200s\n",
		        path, resp);
		jfree(root);
		free(resp);
		return 1;
	}
	ex = strcmp(ok->s, "true") == 0 ? 0 : 1;
	if (json) {
		fputs(resp, stdout);
		if (n == 0 || resp[strlen(resp) - 1] != '\n')
			putchar('\n');
	} else if (ex) {
		const jval_t *e = jget(root, "error");
		fprintf(stderr, "onedotctl: %s\n",
		        e && e->s ? e->s : "request failed");
	} else if (strcmp(argv[i], "cache") == 0 && i + 1 < argc &&
	           strcmp(argv[i + 1], "show") == 0) {
		print_cache_show(root);
	} else {
		/* Everything but "ok". */
		jval_t *first = root->kids;
		root->kids = ok->next;
		if (root->kids == NULL)
			puts("ok");
		print_tree(root, 0, false);
		root->kids = first;
	}
	jfree(root);
	free(resp);
	return ex;
}
