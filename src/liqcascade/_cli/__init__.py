"""CLI sub-commands, one module per area; each exposes ``register(app)``.

They only parse options and call the public Python API; heavy imports happen inside commands.
"""
