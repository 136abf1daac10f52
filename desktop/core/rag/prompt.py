"""The messages a chat model gets: instructions, numbered sources, the question."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.core.llm.base import Message
from desktop.core.rag.retrieve import Source

INSTRUCTIONS = (
    "You answer questions about the user's own documents. Use only the numbered sources "
    "below. Cite the sources you use with their numbers in square brackets, like [1] or "
    "[2][3]. If the sources do not contain the answer, say that you could not find it in "
    "the documents. Be concise."
)


def format_source(source: Source) -> str:
    where = source.path
    if source.heading:
        where += f" — {source.heading}"
    if source.page:
        where += f" (page {source.page})"
    return f"[{source.rank}] {where}\n{source.text.strip()}"


def build_messages(question: str, sources: Sequence[Source]) -> list[Message]:
    if sources:
        context = "\n\n".join(format_source(s) for s in sources)
    else:
        context = "(no passages were found)"
    user = f"Sources:\n\n{context}\n\nQuestion: {question.strip()}"
    return [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": user}]
