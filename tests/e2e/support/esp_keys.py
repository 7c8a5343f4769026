"""Fresh SA keys for a test run, written where fieldguardd, tshark and scapy each read them.

Keys are random per run (RFC 4106 keying material: 32 key bytes then a 4-byte salt); the SA
file is mode 0600 as fieldguardd demands.
"""
import os


class Sa:
    def __init__(self, spi, direction, esn=True):
        self.spi, self.direction, self.esn = spi, direction, esn
        self.keymat = os.urandom(36)

    @property
    def hex(self):
        return "0x" + self.keymat.hex()

    def scapy(self, src, dst):
        """scapy's view of this SA in tunnel mode between src and dst."""
        from scapy.layers.inet import IP
        from scapy.layers.ipsec import ESP, SecurityAssociation
        return SecurityAssociation(ESP, spi=self.spi, crypt_algo="AES-GCM", crypt_key=self.keymat,
                                   tunnel_header=IP(src=src, dst=dst), esn_en=self.esn, esn=0)


def write_sa_file(path, sas):
    lines = ["sas:"]
    for s in sas:
        lines.append(f"  - {{spi: {s.spi:#010x}, direction: {s.direction}, key: \"{s.hex}\", "
                     f"esn: {'true' if s.esn else 'false'}}}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)


def write_wireshark_profile(home, sas):
    """Wireshark's ESP SA table (UAT esp_sa) in HOME/.config/wireshark; tshark reads it."""
    d = os.path.join(home, ".config", "wireshark")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "esp_sa"), "w") as f:
        for s in sas:
            f.write(f'"IPv4","*","*","{s.spi:#010x}","AES-GCM with 16 octet ICV [RFC4106]","{s.hex}","NULL",""\n')
