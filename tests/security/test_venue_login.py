"""Log-in limits at a venue: hundreds of people share the venue's address. Failures count,
successes never; a guesser on the shared address does not lock out people whose browsers have
logged in before, and locks out only itself once it has a device cookie."""

from app.auth.models import Role
from tests.conftest import PASSWORD

VENUE = "203.0.113.50"


def attempt(browser, email, password="wrong password"):
    return browser.post("/login", data={"email": email, "password": password},
                        environ_base={"REMOTE_ADDR": VENUE})


def test_a_guesser_on_the_venue_address_does_not_lock_out_returning_browsers(app, client,
                                                                            make_user):
    visitor = make_user(Role.BUYER)
    # Yesterday, on this phone: a log-in, then a log-out.
    phone = app.test_client()
    assert attempt(phone, visitor.email, PASSWORD).status_code == 302
    phone.post("/logout")
    # Today a guesser on the venue's Wi-Fi tries account after account.
    guesser = app.test_client()
    for number in range(20):
        assert attempt(guesser, f"guess{number}@example.com").status_code == 200
    assert attempt(guesser, "guess99@example.com").status_code == 429
    # The phone still logs in with the right password.
    assert attempt(phone, visitor.email, PASSWORD).status_code == 302


def test_a_device_that_guesses_locks_out_only_itself(app, client, make_user):
    own, other = make_user(Role.SUPPLIER), make_user(Role.BUYER)
    guesser, neighbour = app.test_client(), app.test_client()
    assert attempt(guesser, own.email, PASSWORD).status_code == 302  # its own account
    guesser.post("/logout")
    assert attempt(neighbour, other.email, PASSWORD).status_code == 302
    neighbour.post("/logout")
    for number in range(20):
        attempt(guesser, f"guess{number}@example.com")
    assert attempt(guesser, "guess99@example.com").status_code == 429
    assert attempt(neighbour, other.email, PASSWORD).status_code == 302


def test_successes_never_count(app, client, make_user):
    users = [make_user(Role.BUYER) for _number in range(25)]
    for user in users:  # 25 people logging in at the venue from fresh browsers
        browser = app.test_client()
        assert attempt(browser, user.email, PASSWORD).status_code == 302


def test_a_forged_device_cookie_is_the_address(app, client, make_user):
    user = make_user(Role.BUYER)
    forger = app.test_client()
    forger.set_cookie("login_device", "made-up", path="/login")
    for number in range(20):
        attempt(forger, f"guess{number}@example.com")
    assert attempt(forger, "guess99@example.com").status_code == 429
    assert attempt(app.test_client(), user.email, PASSWORD).status_code == 429  # same address
