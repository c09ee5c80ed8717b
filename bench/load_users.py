"""The simulated people of bench/load.py (its locustfile): buyers, suppliers, market visitors
and organisers, each logged in through the real form as an account of their own.

bench/load.py runs it: `locust -f bench/load_users.py` with EXPOMATCH_LOAD_ACCOUNTS (the
accounts it created) and EXPOMATCH_LOAD_WHOLE_RUN (where the whole run's counts go).
"""

import json
import os
import random
import re
import sys
from pathlib import Path

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import PASSWORD, csrf_of, forms_of  # noqa: E402  (bench/ is not a package)

_whole_run = {"requests": 0, "failures": 0}


@events.request.add_listener
def _count(exception=None, **_kw) -> None:
    """Every request of the run, the arrival of the users included (stats are reset
    once everyone is in)."""
    _whole_run["requests"] += 1
    _whole_run["failures"] += exception is not None


@events.quitting.add_listener
def _save(**_kw) -> None:
    Path(os.environ["EXPOMATCH_LOAD_WHOLE_RUN"]).write_text(json.dumps(_whole_run))


ACCOUNTS = json.loads(Path(os.environ["EXPOMATCH_LOAD_ACCOUNTS"]).read_text())
# "mixed": half the product edits change the text (re-embedding), half only the MOQ;
# "text": every edit changes the text.
EDITS = os.environ.get("EXPOMATCH_LOAD_EDITS", "mixed")
THINK = tuple(float(x) for x in os.environ.get("EXPOMATCH_LOAD_THINK", "5,15").split(","))
TIMEOUT = 30  # seconds: a request that takes longer counts as an error
DESCRIPTIONS = ["Gluten-free, ready in five minutes.", "Export packaging, HACCP plant.",
                "Private label available for supermarkets.", "Shelf life of 12 months.",
                "Made from Korean-grown ingredients."]
_pools = {role: list(people) for role, people in ACCOUNTS["people"].items()}
for pool in _pools.values():
    random.shuffle(pool)


def _token(page: str) -> str | None:
    try:
        return csrf_of(page)
    except ValueError:
        return None


class Person(HttpUser):
    abstract = True
    wait_time = between(*THINK)  # seconds a person spends reading a page before the next
    role = ""

    def on_start(self) -> None:
        self.me = _pools[self.role].pop() if _pools[self.role] else \
            random.choice(ACCOUNTS["people"][self.role])
        self.event_id = ACCOUNTS["event_id"]
        while not self.log_in():  # each failed attempt is counted by locust
            self.wait()

    def log_in(self) -> bool:
        token = _token(self.get("/login", "log in"))
        if token is None:
            return False
        form = {"csrf_token": token, "email": self.me["email"], "password": PASSWORD}
        with self.client.post("/login", name="log in", data=form, catch_response=True,
                              timeout=TIMEOUT) as response:
            if "/logout" in (response.text or ""):
                return True
            response.failure("log-in refused")
            return False

    def get(self, url: str, name: str) -> str:
        return self.client.get(url, name=name, timeout=TIMEOUT).text or ""

    def post_form(self, url: str, data: dict, name: str, page: str | None = None) -> str:
        """POST with the CSRF token of `page` (fetched from `url` when not given)."""
        token = _token(page if page is not None else self.get(url, name))
        if token is None:  # the page failed (counted by locust) or offers no form any more
            return ""
        with self.client.post(url, data={**data, "csrf_token": token}, name=name,
                              catch_response=True, timeout=TIMEOUT) as response:
            if response.status_code >= 400:
                response.failure(f"HTTP {response.status_code}")
            return response.text or ""


class Buyer(Person):
    weight = ACCOUNTS["mix"]["buyer"]
    role = "buyer"

    @task(4)
    def browse_matches(self) -> None:
        page = self.get(f"/buyers/{self.me['buyer_id']}/matches", "match list")
        suppliers = re.findall(r'href="/suppliers/(\d+)"', page)
        if suppliers:
            self.get(f"/suppliers/{random.choice(suppliers[:10])}", "match detail")

    @task(1)
    def request_meeting(self) -> None:
        page = self.get(f"/buyers/{self.me['buyer_id']}/matches", "match list")
        links = re.findall(rf'href="(/events/{self.event_id}/request/\d+/\d+)"', page)
        if links:
            url = random.choice(links)
            self.post_form(url, {"message": "We would like to meet at the show."},
                           "meeting request")


class Supplier(Person):
    weight = ACCOUNTS["mix"]["supplier"]
    role = "supplier"

    @task(3)
    def buyers_for_me(self) -> None:
        self.get(f"/companies/{self.me['company_id']}/matches", "buyers for supplier")

    @task(1)
    def edit_product(self) -> None:
        url = f"/products/{random.choice(self.me['product_ids'])}/edit"
        page = self.get(url, "product edit")
        fields = next((f for _, f in forms_of(page) if "description_ko" in f), None)
        if fields is None:
            return
        if EDITS == "text" or random.random() < 0.5:
            fields["description_en"] = random.choice(DESCRIPTIONS)
        else:
            fields["moq"] = f"{random.randint(1, 50) * 100} boxes"
        self.post_form(url, fields, "product edit", page=page)

    @task(1)
    def answer_a_request(self) -> None:
        url = f"/events/{self.event_id}/requests"
        page = self.get(url, "request answer")
        answers = [(action, fields) for action, fields in forms_of(page)
                   if action.endswith("/answer")]
        if answers:
            action, fields = random.choice(answers)
            slots = re.findall(r'<option value="(\d+)"', page) if "slot" in fields else []
            fields = {"accept": "1", **({"slot": random.choice(slots)} if slots else {})}
            self.post_form(action, fields, "request answer", page=page)


class Visitor(Person):
    weight = ACCOUNTS["mix"]["visitor"]
    role = "visitor"

    @task(3)
    def browse_market(self) -> None:
        page = self.get("/market", "market")
        listings = re.findall(r'href="/market/listings/(\d+)"', page)
        if listings:
            self.get(f"/market/listings/{random.choice(listings)}", "market listing")

    @task(1)
    def order(self) -> None:
        url = f"/market/listings/{random.choice(ACCOUNTS['listing_ids'])}"
        page = self.get(url, "market listing")
        if 'name="quantity"' in page:
            self.post_form(f"{url}/order", {"quantity": str(random.randint(1, 3))},
                           "order", page=page)


class Organiser(Person):
    weight = ACCOUNTS["mix"]["organiser"]
    role = "organiser"

    @task
    def dashboard(self) -> None:
        self.get(f"/events/{self.event_id}/dashboard", "dashboard")
