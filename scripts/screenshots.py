"""Screenshots of the real QGIS desktop under Xvfb: the case panel on the sample case, in
English and in Chinese, and the missing-libraries message and About box (rasterio made to
look missing: the plugin's own check is told so; nothing is uninstalled).

Usage: python scripts/screenshots.py [--output docs/screenshots]   (``make screenshots``)

The same file is the code QGIS runs at start-up (``qgis --code``): with ``REE_SHOT_MODE``
set it writes the sample case, opens the panel on it, runs the first steps from the panel,
saves the main window as a PNG and quits. Each shot gets its own fresh QGIS profile.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

# QGIS runs this file with exec(): no __file__ there (nor needed)
ROOT = Path(__file__).resolve().parent.parent if "__file__" in globals() else Path.cwd()
SHOTS = {  # file name -> (mode, locale)
    "case_panel_en.png": ("panel", "en_US"),
    "case_panel_zh_CN.png": ("panel", "zh_CN"),
    "missing_libraries_en.png": ("missing", "en_US"),
}
ONLY = os.environ.get("REE_SHOT_ONLY")  # one file name: take only that shot
SCREEN = (1600, 1000)


# --------------------------------------------------------------------------- the driver
def profile(folder: Path, locale: str) -> None:
    """A fresh QGIS profile: the plugin enabled, the locale set, no start-up tips."""
    settings = folder / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(
        "[PythonPlugins]\nree_damage=true\n\n"
        f"[locale]\noverrideFlag=true\nuserLocale={locale}\nglobalLocale={locale}\n\n"
        "[qgis]\nshowTips322=false\ncheckVersion=false\n",
        encoding="utf-8",
    )


def shoot(name: str, mode: str, locale: str, output: Path) -> Path:
    work = Path(tempfile.mkdtemp(prefix="ree_shot_"))
    try:
        profile(work / "profile", locale)
        env = dict(os.environ)
        env.pop("QT_QPA_PLATFORM", None)  # the real desktop, on the X server Xvfb gives
        env.update(
            HOME=str(work), XDG_RUNTIME_DIR=str(work), LANG=f"{locale}.UTF-8",
            QGIS_PLUGINPATH=str(ROOT / ".pkg"),
            REE_SHOT_MODE=mode, REE_SHOT_OUT=str(output / name), REE_SHOT_WORK=str(work),
        )
        env["REE_DAMAGE_DEPS"] = sysconfig.get_paths()["purelib"]  # QGIS's Python does not see the venv
        command = [
            "xvfb-run", "--auto-servernum", f"--server-args=-screen 0 {SCREEN[0]}x{SCREEN[1]}x24",
            "qgis", "--nologo", "--noversioncheck", "--skipbadlayers",
            "--profiles-path", str(work / "profile"), "--code", str(ROOT / "scripts" / "screenshots.py"),
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        target = output / name
        if not target.is_file():
            error = work / "error.txt"
            detail = error.read_text(encoding="utf-8") if error.is_file() else result.stderr[-3000:]
            raise SystemExit(f"{name}: no screenshot (QGIS exit {result.returncode})\n{detail}")
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    for tool in ("xvfb-run", "qgis"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (make setup installs xvfb and xauth; QGIS desktop is the qgis package)",
                  file=sys.stderr)
            return 1
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    for name, (mode, locale) in SHOTS.items():
        if ONLY in (None, name):
            print(shoot(name, mode, locale, output))
    return 0


# --------------------------------------------------------------------------- inside QGIS
def in_qgis() -> None:
    """Runs in QGIS desktop (``--code``): set the scene, then save the window and quit."""
    from qgis.core import QgsProject
    from qgis.PyQt.QtCore import QTimer
    from qgis.utils import iface, plugins

    target, work = os.environ["REE_SHOT_OUT"], Path(os.environ["REE_SHOT_WORK"])
    window = iface.mainWindow()
    window.showNormal()
    window.setGeometry(0, 0, *SCREEN)
    plugin = plugins["ree_damage"]

    def later(milliseconds, function):
        QTimer.singleShot(milliseconds, function)

    def save_and_quit():
        window.grab().save(target)
        QgsProject.instance().setDirty(False)
        os._exit(0)  # noqa: SLF001 - no "save the project?" question

    if os.environ["REE_SHOT_MODE"] == "missing":
        show_missing_libraries(plugin, later, target)
        return

    from qgis import processing

    result = processing.run("ree_damage:sample_case", {"OUTPUT_FOLDER": str(work / "sample_case")})
    panel = plugin.show_case_panel()
    panel.set_case_file(result["CASE_FILE"])
    steps = ["zones", "sampling"]

    def next_step():
        if panel.is_running():
            later(500, next_step)
            return
        if steps:
            panel.select_step(steps[0])
            panel.run_step(steps.pop(0))
            later(500, next_step)
            return
        panel.select_step("sampling")
        group = panel.case_group(create=False)
        if group is not None:
            extent = None
            for node in group.findLayers():
                layer_extent = iface.mapCanvas().mapSettings().layerExtentToOutputExtent(node.layer(), node.layer().extent())
                if extent is None:
                    extent = layer_extent
                else:
                    extent.combineExtentWith(layer_extent)
            if extent is not None:
                iface.mapCanvas().setExtent(extent)
                iface.mapCanvas().refresh()
        later(4000, save_and_quit)

    later(1000, next_step)


def show_missing_libraries(plugin, later, target) -> None:
    """The message bar and the About box as a user without rasterio sees them."""
    from qgis.PyQt.QtWidgets import QApplication

    from ree_damage import deps

    deps.missing = lambda: [("rasterio", None, deps.REQUIRED["rasterio"])]
    plugin.dependency_problems = deps.problems(plugin_tr)
    plugin.push_missing_libraries_message()
    box = plugin.about_box()
    box.show()

    def save_and_quit():
        QApplication.primaryScreen().grabWindow(0).save(target)  # the box is a window of its own
        os._exit(0)  # noqa: SLF001

    later(3000, save_and_quit)


def plugin_tr(text: str) -> str:
    from qgis.PyQt.QtCore import QCoreApplication

    return QCoreApplication.translate("ree_damage", text)


if os.environ.get("REE_SHOT_MODE"):
    try:
        in_qgis()
    except BaseException:  # noqa: BLE001 - said to the driver, and QGIS quits instead of waiting
        import traceback

        Path(os.environ["REE_SHOT_WORK"], "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        os._exit(1)
elif __name__ == "__main__":
    sys.exit(main())
