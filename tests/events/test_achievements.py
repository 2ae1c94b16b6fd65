import datetime

import pytest
from django.utils import timezone

from crpv.events import operations
from crpv.programme import achievements
from crpv.programme.models import Action, Axis, Programme, Target

from .conftest import make_event, person_data

pytestmark = pytest.mark.django_db


def test_programme_targets_count_what_events_achieved(django_assert_max_num_queries):
    programme = Programme.objects.create(year=2025)
    axis = Axis.objects.create(programme=programme, number=4, roman="IV", title="Éducation")
    action = Action.objects.create(axis=axis, number=2, position=1, title="Cités éducatives")
    past = timezone.now() - datetime.timedelta(days=30)
    day = make_event(title="Journée CPO", format="journee", mode="presentiel", start=past, hours=7, capacity=30)
    webinar = make_event(title="Webinaire mixité", start=past, hours=1.5)
    make_event(title="Webinaire à venir")  # not held yet
    make_event(title="Brouillon", status="brouillon", start=past)
    for event in (day, webinar):
        event.actions.add(action)
    for n in range(3):
        operations.register_participant(event=day, person_data=person_data(n))
    targets = {
        unit: Target.objects.create(action=action, position=i, quantity=2, unit=unit)
        for i, unit in enumerate(["demi_journee", "journee", "session", "webinaire", "evenement", "participant"], 1)
    }
    in_person = Target.objects.create(action=action, position=9, quantity=1, unit="session", format="presentiel")
    with django_assert_max_num_queries(4):
        achieved = achievements.achieved_for([*targets.values(), in_person])
    assert achieved[targets["demi_journee"].pk] == 3  # 2 (7 h day) + 1 (1 h 30 webinar)
    assert achieved[targets["journee"].pk] == 1
    assert achieved[targets["session"].pk] == 2
    assert achieved[targets["webinaire"].pk] == 1
    assert achieved[targets["evenement"].pk] == 2
    assert achieved[targets["participant"].pk] == 3
    assert achieved[in_person.pk] == 1
