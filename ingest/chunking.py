"""Structure-aware chunking: one chunk per paragraph, bullet or footnote."""

from __future__ import annotations

import hashlib

from assistant.core.types import Block, Chunk, Document


def indexed_text(document: Document, block: Block, footnotes: dict[str, str]) -> str:
    """The text embedded and BM25-indexed for a block: headings, lead-in, text, footnotes."""
    parts = [" > ".join((document.title, *block.heading_path))]
    if block.label:  # "2005 Convention, Article 9(a)": how users name the passage
        parts.append(label(document, block))
    if block.lead_in:
        parts.append(block.lead_in)
    parts.append(block.text)
    parts.extend(footnotes[ref] for ref in block.footnotes if ref in footnotes)
    return "\n".join(parts)


def chunk_id(document: Document, block: Block, text: str) -> str:
    """A stable id derived from the document, the block and the content."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return f"{document.doc_id}:{block.block_id}:{digest}"


def label(document: Document, block: Block) -> str:
    """How a citation names a legal passage: "2005 Convention, Article 7.1(a)"."""
    if not block.label:
        return ""
    return f"{document.short or document.title}, {block.label}"


def chunk_document(document: Document) -> list[Chunk]:
    """Split a document into chunks, one per block; bullets are never split."""
    footnotes = {b.block_id: b.text for b in document.blocks if b.kind == "footnote"}
    chunks = []
    for block in document.blocks:
        if not block.text.strip():
            continue
        text = indexed_text(document, block, footnotes)
        chunks.append(
            Chunk(
                chunk_id=chunk_id(document, block, text),
                doc_id=document.doc_id,
                block_id=block.block_id,
                language=document.language,
                title=document.title,
                heading_path=block.heading_path,
                text=block.text,
                indexed_text=text,
                family=document.family,
                kind=block.kind,
                lead_in=block.lead_in,
                footnotes=block.footnotes,
                page=block.page,
                label=label(document, block),
                authority=document.authority,
            )
        )
    return chunks


def chunk_corpus(documents: list[Document]) -> list[Chunk]:
    """Chunk every document, in order."""
    return [chunk for document in documents for chunk in chunk_document(document)]
