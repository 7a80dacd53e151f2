"""Procedural messages as a person reads them, in their language.

A ``Message`` keeps what was sent as data (its hash covers it, INV-9); ``render`` writes it
from the template of its kind as translated sentences. A tenderer reads only what the law
says it is told (Directive 2014/24/EU Art. 55, ZJN-3 Art. 90; DPS-60): the decision, the
winner and the winner's score, and its own rank and score or why its tender was not
admissible, never another tenderer's name or figures. A message stored before its kind had
data (plain text) is shown as it was sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zerocity.core.translations import text
from zerocity.food.models import Message
from zerocity.food.text import money, number


@dataclass(frozen=True)
class Letter:
    sent_at: datetime
    subject: str
    sentences: list[str]


def render(message: Message, operator_name: str = "") -> Letter:
    """The message as its recipient reads it; ``operator_name`` picks the recipient's own
    line out of an award decision stored with the whole ranking (before DPS-60 was split)."""
    try:
        data = json.loads(message.body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Letter(message.sent_at, message.subject, [message.body])
    write = WRITERS.get(message.kind)
    if write is None:
        return Letter(message.sent_at, message.subject, [])
    subject, sentences = write(data, _Clock(message), operator_name)
    return Letter(message.sent_at, subject, sentences)


class _Clock:
    def __init__(self, message: Message):
        self.calendar = message.dps.city.calendar

    def __call__(self, iso: str | None) -> str:
        if not iso:
            return ""
        return date_format(self.calendar.local(datetime.fromisoformat(iso)),
                           "SHORT_DATETIME_FORMAT")


Writer = Any


def _request_received(d: dict[str, Any], at: _Clock, _op: str) -> tuple[str, list[str]]:
    out = [_("Your request to participate is received on %(at)s, for: %(categories)s.") % {
        "at": at(d.get("received")), "categories": ", ".join(d.get("categories", []))}]
    if d.get("due"):
        out.append(_("The decision is due by %(due)s.") % {"due": at(d["due"])})
    return _("%(title)s: request received") % {"title": text(d, "title")}, out


def _admission(d: dict[str, Any], at: _Clock, _op: str) -> tuple[str, list[str]]:
    admitted = d.get("admitted") or []
    out = []
    if admitted:
        out.append(_("You are admitted to: %(categories)s. You will be invited to every "
                     "procurement in them.") % {"categories": ", ".join(admitted)})
        if d.get("reasons"):
            out.append(_("Not admitted to the other categories asked for: %(reasons)s") % {
                "reasons": d["reasons"]})
        subject = _("%(title)s: admitted") % {"title": text(d, "title")}
    else:
        out.append(_("Your request is not admitted. The reasons: %(reasons)s") % {
            "reasons": d.get("reasons", "")})
        out.append(_("You may ask for further reasons, and apply again at any time."))
        subject = _("%(title)s: not admitted") % {"title": text(d, "title")}
    return subject, out


def _redeclaration(d: dict[str, Any], at: _Clock, _op: str) -> tuple[str, list[str]]:
    return (_("%(title)s: renew your self-declaration") % {"title": text(d, "title")},
            [_("Send a renewed self-declaration (ESPD) by %(due)s; you stay invited "
               "meanwhile.") % {"due": at(d.get("due"))}])


def _exclusion(d: dict[str, Any], at: _Clock, _op: str) -> tuple[str, list[str]]:
    return (_("%(title)s: excluded") % {"title": text(d, "title")},
            [_("You are excluded from %(category)s: no renewed self-declaration came within "
               "5 working days. You may apply again.") % {"category": d.get("category", "")}])


def _invitation(d: dict[str, Any], at: _Clock, _op: str) -> tuple[str, list[str]]:
    out = [_("You are invited to tender for %(title)s by %(deadline)s.") % {
        "title": text(d, "title") or d.get("procurement", ""), "deadline": at(d.get("deadline"))}]
    items = d.get("items") or []
    if items:
        out.append(_("What is bought: %(items)s.") % {"items": "; ".join(
            f"{text(i, 'product')} {_quantity(i['quantity'])} {i['unit']}" for i in items)})
    criteria = d.get("criteria") or []
    if criteria:
        out.append(_("Tenders are scored on: %(criteria)s.") % {"criteria": ", ".join(
            f"{text(c, 'name')} ({c['weight']})" for c in criteria)})
    return _("Invitation to tender: %(title)s") % {
        "title": text(d, "title") or d.get("procurement", "")}, out


def _quantity(value: str) -> str:
    return number(value, 0 if Decimal(value) % 1 == 0 else 2)


def _receipt(d: dict[str, Any], at: _Clock, _op: str) -> tuple[str, list[str]]:
    return (_("%(title)s: tender received") % {"title": text(d, "title")},
            [_("Your tender is received on %(at)s and sealed. Your receipt: %(receipt)s.") % {
                "at": at(d.get("received")), "receipt": d.get("receipt", "")}])


def _explain(d: dict[str, Any], at: _Clock, _op: str) -> tuple[str, list[str]]:
    return (_("%(title)s: explain your price") % {"title": text(d, "title")},
            [_("Your price of %(price)s looks abnormally low: it is well below the mean of the "
               "tenders (%(mean)s) or the next lowest price (%(next)s).") % {
                "price": money(d.get("price", 0)), "mean": money(d.get("mean", 0)),
                "next": money(d.get("next", 0))},
             _("Explain how you reach it (costs, your own harvest, a surplus) before the "
               "tenders are evaluated.")])


def _low_decision(d: dict[str, Any], at: _Clock, _op: str) -> tuple[str, list[str]]:
    sentence = (_("Your explanation of the price is accepted: %(reason)s") if d.get("accepted")
                else _("Your tender is rejected as abnormally low: %(reason)s"))
    return (_("%(title)s: your price") % {"title": text(d, "title")},
            [sentence % {"reason": d.get("reason", "")}])


def _award(d: dict[str, Any], at: _Clock, operator_name: str) -> tuple[str, list[str]]:
    own = d
    if "ranking" in d:  # stored with the whole ranking: only the recipient's own line
        rows = [r for r in d["ranking"] if r.get("operator") == operator_name]
        own = {**(rows[0] if rows else {}), "won": d.get("winner") == operator_name}
        winner_total = next((r.get("total") for r in d["ranking"] if r.get("rank") == 1), None)
    else:
        winner_total = d.get("winner_total")
    out = []
    if own.get("won"):
        out.append(_("Your tender is the best: the contract is awarded to you, with %(total)s "
                     "points.") % {"total": number(winner_total or 0)})
    else:
        out.append(_("The contract is awarded to %(winner)s, with %(total)s points.") % {
            "winner": d.get("winner", ""), "total": number(winner_total or 0)})
        if own.get("admissible"):
            out.append(_("Your tender is ranked %(rank)s with %(total)s points.") % {
                "rank": own.get("rank"), "total": number(own.get("total") or 0)})
        elif own:
            out.append(_("Your tender was not admissible: %(reason)s") % {
                "reason": not_admissible(own)})
    out.append(_("You may ask for the reasons and the characteristics and relative "
                 "advantages of the chosen tender; they are given within 15 days."))
    return _("%(title)s: award decision") % {"title": text(d, "title")}, out


def not_admissible(row: dict[str, Any]) -> str:
    """Why a tender was not admissible, from a row of ``tendering.score`` (its ``why``), in
    the reader's language; a row scored before ``why`` existed keeps its stored sentence."""
    why = row.get("why")
    if not isinstance(why, dict):
        return str(row.get("reason") or "")
    if why.get("kind") == "abnormally_low":
        return _("the price is abnormally low and the explanation was not accepted "
                 "(%(reason)s).") % {"reason": why.get("reason", "")}
    if why.get("kind") == "no_figure":
        return _("the tender gives no figure of 0 or more for %(criterion)s.") % {
            "criterion": why.get("name") or why.get("criterion", "")}
    return ""


def _clarification(d: dict[str, Any], at: _Clock, _op: str) -> tuple[str, list[str]]:
    return (_("%(title)s: clarification") % {"title": text(d, "title")},
            [_("Question: %(q)s") % {"q": d.get("question", "")},
             _("Answer: %(a)s") % {"a": d.get("answer", "")},
             _("Tenders are taken until %(deadline)s.") % {"deadline": at(d.get("deadline"))}])


def _award_notice(d: dict[str, Any], at: _Clock, _op: str) -> tuple[str, list[str]]:
    return (_("Contract award notice: %(ref)s") % {"ref": d.get("procurement", "")},
            [_("Awarded to %(winner)s; contracts worth %(value)s; %(n)s tenders.") % {
                "winner": d.get("winner", ""), "value": money(d.get("contracts_value", 0)),
                "n": d.get("tenders", 0)}])


WRITERS: dict[str, Writer] = {
    "request_received": _request_received, "admission_decision": _admission,
    "redeclaration_request": _redeclaration, "exclusion": _exclusion,
    "invitation": _invitation, "tender_receipt": _receipt,
    "abnormally_low_explanation": _explain, "abnormally_low_decision": _low_decision,
    "award_decision": _award, "clarification": _clarification,
    "contract_award_notice": _award_notice,
}
