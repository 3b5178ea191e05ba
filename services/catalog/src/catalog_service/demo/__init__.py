"""Demo data for the catalog: a generated shop of a few thousand goods and services.

- ``generator``: the categories, items and pictures, the same for a given seed and count on
  every machine (``vocabulary`` holds the words, ``russian`` the grammar that joins them);
- ``pictures``: draws an item's picture with Pillow, no files or fonts needed;
- ``seeding``: writes a generated catalog into an empty database;
- ``command``: ``python -m catalog_service seed [--count N] [--no-images]``.
"""
