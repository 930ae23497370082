"""Answerers: extractive (the embedded default) and the LLM chain. Neither reads the environment."""
