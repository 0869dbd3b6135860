"""Near-duplicate paragraphs across sources: one module per step, in the order they run.

In the workers, per batch (``keys``):

1. ``keys``: each paragraph's exact key (its normalised text's hash) and signature columns;
2. ``signatures``: word shingles, MinHash signatures bit-for-bit datasketch's, sentence anchors;
3. ``banding``: the LSH banding chosen for the threshold, and each band's key.

In the main process, over the whole run (``stage.deduplicate``):

4. ``store``: the signatures of every distinct normalised text, once, mostly on disk;
5. ``candidates``: pairs that share a band key or a long sentence, giant buckets as stars;
6. ``verify``: every candidate pair measured exactly (Jaccard, containment);
7. ``clusters``: stars around the best-ranked copy, without chaining;
8. ``canonical``: the documented rule that picks each cluster's canonical paragraph, and the
   documents that copy others;
9. ``index``: what later runs match against (``--index``).
"""
