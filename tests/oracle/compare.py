#!/usr/bin/env python3
"""compare.py - run one capture through the real Linux conntrack (ct-oracle) and through
sessim's `linux` preset with the same settings, and print a per-frame diff table.

  tests/oracle/compare.py CAPTURE [--established S] [--other S] [--timeout NAME=S ...]
                          [--loose 0|1] [--liberal 0|1] [--speedup F]
                          [--kernel-json FILE | --save-kernel FILE]
                          [--record NAME] [--all] [--sessim PATH]

The kernel run needs root and /work/shared/tools/ct-oracle (or --ct-oracle PATH). With
--kernel-json the kernel result of an earlier run (ct-oracle --json / WORKDIR/result.json) is
reused, so the comparison (and --record) can be repeated without root and without waiting.

sessim gets, from the kernel result, exactly the timeouts the kernel used
(timeouts_effective_capture_s: capture seconds after the sysctl's 1 s rounding), plus
udp.stream_after = 2*F and tcp.syn_sent2 = 120*F (neither is scaled by --speedup in the
kernel: the UDP stream rule is a fixed 2 s and SYN_SENT2 has no sysctl) and --cold-start; at
F != 1 also the SCTP and GRE timeouts (kernel defaults or --sysctl values) and ip.frag_timeout
(ipfrag_time 30 s) times F, which ct-oracle does not scale either.

--record NAME writes tests/oracle/expected/NAME.csv (kernel verdicts, SKIPPED frames left out)
with a header line naming the capture, its sha256, the ct-oracle settings and the sessim
settings that oracle_regression_test.cpp replays.
"""
import argparse
import collections
import csv
import datetime
import hashlib
import ipaddress
import json
import os
import shlex
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SHARED_TRACES = os.path.normpath(os.path.join(ROOT, "..", "shared", "traces"))
DEFAULT_ORACLE = os.path.normpath(os.path.join(ROOT, "..", "shared", "tools", "ct-oracle"))
DEFAULT_SESSIM = os.path.join(ROOT, "build-oracle", "sessim")

# ct-oracle timeout name -> sessim key
KEYMAP = {
    "tcp_syn_sent": "tcp.syn_sent", "tcp_syn_recv": "tcp.syn_recv",
    "tcp_established": "tcp.established", "tcp_fin_wait": "tcp.fin_wait",
    "tcp_close_wait": "tcp.close_wait", "tcp_last_ack": "tcp.last_ack",
    "tcp_time_wait": "tcp.time_wait", "tcp_close": "tcp.close",
    "tcp_max_retrans": "tcp.max_retrans", "tcp_unacknowledged": "tcp.unacknowledged",
    "udp": "udp.timeout", "udp_stream": "udp.stream", "icmp": "icmp.timeout",
    "generic": "generic.timeout",
}
TICK = 0.004  # kernel HZ=250


def fmt_num(v):
    v = float(v)
    return ("%d" % v) if v == int(v) else ("%g" % v)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def capture_ref(path):
    """How the regression test finds the capture: traces/X (project) or shared:X."""
    ap = os.path.abspath(path)
    if ap.startswith(os.path.join(ROOT, "traces") + os.sep):
        return os.path.relpath(ap, ROOT)
    if ap.startswith(SHARED_TRACES + os.sep):
        return "shared:" + os.path.relpath(ap, SHARED_TRACES)
    return ap


def oracle_args(a):
    """The ct-oracle run options (also the 'settings=' of a recorded expectation)."""
    out = []
    if a.established is not None:
        out += ["--established", fmt_num(a.established)]
    if a.other is not None:
        out += ["--other", fmt_num(a.other)]
    for opt in ("udp", "udp_stream", "icmp"):
        v = getattr(a, opt)
        if v is not None:
            out += ["--" + opt.replace("_", "-"), fmt_num(v)]
    for kv in a.timeout:
        out += ["--timeout", kv]
    out += ["--loose", str(a.loose), "--liberal", str(a.liberal), "--speedup", fmt_num(a.speedup)]
    if a.new_requires_syn:
        out += ["--new-requires-syn"]
    if a.checksum is not None:
        out += ["--checksum", str(a.checksum)]
    for kv in a.sysctl:
        out += ["--sysctl", kv]
    for c in a.client_net:
        out += ["--client-net", c]
    for c in a.server_net:
        out += ["--server-net", c]
    return out


# sysctl (kernel default, Linux 6.18) -> sessim key, for the timeouts --speedup does not scale
UNSCALED_DEFAULTS = {
    "nf_conntrack_sctp_timeout_closed": 10, "nf_conntrack_sctp_timeout_cookie_wait": 3,
    "nf_conntrack_sctp_timeout_cookie_echoed": 3, "nf_conntrack_sctp_timeout_established": 210,
    "nf_conntrack_sctp_timeout_shutdown_sent": 3, "nf_conntrack_sctp_timeout_shutdown_recd": 3,
    "nf_conntrack_sctp_timeout_shutdown_ack_sent": 3, "nf_conntrack_sctp_timeout_heartbeat_sent": 30,
    "nf_conntrack_gre_timeout": 30, "nf_conntrack_gre_timeout_stream": 180,
}
UNSCALED_KEYS = {n: ("gre.timeout" if n == "nf_conntrack_gre_timeout" else
                     "gre.stream" if n == "nf_conntrack_gre_timeout_stream" else
                     "sctp." + n[len("nf_conntrack_sctp_timeout_"):]) for n in UNSCALED_DEFAULTS}

# sysctl -> sessim key, for the integer knobs that are not timeouts
COUNT_KEYS = {"nf_conntrack_tcp_max_retrans": "tcp.max_retrans_count"}


def sessim_settings(kres, speedup, sysctls=()):
    s = kres["settings"]
    eff = s["timeouts_effective_capture_s"]
    sets = []
    for k, key in KEYMAP.items():
        sets.append("%s=%s" % (key, fmt_num(eff[k])))
    sets.append("tcp.syn_sent2=%s" % fmt_num(120 * speedup))
    sets.append("udp.stream_after=%s" % fmt_num(2 * speedup))
    sets.append("tcp.loose=%d" % s["loose"])
    sets.append("tcp.be_liberal=%d" % s["be_liberal"])
    if s.get("new_requires_syn"):
        # ct-oracle's "ct state new tcp flags & (fin|syn|rst|ack) != syn drop"
        sets.append("policy.syn_only=1")
    # Kernel timers ct-oracle does not scale: the SCTP and GRE timeouts (their kernel defaults,
    # or --sysctl nf_conntrack_{sctp,gre}_timeout_X=N, kernel seconds) and the IPv4 reassembly
    # timeout (ipfrag_time, 30 s) last F times longer in capture time.
    unscaled = dict(UNSCALED_DEFAULTS)
    for kv in sysctls:
        name, _, val = kv.partition("=")
        if name in unscaled:
            unscaled[name] = float(val)
    for name, key in UNSCALED_KEYS.items():
        if speedup != 1 or unscaled[name] != UNSCALED_DEFAULTS[name]:
            sets.append("%s=%s" % (key, fmt_num(unscaled[name] * speedup)))
    if speedup != 1:
        sets.append("ip.frag_timeout=%s" % fmt_num(30 * speedup))
    # Non-timeout sysctls with a sessim key (the value is a count, not scaled by --speedup)
    for kv in sysctls:
        name, _, val = kv.partition("=")
        if name in COUNT_KEYS:
            sets.append("%s=%d" % (COUNT_KEYS[name], int(val)))
    return sets


def run_kernel(a, capture):
    wd = a.workdir or tempfile.mkdtemp(prefix="oracle-")
    js = os.path.join(wd, "kernel.json")
    cmd = [a.ct_oracle, "run", capture] + oracle_args(a) + [
        "--max-packets", str(a.max_packets), "--max-wall", fmt_num(a.max_wall),
        "--json", js, "--workdir", wd, "-q"]
    print("# kernel: " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr)
    r = subprocess.run(cmd)
    if r.returncode != 0:
        sys.exit("ct-oracle failed (rc %d)" % r.returncode)
    with open(js) as f:
        kres = json.load(f)
    if a.save_kernel:
        with open(a.save_kernel, "w") as f:
            json.dump(kres, f)
    return kres


def run_sessim(a, capture, sets):
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as tf:
        out = tf.name
    cmd = [a.sessim, "run", capture, "--preset", "linux", "--cold-start"]
    for s in sets:
        cmd += ["--set", s]
    cmd += ["--verdicts", out, "-o", os.devnull]
    print("# sessim: " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr)
    r = subprocess.run(cmd)
    if r.returncode != 0:
        sys.exit("sessim failed (rc %d)" % r.returncode)
    res = {}
    with open(out) as f:
        for row in csv.DictReader(f):
            res[int(row["frame"])] = (row["verdict"], row["reason"], float(row["time"]))
    os.unlink(out)
    return res


# ------------------------------------------------------------------ flow gaps (for the tick note)
def read_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    out = []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        off = 24
        while off + 16 <= len(data):
            sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
            out.append(sec + frac / (1e9 if nano else 1e6))
            off += 16 + incl
    return out


def flow_of(k):
    """Bidirectional flow id from the ct-oracle packet description (rewritten addresses)."""
    pk = k.get("pkt") or ""
    parts = pk.split()
    if len(parts) >= 4 and parts[2] == ">":
        a, b = parts[1], parts[3].rstrip(":")
        return (parts[0],) + tuple(sorted([a, b]))
    return None


def near_boundary(kpk, timeouts, speedup):
    """frame -> text when its gap since the previous frame of the same flow is within one
    kernel tick (x speedup) of a timeout."""
    last = {}
    notes = {}
    tol = TICK * speedup + 1e-6
    for k in kpk:
        if k["t"] is None:
            continue
        f = flow_of(k)
        if f is None:
            continue
        if f in last:
            gap = k["t"] - last[f]
            for name, T in timeouts.items():
                if abs(gap - T) <= tol:
                    notes[k["idx"]] = "gap %.4f ~ %s %g (tick tolerance %.3f)" % (gap, name, T, tol)
        last[f] = k["t"]
    return notes


def fix_rewritten(kres):
    """A router rewrites some IP options (Record Route, Timestamp) of a packet it forwards, after
    conntrack has seen it: ct-oracle then matches neither its FORWARD log nor its egress copy
    (NOT-IN-FORWARD, and the copy is listed under 'extras' as an unexpected frame). Such a frame
    was forwarded; credit the extra to it (same rewritten description, egress side of its
    direction)."""
    extras = list(kres.get("extras") or [])
    for k in kres["packets"]:
        if k["verdict"] != "DROPPED" or k.get("ctstate") != "NOT-IN-FORWARD":
            continue
        side = "B" if k.get("dir") == "c2s" else "A"
        for i, e in enumerate(extras):
            if e.get("side") == side and e.get("what") == k.get("pkt"):
                k["verdict"] = "FORWARDED"
                k["ctstate"] = "UNKNOWN"
                k.setdefault("notes", []).append("ip-options-rewritten: egress matched by description")
                del extras[i]
                break


def run_probe(a, capture, sets):
    cmd = [a.probe, capture] + sets
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("ct_probe failed: %s" % r.stderr)
    rows = {}
    for row in csv.DictReader(r.stdout.splitlines()):
        rows[int(row["frame"])] = row
    return rows


def state_diffs(k, pr, speedup):
    """Differences in ct state, TCP state, timeout, ASSURED and destroyed entries between the
    kernel's frame record and the probe's row (both forwarded or both dropped)."""
    out = []
    if pr is None or pr["verdict"] in ("skip",) or pr["reason"] == "fragment":
        return out
    kst = k.get("ctstate") or ""
    if k["verdict"] == "FORWARDED" and kst in ("NEW", "ESTABLISHED", "RELATED") and pr["ctstate"] != kst:
        out.append("ctstate %s/%s" % (kst, pr["ctstate"]))
    evs = k.get("events") or []
    destroyed = any(e.startswith("DESTROY") for e in evs)
    ended = bool(pr["ended"])
    # kernel DESTROY on a frame: its lookup found the entry expired (or the packet killed it).
    # sessim may have ended the entry earlier without the kernel reporting it on this frame
    # (the kernel's GC can reap an expired entry before the flow's next packet), so only a
    # kernel DESTROY that sessim does not have is a difference.
    if destroyed and not ended:
        out.append("destroy yes/no")
    for e in evs:
        parts = e.split("/")
        if parts[0] not in ("NEW", "UPDATE"):
            continue
        tstate, tk, assured = None, None, "ASSURED" in parts
        for x in parts[1:]:
            if x.startswith("t="):
                tk = int(x[2:])
            elif x not in ("UNREPLIED", "ASSURED", "SEEN_REPLY"):
                tstate = x
        if pr["tcpstate"] == "GONE":
            out.append("entry %s/%s" % (e, pr["tcpstate"]))
            continue
        if tstate and tstate != pr["tcpstate"]:
            out.append("tcpstate %s/%s" % (tstate, pr["tcpstate"]))
        if tk is not None and pr["timeout"] not in ("-", ""):
            tp = float(pr["timeout"]) / speedup
            if not (-0.01 <= tp - tk < 1.5):
                out.append("timeout %gs/%gs" % (tk * speedup, float(pr["timeout"])))
        if assured != ("A" in pr["status"]):
            out.append("assured %s/%s" % ("yes" if assured else "no", "yes" if "A" in pr["status"] else "no"))
    return out


def kv(v):
    return {"FORWARDED": "forward", "DROPPED": "drop"}.get(v, v.lower())


def fragment_frames(path):
    """The IPv4 fragments (MF set or offset > 0) of an Ethernet (optionally VLAN-tagged) pcap:
    {1-based frame: (datagram key, offset, end, MF)}; empty for other link types and pcapng."""
    out = {}
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        return out
    e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    if struct.unpack(e + "I", data[20:24])[0] != 1:
        return out
    off, idx = 24, 0
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        fr = data[off + 16:off + 16 + incl]
        idx += 1
        off += 16 + incl
        l2 = 14
        et = fr[12:14]
        while et in (b"\x81\x00", b"\x88\xa8") and len(fr) >= l2 + 4:
            et = fr[l2 + 2:l2 + 4]
            l2 += 4
        if et != b"\x08\x00" or len(fr) < l2 + 20:
            continue
        ip = fr[l2:]
        fo = struct.unpack(">H", ip[6:8])[0]
        if fo & 0x3fff:
            ihl = (ip[0] & 15) * 4
            start = (fo & 0x1fff) * 8
            end = start + struct.unpack(">H", ip[2:4])[0] - ihl
            out[idx] = ((ip[12:20], ip[4:6], ip[9]), start, end, bool(fo & 0x2000))
    return out


def reassembled_fragments(frags, times=None, timeout=None):
    """Frames that the kernel reassembled into a datagram, replaying ip_frag_queue()'s rules on the
    capture's fragments in order: a fragment inside one run of queued fragments is dropped alone
    (inet_frag_queue_insert's IPFRAG_DUP); an overlap, a zero-length fragment or a contradicting
    end discards the queue; a fragment after its datagram completed starts a new queue. Needed
    because ct-oracle cannot see which fragments of a forwarded datagram left: the kernel coalesces
    the datagram and cuts it anew on the way out (at the largest fragment's size), so most of them
    leave with other bytes than they came with and ct-oracle reports them LOST, like the fragments
    the kernel dropped. With `times` (capture timestamps, frame i at times[i-1]) and `timeout`
    (ipfrag_time in capture seconds), a queue is dropped `timeout` after its first fragment (the
    kernel's timer fires up to one timer-wheel granule, 2.048 s at HZ=250, later: keep fragments
    of one datagram out of that window)."""
    queues, done = {}, set()
    for idx in sorted(frags):
        key, start, end, more = frags[idx]
        if times and timeout and key in queues and times[idx - 1] - queues[key]["t0"] >= timeout:
            del queues[key]
        q = queues.setdefault(key, {"runs": [], "len": 0, "last": False, "meat": 0, "first": False, "frames": [],
                                    "t0": times[idx - 1] if times else 0})
        if not more:
            bad = end < q["len"] or (q["last"] and end != q["len"])
            q["last"], q["len"] = True, end
        else:
            end &= ~7
            bad = end > q["len"] and q["last"]
            q["len"] = max(q["len"], end)
        runs = q["runs"]
        verdict = "discard" if bad or end == start else "queued"
        if verdict == "queued" and runs and runs[-1][1] < end:
            if start < runs[-1][1]:
                verdict = "discard"
            elif start == runs[-1][1]:
                runs[-1][1] = end
            else:
                runs.append([start, end])
        elif verdict == "queued" and runs:
            hit = [r for r in runs if start < r[1] and r[0] < end]
            if hit:
                verdict = "dup" if len(hit) == 1 and hit[0][0] <= start and end <= hit[0][1] else "discard"
            else:
                runs.append([start, end])
                runs.sort()
        elif verdict == "queued":
            runs.append([start, end])
        if verdict == "discard":
            del queues[key]
        elif verdict == "queued":
            q["frames"].append(idx)
            q["meat"] += end - start
            q["first"] = q["first"] or start == 0
            if q["first"] and q["last"] and q["meat"] == q["len"]:
                done.update(q["frames"])
                del queues[key]
    return done


def fix_duplicates(kpk, frags=None, times=None, frag_timeout=None):
    """ct-oracle matches egress frames to sent frames by packet bytes, first in first out. When
    byte-identical packets get different verdicts (say the first is INVALID and dropped, its copy
    later forwarded), the egress copy is credited to the first one: FORWARDED with ctstate
    INVALID, and the later one LOST. The FORWARD-chain log (ctstate) is attributed in kernel order
    and is right, so the verdict is taken from it for such pairs. A LOST fragment is a duplicate
    defrag discarded (dropped) or a fragment of a forwarded datagram that left cut differently
    (forwarded; see reassembled_fragments)."""
    frags = frags or {}
    reassembled = reassembled_fragments(frags, times, frag_timeout)
    for k in kpk:
        st = k.get("ctstate")
        if k["verdict"] == "FORWARDED" and st == "INVALID":
            k["verdict"] = "DROPPED"
            k.setdefault("notes", []).append("dup-fifo: egress credited to an identical later packet")
        elif k["verdict"] in ("LOST", "FORWARDED") and k["idx"] in frags and k["idx"] not in reassembled:
            # a duplicate, or part of a queue that was discarded or never completed: it never left
            # (an egress piece of the re-cut datagram with the same bytes may be credited to it);
            # the ct state ct-oracle shows for it is that of the datagram with the same IP id
            k["verdict"] = "DROPPED"
            k.setdefault("notes", []).append("fragment discarded by defrag")
        elif k["verdict"] == "LOST" and k["idx"] in frags and st in ("NEW", "ESTABLISHED", "RELATED"):
            k["verdict"] = "FORWARDED"
            k.setdefault("notes", []).append("fragment of a forwarded datagram, cut anew on the way out")
        elif k["verdict"] == "LOST" and st in ("NEW", "ESTABLISHED", "RELATED"):
            k["verdict"] = "FORWARDED"
            k.setdefault("notes", []).append("dup-fifo: egress credited to an identical earlier packet")


def skip_mismapped(kpk, client_nets, server_nets):
    """ct-oracle gives an ICMP error the direction opposite to its quoted packet's flow; when that
    flow has no ports (GRE) and no packet of it went the quoted way, it guesses c2s and maps the
    addresses against --client-net/--server-net: the kernel then judges an error between hosts
    the capture does not have. Such frames are left out (as SKIPPED) with a note."""
    nets = [(ipaddress.ip_network(n, strict=False), "10.77.") for n in client_nets] + \
           [(ipaddress.ip_network(n, strict=False), "10.78.") for n in server_nets]
    if not nets:
        return
    for k in kpk:
        orig, pkt = k.get("orig") or "", (k.get("pkt") or "").split()
        if ">" not in orig or len(pkt) < 4 or pkt[0] != "ICMP":
            continue
        for o, m in zip(orig.split(">"), (pkt[1], pkt[3])):
            want = [pre for n, pre in nets if ipaddress.ip_address(o) in n]
            if want and not m.startswith(want[0]):
                k["verdict"] = "SKIPPED"
                k.setdefault("notes", []).append("ct-oracle mapped %s to %s, against the nets" % (o, m))
                break


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("capture")
    ap.add_argument("--established", type=float)
    ap.add_argument("--other", type=float)
    ap.add_argument("--udp", type=float)
    ap.add_argument("--udp-stream", type=float)
    ap.add_argument("--icmp", type=float)
    ap.add_argument("--timeout", action="append", default=[], metavar="NAME=S")
    ap.add_argument("--loose", type=int, default=1, choices=(0, 1))
    ap.add_argument("--liberal", type=int, default=0, choices=(0, 1))
    ap.add_argument("--speedup", type=float, default=1.0)
    ap.add_argument("--new-requires-syn", action="store_true",
                    help="ct-oracle's extra rule: drop ct state NEW TCP packets that are not a plain SYN "
                         "(sessim: policy.syn_only=1)")
    ap.add_argument("--checksum", type=int, choices=(0, 1),
                    help="nf_conntrack_checksum (kernel only; 0 for fragmented captures: ct-oracle "
                         "rewrites a TCP checksum only when it lies in the first fragment)")
    ap.add_argument("--sysctl", action="append", default=[], metavar="NAME=INT",
                    help="extra net.netfilter knob for the kernel (no sessim equivalent is set)")
    ap.add_argument("--sessim-set", action="append", default=[], metavar="KEY=VALUE",
                    help="an extra sessim setting (e.g. to measure a model switch off)")
    ap.add_argument("--client-net", action="append", default=[])
    ap.add_argument("--server-net", action="append", default=[])
    ap.add_argument("--max-packets", type=int, default=20000)
    ap.add_argument("--max-wall", type=float, default=600)
    ap.add_argument("--ct-oracle", default=DEFAULT_ORACLE)
    ap.add_argument("--sessim", default=DEFAULT_SESSIM)
    ap.add_argument("--kernel-json", help="reuse this kernel result instead of running ct-oracle")
    ap.add_argument("--save-kernel", help="save the kernel result (JSON) here")
    ap.add_argument("--workdir")
    ap.add_argument("--record", metavar="NAME", help="write tests/oracle/expected/NAME.csv")
    ap.add_argument("--capture-ref", help="how the expectation names the capture (e.g. synth:tcp-edge for a "
                                          "capture written by synth_captures.hpp); default: traces/X or shared:X")
    ap.add_argument("--all", action="store_true", help="print every frame, not only differences")
    ap.add_argument("--summary-only", action="store_true")
    ap.add_argument("--states", action="store_true",
                    help="also compare ct state, TCP state, timeouts and ASSURED per frame (needs ct_probe, "
                         "see build_probe.sh)")
    ap.add_argument("--probe", default=os.path.join(ROOT, "build-oracle", "ct_probe"))
    a = ap.parse_args()

    capture = os.path.abspath(a.capture)
    if a.kernel_json:
        with open(a.kernel_json) as f:
            kres = json.load(f)
        ks = kres["settings"]
        if (abs(float(ks["speedup"]) - a.speedup) > 1e-9 or ks["loose"] != a.loose or ks["be_liberal"] != a.liberal
                or bool(ks.get("new_requires_syn")) != a.new_requires_syn):
            sys.exit("--kernel-json was recorded with speedup=%s loose=%s liberal=%s new_requires_syn=%s; pass the "
                     "same options" % (ks["speedup"], ks["loose"], ks["be_liberal"], bool(ks.get("new_requires_syn"))))
    else:
        kres = run_kernel(a, capture)
    # ipfrag_time (30 s of kernel time) is not scaled by --speedup
    fix_duplicates(kres["packets"], fragment_frames(capture), read_frames(capture),
                   30 * float(kres["settings"]["speedup"]))
    fix_rewritten(kres)
    skip_mismapped(kres["packets"], a.client_net, a.server_net)
    speedup = float(kres["settings"]["speedup"])
    sets = sessim_settings(kres, speedup, a.sysctl) + a.sessim_set
    sres = run_sessim(a, capture, sets)

    eff = kres["settings"]["timeouts_effective_capture_s"]
    tmo = dict(eff)
    tmo["udp_stream_after"] = 2 * speedup
    notes = near_boundary(kres["packets"], tmo, speedup)

    probe = run_probe(a, capture, sets) if a.states else {}
    rows, agree, compared, skipped = [], 0, 0, 0
    sdiff = []
    counts = collections.Counter()
    for k in kres["packets"]:
        i = k["idx"]
        kvd = kv(k["verdict"])
        s = sres.get(i)
        if k["verdict"] == "SKIPPED":
            skipped += 1
            continue
        compared += 1
        sv = s[0] if s else "?"
        same = kvd == sv
        agree += same
        counts[(kvd, sv)] += 1
        if a.all or not same:
            rows.append((i, k, s, same))
        if a.states and same:
            d = state_diffs(k, probe.get(i), speedup)
            if d:
                sdiff.append((i, k, probe.get(i), d))

    name = os.path.basename(capture)
    ref = a.capture_ref or capture_ref(capture)
    print("# capture %s  settings: %s" % (ref, " ".join(oracle_args(a))))
    print("# sessim: %s" % " ".join(sets))
    if kres["settings"].get("timeouts_distorted_by_rounding"):
        print("# WARNING rounded timeouts: %s" % kres["settings"]["timeouts_distorted_by_rounding"])
    if not a.summary_only:
        print("%6s %12s %3s | %-7s %-11s %-5s %-40s | %-7s %-16s | %s" % (
            "frame", "t", "dir", "kernel", "ctstate", "ctdir", "kernel reason / events", "sessim", "reason", "packet"))
        for i, k, s, same in rows:
            kr = k.get("reason") or ""
            ev = " ".join(k.get("events") or [])
            kre = (kr + (" | " if kr and ev else "") + ev)
            mark = "  " if same else "!!"
            note = (" [" + notes[i] + "]") if (i in notes and not same) else ""
            print("%s%4d %12.6f %3s | %-7s %-11s %-5s %-40s | %-7s %-16s | %s%s" % (
                mark, i, k["t"] if k["t"] is not None else -1, k["dir"] or "-", kv(k["verdict"]),
                k["ctstate"] or "-", k["ctdir"] or "-", kre, s[0] if s else "?", s[1] if s else "?",
                k.get("pkt") or "", note))
    if a.states:
        for i, k, pr, d in sdiff:
            print("~~%4d %12.6f %3s | kernel %-11s %-44s | sessim %s %s %s %ss %s %s | %s | %s" % (
                i, k["t"], k["dir"], k["ctstate"], " ".join(k.get("events") or []), pr["ctstate"], pr["tcpstate"],
                pr["slot"], pr["timeout"], pr["status"], pr["ended"], "; ".join(d), k.get("pkt") or ""))
        print("# %s: %d frames with equal verdicts differ in state" % (name, len(sdiff)))
    print("# %s: %d/%d frames agree (%d skipped by the kernel); kernel/sessim: %s" % (
        name, agree, compared, skipped, ", ".join("%s/%s %d" % (x, y, n) for (x, y), n in sorted(counts.items()))))

    if a.record:
        path = os.path.join(HERE, "expected", a.record + ".csv")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("# capture=%s, sha256=%s, kernel=%s, settings=%s, sessim=%s, recorded=%s, agree=%d/%d\n" % (
                ref, sha256(capture), kres["settings"].get("kernel", "?"),
                " ".join(oracle_args(a)), " ".join(sets), datetime.date.today().isoformat(), agree, compared))
            f.write("frame,verdict\n")
            for k in kres["packets"]:
                if k["verdict"] in ("FORWARDED", "DROPPED"):
                    f.write("%d,%s\n" % (k["idx"], kv(k["verdict"])))
        print("# recorded %s" % os.path.relpath(path, ROOT))
    return 0 if agree == compared else 1


if __name__ == "__main__":
    sys.exit(main())
