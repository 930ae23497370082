"""Citations: built from retrieved paragraphs and the sentences that support an answer."""

from __future__ import annotations

from collections.abc import Sequence

from .types import Citation, Hit


def citation(hit: Hit, sentence_indexes: Sequence[int]) -> Citation:
    """A citation of `hit`'s paragraph quoting the given sentences (in paragraph order)."""
    p = hit.paragraph
    quote = "".join(
        p.sentences[i] for i in sorted(set(sentence_indexes)) if 0 <= i < len(p.sentences)
    )
    return Citation(
        doc_id=p.doc_id,
        title=hit.title,
        section=p.section_path,
        paragraph=p.number,
        text=p.text,
        quote=quote or p.text,
        score=round(float(hit.score), 6),
        period=p.period_label,
    )
