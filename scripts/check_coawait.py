#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Flags co_await operand shapes that GCC 12 miscompiles (issue 22).

Three shapes, each with a safe form (bind the value to a named local first):
1. a braced initializer in a co_await full-expression: `co_await f(holder{x})` (the temporary
   is destroyed twice; a braced list in the operand may not even compile). Delegated to
   scripts/check_await_temporaries.py, which knows the exceptions.
2. a conditional expression whose branches make temporaries: `co_await f(c ? make_a() : make_b())`
   (g++ 12.2 destroys the chosen temporary twice; clang is right).
3. `(co_await x).member` or `(co_await x)->member` inside a generic lambda (fails to compile).

Usage: check_coawait.py [--expect N] [--exclude PATH]... PATH...   (files or directories)
Exit 1 on a finding; with --expect N, exit 0 only if exactly N findings were made (the planted
fixture tests/lint/coawait_planted.cpp.in proves the check can fail). A line may opt out with a
comment `// await-temporary: <reason>`.
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_await_temporaries as braced  # noqa: E402  (same directory, standard library only)

EXTS = {".hpp", ".cpp", ".h", ".cc", ".md"}
CALL = re.compile(r"[A-Za-z_][\w:]*\s*(<[^;{}()]*>)?\s*[({]")


def statements(clean):
    """(offset, text) of each full-expression, as check_await_temporaries splits them."""
    pos = 0
    for stmt in re.split(r"(?<=;)|(?<=\})|(?<=[)\]])(?=\s*\{)", clean):
        yield pos, stmt
        pos += len(stmt)


def conditional_findings(clean):
    for pos, stmt in statements(clean):
        at = stmt.find("co_await")
        if at < 0:
            continue
        operand = stmt[at + len("co_await"):]
        q = operand.find("?")
        if q < 0:
            continue
        branches = operand[q + 1:]
        if CALL.search(branches):
            yield pos + at


def generic_lambda_findings(clean):
    for m in re.finditer(r"\(\s*co_await\b", clean):
        depth, i = 0, m.start()
        while i < len(clean):
            if clean[i] == "(":
                depth += 1
            elif clean[i] == ")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        after = clean[i + 1:i + 4].lstrip()
        if not (after.startswith(".") or after.startswith("->")):
            continue
        # The innermost lambda whose body holds it: generic if a parameter is `auto` or it has
        # a template parameter list.
        intros = list(re.finditer(r"\[[^\[\]]*\]\s*(<[^<>]*>)?\s*\(([^()]*)\)", clean[:m.start()]))
        for lm in reversed(intros):
            if encloses(clean, lm.end(), m.start()):
                if lm.group(1) or re.search(r"\bauto\b", lm.group(2)):
                    yield m.start()
                break


def encloses(clean, after, at):
    """True if the first `{...}` block from `after` (a lambda's body) contains offset `at`."""
    start = clean.find("{", after)
    if start < 0 or start > at:
        return False
    depth = 0
    for i in range(start, len(clean)):
        if clean[i] == "{":
            depth += 1
        elif clean[i] == "}":
            depth -= 1
            if depth == 0:
                return i > at
    return True


def findings(path):
    for line, text in braced.findings(path):
        yield line, "braced initializer in a co_await statement", text
    for first_line, src in braced.code_of(path):
        raw = src.splitlines()
        clean = braced.strip_comments_and_strings(src)
        for kind, offsets in (("conditional expression making temporaries in a co_await operand",
                               conditional_findings(clean)),
                              ("(co_await x).member in a generic lambda", generic_lambda_findings(clean))):
            for off in offsets:
                line = clean.count("\n", 0, off)
                text = raw[line] if line < len(raw) else ""
                if "await-temporary:" in text:
                    continue
                yield first_line + line, kind, text.strip()


def main(argv):
    args = argv[1:]
    expect, excluded = None, []
    while len(args) >= 2 and args[0] in ("--expect", "--exclude"):
        if args[0] == "--expect":
            expect = int(args[1])
        else:
            excluded.append(Path(args[1]).resolve())
        args = args[2:]
    if not args:
        print(__doc__)
        return 2
    count = 0
    for arg in args:
        p = Path(arg)
        if not p.exists():
            print(f"check_coawait: no such path: {arg}")
            return 2
        files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.suffix in EXTS)
        for f in files:
            if any(x == f.resolve() or x in f.resolve().parents for x in excluded):
                continue
            for line, kind, text in findings(f):
                print(f"{f}:{line}: {kind} (unsafe on GCC 12; bind it to a named local first): {text}")
                count += 1
    if expect is not None:
        ok = count == expect
        print(f"check_coawait: {count} finding(s), expected {expect}: {'ok' if ok else 'FAILED'}")
        return 0 if ok else 1
    if count:
        print(f"check_coawait: {count} finding(s); see docs/book/pitfalls.md")
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
