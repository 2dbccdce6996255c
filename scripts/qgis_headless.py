"""Start QGIS without a display and register the ree_damage provider (for scripts)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_KEEP = []


def start():
    """Initialise QGIS, Processing and the ree_damage provider; return the QgsApplication."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # the root must not be on sys.path (its `processing` would shadow QGIS's)
    sys.path[:] = [p for p in sys.path if Path(p or os.getcwd()).resolve() not in (ROOT, ROOT / "scripts")]
    pkg = ROOT / ".pkg"
    pkg.mkdir(exist_ok=True)
    if not (pkg / "ree_damage").exists():
        (pkg / "ree_damage").symlink_to(ROOT, target_is_directory=True)
    sys.path.insert(0, str(pkg))

    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    plugins = Path(QgsApplication.pkgDataPath()) / "python" / "plugins"
    if str(plugins) not in sys.path:
        sys.path.append(str(plugins))
    from processing.core.Processing import Processing

    Processing.initialize()
    from ree_damage.processing.provider import ReeDamageProvider

    provider = ReeDamageProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    _KEEP.extend([app, provider])  # Python must keep both alive, or sip deletes them
    return app
