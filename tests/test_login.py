"""Login throttling: per account and address (behind proxies too), a lockout that ends, an unlock path."""

import logging
from datetime import timedelta

import pytest
import time_machine
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from .factories import make_user

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")
PASSWORD = "kata-sandi-benar-123"
PROXY = "127.0.0.1"


def attempt(client, username, password, ip="203.0.113.5", forwarded_for=None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


@pytest.mark.parametrize(
    ("count", "remote_addr", "forwarded_for", "client_ip"),
    [
        (0, "203.0.113.5", None, "203.0.113.5"),
        (0, "203.0.113.5", "198.51.100.7", "203.0.113.5"),  # No proxy: the header is the client's own.
        (1, PROXY, "198.51.100.7", "198.51.100.7"),
        (1, PROXY, "10.9.9.9, 192.0.2.1, 198.51.100.7", "198.51.100.7"),  # Spoofed entries on the left.
        (1, PROXY, "not-an-address, 198.51.100.7", "198.51.100.7"),
        (1, PROXY, "198.51.100.7, 10.0.0.8", "10.0.0.8"),  # The proxy's own entry wins, even private.
        (1, PROXY, None, PROXY),  # Not through the proxy: its own address.
        (2, PROXY, "10.9.9.9, 198.51.100.7, 192.0.2.200", "198.51.100.7"),  # CDN, then our proxy.
    ],
)
def test_the_client_address_is_the_one_our_proxies_saw(
    behind_proxies, count, remote_addr, forwarded_for, client_ip
):
    behind_proxies(count)
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert get_client_ip_address(RequestFactory().post(LOGIN, **extra)) == client_ip


def test_behind_a_proxy_an_attackers_failures_do_not_lock_out_the_editor_in_chief(behind_proxies):
    behind_proxies(1)
    make_user(username="pemred", group="Pemimpin Redaksi", password=PASSWORD)
    attacker = "198.51.100.66"
    for _ in range(4):
        assert attempt(Client(), "pemred", "salah", ip=PROXY, forwarded_for=attacker).status_code == 200
    assert attempt(Client(), "pemred", "salah", ip=PROXY, forwarded_for=attacker).status_code == 429
    assert attempt(Client(), "pemred", PASSWORD, ip=PROXY, forwarded_for=attacker).status_code == 429
    # The same account from her own address, through the same proxy.
    assert attempt(Client(), "pemred", PASSWORD, ip=PROXY, forwarded_for="192.0.2.10").status_code == 302


def test_behind_a_proxy_spoofed_forwarded_entries_do_not_rotate_the_address(behind_proxies):
    behind_proxies(1)
    make_user(username="redaktur", password=PASSWORD)
    attacker = "198.51.100.66"
    for n in range(5):
        attempt(Client(), "redaktur", "salah", ip=PROXY, forwarded_for=f"203.0.113.{n}, {attacker}")
    locked = attempt(Client(), "redaktur", PASSWORD, ip=PROXY, forwarded_for=f"203.0.113.99, {attacker}")
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {attacker}


def test_without_a_proxy_the_forwarded_header_is_ignored(behind_proxies):
    behind_proxies(0)
    make_user(username="redaktur", password=PASSWORD)
    for n in range(5):
        attempt(Client(), "redaktur", "salah", ip="203.0.113.5", forwarded_for=f"198.51.100.{n}")
    locked = attempt(Client(), "redaktur", PASSWORD, ip="203.0.113.5", forwarded_for="198.51.100.99")
    assert locked.status_code == 429


def test_an_account_is_locked_after_five_failures_from_one_address(client):
    make_user(username="redaktur", password=PASSWORD)
    for _ in range(4):
        assert attempt(client, "redaktur", "salah").status_code == 200
    assert attempt(client, "redaktur", "salah").status_code == 429  # the fifth locks
    locked = attempt(client, "redaktur", PASSWORD)
    assert locked.status_code == 429
    assert "Terlalu banyak percobaan masuk yang gagal" in locked.content.decode()
    assert "Coba lagi dalam 15 menit" in locked.content.decode()
    assert attempt(client, "redaktur", PASSWORD, ip="192.0.2.10").status_code == 302


def test_the_lockout_ends_after_the_cool_off_even_if_the_victim_keeps_trying(client):
    make_user(username="redaktur", password=PASSWORD)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(5):
            attempt(client, "redaktur", "salah")
        for minutes in (5, 5, 4):  # At 5, 10 and 14 minutes: still locked, and the clock doesn't restart.
            traveller.shift(timedelta(minutes=minutes))
            assert attempt(client, "redaktur", "salah").status_code == 429
            assert attempt(client, "redaktur", PASSWORD).status_code == 429
        traveller.move_to(start + timedelta(minutes=15, seconds=1))
        assert attempt(client, "redaktur", PASSWORD).status_code == 302


def test_a_lockout_is_logged_with_the_username_and_address(client, caplog):
    make_user(username="redaktur", password=PASSWORD)
    with caplog.at_level(logging.WARNING, logger="newsportal.security"):
        for _ in range(5):
            attempt(client, "redaktur", "salah", ip="198.51.100.23")
    lockouts = [r.getMessage() for r in caplog.records if r.name == "newsportal.security"]
    assert lockouts == ["Login locked out: username='redaktur' address=198.51.100.23 path=" + LOGIN]


def test_a_correct_login_below_the_limit_works_and_resets_the_count(client):
    make_user(username="editor2", password=PASSWORD)
    for _ in range(3):
        attempt(client, "editor2", "salah")
    assert attempt(client, "editor2", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="editor2").exists()


def test_an_admin_can_unlock_an_account(client):
    make_user(username="terkunci", password=PASSWORD)
    for _ in range(5):
        attempt(client, "terkunci", "salah")
    assert attempt(client, "terkunci", PASSWORD).status_code == 429
    call_command("axes_reset_username", "terkunci")
    assert attempt(client, "terkunci", PASSWORD).status_code == 302


def test_the_editor_in_chief_sees_recent_lockouts_and_can_unlock(client):
    make_user(username="terkunci", password=PASSWORD)
    for _ in range(5):
        attempt(client, "terkunci", "salah", ip="198.51.100.23")
    chief = Client()
    chief.force_login(make_user(group="Pemimpin Redaksi"))
    lockouts = chief.get(reverse("admin:axes_accessfailurelog_changelist"), {"locked_out__exact": "1"})
    assert lockouts.status_code == 200
    assert "terkunci" in lockouts.content.decode() and "198.51.100.23" in lockouts.content.decode()
    attempts = chief.get(reverse("admin:axes_accessattempt_changelist"))
    assert attempts.status_code == 200 and "198.51.100.23" in attempts.content.decode()
    locked = AccessAttempt.objects.get(username="terkunci")
    unlock = chief.post(reverse("admin:axes_accessattempt_delete", args=[locked.pk]), {"post": "yes"})
    assert unlock.status_code == 302
    assert attempt(client, "terkunci", PASSWORD, ip="198.51.100.23").status_code == 302


def test_an_editor_cannot_see_login_attempts(editor_client):
    assert editor_client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


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
