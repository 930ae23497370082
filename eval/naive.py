"""The naive baseline (a LangChain tutorial's RAG); the code is in `assistant.evaluation`."""

from assistant.evaluation import NaiveRAG

__all__ = ["NaiveRAG"]
