"""The block reader pyarrow reads an export through (csvstream.BlockReader): every byte
hashed once and in the file's order, even while pyarrow's thread still reads ahead."""

from __future__ import annotations

import hashlib
import io
import random
import threading
import time

from data.io.csvstream import BlockReader


class _SlowFile(io.BytesIO):
    """A file whose reads let another thread run between reading and returning."""

    def __init__(self, data: bytes, seed: int) -> None:
        super().__init__(data)
        self.random = random.Random(seed)

    def read(self, size: int | None = -1) -> bytes:
        piece = super().read(size)
        time.sleep(self.random.random() / 1000)
        return piece


def test_block_reader_drained_while_pyarrow_reads_ahead_hashes_in_file_order() -> None:
    data = b"".join(b"row %05d\r\n" % i for i in range(2_000))
    digest = hashlib.sha256()
    reader = BlockReader(_SlowFile(data, seed=0), digest, block=64)
    reader.begin_body()
    ahead = threading.Thread(target=lambda: [reader.read(64) for _ in range(200)])
    ahead.start()
    reader.drain()
    ahead.join()
    assert digest.digest() == hashlib.sha256(data).digest()
    assert reader.read(64) == b""


def test_block_reader_serves_the_body_after_a_mark_and_a_type_line_in_whole_blocks() -> None:
    data = b"\xef\xbb\xbf#TYPE Microsoft.HyperV\r\n" + b"a,b\r\n" * 100
    reader = BlockReader(io.BytesIO(data), hashlib.sha256(), block=7)
    reader.begin_body()
    head, delimiter = reader.header()
    assert (head, delimiter) == (b"a,b\r", ",")
    served = [reader.read(64) for _ in range(10)]
    assert [len(piece) for piece in served] == [64] * 7 + [52, 0, 0]
    assert b"".join(served) == b"a,b\r\n" * 100
    assert reader.clean() and reader.quotes == 0
