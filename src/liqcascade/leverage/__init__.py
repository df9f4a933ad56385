"""Hidden leverage: true-liquidation estimation and the liquidation map.

May import ``margin`` and ``data``; never ``sim`` or ``report``.
"""
