"""A child process's own peak memory, for the benchmarks that run cleaner in fresh processes.

``ru_maxrss`` is the wrong figure there: Linux carries a process's peak over ``exec``, and
Python starts children with ``vfork``, so a child's ``ru_maxrss`` is at least its parent's peak
(a benchmark that generated a million paragraphs first reads about 0.9 GB for a run that used
0.3). ``VmHWM`` belongs to the address space, which ``exec`` makes anew.
"""

PRINT_PEAK_MB = """
with open("/proc/self/status") as _status:
    print(next(int(line.split()[1]) for line in _status if line.startswith("VmHWM")) / 1024, file=sys.stderr)
"""
"""Python source that prints this process's peak resident MB to standard error (``sys`` imported)."""
