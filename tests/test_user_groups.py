"""Made for the three user groups: dated facts and the supplement, the membership path
(prospective cities), draft replies and their exports (Council staff), feedback and the
audit export. Real index, real embedder, real python-docx; the CLI runs in this process, and
its console script as a real process for the membership path."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import docx
import pytest

from assistant.core.errors import AssistantError
from assistant.core.messages import message
from assistant.core.types import Answer, Reply
from assistant.features.audit import AuditLog, export, export_csv
from assistant.features.draft import compose_reply, draft_reply, questions_in
from assistant.features.export import from_answer, to_docx, to_markdown
from assistant.features.membership import PATH, membership_path
from assistant.pipeline.answer import dated_intro
from assistant.pipeline.citations import MARKER
from assistant.pipeline.format import to_text
from assistant.pipeline.scope import about_joining
from assistant.pipeline.service import Assistant
from ingest.loaders import load_corpus, parse_markdown
from tests.conftest import CORPUS, Cli, Done

# 1. Every document carries its kind and date; the supplement is dated and sourced


def test_every_corpus_document_has_a_kind_and_a_date(index):
    for doc_id, record in index.manifest.documents.items():
        assert record["kind"] in {"guideline", "supplement"}, doc_id
        assert record["date"], doc_id
    guideline = [r for r in index.manifest.documents.values() if r["kind"] == "guideline"]
    assert {r["date"] for r in guideline} == {"2018–2021"}


def test_each_supplement_line_names_a_source_with_a_date():
    supplements = [d for d in load_corpus(CORPUS) if d.kind == "supplement"]
    assert {d.language for d in supplements} == {"sv", "en"}
    for document in supplements:
        assert document.authority > 1, "the supplement never ranks as the guideline"
        lines = [b for b in document.blocks if b.kind == "bullet"]
        assert len(lines) == 9
        for block in lines:
            assert re.search(r"\((?:source|källa): .*\b20\d\d\b", block.text), block.text
            assert "as above" not in block.text and "som ovan" not in block.text


def test_a_time_bound_answer_names_the_strategy_period(assistant: Assistant):
    answer = assistant.ask("How many cities are in the network?", "en")
    period = message("answer.dated_intro", "en", period="2018–2021")
    assert answer.text.startswith(period)
    assert "180 cities in 72 countries" in answer.text
    # The later figures follow under the supplement's own header, cited as the supplement.
    later = answer.text.index(message("answer.supplement_header", "en", date="2026-11-26"))
    assert answer.text.index("408 cities") > later
    cited = {c.label.split(",")[0] for c in answer.citations}
    assert cited == {"", "Supplement"}


@pytest.mark.parametrize(("question", "language", "label", "wording"), [
    ("Vad står det om årsrapporterna till Svenska Unescorådet i den engelska texten?", "sv",
     message("answer.parallel_translation", "sv", name="engelska"), "At the end of each year"),
    ("How is the yearly report to the Commission worded in Swedish?", "en",
     message("answer.parallel_original", "en", name="Swedish"), "I slutet av varje år"),
])
def test_a_question_asking_for_the_other_language_s_wording_is_shown_it(
        assistant: Assistant, question: str, language: str, label: str, wording: str):
    """Council staff quoting the guideline in the other language: each quoted passage is
    followed by its text in that language, cited with the same number, in the answer and in
    the sources."""
    answer = assistant.ask(question, language)
    assert not answer.abstained and answer.language == language
    line = next(line for line in answer.text.splitlines() if wording in line)
    assert line.strip().startswith(f"- {label}: “")  # a bullet under the quote
    n = int(MARKER.findall(line)[-1])
    cited = next(c for c in answer.citations if c.n == n)
    assert wording in (cited.parallel or "") and wording not in cited.quote
    assert to_text(answer).count(wording) == 2  # the answer's line, and once in the sources


def test_a_timeless_answer_has_the_plain_intro(assistant: Assistant):
    answer = assistant.ask("Vem bedömer svenska städers ansökningar till nätverket?", "sv")
    assert answer.text.startswith(message("answer.intro", "sv") + "\n")


def test_a_generated_answer_citing_a_time_bound_passage_opens_with_the_period(
        assistant: Assistant, index):
    dated = assistant.ask("Hur många städer ingår i nätverket idag?", "sv").citations
    timeless = assistant.ask("Vem bedömer svenska städers ansökningar?", "sv").citations
    records = index.manifest.documents
    assert dated_intro(dated, "sv", records) == "Enligt riktlinjerna (strategiperiod 2018–2021):"
    assert dated_intro(timeless, "sv", records) == ""


def test_a_fact_only_the_supplement_has_is_never_presented_as_the_guideline(
        assistant: Assistant):
    answer = assistant.ask("When did Lund become a creative city?", "en")
    assert answer.text.startswith(message("answer.supplement_only", "en", date="2026-11-26"))
    assert "Lund was designated a UNESCO City of Literature in 2025" in answer.text
    assert [c.label for c in answer.citations] == ["Supplement, Swedish members"]
    assert message("answer.intro", "en") not in answer.text


def test_the_supplement_stays_out_of_answers_with_nothing_dated(assistant: Assistant):
    answer = assistant.ask("På vilket språk ska årsrapporten till Svenska Unescorådet skrivas?",
                           "sv")
    assert "engelska" in answer.text
    assert all(not c.label for c in answer.citations), answer.citations


# 2. The membership path


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_membership_path_answers_from_the_guideline_and_says_what_it_does_not(
        full_assistant: Assistant, language: str):
    """With the instruments indexed, as the app serves (the decision is fit on that index;
    on the guideline alone two of its ten questions fall under the threshold)."""
    answers = membership_path(full_assistant, language)  # type: ignore[arg-type]
    assert [a.question for a in answers] == [message(key, language) for key in PATH]
    wait, assess, interest, languages, duties = answers
    holding = {"sv": "tills vidare avvakta", "en": "for the time being wait"}[language]
    assesses = {"sv": "Bedöma svenska städers ansökningar",
                "en": "Assess Swedish cities' applications"}[language]
    assert holding in wait.text and message("membership.not_covered", language) in wait.text
    assert assesses in assess.text
    assert "1 april" in interest.text.lower()
    assert any(c.label.startswith(("Tillägg", "Supplement")) for c in interest.citations)
    assert ("franska" if language == "sv" else "French") in languages.text
    assert not duties.abstained
    for answer in answers:
        assert answer.language == language and answer.citations


def test_membership_cli_prints_the_cited_path(cli_env: dict[str, str]):
    run = subprocess.run(["assistant", "membership", "--lang", "en"], env=cli_env,
                         capture_output=True, text=True, timeout=300)  # a real process
    assert run.returncode == 0, run.stderr
    assert "Becoming a creative city" in run.stdout
    assert "Assess Swedish cities' applications" in run.stdout
    assert message("membership.not_covered", "en") in run.stdout


# 3. Draft replies and exports

EMAIL_SV = """Hej!

Jag arbetar på kulturförvaltningen i Norrköping. Hur ofta ska vi rapportera till Unesco?
Och på vilket språk ska årsrapporten till Svenska Unescorådet skrivas? Vad kostar det?

Med vänliga hälsningar
Anna Andersson
Vad säger ni om detta? (citerat tidigare mejl, ska inte besvaras)
"""


def test_questions_are_taken_from_the_email_body_not_its_signature():
    assert questions_in(EMAIL_SV) == [
        "Hur ofta ska vi rapportera till Unesco?",
        "Och på vilket språk ska årsrapporten till Svenska Unescorådet skrivas?",
        "Vad kostar det?",
    ]
    assert questions_in("Dear Council, who assesses applications? Regards, Tom") == [
        "who assesses applications?"]


def _valid(reply, index) -> None:
    """Every marker points to a listed source, every source is used, and every quote is
    verbatim in the indexed passage it names."""
    used = {int(n) for n in MARKER.findall(reply.body)}
    assert used == {c.n for c in reply.citations} == set(range(1, len(reply.citations) + 1))
    for c in reply.citations:
        assert c.quote in index.chunks[c.chunk_id].text


def test_a_swedish_draft_reply_is_formal_numbered_and_cited(assistant: Assistant, index):
    reply = draft_reply(assistant, EMAIL_SV)
    assert reply.language == "sv" and reply.body.startswith("Hej,")
    assert reply.body.rstrip().endswith("Svenska Unescorådet")
    assert "Vart fjärde år ska de kreativa städerna rapportera" in reply.body
    assert "Rapporterna skrivs på engelska" in reply.body
    # the fee question: nothing in the sources
    assert message("draft.to_complete", "sv") in reply.body
    _valid(reply, index)
    # The reporting passage answers two questions and keeps one number.
    assert len({c.chunk_id for c in reply.citations}) == len(reply.citations)


def test_a_draft_answers_as_many_questions_as_the_tuning_allows_and_counts_the_rest(
        assistant: Assistant):
    brief = assistant.tuned(assistant.tuning.changed({"draft.max_questions": 1}))
    reply = draft_reply(brief, EMAIL_SV)
    assert reply.questions == ("Hur ofta ska vi rapportera till Unesco?",)
    assert message("draft.more_questions", "sv", n=2) in reply.body


def test_an_english_draft_of_a_swedish_email_answers_in_english(full_assistant: Assistant):
    """With the instruments indexed, as the app serves (the decision is fit on that index)."""
    index = full_assistant.retriever.index
    reply = draft_reply(full_assistant, EMAIL_SV, "en")
    assert reply.language == "en" and reply.body.startswith("Hello,")
    assert "Every four years the creative cities shall report on their work to UNESCO" in reply.body
    assert all(c.original for c in reply.citations if not c.label)  # the Swedish beside it
    _valid(reply, index)


def test_the_docx_opens_and_holds_the_reply_and_its_sources(assistant: Assistant,
                                                            tmp_path: Path):
    reply = draft_reply(assistant, EMAIL_SV)
    path = tmp_path / "draft.docx"
    path.write_bytes(to_docx(reply))
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "Svarsutkast"
    assert "Källor" in [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for c in reply.citations:
        assert f"[{c.n}]" in text and c.quote in text
    assert "**" not in text and "*På nationell nivå" not in text  # Markdown became runs
    assert any(run.italic for p in document.paragraphs for run in p.runs)


def test_any_answer_exports_as_markdown_with_its_sources(assistant: Assistant):
    answer = assistant.ask("Hur ofta ska de kreativa städerna rapportera till Unesco?")
    markdown = to_markdown(from_answer(answer))
    assert markdown.startswith(f"# {answer.question}\n")
    assert "## Källor" in markdown
    for c in answer.citations:
        assert f"[{c.n}] " in markdown and c.quote in markdown


def test_draft_cli_writes_markdown_and_docx(cli: Cli, cli_env: dict[str, str], tmp_path: Path):
    out = tmp_path / "reply"
    run = cli(cli_env, "draft", "-", "--out", str(out), stdin=EMAIL_SV)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("# Svarsutkast") and "## Källor" in run.stdout
    assert out.with_suffix(".md").read_text(encoding="utf-8") == run.stdout
    body = "\n".join(p.text for p in docx.Document(str(out.with_suffix(".docx"))).paragraphs)
    assert "Vart fjärde år ska de kreativa städerna rapportera" in body


def test_ask_cli_exports_the_answer(cli: Cli, cli_env: dict[str, str], tmp_path: Path):
    out = tmp_path / "answer"
    run = cli(cli_env, "ask", "Vem bedömer ansökningarna?", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert f"Wrote {out}.md and {out}.docx" in run.stderr
    assert "Bedöma svenska städers ansökningar" in out.with_suffix(".md").read_text("utf-8")
    body = "\n".join(p.text for p in docx.Document(str(out.with_suffix(".docx"))).paragraphs)
    assert "Bedöma svenska städers ansökningar" in body and "[1]" in body


def test_draft_cli_refuses_an_empty_email(cli: Cli, cli_env: dict[str, str]):
    run = cli(cli_env, "draft", "-", stdin="Hej!\n\nMvh\nAnna\n")
    assert run.returncode == 2 and "no text to answer" in run.stderr


# 4. Feedback and the audit export


def test_feedback_is_joined_to_its_answer_in_the_export(assistant: Assistant, tmp_path: Path):
    log = AuditLog(tmp_path / "audit.jsonl")
    first = log.record(assistant.ask("Hur ofta ska de kreativa städerna rapportera?"), "app")
    second = log.record(assistant.ask("What does membership cost?"), "cli")
    assert first and second and first != second
    assert log.feedback(first, True, "  Precis vad jag behövde  ")
    assert log.feedback(second, False)
    rows = export(log.read())
    assert [r["id"] for r in rows] == [first, second]
    assert rows[0]["feedback"][0]["helpful"] is True
    assert rows[0]["feedback"][0]["comment"] == "Precis vad jag behövde"
    assert rows[1]["feedback"][0]["helpful"] is False
    table = list(csv.DictReader(io.StringIO(export_csv(rows))))
    assert [(r["id"], r["helpful"]) for r in table] == [(first, "True"), (second, "False")]
    assert table[0]["citations"].startswith("[1] riktlinjer-kreativa-stader")


def _ok(run: Done) -> Done:
    assert run.returncode == 0, run.stderr
    return run


def test_audit_cli_exports_json_and_csv(cli: Cli, cli_env: dict[str, str], tmp_path: Path):
    env = cli_env | {"ASSISTANT_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    asked = cli(env, "ask", "Who assesses applications?")
    assert asked.returncode == 0, asked.stderr
    rows = json.loads(_ok(cli(env, "audit")).stdout)
    assert [r["question"] for r in rows] == ["Who assesses applications?"]
    assert rows[0]["channel"] == "cli" and rows[0]["feedback"] == []
    table = _ok(cli(env, "audit", "--csv")).stdout
    assert table.splitlines()[0].startswith("time,id,channel")
    off = cli(env | {"ASSISTANT_AUDIT": "false"}, "audit")
    assert off.returncode == 2 and "ASSISTANT_AUDIT" in off.stderr


# 5. Edge cases found in review


def test_a_one_line_email_keeps_its_question_without_the_greeting():
    assert questions_in("Hej, hur ofta ska vi rapportera?") == ["hur ofta ska vi rapportera?"]
    assert questions_in("Hi, how often must we report to UNESCO?") == [
        "how often must we report to UNESCO?"]
    with pytest.raises(AssistantError, match="no question .* paste the questions"):
        questions_in("Vi undrar över rapporteringen. " * 100)


def test_renumbering_drops_a_marker_that_points_nowhere(assistant: Assistant):
    first = assistant.ask("Hur ofta ska de kreativa städerna rapportera till Unesco?")
    stray = replace(first, text=first.text + " [9]")
    reply = compose_reply([first, stray], "sv")
    assert "[9]" not in reply.body
    assert {int(n) for n in MARKER.findall(reply.body)} == {c.n for c in reply.citations}


def test_a_reply_without_sources_does_not_promise_a_source_list():
    abstain = message("answer.abstain", "sv")
    reply = compose_reply([Answer("Vad kostar det?", "sv", abstain, (), True, "extractive")],
                          "sv", unanswered=2)
    assert message("draft.numbered", "sv") not in reply.body
    assert message("draft.to_complete", "sv") in reply.body
    assert "Mejlet har 2 frågor till" in reply.body
    assert "## Källor" not in to_markdown(reply)


@pytest.mark.parametrize(("question", "joining"), [
    ("Can our city apply to join the network?", True),
    ("Is the Commission encouraging new applications at the moment?", True),
    ("Vem bedömer svenska städers ansökningar?", True),
    ("Hur blir vi medlem i nätverket?", True),
    ("När blev Lund kreativ stad?", False),
    ("Which obligations apply to the creative cities?", False),
    ("What does the application of Article 7 require?", False),
    ("Can we join a sub-group meeting?", False),
])
def test_membership_questions_are_told_apart(question: str, joining: bool):
    assert about_joining(question) is joining


def test_word_export_keeps_stars_and_underscores_that_are_not_emphasis():
    body = "_Notice_ then 5 * 3 and 2 * 4, see https://unesco.se/a_b_c and *Lead-in:* text [1]"
    document = docx.Document(io.BytesIO(to_docx(Reply("en", "T", body, ()))))
    runs = document.paragraphs[1].runs
    assert "".join(r.text for r in runs) == (
        "Notice then 5 * 3 and 2 * 4, see https://unesco.se/a_b_c and Lead-in: text [1]")
    assert [r.text for r in runs if r.italic] == ["Notice", "Lead-in:"]


def test_audit_csv_quotes_formulas_and_names_a_damaged_line(tmp_path: Path):
    row = {"id": "x", "question": "=HYPERLINK(\"http://evil\")", "citations": [],
           "feedback": [{"time": "t", "helpful": False, "comment": "+1"}]}
    table = list(csv.DictReader(io.StringIO(export_csv([row]))))
    assert table[0]["question"].startswith("'=") and table[0]["comment"] == "'+1"
    path = tmp_path / "audit.jsonl"
    path.write_text('{"kind": "answer", "id": "a"}\n{"kind": "ans', encoding="utf-8")
    with pytest.raises(AssistantError, match="Line 2 of the audit log .* remove or repair"):
        AuditLog(path).read()


def test_a_supplement_with_the_guideline_s_authority_is_refused():
    with pytest.raises(AssistantError, match="only the guideline has"):
        parse_markdown("---\ndoc_id: x\nkind: supplement\n---\n## A\n\nText. {#t}\n")


def test_a_generated_answer_gets_the_period_and_the_supplement_under_its_header(
        assistant: Assistant, e5):
    from langchain_core.language_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    said = "The network comprises 180 cities in 72 countries today [1]."
    model = GenericFakeChatModel(messages=iter([AIMessage(said)]))
    scripted = replace(assistant, model=model, backend="openai")
    answer = scripted.ask("How many cities are in the network?", "en")
    assert answer.backend == "openai", answer.notice  # the model's sentence was kept
    period = message("answer.dated_intro", "en", period="2018–2021")
    header = message("answer.supplement_header", "en", date="2026-11-26")
    assert answer.text.startswith(period) and header in answer.text
    before, after = answer.text.split(header)
    later = [c for c in answer.citations if c.label.startswith("Supplement")]
    assert later and all(f"[{c.n}]" in after and f"[{c.n}]" not in before for c in later)
    assert "408 cities" in after and "408" not in before
    assert {c.chunk_id for c in later} <= set(answer.retrieved)
