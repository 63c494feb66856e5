"""The statistics, pure functions of numbers: sufficient statistics (``sufficient``) and the tests
computed from them (``significance``), effect sizes and power (``effects``), multiple testing
(``multitest``), the choice of test per check (``procedures``) and what it returns (``choice``),
categorical shift (``categorical``), classification metrics with their intervals
(``classification``) and the inconclusive rules (``inconclusive``).

May import: ``datavigil.core``; numpy and scipy inside functions. No I/O, no clock, no SQL.
"""
