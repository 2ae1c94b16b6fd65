"""The registration POST: one light request (303 to the status page), the e-mail task written with the registration."""

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from crpv.core.models import AuditEntry
from crpv.events import operations
from crpv.events.models import EventQuestion, QuestionKind, Registration, RegistrationStatus

from .conftest import make_event, person_data

pytestmark = pytest.mark.django_db

FORM = {"first_name": "Alex", "last_name": "Martin", "email": "alex@ville.example"}


@pytest.fixture
def database_queue(settings):
    """The production task backend: tasks are rows of this database."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_post_answers_303_without_rendering_and_the_status_page_shows_the_result(client):
    event = make_event(capacity=1)
    response = client.post(event.get_absolute_url(), FORM)
    assert response.status_code == 303 and response["Location"].startswith("/evenements/inscription/")
    assert not response.content and not getattr(response, "templates", None)
    page = client.get(response["Location"]).content.decode()
    assert "est confirmée" in page and "alex@ville.example" in page
    second = client.post(event.get_absolute_url(), {**FORM, "email": "sam@ville.example"})
    assert "liste d'attente" in client.get(second["Location"]).content.decode()


def test_post_queries_with_the_database_queue(client, database_queue, django_assert_num_queries):
    """Event (with its last end and number of questions) read in one statement; the e-mail task
    row is written inside the registration's transaction: one write transaction per POST."""
    event = make_event(capacity=5)
    # savepoint (the test's transaction) — event; person lookup; [savepoint,] INSERT person[, release];
    # UPDATE seat; INSERT registration; one audit entry; INSERT task; release.
    expected = 9 if connection.vendor == "sqlite" else 11
    with django_assert_num_queries(expected):
        response = client.post(event.get_absolute_url(), FORM)
    assert response.status_code == 303
    registration = Registration.objects.get()
    task = DBTaskResult.objects.get()
    assert task.task_path == "crpv.events.tasks.send_registration_email"
    assert task.args_kwargs["args"] == [registration.pk, "confirmation"]
    assert AuditEntry.objects.filter(action="events.registration_created").count() == 1


def test_the_task_row_is_rolled_back_with_the_registration(database_queue):
    event = make_event(capacity=5)
    seen = []

    def register_then_fail():
        with transaction.atomic():
            operations.register_participant(event=event, person_data=person_data(1))
            seen.append(DBTaskResult.objects.count())  # written, not visible to the worker before commit
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        register_then_fail()
    assert seen == [1]
    assert DBTaskResult.objects.count() == 0 and Registration.objects.count() == 0


def test_other_task_backends_still_run_after_commit(event, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        operations.register_participant(event=event, person_data=person_data(1))
    assert len(callbacks) == 1 and mailoutbox == []


def test_post_with_questions_reads_them_once_and_stores_the_answers(client, django_assert_max_num_queries):
    event = make_event(capacity=5)
    question = EventQuestion.objects.create(
        event=event, label="Fonction", kind=QuestionKind.TEXT, person_field="function_title"
    )
    with django_assert_max_num_queries(12):
        response = client.post(event.get_absolute_url(), {**FORM, f"q_{question.pk}": "cheffe de projet"})
    assert response.status_code == 303
    registration = Registration.objects.select_related("person").get()
    assert registration.answers[str(question.pk)]["value"] == "cheffe de projet"
    assert registration.person.function_title == "cheffe de projet"


def test_post_to_an_event_that_took_place_is_refused(client):
    event = make_event(capacity=5, start=timezone.now() - datetime.timedelta(days=3))
    response = client.post(event.get_absolute_url(), FORM)
    assert response.status_code == 409 and "a eu lieu" in response.content.decode()
    assert Registration.objects.count() == 0


def test_post_to_an_unknown_or_draft_event_is_404(client):
    assert client.post("/evenements/inconnu/", FORM).status_code == 404
    draft = make_event(status="brouillon")
    assert client.post(draft.get_absolute_url(), FORM).status_code == 404


def test_registration_closed_by_date_is_read_from_the_raw_row(client):
    event = make_event(capacity=5, registration_closes_at=timezone.now() - datetime.timedelta(hours=1))
    response = client.post(event.get_absolute_url(), FORM)
    assert response.status_code == 409 and "closes" in response.content.decode()
    assert Registration.objects.filter(status=RegistrationStatus.CONFIRMED).count() == 0
