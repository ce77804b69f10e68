"""Benchmarks behind `./just bench`: measured on the embedded stack, reported as plain tables, never asserted."""
