"""The floor reference of the benchmark: the cheapest authenticated DRF insert.

Mounted only by bench.settings / bench.urls, never by the product's URLs.
"""
