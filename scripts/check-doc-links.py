#!/usr/bin/env python3
"""Checks every relative link and #anchor in README.md and docs/*.md (or in the files given).

A link's file must exist, relative to the document that holds it; an anchor must name a heading of
the document it points into, by GitHub's rules: the heading as rendered (code spans, emphasis and
links reduced to their text), lowercased, every character that is not a letter, digit, space,
hyphen or underscore removed, spaces turned into hyphens, and a repeated anchor suffixed -1, -2 ...
Links with a scheme (https:, mailto:) are not checked. Text in fenced code blocks and code spans is
not markdown and is skipped.

    scripts/check-doc-links.py                  # README.md and docs/*.md
    scripts/check-doc-links.py FILE.md ...

Prints one line per broken link (file:line: target: reason) and exits 1 if there is any.
"""
import glob
import os
import re
import sys

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
CODE_SPAN = re.compile(r"`[^`]*`")
# [text](target) and ![alt](target); the text may hold code spans (already blanked) and span lines.
LINK = re.compile(r"!?\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def prose(text):
    """The text with fenced code blocks blanked (line numbers kept)."""
    lines, fenced = [], False
    for line in text.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
            lines.append("")
        else:
            lines.append("" if fenced else line)
    return "\n".join(lines)


def rendered(heading):
    """A heading's text as GitHub renders it: code spans keep their content, links their text."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    return text.replace("*", "")


def slug(heading):
    text = rendered(heading).strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        found, seen = set(), {}
        with open(path, encoding="utf-8") as f:
            for line in prose(f.read()).split("\n"):
                m = HEADING.match(line)
                if not m:
                    continue
                base = slug(m.group(2))
                n = seen.get(base, 0)
                seen[base] = n + 1
                found.add(base if n == 0 else f"{base}-{n}")
        cache[path] = found
    return cache[path]


def check(path):
    """The broken links of one document, and how many links it holds."""
    problems, count = [], 0
    with open(path, encoding="utf-8") as f:
        text = prose(f.read())
    # Blank code spans but keep their length and newlines, so that offsets still give line numbers.
    text = CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for m in LINK.finditer(text):
        target = m.group(2)
        count += 1
        line = text.count("\n", 0, m.start()) + 1
        if not target or SCHEME.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
        if not os.path.exists(linked):
            problems.append(f"{path}:{line}: {target}: no such file {linked}")
            continue
        if anchor:
            if not linked.endswith(".md"):
                problems.append(f"{path}:{line}: {target}: an anchor into a file that is not markdown")
            elif anchor not in anchors(linked):
                problems.append(f"{path}:{line}: {target}: no heading '#{anchor}' in {linked}")
    return problems, count


def main(args):
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = args or [os.path.join(top, "README.md")] + sorted(glob.glob(os.path.join(top, "docs", "*.md")))
    files = [os.path.relpath(f) for f in files]
    problems, links = [], 0
    for f in files:
        found, count = check(f)
        problems += found
        links += count
    for p in problems:
        print(p)
    print(f"check-doc-links: {len(files)} files, {links} links, {len(problems)} broken", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
