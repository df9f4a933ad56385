"""Exchange margin math: liquidation, bankruptcy and maintenance margin as the venues compute them.

Owns: venue rules (one module per venue), dated bracket tables (``margin/brackets/``), the
Decimal reference oracle. Imports nothing from the rest of liqcascade but ``errors`` and
``_compat``.
"""
