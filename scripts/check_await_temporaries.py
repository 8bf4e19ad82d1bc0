#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Flags braced initializers in statements that contain co_await.

GCC 12 destroys an aggregate temporary created by a braced (or parenthesised aggregate)
initializer inside the full-expression of a co_await twice: `co_await my_future{p}` or
`co_await f(holder{x})` double-frees whatever the temporary owns (clang is fine). A braced list
inside a co_await operand also fails to compile on GCC 12 ("array used as initializer"). af's
own code, examples and book samples bind such values to a local first; this check keeps it so.

Usage: check_await_temporaries.py PATH...   (files or directories; exit 1 on a finding)
A line may opt out with a comment `// await-temporary: <reason>`.
"""
import re
import sys
from pathlib import Path

EXTS = {".hpp", ".cpp", ".h", ".cc", ".md"}
# Words that precede `{` without being a braced initializer.
NOT_INIT = {"else", "try", "do", "mutable", "noexcept", "const", "override", "final", "struct",
            "class", "union", "enum", "namespace", "extern", "return", "co_return", "co_yield",
            "requires", "constexpr", "consteval"}
# Braced scalars are trivially destructible: harmless, and common (`std::size_t{1}`).
SCALARS = re.compile(r"^(std::)?(u?int\d*_t|size_t|ptrdiff_t|byte|bool|char|int|long|short|unsigned|"
                     r"float|double)$")
BRACED = re.compile(r"([A-Za-z_][\w:]*)\s*(<[^;{}()]*>)?\s*\{|\(\s*\{|,\s*\{")


def code_of(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".md":
        return [(1, text)]
    # Markdown: only fenced C++ blocks.
    blocks, cur, start = [], None, 0
    for i, line in enumerate(text.splitlines(keepends=True), 1):
        if line.lstrip().startswith("```"):
            if cur is None and "cpp" in line:
                cur, start = [], i + 1
            elif cur is not None:
                blocks.append((start, "".join(cur)))
                cur = None
        elif cur is not None:
            cur.append(line)
    return blocks


def strip_comments_and_strings(src):
    # Keeps offsets (replaces with spaces) so line numbers stay right.
    out = re.sub(r"//[^\n]*|/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group()), src, flags=re.S)
    return re.sub(r'"(\\.|[^"\\\n])*"|\'(\\.|[^\'\\\n])*\'', lambda m: " " * len(m.group()), out)


def is_initializer(stmt, m):
    word = m.group(1)
    if word is None:
        return True  # `({` or `, {`: a braced list argument
    if word in NOT_INIT or SCALARS.match(word):
        return False
    # `-> af::poll<void> {`: a lambda's return type, then its body.
    return not re.search(r"->\s*$", stmt[:m.start()])


def findings(path):
    for first_line, src in code_of(path):
        raw_lines = src.splitlines()
        clean = strip_comments_and_strings(src)
        # A full-expression is approximated as the text between two `;`, block braces (`) {`,
        # `] {`, `}`) counting as ends too: a loop body or a lambda body is a full-expression
        # of its own.
        pos = 0
        for stmt in re.split(r"(?<=;)|(?<=\})|(?<=[)\]])(?=\s*\{)", clean):
            at = stmt.find("co_await")
            if at >= 0:
                for m in BRACED.finditer(stmt, at):
                    if not is_initializer(stmt, m):
                        continue
                    line = clean.count("\n", 0, pos + m.start())
                    text = raw_lines[line] if line < len(raw_lines) else ""
                    if "await-temporary:" in text:
                        continue
                    yield first_line + line, text.strip()
                    break
            pos += len(stmt)


def main(argv):
    bad = 0
    for arg in argv[1:]:
        p = Path(arg)
        files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.suffix in EXTS)
        for f in files:
            for line, text in findings(f):
                print(f"{f}:{line}: braced initializer in a statement with co_await "
                      f"(GCC 12 destroys such temporaries twice; bind it to a local first): {text}")
                bad += 1
    if bad:
        print(f"check_await_temporaries: {bad} finding(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
