"""Keeping the registry current from the publishers' files (``mcf-bot sync``).

``run`` fetches and imports; ``fetch`` is the HTTP client; ``state`` is what operators see;
``options`` holds the settings (kept free of aiohttp so settings load fast).
"""
