"""The project stands alone: no file points outside the repository, and every citation resolves.

Citations take two forms: ``docs/design.md section N`` (N must be a ``## N. Title`` heading of
docs/design.md) and ``[sources: key]`` or ``[sources: key1, key2]`` on one line (each key must be
a ``### key`` heading of docs/sources.md). Every text file git knows of (tracked, or new and not
ignored) is checked, except this one, whose examples of what it forbids are made up.
"""

from __future__ import annotations

import functools
import hashlib
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SELF = Path(__file__).resolve().relative_to(ROOT).as_posix()
DESIGN = ROOT / "docs" / "design.md"
SOURCES = ROOT / "docs" / "sources.md"

# references to documents that live outside the repository. This file must recognise them without naming them,
# so their names are held as digests (the first 16 hex digits of SHA-256 of the lower-case word):
# - a path that climbs a folder (``../NAME/...``): the project names its files from its root;
# - the two outside documents' names, as whole words in capitals (so 'experiment=calibration' and 'docs/design.md'
#   are fine), which also catches their file names and their citation forms ('NAME section 4', 'NAME [vendor]');
# - 'the WORD issue', the way the first brief cited an issue of the tracker.
OUTSIDE_DOCUMENTS = frozenset({"a77de8a6daa11295", "e152337e4e85aa3e"})
OUTSIDE_ISSUES = frozenset({"bbccb9c002d5ed59"})
GAP = r"(?:\s|#)+"  # between two words of a phrase: spaces, or a line break inside a comment or docstring
CLIMBING_PATH = re.compile(r"(?<![\w.])\.\./[\w.-]+")
CAPITAL_WORD = re.compile(r"\b[A-Z]{4,}\b")
ISSUE_PHRASE = re.compile(rf"\bthe{GAP}([a-z]+){GAP}issue\b")


def digest(word: str) -> str:
    return hashlib.sha256(word.lower().encode()).hexdigest()[:16]


def forbidden_starts(text: str, documents=OUTSIDE_DOCUMENTS, issues=OUTSIDE_ISSUES) -> list[int]:
    """Where each reference to a document outside the repository starts in ``text``."""
    starts = [match.start() for match in CLIMBING_PATH.finditer(text)]
    starts += [match.start() for match in CAPITAL_WORD.finditer(text) if digest(match[0]) in documents]
    starts += [match.start() for match in ISSUE_PHRASE.finditer(text) if digest(match[1]) in issues]
    return starts


DESIGN_CITATION = re.compile(rf"\bdesign\.md{GAP}section{GAP}(\d+)")
DESIGN_HEADING = re.compile(r"^## (\d+)\. \S", re.M)
SOURCES_CITATION = re.compile(r"\[sources:([^\]\n]*)\]")
SOURCES_OPENING = re.compile(r"\[sources:")
SOURCE_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SOURCE_HEADING = re.compile(r"^### ([a-z0-9]+(?:-[a-z0-9]+)*)[ \t]*$", re.M)


@functools.cache
def text_files() -> dict[str, str]:
    """Path -> text of every file git tracks or would add (not ignored); binary files and this one left out."""
    try:
        listing = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"not a git checkout: {error}")
    files = {}
    for name in sorted(set(listing.decode().split("\0")) - {"", SELF}):
        path = ROOT / name
        if not path.is_file():  # deleted in the work tree, not yet in the index
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            files[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return files


def line_of(text: str, position: int) -> int:
    """The 1-based number of the line that holds character ``position``."""
    return text.count("\n", 0, position) + 1


def forbidden_hits(name: str, text: str, documents=OUTSIDE_DOCUMENTS, issues=OUTSIDE_ISSUES) -> list[str]:
    """'file:line: text' for each line on which a reference to a document outside the repository starts."""
    lines = text.splitlines()
    numbers = sorted({line_of(text, start) for start in forbidden_starts(text, documents, issues)})
    return [f"{name}:{number}: {lines[number - 1].strip()}" for number in numbers]


def design_sections(text: str) -> set[int]:
    """The section numbers of docs/design.md (headings '## N. Title')."""
    return {int(number) for number in DESIGN_HEADING.findall(text)}


def bad_design_citations(name: str, text: str, sections: set[int]) -> list[str]:
    """'file:line: ...' for each 'design.md section N' whose N has no heading in docs/design.md."""
    return [
        f"{name}:{line_of(text, match.start())}: design.md section {match[1]} does not exist"
        for match in DESIGN_CITATION.finditer(text)
        if int(match[1]) not in sections
    ]


def source_keys(text: str) -> set[str]:
    """The keys docs/sources.md defines (headings '### key')."""
    return set(SOURCE_HEADING.findall(text))


def bad_source_citations(name: str, text: str, keys: set[str]) -> list[str]:
    """'file:line: ...' for each '[sources: ...]' that is malformed or names a key docs/sources.md lacks."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        citations = SOURCES_CITATION.findall(line)
        if len(citations) != len(SOURCES_OPENING.findall(line)):
            problems.append(f"{name}:{number}: '[sources:' without its closing ']' on the same line")
        for citation in citations:
            for key in (part.strip() for part in citation.split(",")):
                if not SOURCE_KEY.fullmatch(key):
                    problems.append(f"{name}:{number}: [sources:{citation}] has a malformed key {key!r}")
                elif key not in keys:
                    problems.append(f"{name}:{number}: [sources:{citation}] cites {key!r}, not in docs/sources.md")
    return problems


def cited_keys(text: str) -> set[str]:
    """Every key cited in ``text`` with '[sources: ...]'."""
    return {key.strip() for citation in SOURCES_CITATION.findall(text) for key in citation.split(",")}


def uncited_keys(keys: set[str], files: dict[str, str]) -> set[str]:
    """Keys of docs/sources.md that no other file cites."""
    cited = set().union(*(cited_keys(text) for name, text in files.items() if name != "docs/sources.md"))
    return keys - cited


def test_no_file_points_outside_the_repository():
    hits = [hit for name, text in text_files().items() for hit in forbidden_hits(name, text)]
    assert not hits, "references to documents outside the repository:\n" + "\n".join(hits)


def test_design_has_the_sections_the_code_relies_on():
    sections = design_sections(DESIGN.read_text(encoding="utf-8"))
    assert {3, 4, 5, 6, 7, 9} <= sections, sorted(sections)


def test_every_design_citation_names_a_section_that_exists():
    sections = design_sections(DESIGN.read_text(encoding="utf-8"))
    bad = [hit for name, text in text_files().items() for hit in bad_design_citations(name, text, sections)]
    assert not bad, "\n".join(bad)


def test_every_cited_source_is_defined():
    keys = source_keys(SOURCES.read_text(encoding="utf-8"))
    assert len(keys) >= 10
    bad = [hit for name, text in text_files().items() for hit in bad_source_citations(name, text, keys)]
    assert not bad, "\n".join(bad)


def test_every_defined_source_is_cited_somewhere():
    unused = uncited_keys(source_keys(SOURCES.read_text(encoding="utf-8")), text_files())
    assert not unused, f"defined in docs/sources.md but cited nowhere else: {sorted(unused)}"


# -- each check can fail ---------------------------------------------------------------------


def test_forbidden_hits_name_file_and_line():
    # the mechanism on made-up names: a brief called NOTES.md, and 'the pace issue'
    documents, issues = frozenset({digest("notes")}), frozenset({digest("pace")})

    def hits(name: str, text: str) -> list[str]:
        return forbidden_hits(name, text, documents, issues)

    text = "fine\nsee ../elsewhere/notes\nas NOTES section 4 says\nfine\nagainst the pace issue's targets"
    assert hits("x.md", text) == [
        "x.md:2: see ../elsewhere/notes",
        "x.md:3: as NOTES section 4 says",
        "x.md:5: against the pace issue's targets",
    ]
    assert hits("x.yaml", "day_rate: 800.0  # USD (NOTES [vendor])") == [
        "x.yaml:1: day_rate: 800.0  # USD (NOTES [vendor])"
    ]
    wrapped = '# as the pace\n# issue defines them\n"""the NOTES\n    section 6 columns"""'
    assert hits("y.py", wrapped) == ["y.py:1: # as the pace", 'y.py:3: """the NOTES']
    assert hits("x.md", "docs/notes.md section 4 [sources: agency-fees], experiment=notes, the other issue") == []
    assert hits("z.md", "as NOTES.md says") == ["z.md:1: as NOTES.md says"]
    assert hits("z.md", "a..b, USD and BASELINE") == []  # dots that climb nothing; capitals that name nothing
    assert hits("z.md", "see docs/../README.md") == ["z.md:1: see docs/../README.md"]
    assert len(OUTSIDE_DOCUMENTS) == 2 and len(OUTSIDE_ISSUES) == 1  # the two documents, and the one issue


def test_design_citations_of_missing_sections_are_caught():
    sections = design_sections("# Design\n## 1. Users\ntext\n## 4. One step\n### 4.1 not a section\n## Notes\n")
    assert sections == {1, 4}
    text = "as docs/design.md section 4 says\nsee docs/design.md section 42\n(design.md section 1)"
    assert bad_design_citations("m.py", text, sections) == ["m.py:2: design.md section 42 does not exist"]
    wrapped = "x = 1\n# in the order of docs/design.md\n# section 7\n"
    assert bad_design_citations("m.py", wrapped, sections) == ["m.py:2: design.md section 7 does not exist"]


def test_undefined_or_malformed_source_keys_are_caught():
    keys = source_keys("# Sources\n### agency-fees\n- text\n### ny-fwa\n## Not a key\n### Bad Heading\n")
    assert keys == {"agency-fees", "ny-fwa"}
    assert bad_source_citations("c.yaml", "x: 1  # [sources: agency-fees, ny-fwa]", keys) == []
    assert bad_source_citations("c.yaml", "x: 1  # about 20% [sources: agency-fee]", keys) == [
        "c.yaml:1: [sources: agency-fee] cites 'agency-fee', not in docs/sources.md"
    ]
    assert bad_source_citations("c.yaml", "\nx: 1  # [sources: Agency Fees]", keys) == [
        "c.yaml:2: [sources: Agency Fees] has a malformed key 'Agency Fees'"
    ]
    assert bad_source_citations("c.yaml", "x: 1  # [sources: ny-fwa", keys) == [
        "c.yaml:1: '[sources:' without its closing ']' on the same line"
    ]


def test_sources_nobody_cites_are_caught():
    files = {"docs/sources.md": "[sources: ny-fwa]", "configs/a.yaml": "x: 1  # [sources: agency-fees]"}
    assert uncited_keys({"agency-fees", "ny-fwa"}, files) == {"ny-fwa"}
    assert uncited_keys({"agency-fees"}, files) == set()
