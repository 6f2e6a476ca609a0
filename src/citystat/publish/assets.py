"""Files the HTML publication and the dashboard serve from the package: the Vega JavaScript, never a CDN.

``static/vega-bundle.js`` is Vega, Vega-Lite and Vega-Embed in one file, as bundled by vl-convert
(``vl_convert.javascript_bundle()``); it defines ``window.vega``, ``window.vegaLite`` and
``window.vegaEmbed``. Regenerate it with ``python -m citystat.publish.assets`` after upgrading
vl-convert-python. See ``static/VENDORED.md`` for versions and licences.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

STATIC = Path(str(resources.files("citystat.publish") / "static"))
VEGA_BUNDLE = "vega-bundle.js"
PUBLICATION_JS = "publication.js"
SCRIPTS = (VEGA_BUNDLE, PUBLICATION_JS)


def static_path(name: str) -> Path:
    path = STATIC / name
    if not path.is_file():
        raise FileNotFoundError(f"citystat.publish has no static file {name!r}")
    return path


def vega_bundle_path() -> Path:
    """The vendored Vega + Vega-Lite + Vega-Embed bundle."""
    return static_path(VEGA_BUNDLE)


def copy_scripts(directory: Path) -> list[Path]:
    """Copy the scripts an HTML publication needs into ``directory`` (e.g. ``out/assets``)."""
    directory.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in SCRIPTS:
        target = directory / name
        source = static_path(name)
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            shutil.copyfile(source, target)
        copied.append(target)
    return copied


def regenerate_vega_bundle() -> Path:
    """Write the Vega bundle from the installed vl-convert-python, with a header naming the versions."""
    import vl_convert as vlc

    versions = (f"vega {vlc.get_vega_version()}, vega-lite {vlc.get_vegalite_versions()[-1]}, "
                f"vega-embed {vlc.get_vega_embed_version()}")
    header = (f"/* Vega, Vega-Lite and Vega-Embed ({versions}), bundled by vl-convert-python "
              f"javascript_bundle(). BSD-3-Clause, see VENDORED.md. */\n")
    path = STATIC / VEGA_BUNDLE
    bundle = vlc.javascript_bundle()  # type: ignore[call-arg]  # the stub omits the default of snippet
    path.write_text(header + bundle, encoding="utf-8")
    return path


if __name__ == "__main__":
    print(regenerate_vega_bundle())
