"""Build the plugin zip for "Install from ZIP": one folder ree_damage/, from git archive.

What is committed goes in, minus the export-ignore paths of .gitattributes (tests,
benchmarks, tooling); compiled translations (.qm, built by `make setup`) are added.
Entries are sorted and dated from the commit, so the same commit gives the same zip.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "ree_damage"


def metadata_version() -> str:
    for line in (ROOT / "metadata.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("version="):
            return line.split("=", 1)[1].strip()
    raise SystemExit("metadata.txt has no version")


def build(output_dir: Path, ref: str = "HEAD") -> Path:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", f"--prefix={PACKAGE}/", ref], cwd=ROOT, check=True, capture_output=True
    ).stdout
    commit_time = int(
        subprocess.run(["git", "log", "-1", "--format=%ct", ref], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    )
    date = time.gmtime(max(commit_time, 315532800))[:6]
    entries = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                entries[member.name] = (tar.extractfile(member).read(), member.mode)
    for qm in sorted((ROOT / "resources" / "i18n").glob("*.qm")):
        entries[f"{PACKAGE}/resources/i18n/{qm.name}"] = (qm.read_bytes(), 0o644)
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / f"{PACKAGE}-{metadata_version()}.zip"
    partial = target.with_suffix(".zip.part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(entries):
            data, mode = entries[name]
            info = zipfile.ZipInfo(name, date_time=date)
            info.external_attr = (mode & 0o777 | 0o100000) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    partial.replace(target)
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default="dist", help="folder for the zip (default: dist)")
    parser.add_argument("--ref", default="HEAD", help="git commit to package (default: HEAD)")
    args = parser.parse_args(argv)
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True)
    if status.stdout.strip():
        print("note: uncommitted changes are not packaged (the zip is built from git)", file=sys.stderr)
    target = build(Path(args.output), args.ref)
    print(f"plugin zip: {target} (QGIS: Plugins > Manage and Install Plugins > Install from ZIP)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
