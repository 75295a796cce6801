"""Where each request goes and what it trusts: the decisions both transports take the same way.

- **Proxies.** ``proxy="http://user:pass@host:port"`` sends every request through that proxy.
  Without it, and with ``trust_env=True``, the environment decides as ``requests`` and
  ``urllib`` do: ``HTTP_PROXY`` for ``http://`` URLs, ``HTTPS_PROXY`` for ``https://`` ones,
  ``ALL_PROXY`` for either when the scheme's own is not set, and ``NO_PROXY`` (host names,
  domain suffixes, ``host:port``, IP addresses and networks such as ``10.0.0.0/8``, or ``*``)
  for the hosts reached directly. Lower-case forms win over upper-case ones (an empty lower-case
  one unsets the variable), as :func:`urllib.request.getproxies_environment` reads them, and
  ``HTTP_PROXY`` is ignored when ``REQUEST_METHOD`` is set (a CGI script: the variable may come
  from a request's ``Proxy:`` header). The environment is read once, when the transport is
  made; the client's own origin is decided then too, any other origin when it is first asked.
- **Certificates to trust.** ``verify=True`` with ``trust_env=True`` takes
  ``REQUESTS_CA_BUNDLE`` if it is set, else ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` (both when
  both are set, as OpenSSL reads them); a path given as ``verify=`` always wins. With
  ``trust_env=False`` these variables are ignored, OpenSSL's own reading of ``SSL_CERT_FILE``
  and ``SSL_CERT_DIR`` included: the system's CA locations are then loaded from the paths
  OpenSSL was built with.
- **The client's certificate** (``cert=``, one PEM file with certificate and key, or a
  ``(cert, key)`` pair) is loaded when the transport is made, so a missing or unreadable file,
  or an encrypted key, is refused at once.

A proxy's password is never shown: :class:`Proxy` shows itself as ``user:***@host:port``, and
a pickled one leaves its credentials behind.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import os
import ssl
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from keystone._redaction import REDACTED

#: The schemes of the proxies both urllib3 and aiohttp speak to.
PROXY_SCHEMES = ("http", "https")

#: The variables naming CA certificates, read when ``verify=True`` and ``trust_env=True``.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")

_DEFAULT_PORTS = {"http": 80, "https": 443}


class Proxy:
    """A proxy server: its URL without credentials, the credentials it asks for, and where it
    was configured (``proxy=`` or the variable), for messages.

    Only :attr:`url` (no credentials) is given to urllib3 and aiohttp; the credentials go in
    the ``Proxy-Authorization`` header of :attr:`headers`, to the proxy alone.
    """

    __slots__ = ("_password", "host", "port", "scheme", "source", "url", "username")

    def __init__(self, value: object, *, source: str = "proxy=") -> None:
        if not isinstance(value, str):
            raise TypeError(
                f"{source} must be a proxy URL string such as 'http://proxy.example:3128', "
                f"not {type(value).__name__}"
            )
        text = value.strip()
        if source != "proxy=" and "://" not in text:
            text = f"http://{text}"  # HTTP_PROXY=proxy:3128, as curl and requests read it
        try:
            parts = urlsplit(text)
        except ValueError:  # e.g. an IPv6 host without its closing bracket
            parts = urlsplit("")
            malformed = True
        else:
            malformed = False
        try:
            port = parts.port
        except ValueError:
            port = -1
        if malformed:
            problem = "is not a URL that can be read (check its brackets and characters)"
        elif "://" not in text or not parts.scheme:
            problem = "has no scheme: write it as http://host:port (or https://)"
        elif parts.scheme.lower() not in PROXY_SCHEMES:
            problem = (
                f"has the scheme {parts.scheme}://, which this client does not speak to a "
                "proxy; give an http:// or https:// proxy"
            )
        elif not parts.hostname:
            problem = "names no host; write it as http://host:port"
        elif port == -1:
            problem = "has a port that is not a number from 0 to 65535"
        elif parts.username is not None and ":" in unquote(parts.username):
            problem = "has a user name with a ':', which Basic authentication cannot carry"
        else:
            problem = ""
        if problem:
            if source == "proxy=":
                raise ValueError(f"proxy={_hidden(value)!r} {problem}")
            raise ValueError(
                f"{source}={_hidden(value)!r} (set in the environment) {problem}; or make the "
                "client with trust_env=False to ignore it"
            )
        self.scheme = parts.scheme.lower()
        self.host = parts.hostname or ""
        self.port = port if port is not None else _DEFAULT_PORTS[self.scheme]
        self.source = source
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"{self.scheme}://{host}:{self.port}"
        self.username = None if parts.username is None else unquote(parts.username)
        self._password = None if parts.password is None else unquote(parts.password)

    @property
    def headers(self) -> dict[str, str]:
        """``Proxy-Authorization`` when the proxy URL has credentials (Basic, UTF-8)."""
        if self.username is None:
            return {}
        pair = f"{self.username}:{self._password or ''}".encode()
        return {"Proxy-Authorization": f"Basic {base64.b64encode(pair).decode('ascii')}"}

    @property
    def credentials(self) -> tuple[str, str] | None:
        """The user name and password, for aiohttp's ``proxy_auth``."""
        return None if self.username is None else (self.username, self._password or "")

    @property
    def shown(self) -> str:
        """The proxy as messages show it: its URL, the password hidden, and its origin."""
        user = "" if self.username is None else f"{self.username}:{REDACTED}@"
        url = self.url.replace("://", f"://{user}", 1)
        return url if self.source == "proxy=" else f"{url} (from {self.source})"

    def scrub(self, text: str) -> str:
        """``text`` with this proxy's credentials hidden, in the forms a lower layer could
        carry them: ``user:password`` as written or percent-encoded, and the Basic token.
        (Only the URL without them is given to urllib3 and aiohttp; a password alone is not
        searched for, since a short one would garble unrelated words.)"""
        secret = self._password
        if not secret or self.username is None:
            return text
        forms = {
            f"{user}:{password}"
            for user in (self.username, _quoted(self.username))
            for password in (secret, _quoted(secret))
        }
        forms.add(self.headers["Proxy-Authorization"].removeprefix("Basic "))
        for form in forms:
            text = text.replace(form, f"{self.username}:{REDACTED}")
        return text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Proxy) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[str, str | None, str | None]:
        return (self.url, self.username, self._password)

    def __repr__(self) -> str:
        return f"<Proxy {self.shown}>"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the proxy without its password: a copy cannot authenticate to it."""
        user = "" if self.username is None else f"{_quoted(self.username)}@"
        return (Proxy, (self.url.replace("://", f"://{user}", 1),), {"source": self.source})

    def __setstate__(self, state: dict[str, str]) -> None:
        self.source = state["source"]


def _quoted(text: str) -> str:
    return quote(text, safe="")


def _hidden(value: str) -> str:
    """A proxy URL as a message may show it: any password replaced by ``***``."""
    scheme, sep, rest = value.partition("://")
    if not sep:
        scheme, rest = "", value
    userinfo, at, hostpart = rest.rpartition("@")
    if not at:
        return value
    user = userinfo.split(":", 1)[0]
    return f"{scheme}{sep}{user}:{REDACTED}@{hostpart}"


class ProxyRoutes:
    """Which proxy, if any, each origin goes through (see the module docstring).

    Made once per transport from ``proxy=`` and ``trust_env``; :meth:`for_origin` answers for
    a scheme, host and port.
    """

    __slots__ = ("_bypass", "_fixed", "_no_proxy", "_proxies")

    def __init__(
        self,
        proxy: object = None,
        *,
        trust_env: bool = True,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if not isinstance(trust_env, bool):
            raise TypeError(f"trust_env={trust_env!r} must be True or False")
        self._fixed: Proxy | None = None
        self._proxies: dict[str, tuple[str, str]] = {}  # scheme: (variable, value)
        self._no_proxy = ""
        self._bypass: Callable[[str, int], bool] = _never
        if proxy is not None:
            self._fixed = proxy if isinstance(proxy, Proxy) else Proxy(proxy)
            return
        if not trust_env:
            return
        found = environment_proxies(os.environ if environ is None else environ)
        for scheme in PROXY_SCHEMES:
            chosen = found.get(scheme) or found.get("all")
            if chosen is not None:
                self._proxies[scheme] = chosen
        no_proxy = found.get("no")
        if no_proxy is not None and self._proxies:
            self._no_proxy = no_proxy[1]
            self._bypass = _bypass_rule(no_proxy[1])

    @property
    def any(self) -> bool:
        """Whether any request may go through a proxy."""
        return self._fixed is not None or bool(self._proxies)

    def for_origin(self, scheme: str, host: str, port: int | None) -> Proxy | None:
        """The proxy for requests to ``scheme://host:port``, or ``None`` to go directly."""
        if self._fixed is not None:
            return self._fixed
        chosen = self._proxies.get(scheme)
        if chosen is None:
            return None
        port = port if port is not None else _DEFAULT_PORTS.get(scheme, 0)
        if self._bypass(host.strip("[]").lower(), port):
            return None
        name, value = chosen
        return Proxy(value, source=name)  # read (and checked) only for an origin that uses it


def environment_proxies(environ: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """``{scheme: (variable, value)}`` of the ``*_proxy`` variables in ``environ``, read as
    :func:`urllib.request.getproxies_environment` reads them (lower case wins, an empty
    lower-case one unsets, ``HTTP_PROXY`` ignored in a CGI script), with each one's name."""
    found: dict[str, tuple[str, str]] = {}
    for name, value in environ.items():
        lower = name.lower()
        if value and lower.endswith("_proxy"):
            found.setdefault(lower[:-6], (name, value))
            if name == lower:
                found[lower[:-6]] = (name, value)
    if "REQUEST_METHOD" in environ:
        found.pop("http", None)
    for name, value in environ.items():
        if name.endswith("_proxy") and name == name.lower():
            if value:
                found[name[:-6]] = (name, value)
            else:
                found.pop(name[:-6], None)
    return {key: (name, value.strip()) for key, (name, value) in found.items() if value.strip()}


def _never(host: str, port: int) -> bool:
    return False


def _bypass_rule(no_proxy: str) -> Callable[[str, int], bool]:
    """A test of whether ``NO_PROXY`` sends ``host:port`` directly: its host names and
    suffixes as :func:`urllib.request.proxy_bypass_environment` reads them, plus IP
    addresses and networks (``10.0.0.0/8``, ``::1``), as requests and httpx read them."""
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for entry in no_proxy.replace(" ", "").split(","):
        # a name, a suffix, host:port or * is no network: urllib's rules below read those
        with contextlib.suppress(ValueError):
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
    names = {"no": no_proxy}

    def bypass(host: str, port: int) -> bool:
        if networks:
            try:
                address = ipaddress.ip_address(host)
            except ValueError:
                address = None
            if address is not None and any(address in net for net in networks):
                return True
        if ":" in host:  # IPv6: matched by the networks above only
            return "*" in no_proxy.replace(" ", "").split(",")
        shown = f"{host}:{port}"
        return bool(urllib.request.proxy_bypass_environment(shown, names))  # type: ignore[attr-defined]

    return bypass


# -- what to trust, and the client's own certificate -----------------------------------------


@dataclass(frozen=True)
class EnvironmentTrust:
    """What ``verify=True`` trusts instead of the system's CAs: the CA files of the
    environment (``cafile``/``capath``, ``source`` naming the variables), or, with
    ``trust_env=False`` while ``SSL_CERT_FILE``/``SSL_CERT_DIR`` are set, the locations
    OpenSSL was built with (``without_env``)."""

    cafile: str | None = None
    capath: str | None = None
    source: str = ""
    without_env: bool = False


def environment_trust(
    verify: object, trust_env: bool, environ: Mapping[str, str] | None = None
) -> EnvironmentTrust | None:
    """What ``verify=True`` trusts given the environment, or ``None`` for the system's CAs as
    OpenSSL finds them (and for ``verify=False`` or a path: those win). A variable that names
    no file or directory is refused, naming it."""
    if verify is not True:
        return None
    env = os.environ if environ is None else environ
    values = {name: env.get(name, "").strip() for name in CA_BUNDLE_VARIABLES}
    if not trust_env:
        if values["SSL_CERT_FILE"] or values["SSL_CERT_DIR"]:
            return EnvironmentTrust(without_env=True)
        return None
    bundle = values["REQUESTS_CA_BUNDLE"]
    if bundle:
        if os.path.isdir(bundle):
            return EnvironmentTrust(capath=bundle, source="REQUESTS_CA_BUNDLE")
        _check_file("REQUESTS_CA_BUNDLE", bundle)
        return EnvironmentTrust(cafile=bundle, source="REQUESTS_CA_BUNDLE")
    cafile, capath = values["SSL_CERT_FILE"] or None, values["SSL_CERT_DIR"] or None
    if cafile is None and capath is None:
        return None
    if cafile is not None:
        _check_file("SSL_CERT_FILE", cafile)
    if capath is not None and not os.path.isdir(capath):
        raise ValueError(
            f"SSL_CERT_DIR={capath!r} (set in the environment) is not a directory; point it "
            "at a directory of CA certificates, unset it, or make the client with "
            "trust_env=False"
        )
    names = " and ".join(n for n, v in (("SSL_CERT_FILE", cafile), ("SSL_CERT_DIR", capath)) if v)
    return EnvironmentTrust(cafile=cafile, capath=capath, source=names)


def _check_file(variable: str, path: str) -> None:
    if not os.path.isfile(path):
        raise ValueError(
            f"{variable}={path!r} (set in the environment) is not a file of CA certificates; "
            f"point it at a PEM bundle, unset it, or make the client with trust_env=False"
        )


def load_system_cas_without_env(context: ssl.SSLContext) -> None:
    """Load into ``context`` the CA locations OpenSSL was built with, whatever
    ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` say (which ``load_default_certs`` would follow)."""
    paths = ssl.get_default_verify_paths()
    cafile = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
    capath = paths.openssl_capath if os.path.isdir(paths.openssl_capath) else None
    if cafile is None and capath is None:
        raise ValueError(
            "trust_env=False: the system's CA certificates cannot be found without "
            f"SSL_CERT_FILE/SSL_CERT_DIR (OpenSSL looks in {paths.openssl_cafile} and "
            f"{paths.openssl_capath}, which do not exist); pass verify= with a CA bundle path"
        )
    context.load_verify_locations(cafile=cafile, capath=capath)


@dataclass(frozen=True)
class ClientCertificate:
    """The client's certificate chain and key files (``key_file`` ``None``: in the first)."""

    cert_file: str
    key_file: str | None

    def load_into(self, context: ssl.SSLContext) -> None:
        """Load the chain and key into ``context`` (see :func:`client_certificate`)."""
        context.load_cert_chain(self.cert_file, self.key_file, password=_no_password)


def client_certificate(cert: object) -> ClientCertificate | None:
    """``cert=`` checked and loaded once: a missing or unreadable file, a key that does not
    match, or an encrypted key is refused now, naming the path (never the key's content)."""
    if cert is None:
        return None
    if isinstance(cert, (str, os.PathLike)):
        files: tuple[str, str | None] = (os.fspath(cert), None)
    elif (
        isinstance(cert, tuple)
        and len(cert) == 2
        and all(isinstance(part, (str, os.PathLike)) for part in cert)
    ):
        files = (os.fspath(cert[0]), os.fspath(cert[1]))
    else:
        raise TypeError(
            "cert= must be the path of a PEM file holding the certificate and its key, or a "
            f"(certificate, key) pair of paths, not {type(cert).__name__}"
        )
    given = f"cert={files[0]!r}" if files[1] is None else f"cert={files!r}"
    for path in files:
        if path is not None and not os.path.isfile(path):
            raise ValueError(
                f"{given}: {path!r} is not a file; give the PEM file of the client "
                "certificate and its key, or a (certificate, key) pair of PEM files"
            )
    certificate = ClientCertificate(*files)
    try:
        certificate.load_into(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    except _EncryptedKey:
        raise ValueError(
            f"{given}: the private key is encrypted (it asks for a passphrase); give a "
            "key file without a passphrase (e.g. openssl pkey -in key.pem -out plain.pem)"
        ) from None
    except (ssl.SSLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        raise ValueError(
            f"{given}: the certificate and key could not be loaded ({reason}); give PEM "
            "files holding the certificate chain and its matching, unencrypted private key"
        ) from None
    return certificate


class _EncryptedKey(Exception):
    """The key asked for a passphrase."""


def _no_password() -> str:
    raise _EncryptedKey
