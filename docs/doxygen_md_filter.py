"""Doxygen input filter for docs/*.md (see Doxyfile.in): the pages stay plain GitHub
Markdown, and Doxygen gets what it needs to link them.

- Each heading gets an explicit id, "<page>-<GitHub's slug>", so the same links work;
  the page's title gets "<page>" (except index.md, Doxygen's main page "index").
- Links "#slug" and "page.md#slug" become "#<page>-slug"; "page.md" the page's own id.
- Links out of docs/ ("../README.md", "../examples") become plain text.
"""
import os
import re
import sys

path = sys.argv[1]
page = os.path.splitext(os.path.basename(path))[0]


def slug(title):
    text = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return text.replace(" ", "-")


def link(match):
    text, target = match.group(1), match.group(2)
    if target.startswith(("http://", "https://")):
        return match.group(0)
    if target.startswith("../"):
        return text
    name, _, anchor = target.partition("#")
    target_page = os.path.splitext(name)[0] if name else page
    if not anchor:
        return "[%s](#%s)" % (text, target_page)
    return "[%s](#%s-%s)" % (text, target_page, anchor)


in_fence = False
first_heading = True
for line in open(path, encoding="utf-8"):
    if line.startswith("```"):
        in_fence = not in_fence
        sys.stdout.write(line)
        continue
    if in_fence:
        sys.stdout.write(line)
        continue
    heading = re.match(r"^(#{1,6}) (.*?)\s*$", line)
    if heading:
        if first_heading and heading.group(1) == "#":
            if page != "index":
                line = "%s %s {#%s}\n" % (heading.group(1), heading.group(2), page)
        else:
            line = "%s %s {#%s-%s}\n" % (heading.group(1), heading.group(2), page, slug(heading.group(2)))
        first_heading = False
    line = re.sub(r"\[([^\]]*)\]\(([^)\s]+)\)", link, line)
    sys.stdout.write(line)
