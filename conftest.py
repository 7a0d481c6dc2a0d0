# `python -m simcenter` exits when imported; doctest collection must not import it.
collect_ignore = ["simcenter/__main__.py"]
