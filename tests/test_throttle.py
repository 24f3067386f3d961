"""Sign-in throttling: repeated wrong passwords lock the name at that address (and a noisy address) for a while."""

from __future__ import annotations

from test_pages import PASSWORD, csrf_of

from api.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_failures_lock_the_name_at_that_address_and_the_lock_expires():
    clock = Clock()
    throttle = LoginThrottle(max_per_user=5, max_per_address=20, window=900, lock_seconds=900, clock=clock)
    for _ in range(4):
        throttle.failed("Zhang", "10.0.0.1")
    assert throttle.locked_for("zhang", "10.0.0.2") == 0  # names compare case-insensitively
    throttle.failed("zhang", "10.0.0.1")
    assert throttle.locked_for("zhang", "10.0.0.1") == 900
    assert throttle.locked_for("zhang", "10.0.0.9") == 0  # the owner elsewhere is not locked out (issue 14)
    assert throttle.message(899) == "登录失败次数过多，请 15 分钟后再试"
    assert throttle.locked_for("li", "10.0.0.9") == 0  # another name elsewhere is not affected
    clock.now += 900
    assert throttle.locked_for("zhang", "10.0.0.1") == 0


def test_failures_outside_the_window_do_not_count_and_success_forgets_them():
    clock = Clock()
    throttle = LoginThrottle(max_per_user=3, window=60, clock=clock)
    throttle.failed("a", "x")
    throttle.failed("a", "x")
    clock.now += 61
    throttle.failed("a", "x")
    assert throttle.locked_for("a", "x") == 0
    throttle.failed("a", "x")
    throttle.succeeded("a", "x")
    throttle.failed("a", "x")
    assert throttle.locked_for("a", "x") == 0


def test_one_address_trying_many_names_is_locked_too():
    throttle = LoginThrottle(max_per_user=5, max_per_address=20, clock=Clock())
    for i in range(20):
        throttle.failed(f"user{i}", "10.9.9.9")
    assert throttle.locked_for("someone-else", "10.9.9.9") > 0
    assert throttle.locked_for("someone-else", "10.0.0.1") == 0


def test_the_login_page_locks_after_five_wrong_passwords_even_for_the_right_one(app):
    clock = Clock()
    app.extensions["kgmatch"].login_throttle.clock = clock
    app.extensions["kgmatch"].users.add_user("zhang", "officer", PASSWORD, replace=True)
    client = app.test_client()

    def attempt(password: str):
        token = csrf_of(client.get("/login").get_data(as_text=True))
        return client.post("/login", data={"username": "zhang", "password": password, "csrf_token": token})

    assert [attempt("wrong-password").status_code for _ in range(5)] == [401] * 5
    locked = attempt(PASSWORD)
    assert locked.status_code == 429 and "登录失败次数过多，请 15 分钟后再试" in locked.get_data(as_text=True)
    clock.now += 901
    assert attempt(PASSWORD).status_code == 302
