"""A self-signed TLS certificate for the servers the suite starts (nginx in tests/deploy, Dovecot in tests/imap_server.py, Gmail's page in tests/browser)."""

import datetime
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CERT_FILE, KEY_FILE = "cert.pem", "key.pem"  # the names write_self_signed gives its files in the directory


def write_self_signed(directory, host="localhost", days=30, other_hosts=()):
    """Write ``CERT_FILE`` and ``KEY_FILE`` (mode 600) for ``host``, ``other_hosts`` and 127.0.0.1 into ``directory``; return their paths.

    Marked as a CA, so a client may trust the certificate itself (IMAP_CA_FILE, ssl cafile).
    """
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(h) for h in (host, *other_hosts)] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    extensions = [(x509.SubjectAlternativeName(names), False), (x509.BasicConstraints(ca=True, path_length=None), True)]
    certificate = self_signed(key, host, days, extensions)
    cert_path, key_path = Path(directory) / CERT_FILE, Path(directory) / KEY_FILE
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return cert_path, key_path


def self_signed(key, common_name, days=30, extensions=()):
    """An X.509 certificate for ``key``'s public half, signed by ``key``, valid from yesterday for ``days``; ``extensions``: (extension, critical)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(key, hashes.SHA256())
