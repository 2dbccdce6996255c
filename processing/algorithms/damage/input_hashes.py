"""The inputs' provenance descriptions (SHA-256 of every file) computed once, on a thread of their own."""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

from ....core.common.provenance import describe_input


class InputHashes:
    """Describe ``inputs`` (name -> file path, or a description dict kept as it is) as
    :func:`~ree_damage.core.common.provenance.make_record` would, on a thread started now.

    A large raster input (a 20,000 x 20,000 mosaic is 1.2 GB, 1.5 CPU s of SHA-256) is then read
    while the algorithm works (hashlib leaves the GIL), and once, however many outputs
    record it. :meth:`result` waits for the descriptions; :meth:`abandon` lets them go (a
    failed or canceled run).
    """

    def __init__(self, inputs: dict):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ree_input_hashes")
        self._items = {name: (self._pool.submit(describe_input, value) if isinstance(value, (str, os.PathLike))
                              else value) for name, value in inputs.items()}

    def result(self) -> dict:
        """Name -> description dict, in the order the inputs were given."""
        try:
            return {name: (value.result() if isinstance(value, Future) else value)
                    for name, value in self._items.items()}
        finally:
            self._pool.shutdown(wait=False)

    def abandon(self) -> None:
        """Stop hashing what has not begun; what has finishes on its thread."""
        self._pool.shutdown(wait=False, cancel_futures=True)
