"""make install-plugin: install the plugin into a QGIS profile with its libraries.

* plugin: a symlink <profile>/python/plugins/ree_damage -> this checkout (development),
  or with --copy the unpacked zip of `make package`;
* libraries: `pip install --no-deps --target <profile>/python/ree_damage_deps -r
  requirements.txt` with the pip of the QGIS interpreter's own Python version. The folder
  is private to the plugin (it puts it on sys.path when it loads), so QGIS's own packages
  are not touched; numpy is not installed there: QGIS's numpy is used.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROFILE = Path.home() / ".local/share/QGIS/QGIS3/profiles/default"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default=str(DEFAULT_PROFILE), help=f"QGIS profile folder (default: {DEFAULT_PROFILE})")
    parser.add_argument("--copy", action="store_true", help="install the packaged zip instead of a development link")
    args = parser.parse_args(argv)
    profile = Path(args.profile).expanduser()
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    target = plugins / "ree_damage"
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    if args.copy:
        subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), "--output", str(ROOT / "dist")], check=True)
        (zip_path,) = sorted((ROOT / "dist").glob("ree_damage-*.zip"))[-1:]
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(plugins)
        print(f"plugin copied from {zip_path} to {target}")
    else:
        os.symlink(ROOT, target, target_is_directory=True)
        print(f"plugin linked: {target} -> {ROOT}")

    deps = profile / "python" / "ree_damage_deps"
    print(f"installing the plugin's libraries into {deps} (private to the plugin)")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade",
         "--no-deps", "--target", str(deps), "-r", str(ROOT / "requirements.txt")],
        check=True,
    )
    # numba's disk cache of the compiled kernels, beside the installed source: the first
    # run in QGIS then loads them (under a second) instead of compiling (about 25 s)
    warm = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; "
        "from ree_damage.core.common import kernels; "
        "print('compiled kernels:', 'ready' if kernels.warm_up() else f'not used ({kernels.load_error()})')"
    )
    print("compiling the numba kernels once (about 30 s; they load in under a second afterwards)")
    subprocess.run([sys.executable, "-c", warm, str(deps), str(plugins)], check=False)
    print("Start QGIS and enable 'Rare-earth damage assessment' in Plugins > Manage and Install Plugins,")
    print("or headless: qgis_process.bin plugins enable ree_damage (Debian 12: the .bin, not the wrapper).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
