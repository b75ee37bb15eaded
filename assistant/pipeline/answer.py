"""The extractive backend: compose a cited answer from the passages that support it."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from assistant.core.messages import LANGUAGES, message
from assistant.core.tuning import Tuning
from assistant.core.types import GUIDELINE, SUPPLEMENT, Chunk, Citation, Hit, Language
from assistant.pipeline.decide import Judged, chosen, near
from assistant.pipeline.format import LANGUAGE_NAMES, language_name, parallel_label
from assistant.pipeline.query import Query
from assistant.storage.manifest import of_kind

TIME_BOUND = re.compile(  # "today", a strategy period "2018–2021", a designation in a year
    r"\b(?:i ?dag|today|currently)\b|\b(?:19|20)\d\d\s*[–-]\s*(?:19|20)\d\d\b"
    r"|\b(?:utsågs|designated)\b", re.IGNORECASE)
# The opening lines of the headers that name who says what (their placeholders follow).
_HEADER_STARTS = tuple(message(key, lang).split("{")[0] for lang in LANGUAGES for key in (
    "answer.according", "answer.background", "answer.dated_intro", "answer.supplement_header",
    "answer.supplement_only"))


class Framing(frozenset[str]):
    """Lines of an answer that frame it rather than state a fact from the sources: the
    fixed intros, and the header naming each referenced instrument."""

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, str):
            return False
        header = line.startswith(_HEADER_STARTS) and line.endswith(":")
        return header or super().__contains__(line)


# How a line showing the text in the language whose wording was asked for begins.
PARALLEL_LABELS = tuple(parallel_label(of, original, lang) for lang in LANGUAGES
                        for of in LANGUAGE_NAMES for original in (True, False))
FRAMING = Framing([message(key, lang) for lang in LANGUAGES
                   for key in ("answer.intro", "answer.abstain", "membership.not_covered")]
                  + [message("answer.no_parallel", lang, name=language_name(of, lang))
                     for lang in LANGUAGES for of in LANGUAGE_NAMES])


def select(judged: Sequence[Judged], tuning: Tuning, later: Collection[str] = ()) -> list[Hit]:
    """The passages an answer quotes: those the decision keeps (none when the best is below
    its threshold), then their articles' other paragraphs, then the supplement's later
    facts. `later`: the supplement's documents, whose facts join the guideline's passages
    when those are time-bound (counts, members, "today") or when they are as likely to
    answer (near the guideline's best: `decide.near`), and stand alone when the guideline
    has none."""
    mine = [j for j in judged if j.hit.chunk.doc_id not in later]
    own = chosen(mine, tuning)
    dated = any(j.hit.chunk.is_guideline and TIME_BOUND.search(j.hit.chunk.text) for j in own)
    newer = chosen([j for j in judged if j.hit.chunk.doc_id in later], tuning)
    if own and not dated:
        newer = [j for j in newer if j.probability >= near(own[0].probability, tuning.selection)]
    picked = [j.hit for j in own] + siblings(mine, own, tuning)
    return picked + [j.hit for j in newer][: tuning.selection.later]


def siblings(judged: Sequence[Judged], picked: Sequence[Judged], tuning: Tuning) -> list[Hit]:
    """Retrieved paragraphs of the same document and article or section as a chosen passage
    (an article's other paragraphs; not a list's lead-in or bullets, which the list brings
    whole), when their probability reaches the selection's `sibling_share` of the
    threshold: at most `siblings` of them in all, most likely first."""
    selection = tuning.selection
    floor = selection.sibling_share * tuning.decision.threshold
    sections = {_section(j.hit) for j in picked}
    shown = {j.hit.chunk.chunk_id for j in picked}

    def joins(j: Judged) -> bool:
        paragraph = j.hit.chunk.kind == "paragraph" and not j.hit.items
        return (paragraph and _section(j.hit) in sections and j.probability >= floor
                and j.hit.chunk.chunk_id not in shown)

    return [j.hit for j in judged if joins(j)][: selection.siblings]


def _section(hit: Hit) -> tuple[str, tuple[str, ...]]:
    return hit.chunk.doc_id, hit.chunk.heading_path


def document_name(chunk: Chunk) -> str:
    """How answers name a referenced instrument ("2005 Convention"): its label's first part."""
    return chunk.label.split(", ", 1)[0] if chunk.label else chunk.title


def citation(n: int, hit: Hit) -> Citation:
    """The citation record for a hit."""
    chunk = hit.chunk
    return Citation(
        n=n,
        doc_id=chunk.doc_id,
        title=chunk.title,
        section=" > ".join(chunk.heading_path),
        quote=chunk.text,
        chunk_id=chunk.chunk_id,
        original=hit.original.text if hit.original else None,
        page=chunk.page,
        lead_in=chunk.lead_in,
        label=chunk.label,
        language=chunk.language,
        parallel=hit.parallel.text if hit.parallel else None,
        parallel_language=hit.parallel.language if hit.parallel else "",
        parallel_original=bool(hit.parallel and hit.parallel.is_original),
    )


def answer_line(hit: Hit, n: int, language: Language, nested: bool = False) -> str:
    """One answer bullet with its marker: the passage, quoted whole, after its list's
    lead-in sentence (unless it is nested under that lead-in); under it, the passage in the
    language whose wording the question asks for, when there is one."""
    text = hit.chunk.text
    indent = "  " if nested else ""
    if "\n" in text:  # a list (a footnote): each item with its marker
        return _list_lines(hit, n, language, indent)
    if nested:
        return f"{indent}- {text} [{n}]" + _parallel_line(hit, n, language, indent)
    lead = f"*{hit.chunk.lead_in}* " if hit.chunk.lead_in else ""
    return f"- {lead}{text} [{n}]" + _parallel_line(hit, n, language, lead_in=bool(lead))


def _list_lines(hit: Hit, n: int, language: Language, indent: str) -> str:
    """A list passage's items, each with its marker and, when the asked-for language's text
    has as many items, that item under it (else that text whole after the last)."""
    items = [item.lstrip("• ") for item in hit.chunk.text.splitlines()]
    lines = [f"{indent}- {item} [{n}]" for item in items]
    other = hit.parallel
    if other is None:
        return "\n".join(lines)
    others = other.text.splitlines()
    if len(others) != len(items):
        return "\n".join([*lines, _parallel_bullet(other, other.text, n, language, indent)])
    paired = [(line, _parallel_bullet(other, text.lstrip("• "), n, language, indent))
              for line, text in zip(lines, others, strict=True)]
    return "\n".join(part for pair in paired for part in pair)


def _parallel_line(hit: Hit, n: int, language: Language, indent: str = "",
                   lead_in: bool = False) -> str:
    """The passage (with its lead-in when the quote shows one) in the language whose wording
    the question asks for, as a bullet under the quote ("" when there is none)."""
    other = hit.parallel
    if other is None:
        return ""
    text = other.source_text if lead_in else other.text
    return "\n" + _parallel_bullet(other, text, n, language, indent)


def _parallel_bullet(other: Chunk, text: str, n: int, language: Language, indent: str) -> str:
    """One bullet: the label naming the language (original or translation), the text."""
    label = parallel_label(other.language, other.is_original, language)
    return f"{indent}  - {label}: “{' '.join(text.split())}” [{n}]"


def not_in_asked_language(query: Query, cited: Sequence[Hit]) -> str:
    """The line saying that some quoted passages have no text in the language whose wording
    the question asks for (an instrument exists in English only), else ""."""
    wanted = query.wording
    if wanted is None or all(h.parallel or h.chunk.language == wanted for h in cited):
        return ""
    return message("answer.no_parallel", query.language,
                   name=language_name(wanted, query.language))


def compose(chosen: list[Hit], language: Language, start: int = 0
            ) -> tuple[list[str], list[Hit]]:
    """Answer lines and the hits they cite, in order, numbered after `start` citations; a
    lead-in brings its whole list."""
    listed = {item.chunk.chunk_id for hit in chosen for item in hit.items}
    lines: list[str] = []
    cited: list[Hit] = []
    seen: set[str] = set()
    for hit in chosen:
        if hit.chunk.chunk_id in listed and not hit.items:
            continue  # shown inside the list that a chosen lead-in brings
        for item in (hit, *hit.items):
            if item.chunk.chunk_id in seen:
                continue
            seen.add(item.chunk.chunk_id)
            cited.append(item)
            lines.append(answer_line(item, start + len(cited), language, item is not hit))
    return lines, cited


def by_document(chosen: list[Hit]) -> list[list[Hit]]:
    """The chosen passages grouped by document, in authority order (the guideline first),
    closest first within a document."""
    groups: dict[str, list[Hit]] = {}
    for hit in sorted(chosen, key=lambda h: h.chunk.authority):
        groups.setdefault("" if hit.chunk.is_guideline else hit.chunk.doc_id, []).append(hit)
    return list(groups.values())


Records = Mapping[str, Mapping[str, Any]]  # the index manifest's record per document id


def header(group: list[Hit], language: Language, first: bool,
           records: Records | None = None) -> str:
    """The line that names who says what: the guideline (with its period when a passage is
    time-bound), the supplement, or a referenced instrument (as background when the
    guideline has spoken first)."""
    chunk = group[0].chunk
    record = (records or {}).get(chunk.doc_id, {})
    date = str(record.get("date", ""))
    if chunk.is_guideline:
        dated = date and any(TIME_BOUND.search(h.chunk.text) for h in group)
        return (message("answer.dated_intro", language, period=date) if dated
                else message("answer.intro", language))
    if chunk.doc_id in of_kind(records or {}, SUPPLEMENT):
        key = "answer.supplement_only" if first else "answer.supplement_header"
        return message(key, language, date=date)
    key = "answer.according" if first else "answer.background"
    return message(key, language, name=document_name(chunk), title=chunk.title)


def dated_intro(citations: Collection[Citation], language: Language,
                records: Records | None = None) -> str:
    """The line a generated answer opens with when it cites a time-bound passage of the
    guideline ("According to the guidelines (strategy period 2018–2021)…"), else ""."""
    for cited in citations:
        record = (records or {}).get(cited.doc_id, {})
        date, guideline = str(record.get("date", "")), record.get("kind") == GUIDELINE
        if guideline and date and TIME_BOUND.search(cited.quote):
            return message("answer.dated_intro", language, period=date)
    return ""


def later_part(citations: Collection[Citation], language: Language, start: int,
               records: Records) -> tuple[str, list[Citation]]:
    """The supplement's lines an extractive answer cites, under their own header and
    numbered after `start`: what a generated answer (written from the guideline and the
    instruments only) is given, so the supplement is never worded as the guideline."""
    later = [c for c in citations if c.doc_id in of_kind(records, SUPPLEMENT)]
    if not later:
        return "", []
    renumbered = [replace(c, n=start + i) for i, c in enumerate(later, start=1)]
    head = message("answer.supplement_header", language,
                   date=records[later[0].doc_id].get("date", ""))
    return head + "\n\n" + "\n".join(f"- {c.quote} [{c.n}]" for c in renumbered), renumbered


def extractive(query: Query, judged: Sequence[Judged], tuning: Tuning,
               records: Records | None = None) -> tuple[str, list[Citation]]:
    """Compose the answer text and its citations; no citations means abstain. `judged`: the
    retrieved passages with the decision's probabilities; `records`: each document's kind
    and date. The guideline's passages lead; a referenced instrument or the supplement
    follows under a header that names it."""
    language = query.language
    chosen_hits = select(judged, tuning, of_kind(records or {}, SUPPLEMENT))
    if not chosen_hits:
        return message("answer.abstain", language), []
    parts: list[str] = []
    cited: list[Hit] = []
    for i, group in enumerate(by_document(chosen_hits)):
        lines, hits_cited = compose(group, language, len(cited))
        parts.append(header(group, language, i == 0, records) + "\n\n" + "\n".join(lines))
        cited += hits_cited
    if missing := not_in_asked_language(query, cited):
        parts.append(missing)
    citations = [citation(n, hit) for n, hit in enumerate(cited, start=1)]
    return "\n\n".join(parts), citations
