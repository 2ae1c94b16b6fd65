"""Personal-data rights (RGPD): signed links, self-service, export, erasure.

- `request_access_link` sends, only to an address that is in the base, a
  signed link to the self-service pages (`make_token("access", person)`).
- `update_details`, `set_subscription`, `reconfirm` are the person's own
  actions: each one appends to the consent register and moves
  `last_own_action_at`, the start of the retention period.
- `export_person_data` gathers everything about one person, following every
  relation that points at `Person`, so the apps added later are included.
- `erase_person` anonymises: identity and free text go, the structure, role,
  territories and dates stay for the statistics (panorama), the address goes
  on the suppression list so that no import brings it back.

Tokens carry the person's id and the start of the fingerprint of the address
the link was sent to: a link stops working when the address changes or the
person is erased. E-mails are built with `EmailMessage` and sent by a task
after commit.
"""

import datetime
import json

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from crpv.core.exports import write_csv
from crpv.core.links import site_url
from crpv.core.models import AuditEntry

from .models import ConsentChannel, ConsentEvent, ConsentKind, Person, SuppressionEntry, SuppressionReason
from .validators import email_fingerprint, normalise_email

# The version of the information notice and of the consent wording shown on the
# self-service pages; recorded with every consent event (proof, RGPD art. 7(1)).
TEXT_VERSION = "mes-donnees-2025-1"

NEWSLETTER = "lettre d'information"
INVITATIONS = "invitations"
PURPOSES = {
    NEWSLETTER: "Recevoir la lettre d'information mensuelle",
    INVITATIONS: "Recevoir les invitations aux événements (webinaires, journées, cycles de qualification)",
}

TOKEN_AGES = {
    "access": datetime.timedelta(days=7),
    "reconfirm": datetime.timedelta(days=90),
}
# No second access e-mail to the same person within this delay (mailbox flooding).
ACCESS_RESEND_DELAY = datetime.timedelta(minutes=10)

# Identity and free text blanked by the erasure.
ERASED_PERSON_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile_phone",
    "function_title",
    "notes",
    "source",
]
# Related rows that are evidence and never change (append-only).
_NEVER_BLANKED = {ConsentEvent}


class BadToken(Exception):
    def __init__(self, message, *, expired=False):
        super().__init__(message)
        self.message = message
        self.expired = expired


# --- signed links ----------------------------------------------------------------


def _address_tag(email):
    return email_fingerprint(email)[:16] if email else ""


def make_token(purpose, person):
    if purpose not in TOKEN_AGES:
        raise ValueError(purpose)
    return signing.dumps({"p": person.pk, "a": _address_tag(person.email)}, salt=f"crpv.contacts.{purpose}")


def read_token(purpose, token):
    """The person a token designates, or `BadToken` (French message)."""
    invalid = BadToken("Ce lien n'est pas valide : il a peut-être été mal copié.")
    try:
        data = signing.loads(token, salt=f"crpv.contacts.{purpose}", max_age=TOKEN_AGES[purpose])
    except signing.SignatureExpired as exc:
        raise BadToken("Ce lien a expiré.", expired=True) from exc
    except signing.BadSignature as exc:
        raise invalid from exc
    if not isinstance(data, dict) or not isinstance(data.get("p"), int) or not data.get("a"):
        raise invalid
    person = Person.objects.filter(pk=data["p"], is_anonymised=False).first()
    if person is None or _address_tag(person.email) != data["a"]:
        raise BadToken("Ce lien n'est plus valable : les données ont changé depuis son envoi.")
    return person


def link(purpose, person):
    name = {"access": "contacts_public:home", "reconfirm": "contacts_public:reconfirm"}[purpose]
    return site_url() + reverse(name, args=[make_token(purpose, person)])


# --- e-mails ---------------------------------------------------------------------

SUBJECTS = {
    "access": "Accéder à vos données personnelles",
    "repermission": "Souhaitez-vous rester dans notre base de contacts ?",
}


def privacy_message(person, kind):
    purpose = {"access": "access", "repermission": "reconfirm"}[kind]
    context = {
        "person": person,
        "centre": settings.CRPV_CENTRE,
        "url": link(purpose, person),
        "days": TOKEN_AGES[purpose].days,
        "request_url": site_url() + reverse("contacts_public:request"),
    }
    return EmailMessage(
        subject=f"{SUBJECTS[kind]} — {settings.CRPV_CENTRE['name']}",
        body=render_to_string(f"contacts/privacy/emails/{kind}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
    )


@task()
def send_privacy_email(person_id: int, kind: str):
    person = Person.objects.filter(pk=person_id, is_anonymised=False).exclude(email="").first()
    if person is None:
        return 0
    return privacy_message(person, kind).send()


def _send_after_commit(person, kind):
    person_id = person.pk
    transaction.on_commit(lambda: send_privacy_email.enqueue(person_id, kind))


# --- the person's own actions ---------------------------------------------------


def _consent(person, kind, *, channel, acting_user=None, purpose="", text_version=TEXT_VERSION, at=None):
    return ConsentEvent.objects.create(
        person=person,
        kind=kind,
        purpose=purpose,
        channel=channel,
        text_version=text_version,
        at=at or timezone.now(),
        actor=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )


def mark_own_action(person, at=None):
    """Restart the retention period: the person did something themselves."""
    at = at or timezone.now()
    Person.objects.filter(pk=person.pk).update(last_own_action_at=at)
    person.last_own_action_at = at


@transaction.atomic
def request_access_link(*, email, now=None):
    """Send the self-service link if `email` belongs to someone in the base.

    Returns True when a message was queued. The caller must answer the same
    way either way (no enumeration of the base). Asking is not an action of
    the person (anyone can type an address): the retention clock is unchanged.
    """
    now = now or timezone.now()
    email = normalise_email(email)
    person = Person.objects.active().with_email(email).first() if email else None
    if person is None:
        return False
    recent = ConsentEvent.objects.filter(
        person=person, kind=ConsentKind.ACCESS_REQUEST, at__gte=now - ACCESS_RESEND_DELAY
    ).exists()
    if recent:
        return False
    _consent(person, ConsentKind.ACCESS_REQUEST, channel=ConsentChannel.WEB_FORM, at=now)
    AuditEntry.record(None, "contacts.privacy_link_sent", person)
    _send_after_commit(person, "access")
    return True


def subscriptions(person):
    """{purpose: subscribed?} from the latest subscription or withdrawal per purpose."""
    state = dict.fromkeys(PURPOSES, False)
    events = ConsentEvent.objects.filter(
        person=person,
        purpose__in=list(PURPOSES),
        kind__in=[ConsentKind.SUBSCRIPTION, ConsentKind.WITHDRAWAL, ConsentKind.OBJECTION],
    ).order_by("at", "pk")
    for purpose, kind in events.values_list("purpose", "kind"):
        state[purpose] = kind == ConsentKind.SUBSCRIPTION
    return state


@transaction.atomic
def set_subscriptions(*, person, wanted, channel, acting_user=None, own_action=True, text_version=TEXT_VERSION):
    """Subscribe to or withdraw from each purpose of `wanted` ({purpose: bool}).

    One consent event per purpose whose state changes; returns the purposes changed.
    """
    current = subscriptions(person)
    changed = []
    for purpose, value in wanted.items():
        if purpose not in PURPOSES:
            raise ValueError(purpose)
        if current[purpose] == bool(value):
            continue
        kind = ConsentKind.SUBSCRIPTION if value else ConsentKind.WITHDRAWAL
        _consent(person, kind, channel=channel, acting_user=acting_user, purpose=purpose, text_version=text_version)
        changed.append(purpose)
    if changed:
        AuditEntry.record(acting_user, "contacts.subscriptions_changed", person, purposes=changed)
    if own_action:
        mark_own_action(person)
    return changed


SELF_SERVICE_FIELDS = ["first_name", "last_name", "email", "phone", "mobile_phone", "function_title"]


@transaction.atomic
def update_details(*, person, data, acting_user=None, channel=ConsentChannel.WEB_FORM, own_action=True):
    """Rectification (RGPD art. 16) of the fields in `data`; returns the names changed.

    The caller validates `data` (a form); the audit entry lists field names,
    never values.
    """
    stored = Person.objects.select_for_update().get(pk=person.pk)  # a ModelForm may have changed `person`
    changed = [name for name in SELF_SERVICE_FIELDS if name in data and getattr(stored, name) != data[name]]
    for name in changed:
        setattr(stored, name, data[name])
    if changed:
        stored.save(update_fields=[*changed, "folded_name", "email", "updated_at"])
        for name in [*changed, "folded_name", "email", "updated_at"]:
            setattr(person, name, getattr(stored, name))
        _consent(person, ConsentKind.RECTIFICATION, channel=channel, acting_user=acting_user)
        AuditEntry.record(acting_user, "contacts.person_rectified", person, fields=changed)
    if own_action:
        mark_own_action(person)
    return changed


@transaction.atomic
def reconfirm(*, person, now=None):
    """The person answered the re-permission message: they stay in the base."""
    now = now or timezone.now()
    _consent(person, ConsentKind.RECONFIRMATION, channel=ConsentChannel.WEB_FORM, at=now)
    mark_own_action(person, now)
    AuditEntry.record(None, "contacts.reconfirmed", person)


@transaction.atomic
def request_repermission(*, person, now=None):
    """Retention step 1: ask the person whether they want to stay (signed link).

    Without an address nobody can be asked: the request is recorded all the
    same, so that the grace period runs and step 2 applies.
    """
    now = now or timezone.now()
    Person.objects.filter(pk=person.pk).update(repermission_sent_at=now)
    person.repermission_sent_at = now
    _consent(
        person,
        ConsentKind.REPERMISSION_REQUEST,
        channel=ConsentChannel.EMAIL if person.email else ConsentChannel.STAFF,
        at=now,
    )
    AuditEntry.record(None, "contacts.repermission_requested", person, by_email=bool(person.email))
    if person.email:
        _send_after_commit(person, "repermission")


# --- access and portability (RGPD art. 15 and 20) ----------------------------------


def _value(obj, field):
    if field.is_relation:
        related = getattr(obj, field.name)
        return None if related is None else str(related)
    return field.value_from_object(obj)


def _record(obj, skip=()):
    return {
        str(field.verbose_name): _value(obj, field)
        for field in obj._meta.concrete_fields
        if field.name not in skip and not (field.is_relation and field.related_model is Person)
    }


def _related_sections(person):
    """Every relation that points at `Person` (this app and the apps added later)."""
    for relation in Person._meta.related_objects:
        if relation.many_to_many:
            continue  # networks: through Membership, which is a relation of its own
        accessor = relation.get_accessor_name()
        model = relation.related_model
        if relation.one_to_one:
            obj = getattr(person, accessor, None)
            rows = [obj] if obj is not None else []
        else:
            rows = list(getattr(person, accessor).all())
        label = str(model._meta.verbose_name_plural)
        if relation.field.name != "person":
            label = f"{label} ({relation.field.verbose_name})"
        yield label, model, rows


def record_view(*, person, acting_user):
    """Trace that a member of staff opened the person's personal-data page."""
    AuditEntry.record(acting_user, "contacts.person_viewed", person)


def export_person_data(*, person, acting_user=None):
    """Everything the base holds about `person`, as {section: [records]}.

    Writes an audit entry (an export is a read worth tracing). Staff exports
    pass `acting_user`; the person's own download passes None.
    """
    skip = {"folded_name"}
    data = {"personne": [_record(person, skip)]}
    for field in Person._meta.many_to_many:
        values = [str(v) for v in getattr(person, field.name).all()]
        data["personne"][0][str(field.verbose_name)] = values
    data["abonnements"] = [
        {"finalité": purpose, "abonné·e": subscribed} for purpose, subscribed in subscriptions(person).items()
    ]
    for label, _model, rows in _related_sections(person):
        data[label] = [_record(row, {"key"}) for row in rows]
    data["journal des actions"] = [
        {"date": entry.at, "action": entry.action}
        for entry in AuditEntry.objects.filter(object_type=Person._meta.label_lower, object_id=str(person.pk))
    ]
    AuditEntry.record(acting_user, "contacts.person_exported", person)
    return data


def export_json(data):
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def export_csv(data):
    """One line per value: section, item number, field, value (formula-safe, `;`, BOM)."""
    rows = []
    for section, records in data.items():
        for number, record in enumerate(records, start=1):
            for name, value in record.items():
                if isinstance(value, list):
                    value = " | ".join(str(v) for v in value)
                elif isinstance(value, dict):
                    value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
                elif isinstance(value, (datetime.date, datetime.datetime)):
                    value = value.isoformat()
                rows.append([section, number, name, value])
    return write_csv(["rubrique", "élément", "champ", "valeur"], rows)


# --- erasure (RGPD art. 17) ---------------------------------------------------------


def _free_text_fields(model):
    """Fields of a related row that may hold anything about the person."""
    names = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, models.JSONField):
            names[field.name] = field.get_default()
        elif (
            isinstance(field, (models.TextField, models.CharField))
            and field.blank
            and not field.choices
            and field.editable
            and not field.unique
        ):
            names[field.name] = ""
    return names


@transaction.atomic
def erase_person(*, person, acting_user, reason="", channel=ConsentChannel.STAFF):
    """Anonymise `person` and keep their address out of every future import.

    Blanked: names, address, phones, job title, notes, source, and the free
    text of every row that points at the person (registration answers,
    membership notes…). Kept: positions (structure, role, dates), networks,
    territories, legal basis, dates, registrations (their counts): the
    statistics stay true. The consent register keeps its entries, and the
    audit log keeps its entries with the person's name replaced. Idempotent.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.is_anonymised:
        return person
    now = timezone.now()
    if person.email:
        SuppressionEntry.objects.get_or_create(
            email_sha256=email_fingerprint(person.email), defaults={"reason": SuppressionReason.ERASURE, "at": now}
        )
    for name in ERASED_PERSON_FIELDS:
        setattr(person, name, "")
    person.is_anonymised = True
    person.anonymised_at = now
    person.save()
    renamed = {Person._meta.label_lower: {str(person.pk): str(person)}}
    for _label, model, rows in _related_sections(person):
        if model in _NEVER_BLANKED or not rows:
            continue
        blank = _free_text_fields(model)
        ids = [row.pk for row in rows]
        if blank:
            model._default_manager.filter(pk__in=ids).update(**blank)
        for row in model._default_manager.filter(pk__in=ids):
            renamed.setdefault(model._meta.label_lower, {})[str(row.pk)] = str(row)[:255]
    # The audit log keeps what happened, not who it happened to.
    for object_type, reprs in renamed.items():
        for object_id, text in reprs.items():
            AuditEntry.objects.filter(object_type=object_type, object_id=object_id).update(object_repr=text)
    _consent(person, ConsentKind.ERASURE_REQUEST, channel=channel, acting_user=acting_user, at=now)
    AuditEntry.record(acting_user, "contacts.person_erased", person, reason=reason)
    return person
