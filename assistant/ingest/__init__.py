"""Ingest: file loaders, text cleaning, metadata detection and report structure."""
