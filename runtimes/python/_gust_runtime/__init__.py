"""Gust's Python runtime: the modules behind runtimes/python/bootstrap.py.

The package name is deliberately unlikely to clash with a function's own modules: it stays
in sys.modules after start-up, while its directory leaves sys.path.
"""
