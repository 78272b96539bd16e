"""deploy/nginx.conf, filled in and run by Debian's nginx in front of a gunicorn, as the README's
production section deploys it: for the scale-out test and the page-weight benchmark.

`Nginx(app="127.0.0.1:8000", folder=…)` fills in the site file's ${UNGEHUB_…} values as envsubst
would (a self-signed certificate for 127.0.0.1 and localhost, two free ports on 127.0.0.1, the
checkout's static folder), wraps it in a main configuration of its own (pid, logs and temporary
files in `folder`, one worker, the current user) and starts `nginx -g 'daemon off;'` in the
foreground; leaving the `with` block stops it. No system service, port 80 or root is needed.
"""

from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from hub import ROOT

SITE = ROOT / "deploy" / "nginx.conf"
PLACEHOLDER = re.compile(r"\$\{(UNGEHUB_[A-Z_]+)\}")


def nginx_path() -> str | None:
    """Debian's nginx (in /usr/sbin, which a user's PATH may lack)."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render(values: dict[str, str], site: Path = SITE) -> str:
    """The site file with its ${UNGEHUB_…} values filled in, as `envsubst` naming them does."""
    text = site.read_text()
    missing = sorted(set(PLACEHOLDER.findall(text)) - set(values))
    if missing:
        raise KeyError(f"deploy/nginx.conf needs values for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def self_signed(folder: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> tuple[Path, Path]:
    """A certificate for `hosts` and its key; the certificate is also what clients trust (`verify=`)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    names = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # Fixed, not from the clock: tests may run the process on a clock of their own, nginx and
        # OpenSSL on the real one.
        .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        # Python 3.13's strict checks want both identifiers, even on a certificate that signs itself.
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "certificate.pem", folder / "certificate.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return cert_path, key_path


MAIN = """\
{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    access_log off;
    include {folder}/ungehub.conf;
}}
"""


class Nginx:
    """deploy/nginx.conf in front of `app` (host:port); `url` (https) and `http_url` once started."""

    def __init__(
        self, app: str, folder: Path, *, certificate: tuple[Path, Path] | None = None, static: Path | None = None
    ) -> None:
        self.app, self.folder = app, Path(folder)
        self.static = static or ROOT / "static"
        self.https_port, self.http_port = free_port(), free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.http_url = f"http://127.0.0.1:{self.http_port}"
        self.access_log = self.folder / "ungehub.access.log"
        self.folder.mkdir(parents=True, exist_ok=True)
        # The certificate (also what clients trust: `verify=nginx.certificate`) and its key.
        self.certificate, self.key = certificate or self_signed(self.folder)
        self._process: subprocess.Popen | None = None

    def values(self) -> dict[str, str]:
        return {
            "UNGEHUB_SERVER_NAME": "127.0.0.1 localhost",
            "UNGEHUB_PUBLIC_URL": self.url,
            "UNGEHUB_HTTPS_LISTEN": f"127.0.0.1:{self.https_port}",
            "UNGEHUB_HTTP_LISTEN": f"127.0.0.1:{self.http_port}",
            "UNGEHUB_APP": self.app,
            "UNGEHUB_STATIC": f"{self.static}/",
            "UNGEHUB_LOGS": str(self.folder),
            "UNGEHUB_CERTIFICATE": str(self.certificate),
            "UNGEHUB_CERTIFICATE_KEY": str(self.key),
        }

    def __enter__(self) -> Nginx:
        binary = nginx_path()
        if binary is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        (self.folder / "tmp").mkdir(parents=True, exist_ok=True)
        (self.folder / "ungehub.conf").write_text(render(self.values()))
        # As root, nginx's workers would run as "nobody", who may not read the checkout or write here.
        user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
        (self.folder / "nginx.conf").write_text(MAIN.format(user=user, folder=self.folder))
        command = [binary, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"), "-e", "stderr"]
        checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, timeout=30)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused deploy/nginx.conf:\n{checked.stderr}")
        with (self.folder / "nginx.out").open("wb") as out:
            self._process = subprocess.Popen(
                [*command, "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_listening()
        return self

    def _wait_until_listening(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=1):
                    return
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"nginx did not start:\n{self.log()}") from None
                time.sleep(0.05)

    def log(self) -> str:
        parts = [(self.folder / name) for name in ("nginx.out", "error.log", "ungehub.error.log")]
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())

    def access_lines(self) -> list[str]:
        return self.access_log.read_text(errors="replace").splitlines() if self.access_log.exists() else []

    def __exit__(self, *exc_info: object) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGQUIT)  # graceful: the workers finish and write their logs
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
