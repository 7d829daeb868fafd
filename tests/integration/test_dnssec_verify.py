# SPDX-License-Identifier: MIT
"""onedot-zone verify on DNSSEC-signed zones.

- zones signed by ldns-signzone (NSEC and NSEC3, algorithms 8, 13, 14,
  15, 16) and by BIND's dnssec-signzone (NSEC, NSEC3, NSEC3 with
  Opt-Out) verify: every signature, every algorithm, the denial chain;
- each manipulation is caught with exit 1 and a line naming it: a flipped
  signature byte, a validity window that has ended or not begun, a
  deleted RRSIG, a missing algorithm, a deleted NSEC, an NSEC next name
  that skips a name, an NSEC bitmap missing a type, a deleted NSEC3, an
  RRSIG at glue, an RRSIG over RRSIG;
- --trust-anchor: the DS of the KSK (ldns-key2ds, dnssec-dsfromkey) or
  its DNSKEY passes; the DS of an unrelated key, of the ZSK (which does
  not sign the DNSKEY RRset) or of another owner fails;
- an unsigned zone passes (with or without ZONEMD), and bad options give
  exit 2.

Signatures get fixed validity windows and verify runs with --time, so the
results do not depend on the clock. Tools that are not installed are
skipped.
"""

import base64
import os
import re
import shutil

import pytest

from ozone import oz, need as _need, run  # noqa: F401 (oz is a fixture)


ORIGIN = "example."
ZONE = """$ORIGIN example.
$TTL 3600
@        SOA ns.example. hostmaster.example. 1 7200 3600 1209600 3600
@        NS  ns
ns       A   192.0.2.1
www      A   192.0.2.2
mail     MX  10 www
*.wild   TXT "wildcard"
a.b.ent  A   192.0.2.3
sub      NS  ns.sub
ns.sub   A   192.0.2.9
sec      NS  ns.other.net.
sec      DS  12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
x.insec  NS  ns.other.net.
"""

INCEPTION = "20240101000000"
EXPIRATION = "20300101000000"
INSIDE = "20260101000000"      # within the window
AFTER = "20300601000000"       # after the expiration
BEFORE = "20231201000000"      # before the inception

LDNS_ALGS = {8: "RSASHA256", 13: "ECDSAP256SHA256",
             14: "ECDSAP384SHA384", 15: "ED25519", 16: "ED448"}


def verify(oz, path, *args, time=INSIDE):
    argv = [oz, "verify", path, "-o", ORIGIN]
    if time:
        argv += ["--time", time]
    return run(argv + list(args))


def ok(r):
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 errors" in r.stdout, r.stdout


def bad(r, *needles):
    assert r.returncode == 1, r.stdout + r.stderr
    for n in needles:
        assert n in r.stdout, (n, r.stdout)


def ldns_keys(d, alg, ksk=True):
    """KSK (or a second ZSK) and ZSK from ldns-keygen in d."""
    _need("ldns-keygen")
    out = []
    for flag in (["-k"] if ksk else []), []:
        argv = ["ldns-keygen", "-a", LDNS_ALGS[alg]]
        if alg == 8:
            argv += ["-b", "2048"]
        r = run(argv + flag + [ORIGIN], cwd=d)
        assert r.returncode == 0, r.stderr
        out.append(os.path.join(d, r.stdout.strip()))
    return out


def write_zone(d, text=ZONE):
    path = os.path.join(d, "example.zone")
    with open(path, "w") as f:
        f.write(text)
    return path


def ldns_sign(d, keys, nsec3=False, extra=()):
    _need("ldns-signzone")
    src = write_zone(d)
    out = src + (".nsec3" if nsec3 else ".nsec")
    argv = ["ldns-signzone", "-o", ORIGIN, "-i", INCEPTION, "-e",
            EXPIRATION, "-f", out]
    if nsec3:
        argv += ["-n", "-t", "0"]
    r = run(argv + list(extra) + [src] + keys)
    assert r.returncode == 0, r.stderr
    return out


def bind_sign(d, alg, nsec3=False, opt_out=False):
    _need("dnssec-keygen")
    _need("dnssec-signzone")
    kd = os.path.join(d, "keys")
    os.makedirs(kd, exist_ok=True)
    ksk = None
    for flags in (["-f", "KSK"], []):
        r = run(["dnssec-keygen", "-q", "-K", kd, "-a", alg] + flags +
                [ORIGIN])
        assert r.returncode == 0, r.stderr
        if flags:
            ksk = os.path.join(kd, r.stdout.strip())
    src = write_zone(d)
    out = src + ".bind"
    argv = ["dnssec-signzone", "-K", kd, "-o", ORIGIN, "-S", "-s",
            INCEPTION, "-e", EXPIRATION, "-f", out]
    if nsec3:
        argv += ["-3", "-"]
        if opt_out:
            argv.append("-A")
    # cwd: dnssec-signzone writes a dsset- file there.
    r = run(argv + [src], cwd=d)
    assert r.returncode == 0, r.stderr
    return out, ksk


def lines_of(path):
    """Records of a signed zone, one list of fields per record (through
    onedot-zone print so BIND's multi-line output is one line too)."""
    with open(path) as f:
        return [ln.split() for ln in f
                if ln.strip() and not ln.lstrip().startswith(";")]


def canonical(oz, path):
    r = run([oz, "print", path, "-o", ORIGIN])
    assert r.returncode == 0, r.stderr
    out = path + ".canon"
    with open(out, "w") as f:
        f.write(r.stdout)
    return out


def write_lines(path, recs):
    with open(path, "w") as f:
        for p in recs:
            f.write(" ".join(p) + "\n")
    return path


def is_sig(p, owner, covered):
    return (len(p) > 5 and p[3] == "RRSIG" and p[0].lower() == owner and
            p[4].upper() == covered)


def drop(recs, pred, count=1):
    out = [p for p in recs if not pred(p)]
    assert len(recs) - len(out) == count, (len(recs), len(out))
    return out


# ---- signed zones verify ----

@pytest.mark.parametrize("alg", sorted(LDNS_ALGS))
@pytest.mark.parametrize("nsec3", [False, True], ids=["nsec", "nsec3"])
def test_ldns_signed_verifies(oz, tmp_path, alg, nsec3):
    keys = ldns_keys(str(tmp_path), alg)
    path = ldns_sign(str(tmp_path), keys, nsec3)
    r = verify(oz, path)
    ok(r)
    assert ("NSEC3 chain ok" if nsec3 else "NSEC chain ok") in r.stdout
    # Apex SOA NS DNSKEY (+NSEC3PARAM), ns, www, mail, *.wild, a.b.ent,
    # and the DS at sec: at least that many RRsets were checked.
    m = re.search(r"(\d+) RRsets, (\d+) signatures verified", r.stdout)
    assert m and int(m.group(1)) >= 9, r.stdout
    assert int(m.group(2)) >= int(m.group(1)), r.stdout
    if shutil.which("ldns-verify-zone"):
        lr = run(["ldns-verify-zone", "-t", INSIDE, path])
        assert lr.returncode == 0, lr.stdout + lr.stderr


@pytest.mark.parametrize("alg", ["ECDSAP256SHA256", "ED25519",
                                 "RSASHA256", "ECDSAP384SHA384"])
@pytest.mark.parametrize("mode", ["nsec", "nsec3", "optout"])
def test_bind_signed_verifies(oz, tmp_path, alg, mode):
    path, _ = bind_sign(str(tmp_path), alg, mode != "nsec",
                        mode == "optout")
    r = verify(oz, path)
    ok(r)
    assert ("NSEC chain ok" if mode == "nsec" else "NSEC3 chain ok") \
        in r.stdout
    if mode == "optout":
        # The unsigned delegations have no NSEC3 of their own: the
        # Opt-Out span covers them, and that is accepted.
        text = open(path).read()
        assert "NSEC3" in text


def test_two_algorithms(oz, tmp_path):
    d = str(tmp_path)
    keys = ldns_keys(d, 13) + ldns_keys(d, 15)
    path = ldns_sign(d, keys)
    ok(verify(oz, path))
    # Every RRset must carry a signature of each algorithm (RFC 4035
    # §2.2): take the Ed25519 one off the MX RRset.
    recs = lines_of(path)
    recs = drop(recs, lambda p: is_sig(p, "mail.example.", "MX") and
                p[5] == "15")
    bad(verify(oz, write_lines(path + ".1alg", recs)),
        "mail.example. MX: error: no RRSIG with algorithm 15")


# ---- manipulations ----

@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("signed"))
    ksk, zsk = ldns_keys(d, 13)
    nsec = ldns_sign(d, [ksk, zsk])
    nsec3 = ldns_sign(d, [ksk, zsk], nsec3=True)
    _need("ldns-key2ds")
    other = ldns_keys(d, 13, ksk=False)[0]
    return {"dir": d, "ksk": ksk, "zsk": zsk, "other": other,
            "nsec": nsec, "nsec3": nsec3}


def test_flipped_signature_byte(oz, signed):
    recs = lines_of(signed["nsec"])
    for p in recs:
        if is_sig(p, "www.example.", "A"):
            sig = bytearray(base64.b64decode("".join(p[12:])))
            sig[10] ^= 0x01
            p[12:] = [base64.b64encode(bytes(sig)).decode()]
    path = write_lines(signed["nsec"] + ".flip", recs)
    bad(verify(oz, path), "www.example. A: error:", "bogus")


def test_validity_window(oz, signed):
    r = verify(oz, signed["nsec"], time=AFTER)
    bad(r, "www.example. A: error:", "expired")
    r = verify(oz, signed["nsec"], time=BEFORE)
    bad(r, "www.example. A: error:", "not-yet-valid")
    # Seconds since the epoch work as well (2026-01-01).
    ok(verify(oz, signed["nsec"], time="1767225600"))


def test_expired_by_the_clock(oz, tmp_path):
    # Signed with a window in the past and verified without --time.
    d = str(tmp_path)
    keys = ldns_keys(d, 13)
    src = write_zone(d)
    out = src + ".old"
    r = run(["ldns-signzone", "-o", ORIGIN, "-i", "20100101000000", "-e",
             "20110101000000", "-f", out, src] + keys)
    assert r.returncode == 0, r.stderr
    bad(verify(oz, out, time=None), "expired")
    ok(verify(oz, out, time="20100601000000"))


def test_deleted_rrsig(oz, signed):
    recs = drop(lines_of(signed["nsec"]),
                lambda p: is_sig(p, "mail.example.", "MX"))
    path = write_lines(signed["nsec"] + ".nosig", recs)
    bad(verify(oz, path), "mail.example. MX: error: no RRSIG")


def test_deleted_nsec(oz, signed):
    recs = drop(lines_of(signed["nsec"]),
                lambda p: len(p) > 3 and p[0] == "www.example." and
                p[3] == "NSEC")
    path = write_lines(signed["nsec"] + ".nonsec", recs)
    bad(verify(oz, path), "www.example. NSEC: error: no NSEC",
        "NSEC chain broken")


def test_nsec_next_skips_a_name(oz, signed):
    recs = lines_of(signed["nsec"])
    # mail.example.'s successor is ns.example.: point past it.
    for p in recs:
        if p[0] == "mail.example." and p[3] == "NSEC":
            assert p[4] == "ns.example.", p
            p[4] = "sec.example."
    path = write_lines(signed["nsec"] + ".skip", recs)
    bad(verify(oz, path), "mail.example. NSEC: error: chain broken: next "
        "name sec.example., expected ns.example.")


def test_nsec_bitmap_missing_type(oz, signed):
    recs = lines_of(signed["nsec"])
    for p in recs:
        if p[0] == "mail.example." and p[3] == "NSEC":
            assert "MX" in p, p
            p.remove("MX")
    path = write_lines(signed["nsec"] + ".bitmap", recs)
    bad(verify(oz, path), "mail.example. NSEC: error: type bitmap lacks MX")


def test_deleted_nsec3(oz, signed):
    import dns.dnssec
    h = dns.dnssec.nsec3_hash("www.example.", "", 0, 1).lower()
    owner = h + ".example."
    recs = lines_of(signed["nsec3"])
    assert any(p[0].lower() == owner and p[3] == "NSEC3" for p in recs)
    recs = drop(recs, lambda p: p[0].lower() == owner, count=2)
    path = write_lines(signed["nsec3"] + ".non3", recs)
    bad(verify(oz, path), "www.example. NSEC3: error: no NSEC3",
        "NSEC3 chain broken")


def test_nsec3_bitmap_missing_type(oz, signed):
    import dns.dnssec
    owner = dns.dnssec.nsec3_hash("mail.example.", "", 0, 1).lower() + \
        ".example."
    recs = lines_of(signed["nsec3"])
    n = 0
    for p in recs:
        if p[0].lower() == owner and p[3] == "NSEC3":
            p.remove("MX")
            n += 1
    assert n == 1
    path = write_lines(signed["nsec3"] + ".bitmap", recs)
    bad(verify(oz, path), "mail.example. NSEC3: error: type bitmap")


def test_rrsig_at_glue_and_over_rrsig(oz, signed):
    recs = lines_of(signed["nsec"])
    src = [p for p in recs if is_sig(p, "www.example.", "A")][0]
    glue = ["ns.sub.example."] + src[1:]
    over = ["www.example."] + src[1:4] + ["RRSIG"] + src[5:]
    path = write_lines(signed["nsec"] + ".glue", recs + [glue])
    bad(verify(oz, path), "ns.sub.example. A: error: RRSIG at a glue")
    path = write_lines(signed["nsec"] + ".over", recs + [over])
    bad(verify(oz, path), "www.example. RRSIG: error: RRSIG over RRSIG")


# ---- trust anchors ----

def ds_of(keyfile):
    r = run(["ldns-key2ds", "-n", "-f", "-2", keyfile + ".key"])
    assert " DS " in r.stdout.replace("\t", " "), r.stdout
    assert r.returncode == 0, r.stderr
    return r.stdout


def anchor(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write("; trust anchor\n" + text)
    return path


def test_trust_anchor(oz, signed):
    d, path = signed["dir"], signed["nsec"]
    good = anchor(d, "good.ds", ds_of(signed["ksk"]))
    ok(verify(oz, path, "--trust-anchor", good))
    ok(verify(oz, signed["nsec3"], "--trust-anchor", good))
    with open(signed["ksk"] + ".key") as f:
        key = anchor(d, "good.key", f.read())
    ok(verify(oz, path, "--trust-anchor", key))

    wrong = anchor(d, "wrong.ds", ds_of(signed["other"]))
    bad(verify(oz, path, "--trust-anchor", wrong),
        "DNSKEY RRset not signed by a trust anchor")
    # The ZSK is in the DNSKEY RRset but did not sign it.
    zsk = anchor(d, "zsk.ds", ds_of(signed["zsk"]))
    bad(verify(oz, path, "--trust-anchor", zsk),
        "DNSKEY RRset not signed by a trust anchor")
    other = anchor(d, "other.ds", ds_of(signed["ksk"]).replace(
        "example.", "example.net.", 1))
    bad(verify(oz, path, "--trust-anchor", other), "another name")
    empty = anchor(d, "empty", "")
    bad(verify(oz, path, "--trust-anchor", empty),
        "no DS or DNSKEY record of the origin")
    # A good anchor does not make a broken signature pass.
    r = verify(oz, path, "--trust-anchor", good, time=AFTER)
    bad(r, "expired", "DNSKEY RRset not signed by a trust anchor")


def test_trust_anchor_bind(oz, tmp_path):
    _need("dnssec-dsfromkey")
    path, ksk = bind_sign(str(tmp_path), "ECDSAP256SHA256", nsec3=True)
    r = run(["dnssec-dsfromkey", "-2", ksk + ".key"])
    assert r.returncode == 0, r.stderr
    ta = anchor(str(tmp_path), "ta", r.stdout)
    ok(verify(oz, path, "--trust-anchor", ta))


# ---- unsigned zones and the command line ----

def test_unsigned_zone(oz, tmp_path):
    d = str(tmp_path)
    path = write_zone(d)
    r = verify(oz, path, time=None)
    ok(r)
    assert "not signed" in r.stdout and "ZONEMD none" in r.stdout
    assert "no ZONEMD" in r.stderr
    z = run([oz, "zonemd", path])
    assert z.returncode == 0, z.stderr
    with open(path, "a") as f:
        f.write(z.stdout)
    r = verify(oz, path, time=None)
    ok(r)
    assert "ZONEMD verified" in r.stdout
    # A ZONEMD that does not match still fails.
    with open(path, "a") as f:
        f.write("extra A 192.0.2.77\n")
    r = verify(oz, path, time=None)
    assert r.returncode == 1 and "ZONEMD invalid" in r.stderr
    # A trust anchor for an unsigned zone cannot be met.
    ta = anchor(d, "ta", "example. DS 1 13 2 " + "00" * 32 + "\n")
    bad(verify(oz, write_zone(d), "--trust-anchor", ta), "not signed")


def test_signed_with_zonemd(oz, tmp_path):
    keys = ldns_keys(str(tmp_path), 13)
    path = ldns_sign(str(tmp_path), keys, extra=["-z", "simple:sha384"])
    r = verify(oz, path)
    ok(r)
    assert "ZONEMD verified" in r.stdout


def test_usage(oz, signed, tmp_path):
    path = signed["nsec"]
    for args in (["--time", "yesterday"], ["--time"], ["--trust-anchor"],
                 ["--bogus"], ["extra-arg"]):
        r = run([oz, "verify", path] + args)
        assert r.returncode == 2, args
        assert "usage" in r.stderr, args
    r = run([oz, "verify", path, "--trust-anchor",
             str(tmp_path / "missing")])
    assert r.returncode == 2
    broken = anchor(str(tmp_path), "broken", "example. DS 1 13 notanumber\n")
    r = run([oz, "verify", path, "--trust-anchor", broken])
    assert r.returncode == 2 and "broken" in r.stderr


# ---- every manipulation is caught by all three verifiers ----

def _onedot_signed(oz, d):
    """The test zone signed by onedot-zone sign (NSEC), inside the
    usual window."""
    keys = []
    for extra in (["--ksk"], []):
        r = run([oz, "keygen", "13", ORIGIN, "-d", d] + extra)
        assert r.returncode == 0, r.stderr
        keys.append(os.path.join(d, r.stdout.strip()))
    src = write_zone(d)
    r = run([oz, "sign", src, "-o", ORIGIN, "--inception", INCEPTION,
             "--expiration", EXPIRATION] + keys)
    assert r.returncode == 0, r.stderr
    out = src + ".onedot"
    with open(out, "w") as f:
        f.write(r.stdout)
    return out


def _manipulate(kind, path):
    recs = lines_of(path)
    if kind == "tampered-signature":
        for p in recs:
            if is_sig(p, "www.example.", "A"):
                sig = bytearray(base64.b64decode("".join(p[12:])))
                sig[10] ^= 0x01
                p[12:] = [base64.b64encode(bytes(sig)).decode()]
    elif kind == "missing-rrsig":
        recs = drop(recs, lambda p: is_sig(p, "mail.example.", "MX"))
    elif kind == "broken-nsec-chain":
        recs = drop(recs, lambda p: len(p) > 3 and
                    p[0].lower() == "www.example." and p[3] == "NSEC")
    return write_lines(path + "." + kind, recs)


def _all_three(oz, path, when):
    """Exit codes of onedot-zone verify, ldns-verify-zone and BIND
    dnssec-verify on path at the time `when` (None: now)."""
    out = {"onedot": verify(oz, path, time=when)}
    argv = ["ldns-verify-zone"]
    if when:
        argv += ["-t", when]
    out["ldns"] = run(argv + [path])
    # dnssec-verify has no clock option: the windows chosen make "now"
    # the right time for it (see the callers).
    out["bind"] = run(["dnssec-verify", "-o", ORIGIN, path])
    return out


@pytest.mark.parametrize("signer", ["onedot", "ldns"])
@pytest.mark.parametrize("kind", ["tampered-signature", "missing-rrsig",
                                  "broken-nsec-chain", "expired-window"])
def test_caught_by_all_three(oz, tmp_path, signer, kind):
    _need("ldns-verify-zone")
    _need("dnssec-verify")
    d = str(tmp_path)
    if kind == "expired-window":
        # Signed for 2010 only, checked now by all three.
        src = write_zone(d)
        path = src + ".expired"
        if signer == "onedot":
            keys = []
            for extra in (["--ksk"], []):
                r = run([oz, "keygen", "13", ORIGIN, "-d", d] + extra)
                keys.append(os.path.join(d, r.stdout.strip()))
            r = run([oz, "sign", src, "-o", ORIGIN, "--inception",
                     "20100101000000", "--expiration", "20110101000000"] +
                    keys)
            assert r.returncode == 0, r.stderr
            with open(path, "w") as f:
                f.write(r.stdout)
        else:
            keys = ldns_keys(d, 13)
            r = run(["ldns-signzone", "-o", ORIGIN, "-i", "20100101000000",
                     "-e", "20110101000000", "-f", path, src] + keys)
            assert r.returncode == 0, r.stderr
        # The untouched zone is good inside its window (onedot, ldns).
        ok(verify(oz, path, time="20100601000000"))
        good = run(["ldns-verify-zone", "-t", "20100601000000", path])
        assert good.returncode == 0, good.stdout + good.stderr
        res = _all_three(oz, path, None)
        bad(res["onedot"], "expired")
    else:
        if signer == "onedot":
            path = _onedot_signed(oz, d)
        else:
            path = ldns_sign(d, ldns_keys(d, 13))
        # The untouched zone passes all three (now is inside the window).
        for tool, r in _all_three(oz, path, None).items():
            assert r.returncode == 0, (tool, r.stdout + r.stderr)
        res = _all_three(oz, _manipulate(kind, path), None)
        assert res["onedot"].returncode == 1, res["onedot"].stdout
    for tool, r in res.items():
        assert r.returncode != 0, (tool, kind, r.stdout + r.stderr)
