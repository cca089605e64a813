"""Listening on a port: the one way a command says it could not (a busy port, a privileged one)."""

from __future__ import annotations

import errno
import socket


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
