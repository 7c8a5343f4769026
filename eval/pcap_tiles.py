"""Builds hours of traffic from minutes of recorded real sessions, without inventing a packet.

A recording (eval/peer_record.py) is cut into *segments*: per client address, the maximal groups
of that client's TCP connections that overlap in time (an HMI session with its connections to
both PLCs; one historian poll; one OPC UA session), each with every frame of those connections,
both directions, and the recorded gap to the client's next segment. Only connections seen from
their SYN to their FIN or RST are kept.

A tiled capture lays, per client, randomly drawn segments of a pool back to back, each followed by
a randomly drawn recorded gap of the same client. Inside a segment every frame keeps its recorded
payload, order and relative time (nothing is sped up or slowed down); each copy of a connection
gets a fresh client port and fresh initial sequence numbers in both directions (sequence,
acknowledgement and SACK edges shifted, TCP checksum recomputed), as a new connection of the
same client would. The clients' streams are merged by time into one pcap.
"""
import heapq
import struct

PCAP_HDR = struct.Struct("<IHHiIII")
REC_HDR = struct.Struct("<IIII")
SYN, RST, FIN, ACK = 0x02, 0x04, 0x01, 0x10


def read_pcap(path):
    """(linktype, [(t_us, frame bytes)]) of a classic microsecond pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic, _, _, _, _, _, linktype = PCAP_HDR.unpack_from(data, 0)
    if magic != 0xA1B2C3D4:
        raise ValueError(f"{path}: not a little-endian microsecond pcap (magic {magic:#x})")
    out, off = [], PCAP_HDR.size
    while off + REC_HDR.size <= len(data):
        sec, usec, incl, _ = REC_HDR.unpack_from(data, off)
        off += REC_HDR.size
        out.append((sec * 1_000_000 + usec, data[off:off + incl]))
        off += incl
    return linktype, out


class PcapOut:
    def __init__(self, path, linktype=1):
        self.f = open(path, "wb")
        self.f.write(PCAP_HDR.pack(0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        self.n = 0

    def write(self, t_us, frame):
        self.f.write(REC_HDR.pack(t_us // 1_000_000, t_us % 1_000_000, len(frame), len(frame)))
        self.f.write(frame)
        self.n += 1

    def close(self):
        self.f.close()


def parse(frame):
    """Offsets of an Ethernet/IPv4/TCP frame: (ip_off, tcp_off, src, dst, sport, dport, flags), or None."""
    if len(frame) < 54 or frame[12:14] != b"\x08\x00":
        return None
    ip = 14
    ihl = (frame[ip] & 0x0F) * 4
    if frame[ip + 9] != 6:
        return None
    tcp = ip + ihl
    src, dst = bytes(frame[ip + 12:ip + 16]), bytes(frame[ip + 16:ip + 20])
    sport, dport = struct.unpack_from("!HH", frame, tcp)
    return ip, tcp, src, dst, sport, dport, frame[tcp + 13]


def _fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def tcp_checksum(frame, ip, tcp):
    """RFC 1071 over the pseudo header and the segment. Summed in native 16-bit order (the sum is
    byte-order independent, RFC 1071 2.(B)) and swapped at the end."""
    total = struct.unpack_from("!H", frame, ip + 2)[0]
    seg_len = total - (tcp - ip)
    seg = bytearray(frame[tcp:tcp + seg_len])
    seg[16:18] = b"\0\0"
    if seg_len % 2:
        seg.append(0)
    pseudo = bytes(frame[ip + 12:ip + 20]) + struct.pack("!BBH", 0, 6, seg_len)
    s = _fold(sum(memoryview(pseudo).cast("H")) + sum(memoryview(bytes(seg)).cast("H")))
    s = ~s & 0xFFFF
    return struct.pack("=H", s)  # native order back into the frame's byte order


class Connection:
    def __init__(self, client, server, cport, sport):
        self.client, self.server, self.cport, self.sport = client, server, cport, sport
        self.frames = []          # (t_us, frame, from_client)
        self.ended = False        # a FIN or RST was seen (the frames after it still belong here)


class Segment:
    def __init__(self, client, conns):
        self.client = client
        self.conns = conns
        self.start = min(c.frames[0][0] for c in conns)
        self.end = max(c.frames[-1][0] for c in conns)
        frames = [(t - self.start, i, fr, fc) for i, c in enumerate(conns) for t, fr, fc in c.frames]
        frames.sort(key=lambda x: x[0])
        self.frames = frames
        self.gap_after = None


def connections(frames):
    """The TCP connections of a capture that start with a SYN in it, in order of their SYN."""
    conns, out = {}, []
    for t, fr in frames:
        p = parse(fr)
        if p is None:
            continue
        _, _, src, dst, sp, dp, flags = p
        k1, k2 = (src, sp, dst, dp), (dst, dp, src, sp)
        if flags & SYN and not flags & ACK:
            c = conns.get(k1)
            if c is None or c.ended:  # a new connection (or a finished tuple used again)
                c = conns[k1] = Connection(src, dst, sp, dp)
                out.append(c)
            c.frames.append((t, fr, True))
            continue
        if k1 in conns:
            c, from_client = conns[k1], True
        elif k2 in conns:
            c, from_client = conns[k2], False
        else:
            continue  # a connection that began before the capture
        c.frames.append((t, fr, from_client))
        if flags & (FIN | RST):
            c.ended = True
    return out


def segments(frames, complete_only=True):
    """Segments per client address: {client: [Segment, ...]} in time order, with gap_after set
    (None for the last one)."""
    per_client = {}
    for c in connections(frames):
        if complete_only and not c.ended:
            continue
        per_client.setdefault(c.client, []).append(c)
    out = {}
    for client, conns in per_client.items():
        conns.sort(key=lambda c: c.frames[0][0])
        groups, cur, cur_end = [], [], None
        for c in conns:
            s, e = c.frames[0][0], c.frames[-1][0]
            if cur and s > cur_end:
                groups.append(cur)
                cur = []
            cur_end = e if not cur else max(cur_end, e)
            cur.append(c)
        if cur:
            groups.append(cur)
        segs = [Segment(client, g) for g in groups]
        for a, b in zip(segs, segs[1:]):
            a.gap_after = b.start - a.end
        out[client] = segs
    return out


class PortAllocator:
    """Fresh ephemeral ports per client address (49152-65535, as Linux and Windows use)."""

    def __init__(self, rnd):
        self.rnd, self.next = rnd, {}

    def take(self, client):
        p = self.next.get(client, 49152 + self.rnd.randrange(16000))
        p = 49152 + (p - 49152 + 1 + self.rnd.randrange(4)) % 16384
        self.next[client] = p
        return p


def _shift(v, d):
    return (v + d) & 0xFFFFFFFF


def rewrite(frame, from_client, new_cport, dc, ds, mac_map=None):
    """A copy of frame with the client port replaced and sequence spaces shifted (client's by dc,
    server's by ds), checksum recomputed; source/destination MACs mapped by mac_map if given."""
    fr = bytearray(frame)
    ip, tcp, src, dst, _, _, flags = parse(fr)
    if mac_map:
        fr[0:6] = mac_map.get(dst, fr[0:6])
        fr[6:12] = mac_map.get(src, fr[6:12])
    seq, ack = struct.unpack_from("!II", fr, tcp + 4)
    mine, theirs = (dc, ds) if from_client else (ds, dc)
    struct.pack_into("!H", fr, tcp if from_client else tcp + 2, new_cport)
    struct.pack_into("!I", fr, tcp + 4, _shift(seq, mine))
    if flags & ACK:
        struct.pack_into("!I", fr, tcp + 8, _shift(ack, theirs))
    # SACK blocks (option 5) name the peer's sequence numbers.
    doff = (fr[tcp + 12] >> 4) * 4
    o, end = tcp + 20, tcp + doff
    while o < end:
        kind = fr[o]
        if kind == 0:
            break
        if kind == 1:
            o += 1
            continue
        ln = fr[o + 1]
        if ln < 2:
            break
        if kind == 5:
            for e in range(o + 2, o + ln, 4):
                struct.pack_into("!I", fr, e, _shift(struct.unpack_from("!I", fr, e)[0], theirs))
        o += ln
    fr[tcp + 16:tcp + 18] = tcp_checksum(fr, ip, tcp)
    return bytes(fr)


def emit_segment(seg, t0, ports, rnd, mac_map=None):
    """(t_us, frame) of one copy of seg starting at t0, with fresh ports and sequence spaces."""
    fresh = [(ports.take(seg.client), rnd.randrange(1 << 32), rnd.randrange(1 << 32)) for _ in seg.conns]
    for rel, i, fr, fc in seg.frames:
        p, dc, ds = fresh[i]
        yield t0 + rel, rewrite(fr, fc, p, dc, ds, mac_map)


def client_stream(pool, t_start, t_end, ports, rnd, first_offset=True):
    """Segments of one client's pool laid back to back from t_start until t_end, each followed by
    one of the client's recorded gaps. Yields (t_us, frame) in time order. The last segment is cut
    at t_end, as a capture ends: every client is active until the end (a client whose last session
    closed early would look like a station that stopped, which is not normal traffic)."""
    gaps = [s.gap_after for s in pool if s.gap_after is not None] or [1_000_000]
    t = t_start + (rnd.choice(gaps) if first_offset else 0)
    while t < t_end:
        seg = rnd.choice(pool)
        for item in emit_segment(seg, t, ports, rnd):
            if item[0] >= t_end:
                return
            yield item
        t += (seg.end - seg.start) + rnd.choice(gaps)


def merge(streams):
    return heapq.merge(*streams, key=lambda x: x[0])


def write(path, items, linktype=1):
    out = PcapOut(path, linktype)
    first = last = None
    for t, fr in items:
        out.write(t, fr)
        first = t if first is None else first
        last = t
    out.close()
    return out.n, first, last
