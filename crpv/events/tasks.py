"""Background tasks (Tasks API): e-mails, enqueued after commit by operations."""

from django_tasks import task


@task()
def send_registration_email(registration_id: int, kind: str):
    from .emails import registration_message
    from .models import Registration

    registration = Registration.objects.select_related("event", "person").filter(pk=registration_id).first()
    if registration is None or not registration.person.email:
        return 0
    return registration_message(registration, kind).send()


@task()
def send_invitation_email(invitation_id: int, kind: str):
    from .emails import invitation_message
    from .models import Invitation

    invitation = Invitation.objects.select_related("event", "person").filter(pk=invitation_id).first()
    if invitation is None or not invitation.person.email:
        return 0
    return invitation_message(invitation, kind).send()
