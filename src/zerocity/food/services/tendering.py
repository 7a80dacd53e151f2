"""Specific procurements of the DPS and their sealed tenders.

- ``create`` sets a procurement up in one category: its criteria are the notice's (DPS-09,
  INV-6), its value within the category's maximum, lots or the reason for none (DPS-47).
- ``invite`` sends the invitation to every member of the category at that moment (the invitee
  list is a recorded snapshot, DPS-40, INV-2), with a tender deadline at least 10 days away
  (DPS-41, INV-3), and seals the procedure: an X25519 key pair is made, the private key is
  split into two shares (XOR), each share encrypted with a key derived by scrypt from one
  opener's passphrase, and the private key itself is never stored.
- ``submit`` encrypts a tender on arrival to the public key (X25519, HKDF-SHA256,
  AES-256-GCM) and answers with the SHA-256 of the ciphertext as the receipt. A tender after
  the deadline is refused at the door and nothing is stored (DPS-51).
- ``approve_opening``: after the deadline, two different openers each give their passphrase;
  with the second the key is rebuilt, every tender decrypted, and the shares forgotten. Before
  the deadline nobody can open anything — administrators included — and every attempt to read
  or open early is refused and written to the audit trail (INV-1).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.db import transaction
from django.utils.translation import gettext as _

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.translations import active, given, languages
from zerocity.food import deadlines, law
from zerocity.food.errors import FormRejected, RuleConflict, RulePermissionDenied
from zerocity.food.models import (
    Category,
    Clarification,
    Dps,
    DpsStatus,
    LowPrice,
    Opener,
    Operator,
    ProcurementStatus,
    SpecificProcurement,
    Tender,
    TenderStatus,
)
from zerocity.food.services.dps import address, local_time, members, send, titled
from zerocity.food.text import money, parse_decimal

TENDER_DAYS = 10  # DPS-41
MIN_PASSPHRASE = 12
RAW = serialization.Encoding.Raw


def _record(event: str, sp: SpecificProcurement, by: Person | None, actor: str, obj: Any = None,
            **data: Any) -> None:
    audit.record(event, city=sp.dps.city, user=by, actor=actor, obj=obj or sp, **data)


# -- set-up -------------------------------------------------------------------------------------

@transaction.atomic
def create_procurement(dps: Dps, category: Category, reference: str, title: str, *,
                       criteria: list[str], estimated_value: Decimal | str,
                       lots: list[str] | None = None, no_lots_reason: str = "",
                       items: list[dict[str, Any]] | None = None,
                       translations: Mapping[str, Mapping[str, Any]] | None = None,
                       by: Person | None = None, actor: str = "") -> SpecificProcurement:
    """A specific procurement, a draft until its invitation, in one category of an active
    DPS: every award criterion of the notice with its weight (DPS-09), a value within the
    category's largest contract, lots or the reason for none (DPS-47), and what is bought:
    each item's product, quantity, unit, specification and lot (``clean_items``), which the
    invitation shows next to the price asked. The title and the reason for no lots are given
    in the active language, and in others as ``translations`` (``{"sl": {"title": ...}}``)."""
    if category.dps_id != dps.pk:
        raise RuleConflict("DPS-06", _("Choose a category of this purchasing system."))
    if dps.status != DpsStatus.ACTIVE:
        raise RuleConflict("DPS-40", _(
            "Specific procurements are made once the purchasing system is active, after the "
            "first requests to participate are decided."))
    notice = {c["id"]: c for c in dps.award_criteria}
    if not criteria or set(criteria) != set(notice):
        raise RuleConflict("DPS-09", _(
            "A specific procurement uses every award criterion of the notice, with the "
            "notice's weights; they cannot be changed."))
    value = Decimal(str(estimated_value))
    if value <= 0 or value > category.max_contract_value:
        raise RuleConflict("DPS-27", _(
            "Enter an estimated value above 0 and at most %(max)s, the largest contract of "
            "this category.") % {"max": money(category.max_contract_value)})
    if SpecificProcurement.objects.filter(dps=dps, reference=reference).exists():
        raise Conflict(_("A procurement with the reference %(ref)s exists already; choose "
                         "another reference.") % {"ref": reference})
    lots = [str(x).strip() for x in (lots or []) if str(x).strip()]
    if not lots and not no_lots_reason.strip():
        raise RuleConflict("DPS-47", _(
            "Divide the procurement into lots, or say why it is not divided."))
    clean = clean_items(items or [], lots)
    sp = SpecificProcurement.objects.create(
        dps=dps, category=category, reference=reference, estimated_value=value,
        **given({"title": title, "no_lots_reason": no_lots_reason}, translations),
        criteria=[notice[c] for c in criteria], lots=lots, items=clean)
    _record("food.procurement_created", sp, by, actor, reference=reference)
    return sp


def clean_items(items: list[dict[str, Any]], lots: list[str]) -> list[dict[str, str]]:
    """What a procurement buys, item by item: a product, a quantity above 0 for the whole
    procurement, its unit, an optional specification and, when the procurement has lots, the
    lot. Rows without a product are left out; every mistake of the rows is refused at once,
    each naming its row and field. ``product`` is the name the catalogue and the delivery
    notes match; the product and specification a person reads are kept per language
    (``product_sl``, ``specification_en``...), as given, else in the active language."""
    clean: list[dict[str, str]] = []
    errors: list[tuple[str, str]] = []
    for n, item in enumerate(items, start=1):
        product = str(item.get("product", "")).strip()[:200]
        if not product:
            continue
        row = _("Item %(n)s (%(product)s)") % {"n": n, "product": product}
        raw = item.get("quantity", "")
        quantity = raw if isinstance(raw, Decimal) else parse_decimal(str(raw))
        if quantity is None or quantity <= 0:
            errors.append((f"{row}, {_('quantity')}", _("enter an amount above 0.")))
        unit = str(item.get("unit", "") or "kg").strip()[:20]
        lot = str(item.get("lot", "")).strip()
        if lots and lot not in lots:
            errors.append((f"{row}, {_('lot')}", _("choose one of the lots: %(lots)s.") % {
                "lots": ", ".join(lots)}))
        specification = str(item.get("specification", "")).strip()[:1000]
        texts = {f"{key}_{code}": str(item[f"{key}_{code}"]).strip()[:1000]
                 for key in ("product", "specification") for code in languages()
                 if str(item.get(f"{key}_{code}") or "").strip()}
        language = active()
        texts.setdefault(f"product_{language}", product)
        if specification:
            texts.setdefault(f"specification_{language}", specification)
        clean.append({"product": product, "quantity": str(quantity or ""), "unit": unit,
                      "specification": specification, "lot": lot if lots else "", **texts})
    if errors:
        raise FormRejected(errors)
    return clean


def _passphrase_key(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(passphrase.encode())


@transaction.atomic
def invite(sp: SpecificProcurement, *, at: datetime, tender_deadline: datetime,
           openers: dict[Any, str], by: Person | None = None,
           actor: str = "") -> SpecificProcurement:
    """Send the invitation to the category's members and seal the procedure for two
    openers (a mapping user -> their passphrase, which is not kept)."""
    sp = SpecificProcurement.objects.select_for_update().select_related(
        "dps", "category").get(pk=sp.pk)
    if sp.status != ProcurementStatus.DRAFT:
        raise Conflict(_("The invitation was sent already."))
    if sp.dps.status != DpsStatus.ACTIVE:
        raise RuleConflict("DPS-40", _("The purchasing system is not active; no invitation "
                                       "can be sent."))
    earliest = deadlines.in_days(sp.dps.city.calendar, at, TENDER_DAYS)
    if tender_deadline < earliest:
        raise RuleConflict("DPS-41", _(
            "Suppliers get at least %(days)s days to tender: choose a deadline at "
            "%(earliest)s or later.") % {"days": TENDER_DAYS,
                                         "earliest": local_time(sp.dps, earliest)})
    people = list(openers)
    if len({getattr(u, "pk", u) for u in people}) != 2:
        raise RuleConflict("DPS-51", _(
            "Two different people open the tenders together: name a second opener other "
            "than yourself."))
    if any(len(p) < MIN_PASSPHRASE for p in openers.values()):
        raise RuleConflict("DPS-51", _(
            "Each opener's passphrase needs at least %(n)s characters.") % {
                "n": MIN_PASSPHRASE})
    invitees = members(sp.category, at)
    if not invitees:
        raise RuleConflict("DPS-40", _("The category has no admitted suppliers to invite "
                                       "yet."))
    private = X25519PrivateKey.generate()
    secret = private.private_bytes(RAW, serialization.PrivateFormat.Raw,
                                   serialization.NoEncryption())
    first = os.urandom(32)
    shares = [first, bytes(a ^ b for a, b in zip(secret, first, strict=True))]
    for user, share in zip(people, shares, strict=True):
        salt, nonce = os.urandom(16), os.urandom(12)
        sealed = AESGCM(_passphrase_key(openers[user], salt)).encrypt(nonce, share, None)
        Opener.objects.create(procurement=sp, user=user, salt=salt, nonce=nonce,
                              sealed_share=sealed)
    sp.public_key = private.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    sp.status, sp.invitation_sent_at, sp.tender_deadline = (ProcurementStatus.TENDERING, at,
                                                            tender_deadline)
    sp.save()
    sp.invitees.set(invitees)
    if sp.dps.first_invitation_at is None:
        Dps.objects.filter(pk=sp.dps_id).update(first_invitation_at=at)
    send(sp.dps, "invitation", sender=actor or audit.actor_label(by) or "buyer",
         recipients=[address(o) for o in invitees],
         subject=f"Invitation to tender: {sp.title}",
         body=json.dumps({"procurement": sp.reference, **titled(sp),
                          "category": sp.category.code,
                          "deadline": tender_deadline.isoformat(), "criteria": sp.criteria,
                          "lots": sp.lots, "no_lots_reason": sp.no_lots_reason,
                          "items": sp.items}, ensure_ascii=False), at=at)
    _record("food.invitation_sent", sp, by, actor, invitees=[o.pk for o in invitees],
            deadline=tender_deadline.isoformat(), openers=[getattr(u, "pk", u) for u in people])
    return sp


# -- tenders ------------------------------------------------------------------------------------

def _cipher(shared: bytes, info: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)
    return AESGCM(key)


def _fresh(sp: SpecificProcurement) -> SpecificProcurement:
    """The procurement as stored now. Refusals are checked and recorded before any
    transaction starts, so the record of a refused attempt is not rolled back with it."""
    return SpecificProcurement.objects.select_related("dps").get(pk=sp.pk)


def submit(sp: SpecificProcurement, operator: Operator, content: dict[str, Any], *,
           at: datetime, by: Person | None = None, actor: str = "") -> Tender:
    """Receive a tender, encrypted at once. An invitee may send a new tender before the
    deadline; the earlier one is then withdrawn. After the deadline nothing is stored (the
    attempt is in the audit trail)."""
    sp = _fresh(sp)
    if sp.tender_deadline is not None and at >= sp.tender_deadline:
        _record("food.tender_refused_late", sp, by, actor, operator=operator.pk,
                at=at.isoformat())
        raise RuleConflict("DPS-51", _("The deadline for tenders has passed; the tender "
                                       "cannot be received."))
    return _submit(sp, operator, content, at=at, by=by, actor=actor)


@transaction.atomic
def _submit(sp: SpecificProcurement, operator: Operator, content: dict[str, Any], *,
            at: datetime, by: Person | None, actor: str) -> Tender:
    sp = SpecificProcurement.objects.select_for_update().select_related("dps").get(pk=sp.pk)
    if sp.status != ProcurementStatus.TENDERING or sp.tender_deadline is None:
        raise Conflict(_("This procurement does not take tenders now."))
    if at >= sp.tender_deadline:  # the deadline passed while waiting for the lock
        raise RuleConflict("DPS-51", _("The deadline for tenders has passed; the tender "
                                       "cannot be received."))
    if not sp.invitees.filter(pk=operator.pk).exists():
        raise RuleConflict("DPS-40", _(
            "Only the suppliers invited when the invitation was sent can tender."))
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(bytes(sp.public_key)))
    nonce = os.urandom(12)
    plain = json.dumps(content, ensure_ascii=False, sort_keys=True).encode()
    ciphertext = _cipher(shared, sp.reference.encode()).encrypt(nonce, plain, None)
    Tender.objects.filter(procurement=sp, operator=operator,
                          status=TenderStatus.SEALED).update(status=TenderStatus.WITHDRAWN)
    tender = Tender.objects.create(
        procurement=sp, operator=operator, received_at=at,
        ephemeral_key=ephemeral.public_key().public_bytes(RAW, serialization.PublicFormat.Raw),
        nonce=nonce, ciphertext=ciphertext, sha256=hashlib.sha256(ciphertext).hexdigest())
    send(sp.dps, "tender_receipt", sender="platform", recipients=[address(operator)],
         subject=f"{sp.title}: tender received",
         body=json.dumps({**titled(sp), "received": at.isoformat(),
                          "receipt": tender.sha256}), at=at)
    _record("food.tender_received", sp, by, actor, obj=tender, operator=operator.pk)
    return tender


def read(tender: Tender, *, user: Any, at: datetime) -> dict[str, Any]:
    """A tender's content: only once the procurement is opened; every attempt before that is
    refused and recorded, whoever makes it (INV-1)."""
    tender = Tender.objects.select_related("procurement__dps").get(pk=tender.pk)
    sp = tender.procurement
    if tender.content is None or sp.opened_at is None:
        _record("food.tender_read_refused", sp, user, "", obj=tender, at=at.isoformat())
        raise RulePermissionDenied("DPS-51", _(
            "Tenders stay sealed until the deadline and the opening by both openers."))
    _record("food.tender_read", sp, user, "", obj=tender)
    return dict(tender.content)


@transaction.atomic
def read_opened(sp: SpecificProcurement, *, user: Any, at: datetime
                ) -> list[tuple[Tender, dict[str, Any]]]:
    """Every opened tender of the procurement with its content, in the order received, for
    its buyers' page: each reading goes through ``read`` and so is in the audit trail.
    Nothing before the opening."""
    if sp.opened_at is None:
        return []
    opened = sp.tenders.filter(status=TenderStatus.OPENED).select_related("operator")
    return [(t, read(t, user=user, at=at)) for t in opened.order_by("received_at")]


def approve_opening(sp: SpecificProcurement, user: Any, passphrase: str, *, at: datetime,
                    actor: str = "") -> SpecificProcurement:
    """One opener's approval. Before the deadline it is refused, as is anyone but the two
    openers or a wrong passphrase, and each refusal is recorded; the second approval opens
    every tender."""
    sp = _fresh(sp)
    if sp.tender_deadline is None or sp.status not in (ProcurementStatus.TENDERING,
                                                       ProcurementStatus.OPENING):
        raise Conflict(_("There are no sealed tenders to open in this procurement."))
    if at < sp.tender_deadline:
        _record("food.opening_refused_early", sp, user, actor, at=at.isoformat(),
                rule="DPS-51")
        raise RulePermissionDenied("DPS-51", _(
            "Tenders are opened only after the deadline for tenders."))
    opener = Opener.objects.filter(procurement=sp, user=getattr(user, "pk", user)).first()
    if opener is None:
        _record("food.opening_refused_not_opener", sp, user, actor, rule="DPS-51")
        raise RulePermissionDenied("DPS-51", _(
            "Only the procurement's two openers can open its tenders."))
    try:
        share = AESGCM(_passphrase_key(passphrase, bytes(opener.salt))).decrypt(
            bytes(opener.nonce), bytes(opener.sealed_share), None)
    except InvalidTag:
        _record("food.opening_wrong_passphrase", sp, user, actor)
        raise Conflict(_("This passphrase does not open your share; type the passphrase "
                         "you chose when the invitation was sent.")) from None
    return _open(sp, opener, share, at=at, user=user, actor=actor)


@transaction.atomic
def _open(sp: SpecificProcurement, opener: Opener, share: bytes, *, at: datetime, user: Any,
          actor: str) -> SpecificProcurement:
    sp = SpecificProcurement.objects.select_for_update().select_related("dps").get(pk=sp.pk)
    if sp.opened_at is not None:
        return sp
    opener.share, opener.approved_at = share, at
    opener.save(update_fields=["share", "approved_at"])
    _record("food.opening_approved", sp, user, actor)
    shares = [bytes(o.share) for o in sp.openers.exclude(share=None).order_by("id")
              if o.share is not None]
    if len(shares) < 2:
        if sp.status != ProcurementStatus.OPENING:
            sp.status = ProcurementStatus.OPENING
            sp.save(update_fields=["status"])
        return sp
    secret = bytes(a ^ b for a, b in zip(*shares, strict=True))
    private = X25519PrivateKey.from_private_bytes(secret)
    opened = 0
    for tender in sp.tenders.filter(status=TenderStatus.SEALED):
        shared = private.exchange(X25519PublicKey.from_public_bytes(bytes(tender.ephemeral_key)))
        plain = _cipher(shared, sp.reference.encode()).decrypt(bytes(tender.nonce),
                                                                bytes(tender.ciphertext), None)
        tender.content, tender.status = json.loads(plain), TenderStatus.OPENED
        tender.save(update_fields=["content", "status"])
        opened += 1
    sp.openers.update(share=None)  # the key is not kept
    sp.opened_at = at
    sp.status = ProcurementStatus.EVALUATION if opened else ProcurementStatus.UNSUCCESSFUL
    sp.save(update_fields=["opened_at", "status"])
    _record("food.tenders_opened", sp, user, actor, tenders=opened)
    flagged = flag_abnormally_low(sp, at=at)
    if flagged:
        _record("food.abnormally_low_flagged", sp, user, actor, tenders=[t.pk for t in flagged])
    return sp


# -- abnormally low tenders (Art. 69, DPS-43) -------------------------------------------------

def _price(sp: SpecificProcurement, tender: Tender) -> Decimal | None:
    ids = [c["id"] for c in sp.criteria if c["type"] == "price"]
    try:
        value = Decimal(str((tender.content or {})[ids[0]]))
    except (IndexError, KeyError, ArithmeticError):
        return None
    return value if value.is_finite() and value > 0 else None


def flag_abnormally_low(sp: SpecificProcurement, *, at: datetime) -> list[Tender]:
    """Flag the opened tenders whose price looks abnormally low and ask each for an
    explanation (a procedural message); called when the tenders are opened. What counts as
    abnormally low is the national profile's rule (``law.LowPriceRule``)."""
    rule = law.require_profile(sp.dps.city).low_price
    priced = [(p, t) for t in sp.tenders.filter(status=TenderStatus.OPENED)
              .select_related("operator") if (p := _price(sp, t)) is not None]
    if len(priced) < rule.min_tenders:
        return []
    priced.sort(key=lambda pt: pt[0])
    mean = sum((p for p, _ in priced), Decimal(0)) / len(priced)
    flagged = []
    for i, (price, tender) in enumerate(priced[:-1]):
        following = priced[i + 1][0]
        if price < mean * (1 - rule.vs_mean) or price < following * (1 - rule.vs_next):
            tender.low_price = LowPrice.ASKED
            tender.save(update_fields=["low_price"])
            send(sp.dps, "abnormally_low_explanation", sender="buyer",
                 recipients=[address(tender.operator)],
                 subject=f"{sp.title}: explain your price",
                 body=json.dumps({**titled(sp), "price": str(price),
                                  "mean": str(mean.quantize(Decimal("0.01"))),
                                  "next": str(following), "vs_mean": str(rule.vs_mean),
                                  "vs_next": str(rule.vs_next)}), at=at)
            flagged.append(tender)
    return flagged


@transaction.atomic
def decide_low_price(tender: Tender, *, accepted: bool, reason: str, at: datetime,
                     by: Person | None = None, actor: str = "") -> Tender:
    """Keep a flagged tender (its explanation accounts for the price) or reject it as
    abnormally low, with the reason given to the tenderer."""
    tender = Tender.objects.select_for_update().select_related(
        "procurement__dps", "operator").get(pk=tender.pk)
    sp = tender.procurement
    if tender.low_price != LowPrice.ASKED:
        raise Conflict(_("This tender is not waiting for a decision on its price."))
    if sp.status != ProcurementStatus.EVALUATION:
        raise Conflict(_("The procurement is not under evaluation."))
    if not reason.strip():
        raise FormRejected([(_("Reason"), _("give the reason for the decision, which the "
                                            "tenderer is told."))])
    tender.low_price = LowPrice.ACCEPTED if accepted else LowPrice.REJECTED
    tender.low_price_reason = reason.strip()
    tender.save(update_fields=["low_price", "low_price_reason"])
    send(sp.dps, "abnormally_low_decision", sender=actor or audit.actor_label(by) or "buyer",
         recipients=[address(tender.operator)], subject=f"{sp.title}: your price",
         body=json.dumps({**titled(sp), "accepted": accepted,
                          "reason": tender.low_price_reason}, ensure_ascii=False), at=at)
    _record("food.abnormally_low_decided", sp, by, actor, obj=tender, accepted=accepted)
    return tender


# -- evaluation and award ----------------------------------------------------------------------

# How each kind of criterion is scored: the best tender gets the criterion's whole weight, the
# others in proportion (best / value when less is better, value / best when more is better).
LESS_IS_BETTER = {"price", "freshness", "lead_time", "short_supply_chain",
                  "transport_emissions"}
MORE_IS_BETTER = {"delivery_frequency", "seasonal", "quality_schemes", "organic"}
AWARD_NOTICE_DAYS = 30  # DPS-62


def _points(kind: str, value: Decimal, best: Decimal, weight: Decimal) -> Decimal:
    if kind in LESS_IS_BETTER:
        return weight if value == 0 else weight * best / value
    return weight if best == 0 else weight * value / best


def score(sp: SpecificProcurement) -> list[dict[str, Any]]:
    """Score the opened tenders on the procurement's criteria only (DPS-43): each tender
    gives a number for each criterion's id. Ties go to the earlier tender (the published
    rule). A tender missing a figure, or giving one that is not a number of 0 or more, is not
    admissible and is listed with why, as data (``why``: its kind and what it names), so that
    each reader reads it in their own language (``letters.not_admissible``)."""
    tenders = list(sp.tenders.filter(status=TenderStatus.OPENED).select_related("operator")
                   .order_by("received_at", "id"))
    values: dict[int, dict[str, Decimal]] = {}
    rows: list[dict[str, Any]] = []
    for t in tenders:
        content = t.content or {}
        got, problem = {}, None
        if t.low_price == LowPrice.REJECTED:
            rows.append({"tender": t.pk, "operator": t.operator.name, "admissible": False,
                         "why": {"kind": "abnormally_low", "reason": t.low_price_reason},
                         "total": None})
            continue
        for c in sp.criteria:
            try:
                v = Decimal(str(content[c["id"]]))
                if not v.is_finite() or v < 0:
                    raise ValueError
                got[c["id"]] = v
            except (KeyError, ValueError, ArithmeticError):
                problem = {"kind": "no_figure", "criterion": c["id"],
                           "name": c.get("name", c["id"])}
                break
        if problem:
            rows.append({"tender": t.pk, "operator": t.operator.name, "admissible": False,
                         "why": problem, "total": None})
        else:
            values[t.pk] = got
    for t in tenders:
        if t.pk not in values:
            continue
        total, parts = Decimal(0), {}
        for c in sp.criteria:
            column = [v[c["id"]] for v in values.values()]
            best = min(column) if c["type"] in LESS_IS_BETTER else max(column)
            points = _points(c["type"], values[t.pk][c["id"]], best, Decimal(c["weight"]))
            parts[c["id"]] = str(points.quantize(Decimal("0.01")))
            total += points
        rows.append({"tender": t.pk, "operator": t.operator.name, "admissible": True,
                     "points": parts, "total": str(total.quantize(Decimal("0.01"))),
                     "received_at": t.received_at.isoformat()})
    ranked = sorted((r for r in rows if r["admissible"]),
                    key=lambda r: (-Decimal(r["total"]), r["received_at"]))
    for rank, r in enumerate(ranked, start=1):
        r["rank"] = rank
    return ranked + [r for r in rows if not r["admissible"]]


@transaction.atomic
def award(sp: SpecificProcurement, *, at: datetime, evidence_verified: bool,
          by: Person | None = None,
          actor: str = "") -> SpecificProcurement:
    """Award to the best admissible tender. The winner's up-to-date evidence must have been
    verified (DPS-44); every tenderer is told the result (DPS-60); the contract award notice
    is due within 30 days (DPS-62)."""
    sp = SpecificProcurement.objects.select_for_update().select_related("dps").get(pk=sp.pk)
    if sp.status != ProcurementStatus.EVALUATION:
        raise Conflict(_("Only a procurement whose tenders are opened, under evaluation, "
                         "is awarded."))
    if not evidence_verified:
        raise RuleConflict("DPS-44", _(
            "Verify the best tenderer's up-to-date supporting documents first, then tick "
            "that they are verified."))
    if sp.tenders.filter(low_price=LowPrice.ASKED).exists():
        raise RuleConflict("DPS-43", _(
            "Decide first on the explanations of the tenders whose price looked abnormally "
            "low."))
    ranking = score(sp)
    if not ranking or not ranking[0]["admissible"]:
        sp.status, sp.scores = ProcurementStatus.UNSUCCESSFUL, ranking
        sp.save(update_fields=["status", "scores"])
        _record("food.procurement_unsuccessful", sp, by, actor)
        return sp
    winner = Tender.objects.select_related("operator").get(pk=ranking[0]["tender"])
    sp.status, sp.scores, sp.awarded_tender, sp.awarded_at = (ProcurementStatus.AWARDED,
                                                              ranking, winner, at)
    sp.award_notice_due = deadlines.in_days(sp.dps.city.calendar, at, AWARD_NOTICE_DAYS)
    sp.save()
    tenderers = Operator.objects.filter(tenders__procurement=sp,
                                        tenders__status=TenderStatus.OPENED).distinct().order_by("pk")
    # DPS-60 (Art. 55): each tenderer is told the decision, the winner and its score, and
    # its own rank, score or reason; not the other tenderers' names or figures.
    rows = {r["operator"]: r for r in ranking}
    for o in tenderers:
        own = rows.get(o.name, {})
        send(sp.dps, "award_decision", sender=actor or audit.actor_label(by) or "buyer",
             recipients=[address(o)], subject=f"{sp.title}: award decision",
             body=json.dumps({**titled(sp), "winner": winner.operator.name,
                              "winner_total": ranking[0]["total"], "tenders": len(ranking),
                              "won": o.pk == winner.operator_id, "rank": own.get("rank"),
                              "total": own.get("total"), "admissible": own.get("admissible"),
                              "why": own.get("why")}, ensure_ascii=False), at=at)
    _record("food.awarded", sp, by, actor, obj=winner, operator=winner.operator_id,
            total=ranking[0]["total"])
    return sp


@transaction.atomic
def send_award_notice(sp: SpecificProcurement, *, at: datetime, by: Person | None = None,
                      actor: str = "") -> SpecificProcurement:
    """Send the contract award notice (DPS-62, INV-7): the winner, the value and the number of
    tenders, as a stored procedural message; its OCDS award release is in the open data."""
    sp = SpecificProcurement.objects.select_for_update(of=("self",)).select_related(
        "dps", "awarded_tender__operator").get(pk=sp.pk)
    if sp.status != ProcurementStatus.AWARDED or sp.awarded_tender is None:
        raise Conflict(_("A contract award notice follows an award."))
    if sp.award_notice_sent_at is not None:
        raise Conflict(_("The contract award notice was sent already."))
    tenders = sp.tenders.filter(status=TenderStatus.OPENED).count()
    value = sum((c.value for c in sp.contracts.all()), Decimal(0))
    send(sp.dps, "contract_award_notice", sender=actor or audit.actor_label(by) or "buyer",
         recipients=[law.require_profile(sp.dps.city).notice_portal],
         subject=f"{sp.title}: contract award notice",
         body=json.dumps({"procurement": sp.reference, "dps": sp.dps.reference,
                          "winner": sp.awarded_tender.operator.name,
                          "registration": sp.awarded_tender.operator.registration,
                          "awarded_at": sp.awarded_at.isoformat() if sp.awarded_at else None,
                          "contracts_value": str(value or sp.estimated_value),
                          "tenders": tenders}, ensure_ascii=False), at=at)
    sp.award_notice_sent_at = at
    sp.save(update_fields=["award_notice_sent_at"])
    _record("food.award_notice_sent", sp, by, actor,
            late=bool(sp.award_notice_due and at > sp.award_notice_due))
    return sp


# -- clarifications ---------------------------------------------------------------------------

ANSWER_DAYS_BEFORE = 6  # DPS-42 (Art. 53(2))


@transaction.atomic
def ask(sp: SpecificProcurement, operator: Operator, question: str, *, at: datetime,
        by: Person | None = None, actor: str = "") -> Clarification:
    sp = SpecificProcurement.objects.select_for_update().select_related("dps").get(pk=sp.pk)
    if sp.status != ProcurementStatus.TENDERING or sp.tender_deadline is None \
            or at >= sp.tender_deadline:
        raise Conflict(_("Questions are asked while the procurement takes tenders."))
    if not sp.invitees.filter(pk=operator.pk).exists():
        raise RuleConflict("DPS-40", _("Only the invited suppliers can ask questions."))
    if not question.strip():
        raise FormRejected([(_("Question"), _("write your question."))])
    asked = Clarification.objects.create(procurement=sp, operator=operator,
                                         question=question.strip(), asked_at=at)
    _record("food.question", sp, by, actor, obj=asked, operator=operator.pk)
    return asked


@transaction.atomic
def answer(clarification: Clarification, text: str, *, at: datetime,
           extend_to: datetime | None = None, by: Person | None = None,
           actor: str = "") -> Clarification:
    """Answer a question to every invitee alike. An answer later than 6 days before the
    deadline needs the deadline extended so that 6 days remain (DPS-42)."""
    clarification = Clarification.objects.select_for_update().get(pk=clarification.pk)
    sp = SpecificProcurement.objects.select_for_update().select_related("dps").get(
        pk=clarification.procurement_id)
    if clarification.answered_at is not None:
        raise Conflict(_("The question is answered already."))
    if sp.status != ProcurementStatus.TENDERING or sp.tender_deadline is None:
        raise Conflict(_("The procurement no longer takes tenders."))
    if not text.strip():
        raise FormRejected([(_("Answer"), _("write the answer."))])
    # 6 days left after the answer
    needed = deadlines.in_days(sp.dps.city.calendar, at, ANSWER_DAYS_BEFORE)
    if needed > sp.tender_deadline or extend_to is not None:
        if extend_to is None:
            raise RuleConflict("DPS-42", _(
                "An answer less than %(days)s days before the deadline needs the deadline "
                "extended: give a new deadline at %(needed)s or later.") % {
                    "days": ANSWER_DAYS_BEFORE, "needed": local_time(sp.dps, needed)})
        if extend_to < max(needed, sp.tender_deadline):
            raise RuleConflict("DPS-42", _(
                "The new deadline must leave at least %(days)s days after the answer and not "
                "be earlier than the old one.") % {"days": ANSWER_DAYS_BEFORE})
        sp.tender_deadline = extend_to
        sp.save(update_fields=["tender_deadline"])
    clarification.answer, clarification.answered_at = text.strip(), at
    clarification.save(update_fields=["answer", "answered_at"])
    send(sp.dps, "clarification", sender=actor or audit.actor_label(by) or "buyer",
         recipients=[address(o) for o in sp.invitees.order_by("pk")],
         subject=f"{sp.title}: clarification",
         body=json.dumps({**titled(sp), "question": clarification.question,
                          "answer": clarification.answer,
                          "deadline": sp.tender_deadline.isoformat()}, ensure_ascii=False),
         at=at)
    _record("food.answer", sp, by, actor, obj=clarification,
            deadline=sp.tender_deadline.isoformat(), extended=extend_to is not None)
    return clarification
