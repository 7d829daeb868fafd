#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Seeds tests/fuzz/corpus/rdata_text/ from the presentation vectors of
tests/unit/lib/test_rdata_text.c: each file is a 2-byte type selector
(0x8000 + type number, see fuzz_rdata_text.c) followed by the RDATA text.
Output is the same on every run."""
import os
import re
import struct

import dns.rdatatype

here = os.path.dirname(os.path.abspath(__file__))
src = open(os.path.join(here, "../unit/lib/test_rdata_text.c")).read()
out = os.path.join(here, "corpus/rdata_text")
os.makedirs(out, exist_ok=True)
n = 0
for m in re.finditer(r'\{\s*"([A-Z0-9-]+)",\s*((?:"(?:[^"\\]|\\.)*"\s*)+),',
                     src):
    mnemonic = m.group(1)
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
    text = "".join(parts)
    try:
        rtype = int(dns.rdatatype.from_text(mnemonic))
    except Exception:
        continue
    if rtype >= 0x8000:
        continue  # TA and DLV: the selector cannot name them directly
    raw = text.encode("latin-1").decode("unicode_escape").encode("latin-1")
    with open(os.path.join(out, "seed-%03d" % n), "wb") as f:
        f.write(struct.pack("!H", 0x8000 + rtype) + raw)
    n += 1
print("%d seeds" % n)
