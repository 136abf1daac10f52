"""Loaded by every Python process started with this folder on PYTHONPATH (the offline test).

An audit hook refuses, and records in the file named by ``FATHOM_NET_LOG``, every
attempt to resolve a host name or connect a socket anywhere but this machine: loopback
addresses and Unix sockets are allowed (Milvus Lite and llama.cpp run in-process or
behind local sockets). Native code that opens sockets without Python sees the network
namespace of the test instead (``unshare -rn``).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Any

_LOG = os.environ.get("FATHOM_NET_LOG", "")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _local(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).split("%", 1)[0]
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {' '.join(sys.argv[:3])}: {what}\n")
    raise OSError(101, f"network access blocked by the offline test: {what}")


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.getaddrinfo":
        if not _local(args[0]):
            _refuse(f"getaddrinfo {args[0]!r}")
    elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[-1]
        if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", None):
            return
        if isinstance(address, tuple) and address and not _local(address[0]):
            _refuse(f"{event} {address!r}")
    elif event == "socket.gethostbyname" and not _local(args[0]):
        _refuse(f"gethostbyname {args[0]!r}")


sys.addaudithook(_hook)
