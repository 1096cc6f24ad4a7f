"""The document font, subset once per process so that rendering a PDF does little font work.

WeasyPrint embeds a subset of each font it uses, computed for every document. With fontTools
(its fallback when the HarfBuzz-subset library is missing) that subsetting dominates the
rendering of a one-page invoice: a full DejaVu Sans is 740 KB and ~6,000 glyphs. So the
product subsets DejaVu Sans (Debian package `fonts-dejavu-core`) once, when a renderer
starts, to the characters a French invoice uses: Latin-1, Latin Extended-A (œ, Œ and the
letters of European names), the euro sign and typographic punctuation (~40 KB per weight).

Then, per document (`DocumentFonts.embed_whole`):
- with HarfBuzz-subset (Debian `libharfbuzz-subset0`), WeasyPrint's own per-document subset
  of the small font is cheaper than embedding it whole, and the PDF is half the size;
- with fontTools, the small font is embedded whole (`full_fonts`), skipping subsetting.

A document whose text holds a character outside the subset still renders correctly: pango
falls back to the full system font for that character, which WeasyPrint then subsets.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SOURCE_FILES = {"normal": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
FAMILY = "AquaERP Document"
FALLBACK_FAMILY = "DejaVu Sans"

# Euro, quotes, dashes, ellipsis, bullet, per mille, guillemets, minus, trade mark,
# numero sign and the (narrow) non-breaking spaces of French typography.
_TYPOGRAPHY = (
    "\u20ac\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026"
    "\u2022\u2030\u2039\u203a\u2212\u2122\u2116\u00a0\u2009\u202f"
)
CHARACTERS = frozenset(
    [chr(code) for code in range(0x20, 0x7F)]
    + [chr(code) for code in range(0xA0, 0x180)]
    + list(_TYPOGRAPHY)
)

_LAYOUT_WHITESPACE = frozenset("\n\r\t")


class FontsUnavailable(RuntimeError):
    """The source font is not installed; the message says which package provides it."""


@dataclass(frozen=True, slots=True)
class DocumentFonts:
    """Embedded faces of the document family, or none to use the system fonts as they are."""

    faces: tuple[tuple[str, bytes], ...]  # (CSS font-weight, TrueType bytes)
    characters: frozenset[str]

    @classmethod
    def subset(cls, font_dir: Path = DEFAULT_FONT_DIR) -> DocumentFonts:
        """Subset the source fonts to the French repertoire (~0.3 s, once per process)."""
        faces = []
        for weight, name in SOURCE_FILES.items():
            path = font_dir / name
            if not path.is_file():
                raise FontsUnavailable(
                    f"{path} is missing: install the Debian package fonts-dejavu-core"
                )
            faces.append((weight, _subset_font(path, CHARACTERS)))
        return cls(faces=tuple(faces), characters=CHARACTERS)

    @classmethod
    def system(cls) -> DocumentFonts:
        """No embedded subset: WeasyPrint finds and subsets the system font per document."""
        return cls(faces=(), characters=frozenset())

    @property
    def is_subset(self) -> bool:
        return bool(self.faces)

    def covers(self, text: str) -> bool:
        """True when every character of `text` is drawn by the subset faces."""
        return self.is_subset and set(text) <= self.characters | _LAYOUT_WHITESPACE

    def embed_whole(self, text: str) -> bool:
        """Whether to embed the faces whole for a document of this text (see module doc)."""
        return self.covers(text) and not weasyprint_subsets_with_harfbuzz()

    def stylesheet(self) -> str:
        """@font-face rules (data: URLs: nothing is read from disk when rendering)."""
        rules = []
        for weight, data in self.faces:
            encoded = base64.b64encode(data).decode("ascii")
            rules.append(
                f"@font-face {{ font-family: '{FAMILY}'; font-weight: {weight};"
                f" src: url(data:font/ttf;base64,{encoded}); }}"
            )
        families = f"'{FAMILY}', '{FALLBACK_FAMILY}'" if self.faces else f"'{FALLBACK_FAMILY}'"
        rules.append(f"html {{ font-family: {families}, sans-serif; }}")
        return "\n".join(rules)


def weasyprint_subsets_with_harfbuzz() -> bool:
    """True when WeasyPrint found the HarfBuzz-subset library (fast C subsetting)."""
    from weasyprint.pdf import fonts as weasyprint_pdf_fonts

    return getattr(weasyprint_pdf_fonts, "harfbuzz_subset", None) is not None


def _subset_font(path: Path, characters: frozenset[str]) -> bytes:
    font = TTFont(path)
    options = subset.Options()
    options.layout_features = ["kern", "liga", "clig"]  # pango shapes with them
    options.hinting = False  # print output: hinting only bloats the file
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(char) for char in characters])
    subsetter.subset(font)
    output = io.BytesIO()
    font.save(output)
    return output.getvalue()
