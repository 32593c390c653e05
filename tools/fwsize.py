#!/usr/bin/env python3
"""danebox: flash/RAM per component from a GNU ld map file.

Flash = .text (code, rodata, vectors) + .ARM.exidx + .data load image.
RAM   = .data + .bss + heap reserve + stack reserve (from the linker symbols).
Components: ours (src/, hal/, board/, firmware/, generated anchor), mbedTLS, BearSSL,
ldns, lwIP, libc/libgcc (newlib-nano, libgcc), padding (alignment fill).

Usage: fwsize.py --map build/<board>/danebox.map [--elf ...] [--objroot DIR] [--json|--summary]

--json prints one JSON object instead of the table: {"components": {name:
{"flash": B, "ram": B}}, "ours": {...}, "heap_reserve", "stack_reserve",
"total": {...}, "budget": {...}} (input of tools/bench/report.py).
--summary prints one line: total flash and static RAM (e.g. for the map of
danebox-verifier.elf, the image without mode=relay).
"""
import argparse
import json
import os
import re
import sys

FLASH_SECS = {".text", ".ARM.exidx", ".isr_vector", ".rodata"}
RAM_SECS = {".bss"}
BOTH_SECS = {".data"}

LIB_COMPONENT = {
    "libmbedtls.a": "mbedTLS",
    "libbearssl.a": "BearSSL",
    "libldns.a": "ldns",
    "liblwip.a": "lwIP",
}
ORDER = ["ours: src/", "ours: hal/", "ours: board/", "ours: firmware/", "ours: gen/",
         "mbedTLS", "BearSSL", "ldns", "lwIP", "libc/libgcc", "padding", "other"]


# The relay's parts (issue: flash added by the relay <= 24 KB, per part),
# by object file name.
RELAY_PARTS = [
    ("relay: smtpd server", re.compile(r"^dbx_smtpd\w*\.o$")),
    ("relay: flash queue", re.compile(r"^(dbx_fqueue\w*|dbx_queue_env|dbx_crc32)\.o$")),
    ("relay: storage HAL", re.compile(r"^(hal_storage\w*|storage_semihost)\.o$")),
    ("relay: lwIP listener", re.compile(r"^relay(_queue)?\.o$")),
    ("relay: delivery engine + connector (src/relay)", re.compile(r"^dbx_relay\w*\.o$")),
    ("relay: board delivery loop", re.compile(r"^relay_deliver\.o$")),
]
RELAY_FLASH, RELAY_RAM = {}, {}


def relay_part(path):
    m = re.search(r"\(([^)]+\.o)\)$", path)
    obj = m.group(1) if m else os.path.basename(path)
    for name, rx in RELAY_PARTS:
        if rx.match(obj):
            return name
    return None


def member_index(objroot):
    """basename.o -> top directory (src, hal, board, gen) for libdbx.a members."""
    idx = {}
    for dirpath, _, files in os.walk(objroot):
        for f in files:
            if f.endswith(".o"):
                rel = os.path.relpath(os.path.join(dirpath, f), objroot)
                idx.setdefault(f, rel.split(os.sep)[0])
    return idx


def component(path, members):
    m = re.search(r"([^/]+\.a)\(([^)]+)\)$", path)
    if m:
        lib, obj = m.group(1), m.group(2)
        if lib in LIB_COMPONENT:
            return LIB_COMPONENT[lib]
        if lib == "libdbx.a":
            return "ours: %s/" % members.get(obj, "src")
        return "libc/libgcc"  # libc_nano.a, libg_nano.a, libgcc.a, libm.a, ...
    if "/obj/" in path:
        top = path.split("/obj/", 1)[1].split("/")[0]
        return "ours: %s/" % top
    if "libgcc" in path or "arm-none-eabi" in path:
        return "libc/libgcc"
    return "other"


def parse(map_path, members):
    """Return ({comp: flash}, {comp: ram}, symbols, memory regions).

    Input-section sizes in a map overlap where ld merged duplicate strings
    (SHF_MERGE), so bytes are attributed by address: each byte of an output
    section goes to the first input section covering it, and whatever no
    input section covers (alignment, fill) is "padding"."""
    flash, ram = {}, {}
    syms, mem = {}, {}
    sections = []  # (name, start, size, [(addr, size, comp)])
    cur = None
    pending = False
    in_map = False
    tail = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    with open(map_path) as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not in_map:
                mm = re.match(r"^(\w+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)", line)
                if mm and mm.group(1) in ("FLASH", "RAM"):
                    mem[mm.group(1)] = (int(mm.group(2), 16), int(mm.group(3), 16))
                if line.startswith("Linker script and memory map"):
                    in_map = True
                continue
            sm = re.match(r"^\s+0x([0-9a-f]+)\s+(__\w+)\s+=", line)
            if sm:
                syms[sm.group(2)] = int(sm.group(1), 16)
                continue
            om = re.match(r"^(\.[\w.]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)", line)
            if om or re.match(r"^\.[\w.]+\s*$", line) or re.match(r"^\S", line):
                cur = None
                pending = False
                if om:
                    cur = (om.group(1), int(om.group(2), 16), int(om.group(3), 16), [])
                    sections.append(cur)
                continue
            if cur is None:
                continue
            if line.startswith(" *fill*"):
                continue
            m = re.match(r"^\s(\.\S+|COMMON)\s*$", line)
            if m:
                pending = True
                continue
            m = re.match(r"^\s(?:\.\S+|COMMON)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if not m and pending:
                m = tail.match(line)
            pending = False
            if m:
                cur[3].append((int(m.group(1), 16), int(m.group(2), 16),
                               component(m.group(3).strip(), members),
                               relay_part(m.group(3).strip())))
    for name, start, size, entries in sections:
        kind = ("flash" if name in FLASH_SECS else "both" if name in BOTH_SECS
                else "ram" if name in RAM_SECS else None)
        if kind is None or size == 0:
            continue
        per = {}
        covered = start
        for addr, sz, comp, part in sorted(entries, key=lambda e: (e[0], -e[1])):
            lo, hi = max(addr, covered), min(addr + sz, start + size)
            if hi > lo:
                per[comp] = per.get(comp, 0) + hi - lo
                covered = hi
                if part and kind in ("flash", "both"):
                    RELAY_FLASH[part] = RELAY_FLASH.get(part, 0) + hi - lo
                if part and kind in ("ram", "both"):
                    RELAY_RAM[part] = RELAY_RAM.get(part, 0) + hi - lo
        pad = size - sum(per.values())
        if pad:
            per["padding"] = per.get("padding", 0) + pad
        for comp, v in per.items():
            if kind in ("flash", "both"):
                flash[comp] = flash.get(comp, 0) + v
            if kind in ("ram", "both"):
                ram[comp] = ram.get(comp, 0) + v
    return flash, ram, syms, mem


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--map", required=True)
    ap.add_argument("--elf", help="unused; kept for the make rule's symmetry")
    ap.add_argument("--objroot", help="default: <map dir>/obj")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--summary", action="store_true", help="one line: flash, static RAM")
    a = ap.parse_args()
    objroot = a.objroot or os.path.join(os.path.dirname(a.map), "obj")
    flash, ram, syms, mem = parse(a.map, member_index(objroot))
    heap = syms.get("__heap_end", 0) - syms.get("__heap_start", 0)
    stack = syms.get("__stack_top", 0) - syms.get("__stack_bottom", 0)
    comps = [c for c in ORDER if c in flash or c in ram] + \
        sorted(c for c in set(flash) | set(ram) if c not in ORDER)
    ours_f = sum(v for k, v in flash.items() if k.startswith("ours"))
    ours_r = sum(v for k, v in ram.items() if k.startswith("ours"))
    tf = sum(flash.values())
    tr = sum(ram.values()) + heap + stack
    fb = mem.get("FLASH", (0, 0))[1]
    rb = mem.get("RAM", (0, 0))[1]
    if a.summary:
        print("  flash %d B (%.1f KB), static RAM %d B" % (tf, tf / 1024.0, tr - heap - stack))
        return 0
    if a.json:
        json.dump({"components": {c: {"flash": flash.get(c, 0), "ram": ram.get(c, 0)}
                                  for c in comps},
                   "order": comps,
                   "ours": {"flash": ours_f, "ram": ours_r},
                   "heap_reserve": heap, "stack_reserve": stack,
                   "total": {"flash": tf, "ram": tr},
                   "budget": {"flash": fb, "ram": rb},
                   "relay": {p: {"flash": RELAY_FLASH.get(p, 0), "ram": RELAY_RAM.get(p, 0)}
                             for p, _ in RELAY_PARTS}}, sys.stdout, indent=1)
        print()
        return 0
    print("%-18s %10s %10s" % ("component", "flash", "RAM"))
    for c in comps:
        print("%-18s %10d %10d" % (c, flash.get(c, 0), ram.get(c, 0)))
    print("%-18s %10d %10d" % ("  (ours total)", ours_f, ours_r))
    print("%-18s %10s %10d" % ("heap reserve", "", heap))
    print("%-18s %10s %10d" % ("stack reserve", "", stack))
    print("%-18s %10d %10d" % ("total", tf, tr))
    if fb and rb:
        print("%-18s %10d %10d   (flash %.1f%%, RAM %.1f%% incl. reserves)"
              % ("budget", fb, rb, 100.0 * tf / fb, 100.0 * tr / rb))
    if RELAY_FLASH:
        print("relay parts (included above; static RAM only, sessions are heap):")
        for p, _ in RELAY_PARTS:
            print("  %-22s %10d %10d" % (p[7:], RELAY_FLASH.get(p, 0), RELAY_RAM.get(p, 0)))
        print("  %-22s %10d %10d   (budget: flash 24576)" % (
            "relay total", sum(RELAY_FLASH.values()), sum(RELAY_RAM.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
