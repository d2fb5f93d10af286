"""The Runtime API client: HTTP/1.1 over one keep-alive socket.

Hand-written on the `_socket` C module rather than `http.client` (which imports the `email`
package: ~40 ms on every cold start) or even `socket` (~9 ms of `selectors` and friends);
the Runtime API needs only requests with a Content-Length, and answers with one (chunked
answers are read too, for other servers).
https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
"""

import _socket

_BASE = "/2018-06-01/runtime"


class RuntimeApiError(Exception):
    """The Runtime API could not be reached or answered something unusable."""


class RuntimeClient(object):
    def __init__(self, address):
        if not address:
            raise RuntimeApiError("AWS_LAMBDA_RUNTIME_API is not set")
        if address.startswith("/"):
            self._target = (_socket.AF_UNIX, address)
            self._host = "localhost"
        else:
            host, _, port = address.rpartition(":")
            self._target = (_socket.AF_INET, (host, int(port)))
            self._host = address
        self._sock = None
        self._buf = b""

    def next(self):
        """Waits for the next invocation: (headers with lower-case names, body bytes)."""
        status, headers, body = self._request("GET", _BASE + "/invocation/next", b"")
        if status != 200:
            raise RuntimeApiError("GET /invocation/next answered %d: %r" % (status, body[:200]))
        return headers, body

    def assignment(self):
        """Gust's ready sandboxes only: waits for the function's variables (assignment.py); None when refused."""
        status, _headers, body = self._request("GET", _BASE + "/gust/assignment", b"")
        self._close()
        return body if status == 200 else None

    def post_response(self, request_id, body, content_type="application/json"):
        return self._request(
            "POST", "%s/invocation/%s/response" % (_BASE, request_id), body, (("Content-Type", content_type),)
        )[0]

    def post_error(self, request_id, error_json, error_type):
        return self._request(
            "POST",
            "%s/invocation/%s/error" % (_BASE, request_id),
            error_json.encode("utf-8"),
            (("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", error_type)),
        )[0]

    def post_init_error(self, error_json, error_type):
        return self._request(
            "POST",
            _BASE + "/init/error",
            error_json.encode("utf-8"),
            (("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", error_type)),
        )[0]

    def connect(self):
        family, addr = self._target
        sock = _socket.socket(family, _socket.SOCK_STREAM)
        try:
            sock.connect(addr)
        except OSError:
            sock.close()
            raise
        if family == _socket.AF_INET:
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        self._sock = sock
        self._buf = b""

    def _close(self):
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None
        self._buf = b""

    def _request(self, method, path, body, headers=()):
        head = "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (method, path, self._host, len(body))
        for name, value in headers:
            head += "%s: %s\r\n" % (name, value)
        head = (head + "\r\n").encode("latin-1")
        # A kept-alive socket may have been closed by the server since its last use: a
        # request that fails before any answer byte is tried once more on a new connection.
        for _attempt in (0, 1):
            if self._sock is None:
                try:
                    self.connect()
                except OSError as e:
                    raise RuntimeApiError("cannot connect to the Runtime API: %s" % e)
            try:
                if len(body) < 65536:
                    self._sock.sendall(head + body)
                else:
                    self._sock.sendall(head)
                    self._sock.sendall(body)
                status_line = self._readline()
            except OSError:
                status_line = b""
            if status_line:
                try:
                    return self._read_answer(status_line)
                except OSError as e:
                    self._close()
                    raise RuntimeApiError("the Runtime API connection failed: %s" % e)
            self._close()
        raise RuntimeApiError("the Runtime API closed the connection")

    def _readline(self):
        """One line with its CRLF; b"" when the server closed before sending anything."""
        while True:
            i = self._buf.find(b"\n")
            if i >= 0:
                line, self._buf = self._buf[: i + 1], self._buf[i + 1 :]
                return line
            chunk = self._sock.recv(65536)
            if not chunk:
                if self._buf:
                    raise ConnectionError("connection closed mid-line")
                return b""
            self._buf += chunk

    def _read(self, n):
        """Exactly n bytes (the buffered ones first, then straight into one buffer)."""
        have = len(self._buf)
        if have >= n:
            data, self._buf = self._buf[:n], self._buf[n:]
            return data
        out = bytearray(n)
        out[:have] = self._buf
        self._buf = b""
        view = memoryview(out)
        pos = have
        while pos < n:
            got = self._sock.recv_into(view[pos:])
            if not got:
                raise ConnectionError("connection closed mid-body")
            pos += got
        return bytes(out)

    def _read_answer(self, status_line):
        try:
            status = int(status_line.split(None, 2)[1])
        except (IndexError, ValueError):
            self._close()
            raise RuntimeApiError("bad status line from the Runtime API: %r" % status_line)
        headers = {}
        while True:
            line = self._readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            body = self._read(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self._close()
        return status, headers, body

    def _read_chunked(self):
        parts = []
        while True:
            size = int(self._readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self._readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self._read(size))
            self._readline()
