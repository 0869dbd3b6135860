"""Copy jusText's 100 stoplists into cleaner's package data (``cleaner/data/stoplists.json.gz``).

    python3 -m tools.vendor_stoplists      # with jusText 3.0.2 installed (trafilatura brings it)

cleaner reads only jusText's word lists, not its code. Declaring jusText as a dependency of its
own made cleaner uninstallable beside readability-lxml 0.9 with pip 23 (jusText asks for
``lxml[html_clean]``, readability-lxml for ``lxml[html-clean]``, and pip 23's resolver fails on
the two spellings of one extra unless the root asks for ``lxml[html-clean]`` first and nothing
else names jusText). The lists are BSD-2-Clause (``cleaner/data/STOPLISTS-LICENSE.txt``); each
is stored as jusText returns it (lower-cased words, sorted), so word ids stay the same.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "cleaner" / "data" / "stoplists.json.gz"


def main() -> None:
    import justext

    lists = {name: sorted(justext.get_stoplist(name)) for name in sorted(justext.get_stoplists())}
    payload = json.dumps(lists, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    OUT.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    print(f"wrote {OUT}: {len(lists)} lists, {sum(map(len, lists.values())):,} words, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
