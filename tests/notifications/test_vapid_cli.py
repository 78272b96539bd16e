"""`flask --app hub vapid` makes the Web Push key once; the app serves its public half."""

from __future__ import annotations

from py_vapid import Vapid02

from hub.notifications import vapid


def test_vapid_command_writes_a_key_once(app, monkeypatch, tmp_path):
    target = tmp_path / "vapid_private.pem"
    monkeypatch.setattr(vapid, "KEY_FILE", str(target))  # an absolute name wins over instance/
    monkeypatch.delenv("HUB_VAPID_PRIVATE_KEY", raising=False)
    runner = app.test_cli_runner()

    made = runner.invoke(args=["vapid"])
    assert made.exit_code == 0, made.output
    key = Vapid02.from_pem(target.read_bytes())
    assert vapid.public_key(key) in made.output
    assert oct(target.stat().st_mode & 0o777) == "0o600"

    again = runner.invoke(args=["vapid"])
    assert again.exit_code != 0 and "exists" in again.output
    assert runner.invoke(args=["vapid", "--if-missing"]).exit_code == 0
    assert Vapid02.from_pem(target.read_bytes()).public_key.public_numbers() == key.public_key.public_numbers()


def test_environment_key_wins_and_may_be_a_path(monkeypatch, tmp_path):
    key = Vapid02()
    key.generate_keys()
    path = tmp_path / "k.pem"
    path.write_bytes(key.private_pem())
    monkeypatch.setenv("HUB_VAPID_PRIVATE_KEY", str(path))
    assert vapid.configured_pem(tmp_path / "instance") == key.private_pem()
    monkeypatch.setenv("HUB_VAPID_PRIVATE_KEY", key.private_pem().decode().replace("\n", "\\n"))
    assert vapid.configured_pem(tmp_path / "instance") == key.private_pem()
