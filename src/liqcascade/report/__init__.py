"""Analytics and HTML reports (weekly market report, episode replays).

May import every lower layer.
"""
