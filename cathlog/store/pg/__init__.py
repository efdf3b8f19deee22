"""The PostgreSQL back end of the store (issue 17): its schema (``schema``); the engine is ``store/engine.py``."""
