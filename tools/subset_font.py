"""Write the Chinese font subset the package ships (src/lenet5/analysis/fonts/), for machines
without a Chinese font (plots.use_style(lang="zh_CN") prefers an installed one).

It holds the glyphs of every Chinese character the figures use: the plot texts of the Chinese
notebooks (i18n/zh_CN/notebooks/*.yml), plots.LABELS and tools/make_figures.py's. Source: Noto Sans CJK SC Regular from
Debian's fonts-noto-cjk (SIL Open Font License 1.1; the subset is renamed, as the licence asks of
modified versions). tests/test_translations.py fails when a character is missing: run this again.

  sudo apt-get install fonts-noto-cjk && python tools/subset_font.py
"""
import glob
import os
import re
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FAMILY = "lenet5 CJK subset"
CJK = re.compile(r"[^\x00-\x7f]")


def characters():
    """Every non-ASCII character a figure of the Chinese edition can show."""
    import make_figures
    import translate
    from lenet5.analysis.plots import LABELS
    found = set("".join(LABELS["zh_CN"].values())) | set("".join(make_figures.TEXT["zh_CN"].values()))
    for path in glob.glob(os.path.join(translate.CATALOGUES, "notebooks", "*.yml")):
        for texts in (translate.load_yaml(path).get("code") or {}).values():
            found |= set("".join(v for v in (texts or {}).values() if v))
    found |= set("０１２３４５６７８９（），：；。、—–·×−")
    return sorted(c for c in found if CJK.match(c))


def main():
    from lenet5.analysis.plots import SUBSET_FONT
    from lenet5.atomic import atomic_path
    if not os.path.exists(SOURCE):
        print(f"error: {SOURCE} not found: sudo apt-get install fonts-noto-cjk", file=sys.stderr)
        return 1
    collection = TTCollection(SOURCE)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    chars = characters()
    options = subset.Options()
    options.name_IDs = ["*"]
    options.layout_features = []
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "-")
        elif record.nameID == 3:
            record.string = FAMILY + " (a subset of Noto Sans CJK SC)"
    with atomic_path(SUBSET_FONT) as tmp:
        font.save(tmp)
    print(f"{SUBSET_FONT}: {len(chars)} characters, {os.path.getsize(SUBSET_FONT):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
