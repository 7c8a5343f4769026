"""Network namespaces and veth pairs that a test creates and always removes.

Topology (names carry the test's PID so parallel runs never collide):

    [ns field: fA 198.18.0.1] --veth-- [ns bridge: fAb | fieldguardd | fBb] --veth-- [ns plant: fB 198.18.0.2]

Addresses come from 198.18.0.0/15 (RFC 2544 benchmarking range) and exist only inside
the namespaces made here.
"""
import os
import subprocess


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kw)


class Topology:
    def __init__(self, tag=None):
        tag = tag or str(os.getpid() % 100000)
        self.field, self.bridge, self.plant = f"fgF{tag}", f"fgM{tag}", f"fgP{tag}"
        self.field_if, self.plant_if = f"fA{tag}", f"fB{tag}"
        self.south_if, self.north_if = f"fAb{tag}", f"fBb{tag}"
        self.field_ip, self.plant_ip = "198.18.0.1", "198.18.0.2"
        self.created = []

    def ns(self, name, *cmd, **kw):
        return sh("ip", "netns", "exec", name, *cmd, **kw)

    def __enter__(self):
        try:
            for n in (self.field, self.bridge, self.plant):
                sh("ip", "netns", "add", n)
                self.created.append(n)
                self.ns(n, "ip", "link", "set", "lo", "up")
            for end, peer, ns_end, ip in ((self.field_if, self.south_if, self.field, self.field_ip),
                                          (self.plant_if, self.north_if, self.plant, self.plant_ip)):
                sh("ip", "link", "add", end, "netns", ns_end, "type", "veth", "peer", "name", peer, "netns", self.bridge)
                self.ns(ns_end, "ip", "addr", "add", f"{ip}/24", "dev", end)
                for n, i in ((ns_end, end), (self.bridge, peer)):
                    self.ns(n, "ip", "link", "set", i, "up")
                    # Segmentation and checksum offloads would hand the bridge 64 KiB
                    # super-frames and unfinished checksums; real NICs show neither.
                    self.ns(n, "ethtool", "-K", i, "tso", "off", "gso", "off", "gro", "off", "tx", "off", check=False)
            return self
        except Exception:
            self.__exit__(None, None, None)
            raise

    def __exit__(self, *exc):
        for n in reversed(self.created):
            sh("ip", "netns", "del", n, check=False)
        self.created = []
        return False


def bridge_dataplane(t, backend="dpdk", eal_extra=""):
    """The `dataplane:` section that bridges the topology's two veth ends (field -> plant):
    DPDK on net_af_packet vdevs, or the libpcap backend on the same interfaces. Ends inside
    the pair's mapping, so a caller may go on with pair keys (e.g. "      fail: open\\n")."""
    if backend == "pcap":
        ports = f"""
  backend: pcap
  ports:
    - name: field
      device: {t.south_if}
    - name: plant
      device: {t.north_if}"""
    else:
        ports = f"""
  backend: dpdk
  eal: [--no-huge, --no-pci, --no-shconf, -l, "0", --log-level=lib.eal:error{eal_extra}]
  ports:
    - name: field
      device: net_af_packet0,iface={t.south_if}
    - name: plant
      device: net_af_packet1,iface={t.north_if}"""
    return f"""
dataplane:{ports}
  pairs:
    - south: field
      north: plant
"""
