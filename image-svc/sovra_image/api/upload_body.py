"""The body of an image data upload, read straight from cheroot's connection into
the service's buffers (``readinto``), with a Content-Length or chunked.

cheroot's own readers copy every chunk several times in pure Python: its
``KnownLengthRFile.read()`` goes through a pure-Python buffered reader, and its
``ChunkedRFile.read(n)`` joins and slices bytes objects (~8 CPU s/GiB, more than
MD5 and SHA-512 together). These read the socket into the caller's buffer.

Not Flask's stream either: the JSON body limit ([api] max_request_body_size) is not
for image data; the service enforces [image] image_size_cap while it streams.
"""

from __future__ import annotations

from cheroot import errors as cheroot_errors
from cheroot import server as cheroot_server

from sovra_common import exception

MAX_CHUNK_LINE = 4096  # a chunk-size line, extensions included


class MalformedChunkedBody(exception.Invalid):
    message = "Malformed chunked transfer coding: %(reason)s."


class _KnownLengthBody:
    """A body with a Content-Length."""

    def __init__(self, stream: cheroot_server.KnownLengthRFile):
        self._stream = stream

    def readinto(self, buffer) -> int:
        stream = self._stream
        want = min(len(buffer), stream.remaining)
        if want <= 0:
            return 0
        # readinto1, not readinto: _pyio's readinto raises ValueError when its loop
        # copies buffered bytes after a partial read (more than the space left).
        got = stream.rfile.readinto1(memoryview(buffer)[:want])
        stream.remaining -= got
        return got


class _ChunkedBody:
    """A body in the chunked transfer coding (RFC 9112 section 7.1): the chunk data
    lands in the caller's buffer; size lines, extensions and trailers are read and
    dropped, so the connection is left at the next request. Honours cheroot's
    max_request_body_size like its own reader (``maxlen``, 0: none)."""

    def __init__(self, stream: cheroot_server.ChunkedRFile):
        self._stream = stream
        self._rfile = stream.rfile
        self._left = 0  # bytes of the current chunk not read yet
        self._pending = bytes(stream.buffer)  # read by someone else before us
        stream.buffer = b""

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        if not view:
            return 0
        if self._pending:
            got = min(len(view), len(self._pending))
            view[:got] = self._pending[:got]
            self._pending = self._pending[got:]
            return got
        if not self._left and not self._next_chunk():
            return 0
        got = self._rfile.readinto1(view[:min(len(view), self._left)])
        if not got:
            raise MalformedChunkedBody(reason="the body ended inside a chunk")
        self._left -= got
        self._count(got)
        if not self._left:
            crlf = self._rfile.read(2)
            self._count(len(crlf))
            if crlf != b"\r\n":
                raise MalformedChunkedBody(reason="no CRLF after a chunk's data")
        return got

    def _next_chunk(self) -> bool:
        """Read the next chunk-size line; False at the last chunk (its trailer
        read too) or once closed."""
        stream = self._stream
        if stream.closed:
            return False
        size = self._chunk_size(self._line())
        if size == 0:
            while self._line():  # trailer fields, up to the empty line
                pass
            stream.closed = True
            return False
        if stream.maxlen and stream.bytes_read + size > stream.maxlen:
            raise cheroot_errors.MaxSizeExceeded("Request Entity Too Large",
                                                 stream.maxlen)
        self._left = size
        return True

    @staticmethod
    def _chunk_size(line: bytes) -> int:
        digits = line.split(b";", 1)[0].strip()
        if not digits or digits.strip(b"0123456789abcdefABCDEF"):
            raise MalformedChunkedBody(reason=f"bad chunk size line {line[:40]!r}")
        return int(digits, 16)

    def _line(self) -> bytes:
        """One line without its CRLF; raises if it is too long or the body ended."""
        line = self._rfile.readline(MAX_CHUNK_LINE + 1)
        self._count(len(line))
        if not line.endswith(b"\n"):
            raise MalformedChunkedBody(
                reason="a chunk size or trailer line is too long or cut short")
        return line.rstrip(b"\r\n")

    def _count(self, n: int) -> None:
        stream = self._stream
        stream.bytes_read += n
        if stream.maxlen and stream.bytes_read > stream.maxlen:
            raise cheroot_errors.MaxSizeExceeded("Request Entity Too Large",
                                                 stream.maxlen)


def body(environ):
    """The upload's body, for the service's ``readinto`` (or ``read``: any other
    server's wsgi.input)."""
    stream = environ["wsgi.input"]
    if isinstance(stream, cheroot_server.KnownLengthRFile):
        return _KnownLengthBody(stream)
    if isinstance(stream, cheroot_server.ChunkedRFile):
        return _ChunkedBody(stream)
    return stream
