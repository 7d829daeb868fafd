/* SPDX-License-Identifier: MIT */
/*
 * The authoritative answer engine on arbitrary messages, over a fixed
 * set of zones: one unsigned, one NSEC-signed and one NSEC3-signed (made
 * with onedot-zone sign; the engine serves signatures, it never checks
 * them). Each input is answered over UDP, over TCP and into a small
 * buffer; every response must stay inside its buffer and parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/answer.h"
#include "auth/zonedb.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/zone/zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char unsigned_zone[] =
        "$TTL 3600\n"
        "@ SOA ns hostmaster 1 3600 900 604800 300\n"
        "@ NS ns\n"
        "ns A 192.0.2.1\n"
        "www A 192.0.2.2\n"
        "www TXT \"hello\"\n"
        "alias CNAME www\n"
        "*.wild TXT \"wild\"\n"
        "a.b.ent A 192.0.2.3\n"
        "dn DNAME www.z.test.\n"
        "secure NS ns.secure\n"
        "secure DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n"
        "ns.secure A 192.0.2.5\n"
        "insecure NS ns.insecure\n"
        "ns.insecure A 192.0.2.6\n";

static const char nsec_zone[] =
        "f.test. 3600 IN NS ns.f.test.\n"
        "f.test. 3600 IN SOA ns.f.test. hostmaster.f.test. 1 3600 900 604800 300\n"
        "f.test. 3600 IN RRSIG NS 13 2 3600 20400101000000 20200101000000 18991 f.test. PVky//9EFRmuVtvvW0lVBvtbyAroSWNguex8EZea73M4x8IhJNOpxXwVyksOB6fo0OI0hWtZqX/ckkVKadjWAA==\n"
        "f.test. 3600 IN RRSIG SOA 13 2 3600 20400101000000 20200101000000 18991 f.test. pKwIO4xx0d9PYB3xNoZtrr11LepIZ3X+1l6k5rDlxRMQOQDZ2ms55CX6Q6lLphpcc7Rzj81xOhhrtTNvnscZaQ==\n"
        "f.test. 300 IN RRSIG NSEC 13 2 300 20400101000000 20200101000000 18991 f.test. 03l8JD/sSQmAgqjM3tra4N7oP7IC4nYdmwD6vSYyoZVFLvY5LaHUbYCfnpDKyP8bEwfhUzfgRCbxGvzgIdCvbQ==\n"
        "f.test. 3600 IN RRSIG DNSKEY 13 2 3600 20400101000000 20200101000000 18991 f.test. PEbrhf1robNmj46WuQ/yOl/vPTAKbRpR8N6Yrel/3fnUBFTGosNbiaDExpiKEbrVF3Hyfw3Vg9UPqDRZJXnyeQ==\n"
        "f.test. 300 IN NSEC alias.f.test. NS SOA RRSIG NSEC DNSKEY\n"
        "f.test. 3600 IN DNSKEY 257 3 13 34ApXChHIgMv1+2UxJPDR9zhoEJed1inHQIsj3iyRXT7fLfmk37lBqyj2UFn/kk//ysw/N5kHtSX6J6nwNCJ6A==\n"
        "alias.f.test. 3600 IN CNAME www.f.test.\n"
        "alias.f.test. 3600 IN RRSIG CNAME 13 3 3600 20400101000000 20200101000000 18991 f.test. T8p38EGAfbcJtiWO1IohdJ20bjrnMFc0jQeibBEGDNwXqJ6SgQy+G3JPYYVw9heQ9Kr8wbHuwYfxZytEwGrF5w==\n"
        "alias.f.test. 300 IN RRSIG NSEC 13 3 300 20400101000000 20200101000000 18991 f.test. LEBUJnG13KRfqUrq/WnPX64WxLJwdsHB4SLGsPSUxcC+fJLr+5u+m9SG99MyZpZ5zBCeRNhBlz/xyp+xMVVOOA==\n"
        "alias.f.test. 300 IN NSEC dn.f.test. CNAME RRSIG NSEC\n"
        "dn.f.test. 3600 IN DNAME www.z.test.\n"
        "dn.f.test. 3600 IN RRSIG DNAME 13 3 3600 20400101000000 20200101000000 18991 f.test. dW283F9CeYDGxkhTClcVePtzPckzVv11x6ZEA3IobAmyUobslrXSw1DOQntAipX79Pef8p6A1ycFlUwCQ4xqMA==\n"
        "dn.f.test. 300 IN RRSIG NSEC 13 3 300 20400101000000 20200101000000 18991 f.test. rjVmqzigFPmKEoxGZCPpzYMGIuHNE2kLovxCz/ryiEyG3Y9rsHGrT2KSEchGSt4ZvLBePnFlwXXQggCKAf39DA==\n"
        "dn.f.test. 300 IN NSEC a.b.ent.f.test. DNAME RRSIG NSEC\n"
        "a.b.ent.f.test. 3600 IN A 192.0.2.3\n"
        "a.b.ent.f.test. 3600 IN RRSIG A 13 5 3600 20400101000000 20200101000000 18991 f.test. Cx9V1vyXX61KDWpXnSI8lnJvUl34oYr4SxFSczaFL1zo4Y3Etek49HdxKxbvcVMoWyIkfd84Lp0ntSASrVbvmw==\n"
        "a.b.ent.f.test. 300 IN RRSIG NSEC 13 5 300 20400101000000 20200101000000 18991 f.test. Hw0TyXeutNh3i4Vc1hSFxl++3AWY4Xy8OpdENNMOIv1imo3zmY75WeigP2jwLe7mg+g5d9kyQqNhZy7VNTSVhw==\n"
        "a.b.ent.f.test. 300 IN NSEC insecure.f.test. A RRSIG NSEC\n"
        "insecure.f.test. 3600 IN NS ns.insecure.f.test.\n"
        "insecure.f.test. 300 IN RRSIG NSEC 13 3 300 20400101000000 20200101000000 18991 f.test. j2l48Vzr6RHBlyfl+Zww6xgciPidxmPwkCRwmMNH7QHwkcIogYmcvuGgOnWApD0Q275xpVBCq4OXhQgT15Mr9Q==\n"
        "insecure.f.test. 300 IN NSEC ns.f.test. NS RRSIG NSEC\n"
        "ns.insecure.f.test. 3600 IN A 192.0.2.6\n"
        "ns.f.test. 3600 IN A 192.0.2.1\n"
        "ns.f.test. 3600 IN RRSIG A 13 3 3600 20400101000000 20200101000000 18991 f.test. g+5C8LXWq/niy43mXH/pld0vmc3An0SAG+YckRHaKKBEhEp7+WAnQzVFMrEr+ahvq4PVqW/sXf2zpdp7qkA7gQ==\n"
        "ns.f.test. 300 IN RRSIG NSEC 13 3 300 20400101000000 20200101000000 18991 f.test. kYOsGUi/+TJd+M4B9WXtxxSJoDyLaixt+ZtDuYhSJ7B8N40LvCJ+8tAz1Uk2txUAT53GEKj4y5Q0qWXOL7RS5g==\n"
        "ns.f.test. 300 IN NSEC secure.f.test. A RRSIG NSEC\n"
        "secure.f.test. 3600 IN NS ns.secure.f.test.\n"
        "secure.f.test. 3600 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n"
        "secure.f.test. 3600 IN RRSIG DS 13 3 3600 20400101000000 20200101000000 18991 f.test. KKam40/h+0jDQ1jMthLr9OKo7oFqBQlTH3yvDHz80ycb29e/8QDihJwzfe8EgYVjuhgswhlahEqBBS6g6Vl8bg==\n"
        "secure.f.test. 300 IN RRSIG NSEC 13 3 300 20400101000000 20200101000000 18991 f.test. EJNDxcm11NcgV2zC3jTeqhkKhE9en2Dn/SYu09lbPNuJ+X74YIidcoEFJaeSdPwjzpTyEC2l7UF6ilhrc046wQ==\n"
        "secure.f.test. 300 IN NSEC *.wild.f.test. NS DS RRSIG NSEC\n"
        "ns.secure.f.test. 3600 IN A 192.0.2.5\n"
        "*.wild.f.test. 3600 IN TXT \"wild\"\n"
        "*.wild.f.test. 3600 IN RRSIG TXT 13 3 3600 20400101000000 20200101000000 18991 f.test. Ke2GL6pXanpX7x0WcGLreofmWl4HQ2wENekGDwHmJDTz/foIeq6Q8xbMLbuKgD+ARFRsYudSRcoF05Bspx3bfg==\n"
        "*.wild.f.test. 300 IN RRSIG NSEC 13 3 300 20400101000000 20200101000000 18991 f.test. G3PiBUm7aG3MJZ8kdiYxXjS4RzSywRD+tCwgphmX1SVMJLeAd3hw6vrHuAcYuDFikBE9HXmMB0FZdzxcLVrtBQ==\n"
        "*.wild.f.test. 300 IN NSEC www.f.test. TXT RRSIG NSEC\n"
        "www.f.test. 3600 IN A 192.0.2.2\n"
        "www.f.test. 3600 IN TXT \"hello\"\n"
        "www.f.test. 3600 IN RRSIG A 13 3 3600 20400101000000 20200101000000 18991 f.test. yTHjzMDLmMLTIZBVvNaga3C/TUrCV/jm2E/osULNMwHWyuMAbg6mer1DmZkCZ6XuLXgpnoUqcjREkKJu4YS0jw==\n"
        "www.f.test. 3600 IN RRSIG TXT 13 3 3600 20400101000000 20200101000000 18991 f.test. Ood8qrIT5yxNAVLBZZ8vv7601rkltJqRQ19ArHWA2AnhEloD/XJhZgFeAbw9pGbKTWIkKwfUsnu2yj8Pu7bz6g==\n"
        "www.f.test. 300 IN RRSIG NSEC 13 3 300 20400101000000 20200101000000 18991 f.test. 7mClX9VK5r5NvbrySfy4Viu2a3r20T0UMurwYLFgUgqkvoGGtNSWlP2Y+vEGd6OY4pSEMT9BElsd51DYMAiHTQ==\n"
        "www.f.test. 300 IN NSEC f.test. A TXT RRSIG NSEC\n";

static const char nsec3_zone[] =
        "g.test. 3600 IN NS ns.g.test.\n"
        "g.test. 3600 IN SOA ns.g.test. hostmaster.g.test. 1 3600 900 604800 300\n"
        "g.test. 3600 IN RRSIG NS 13 2 3600 20400101000000 20200101000000 36518 g.test. KejYm96oSoZcdVm/FsmqCY5AmuJYutRGVG1IZiBtzGWQhLUFi+oRDPXhMmszmGuiOmZHfFv613CgZeQ5EFtMTw==\n"
        "g.test. 3600 IN RRSIG SOA 13 2 3600 20400101000000 20200101000000 36518 g.test. Ha2csTI+lPtmf892y9AoyZ+N1tUb57UIjAdiJXMQEBfkFwduzOoNr2tnZ/bbYUyXN616S3vCVLU34HLM+iZpzw==\n"
        "g.test. 3600 IN RRSIG DNSKEY 13 2 3600 20400101000000 20200101000000 36518 g.test. PCcFopEPToutHV3uwksr7GMHdAQagFJWarcxH5bKoz9qUhOgGrmHPCjX7SUHLvbamCWY4zyqrb35lf0H7n+eKw==\n"
        "g.test. 0 IN RRSIG NSEC3PARAM 13 2 0 20400101000000 20200101000000 36518 g.test. pO41QhnTGcYAC6x0qk4H4stuWzy8dWV1k2hQ3tKY8THccY5MzNNqq7Dz7tolwUdKAwIhYS233+xJrqQppX5Lqg==\n"
        "g.test. 3600 IN DNSKEY 257 3 13 rpEcDhzW3STwM8jLkqsgM3QBIZEsipV/oAw0C9EvI8sot29I5fVPM+VsrvzcTYo5FxzrP749Ix1Cv3ckT4GEOg==\n"
        "g.test. 0 IN NSEC3PARAM 1 0 1 ABCD\n"
        "4mkbma5ofa142ijvifmdm7fob03hacjf.g.test. 300 IN RRSIG NSEC3 13 3 300 20400101000000 20200101000000 36518 g.test. 8VftxM/ekQsP2pz3BhBFbLx8wvTdgiDhsqPl6VflExm6xbuhluLdu9yMs17t7o6aR9QWoFOGm2jjZi/72gr7rw==\n"
        "4mkbma5ofa142ijvifmdm7fob03hacjf.g.test. 300 IN NSEC3 1 0 1 ABCD 663tr8bd6hq74lufm4val4rru62ouqp1 NS\n"
        "663tr8bd6hq74lufm4val4rru62ouqp1.g.test. 300 IN RRSIG NSEC3 13 3 300 20400101000000 20200101000000 36518 g.test. ajNYUK0AJyry1/cdM0uA1Sw+5KMpkmy1cHRfSUA9AfdYa1JRk7T10M+P6zzIVYSNrB4hfyNr7MhQNY+uWstPvA==\n"
        "663tr8bd6hq74lufm4val4rru62ouqp1.g.test. 300 IN NSEC3 1 0 1 ABCD 698frfioppfgr5eomrgu03pqhpvslcrs\n"
        "698frfioppfgr5eomrgu03pqhpvslcrs.g.test. 300 IN RRSIG NSEC3 13 3 300 20400101000000 20200101000000 36518 g.test. 1qzdoF6tXS97mgVxEAOg7mQYlOnXwiYN1funluNv2QFiNRQZoejeYihyuvy1l/j/lHTkN5W6RXyd0sq2ObRfJQ==\n"
        "698frfioppfgr5eomrgu03pqhpvslcrs.g.test. 300 IN NSEC3 1 0 1 ABCD ap25gdqra4pc21u0m2gn5onrvameh694\n"
        "alias.g.test. 3600 IN CNAME www.g.test.\n"
        "alias.g.test. 3600 IN RRSIG CNAME 13 3 3600 20400101000000 20200101000000 36518 g.test. +W4i1HaIXxdamIwkllWE5HiU20mV/5cFuQd9avSe7+Tgpw1brdBCIk/86lWEHoHobhi8Q7N49gDB6kUra2BRAw==\n"
        "ap25gdqra4pc21u0m2gn5onrvameh694.g.test. 300 IN RRSIG NSEC3 13 3 300 20400101000000 20200101000000 36518 g.test. wyFR+u/qQioXAw8X2nWN4+z/iFZPed9RGC7neNYntYSHbYa6O14308rsH4g9/D1wyJd9zaCzvHkb7AL1u6UYvw==\n"
        "ap25gdqra4pc21u0m2gn5onrvameh694.g.test. 300 IN NSEC3 1 0 1 ABCD bshljls3fg6l54vn1p2rm01udm13en7r A RRSIG\n"
        "bshljls3fg6l54vn1p2rm01udm13en7r.g.test. 300 IN RRSIG NSEC3 13 3 300 20400101000000 20200101000000 36518 g.test. jYRYpOPwM4JrEw/d84WAHQTrQvK2JFISjbIAHcX/7cpobaTS38ehDtz+IUtSQYW6MjHFD/KOpqJ9p/OOHG3/4A==\n"
        "bshljls3fg6l54vn1p2rm01udm13en7r.g.test. 300 IN NSEC3 1 0 1 ABCD cr664jjm3p5sj8aab4uijm29rtbkmeuj NS SOA RRSIG DNSKEY NSEC3PARAM\n"
        "cr664jjm3p5sj8aab4uijm29rtbkmeuj.g.test. 300 IN RRSIG NSEC3 13 3 300 20400101000000 20200101000000 36518 g.test. 4cUIYpD6lwLd8D2Cu4pTVNxczQyQ/YhEIEe6hrCYqL+0sDMmSQYv0/T4Kz3J22NjSqmvcnThP4isRS5t/bwRYw==\n"
        "cr664jjm3p5sj8aab4uijm29rtbkmeuj.g.test. 300 IN NSEC3 1 0 1 ABCD lig0ie63cvnd2h8alfjqf0iludct5q84 CNAME RRSIG\n"
        "dn.g.test. 3600 IN DNAME www.z.test.\n"
        "dn.g.test. 3600 IN RRSIG DNAME 13 3 3600 20400101000000 20200101000000 36518 g.test. NofMRpzY9Jc247HN6IfM9l648Wz7b0EDMG/JUIViw4DPIMH8trJ6gNVDnWyhFy5zm2kjLbgdNopQmaEabgXyZw==\n"
        "a.b.ent.g.test. 3600 IN A 192.0.2.3\n"
        "a.b.ent.g.test. 3600 IN RRSIG A 13 5 3600 20400101000000 20200101000000 36518 g.test. Sj2d8RuIWc+Cd6xtElo6ZcJ52m1NJ6a7X/s8QzH1roq6VbmzTPqDW/rVWii64COgnPRHDqsZ7RUkQcaE92cIKQ==\n"
        "insecure.g.test. 3600 IN NS ns.insecure.g.test.\n"
        "ns.insecure.g.test. 3600 IN A 192.0.2.6\n"
        "lig0ie63cvnd2h8alfjqf0iludct5q84.g.test. 300 IN RRSIG NSEC3 13 3 300 20400101000000 20200101000000 36518 g.test. +HqsOO3jLGfeIyTWrWDbQDx/NT6JAgcD5KefPfDXfNQWiU8PI8yoeHEtKRNUwr+egXV0mp874uSKXe1bQylt8w==\n"
        "lig0ie63cvnd2h8alfjqf0iludct5q84.g.test. 300 IN NSEC3 1 0 1 ABCD n5rqqn7fc38chd0ohj5k10h603rnuo67 NS DS RRSIG\n"
        "n5rqqn7fc38chd0ohj5k10h603rnuo67.g.test. 300 IN RRSIG NSEC3 13 3 300 20400101000000 20200101000000 36518 g.test. wYW2DzV6LhP1tB9JJ41ZBOsny1Co3LpjqyGCWwumrwT/tHQpcqayX/28ScFKRarLQUzQJ+Rsk6/z3g115l8CpA==\n"
        "n5rqqn7fc38chd0ohj5k10h603rnuo67.g.test. 300 IN NSEC3 1 0 1 ABCD ql1ncsfm05r4q573h6g3rkf3mc43ba8v DNAME RRSIG\n"
        "ns.g.test. 3600 IN A 192.0.2.1\n"
        "ns.g.test. 3600 IN RRSIG A 13 3 3600 20400101000000 20200101000000 36518 g.test. gPVGTRKCWRnfsWpK2G+FC03khRCPCByfqxWCIFMVMtFaUkLAJkdiuf/yhL0jh8onqWegf5nFHxkwgeRwEAABoQ==\n"
        "ql1ncsfm05r4q573h6g3rkf3mc43ba8v.g.test. 300 IN RRSIG NSEC3 13 3 300 20400101000000 20200101000000 36518 g.test. jAniYK86PzeIjZgvUkFd/OkIxnHK1z8vPmSB5zhcBaYz4ewiFRh33rJFQCOR6LOzsVJZEiuAgUTcm/eJXwtYXA==\n"
        "ql1ncsfm05r4q573h6g3rkf3mc43ba8v.g.test. 300 IN NSEC3 1 0 1 ABCD snu87v6nkkugetkkffvesvf6s746us9s A RRSIG\n"
        "secure.g.test. 3600 IN NS ns.secure.g.test.\n"
        "secure.g.test. 3600 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n"
        "secure.g.test. 3600 IN RRSIG DS 13 3 3600 20400101000000 20200101000000 36518 g.test. s1kZmlZBvvNoFepyhy8LzY9OcBd1B2UUMl44WR/59vOd/KjKDHIKP/9BQE9vwMrxrmBqIiLjtjl2j1sTExQ7Bw==\n"
        "ns.secure.g.test. 3600 IN A 192.0.2.5\n"
        "snu87v6nkkugetkkffvesvf6s746us9s.g.test. 300 IN RRSIG NSEC3 13 3 300 20400101000000 20200101000000 36518 g.test. LIYMDHrcKVTGtkCHEG3pXfROGH+v7pX4gkBMiqtLX3n++jeGD5bV6Hh0eZDww8/BVxTw5DJO3ywvoLFuUZUZuw==\n"
        "snu87v6nkkugetkkffvesvf6s746us9s.g.test. 300 IN NSEC3 1 0 1 ABCD th0d5avohfk0h7kblcn21hkj9s2df938 A TXT RRSIG\n"
        "th0d5avohfk0h7kblcn21hkj9s2df938.g.test. 300 IN RRSIG NSEC3 13 3 300 20400101000000 20200101000000 36518 g.test. N9mh22kCqXgVuFo4HbxyYJzO5M4URQZAUhU3VlHSB9qOElWw+HscMOqZhvJQ2v++GaTwxGJwqhKaseVHya74Nw==\n"
        "th0d5avohfk0h7kblcn21hkj9s2df938.g.test. 300 IN NSEC3 1 0 1 ABCD to3ob96k2mupsdk7c7qnqpuia83dougk\n"
        "to3ob96k2mupsdk7c7qnqpuia83dougk.g.test. 300 IN RRSIG NSEC3 13 3 300 20400101000000 20200101000000 36518 g.test. fZ0NVHIdR/SGbTf25i28rhNzX8WAAQfAT2C8qG+jCPnbOmzu/okWGhjS3RAXx7Yly1yMi2KFzZJbn8Ief0o+Tw==\n"
        "to3ob96k2mupsdk7c7qnqpuia83dougk.g.test. 300 IN NSEC3 1 0 1 ABCD 4mkbma5ofa142ijvifmdm7fob03hacjf TXT RRSIG\n"
        "*.wild.g.test. 3600 IN TXT \"wild\"\n"
        "*.wild.g.test. 3600 IN RRSIG TXT 13 3 3600 20400101000000 20200101000000 36518 g.test. Xsf1zvZoGI/s6ptOe/gg2NXvgmSA8FxNIhdVvbdCi65iswhP8iU8xWgBE/jqJpFZXXohBBeNcPUcUX3X4c70rA==\n"
        "www.g.test. 3600 IN A 192.0.2.2\n"
        "www.g.test. 3600 IN TXT \"hello\"\n"
        "www.g.test. 3600 IN RRSIG A 13 3 3600 20400101000000 20200101000000 36518 g.test. IliZ1OylJ8bu+SS/iB30BUOWkosep/HgFUH2dEwvxDDMBf80YBe+U5UyIEr/G+4RmSd9HglMtXNP3PctaVhDOQ==\n"
        "www.g.test. 3600 IN RRSIG TXT 13 3 3600 20400101000000 20200101000000 36518 g.test. 94IG7/Eyg1+oWq63Lmne+XnjSu/H9lwlvTwGA79yiwld298vGXOhsNQs91xtvsLvc1H8gKFzTAHx5jUGmUZUsg==\n";

static void add(od_authdb_t *db, const char *text, const char *origin)
{
	uint8_t o[OD_NAME_MAXLEN];
	od_require(od_name_from_str(o, origin, strlen(origin), NULL) > 0);
	od_zload_opts_t opts = { .origin = o };
	od_zone_t *z = NULL;
	od_require(od_zone_load_mem(&z, text, strlen(text), "fuzz", &opts) ==
	           0);
	od_authzone_t *az = NULL;
	od_require(od_authzone_new(&az, z) == 0);
	od_require(od_authdb_add(db, az) == 0);
	od_authzone_unref(az);
}

static void answer(const od_authdb_t *db, const uint8_t *data, size_t size,
                   const od_auth_opts_t *opts, size_t cap, od_arena_t *a)
{
	static uint8_t out[OD_PKT_MAXLEN + 16];
	memset(out + cap, 0xa5, 16);
	od_auth_info_t info;
	int len = od_auth_answer(db, data, size, opts, out, cap, a, &info);
	od_require(len >= 0 && (size_t)len <= cap);
	for (size_t i = 0; i < 16; i++)
		od_require(out[cap + i] == 0xa5);
	if (!opts->tcp)
		od_require((size_t)len <=
		           (opts->udp_max > 512 ? opts->udp_max : 512));
	if (len > 0) {
		od_pkt_t p;
		od_require(od_pkt_parse(&p, out, (size_t)len, &a->mm, 0) == 0);
		od_require(p.hdr.qr);
		od_require(p.rcode == info.rcode);
	}
	od_arena_reset(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static od_arena_t arena;
	static od_authdb_t *db;
	if (db == NULL) {
		od_arena_init(&arena, 0);
		db = od_authdb_new();
		od_require(db != NULL);
		add(db, unsigned_zone, "e.test.");
		add(db, nsec_zone, "f.test.");
		add(db, nsec3_zone, "g.test.");
	}
	od_auth_opts_t udp = { .udp_max = 1232 };
	od_auth_opts_t tcp = { .udp_max = 1232, .tcp = true };
	answer(db, data, size, &udp, OD_PKT_MAXLEN, &arena);
	answer(db, data, size, &tcp, OD_PKT_MAXLEN, &arena);
	answer(db, data, size, &tcp, 64 + size % 256, &arena);
	return 0;
}
