"""A small plant network of real peers, one network namespace per host, for the anomaly study.

    [ns hmi 198.18.0.10] --veth--+
    [ns plc1 198.18.0.101] --veth-+-- [ns switch: Linux bridge, dumpcap on it]
    ...                           |

Every host namespace has one veth into the switch namespace's bridge, so each host has its own
address, its own kernel TCP stack and its own MAC, exactly as separate machines would; dumpcap on
the bridge sees every frame between them. Names carry a tag (the PID and a lab letter) so two labs
can run side by side (the study records the attacks in a second lab while the first records normal
traffic). Addresses only from 198.18.0.0/15; every namespace is removed on exit, even on failure.
"""
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e", "support"))
from netns import sh  # noqa: E402


class Lab:
    def __init__(self, hosts, letter="A"):
        """hosts: {name: last octet of 198.18.0.x}."""
        self.tag = f"{os.getpid() % 100000}{letter}"
        self.hosts = dict(hosts)
        self.switch = f"fgS{self.tag}"
        self.created = []
        self.procs = []

    def ns_name(self, host):
        return f"fg{host}{self.tag}"

    def ip(self, host):
        return f"198.18.0.{self.hosts[host]}"

    def cmd(self, host, *argv):
        """argv run inside host's namespace."""
        return ["ip", "netns", "exec", self.ns_name(host), *argv]

    def __enter__(self):
        try:
            self._add_ns(self.switch)
            sh("ip", "netns", "exec", self.switch, "ip", "link", "add", "br0", "type", "bridge")
            sh("ip", "netns", "exec", self.switch, "ip", "link", "set", "br0", "up")
            for i, (host, octet) in enumerate(self.hosts.items()):
                ns = self.ns_name(host)
                self._add_ns(ns)
                end, peer = f"e{self.tag}{i}", f"e{self.tag}{i}s"
                sh("ip", "link", "add", end, "netns", ns, "type", "veth", "peer", "name", peer, "netns", self.switch)
                sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"198.18.0.{octet}/24", "dev", end)
                sh("ip", "netns", "exec", self.switch, "ip", "link", "set", peer, "master", "br0")
                for n, ifc in ((ns, end), (self.switch, peer)):
                    sh("ip", "netns", "exec", n, "ip", "link", "set", ifc, "up")
                    # No offloads: the capture must hold wire-sized frames with finished checksums.
                    sh("ip", "netns", "exec", n, "ethtool", "-K", ifc, "tso", "off", "gso", "off", "gro", "off",
                       "tx", "off", check=False)
            return self
        except Exception:
            self.__exit__(None, None, None)
            raise

    def _add_ns(self, ns):
        sh("ip", "netns", "add", ns)
        self.created.append(ns)
        # IPv4 only: IPv6 neighbour discovery and MLD would only add noise to the captures.
        sh("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", check=False)
        sh("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1", check=False)
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")

    def start(self, host, argv, stdout=None, **kw):
        """A process in host's namespace, stopped (SIGTERM, then SIGKILL) when the lab closes."""
        p = subprocess.Popen(self.cmd(host, *argv), stdout=stdout or subprocess.DEVNULL,
                             stderr=kw.pop("stderr", subprocess.DEVNULL), start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def capture(self, path):
        """dumpcap on the bridge: IPv4 TCP frames only (pcap format, microsecond timestamps)."""
        p = self.start_in(self.switch, ["dumpcap", "-q", "-P", "-i", "br0", "-f", "ip and tcp", "-w", path])
        deadline = time.time() + 15
        while time.time() < deadline and not os.path.exists(path):
            time.sleep(0.1)
        time.sleep(0.5)
        return p

    def start_in(self, ns, argv):
        p = subprocess.Popen(["ip", "netns", "exec", ns, *argv], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(p)
        return p

    @staticmethod
    def stop(p, timeout=10):
        if p.poll() is not None:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        except ProcessLookupError:
            pass

    def __exit__(self, *exc):
        for p in reversed(self.procs):
            self.stop(p)
        self.procs = []
        for n in reversed(self.created):
            sh("ip", "netns", "del", n, check=False)
        self.created = []
        return False
