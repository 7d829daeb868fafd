/* SPDX-License-Identifier: MIT */
/* onedot-zone: declarations shared by the command files. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/name.h"
#include "lib/zone/zone.h"

enum {
	EXIT_OK = 0,
	EXIT_PROBLEM = 1,
	EXIT_USAGE = 2
};

/* Key file texts are small; this bounds what is read. */
#define KEYFILE_MAX (64 * 1024)

typedef enum {
	CMD_CHECK,
	CMD_PRINT,
	CMD_ZONEMD
} cmd_t;

typedef struct args {
	cmd_t cmd;
	const char *file;
	const char *origin_str;
	uint8_t origin[OD_NAME_MAXLEN];
	bool have_origin;
	bool parse_only;
	uint8_t hash;
} args_t;

void usage(FILE *fp);
int bad_usage(const char *fmt, const char *arg);
const char *display_name(const char *file);
int slurp(FILE *fp, char **out, size_t *len);
int load_zone(const args_t *a, bool keep_going, od_zone_t **out);
const char *hash_name(uint8_t hash);
int parse_hash(const char *s, uint8_t *hash);
int parse_u32(const char *s, uint32_t *out);
int read_text_file(const char *path, char **text, size_t *len);
int parse_keyfile(const char *text, size_t len, uint8_t *owner, bool *have_ttl,
                  uint32_t *ttl, uint8_t *rdata, size_t rdcap,
                  const char **why);

/* Signature time: YYYYMMDDHHmmSS (RFC 4034 §3.2) or seconds since the
   epoch, modulo 2^32. Returns 0, or -1 for bad text. */
int parse_sigtime(const char *s, uint32_t *out);

int cmd_keygen(int argc, char **argv);
int cmd_ds(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
