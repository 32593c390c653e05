#!/usr/bin/env python3
"""danebox bench: the instruction-count parts of BENCHMARKS.md (imported by
report.py): section 2 (firmware mode=bench under QEMU -icount), the crypto
backends section (bench_crypto.sh), the ECDSA, RSA and host-vs-drill
rows of the Targets table; splice_crypto() for bench.sh BENCH_ONLY=crypto."""
from report_common import n, mega, write_spliced


CRYPTO_ROWS = [
    ("mbedTLS 3.6, C bignum, ECP window 2, no fixed-point tables (the board config before)",
     "c", "mbedtls-sw"),
    ("mbedTLS, C bignum, ECP window 4 + fixed-point tables (`MBEDTLS_ECP_WINDOW_SIZE 4`, "
     "`MBEDTLS_ECP_FIXED_POINT_OPTIM 1`)", "cw4fp1", "mbedtls-sw"),
    ("mbedTLS, bignum asm (`MBEDTLS_HAVE_ASM`: UMAAL), ECP window 2 (**the board's mbedTLS "
     "now**)", "board", "mbedtls-sw"),
    ("mbedTLS, bignum asm + ECP window 4 + fixed-point tables", "w4fp1", "mbedtls-sw"),
    ("danebox `dbx-p256` (ours, `hal/crypto/hal_p256_*.c`: Solinas field, wNAF u1·G + u2·Q, "
     "generated G table): ECDSA (**board default**)", "all", "dbx-p256"),
    ("p256-m (mbedTLS `3rdparty/p256-m`) behind the HAL: ECDSA", "all", "p256m"),
    ("BearSSL 0.6 `ec_p256_m31` + `ecdsa_i31_vrfy_raw`: ECDSA", "all", "bearssl-m31"),
    ("BearSSL 0.6 `ec_p256_m15` + `ecdsa_i15_vrfy_raw`: ECDSA", "all", "bearssl-m15"),
    ("BearSSL 0.6 `rsa_i31_pkcs1_vrfy`: RSA", "all", "bearssl-i31"),
    ("BearSSL 0.6 `rsa_i15_pkcs1_vrfy`: RSA", "all", "bearssl-i15"),
]


def target_section(w, g):
    """Section 2: firmware mode=bench instruction counts; returns the plot
    rows (operation, instructions)."""
    w("## 2. Instruction counts on the target (QEMU mps2-an386, `-icount shift=0`)")
    w("")
    plot_t = []
    if g("target_status") is not None:
        w("not measured: %s" % g("target_status"))
    else:
        w("Firmware `mode=bench` (`firmware/bench.c`) through `hal_crypto_*` (the board's backend "
          "chain `%s` in front of the mbedTLS %s software backend, Cortex-M4 `-Os`), fixed public vectors (`firmware/bench_vectors.h`, made once by "
          "`tools/bench/mkvectors.sh` with openssl). Clock: SysTick on the 25 MHz processor clock "
          "(ms interrupt count × 25,000 + current-ms cycles, as the uptime line). With `-icount "
          "shift=0` each guest instruction advances virtual time by 1 ns, so **1 tick = %s "
          "instructions: that is the resolution**; counts include the SysTick handler's own "
          "instructions and the 2 timer reads (the `empty` row)."
          % (g("cb_board_chain", "?"), g("v_mbedtls"), g("t_tick_insns", "?")))
        w("")
        w("| operation | instructions, 1st call | 2nd call (same boot) | ticks (1st) | result |")
        w("|---|---:|---:|---:|---|")
        rows = [("empty", "empty measurement (overhead)"),
                ("sha256_1k", "(c) SHA-256 of 1 KiB"),
                ("rsa2048_verify", "(a) RSA-2048 PKCS#1 v1.5 SHA-256 verify (digest given)"),
                ("ecdsa_p256_verify", "(b) ECDSA P-256 verify (digest given)"),
                ("rrsig_rsa2048", "RRSIG-style RSA: SHA-256 of 128 B signed data + (a)"),
                ("rrsig_ecdsa_p256", "RRSIG-style ECDSA: SHA-256 of 128 B + (b)")]
        for op, label in rows:
            w("| %s | %s | %s | %s | %s |" % (label, n(g("t_%s_r1_insns" % op)),
                                            n(g("t_%s_r2_insns" % op)), n(g("t_%s_r1_ticks" % op)),
                                            g("t_%s_r1_status" % op, "?")))
        w("")
        w("Two QEMU runs, identical measurement lines: **%s**. Negative checks (a flipped bit in "
          "each signature must not verify): %s. The 1st and 2nd call in one boot can differ by a "
          "few ticks (heap state in mbedTLS' bignum allocations)."
          % (g("target_deterministic", "?"), g("target_negative", "?")))
        w("")
        w("ECDSA P-256 costs more than an RSA-2048 verify: RSA verify is one modular "
          "exponentiation with e = 65537 (17 multiplications), ECDSA verify two scalar "
          "multiplications (the backends compared below). At the board's "
          "25 MHz and ~1 instruction/cycle that is on the order of %.1f s per ECDSA verify and "
          "%.2f s per RSA verify (an estimate from the counts, not a measurement on hardware)."
          % (int(g("t_ecdsa_p256_verify_r1_insns", "0")) / 25e6,
             int(g("t_rsa2048_verify_r1_insns", "0")) / 25e6))
        for op, label in [("rsa2048_verify", "RSA-2048"), ("ecdsa_p256_verify", "ECDSA P-256"),
                          ("sha256_1k", "SHA-256 1 KiB")]:
            if g("t_%s_r1_insns" % op):
                plot_t.append((label, int(g("t_%s_r1_insns" % op))))
    w("")
    return plot_t


def crypto_section(w, g):
    """BENCHMARKS.md: the crypto backend comparison (bench_crypto.sh)."""
    w("### Crypto backends (`hal/crypto/`, `make BOARD=mps2-an386 DBX_CRYPTO=...`)")
    w("")
    if not g("cb_board_chain") and not g("cb_board_mbedtls-sw_ecdsa_p256_verify_insns"):
        w("not measured (%s)" % g("crypto_status", "bench_crypto skipped"))
        w("")
        return
    w("`bench_crypto`: firmware variants built into `build/bench-crypto/<tag>` (`all`: every "
      "backend linked, `DBX_CRYPTO=\"dbx-p256 p256m bearssl-m31 bearssl-m15 bearssl-i31 bearssl-i15\"`; "
      "`c`, `cw4fp1`, `w4fp1`: mbedTLS only, other bignum/ECP settings through `DBX_CFLAGS`), "
      "each booted "
      "with `mode=bench` under `-icount shift=0`: one RSA-2048 (e = 65537, SHA-256) and one "
      "ECDSA P-256 verify of the fixed vectors per backend, straight through its vtable. Stack = "
      "painted-stack high-water mark of the call minus that of an empty call through the same "
      "path; heap = malloc high-water mark during the call (mbedTLS allocates its bignums, "
      "BearSSL and p256-m use the stack only). Flash = the backend's objects in the linker map "
      "(`tools/bench/crypto_flash.py`; for mbedTLS rows the whole mbedTLS component, TLS "
      "included, since ECP/bignum settings change code all over it); no backend has static RAM "
      "(.data/.bss). The same firmware also runs the known-answer + edge-case table "
      "(`tests/crypto/kat_vectors.bin`) on every linked backend: `%s` (board), `%s` (all)."
      % (g("cb_board_kat", "?"), g("cb_all_kat", "?")))
    w("")
    crypto_board_table(w, g)
    crypto_host_table(w, g)
    crypto_notes(w, g)


def crypto_flash(g, tag, be):
    """The flash cell of one backend row of the crypto table."""
    if be == "mbedtls-sw":
        fl = "%s (mbedTLS component; image %s)" % (n(g("cb_%s_flash_mbedtls" % tag)),
                                                  n(g("cb_%s_flash_total" % tag)))
    elif be in ("p256m", "dbx-p256"):
        fl = n(g("cbf_%s_%s" % (tag, be)))
        if be == "dbx-p256":
            fl += " (code + 1 KB G table; no static RAM)"
    elif be in ("bearssl-m31", "bearssl-m15"):
        fl = "%s (+ %s shared glue/codecs/curve tables; the i%s integer code it also uses is " \
             "counted under RSA%s)" % (
                 n(g("cbf_%s_%s" % (tag, be))), n(g("cbf_%s_bearssl" % tag)), be[-2:],
                 "")
    else:
        try:
            fl = "%s (+ %s shared: glue, codecs, curve tables)" % (
                n(g("cbf_%s_%s" % (tag, be))), n(g("cbf_%s_bearssl" % tag)))
        except Exception:
            fl = "?"
    return fl


def crypto_board_table(w, g):
    """The crypto table on the board: one row per backend of CRYPTO_ROWS."""
    w("| backend | ECDSA P-256 verify, M4 instructions | RSA-2048 verify, M4 instructions | "
      "flash (B) | stack ECDSA / RSA (B) | heap ECDSA / RSA (B) |")
    w("|---|---:|---:|---:|---:|---:|")
    for label, tag, be in CRYPTO_ROWS:
        def k(op, f):
            return g("cb_%s_%s_%s_%s" % (tag, be, op, f))
        e, r = k("ecdsa_p256_verify", "insns"), k("rsa2048_verify", "insns")
        if not e and not r:
            w("| %s | %s | | | | |" % (label, g("cb_%s_status" % tag, "not measured")))
            continue
        fl = crypto_flash(g, tag, be)
        def mm(v):
            return "**%s**" % mega(v) if v else "–"
        w("| %s | %s | %s | %s | %s / %s | %s / %s |"
          % (label, mm(e), mm(r), fl, n(k("ecdsa_p256_verify", "stack")) if e else "–",
             n(k("rsa2048_verify", "stack")) if r else "–",
             n(k("ecdsa_p256_verify", "heap")) if e else "–",
             n(k("rsa2048_verify", "heap")) if r else "–"))
    w("")


def crypto_host_table(w, g):
    """The crypto table on the host (callgrind Ir of one verify per backend)."""
    w("Host (x86-64, `gcc -O2`, callgrind Ir of `bench_op()` in `build/host/crypto_bench`: the "
      "verify alone; mbedTLS here with its default ECP settings and x86-64 asm; p256-m has no "
      "64-bit path, ~90% of its Ir are in its generic 32-bit `u288_muladd`, which on the M4 is "
      "one UMAAL):")
    w("")
    w("| backend | ECDSA P-256 verify, Ir | RSA-2048 verify, Ir |")
    w("|---|---:|---:|")
    for be in ["mbedtls-sw", "dbx-p256", "p256m", "bearssl-m31", "bearssl-m15", "bearssl-i31", "bearssl-i15",
               "bearssl-i62"]:
        e, r = g("cbh_%s_ecdsa" % be), g("cbh_%s_rsa" % be)
        if e or r:
            w("| %s | %s | %s |" % (be, mega(e) if e else "– (no slot)", mega(r) if r else "– (no slot)"))
    w("")


def crypto_notes(w, g):
    """What the crypto backends cover, and what is left of dbx-p256 and RSA."""
    w("Board default: `DBX_CRYPTO=\"%s\"` (`board/common/mps2.mk`): ECDSA P-256 on our `dbx-p256`, "
      "everything else (RSA, P-384) on mbedTLS, now with its bignum assembly on the M4. The host "
      "default (`board/host/board.mk`) is the same chain, by the host table. What the backends "
      "cover: every DNSSEC RRSIG and DS/DNSKEY check goes through the HAL; with an ECDSA backend in "
      "the chain, mbedTLS' own `mbedtls_ecdsa_verify()` (X.509 chain signatures, TLS 1.2 "
      "ServerKeyExchange, TLS 1.3 CertificateVerify) is the HAL bridge too "
      "(`MBEDTLS_ECDSA_VERIFY_ALT`, `hal/crypto/hal_crypto_mbedtls.c`). Not routed: RSA "
      "signatures inside TLS/X.509 (mbedTLS' RSA with the asm bignum) and the ECDHE key exchange "
      "(mbedTLS ECP; p256-m as mbedTLS' PSA driver could take it, not done)."
      % g("cb_board_chain", "?"))
    w("")
    w("`dbx-p256` (`hal/crypto/hal_p256_field.c`, `hal_p256_point.c`, `hal_p256_ecdsa.c`; "
      "constants and the table of G generated at build time by `tools/mkp256tab.py`): verify "
      "only, so variable time on public data: 8 x 32-bit limbs, operand-scanning multiply "
      "(UMAAL inline asm on ARMv7E-M, portable C elsewhere), P-256's special (Solinas) reduction, "
      "Jacobian coordinates with the a = -3 doubling, mixed additions against 16 affine odd "
      "multiples of G in flash (width-6 wNAF) interleaved with a width-4 wNAF against 1Q..7Q "
      "built per verify, no field inversion (x(R) mod n = r is tested as X = r·Z² or (r + n)·Z²), "
      "s⁻¹ mod n by Fermat on a Montgomery product mod n; strict checks (r, s in [1, n-1], Q's "
      "coordinates < p and on the curve, result at infinity rejected); no heap. Tested by the "
      "KAT table above and by `test_p256` (field operations against mbedTLS' bignum, a "
      "randomized differential test against mbedTLS: 200 keys, 1,200 signatures: 400 valid "
      "(half of them high-S) that must verify, 800 corrupted that must not, digests of 20-64 "
      "bytes, both backends' verdicts equal). What is left towards the hand-written "
      "assembly class (P256-Cortex-M4, ~1.2 M cycles): the multiply and reduction are C (the "
      "reduction is ~half of each product), no dedicated squaring, no comb/fixed-base table "
      "for G, Fermat for s⁻¹ (~380 products mod n).")
    w("")
    w("RSA-2048: mbedTLS 3.6's exponentiation is a fixed-window ladder that "
      "multiplies by the table entry for every bit of e = 65537, 15 times by 1 (34 Montgomery "
      "products); the HAL now does square-and-multiply on mbedTLS' Montgomery core (19 "
      "products, public data so variable time is fine), which took the board's RSA-2048 "
      "verify from 2.59 M to the figure above. What is left: those 19 products and R² mod N, "
      "derived on every verify (about 13% on the host); keeping it per DNSKEY would remove "
      "that part (not done).")
    w("")


def ecdsa_rsa_rows(g):
    """The ECDSA and RSA rows of the Targets table (bench_target)."""
    return [
        "| ECDSA P-256 verify, M4 instructions (board default `%s`) | 39.0 M | %s | ≤ 10 M |"
        % (g("cb_board_chain") or "?", mega(g("t_ecdsa_p256_verify_r1_insns"))),
        "| RSA-2048 verify, M4 instructions | 4.0 M | %s | ≤ 2.5 M |"
        % mega(g("t_rsa2048_verify_r1_insns")),
    ]


def host_ratio_row(g):
    """The host cold validated TLSA vs drill row of the Targets table (bench_host)."""
    try:
        r = "%.2f×" % (int(g("ir_dbx_1")) / int(g("ir_drill")))
    except (TypeError, ValueError, ZeroDivisionError):
        r = "not measured"
    return ("| host cold validated TLSA vs `drill -S` (this bench's question, %s) | 3.7× (all-ECDSA "
            "chain) | %s | ≤ 1.0× |" % ("`_25._tcp.mx.rsa.test.`", r))


def splice_crypto(path, g):
    """--only crypto: replace the ECDSA, RSA and host-vs-drill rows of the
    Targets table and the crypto backends section in an existing
    BENCHMARKS.md (everything else stays)."""
    text = open(path).read().split("\n")
    out, done, skipping = [], 0, False
    rows = ecdsa_rsa_rows(g)
    for line in text:
        if skipping:
            if not line.startswith("### "):
                continue
            skipping = False
        if line.startswith("| ECDSA P-256 verify, M4 instructions"):
            line, done = rows[0], done + 1
        elif line.startswith("| RSA-2048 verify, M4 instructions |"):
            line, done = rows[1], done + 1
        elif line.startswith("| host cold validated TLSA vs `drill -S`") and g("ir_dbx_1"):
            line = host_ratio_row(g)
        elif line.startswith("### Crypto backends"):
            crypto_section(out.append, g)
            skipping, done = True, done + 1
            continue
        out.append(line)
    return write_spliced(path, out, done == 3, "Targets table / crypto section")
