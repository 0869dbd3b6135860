"""The report's plots, drawn by matplotlib as inline SVG (no image files, no remote scripts).

SVG keeps the text selectable and the file small; a fixed hash salt and no date make the
same tables give the same bytes.
"""

from __future__ import annotations

import io

import polars as pl

PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd")


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg", force=True)
    matplotlib.rcParams.update({"svg.hashsalt": "cleaner", "svg.fonttype": "none", "font.size": 9})
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _svg(figure) -> str:  # type: ignore[no-untyped-def]
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # the XML prolog and DOCTYPE do not belong inside HTML


def removed_by_source_chart(counts: pl.DataFrame) -> str | None:
    """Stacked horizontal bars: removed lines of each source, by reason."""
    if counts.height == 0:
        return None
    sources = sorted(counts["source"].unique().to_list(), reverse=True)
    reasons = sorted(counts["reason"].unique().to_list(), key=lambda r: (r == "other", r))
    figure = _figure(7.5, 0.9 + 0.32 * len(sources))
    axes = figure.subplots()
    left = [0.0] * len(sources)
    for number, reason in enumerate(reasons):
        by_source = dict(counts.filter(pl.col("reason") == reason).select("source", "lines").iter_rows())
        widths = [float(by_source.get(source, 0)) for source in sources]
        axes.barh(sources, widths, left=left, color=PALETTE[number % len(PALETTE)], label=reason)
        left = [a + b for a, b in zip(left, widths)]
    axes.set_xlabel("removed lines (blank lines not counted)")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def cluster_size_chart(sizes: pl.DataFrame) -> str | None:
    """Bars: how many clusters have each size, on a log scale when the counts span more than
    two orders of magnitude (in a large run most paragraphs are unique)."""
    if sizes.height == 0:
        return None
    figure = _figure(7.5, 2.6)
    axes = figure.subplots()
    axes.bar([str(size) for size in sizes["size"].to_list()], sizes["clusters"].to_list(), color=PALETTE[0])
    if sizes["clusters"].max() > 100 * sizes["clusters"].min():
        from matplotlib.ticker import FuncFormatter, NullFormatter

        axes.set_yscale("log")
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        axes.yaxis.set_minor_formatter(NullFormatter())
    axes.set_xlabel("paragraphs in the cluster")
    axes.set_ylabel("clusters")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def shared_matrix_chart(pairs: pl.DataFrame) -> str | None:
    """A heat map: clusters shared by each pair of sources."""
    if pairs.height == 0:
        return None
    sources = sorted(set(pairs["a"].to_list()))
    index = {source: i for i, source in enumerate(sources)}
    grid = [[0] * len(sources) for _ in sources]
    for a, b, clusters in pairs.iter_rows():
        grid[index[a]][index[b]] = clusters
    size = 1.6 + 0.45 * len(sources)
    figure = _figure(size + 1.2, size)
    axes = figure.subplots()
    image = axes.imshow(grid, cmap="Blues")
    axes.set_xticks(range(len(sources)), sources, rotation=45, ha="right")
    axes.set_yticks(range(len(sources)), sources)
    for row in range(len(sources)):
        for column in range(len(sources)):
            value = grid[row][column]
            dark = value > 0.6 * max(max(line) for line in grid)
            axes.text(column, row, str(value), ha="center", va="center", fontsize=8, color="white" if dark else "black")
    figure.colorbar(image, ax=axes, shrink=0.8, label="shared clusters")
    return _svg(figure)
