"""Smart-HTTP git server for tests: basic auth in front of the real ``git http-backend``.

Run as its own process (``python -m tests.harness.git_http``) so the harness stops it by
pid like every other server. Users come from a JSON file ``{user: [password, "rw"|"ro"]}``;
a read-only user is refused (403) on receive-pack, a wrong password gets 401.

A test makes the server refuse pushes to one repository (503, as a remote in maintenance
does) by creating ``<root>/<repo>.refuse-pushes``; removing the file lets pushes in again.

Tests may ask how a client authenticated: ``GET /_requests/<repo>`` (no auth) answers
``{"anonymous": n, "refused": n, "accepted": n}``, the requests for that repository
without credentials, with wrong ones, and with valid ones.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

_REQUESTS_PATH = "/_requests/"
_CGI_HEADERS = {
    "Content-Type": "CONTENT_TYPE",
    "Git-Protocol": "GIT_PROTOCOL",
    "Content-Encoding": "HTTP_CONTENT_ENCODING",
}


class GitHttpHandler(BaseHTTPRequestHandler):
    server: GitHttpServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle on, the second waits for the
    # client's delayed ACK (~40 ms per response on Linux), as real git servers do not.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def _user(self) -> tuple[str, str] | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        entry = self.server.users.get(user)
        if entry is None or entry[0] != password:
            return None
        return user, entry[1]

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        body = message.encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _serve(self) -> None:
        body = self._read_body()
        url = urlsplit(self.path)
        if url.path.startswith(_REQUESTS_PATH):
            counts = self.server.requests_for(url.path.removeprefix(_REQUESTS_PATH))
            self._reply(200, json.dumps(counts), {"Content-Type": "application/json"})
            return
        user = self._user()
        self.server.count(url.path, self._outcome(user))
        if user is None:
            self._reply(401, "authentication required\n", {"WWW-Authenticate": 'Basic realm="git"'})
            return
        pushing = url.path.endswith("/git-receive-pack") or "service=git-receive-pack" in url.query
        if pushing and user[1] != "rw":
            self._reply(403, "read-only credential\n")
            return
        repository = url.path.lstrip("/").split("/", 1)[0]
        if pushing and (self.server.root / f"{repository}.refuse-pushes").exists():
            self._reply(503, "pushes refused: maintenance\n")
            return
        self._run_backend(url.path, url.query, user[0], body)

    def _outcome(self, user: tuple[str, str] | None) -> str:
        if user is not None:
            return "accepted"
        return "refused" if "Authorization" in self.headers else "anonymous"

    def _run_backend(self, path: str, query: str, user: str, body: bytes) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.server.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REMOTE_USER": user,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_LENGTH": str(len(body)),
        }
        for header, variable in _CGI_HEADERS.items():
            if header in self.headers:
                env[variable] = self.headers[header]
        result = subprocess.run(
            ["git", "http-backend"], input=body, capture_output=True, env=env, check=False
        )
        head, _, payload = result.stdout.partition(b"\r\n\r\n")
        status, headers = 200, {}
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers[name] = value.strip()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class GitHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, root: Path, users: dict[str, tuple[str, str]]) -> None:
        super().__init__(("127.0.0.1", port), GitHttpHandler)
        self.root = root
        self.users = users
        self._lock = threading.Lock()
        self._requests: dict[str, Counter[str]] = {}

    def count(self, path: str, outcome: str) -> None:
        """One more request for the repository ``path`` starts with, by how it authenticated."""
        repository = path.lstrip("/").split("/", 1)[0]
        with self._lock:
            self._requests.setdefault(repository, Counter())[outcome] += 1

    def requests_for(self, repository: str) -> dict[str, int]:
        with self._lock:
            counts = self._requests.get(repository, Counter())
            return {key: counts[key] for key in ("anonymous", "refused", "accepted")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--users", type=Path, required=True)
    args = parser.parse_args()
    users = {
        name: (entry[0], entry[1]) for name, entry in json.loads(args.users.read_text()).items()
    }
    GitHttpServer(args.port, args.root, users).serve_forever()


if __name__ == "__main__":
    main()
