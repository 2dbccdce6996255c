"""Named stages of an algorithm run: progress text, a progress bar per stage, cancel between stages."""

from __future__ import annotations

from qgis.core import QgsProcessingException, QgsProcessingFeedback, QgsProcessingMultiStepFeedback

from ..base import tr


class Stages:
    """QgsProcessingMultiStepFeedback over translated stage names.

    ``next()`` checks for cancellation, moves to the next stage, shows its name as the
    progress text and returns the stage's feedback (its progress runs 0-100 within the
    stage). Pass that feedback (or its callbacks) to the adapter and to core.
    """

    def __init__(self, feedback, names):
        self.parent = feedback if feedback is not None else QgsProcessingFeedback()
        self.names = list(names)
        self.feedback = QgsProcessingMultiStepFeedback(len(self.names), self.parent)
        self.index = -1

    def next(self):
        """Start the next stage; QgsProcessingException when the user canceled."""
        self.check_canceled()
        self.index += 1
        self.feedback.setCurrentStep(self.index)
        self.feedback.setProgressText(self.names[self.index])
        return self.feedback

    def check_canceled(self) -> None:
        """Stop, saying nothing was written, when the user canceled."""
        if self.parent.isCanceled():
            raise QgsProcessingException(tr("Canceled: nothing was written."))
