"""The Chinese translation file is current and covers every name, label and message."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import i18n  # noqa: E402


def test_ts_file_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_string_is_translated():
    """Names, labels, messages and help: a Chinese QGIS shows no English."""
    translations = i18n.read_translations()
    missing = [s for s in i18n.extract() if s not in translations]
    assert missing == []


def test_translations_keep_placeholders():
    for source, translation in i18n.read_translations().items():
        for index in range(5):
            token = f"{{{index}}}"
            assert (token in source) == (token in translation), (source, translation)
