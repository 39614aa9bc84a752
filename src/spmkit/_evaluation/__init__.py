"""Judging data against a rule set: results, scalar and batch evaluation, aggregation, compare."""
