# SPDX-License-Identifier: MIT
"""onedot-zone sign with NSEC3 (RFC 5155, RFC 9276) and the NSEC/NSEC3 TTL
of RFC 9077, next to ldns and BIND.

- sign --nsec3 (algorithms 13, 15 and 8; empty or hex salt; 0 or 5
  iterations; with and without --opt-out) on a zone with a signed and two
  unsigned delegations, glue, empty non-terminals and a wildcard gives a
  zone that ldns-verify-zone and dnssec-verify accept;
- the NSEC3 owners are the ldns-nsec3-hash hashes of exactly the names
  that need one (authoritative names, delegations, empty non-terminals;
  no glue; no unsigned delegation with Opt-Out), the records form one
  ring, carry the parameters of the NSEC3PARAM at the apex, the right
  flags and type bitmaps, and are signed;
- with --zonemd the NSEC3-signed zone still verifies (ZONEMD included);
- NSEC and NSEC3 records get min(SOA TTL, SOA MINIMUM) as TTL (RFC 9077),
  for a SOA TTL below and above MINIMUM;
- bad NSEC3 options give a clear message and exit 2.

Tools that are not installed are skipped.
"""


import pytest

from ozone import oz, need as _need, run, keygen, record_lines  # noqa: F401 (oz is a fixture)


ORIGIN = "example."

# sub: signed delegation (DS) with glue; insec and x.y: unsigned
# delegations (insec with glue); a.b.c alone makes b.c and c empty
# non-terminals, x.y makes y one, *.wild makes wild one; MiXeD checks that
# owners are hashed in lower case.
ZONE = """$ORIGIN example.
$TTL 3600
@          SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
@          NS  ns1
ns1        A   192.0.2.1
www        A   192.0.2.2
MiXeD      TXT "case"
*.wild     TXT "wildcard"
sub        NS  ns.sub
sub        DS  12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.sub     A   192.0.2.3
insec      NS  ns.insec
ns.insec   A   192.0.2.4
a.b.c      TXT "deep"
x.y        NS  ns.elsewhere.net.
"""

# Names that exist in the zone and their types (before signing).
DATA_NAMES = {
    "example.": {"SOA", "NS"},
    "ns1.example.": {"A"},
    "www.example.": {"A"},
    "mixed.example.": {"TXT"},
    "*.wild.example.": {"TXT"},
    "sub.example.": {"NS", "DS"},
    "insec.example.": {"NS"},
    "a.b.c.example.": {"TXT"},
    "x.y.example.": {"NS"},
}
ENTS = {"wild.example.", "b.c.example.", "c.example.", "y.example."}
UNSIGNED_CUTS = {"insec.example.", "x.y.example."}
GLUE = {"ns.sub.example.", "ns.insec.example."}


def records(text):
    """(owner, ttl, type, rdata tokens) of each record line."""
    out = []
    for ln in record_lines(text):
        t = ln.split()
        assert t[2] == "IN", ln
        out.append((t[0].lower(), int(t[1]), t[3], t[4:]))
    return out


def nsec3_hash(name, iterations, salt):
    """The owner ldns-nsec3-hash computes for name, under the origin."""
    tool = _need("ldns-nsec3-hash")
    argv = [tool, "-t", str(iterations)]
    if salt:
        argv += ["-s", salt]
    argv.append(name)
    p = run(argv)
    assert p.returncode == 0, p.stderr
    label = p.stdout.strip().rstrip(".").lower()
    assert len(label) == 32, p.stdout
    return label + "." + ORIGIN


def sign(oz, tmp_path, alg, zone_text, extra, ksk_and_zsk=True):
    ksk = keygen(oz, alg, ORIGIN, tmp_path, ksk=True)
    keys = [str(tmp_path / ksk)]
    if ksk_and_zsk:
        keys.append(str(tmp_path / keygen(oz, alg, ORIGIN, tmp_path)))
    zone = tmp_path / "example.zone"
    zone.write_text(zone_text)
    p = run([oz, "sign", str(zone)] + keys + ["-o", ORIGIN] + extra)
    assert p.returncode == 0, p.stderr
    signed = tmp_path / "example.signed"
    signed.write_text(p.stdout)
    return p, signed


def peers_accept(signed, zonemd=False):
    verify = _need("ldns-verify-zone")
    p = run([verify] + (["-ZZ"] if zonemd else []) + [str(signed)])
    assert p.returncode == 0, p.stdout + p.stderr
    bind = _need("dnssec-verify")
    p = run([bind, "-o", ORIGIN, str(signed)])
    assert p.returncode == 0, p.stdout + p.stderr


PARAMS = [
    # salt option, salt as printed, iterations, opt-out
    (None, "-", 0, False),
    ("aabbccdd", "AABBCCDD", 5, False),
    ("-", "-", 0, True),
    ("0A1b", "0A1B", 5, True),
]


@pytest.mark.parametrize("alg", [13, 15, 8])
@pytest.mark.parametrize("salt,salt_text,iterations,opt_out", PARAMS)
def test_nsec3_sign(oz, tmp_path, alg, salt, salt_text, iterations,
                    opt_out):
    _need("ldns-nsec3-hash")
    extra = ["--nsec3"]
    if salt is not None:
        extra += ["--salt", salt]
    if iterations:
        extra += ["--iterations", str(iterations)]
    if opt_out:
        extra.append("--opt-out")
    p, signed = sign(oz, tmp_path, alg, ZONE, extra)
    # RFC 9276 §3.1: a count above 0 is allowed with a warning.
    assert ("warning" in p.stderr) == (iterations > 0), p.stderr
    recs = records(p.stdout)
    assert not any(r[2] == "NSEC" for r in recs)

    params = [r for r in recs if r[2] == "NSEC3PARAM"]
    assert len(params) == 1
    owner, ttl, _, rd = params[0]
    assert owner == ORIGIN and ttl == 0
    # Flags stay 0 with Opt-Out (RFC 5155 §4.1.2).
    assert rd == ["1", "0", str(iterations), salt_text]

    salt_hex = "" if salt_text == "-" else salt_text
    need = set(DATA_NAMES) | ENTS
    if opt_out:
        need -= UNSIGNED_CUTS
    by_hash = {nsec3_hash(n, iterations, salt_hex): n for n in need}
    assert len(by_hash) == len(need)
    nsec3 = {r[0]: r for r in recs if r[2] == "NSEC3"}
    assert set(nsec3) == set(by_hash)
    # Glue and the unsigned cuts (with Opt-Out) have no NSEC3 of their own.
    for name in GLUE | (UNSIGNED_CUTS if opt_out else set()):
        assert nsec3_hash(name, iterations, salt_hex) not in nsec3

    nexts = {}
    for owner, (_, ttl, _, rd) in nsec3.items():
        assert ttl == 300
        assert rd[:4] == ["1", "1" if opt_out else "0", str(iterations),
                          salt_text]
        nexts[owner] = rd[4].lower() + "." + ORIGIN
        types = set(rd[5:])
        name = by_hash[owner]
        want = set(DATA_NAMES.get(name, set()))
        if name == ORIGIN:
            want |= {"DNSKEY", "NSEC3PARAM"}
        if want and not (name in UNSIGNED_CUTS):
            want.add("RRSIG")
        assert types == want, name
    # One ring through every record, in hash order.
    owners = sorted(nsec3)
    for i, o in enumerate(owners):
        assert nexts[o] == owners[(i + 1) % len(owners)]

    sigs = {(r[0], r[3][0]) for r in recs if r[2] == "RRSIG"}
    for o in nsec3:
        assert (o, "NSEC3") in sigs
    assert (ORIGIN, "NSEC3PARAM") in sigs
    assert ("sub.example.", "DS") in sigs
    assert not any(o in GLUE or o in UNSIGNED_CUTS for o, _ in sigs)
    peers_accept(signed)

    # The verifiers do check the chain: without the NSEC3 record of an
    # empty non-terminal (and its signature) the zone is rejected.
    gone = nsec3_hash("b.c.example.", iterations, salt_hex)
    kept = [ln for ln in record_lines(signed.read_text())
            if ln.split()[0].lower() != gone]
    broken = tmp_path / "example.broken"
    broken.write_text("\n".join(kept) + "\n")
    p = run([_need("ldns-verify-zone"), str(broken)])
    assert p.returncode != 0, p.stdout + p.stderr


@pytest.mark.parametrize("zonemd", ["sha384", "sha512"])
def test_nsec3_with_zonemd(oz, tmp_path, zonemd):
    p, signed = sign(oz, tmp_path, 13, ZONE,
                     ["--nsec3", "--zonemd", zonemd])
    recs = records(p.stdout)
    assert [r[0] for r in recs if r[2] == "ZONEMD"] == [ORIGIN]
    apex = [r for r in recs if r[2] == "NSEC3"
            and r[0] == nsec3_hash(ORIGIN, 0, "")]
    assert len(apex) == 1 and "ZONEMD" in apex[0][3][5:]
    peers_accept(signed, zonemd=True)
    p = run([oz, "verify", str(signed), "-o", ORIGIN])
    assert p.returncode == 0, p.stdout + p.stderr


TTL_ZONE = """$ORIGIN example.
@          %d SOA ns1 hostmaster 1 7200 3600 1209600 %d
@          3600 NS  ns1
ns1        3600 A   192.0.2.1
www        3600 A   192.0.2.2
"""


@pytest.mark.parametrize("soa_ttl,minimum", [(3600, 300), (600, 3600)])
@pytest.mark.parametrize("nsec3", [False, True])
def test_denial_ttl_rfc9077(oz, tmp_path, soa_ttl, minimum, nsec3):
    """RFC 9077 §3: NSEC/NSEC3 TTL = min(SOA TTL, SOA MINIMUM); the
    RRSIGs over them carry the same TTL as original TTL."""
    p, signed = sign(oz, tmp_path, 13, TTL_ZONE % (soa_ttl, minimum),
                     ["--nsec3"] if nsec3 else [])
    want = min(soa_ttl, minimum)
    dtype = "NSEC3" if nsec3 else "NSEC"
    recs = records(p.stdout)
    denial = [r for r in recs if r[2] == dtype]
    assert len(denial) == 3
    assert {r[1] for r in denial} == {want}
    sigs = [r for r in recs if r[2] == "RRSIG" and r[3][0] == dtype]
    assert len(sigs) == 3  # KSK + ZSK: the ZSK alone signs them
    assert {(r[1], int(r[3][3])) for r in sigs} == {(want, want)}
    peers_accept(signed)


def test_bad_nsec3_options(oz, tmp_path):
    zone = tmp_path / "example.zone"
    zone.write_text(ZONE)
    key = str(tmp_path / keygen(oz, 13, ORIGIN, tmp_path, ksk=True))
    cases = [
        (["--nsec3", "--iterations", "501"], "501"),
        (["--nsec3", "--iterations", "-1"], "-1"),
        (["--nsec3", "--iterations", "many"], "many"),
        (["--nsec3", "--salt", "zz"], "zz"),
        (["--nsec3", "--salt", "abc"], "abc"),
        (["--nsec3", "--salt", "ab" * 256], "salt"),
        (["--nsec3", "--salt"], "--salt"),
        (["--nsec3", "--iterations"], "--iterations"),
        (["--opt-out"], "--nsec3"),
        (["--salt", "aabb"], "--nsec3"),
        (["--iterations", "0"], "--nsec3"),
        (["--nsec3x"], "--nsec3x"),
    ]
    for extra, word in cases:
        p = run([oz, "sign", str(zone), key, "-o", ORIGIN] + extra)
        assert p.returncode == 2, (extra, p.stderr)
        first = p.stderr.splitlines()[0]
        assert first.startswith("onedot-zone: ") and word in first, \
            (extra, first)
        assert p.stdout == ""
    # The bounds themselves are accepted: 500 iterations, 255-octet salt.
    p = run([oz, "sign", str(zone), key, "-o", ORIGIN, "--nsec3",
             "--iterations", "500", "--salt", "ab" * 255])
    assert p.returncode == 0, p.stderr
    assert "warning" in p.stderr
    params = [r for r in records(p.stdout) if r[2] == "NSEC3PARAM"]
    assert params == [(ORIGIN, 0, "NSEC3PARAM",
                       ["1", "0", "500", "AB" * 255])]
