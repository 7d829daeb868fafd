# SPDX-License-Identifier: MIT
"""onedot-zone keygen and ds next to ldns and BIND.

- keygen writes K<origin>+<alg>+<tag>.key / .private pairs (algorithms 13,
  14, 15 and 8) whose names carry the right algorithm and key tag, the
  .private file with mode 0600;
- ds prints the same DS record as ldns-key2ds and dnssec-dsfromkey
  (SHA-256, SHA-384 and SHA-1), once both are normalised;
- ldns-signzone signs a small zone with a generated KSK and ZSK (read from
  our .private files), ldns-verify-zone accepts the result, the DNSKEYs
  in the signed zone are those of our .key files and the KSK / ZSK roles
  follow their flags;
- keygen refuses to overwrite an existing pair, and bad input (algorithm,
  origin, directory, key file) gives a message and the documented exit
  code.

Tools that are not installed are skipped.
"""

import os
import shutil
import stat

import pytest

from ozone import oz, need as _need, run, keygen, record_lines  # noqa: F401 (oz is a fixture)


ALGS = [13, 14, 15, 8]

ZONE = """$ORIGIN example.
$TTL 3600
@    SOA ns.example. hostmaster.example. 1 7200 3600 1209600 3600
@    NS  ns
ns   A   192.0.2.1
www  A   192.0.2.2
mail MX  10 www
"""


def norm_ds(line):
    """owner, type, key tag, algorithm, digest type, digest: lower-case
    owner, upper-case hex, TTL and class dropped."""
    toks = line.split(";")[0].split()
    i = toks.index("DS")
    rdata = toks[i + 1:]
    return (toks[0].lower(), "DS", int(rdata[0]), int(rdata[1]),
            int(rdata[2]), "".join(rdata[3:]).upper())


def norm_dnskey(line):
    toks = line.split(";")[0].split()
    i = toks.index("DNSKEY")
    rdata = toks[i + 1:]
    return (toks[0].lower(), int(rdata[0]), int(rdata[1]), int(rdata[2]),
            "".join(rdata[3:]))


@pytest.mark.parametrize("alg", ALGS)
def test_keygen_files(oz, tmp_path, alg):
    for ksk in (False, True):
        base = keygen(oz, alg, "Example.", tmp_path, ksk=ksk)
        name, alg_s, tag_s = base[1:].split("+")
        assert name == "Example."
        assert int(alg_s) == alg and len(alg_s) == 3 and len(tag_s) == 5
        key = (tmp_path / (base + ".key")).read_text()
        priv = tmp_path / (base + ".private")
        mode = stat.S_IMODE(priv.stat().st_mode)
        assert mode & 0o077 == 0, oct(mode)
        text = priv.read_text()
        assert text.startswith("Private-key-format: v1.")
        assert "Algorithm: %d " % alg in text
        lines = record_lines(key)
        assert len(lines) == 1
        owner, flags, proto, kalg, _ = norm_dnskey(lines[0])
        assert owner == "example."
        assert flags == (257 if ksk else 256)
        assert (proto, kalg) == (3, alg)
        # The tag in the file name is the one BIND computes for the key.
        dsf = _need("dnssec-dsfromkey")
        p = run([dsf, "-2", str(tmp_path / (base + ".key"))])
        assert p.returncode == 0, p.stderr
        assert norm_ds(record_lines(p.stdout)[0])[2] == int(tag_s)


@pytest.mark.parametrize("alg", ALGS)
@pytest.mark.parametrize("digest,ldns_opt,bind_opt",
                         [("sha256", "-2", "-2"), ("sha384", "-4", "-a"),
                          ("sha1", "-1", "-1")])
def test_ds_matches_peers(oz, tmp_path, alg, digest, ldns_opt, bind_opt):
    base = keygen(oz, alg, "example.", tmp_path, ksk=True)
    keyfile = str(tmp_path / (base + ".key"))
    argv = [oz, "ds", keyfile]
    if digest != "sha256":
        argv += ["--digest", digest]
    p = run(argv)
    assert p.returncode == 0, p.stderr
    ours = [norm_ds(ln) for ln in record_lines(p.stdout)]
    assert len(ours) == 1
    checked = 0
    if shutil.which("ldns-key2ds"):
        # -n: print to stdout rather than to a file.
        q = run(["ldns-key2ds", "-n", ldns_opt, keyfile])
        assert q.returncode == 0, q.stderr
        assert [norm_ds(ln) for ln in record_lines(q.stdout)] == ours
        checked += 1
    if shutil.which("dnssec-dsfromkey"):
        bargv = ["dnssec-dsfromkey"]
        bargv += ["-a", "SHA-384"] if bind_opt == "-a" else [bind_opt]
        q = run(bargv + [keyfile])
        assert q.returncode == 0, q.stderr
        assert [norm_ds(ln) for ln in record_lines(q.stdout)] == ours
        checked += 1
    if not checked:
        pytest.skip("neither ldns-key2ds nor dnssec-dsfromkey is installed")


def test_ds_of_bind_key(oz, tmp_path):
    """A key file written by BIND (comments, TTL) gives BIND's DS."""
    kg = _need("dnssec-keygen")
    p = run([kg, "-q", "-a", "ECDSAP256SHA256", "-f", "KSK", "-L", "600",
             "-K", str(tmp_path), "example.org"])
    assert p.returncode == 0, p.stderr
    keyfile = str(tmp_path / (p.stdout.strip() + ".key"))
    ours = run([oz, "ds", keyfile])
    assert ours.returncode == 0, ours.stderr
    theirs = run(["dnssec-dsfromkey", "-2", keyfile])
    assert theirs.returncode == 0, theirs.stderr
    assert [norm_ds(ln) for ln in record_lines(ours.stdout)] == \
        [norm_ds(ln) for ln in record_lines(theirs.stdout)]
    assert " 600 IN DS " in ours.stdout


@pytest.mark.parametrize("alg", ALGS)
def test_ldns_signs_with_our_keys(oz, tmp_path, alg):
    signzone = _need("ldns-signzone")
    verify = _need("ldns-verify-zone")
    ksk = keygen(oz, alg, "example.", tmp_path, ksk=True)
    zsk = keygen(oz, alg, "example.", tmp_path)
    zone = tmp_path / "example.zone"
    zone.write_text(ZONE)
    p = run([signzone, "-o", "example.", str(zone), ksk, zsk],
            cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    signed = tmp_path / "example.zone.signed"
    text = signed.read_text()
    p = run([verify, str(signed)])
    assert p.returncode == 0, p.stdout + p.stderr
    # The published DNSKEYs are the ones in our .key files, and both sign.
    published = {norm_dnskey(ln) for ln in record_lines(text)
                 if ln.split()[3:4] == ["DNSKEY"]}
    ours = {norm_dnskey(record_lines((tmp_path / (b + ".key"))
                                     .read_text())[0]) for b in (ksk, zsk)}
    assert published == ours
    # ldns-signzone takes the roles from the flags in our .key files: the
    # KSK signs the DNSKEY RRset, the ZSK the rest.
    def signers(covered):
        return {int(ln.split()[10]) for ln in record_lines(text)
                if ln.split()[3:5] == ["RRSIG", covered]}
    assert signers("DNSKEY") == {int(ksk.split("+")[2])}
    assert signers("SOA") == {int(zsk.split("+")[2])}


@pytest.mark.parametrize("existing", [".private", ".key"])
def test_keygen_refuses_to_overwrite(oz, tmp_path, existing):
    """The key tag is random, so every name keygen could choose is taken
    beforehand (65536 empty files): keygen must fail without touching any
    of them and leave no half of a pair behind."""
    names = ["Kexample.+013+%05d%s" % (tag, existing) for tag in range(65536)]
    for n in names:
        with open(os.path.join(tmp_path, n), "w"):
            pass
    p = run([oz, "keygen", "13", "example.", "-d", str(tmp_path)])
    assert p.returncode == 1, p.stdout + p.stderr
    assert "exists" in p.stderr and p.stdout == ""
    left = os.listdir(tmp_path)
    assert len(left) == 65536
    assert all(os.path.getsize(os.path.join(tmp_path, n)) == 0
               for n in left)


def test_bad_algorithm(oz, tmp_path):
    for alg in ("NOSUCHALG", "300", "3"):
        p = run([oz, "keygen", alg, "example.", "-d", str(tmp_path)])
        assert p.returncode == 2, (alg, p.returncode)
        assert "algorithm" in p.stderr and alg in p.stderr
    assert os.listdir(tmp_path) == []


def test_bad_origin_and_dir(oz, tmp_path):
    p = run([oz, "keygen", "13", "a..b", "-d", str(tmp_path)])
    assert p.returncode == 2 and "bad origin" in p.stderr
    missing = tmp_path / "missing"
    p = run([oz, "keygen", "13", "example.", "-d", str(missing)])
    assert p.returncode == 1 and str(missing) in p.stderr
    p = run([oz, "keygen", "8", "example.", "--bits", "100"])
    assert p.returncode == 2 and "--bits" in p.stderr
    p = run([oz, "keygen", "13"])
    assert p.returncode == 2
    assert os.listdir(tmp_path) == []


def test_ds_bad_input(oz, tmp_path):
    p = run([oz, "ds", str(tmp_path / "nonexistent.key")])
    assert p.returncode == 2 and "nonexistent.key" in p.stderr
    bad = tmp_path / "bad.key"
    bad.write_text("example. IN A 192.0.2.1\n")
    p = run([oz, "ds", str(bad)])
    assert p.returncode == 1 and "DNSKEY" in p.stderr
    bad.write_text("example. IN DNSKEY 257 3 13 not-base64!\n")
    p = run([oz, "ds", str(bad)])
    assert p.returncode == 1
    base = keygen(oz, 13, "example.", tmp_path)
    p = run([oz, "ds", str(tmp_path / (base + ".key")), "--digest", "md5"])
    assert p.returncode == 2 and "md5" in p.stderr


SIGN_ZONE = """$ORIGIN example.
$TTL 3600
@          SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
@          NS  ns1
@          NS  ns.sub
ns1        A   192.0.2.1
www        A   192.0.2.2
*.wild     TXT "wildcard"
sub        NS  ns.sub
sub        DS  12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.sub     A   192.0.2.3
"""


def _tamper_rrsig(text):
    """Change one byte of the first RRSIG's signature (in its base64)."""
    lines = text.splitlines()
    for i, ln in enumerate(lines):
        toks = ln.split()
        if toks[3:5] == ["RRSIG", "A"]:
            sig = toks[-1]
            c = "A" if sig[10] != "A" else "B"
            toks[-1] = sig[:10] + c + sig[11:]
            lines[i] = " ".join(toks)
            return "\n".join(lines) + "\n"
    raise AssertionError("no RRSIG A in the signed zone")


@pytest.mark.parametrize("alg", [13, 15])
@pytest.mark.parametrize("zonemd", [None, "sha384", "sha512"])
def test_sign_verified_by_peers(oz, tmp_path, alg, zonemd):
    """onedot-zone sign (NSEC, KSK + ZSK) gives a zone that
    ldns-verify-zone (-ZZ with ZONEMD) and dnssec-verify accept; glue and
    the delegation NS stay unsigned, the delegation's DS and NSEC are
    signed, a changed signature is rejected."""
    verify = _need("ldns-verify-zone")
    ksk = keygen(oz, alg, "example.", tmp_path, ksk=True)
    zsk = keygen(oz, alg, "example.", tmp_path)
    zone = tmp_path / "example.zone"
    zone.write_text(SIGN_ZONE)
    argv = [oz, "sign", str(zone), str(tmp_path / ksk),
            str(tmp_path / (zsk + ".private")), "-o", "example."]
    if zonemd:
        argv += ["--zonemd", zonemd]
    p = run(argv)
    assert p.returncode == 0, p.stderr
    signed = tmp_path / "example.signed"
    signed.write_text(p.stdout)
    recs = [ln.split() for ln in record_lines(p.stdout)]
    rrsigs = {(r[0], r[4]) for r in recs if r[3] == "RRSIG"}
    assert ("sub.example.", "DS") in rrsigs
    assert ("sub.example.", "NSEC") in rrsigs
    assert ("sub.example.", "NS") not in rrsigs
    assert not any(o == "ns.sub.example." for o, _ in rrsigs)
    assert ("*.wild.example.", "TXT") in rrsigs
    ksk_tag, zsk_tag = int(ksk.split("+")[2]), int(zsk.split("+")[2])
    assert {int(r[10]) for r in recs
            if r[3:5] == ["RRSIG", "DNSKEY"]} == {ksk_tag}
    assert {int(r[10]) for r in recs
            if r[3:5] == ["RRSIG", "SOA"]} == {zsk_tag}
    nsec_ttls = {r[1] for r in recs if r[3] == "NSEC"}
    assert nsec_ttls == {"300"}
    vargv = [verify] + (["-ZZ"] if zonemd else []) + [str(signed)]
    p = run(vargv)
    assert p.returncode == 0, p.stdout + p.stderr
    if zonemd:
        assert any(r[3] == "ZONEMD" for r in recs)
        assert ("example.", "ZONEMD") in rrsigs
        p = run([oz, "verify", str(signed), "-o", "example."])
        assert p.returncode == 0, p.stdout + p.stderr
    bind = shutil.which("dnssec-verify")
    if bind:
        p = run([bind, "-o", "example.", str(signed)])
        assert p.returncode == 0, p.stdout + p.stderr
    bad = tmp_path / "example.tampered"
    bad.write_text(_tamper_rrsig(signed.read_text()))
    p = run([verify, str(bad)])
    assert p.returncode != 0, p.stdout + p.stderr


def test_sign_bad_input(oz, tmp_path):
    zone = tmp_path / "example.zone"
    zone.write_text(SIGN_ZONE)
    ksk = keygen(oz, 13, "example.", tmp_path, ksk=True)
    other = keygen(oz, 13, "other.", tmp_path)
    p = run([oz, "sign", str(zone), str(tmp_path / ksk), "--opt-out"])
    assert p.returncode == 2 and "--nsec3" in p.stderr
    p = run([oz, "sign", str(zone)])
    assert p.returncode == 2
    p = run([oz, "sign", str(zone), str(tmp_path / "Knothere")])
    assert p.returncode == 2 and "Knothere.key" in p.stderr
    p = run([oz, "sign", str(zone), str(tmp_path / other)])
    assert p.returncode == 1 and "origin" in p.stderr
    p = run([oz, "sign", str(zone), str(tmp_path / ksk), "--inception", "x"])
    assert p.returncode == 2
