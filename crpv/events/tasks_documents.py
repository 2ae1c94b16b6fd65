"""Background tasks (Tasks API) for attendance documents and surveys.

Enqueued after commit by `attestations.request_attestations` and
`surveys.send_survey` and `surveys.remind_survey`.
"""

from django_tasks import task


@task()
def generate_attestations(run_id: int):
    from .attestations import generate_run
    from .models import AttestationRun

    run = AttestationRun.objects.filter(pk=run_id).first()
    if run is None:
        return 0
    return generate_run(run).done


@task()
def send_survey_emails(survey_id: int, delivery_ids: list[int]):
    """Send the survey's queued deliveries among `delivery_ids`, one by one, each outcome recorded."""
    from .models import Survey
    from .surveys import deliver_survey

    survey = Survey.objects.select_related("event").filter(pk=survey_id).first()
    if survey is None:
        return 0
    return deliver_survey(survey, delivery_ids)
