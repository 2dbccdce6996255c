"""Progress and cancellation as plain callables, so core never sees QgsProcessingFeedback.

A core function accepts ``progress`` (called with a fraction in [0, 1]) and
``is_canceled`` (returns True when the user asked to stop). :class:`Steps` splits one
progress callback into consecutive weighted stages, like QgsProcessingMultiStepFeedback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable, Optional

from .errors import Canceled

ProgressFn = Callable[[float], None]
CancelFn = Callable[[], bool]


def no_progress(fraction: float) -> None:
    """Progress callback that does nothing."""


def never_canceled() -> bool:
    """Cancel callback that never cancels."""
    return False


def check_canceled(is_canceled: Optional[CancelFn]) -> None:
    """Raise :class:`Canceled` if ``is_canceled()`` says so; call it between blocks."""
    if is_canceled is not None and is_canceled():
        raise Canceled("canceled by the user")


class Steps:
    """Map the progress of consecutive stages onto one overall progress callback.

    Parameters
    ----------
    progress : callable or None
        Overall progress callback taking a fraction in [0, 1].
    weights : sequence of float
        Relative weight of each stage.

    Examples
    --------
    >>> seen = []
    >>> steps = Steps(seen.append, [1, 3])
    >>> steps.stage(0)(1.0); steps.stage(1)(0.5)
    >>> [round(s, 3) for s in seen]
    [0.25, 0.625]
    """

    def __init__(self, progress: Optional[ProgressFn], weights: Sequence[float]):
        total = float(sum(weights))
        if total <= 0:
            raise ValueError("stage weights must sum to a positive number")
        self._progress = progress or no_progress
        self._starts = []
        acc = 0.0
        for w in weights:
            self._starts.append((acc / total, w / total))
            acc += w

    def stage(self, index: int) -> ProgressFn:
        """Progress callback for stage ``index`` (its 0..1 maps onto its share)."""
        start, share = self._starts[index]

        def report(fraction: float) -> None:
            self._progress(start + share * min(max(fraction, 0.0), 1.0))

        return report
