"""`make bench`: the simulator benchmark (see bench/run.py); results in docs/benchmarks.md."""
