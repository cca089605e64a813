"""Ports: the one way a command says it could not listen on one (a busy port, a privileged one), and who
listens on a loopback port pcwatch is about to send credentials to (another local user may)."""

from __future__ import annotations

import errno
import ipaddress
import os
import socket

from .private_files import user_name


class PortUnavailable(OSError):
    """A port pcwatch was asked to listen on and cannot; the message says what to do."""


def bind_error_message(host: str, port: int, exc: OSError) -> str:
    """One line for a failed bind: which port, why, and what to do instead."""
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use by another program; choose another with --port (--port 0 picks a free one)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            f"port {port} on {host} needs privileges pcwatch does not have; choose one above 1023 with --port"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}: not an address of this machine; check --host"
    return f"cannot listen on {host} port {port}: {exc.strerror or exc}; choose another with --port"


def check_bindable(host: str, port: int) -> None:
    """Raise PortUnavailable if `host:port` cannot be listened on now (as a server binding with
    SO_REUSEADDR would find), before a server starts and fails deep inside its framework."""
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise PortUnavailable(f"cannot listen on {host}: {exc.strerror}; check --host") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
            probe.listen()
        except OSError as exc:
            raise PortUnavailable(bind_error_message(host, port, exc)) from None


# --- who listens on a loopback port ----------------------------------------------------------------------

#: Where Linux lists its TCP sockets (state 0A: listening; the uid column: the socket's owner).
PROC_TCP = ("/proc/net/tcp", "/proc/net/tcp6")
_LISTEN = "0A"


class ForeignListener(Exception):
    """A loopback port that another local user listens on: pcwatch sends it no credentials. The message is
    one line naming the port, its owner and the fix (exit 2)."""


def _address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """/proc/net/tcp's address: the kernel's 32-bit words in host (little-endian) order."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return ipaddress.ip_address(words)


def listeners(port: int, tables: tuple[str, ...] = PROC_TCP) -> list[tuple[str, int]] | None:
    """(address, owner uid) of every socket listening on TCP `port`; None where the kernel does not say
    (no /proc: not Linux)."""
    found: list[tuple[str, int]] = []
    read_any = False
    for table in tables:
        try:
            with open(table, encoding="ascii") as fh:
                lines = fh.readlines()[1:]
        except OSError:
            continue
        read_any = True
        for line in lines:
            fields = line.split()
            if len(fields) < 8 or fields[3] != _LISTEN:
                continue
            hex_address, _, hex_port = fields[1].partition(":")
            if int(hex_port, 16) == port:
                found.append((str(_address(hex_address)), int(fields[7])))
    return found if read_any else None


def _reaches(address: str, targets: set[str]) -> bool:
    """Whether a connection to one of `targets` may land on a socket bound to `address` (itself, or a
    wildcard: `::` takes IPv4 too unless the socket is IPv6-only, which /proc does not say)."""
    ip = ipaddress.ip_address(address)
    if ip.is_unspecified:
        return True
    mapped = getattr(ip, "ipv4_mapped", None)
    return address in targets or (mapped is not None and str(mapped) in targets)


def check_listener(
    host: str, port: int, *, uid: int | None = None, tables: tuple[str, ...] = PROC_TCP
) -> None:
    """Raise ForeignListener if a socket that a connection to loopback `host:port` may reach belongs to
    another user than `uid` (the effective user's by default). Nothing listening, or no /proc to ask
    (not Linux), passes: there is nobody to give anything to, or no way to know."""
    found = listeners(port, tables)
    if not found:
        return
    if uid is None:
        uid = os.geteuid()
    try:
        targets = {str(ipaddress.ip_address(host.strip("[]")))}
    except ValueError:
        targets = {str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    for address, owner in found:
        if owner != uid and _reaches(address, targets):
            raise ForeignListener(
                f"port {port} on {host} is listened on by {user_name(owner)}, not by you "
                f"({user_name(uid).split(' (', 1)[0]}): pcwatch sends your credentials only to an endpoint you run yourself; "
                "start your own (pcwatch simulate --port 0) and point --endpoint-url at it"
            )
