#!/usr/bin/env python3
"""decode_oracle.py: logdump --decode against debugfs and dumpe2fs (tests/decode.bats).

  decode_oracle.py roles AFTER JSON
      the role of the last logged copy of every block against the image after e2fsck's
      replay: dumpe2fs's layout (superblocks, descriptors, reserved GDT, bitmaps, inode
      tables), debugfs icheck (the owner), stat (File ACL, (IND)/(DIND)/(TIND) blocks, type),
      ex (the depth of an extent tree block) and bmap (the logical block).
  decode_oracle.py mappings BEFORE AFTER JSON
      every extent, index and indirect mapping added or removed, and every i_block[k] of a
      block-mapped inode: its first change against debugfs icheck on the image before replay,
      its last against icheck (and bmap, for an extent) after.

  decode_oracle.py bytes IMG JSON [JOURNAL]
      the changed byte ranges of every data and unknown block: the copies found where debugfs
      logdump -a puts them (cat <8>, or the external JOURNAL device, read at their journal
      block; escaped ones restored), the first against the block in IMG, each later one
      against the copy before it, compared by cmp -l.

  decode_oracle.py keys MAN JSON...
      every key of the logdump --decode --json documents JSON... is named in jbdctl(8)'s JSON
      OUTPUT section (MAN is man/jbdctl.8.in), the decoded ones (under role, previous,
      changes, checksum_failures, summary) in its --decode paragraph; every role kind,
      inconsistency kind and checksum_failures structure emitted is one the page lists, and
      the page lists the role kinds of the issue (the schema jbdctl promises).

  decode_oracle.py entries BEFORE AFTER JSON
      the entries added, removed, renamed and re-pointed in every logged directory block,
      applied in log order to debugfs ls -p before replay, give debugfs ls -p after (for the
      directories that still exist after replay).
  decode_oracle.py counters BEFORE AFTER JSON
      every group descriptor and superblock counter the log changes (free blocks, free
      inodes, used directories; primary copies), its first old value against debugfs stats
      before replay, its last new value after.

JSON is the array of committed transactions of `logdump --decode --json`.  Expected values
come from debugfs and dumpe2fs only.  Exit 0 when everything agrees and something was checked.
"""
import json
import re
import subprocess
import sys


def debugfs(img, cmds):
    """Run debugfs -n with CMDS; return {command: output lines}, in order."""
    out = subprocess.run(["debugfs", "-n", "-f", "-", img], input="\n".join(cmds) + "\n",
                         capture_output=True, text=True).stdout
    res, cur = [], None
    for line in out.splitlines():
        if line.startswith("debugfs: "):
            cur = []
            res.append((line[len("debugfs: "):], cur))
        elif cur is not None:
            cur.append(line)
    return res


def owners(img, blocks):
    """debugfs icheck: block -> inode number (0 when no inode owns it)."""
    own = {}
    blocks = sorted(set(blocks))
    for i in range(0, len(blocks), 200):
        for _, lines in debugfs(img, ["icheck " + " ".join(map(str, blocks[i:i + 200]))]):
            for line in lines:
                m = re.match(r"^(\d+)\s+(\d+|<block not found>)", line)
                if m:
                    own[int(m.group(1))] = int(m.group(2)) if m.group(2).isdigit() else 0
    return own


def layout(img):
    """dumpe2fs: block -> (kind, group, backup) for the filesystem's own metadata."""
    out = subprocess.run(["dumpe2fs", img], capture_output=True, text=True).stdout
    meta, group, info = {}, None, {}
    for line in out.splitlines():
        m = re.match(r"^(Inodes per group|Inode size|Block size|Cluster size):\s+(\d+)", line)
        if m:
            info[m.group(1)] = int(m.group(2))
        m = re.match(r"^Group (\d+):", line)
        if m:
            group = int(m.group(1))
            continue
        if group is None:
            continue
        for kind, pat in (("superblock", r"(Primary|Backup) superblock at (\d+)"),
                          ("group_descriptors", r"Group descriptors at (\d+)-(\d+)"),
                          ("reserved_gdt", r"Reserved GDT blocks at (\d+)-(\d+)"),
                          ("block_bitmap", r"Block bitmap at (\d+)"),
                          ("inode_bitmap", r"Inode bitmap at (\d+)"),
                          ("inode_table", r"Inode table at (\d+)-(\d+)")):
            m = re.search(pat, line)
            if not m:
                continue
            if kind == "superblock":
                backup = m.group(1) == "Backup"
                meta[int(m.group(2))] = (kind, group, backup)
                continue
            lo = int(m.group(1))
            hi = int(m.group(2)) if m.lastindex >= 2 else lo
            for b in range(lo, hi + 1):
                meta[b] = (kind, group, backup if kind == "group_descriptors" else None, lo)
    return meta, info


def last_copies(txs, per):
    """fs block -> role of its last copy, without the blocks the log frees after it (their
    bit cleared in a later transaction: the role held then, not after replay)."""
    last, at, freed = {}, {}, {}
    for i, tx in enumerate(txs):
        for b in tx["blocks"]:
            last[b["fs_block"]] = b["role"]
            at[b["fs_block"]] = i
            for c in b["changes"]:
                if c.get("numbers") == "blocks":
                    for x in c["cleared"]:
                        for y in range(x, x + per):     # a cluster's blocks
                            freed[y] = i
    return {k: v for k, v in last.items() if freed.get(k, -1) <= at[k]}


def check_roles(after, txs):
    meta, info = layout(after)
    ipb = info["Block size"] // info["Inode size"]
    last = last_copies(txs, info.get("Cluster size", info["Block size"]) // info["Block size"])
    own = owners(after, [b for b in last if b not in meta])
    bad, checked = [], {}
    stats, exts, bmaps = {}, {}, []
    inodes = sorted({o for o in own.values() if o})
    for cmd, lines in debugfs(after, ["stat <%d>" % i for i in inodes] +
                              ["ex <%d>" % i for i in inodes]):
        m = re.search(r"<(\d+)>", cmd)
        if not m:
            continue
        ino = int(m.group(1))
        (stats if cmd.startswith("stat") else exts)[ino] = lines
    for blk, r in sorted(last.items()):
        if r["kind"] in ("data", "directory", "symlink") and "logical" in r:
            bmaps.append((blk, r))
    logical = {}
    cmds = ["bmap <%d> %d" % (r["inode"], r["logical"]) for _, r in bmaps]
    for (blk, r), (_, lines) in zip(bmaps, debugfs(after, cmds)):
        logical[blk] = lines[0].strip() if lines else ""
    for blk, r in sorted(last.items()):
        k = r["kind"]
        want = None
        if blk in meta:
            m = meta[blk]
            want = {"kind": m[0], "group": m[1]}
            if m[0] in ("superblock", "group_descriptors"):
                want["backup"] = m[2]
            got = {x: r.get(x) for x in want}
            if m[0] == "inode_table":
                first = m[1] * info["Inodes per group"] + (blk - m[3]) * ipb + 1
                want["inodes"] = [first, first + ipb - 1]
                got["inodes"] = r.get("inodes")
            if got != want:
                bad.append("block %d: %s, dumpe2fs says %s" % (blk, r, want))
        elif k in ("superblock", "group_descriptors", "reserved_gdt", "block_bitmap",
                   "inode_bitmap", "inode_table", "journal"):
            bad.append("block %d: %s, not where dumpe2fs puts it" % (blk, k))
        elif k == "unknown":
            if own.get(blk):
                bad.append("block %d: unknown, but inode %d owns it" % (blk, own[blk]))
        else:
            ino = own.get(blk, 0)
            text = "\n".join(stats.get(ino, []))
            if r.get("inode") != ino:
                bad.append("block %d: %s of inode %s, icheck says inode %d" %
                           (blk, k, r.get("inode"), ino))
            elif k == "xattr":
                if not re.search(r"File ACL: %d\b" % blk, text):
                    bad.append("block %d: xattr, not inode %d's File ACL" % (blk, ino))
            elif k == "indirect":
                if not re.search(r"\((IND|DIND|TIND)\):%d\b" % blk, text):
                    bad.append("block %d: indirect, not in inode %d's stat" % (blk, ino))
            elif k == "extent_tree":
                depth = None
                for line in exts.get(ino, []):
                    f = line.split()
                    if len(f) >= 8 and f[0].endswith("/") and f[0][:-1].isdigit():
                        lvl, mx = int(f[0][:-1]), int(f[1])
                        if lvl < mx and f[7].isdigit() and int(f[7]) == blk:
                            depth = mx - lvl - 1
                if depth != r.get("depth"):
                    bad.append("block %d: extent tree depth %s, ex says %s" %
                               (blk, r.get("depth"), depth))
            else:
                typ = {"directory": "directory", "symlink": "symlink",
                       "data": "regular"}[k]
                if not re.search(r"Type: %s\b" % typ, text):
                    bad.append("block %d: %s, inode %d is not a %s" % (blk, k, ino, typ))
                if "logical" in r and logical.get(blk) != str(blk):
                    bad.append("block %d: logical %d of inode %d, bmap gives %s" %
                               (blk, r["logical"], ino, logical.get(blk)))
        checked[k] = checked.get(k, 0) + 1
    for b in bad:
        print(b)
    print("roles checked:", json.dumps(checked, sort_keys=True))
    return not bad and bool(checked)


def mapping_ops(txs):
    """(inode, block) -> [(op, logical or None)], in log order."""
    ops = {}

    def add(ino, blk, op, lblk=None):
        if ino and blk:
            ops.setdefault((ino, blk), []).append((op, lblk))

    for tx in txs:
        for b in tx["blocks"]:
            copy = {}       # (inode, block) -> [op, logical]: one copy's changes at once
            for c in b["changes"]:
                ino = c.get("inode") or b["role"].get("inode")
                found = []
                for key, val in c.items():
                    if not isinstance(val, dict) or "physical" not in val:
                        continue
                    op = "add" if key.endswith("_added") else "remove"
                    n = val.get("length", 1) if key.startswith("extent_") else 1
                    for i in range(n):
                        lblk = val["logical"] + i if key.startswith("extent_") else None
                        found.append((val["physical"] + i, op, lblk))
                f = c.get("field", "")
                if re.match(r"^i_block\[\d+\]$", f) and b["role"]["kind"] == "inode_table":
                    found += [(c["old"], "remove", None), (c["new"], "add", None)]
                for blk, op, lblk in found:
                    prev = copy.get((ino, blk))
                    if prev and prev[0] != op:      # moved within the copy: kept
                        op = "move"
                    copy[(ino, blk)] = [op, lblk if lblk is not None else
                                        (prev[1] if prev else None)]
            for (ino, blk), (op, lblk) in copy.items():
                add(ino, blk, op, lblk)
    return ops


def check_mappings(before, after, txs):
    ops = mapping_ops(txs)
    blocks = [b for _, b in ops]
    own_b, own_a = owners(before, blocks), owners(after, blocks)
    bad, n = [], 0
    leafs = [(k, v[-1][1]) for k, v in sorted(ops.items()) if v[-1][0] != "remove" and
             v[-1][1] is not None]
    got = debugfs(after, ["bmap <%d> %d" % (ino, lblk) for (ino, _), lblk in leafs])
    for ((ino, blk), lblk), (_, lines) in zip(leafs, got):
        if not lines or lines[0].strip() != str(blk):
            bad.append("inode %d logical %d: decoded block %d, bmap gives %s" %
                       (ino, lblk, blk, lines[0].strip() if lines else "nothing"))
    for (ino, blk), seq in sorted(ops.items()):
        first = "remove" if seq[0][0] == "move" else seq[0][0]
        last = "add" if seq[-1][0] == "move" else seq[-1][0]
        if (own_b.get(blk) == ino) != (first == "remove"):
            bad.append("inode %d block %d: first %s, icheck before replay: inode %s" %
                       (ino, blk, first, own_b.get(blk)))
        if (own_a.get(blk) == ino) != (last == "add"):
            bad.append("inode %d block %d: last %s, icheck after replay: inode %s" %
                       (ino, blk, last, own_a.get(blk)))
        n += 1
    for b in bad[:40]:
        print(b)
    print(n, "mapped blocks checked,", len(leafs), "logical blocks")
    return not bad and n > 0


def stats(img):
    """debugfs stats: {("group", g, field) or ("super", field): value}."""
    out = subprocess.run(["debugfs", "-n", "-R", "stats", img], capture_output=True,
                         text=True).stdout
    res, group = {}, None
    for line in out.splitlines():
        m = re.match(r"^(Free blocks|Free inodes):\s+(\d+)", line)
        if m:
            res[("super", {"Free blocks": "s_free_blocks_count",
                           "Free inodes": "s_free_inodes_count"}[m.group(1)])] = int(m.group(2))
        m = re.match(r"^\s*Group\s+(\d+):", line)
        if m:
            group = int(m.group(1))
        m = re.match(r"^\s+(\d+) free (?:blocks|clusters), (\d+) free inodes, (\d+) used "
                     r"director", line)
        if m and group is not None:
            for f, v in zip(("bg_free_blocks_count", "bg_free_inodes_count",
                             "bg_used_dirs_count"), m.groups()):
                res[("group", group, f)] = int(v)
    return res


def check_counters(before, after, txs):
    """Group descriptor and superblock counters (primary copies): the first old value against
    debugfs stats before replay, the last new one after."""
    net = {}
    for tx in txs:
        for b in tx["blocks"]:
            r = b["role"]
            if r["kind"] not in ("group_descriptors", "superblock") or r.get("backup"):
                continue
            for c in b["changes"]:
                f = c.get("field")
                if r["kind"] == "group_descriptors" and "group" in c:
                    key = ("group", c["group"], f)
                elif r["kind"] == "superblock":
                    key = ("super", f)
                else:
                    continue
                if key in net:
                    net[key][1] = c["new"]
                else:
                    net[key] = [c["old"], c["new"]]
    sb, sa = stats(before), stats(after)
    bad, n = [], 0
    for key, (old, new) in sorted(net.items(), key=str):
        if key not in sa:
            continue
        n += 1
        if sb.get(key) != old:
            bad.append("%s: decoded old %s, debugfs stats before: %s" % (key, old, sb.get(key)))
        if sa.get(key) != new:
            bad.append("%s: decoded new %s, debugfs stats after: %s" % (key, new, sa.get(key)))
    for b in bad:
        print(b)
    print(n, "counters checked")
    return not bad and n > 0


def listings(img, dirs):
    """debugfs ls -p: directory inode -> {name: inode}."""
    res = {}
    for cmd, lines in debugfs(img, ["ls -p <%d>" % d for d in dirs]):
        m = re.search(r"<(\d+)>", cmd)
        if not m:
            continue
        ents = {}
        for line in lines:
            f = line.split("/")
            if len(f) >= 7 and f[2] != "0" and f[5]:
                ents[f[5]] = int(f[1])
        res[int(m.group(1))] = ents
    return res


def check_entries(before, after, txs):
    """The entries of every logged directory block, applied in log order to debugfs ls of
    the image before replay, give debugfs ls after replay (directories that still exist)."""
    changes, blocks = {}, {}
    for tx in txs:
        for b in tx["blocks"]:
            if b["role"]["kind"] == "directory":
                changes.setdefault(b["role"]["inode"], []).extend(b["changes"])
                blocks.setdefault(b["role"]["inode"], set()).add(b["fs_block"])
    lb, la = listings(before, sorted(changes)), listings(after, sorted(changes))
    own = owners(after, [x for v in blocks.values() for x in v])
    bad, n = [], 0
    for d, chs in sorted(changes.items()):
        # removed later (its blocks freed, their last changes dropped), or made again
        # with other blocks: not comparable
        if not la.get(d) or any(own.get(x) != d for x in blocks[d]):
            continue
        e = dict(lb.get(d, {}))
        for c in chs:
            if "entry_added" in c:
                e[c["entry_added"]] = c["inode"]
            elif "entry_removed" in c:
                e.pop(c["entry_removed"], None)
            elif "entry_renamed" in c:
                e.pop(c["old_name"], None)
                e[c["entry_renamed"]] = c["inode"]
            elif "entry_inode_changed" in c:
                e[c["entry_inode_changed"]] = c["new"]
        n += 1
        if e != la[d]:
            bad.append("directory %d: decoded %s, debugfs ls after replay %s" %
                       (d, sorted(e.items()), sorted(la[d].items())))
    for b in bad:
        print(b)
    print(n, "directories checked")
    return not bad and n > 0


def logged_copies(img, journal):
    """debugfs logdump -a: [(sequence, fs block, journal block, flags)] in log order."""
    cmd = "logdump -a" + (" -f " + journal if journal else "")
    out = subprocess.run(["debugfs", "-n", "-R", cmd, img], capture_output=True,
                         text=True).stdout
    res, seq = [], None
    for line in out.splitlines():
        m = re.match(r"^Dumping descriptor block, sequence (\d+), at block", line)
        if m:
            seq = int(m.group(1))
        m = re.match(r"^\s+FS block (\d+) logged at journal block (\d+) \(flags (0x[0-9a-f]+)\)",
                     line)
        if m and seq is not None:
            res.append((seq, int(m.group(1)), int(m.group(2)), int(m.group(3), 16)))
    return res


MAX_RANGES = 32       # jbdctl(8): the 32nd range runs to the end of the last changed byte


def runs(offsets):
    """cmp -l offsets (0-based, sorted) -> [[start, end)] of consecutive bytes, at most
    MAX_RANGES of them (the last one then covers the rest)."""
    res = []
    for o in offsets:
        if res and res[-1][1] == o:
            res[-1][1] = o + 1
        else:
            res.append([o, o + 1])
    if len(res) > MAX_RANGES:
        res[MAX_RANGES - 1][1] = res[-1][1]
        del res[MAX_RANGES:]
    return res


def check_bytes(img, txs, journal):
    """Byte ranges of data and unknown blocks against cmp -l of the copies debugfs finds."""
    import os
    import tempfile
    bs = int(re.search(r"^Block size:\s+(\d+)", subprocess.run(
        ["dumpe2fs", "-h", img], capture_output=True, text=True).stdout, re.M).group(1))
    if journal:
        with open(journal, "rb") as f:
            jdata = f.read()
    else:
        jdata = subprocess.run(["debugfs", "-n", "-R", "cat <8>", img],
                               capture_output=True).stdout
    copies = logged_copies(img, journal)
    where = {(s, b): i for i, (s, b, _, _) in enumerate(copies)}
    bad, pairs, want = [], [], []
    with open(img, "rb") as f:
        for tx in txs:
            for b in tx["blocks"]:
                if b["role"]["kind"] not in ("data", "unknown"):
                    continue
                blk = b["fs_block"]
                i = where.get((tx["sequence"], blk))
                if i is None:
                    bad.append("block %d of %d: not in debugfs logdump" % (blk, tx["sequence"]))
                    continue
                _, _, j, flags = copies[i]
                new = bytearray(jdata[j * bs:(j + 1) * bs])
                if flags & 1:                           # JBD2_FLAG_ESCAPE
                    new[0:4] = b"\xc0\x3b\x39\x98"
                prev = [c for c in copies[:i] if c[1] == blk]
                if prev:
                    p = prev[-1]
                    old = bytearray(jdata[p[2] * bs:(p[2] + 1) * bs])
                    if p[3] & 1:
                        old[0:4] = b"\xc0\x3b\x39\x98"
                    want_prev = {"journal_block": p[2], "sequence": p[0]}
                else:
                    f.seek(blk * bs)
                    old = f.read(bs)
                    want_prev = None
                if b["journal_block"] != j or b["previous"] != want_prev:
                    bad.append("block %d of %d: decoded at journal block %s against %s, "
                               "debugfs: %d against %s" % (blk, tx["sequence"],
                               b["journal_block"], b["previous"], j, want_prev))
                other = [c for c in b["changes"] if set(c) - {"bytes", "inode"}]
                if other:
                    bad.append("block %d of %d: not byte ranges: %s" % (blk, tx["sequence"],
                               other))
                pairs.append((bytes(old), bytes(new)))
                want.append((blk, tx["sequence"], [c["bytes"] for c in b["changes"]
                                                   if "bytes" in c]))
    with tempfile.TemporaryDirectory() as d:
        a, n = os.path.join(d, "before"), os.path.join(d, "logged")
        with open(a, "wb") as fa, open(n, "wb") as fn:
            for o, x in pairs:
                fa.write(o)
                fn.write(x)
        out = subprocess.run(["cmp", "-l", a, n], capture_output=True, text=True).stdout
    diff = [[] for _ in pairs]
    for line in out.splitlines():
        off = int(line.split()[0]) - 1
        diff[off // bs].append(off % bs)
    for (blk, seq, got), offs in zip(want, diff):
        if runs(offs) != got:
            bad.append("block %d of %d: decoded %s, cmp -l %s" % (blk, seq, got, runs(offs)))
    for x in bad[:40]:
        print(x)
    print(len(pairs), "copies checked,", sum(len(x) for x in diff), "bytes changed")
    return not bad and bool(pairs)


ROLE_KINDS = {"superblock", "group_descriptors", "reserved_gdt", "block_bitmap", "inode_bitmap",
              "inode_table", "directory", "extent_tree", "indirect", "xattr", "symlink", "data",
              "journal", "unknown"}
DECODED = {"role", "previous", "changes", "checksum_failures", "summary",
           "metadata_checksums_checked"}


def man_words(text):
    """The words of man page source TEXT, troff escapes taken out."""
    text = re.sub(r"\\\(..|\\-|\\f.", " ", text)
    return set(re.findall(r"[a-z0-9_]+", text))


def man_list(text, pattern):
    """The names of a list in the page, e.g. "(kind: a, b or c;" -> {a, b, c}."""
    m = re.search(pattern, text, re.S)
    return set(re.findall(r"[a-z0-9_]+", re.sub(r"\bor\b", ",", m.group(1)))) if m else set()


def check_keys(man, docs):
    src = open(man).read()
    m = re.search(r"^\.SH JSON OUTPUT\n(.*?)^\.SH ", src, re.S | re.M)
    section = m.group(1)
    m = re.search(r"^With\n\.BR \\-\\-decode ,\n(.*?)^\.B end$", section, re.S | re.M)
    decode = m.group(1) if m else ""
    words, dwords = man_words(section), man_words(decode)
    kinds = man_list(decode, r"\(kind: ([^;]*);")
    incs = man_list(decode, r"inconsistencies: a list of kind \(([^)]*)\)")
    structs = man_list(decode, r"\(structure: ([^;]*);")
    bad, keys, seen = set(), set(), {"role": set(), "inc": set(), "struct": set()}

    def walk(v, under):
        if isinstance(v, dict):
            for k, x in v.items():
                keys.add(k)
                if k not in (dwords if under or k in DECODED else words):
                    bad.add("key %s%s is not in jbdctl(8)" % (k, " (decoded)" if under or
                                                                 k in DECODED else ""))
                walk(x, under or k in DECODED)
        elif isinstance(v, list):
            for x in v:
                walk(x, under)

    for path in docs:
        with open(path) as f:
            doc = json.load(f)
        walk(doc, False)
        for tx in doc.get("transactions", []):
            for b in tx.get("blocks", []):
                if "role" in b:
                    seen["role"].add(b["role"]["kind"])
                for c in b.get("checksum_failures", []):
                    seen["struct"].add(c["structure"])
            for i in (tx.get("summary") or {}).get("inconsistencies", []):
                seen["inc"].add(i["kind"])
    for what, listed in (("role", kinds), ("inc", incs), ("struct", structs)):
        for k in sorted(seen[what] - listed):
            bad.add("%s kind %s is not in jbdctl(8)'s list %s" % (what, k, sorted(listed)))
    if kinds != ROLE_KINDS:
        bad.add("jbdctl(8) lists the role kinds %s, not %s" % (sorted(kinds), sorted(ROLE_KINDS)))
    for b in sorted(bad):
        print(b)
    print(len(keys), "keys,", len(seen["role"]), "role kinds,", len(seen["inc"]),
          "inconsistency kinds,", len(seen["struct"]), "checksum structures in", len(docs),
          "documents")
    return not bad and bool(seen["role"])


def main():
    what = sys.argv[1]
    if what == "keys":
        sys.exit(0 if check_keys(sys.argv[2], sys.argv[3:]) else 1)
    if what != "bytes":
        with open(sys.argv[-1]) as f:
            txs = json.load(f)
    if what == "roles":
        ok = check_roles(sys.argv[2], txs)
    elif what == "entries":
        ok = check_entries(sys.argv[2], sys.argv[3], txs)
    elif what == "counters":
        ok = check_counters(sys.argv[2], sys.argv[3], txs)
    elif what == "bytes":
        with open(sys.argv[3]) as f:
            txs = json.load(f)
        ok = check_bytes(sys.argv[2], txs, sys.argv[4] if len(sys.argv) > 4 else None)
    elif what == "mappings":
        ok = check_mappings(sys.argv[2], sys.argv[3], txs)
    else:
        sys.exit("usage: decode_oracle.py roles AFTER JSON | bytes IMG JSON [JOURNAL] | keys MAN JSON... | mappings|counters|entries BEFORE AFTER JSON")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
