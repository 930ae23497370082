"""Answerers: the interface they share (base.py), the order the Assistant asks them in
(registry.py), the extractive, section, figure and tracking answerers, and the LLM chain.
None reads the environment."""
