"""What a chat model is told: instructions, numbered sources, the search tool."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.core.llm.base import Message, Tool
from desktop.core.rag.retrieve import Source
from desktop.core.types import pages_label, split_ocr_mark

INSTRUCTIONS = (
    "You answer questions about the user's own documents. Use only the numbered sources "
    "below. Cite the sources you use with their numbers in square brackets, like [1] or "
    "[2][3]. If the sources do not contain the answer, say that you could not find it in "
    "the documents. Answer in the language the question is written in, whatever the "
    "language of the sources. Be concise."
)

TOOL_INSTRUCTIONS = (
    "You answer questions about the user's own documents. Before answering, search them "
    "with search_documents; if the passages do not answer the question, search again with "
    "other words. Passages come numbered: cite the ones you use with their numbers in "
    "square brackets, like [1] or [2][3], and quote them exactly when you quote. If the "
    "documents do not contain the answer, say so. Answer in the language the question is "
    "written in, whatever the language of the passages. Be concise."
)

SEARCH_TOOL: Tool = {
    "name": "search_documents",
    "description": "Search the user's documents; returns numbered passages with their source.",
    "parameters": {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "What to look for, in your own words"},
            "k": {
                "type": "integer",
                "description": "How many passages to return (1 to 10)",
                "default": 5,
            },
        },
        "required": ["query"],
    },
}


def format_source(source: Source) -> str:
    """``[1] scan.pdf — Heading (page 3, OCR)``, or ``(pages 3-4)`` for a passage that
    runs on over a page break, or ``(page 2, contents)`` for a page of contents or of an
    index; then the passage."""
    heading, ocr = split_ocr_mark(source.heading)
    where = source.path
    if heading:
        where += f" — {heading}"
    pages = pages_label(source.page, source.page_end)
    notes = [pages] if pages else []
    notes += [source.kind] if source.kind else []
    notes += ["OCR"] if ocr else []
    if notes:
        where += f" ({', '.join(notes)})"
    return f"[{source.rank}] {where}\n{source.text.strip()}"


def format_sources(sources: Sequence[Source]) -> str:
    if not sources:
        return "(no passages were found)"
    return "\n\n".join(format_source(s) for s in sources)


def question_message(question: str, sources: Sequence[Source]) -> Message:
    return {
        "role": "user",
        "content": f"Sources:\n\n{format_sources(sources)}\n\nQuestion: {question.strip()}",
    }


def build_messages(
    question: str, sources: Sequence[Source], history: Sequence[Message] = ()
) -> list[Message]:
    """Single-shot retrieval: the sources travel with the question."""
    return [
        {"role": "system", "content": INSTRUCTIONS},
        *history,
        question_message(question, sources),
    ]
