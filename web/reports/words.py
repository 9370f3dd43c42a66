"""The words for the codes the figures group by (intake channels, categories, business types, cause classes,
figure columns), in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext

from web import labels
from web.i18n import bilingual

INTAKE_CHANNELS = {
    "phone": lazy_gettext("Phone centre"),
    "app": lazy_gettext("Mobile app"),
    "web": lazy_gettext("Website"),
    "branch": lazy_gettext("Branch"),
    "online_banking": lazy_gettext("Online banking"),
    "social": lazy_gettext("Social media"),
}
CATEGORIES = {
    "card_theft": lazy_gettext("Card theft"),
    "fund_frozen": lazy_gettext("Funds frozen"),
    "abnormal_transaction": lazy_gettext("Abnormal transaction"),
    "fee_dispute": lazy_gettext("Fee dispute"),
    "product_dispute": lazy_gettext("Product dispute"),
    "service_attitude": lazy_gettext("Service attitude"),
    "business_inquiry": lazy_gettext("Business question"),
    "suggestion": lazy_gettext("Suggestion"),
}
BUSINESS_TYPES = {
    "bank_card": lazy_gettext("Bank cards"),
    "deposit": lazy_gettext("Deposits"),
    "loan": lazy_gettext("Loans"),
    "payment_settlement": lazy_gettext("Payment and settlement"),
    "wealth_management": lazy_gettext("Wealth management"),
    "personal_information": lazy_gettext("Personal information"),
    "other": lazy_gettext("Other"),
}
CAUSES = {
    "fund_safety": lazy_gettext("Fund safety"),
    "pricing_fees": lazy_gettext("Pricing and fees"),
    "information_disclosure": lazy_gettext("Information disclosure"),
    "contract_terms": lazy_gettext("Contract terms"),
    "service_attitude": lazy_gettext("Service attitude and quality"),
    "personal_information": lazy_gettext("Personal information protection"),
    "other": lazy_gettext("Other"),
}
COLUMNS = {
    "cases": lazy_gettext("Cases"),
    "responded": lazy_gettext("Answered"),
    "within_limit": lazy_gettext("Within the tier's limit"),
    "within_24h": lazy_gettext("Within 24 hours"),
    "tasks": lazy_gettext("Tasks"),
    "on_time": lazy_gettext("On time"),
    "late": lazy_gettext("Late"),
    "within_15d": lazy_gettext("Within 15 days"),
    "within_30d": lazy_gettext("Within 30 days"),
    "within_60d": lazy_gettext("Within 60 days"),
    "later": lazy_gettext("Later"),
    "outstanding": lazy_gettext("Outstanding"),
    "on_deadline": lazy_gettext("Within the deadline"),
    "breached": lazy_gettext("Deadline missed"),
    "repeats": lazy_gettext("Repeat complaints"),
    "answered": lazy_gettext("Surveys answered"),
    "resolved": lazy_gettext("Say it is solved"),
    "scored": lazy_gettext("Gave a score"),
    "satisfied": lazy_gettext("Satisfied (4–5)"),
    "recommend_answered": lazy_gettext("Answered the NPS question"),
    "promoters": lazy_gettext("Promoters (9–10)"),
    "passives": lazy_gettext("Passives (7–8)"),
    "detractors": lazy_gettext("Detractors (0–6)"),
    "paid": lazy_gettext("Cases compensated"),
    "decisions": lazy_gettext("Decisions"),
    "approved": lazy_gettext("Approved"),
    "rejected": lazy_gettext("Rejected"),
    "owned": lazy_gettext("Cases owned"),
    "repeated": lazy_gettext("Came back as repeats"),
    "received": lazy_gettext("Received"),
    "closed_3d": lazy_gettext("Closed within 3 days"),
    "closed_8w": lazy_gettext("Closed after 3 days, within 8 weeks"),
    "closed_later": lazy_gettext("Closed after 8 weeks"),
    "open": lazy_gettext("Still open"),
    "upheld": lazy_gettext("Upheld"),
    "answered_question": lazy_gettext("Answered the question"),
    "yes": lazy_gettext("Yes"),
    "no": lazy_gettext("No"),
}
# Each tier's follow-up question (engine/reports/figures_kpis.py, TIER_QUESTIONS), as the figures name it.
QUESTIONS = {
    "really_solved": lazy_gettext("Urgent: is the problem really solved?"),
    "other_needs": lazy_gettext("General: any other needs?"),
    "advice_worked": lazy_gettext("Advisory: did the advice work?"),
}
NONE = lazy_gettext("(not set)")
# The figures' titles (engine/reports/figures_kpis.py), by key.
TITLES = {
    "volume_day": lazy_gettext("Complaints by day"),
    "volume_channel": lazy_gettext("Complaints by channel"),
    "volume_category": lazy_gettext("Complaints by category"),
    "volume_tier": lazy_gettext("Complaints by tier"),
    "first_response": lazy_gettext("First response"),
    "on_time_task": lazy_gettext("On time per task"),
    "on_time_department": lazy_gettext("On time per department"),
    "resolution": lazy_gettext("Resolution time"),
    "regulatory": lazy_gettext("Decision within the regulatory limits"),
    "repeats": lazy_gettext("Repeat complaints"),
    "satisfaction": lazy_gettext("Satisfaction"),
    "compensation": lazy_gettext("Compensation"),
    "approvals": lazy_gettext("Settlement approvals per level"),
    "agent_cases": lazy_gettext("Cases per owner"),
    "agent_tasks": lazy_gettext("Tasks on time per agent"),
    "agent_surveys": lazy_gettext("Follow-up surveys per agent"),
    "tier_questions": lazy_gettext("Each tier's follow-up question"),
    "jrt_a": lazy_gettext("A. By channel"),
    "jrt_b": lazy_gettext("B. By business type"),
    "jrt_c": lazy_gettext("C. By cause"),
    "fca_return": lazy_gettext("Half-year complaints return"),
}


def group_words(dimension: str, code) -> str:
    """The words for a group of a figure: a day stays as it is, a tier or a lane gets its name."""
    if code is None or code == "":
        return str(NONE)
    if dimension == "task":  # a diagram's "English 中文" task name: the page's half
        return bilingual(str(code))
    table = {
        "tier": labels.TIERS,
        "lane": labels.LANES,
        "channel": INTAKE_CHANNELS,
        "category": CATEGORIES,
        "business_type": BUSINESS_TYPES,
        "cause": CAUSES,
        "question": QUESTIONS,
    }.get(dimension)
    return labels.label(table, code) if table is not None else str(code)
