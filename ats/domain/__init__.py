"""Plain-Python domain: no framework imports, no I/O. Rules take `now` as an argument."""
