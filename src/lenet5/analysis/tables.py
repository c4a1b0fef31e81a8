"""The one table formatter: GitHub-flavoured Markdown, which also reads well as plain text."""


def markdown_table(headers, rows, align=None):
    """``rows`` (lists of cells) under ``headers`` as a Markdown table with aligned columns.
    ``align``: "l" or "r" per column (default: the first left, the others right)."""
    align = align or ["l"] + ["r"] * (len(headers) - 1)
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values):
        return "| " + " | ".join(v.ljust(w) if a == "l" else v.rjust(w)
                                 for v, w, a in zip(values, widths, align)) + " |"
    rule = "|" + "|".join(("-" * (w + 1) + ":" if a == "r" else ":" + "-" * (w + 1))
                          for w, a in zip(widths, align)) + "|"
    return "\n".join([line([str(h) for h in headers]), rule] + [line(r) for r in cells])
