"""Login throttling: per account and per address, with a clear lock-out page and an unlock path."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse

from .factories import make_user

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")


def attempt(client, username, password, ip="203.0.113.5"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_an_account_is_locked_after_five_failures_even_from_new_addresses(client):
    make_user(username="redaktur", password="kata-sandi-benar-123")
    for n in range(4):
        assert attempt(client, "redaktur", "salah", ip=f"198.51.100.{n}").status_code == 200
    assert attempt(client, "redaktur", "salah", ip="198.51.100.4").status_code == 429  # the fifth locks
    locked = attempt(client, "redaktur", "kata-sandi-benar-123", ip="198.51.100.99")
    assert locked.status_code == 429
    assert "Terlalu banyak percobaan masuk yang gagal" in locked.content.decode()
    assert "Coba lagi dalam 15 menit" in locked.content.decode()


def test_an_address_is_locked_after_five_failures_across_accounts(client):
    make_user(username="korban", password="kata-sandi-benar-123")
    for n in range(5):
        attempt(client, f"tebakan{n}", "salah")
    assert attempt(client, "korban", "kata-sandi-benar-123").status_code == 429
    assert attempt(client, "korban", "kata-sandi-benar-123", ip="192.0.2.10").status_code == 302


def test_a_correct_login_below_the_limit_works_and_resets_the_count(client):
    make_user(username="editor2", password="kata-sandi-benar-123")
    for _ in range(3):
        attempt(client, "editor2", "salah")
    assert attempt(client, "editor2", "kata-sandi-benar-123").status_code == 302
    assert not AccessAttempt.objects.filter(username="editor2").exists()


def test_an_admin_can_unlock_an_account(client):
    make_user(username="terkunci", password="kata-sandi-benar-123")
    for _ in range(5):
        attempt(client, "terkunci", "salah")
    assert attempt(client, "terkunci", "kata-sandi-benar-123").status_code == 429
    call_command("axes_reset_username", "terkunci")
    call_command("axes_reset_ip", "203.0.113.5")
    assert attempt(client, "terkunci", "kata-sandi-benar-123").status_code == 302


@pytest.mark.parametrize("next_url", ["//evil.example", "https://evil.example/", "/\\evil.example", None])
def test_login_with_an_unsafe_or_no_next_lands_on_the_admin_index(client, next_url):
    make_user(username="redaktur", password="kata-sandi-benar-123")
    data = {"username": "redaktur", "password": "kata-sandi-benar-123"}
    if next_url is not None:
        data["next"] = next_url
    response = client.post(LOGIN, data, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200


def test_login_with_a_safe_next_goes_there(client):
    make_user(username="redaktur", password="kata-sandi-benar-123")
    changelist = reverse("admin:articles_article_changelist")
    data = {"username": "redaktur", "password": "kata-sandi-benar-123", "next": changelist}
    response = client.post(LOGIN, data, REMOTE_ADDR="203.0.113.5")
    assert response["Location"] == changelist
