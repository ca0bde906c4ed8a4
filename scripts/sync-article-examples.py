#!/usr/bin/env python3
"""Copies the tested articles' Swift code into their tests, after an article's example was edited.

Run from the repository root:  python3 scripts/sync-article-examples.py

- Sources/Network/Network.docc/GettingStarted.md: its second Swift block (the first is a Package.swift
  fragment) becomes the body of GettingStartedArticleTests.articleExample.
- Sources/Network/Network.docc/TrainingOnYourOwnData.md: all its Swift blocks, in order, become the body
  of TrainingArticleTests.articleExample, with "name.csv"/"name.json" written path("name.csv").
Import lines are left out (the test file imports the modules). The tests' `articleMatches` checks that
the two agree; this script only saves retyping.
"""

import re

EXAMPLES = [
    ("Sources/Network/Network.docc/GettingStarted.md", "Tests/NetworkTests/GettingStartedArticleTests.swift",
     "second", False),
    ("Sources/Network/Network.docc/TrainingOnYourOwnData.md", "Tests/NetworkTests/TrainingArticleTests.swift",
     "all", True),
]


def article_code(path, which):
    blocks = re.findall(r"```swift\n(.*?)```", open(path).read(), re.S)
    if which == "second":
        blocks = [blocks[1]]
    lines = []
    for block in blocks:
        lines += [line for line in block.rstrip("\n").split("\n") if not line.startswith("import ")] + [""]
    while lines and lines[0] == "":
        lines.pop(0)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


for article, test, which, paths in EXAMPLES:
    code = article_code(article, which)
    if paths:
        code = re.sub(r'"([A-Za-z-]+\.(?:csv|json))"', r'path("\1")', code)
    indented = "\n".join(("        " + line) if line else "" for line in code.split("\n"))
    source = open(test).read()
    source, count = re.subn(
        r"(// --- article example begins ---\n).*?(\n        // --- article example ends ---)",
        lambda match: match.group(1) + indented + match.group(2), source, flags=re.S)
    assert count == 1, f"{test}: the article example markers are missing"
    open(test, "w").write(source)
    print(f"{test}: example copied from {article}")
