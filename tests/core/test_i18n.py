"""The Chinese translation file is current and covers every name, label and message."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import i18n  # noqa: E402

# Long help texts may wait for a translator; every name, label and message may not.
LONGEST_REQUIRED = 100


def test_ts_file_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_short_string_is_translated():
    translations = i18n.read_translations()
    missing = [s for s in i18n.extract() if len(s) <= LONGEST_REQUIRED and s not in translations]
    assert missing == []


def test_translations_keep_placeholders():
    for source, translation in i18n.read_translations().items():
        for index in range(5):
            token = f"{{{index}}}"
            assert (token in source) == (token in translation), (source, translation)
