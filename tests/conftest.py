import pytest


@pytest.fixture
def staff_user(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="camille", password="mot-de-passe-solide", is_staff=True, first_name="Camille", last_name="Martin"
    )
    user.groups.add(Group.objects.get(name="chargé·e de mission"))
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client
