"""An untrusted or spoofed endpoint: plain http:// to another host is refused before any request (exit 2,
saying why) unless --allow-insecure-endpoint; https:// and loopback are fine. Whether anything left is
seen by an HTTP proxy the environment points at, which every request to a non-local host goes through."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from tui.__main__ import main
from tui.aws.client import make_client
from tui.aws.failures import ApiFailure
from tui.core.settings import Settings, SettingsError, check_settings

REMOTE = "http://203.0.113.7:8080"  # TEST-NET-3: never a real host


class ProxySpy:
    """A proxy that records the first bytes of each connection and answers 502."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.requests.append(conn.recv(65536))
                    conn.sendall(
                        b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                except OSError:
                    pass


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProxySpy]:
    spy = ProxySpy()
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, spy.url)
    for name in ("NO_PROXY", "no_proxy", "PCWATCH_ENDPOINT_URL", "PCWATCH_CATALOG", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-that-must-not-travel-in-clear")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield spy
    spy.sock.close()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exited:
        code = int(exited.code or 0)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "url",
    [
        REMOTE,
        "http://partnercentral.example.com",
        "http://127.0.0.1.evil.example",
        "http://localhost.evil.example:80",
        "http://[::ffff:203.0.113.7]:80",
        "HTTP://203.0.113.7",
    ],
)
def test_plain_http_to_another_host_is_refused_before_any_request(url, proxy, capsys) -> None:
    for command in (["list"], ["wait", "task-0123456789abc"], ["serve", "--port", "1"], []):
        code, err = _run(capsys, "--endpoint-url", url, *command)
        assert code == 2, (command, err)
        assert "unencrypted" in err and "--allow-insecure-endpoint" in err
    assert proxy.requests == []


def test_the_notebook_and_every_other_client_get_the_same_refusal(proxy, tmp_path) -> None:
    from tui.notebook import Watch

    with pytest.raises(ApiFailure) as refused:
        make_client(Settings(endpoint_url=REMOTE))
    assert "unencrypted" in refused.value.message and not refused.value.retryable
    with pytest.raises(ApiFailure):
        make_client(Settings(catalog="aws"))
    with pytest.raises(SettingsError, match="unencrypted"):
        Watch(endpoint_url=REMOTE, journal=tmp_path / "j.sqlite3")
    with pytest.raises(SettingsError, match="exactly Sandbox or AWS"):
        Watch(catalog="aws", journal=tmp_path / "j.sqlite3")
    assert proxy.requests == [] and not (tmp_path / "j.sqlite3").exists()


def test_with_allow_insecure_endpoint_the_request_does_go_out(proxy, capsys) -> None:
    """The control: the spy would have seen a refused request had it been sent."""
    code, err = _run(capsys, "--endpoint-url", REMOTE, "--allow-insecure-endpoint", "list")
    assert code == 3, err
    assert proxy.requests and b"203.0.113.7" in proxy.requests[0]
    assert b"secret-that-must-not-travel-in-clear" not in b"".join(
        proxy.requests
    )  # SigV4 signs, never sends it


def test_https_and_loopback_endpoints_are_accepted() -> None:
    for url in (
        "https://partnercentral-selling.us-east-1.api.aws",
        "https://203.0.113.7:8443/",
        "http://127.0.0.1:8000",
        "http://127.8.9.10",
        "http://localhost:9000",
        "http://[::1]:9000",
    ):
        check_settings(Settings(endpoint_url=url))
    with pytest.raises(ValueError):
        check_settings(Settings(endpoint_url="file:///etc/passwd"))
