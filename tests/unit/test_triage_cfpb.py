"""Triage on real complaint text: the CFPB sample through the shipped decision tables, in a dry run.

Complaints about unauthorized transactions or fraud must go urgent (the risk words force it); the rest must
mostly not. The figures are printed with ``-s`` and recorded in bench/RESULTS.md.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime

import pytest

from engine.deploy.bundle import load_bundle
from engine.deploy.deployment import read_paths
from engine.runtime.dryrun import dry_run
from handlers import registry
from tests.paths import PROCESSES

FRAUD = re.compile(r"unauthori[sz]ed|fraud|scam|stolen", re.IGNORECASE)


def rows(corpus):
    with open(corpus / "complaints" / "cfpb_sample.csv", encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def description(row) -> str:
    """The complaint as a channel system records it: its issue label, then the customer's own words."""
    label = f"{row['Issue']}. {row['Sub-issue']}".strip(". ")
    return f"{label}. {row['Consumer complaint narrative'].strip()}".strip(". ")


@pytest.fixture(scope="module")
def complaint_process():
    bundle = load_bundle(read_paths([PROCESSES]), handler_names=registry.names())
    return bundle.specs["complaint"]


def tier_of(complaint_process, text: str) -> str:
    spec, subs = complaint_process
    data = {
        # A neutral category, so that only the words in the text can make the complaint urgent.
        "complaint": {
            "channel": "web",
            "business_type": "other",
            "category": "product_dispute",
            "description": text,
            "received_at": "2026-03-02T01:00:00+00:00",
            "language": "en",
        },
        "customer": {"id": "cfpb", "name": "", "phone": "", "segment": "standard"},
        "case": {"id": 0, "reference": "DRY-RUN"},
    }
    run = dry_run(spec, subs, data, clock=lambda: datetime(2026, 3, 2, 1, tzinfo=UTC))
    assert run.error is None, run.error
    return run.case_fields["tier"]


def test_fraud_and_unauthorized_complaints_in_the_cfpb_sample_go_urgent(corpus, complaint_process):
    about_fraud = [
        r
        for r in rows(corpus)
        if FRAUD.search(f"{r['Issue']} {r['Sub-issue']} {r['Consumer complaint narrative']}")
    ]
    urgent = sum(tier_of(complaint_process, description(r)) == "urgent" for r in about_fraud)
    narratives = [r["Consumer complaint narrative"] for r in about_fraud if r["Consumer complaint narrative"]]
    from_words = sum(tier_of(complaint_process, text) == "urgent" for text in narratives)
    print(
        f"\nCFPB sample: {urgent} of {len(about_fraud)} complaints about unauthorized transactions or fraud "
        f"went urgent ({urgent / len(about_fraud):.0%}); from the customer's own words alone, {from_words} of "
        f"the {len(narratives)} with a narrative"
    )
    assert len(about_fraud) >= 40
    assert urgent == len(about_fraud)


def test_other_cfpb_complaints_are_not_made_urgent_by_the_risk_words(corpus, complaint_process):
    others = [
        r
        for r in rows(corpus)
        if not FRAUD.search(f"{r['Issue']} {r['Sub-issue']} {r['Consumer complaint narrative']}")
    ][:400]
    urgent = sum(tier_of(complaint_process, description(r)) == "urgent" for r in others)
    print(f"\nCFPB sample: {urgent} of {len(others)} other complaints went urgent")
    assert urgent / len(others) < 0.05


@pytest.mark.parametrize(
    "text",
    [
        "我的信用卡被盗刷了三笔",
        "对方冒充客服，我被骗转账",
        "账户被冻结，无法取款",
        "遭遇电信诈骗",
        "银行卡丢了需要挂失",
    ],
)
def test_chinese_risk_words_force_urgent(complaint_process, text):
    assert tier_of(complaint_process, text) == "urgent"
