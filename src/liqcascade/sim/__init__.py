"""The cascade simulator: liquidation feedback loop, insurance fund, ADL, Monte Carlo.

May import ``margin``, ``data`` and ``leverage``; never ``report``.
"""
